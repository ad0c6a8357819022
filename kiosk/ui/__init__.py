"""The kiosk's Textual interface: ``build_app()`` in :mod:`kiosk.ui.app` wires it together."""
