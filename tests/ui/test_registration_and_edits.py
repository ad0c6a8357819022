"""Registering an unknown card (rule M4d) and editing details (rules A3, A4, M8), in words for
customers (issue 14): field labels, never API names; "Saved"; "Welcome" for a new customer; and
no card left without a PIN when the registration is abandoned at the PIN step."""

from __future__ import annotations

import re

from textual.widgets import Input

from tests.ui.conftest import JANE, NEW_CARD, on_screen, swipe, text_of, wait_until
from tests.ui.journeys import edit_form, register_form

API_NAME = re.compile(r"custom_\w+|card_number|customer_\w+|auto_add|_field")


async def fill(pilot, field: str, value: str) -> None:
    widget = pilot.app.screen.query_one(f"#field-{field}", Input)
    widget.value = value
    await pilot.pause()


async def test_registering_saves_the_customer_with_the_pin_in_one_edit_and_says_welcome(
    make_app, store
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await register_form(pilot)
        await pilot.press(*"Maya", "tab", *"Kim", "tab", *"555-0199", "tab", *"maya@x.test")
        await pilot.click("#next")
        await on_screen(pilot, "choose-pin-screen")
        assert store.find_customer(NEW_CARD.card_number) is None  # nothing saved before the PIN
        await pilot.press("5", "5", "6", "6", "enter", "5", "5", "6", "6", "enter")
        await on_screen(pilot, "home-screen")
        # Issue 14: a just-registered customer was greeted "Welcome back".
        assert text_of(app, "#home-greeting") == "Welcome, Maya!"

    customer = store.find_customer(NEW_CARD.card_number)
    assert customer["first_name"] == "Maya" and customer["email"] == "maya@x.test"
    assert store.verify_pin(customer["code"], "5566")
    [queued] = store.outbox.entries(state="pending")
    assert queued.local_status == "new" and "customer_PIN" in queued.request
    # Rule M4d: the new customer is sent by its card number, not by a kiosk-made code.
    assert queued.request["card_number"] == NEW_CARD.card_number
    assert "code" not in queued.request


async def test_escape_at_the_registration_pin_step_leaves_no_card_without_a_pin(
    make_app, store
) -> None:
    """Issue 14: Escape there used to leave a registered card with no PIN."""
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await register_form(pilot)
        await pilot.press(*"Maya")
        await pilot.click("#next")
        await on_screen(pilot, "choose-pin-screen")
        await pilot.press("5", "5", "escape")
        await on_screen(pilot, "register-screen")  # back to the form, still filled in
        assert app.screen.query_one("#field-first_name", Input).value == "Maya"
        await pilot.press("escape")
        await on_screen(pilot, "swipe-screen")
        assert store.find_customer(NEW_CARD.card_number) is None
        assert store.outbox.entries() == []
        swipe(app, NEW_CARD.card_number)  # the card is simply still unregistered
        await on_screen(pilot, "register-offer-screen")


async def test_registration_with_a_bad_email_shows_the_error_next_to_it_and_saves_nothing(
    make_app, store
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await register_form(pilot)
        await fill(pilot, "first_name", "Maya")
        await fill(pilot, "email", "not-an-email")
        await pilot.click("#next")
        await wait_until(pilot, lambda: "name@example.com" in text_of(app, "#error-email"), "")
        assert app.screen.id == "register-screen"
        assert app.focused is app.screen.query_one("#field-email")
    assert store.find_customer(NEW_CARD.card_number) is None
    assert store.outbox.entries() == []


async def test_invalid_values_are_explained_with_labels_never_api_names_and_change_nothing(
    make_app, store
) -> None:
    """Issue 14: customers read "custom_date must be a real date written YYYY-MM-DD" and
    "custom_field_1 (Favourite cheese) got 'Brie'"."""
    before = store.find_customer(JANE.card_number)
    app = make_app(custom_date_label="Birthday", custom_date_hint="YYYY-MM-DD, e.g. 1990-05-17")
    async with app.run_test(size=(80, 25)) as pilot:
        await edit_form(pilot)
        assert app.screen.query_one("#field-custom_date", Input).placeholder == (
            "YYYY-MM-DD, e.g. 1990-05-17"
        )
        labels = [str(label.content) for label in app.screen.query(".field-label")]
        assert "Birthday" in labels and not any(API_NAME.search(label) for label in labels)
        await fill(pilot, "email", "jane@")
        await fill(pilot, "phone", "12")
        await fill(pilot, "custom_date", "2023-02-30")
        await fill(pilot, "custom_field_1", "Cheddar")
        await fill(pilot, "custom_field_2", "yesterday")
        await pilot.click("#save")
        await wait_until(pilot, lambda: text_of(app, "#error-email") != "", "errors shown")
        errors = {
            name: text_of(app, f"#error-{name}")
            for name in ("email", "phone", "custom_date", "custom_field_1", "custom_field_2")
        }
        assert "name@example.com" in errors["email"]
        assert errors["phone"] == "Please check the phone number: it needs at least 3 digits."
        assert errors["custom_date"].startswith("Birthday: please write a real date as YYYY-MM-DD")
        assert errors["custom_field_1"].startswith("Favourite cheese: please choose")
        assert "Gouda" in errors["custom_field_1"]
        assert "YYYY.MM.DD HH:MM:SS" in errors["custom_field_2"]
        assert not any(API_NAME.search(text) for text in errors.values()), errors
        assert text_of(app, "#error-first_name") == ""
        assert app.screen.id == "edit-screen"
    assert store.find_customer(JANE.card_number) == before
    assert store.outbox.entries() == []


async def test_a_valid_edit_saves_only_the_changed_fields_and_says_saved(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await edit_form(pilot)
        await fill(pilot, "first_name", "Janet")
        await fill(pilot, "city", "Lisbon")
        await fill(pilot, "custom_date", "1990-05-17")
        await fill(pilot, "custom_field_1", "Gouda")
        await pilot.click("#save")
        await on_screen(pilot, "home-screen")
        # Issue 14: there was no "Saved" feedback.
        await wait_until(pilot, lambda: app.screen.notice == "Saved", "Saved")
        assert text_of(app, "#home-greeting") == "Welcome back, Janet!"
    customer = store.find_customer(JANE.card_number)
    assert customer["city"] == "Lisbon" and customer["custom_date"] == "1990-05-17"
    assert customer["custom_values"] == {1: "Gouda"}
    [entry] = store.outbox.entries()
    assert set(entry.request) == {"code", "first_name", "city", "custom_date", "custom_field_1"}
