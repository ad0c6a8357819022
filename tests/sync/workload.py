"""A deterministic shop day for sync proofs: registrations, edits and credits over many cards.

The same seed gives the same requests, so a run through faults can be compared with a clean run
field by field and balance by balance.
"""

from __future__ import annotations

import random
from pathlib import Path

from kiosk.domain.secrets import hash_secret
from kiosk.reference.server import DEFAULT_CREDENTIALS, RunningServer
from kiosk.reference.store import ReferenceStore
from kiosk.storage.customer_store import Store

KNOWN_PREFIX = "70000000"
NEW_PREFIX = "80000000"


def seed_central(central: RunningServer, known: int) -> None:
    """Customers the central API already has (as if registered elsewhere)."""

    def create(store: ReferenceStore) -> None:
        for i in range(known):
            store.apply_edit(
                {
                    "card_number": f"{KNOWN_PREFIX}{i:04d}",
                    "first_name": f"Known{i}",
                    "auto_add": "5",
                    "campaign_id": "1",
                    "send_no_email": "y",
                }
            )

    central.read(create)


def apply_shop_day(kiosk: Store, *, seed: int, known: int, new: int, edits: int) -> int:
    """Apply a day of local edits to ``kiosk`` (offline); returns how many were applied."""
    rng = random.Random(seed)
    registered: list[str] = [f"{KNOWN_PREFIX}{i:04d}" for i in range(known)]
    to_register = [f"{NEW_PREFIX}{i:04d}" for i in range(new)]
    applied = 0
    while applied < edits:
        if to_register and (rng.random() < 0.08 or len(registered) < 5):
            card = to_register.pop(0)
            request = {"card_number": card, "first_name": f"New{card[-4:]}", "last_name": "Shopper"}
            if rng.random() < 0.5:
                request.update(auto_add="10", campaign_id="1")  # sign-up bonus (M9)
            kiosk.apply_edit(request)
            registered.append(card)
            applied += 1
            continue
        card = rng.choice(registered)
        request = _edit(rng)
        if rng.random() < 0.5:
            request["card_number"] = card
        else:
            local = kiosk.find_customer(card)
            assert local is not None
            request["code"] = local["code"]
        kiosk.apply_edit(request)
        applied += 1
    return applied


def _edit(rng: random.Random) -> dict[str, str]:
    roll = rng.random()
    if roll < 0.4:
        name = rng.choice(["phone", "city", "first_name", "email"])
        value = {
            "phone": f"555-{rng.randint(0, 9999):04d}",
            "city": rng.choice(["Anytown", "Othertown", "Ålesund", "O'Fallon"]),
            "first_name": rng.choice(["Ann", "Bo", "Zoë", "Li"]),
            "email": f"x{rng.randint(0, 999)}@example.com",
        }[name]
        return {name: value}
    if roll < 0.7:
        return {"auto_add": str(rng.randint(1, 20)), "campaign_id": "1"}
    if roll < 0.8:
        return {"auto_add": "1", "campaign_id": "3"}
    if roll < 0.9:
        return {"auto_add": rng.choice(["Latte", "Tea"]), "campaign_id": "2"}
    return {"custom_field_1": rng.choice(["likes cheese", "no nuts", ""])}


def comparable(customers: dict[str, dict]) -> dict[str, dict]:
    """Central customers by card without what legitimately differs between runs (codes, times)."""
    return {
        card: {k: v for k, v in record.items() if k not in ("code", "created_at", "updated_at")}
        for card, record in customers.items()
    }


def write_config(directory: Path, url: str, *, timeout: float, concurrency: int = 4) -> Path:
    """A kiosk.toml and a 0600 credentials file for a sync process talking to ``url``."""
    credentials = directory / "credentials"
    credentials.write_text(DEFAULT_CREDENTIALS.api_key + "\n")
    credentials.chmod(0o600)
    config = directory / "kiosk.toml"
    config.write_text(
        f'store_name = "Chaos"\n'
        f"[central]\n"
        f'url = "{url}"\n'
        f'account_id = "{DEFAULT_CREDENTIALS.account_id}"\n'
        f'user_id = "{DEFAULT_CREDENTIALS.user_id}"\n'
        f'credentials_file = "{credentials}"\n'
        f"timeout_seconds = {timeout}\n"
        f"[sync]\n"
        f"concurrency = {concurrency}\n"
        f"pull_interval_minutes = 0\n"
        f"[ui]\n"
        f'staff_pin_hash = "{hash_secret("1234")}"\n'
    )
    return config
