"""Slow work off the UI thread: scrypt checks and PIN hashing, in a worker thread.

Provides :func:`verify_pin_off_thread`, :func:`remember_pin_off_thread` and
:func:`apply_edit_off_thread` (staff PIN and staff
card checks need no store: their callers use ``asyncio.to_thread`` directly). A scrypt check
costs ~50 ms here and several hundred ms on a Pi; on the event loop it would freeze the screen,
the inactivity timer and the watchdog pings.

Why a connection of its own for store work: the app's connection is shared with the sync worker
on the event loop; a write transaction opened from a thread on that same connection would mix
with the loop's statements (``BEGIN`` inside a transaction). A second connection to the same
WAL file is what SQLite is built for: readers never block, writers queue on the busy timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TypeVar

from kiosk.storage.customer_store import Store
from kiosk.storage.records import AuditNote, EditResult

T = TypeVar("T")


def _with_own_connection(store: Store, work: Callable[[Store], T]) -> Callable[[], T]:
    def call() -> T:
        # type(store): the same Store class the app was given, opened on the same file.
        with type(store)(store.path) as own:
            # The same listeners: an edit made here still wakes the sync service at once.
            own.queued_listeners.extend(store.queued_listeners)
            own.offline_policy = store.offline_policy  # the shop's [rewards] settings
            return work(own)

    return call


async def verify_pin_off_thread(store: Store, code: str, pin: str) -> bool:
    """``store.verify_pin(code, pin)`` in a worker thread, on a connection of its own."""
    return await asyncio.to_thread(
        _with_own_connection(store, lambda own: bool(own.verify_pin(code, pin)))
    )


async def remember_pin_off_thread(store: Store, code: str, pin: str) -> None:
    """``store.remember_pin(code, pin)`` in a worker thread (scrypt), on a connection of its own."""
    await asyncio.to_thread(_with_own_connection(store, lambda own: own.remember_pin(code, pin)))


async def apply_edit_off_thread(
    store: Store, request: Mapping[str, str], *, audit: AuditNote | None = None
) -> EditResult:
    """``store.apply_edit(request)`` in a worker thread (a ``customer_PIN`` edit hashes it);
    ``audit`` records a staff edit in the same transaction."""
    return await asyncio.to_thread(
        _with_own_connection(store, lambda own: own.apply_edit(dict(request), audit=audit))
    )
