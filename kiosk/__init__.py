"""The card kiosk: a loyalty-card kiosk for a shop counter.

Sub-packages, with imports flowing one way
(``ui`` -> ``sync``/``storage``/``central`` -> ``domain``):

- ``kiosk.domain``: pure rules (the customer edit call, response rendering, PIN hashing, masking);
- ``kiosk.storage``: the local SQLite store and its outbox;
- ``kiosk.central``: the central API client and the reference server;
- ``kiosk.sync``: the outbox worker that delivers queued edits;
- ``kiosk.ui``: the Textual application;
- ``kiosk.cli``: the ``kiosk`` command.
"""

__version__ = "0.2.0.dev0"
