"""Registering an unknown card (rule M4d) and editing details (rules A3, A4, M8)."""

from __future__ import annotations

from textual.widgets import Input

from tests.ui.conftest import JANE, NEW_CARD, on_screen, swipe, text_of, wait_until


async def fill(pilot, field: str, value: str) -> None:
    widget = pilot.app.screen.query_one(f"#field-{field}", Input)
    widget.value = value
    await pilot.pause()


async def test_registering_an_unknown_card_creates_the_customer_and_queues_it(
    make_app, store
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, NEW_CARD.card_number)
        await on_screen(pilot, "register-offer-screen")
        await pilot.press("enter")  # "Register" has the focus
        await on_screen(pilot, "register-screen")
        await pilot.press(*"Maya", "tab", *"Kim", "tab", *"555-0199", "tab", *"maya@x.test")
        await pilot.click("#save")
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("5", "5", "6", "6", "enter", "5", "5", "6", "6", "enter")
        await on_screen(pilot, "home-screen")
        assert "Maya" in text_of(app, ".title")

    customer = store.find_customer(NEW_CARD.card_number)
    assert customer["first_name"] == "Maya" and customer["email"] == "maya@x.test"
    assert store.verify_pin(customer["code"], "5566")
    queued = store.outbox.entries(state="pending")
    assert [entry.local_status for entry in queued] == ["new", "update"]
    # Rule M4d: the new customer is sent by its card number, not by a kiosk-made code.
    assert queued[0].request["card_number"] == NEW_CARD.card_number
    assert "code" not in queued[0].request


async def test_registration_with_a_bad_email_shows_the_error_next_to_it_and_saves_nothing(
    make_app, store
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        swipe(app, NEW_CARD.card_number)
        await on_screen(pilot, "register-offer-screen")
        await pilot.click("#register")
        await on_screen(pilot, "register-screen")
        await fill(pilot, "first_name", "Maya")
        await fill(pilot, "email", "not-an-email")
        await pilot.click("#save")
        await wait_until(pilot, lambda: "does not look like" in text_of(app, "#error-email"), "")
        assert app.screen.id == "register-screen"
        assert app.focused is app.screen.query_one("#field-email")
    assert store.find_customer(NEW_CARD.card_number) is None
    assert store.outbox.entries() == []


async def open_edit_form(pilot) -> None:
    app = pilot.app
    swipe(app, JANE.card_number)
    await on_screen(pilot, "pin-screen")
    await pilot.press(*JANE.pin, "enter")
    await on_screen(pilot, "home-screen")
    await pilot.click("#edit")
    await on_screen(pilot, "edit-screen")


async def test_invalid_values_show_errors_next_to_each_field_and_change_nothing(
    make_app, store
) -> None:
    before = store.find_customer(JANE.card_number)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await open_edit_form(pilot)
        await fill(pilot, "email", "jane@")
        await fill(pilot, "phone", "call me")
        await fill(pilot, "custom_date", "2023-02-30")
        await fill(pilot, "custom_field_1", "Cheddar")
        await fill(pilot, "custom_field_2", "yesterday")
        await pilot.click("#save")
        await wait_until(pilot, lambda: text_of(app, "#error-email") != "", "errors shown")
        assert "name@example.com" in text_of(app, "#error-email")
        assert "Phone number" in text_of(app, "#error-phone")
        assert "YYYY-MM-DD" in text_of(app, "#error-custom_date")
        assert "Gouda" in text_of(app, "#error-custom_field_1")
        assert "YYYY.MM.DD HH:MM:SS" in text_of(app, "#error-custom_field_2")
        assert text_of(app, "#error-first_name") == ""
        assert app.screen.id == "edit-screen"
    assert store.find_customer(JANE.card_number) == before
    assert store.outbox.entries() == []


async def test_a_valid_edit_saves_only_the_changed_fields_and_queues_them(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await open_edit_form(pilot)
        await fill(pilot, "city", "Lisbon")
        await fill(pilot, "custom_date", "1990-05-17")
        await fill(pilot, "custom_field_1", "Gouda")
        await pilot.click("#save")
        await on_screen(pilot, "home-screen")
    customer = store.find_customer(JANE.card_number)
    assert customer["city"] == "Lisbon" and customer["custom_date"] == "1990-05-17"
    assert customer["custom_values"] == {1: "Gouda"}
    [entry] = store.outbox.entries()
    assert set(entry.request) == {"code", "city", "custom_date", "custom_field_1"}
