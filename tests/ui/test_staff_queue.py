"""The staff sync queue (S6, issue 14): each entry by customer name and masked card, the change
in words, its state; a live list whose counts agree with the top line and the staff home; retry;
discard with a reason and a confirmation that states the consequence, dependants included."""

from __future__ import annotations

import re
from dataclasses import replace

from kiosk.domain.secrets import mask_card
from kiosk.storage.audit import audit_rows
from kiosk.storage.sync_state import read_status, record_contact
from kiosk.ui.app import build_app
from kiosk.ui.config import KioskConfig
from tests.conftest import register_secret
from tests.ui.conftest import BOB, JANE, NEW_CARD, on_screen, text_of, wait_until
from tests.ui.journeys import staff_home, sync_queue

BOB_CARD, JANE_CARD, NEW_CARD_MASKED = (
    mask_card(card.card_number) for card in (BOB, JANE, NEW_CARD)
)
API_NAME = re.compile(r"custom_\w+|card_number|customer_\w+|auto_add|campaign_id|\bcode\b")
register_secret("5566", pin=True)


def park_for_attention(store, card: str, problem: str = "Unknown campaign") -> str:
    """Queue an edit and park it as the sync service parks a definitive error (S6)."""
    code = store.find_customer(card)["code"]
    result = store.apply_edit({"code": code, "city": "Porto"})
    store.outbox.needs_attention(store.outbox.entry(result.entry_id), problem)
    return result.entry_id


def option_texts(app) -> list[str]:
    options = app.screen.query_one("#entries")
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_entries_show_the_customer_the_change_in_words_and_the_state(make_app, store) -> None:
    """Issue 14: entries were named by masked codes and API field names, with no name."""
    jane = store.find_customer(JANE.card_number)["code"]
    park_for_attention(store, BOB.card_number)
    store.apply_edit({"code": jane, "campaign_id": "1", "auto_add": "25"})
    store.apply_edit({"code": jane, "phone": "555-0101", "custom_field_1": "Gouda"})
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        texts = option_texts(app)
        assert texts == [
            f"ATTENTION Bob Smith {BOB_CARD}: Details changed: city",
            f"waiting   Jane Doe {JANE_CARD}: Add 25 points to Coffee club",
            f"waiting   Jane Doe {JANE_CARD}: Details changed: phone, favourite cheese",
        ]
        assert not any(API_NAME.search(text) for text in texts)
        assert "Needs attention: Unknown campaign" in text_of(app, "#entry-detail")


async def test_an_entry_behind_one_that_needs_attention_says_it_is_held_back(
    make_app, store
) -> None:
    bob = store.find_customer(BOB.card_number)["code"]
    park_for_attention(store, BOB.card_number)
    store.apply_edit({"code": bob, "customer_PIN": "5566"})
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        assert option_texts(app)[1] == f"held      Bob Smith {BOB_CARD}: PIN changed"
        await pilot.press("down")
        assert "Waits for an earlier change of this customer" in text_of(app, "#entry-detail")


async def test_the_list_refreshes_by_itself_and_its_counts_agree_with_every_header(
    make_app, store
) -> None:
    """Issue 14: the queue did not refresh, and "Online - 1 waiting" stood above
    "0 waiting, 1 need attention"."""
    record_contact(store.db, ok=True)
    park_for_attention(store, BOB.card_number)
    app = make_app(status_interval=0.05)
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_home(pilot)
        await wait_until(
            pilot, lambda: "1 needs attention" in text_of(app, "#staff-sync"), "home line"
        )
        assert "Sync: online, 1 needs attention, last contact" in text_of(app, "#staff-sync")
        assert text_of(app, "#sync-indicator") == "Online - 1 needs attention"
        await pilot.click("#queue")
        await on_screen(pilot, "sync-queue-screen")
        assert text_of(app, "#queue-title") == "Sync queue - 1 needs attention"
        assert text_of(app, "#sync-indicator") == "Online - 1 needs attention"
        assert len(option_texts(app)) == 1
        jane = store.find_customer(JANE.card_number)["code"]
        store.apply_edit({"code": jane, "city": "Faro"})  # no key pressed from here on
        await wait_until(pilot, lambda: len(option_texts(app)) == 2, "the new entry listed")
        assert text_of(app, "#queue-title") == "Sync queue - 1 waiting, 1 needs attention"
        assert text_of(app, "#sync-indicator") == "Online - 1 waiting, 1 needs attention"


