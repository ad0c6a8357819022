"""The audit trail: who did what, for staff actions and outbox decisions (never secrets)."""

from __future__ import annotations

from typing import Any

from kiosk.storage.database import Database, utc_now


def record_audit(db: Database, actor: str, action: str, detail: str = "") -> None:
    """Append one audit row. Call inside the transaction of the change it describes."""
    db.conn.execute(
        "INSERT INTO audit (at, actor, action, detail) VALUES (?, ?, ?, ?)",
        (utc_now(), actor, action, detail),
    )


def audit_rows(db: Database, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest audit rows, newest first."""
    rows = db.conn.execute(
        "SELECT at, actor, action, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [dict(zip(("at", "actor", "action", "detail"), row, strict=True)) for row in rows]
