"""The only code that reads or writes the kiosk's SQLite file.

:class:`~kiosk.storage.customer_store.Store` opens the file (WAL, ``synchronous=FULL``;
:mod:`~kiosk.storage.database`), checks its schema with plain SQL
(:mod:`~kiosk.storage.schema_version`) and runs the migrations only when it is behind
(:mod:`~kiosk.storage.migrations`, sqlite-utils), then applies each edit and writes its
:class:`~kiosk.storage.outbox.Outbox` entry in one transaction (S1). Beside it, each table has
one owner: the outbox and its entry type (``outbox``, ``outbox_entry``, ``queue_schema``,
``outbox_archive``, ``look_back``, and ``queue_view``, what staff see of it in one snapshot),
the counter's redemptions and purchases (``counter``, ``counter_entries``, ``rewards``), history
and search (``lookup``), the pull's refresh (``refresh``), code adoption (``codes``), replaced
cards, audit, PIN locks, the kiosk clock, sync state, backups and copies, the background
checkpoint and the one-sender lock. Of the other packages it imports ``kiosk.domain`` only:
never the settings, the HTTP client or the UI.
"""
