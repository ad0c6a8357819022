"""Card readers for the kiosk: pure swipe decoding apart from reader I/O.

Pure modules (no hardware, no third-party imports): ``swipe`` (track text -> ``Swipe`` or
``BadSwipe``), ``masking``, ``serial_framing`` (byte/char stream -> frames -> swipes),
``hid_keymap`` and ``hid_decoder`` (evdev key codes -> characters -> swipes), ``wedge`` (swipes
typed into the terminal), ``discovery`` and ``readers_cli`` (installer helpers).

I/O modules: ``evdev_reader``, ``serial_reader`` and ``script_reader``; ``readers.open_reader()``
builds one from a spec string. Only ``*_reader.py`` modules import ``evdev`` or ``serial``, and
only when a reader is opened. This package imports neither ``kiosk`` nor ``textual``.
"""
