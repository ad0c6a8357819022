"""Getting the queue to the central API and the central API's customers back: decisions, no SQL.

:class:`~kiosk.sync.service.SyncService` is the one service every entry point runs (``kiosk
run``, ``kiosk demo``, ``kiosk sync run|once``): drain, periodic pull, heartbeat, one client
with one connection pool, one retry loop (:mod:`~kiosk.sync.own_thread` runs it on a thread of
its own beside the UI). :class:`~kiosk.sync.worker.SyncWorker` delivers entries (order per
customer, bounded concurrency, backoff); :mod:`~kiosk.sync.intent` says what to send for an
entry; credits, redemptions and purchases go tagged and are decided by their tag
(:mod:`~kiosk.sync.tagged`, :mod:`~kiosk.sync.credits`, :mod:`~kiosk.sync.counter`), the rest
by the checks in :mod:`~kiosk.sync.balance_check`; :mod:`~kiosk.sync.sweep` looks back at
delivered entries; :mod:`~kiosk.sync.pull` refreshes customers. Reads and writes go through
``kiosk.storage``, calls through ``kiosk.central``.
"""
