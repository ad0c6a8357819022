"""Staff mode: login and its lock, credits checked as typed and confirmed with their exact
effect, new cards handed over once, edits; all audited. Issue 14's staff findings each have a
test here (the sync queue's are in test_staff_queue.py)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from kiosk.storage.audit import audit_rows
from kiosk.storage.database import write_transaction
from kiosk.ui.screens.card_issued import grouped
from kiosk.ui.visit import REPLACED
from tests.conftest import register_secret
from tests.ui.conftest import BOB, JANE, on_screen, screen_svg, swipe, text_of, wait_until
from tests.ui.journeys import staff_customer
from tests.ui.journeys import staff_home as staff_login


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


async def test_three_wrong_staff_pins_lock_staff_login_in_words_about_staff_login(
    make_app,
) -> None:
    """Issue 14: the message spoke of "This card" after 3 wrong staff PINs."""
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("f9")
        await on_screen(pilot, "staff-login-screen")
        for left in ("Wrong staff PIN", "Wrong staff PIN"):
            await pilot.press("1", "1", "1", "1", "enter")
            await wait_until(pilot, lambda left=left: left in text_of(app, "#pin-error"), left)
            app.screen.set_error("")
        await pilot.press("1", "1", "1", "1", "enter")
        await on_screen(pilot, "swipe-screen")
        assert app.screen.notice == (
            "Too many wrong staff PINs. Staff login is locked for 30 seconds."
        )
        assert "card" not in app.screen.notice.lower()


async def test_staff_credit_is_confirmed_with_its_exact_effect_then_applied_and_audited(
    make_app, store
) -> None:
    code = store.find_customer(JANE.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot)
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            "Add 25 points to Coffee club for Jane Doe?\nCoffee club: 120 -> 145 points"
        )
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


async def choose_campaign(pilot, name: str) -> None:
    select = pilot.app.screen.query_one("#campaign")
    [value] = [c.campaign_id for c in pilot.app.screen.store.campaigns() if c.name == name]
    select.value = value
    await pilot.pause()


@pytest.mark.parametrize(
    ("campaign", "typed", "problem"),
    [
        # Issue 14: "Add abc visits to Visits?" was asked, and its error contradicted the rule.
        ("Visits", "abc", "'abc' is not a number. Visits: a whole number from 1 to"),
        # Issue 14: "Add -10 points?" was asked.
        ("Coffee club", "-10", "Only additions here. Points: above 0, up to"),
        ("Visits", "1.5", "Visits are whole. Visits: a whole number from 1 to"),
        ("Coffee club", "9.999", "At most 2 decimals. Points: above 0, up to"),
        ("Coffee club", "0", "Add more than 0. Points: above 0"),
    ],
)
async def test_a_wrong_amount_is_explained_as_typed_with_the_unit_and_never_confirmed(
    make_app, store, campaign, typed, problem
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot)
        await choose_campaign(pilot, campaign)
        app.screen.query_one("#amount", Input).focus()
        await pilot.press(*typed)
        await pilot.pause()
        help_line = app.screen.query_one("#amount-help")
        assert str(help_line.content).startswith(problem)
        assert help_line.has_class("-problem")
        await pilot.press("enter")
        await pilot.click("#add")
        await pilot.pause()
        assert app.screen.id == "staff-customer-screen"  # no confirmation was asked
    assert store.outbox.entries() == [] and audit_rows(store.db) == []


async def test_the_amount_rule_shows_before_typing_and_clears_its_problem_once_fixed(
    make_app,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot)
        await choose_campaign(pilot, "Visits")
        help_line = app.screen.query_one("#amount-help")
        rule = "Visits: a whole number from 1 to 1,000,000."
        assert str(help_line.content) == rule
        app.screen.query_one("#amount", Input).focus()
        await pilot.press("x")
        await pilot.pause()
        assert help_line.has_class("-problem")
        await pilot.press("backspace", "2")
        await pilot.pause()
        assert not help_line.has_class("-problem")
        await pilot.press("enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            "Add 2 visits to Visits for Jane Doe?\nVisits: 3 -> 5 visits"
        )


async def test_dialog_buttons_move_with_the_arrows_and_tab(make_app, store) -> None:
    """Issue 14: arrow keys did not move between the dialog's buttons."""
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot)
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")
        assert app.focused.id == "confirm-no"
        for key, expected in (
            ("left", "confirm-yes"),
            ("right", "confirm-no"),
            ("up", "confirm-yes"),
            ("down", "confirm-no"),
            ("tab", "confirm-yes"),
            ("shift+tab", "confirm-no"),
        ):
            await pilot.press(key)
            assert app.focused.id == expected, key
        await pilot.press("left", "enter")
        await on_screen(pilot, "staff-customer-screen")
    [entry] = store.outbox.entries()
    assert entry.request["auto_add"] == "25"


