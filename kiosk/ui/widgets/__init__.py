"""Widgets of the kiosk interface, one per module."""
