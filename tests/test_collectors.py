"""The S8 leak test's collectors patch private APIs (here pytest's ``RaisesExc.__exit__``;
Textual's ``App._display`` in tests/ui/test_collectors.py): these tests fail loudly the day a
pinned version changes and a patch stops collecting, instead of the leak test passing on
nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import LEAKS


def test_exceptions_caught_by_pytest_raises_are_recorded() -> None:
    canary = f"canary-{uuid.uuid4().hex}"
    with pytest.raises(ValueError, match="canary"):
        raise ValueError(canary)
    assert any(canary in text for _, text in LEAKS.texts), "pytest.raises patch collects nothing"
