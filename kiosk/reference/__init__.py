"""The reference central API: a stand-in for the ClientToolbox service, for tests and demos.

:mod:`kiosk.reference.server` serves it over HTTP (``kiosk central serve``, or
:func:`~kiosk.reference.server.start_server` in tests), :mod:`kiosk.reference.calls` answers
each call, :mod:`kiosk.reference.queries` reads customers, :mod:`kiosk.reference.store` holds the
account in an SQLite file of its own, :mod:`kiosk.reference.faults` injects failures. It imports
the pure rules of :mod:`kiosk.domain` and the standard library only: never the kiosk's storage,
sync, client or UI, so that it stays a model of the real service and not of our product.
"""