async def test_a_status_read_before_the_latest_change_does_not_split_the_list_from_its_title(
    make_app, store
) -> None:
    """The status is read off the event loop: one read before an edit can arrive after it (a
    CI run caught the list showing the new entry under "1 needs attention"). The screen must
    not change the list until a status agrees with it; then all three change together."""
    record_contact(store.db, ok=True)
    park_for_attention(store, BOB.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        await wait_until(pilot, lambda: app.sync_status is not None, "the first status")
        read_before = app.sync_status
        assert read_before is not None and read_before.attention == 1
        jane = store.find_customer(JANE.card_number)["code"]
        store.apply_edit({"code": jane, "city": "Faro"})
        # The read made before the edit is delivered after it (an age differs, as it would).
        app.sync_status = replace(read_before, last_contact_age=123.0)
        assert len(option_texts(app)) == 1
        assert text_of(app, "#queue-title") == "Sync queue - 1 needs attention"
        assert text_of(app, "#sync-indicator") == "Online - 1 needs attention"
        # The screen asked for a fresh status; with it, the list and both headers move at once.
        await wait_until(pilot, lambda: len(option_texts(app)) == 2, "the new entry listed")
        assert text_of(app, "#queue-title") == "Sync queue - 1 waiting, 1 needs attention"
        assert text_of(app, "#sync-indicator") == "Online - 1 waiting, 1 needs attention"


async def test_a_status_that_never_agrees_still_lets_staff_see_the_list(
    store, clock, staff_pin_hash
) -> None:
    """A fast drain can move the queue between every status read and the list's: after a few
    fresh statuses asked for in vain, the list is shown with its own snapshot's counts."""
    park_for_attention(store, BOB.card_number)
    behind = replace(read_status(store.db), pending=0, attention=0)
    config = KioskConfig(store_name="Test shop", cursor_blink=False, staff_pin_hash=staff_pin_hash)
    app = build_app(
        store,
        config=config,
        clock=clock,
        timers=clock,
        survive_errors=False,
        status_reader=lambda: behind,
    )
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        await wait_until(pilot, lambda: len(option_texts(app)) == 1, "the list shown")
        assert text_of(app, "#queue-title") == "Sync queue - 1 needs attention"
        assert option_texts(app)[0].startswith("ATTENTION Bob Smith")


async def test_staff_retry_a_needs_attention_entry(make_app, store) -> None:
    entry_id = park_for_attention(store, JANE.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        assert "Unknown campaign" in text_of(app, "#entry-detail")
        await pilot.click("#retry")
        await wait_until(pilot, lambda: store.outbox.entry(entry_id).state == "pending", "")
        await wait_until(pilot, lambda: option_texts(app)[0].startswith("waiting"), "relisted")
    [row] = audit_rows(store.db)
    assert row["action"] == "outbox.retry" and row["actor"] == "staff (PIN)"


async def test_staff_discard_needs_a_reason_and_a_confirmation(make_app, store) -> None:
    entry_id = park_for_attention(store, JANE.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        await pilot.click("#discard")
        await wait_until(
            pilot, lambda: app.focused is app.screen.query_one("#reason"), "reason asked"
        )
        assert store.outbox.entry(entry_id).state == "attention"
        await pilot.press(*"duplicate", "tab")
        await pilot.click("#discard")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            f"Discard this change for Jane Doe {JANE_CARD}?\nDetails changed: city\n"
            "It will never reach the central system."
        )
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: store.outbox.entry(entry_id).state == "discarded", "")
        await wait_until(pilot, lambda: option_texts(app) == [], "the list emptied")
    [row] = audit_rows(store.db)
    assert row["action"] == "outbox.discard" and row["detail"].endswith("duplicate")


async def test_discarding_a_registration_explains_and_discards_the_changes_that_depend_on_it(
    make_app, store
) -> None:
    """Issue 14: a waiting registration could be discarded, leaving its follow-ups orphaned."""
    new = store.apply_edit(
        {"card_number": NEW_CARD.card_number, "first_name": "Maya", "customer_PIN": "5566"}
    )
    code = new.plan.code
    store.apply_edit({"code": code, "city": "Porto"})
    store.apply_edit({"code": code, "campaign_id": "1", "auto_add": "5"})
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await sync_queue(pilot)
        assert option_texts(app)[0] == (
            f"waiting   Maya {NEW_CARD_MASKED}: New customer with PIN; Details: first name"
        )
        await pilot.press("tab", *"customer left", "tab")
        await pilot.click("#discard")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            f"Discard the registration of Maya {NEW_CARD_MASKED}?\n"
            "The central system will never hear of this customer, so the 2 later changes that "
            "depend on it are discarded too: Details changed: city; "
            "Add 5 points to Coffee club.\nThe customer stays on this kiosk only."
        )
        assert str(app.screen.query_one("#confirm-yes").label) == "Discard all"
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: option_texts(app) == [], "all three gone")
    assert [e.state for e in store.outbox.entries()] == ["discarded"] * 3
    rows = audit_rows(store.db)
    assert len(rows) == 3 and all(row["action"] == "outbox.discard" for row in rows)
    assert sum("depends on entry" in row["detail"] for row in rows) == 2
