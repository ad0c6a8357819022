"""Screens of the kiosk interface, one flow step (or staff function) per module."""