async def test_answering_no_to_the_credit_confirmation_changes_nothing(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot)
        await pilot.press("2", "5", "enter")
        await on_screen(pilot, "confirm-screen")
        await pilot.press("enter")  # "No" has the focus
        await on_screen(pilot, "staff-customer-screen")
    assert store.outbox.entries() == [] and audit_rows(store.db) == []


async def test_a_new_card_is_shown_whole_once_to_staff_to_hand_over_then_only_masked(
    make_app, store
) -> None:
    """Issue 14: "New card ************4758 issued": the full number appeared nowhere."""
    code = store.find_customer(BOB.card_number)["code"]
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_customer(pilot, BOB.card_number)
        await pilot.click("#new-card")
        await on_screen(pilot, "confirm-screen")
        assert "stop working" in text_of(app, "#confirm-question")
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "card-issued-screen")
        new_card = store.customer(code)["card_number"]
        register_secret(new_card)  # from here on, no other screen, log or error may show it
        assert new_card != BOB.card_number and len(new_card) == 16
        assert text_of(app, "#card-issued-number") == grouped(new_card)
        assert "Give the card to Bob Smith" in text_of(app, "#card-issued-steps")
        assert BOB.card_number[-4:] in text_of(app, "#card-issued-steps")
        await pilot.press("enter")  # "Card handed over"
        await on_screen(pilot, "staff-customer-screen")
        svg = screen_svg(app)
        assert new_card not in svg and grouped(new_card) not in svg
        assert new_card[-4:] in text_of(app, "#customer-card")
    assert store.find_customer(BOB.card_number) is None
    [entry] = store.outbox.entries()
    assert entry.request == {"code": code, "card_number_generate": "16"}
    assert audit_rows(store.db)[0]["action"] == "card.issue"


async def test_the_replaced_card_swiped_again_says_so_and_offers_nothing(make_app, store) -> None:
    """Issue 14: the old card said "This card is not registered yet. Register it now?"."""
    code = store.find_customer(BOB.card_number)["code"]
    store.apply_edit({"code": code, "card_number_generate": "16"})
    register_secret(store.customer(code)["card_number"])
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, BOB.card_number)
        await wait_until(pilot, lambda: app.screen.notice == REPLACED, "the replaced notice")
        assert app.screen.id == "swipe-screen" and len(app.screen_stack) == 1
    assert store.find_customer(BOB.card_number) is None
    assert len(store.outbox.entries()) == 1  # nothing was registered


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
        # Queued six years ago, by the wall clock and by the kiosk's clock (which measures).
        store.db.conn.execute(
            "UPDATE outbox SET created_at = '2020-01-01T00:00:00+00:00', "
            "created_clock = created_clock - 6 * 365 * 86400"
        )
    assert "STALE" in await staff_sync_line(make_app, 24.0)
    assert "STALE" not in await staff_sync_line(make_app, 24.0 * 365 * 100)
