"""Fixtures shared by every test package: a real SQLite store in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.domain.fields import Campaign, CustomFieldDef
from kiosk.storage.customer_store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh store on a real SQLite file, with the documented custom fields and campaigns."""
    with Store(tmp_path / "kiosk.db") as opened:
        opened.define_custom_field(CustomFieldDef(1, "Favourite cheese", "text"))
        opened.define_custom_field(
            CustomFieldDef(2, "Marital status", "pick", ("Single", "Married"))
        )
        opened.define_custom_field(CustomFieldDef(3, "Last visit", "datetime"))
        opened.define_custom_field(
            CustomFieldDef(4, "Cheeses liked", "list", ("Gouda", "Emental", "Swiss"))
        )
        opened.define_campaign(Campaign("1", "Points", "points"))
        opened.define_campaign(Campaign("2", "Visits", "visits"))
        opened.define_campaign(Campaign("3", "Store credit", "dollars"))
        opened.define_campaign(Campaign("4", "Coffee card", "buyx"))
        yield opened
