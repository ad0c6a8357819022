"""Staff mode: login, credits with confirmation, new cards, the sync queue; all audited."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from kiosk.storage.audit import audit_rows
from kiosk.storage.database import write_transaction
from tests.ui.conftest import BOB, JANE, STAFF_PIN, on_screen, swipe, text_of, wait_until


async def staff_login(pilot) -> None:
    await pilot.press("f9")
    await on_screen(pilot, "staff-login-screen")
    await pilot.press(*STAFF_PIN, "enter")
    await on_screen(pilot, "staff-home-screen")


async def open_customer_by_swipe(pilot, card: str) -> None:
    swipe(pilot.app, card)
    await on_screen(pilot, "staff-customer-screen")


async def test_a_wrong_staff_pin_keeps_staff_mode_closed(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("f9")
        await on_screen(pilot, "staff-login-screen")
        await pilot.press("1", "1", "1", "1", "enter")
        await wait_until(pilot, lambda: "Wrong staff PIN" in text_of(app, "#pin-error"), "error")
        assert app.current_mode == "kiosk" and app.staff_actor is None


async def test_staff_credit_is_confirmed_then_changes_the_balance_queues_and_audits(
    make_app, store
) -> None:
    code = store.find_customer(JANE.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await open_customer_by_swipe(pilot, JANE.card_number)
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == "Add 25 points to Coffee club for Jane Doe?"
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
        await wait_until(
            pilot,
            lambda: (
                "Coffee club: 145 points"
                in [str(w.content) for w in app.screen.query(".balance-line")]
            ),
            "new balance shown",
        )
    [balance] = [b for b in store.balances(code) if b["campaign_id"] == "1"]
    assert balance["balance"] == "145"
    [entry] = store.outbox.entries()
    assert entry.request == {"code": code, "campaign_id": "1", "auto_add": "25"}
    [row] = audit_rows(store.db)
    assert row["actor"] == "staff (PIN)" and row["action"] == "customer.credit"
    assert JANE.card_number not in row["detail"]


async def test_answering_no_to_the_credit_confirmation_changes_nothing(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await open_customer_by_swipe(pilot, JANE.card_number)
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")
        await pilot.press("enter")  # "No" has the focus
        await on_screen(pilot, "staff-customer-screen")
    assert store.outbox.entries() == [] and audit_rows(store.db) == []


async def test_staff_issue_a_new_card_that_replaces_the_old_one(make_app, store) -> None:
    code = store.find_customer(BOB.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await open_customer_by_swipe(pilot, BOB.card_number)
        await pilot.click("#new-card")
        await on_screen(pilot, "confirm-screen")
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
        await wait_until(pilot, lambda: bool(audit_rows(store.db)), "audited")
        new_card = store.customer(code)["card_number"]
        assert new_card != BOB.card_number and len(new_card) == 16
        assert new_card not in app.export_screenshot()
    assert store.find_customer(BOB.card_number) is None
    [entry] = store.outbox.entries()
    assert entry.request == {"code": code, "card_number_generate": "16"}
    assert audit_rows(store.db)[0]["action"] == "card.issue"


async def test_staff_find_a_customer_by_name_and_edit_a_field_with_an_audit_row(
    make_app, store
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await pilot.press(*"Smi", "enter")
        await wait_until(
            pilot, lambda: app.screen.query_one("#results", OptionList).option_count == 1, ""
        )
        await pilot.press("enter")
        await on_screen(pilot, "staff-customer-screen")
        await pilot.click("#edit")
        await on_screen(pilot, "edit-screen")
        app.screen.query_one("#field-phone", Input).value = "555-0303"
        await pilot.click("#save")
        await on_screen(pilot, "staff-customer-screen")
    assert store.find_customer(BOB.card_number)["phone"] == "555-0303"
    [row] = audit_rows(store.db)
    assert row["action"] == "customer.edit" and row["detail"].endswith("phone")
    assert "555-0303" not in row["detail"]


def park_for_attention(store, card: str) -> str:
    """Queue an edit and put it where the sync worker puts definitive errors (S6)."""
    code = store.find_customer(card)["code"]
    result = store.apply_edit({"code": code, "city": "Porto"})
    with write_transaction(store.db):
        store.db.conn.execute(
            "UPDATE outbox SET state = 'attention', last_error = 'Unknown campaign' "
            "WHERE entry_id = ?",
            (result.entry_id,),
        )
    return result.entry_id


async def open_queue(pilot) -> None:
    await staff_login(pilot)
    await pilot.click("#queue")
    await on_screen(pilot, "sync-queue-screen")


async def test_staff_retry_a_needs_attention_entry(make_app, store) -> None:
    entry_id = park_for_attention(store, JANE.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await open_queue(pilot)
        assert "Unknown campaign" in text_of(app, "#entry-detail")
        await pilot.click("#retry")
        await wait_until(pilot, lambda: store.outbox.entry(entry_id).state == "pending", "")
    [row] = audit_rows(store.db)
    assert row["action"] == "outbox.retry" and row["actor"] == "staff (PIN)"


async def test_staff_discard_needs_a_reason_and_a_confirmation(make_app, store) -> None:
    entry_id = park_for_attention(store, JANE.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await open_queue(pilot)
        await pilot.click("#discard")
        await wait_until(
            pilot, lambda: app.focused is app.screen.query_one("#reason"), "reason asked"
        )
        assert store.outbox.entry(entry_id).state == "attention"
        await pilot.press(*"duplicate", "tab")
        await pilot.click("#discard")
        await on_screen(pilot, "confirm-screen")
        await pilot.click("#confirm-yes")
        await wait_until(pilot, lambda: store.outbox.entry(entry_id).state == "discarded", "")
    [row] = audit_rows(store.db)
    assert row["action"] == "outbox.discard" and row["detail"].endswith("duplicate")


async def test_staff_screen_shows_the_reader_status_and_leaving_returns_to_the_swipe_screen(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        assert "Keyboard" in text_of(app, "#staff-reader")
        await pilot.press("escape")
        await on_screen(pilot, "swipe-screen")
        assert app.current_mode == "kiosk" and app.staff_actor is None


async def staff_sync_line(make_app, stale_after_hours: float) -> str:
    """The sync line of the staff home screen, with the given stale age configured."""
    app = make_app(stale_after_hours=stale_after_hours)
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_login(pilot)
        await wait_until(pilot, lambda: "1 waiting" in text_of(app, "#staff-sync"), "status")
        return text_of(app, "#staff-sync")


async def test_staff_see_a_stale_queue_past_the_configured_age(make_app, store) -> None:
    """api-notes/S2: changes waiting longer than sync.stale_after_hours warn staff."""
    store.apply_edit({"card_number": JANE.card_number, "city": "Queued"})
    with write_transaction(store.db):
        store.db.conn.execute("UPDATE outbox SET created_at = '2020-01-01T00:00:00+00:00'")
    assert "STALE" in await staff_sync_line(make_app, 24.0)
    assert "STALE" not in await staff_sync_line(make_app, 24.0 * 365 * 100)
