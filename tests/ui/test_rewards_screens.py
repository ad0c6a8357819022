"""Rewards at the counter (issue 13), driven as a person would with the Pilot on a real store:
the home screen's balances and progress; staff purchase, redeem and gift-card spend, each
confirmed with its exact effect before anything is queued; refusals said plainly; history."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Input, OptionList

from kiosk.domain.rewards import OfflinePolicy
from tests.ui.conftest import JANE, NEW_CARD, on_screen, swipe, text_of, wait_until
from tests.ui.journeys import home_screen, staff_home
from tests.ui.rewards_setup import every_campaign_type, purchase_screen, redeem_screen


def balance(store, code: str, campaign_id: str) -> Decimal:
    return next(
        Decimal(r["balance"]) for r in store.balances(code) if r["campaign_id"] == campaign_id
    )


def jane(store) -> str:
    return store.find_customer(JANE.card_number)["code"]


def texts(app) -> str:
    return "\n".join(str(s.content) for s in app.screen.query("Static"))


async def test_home_shows_each_campaign_in_its_unit_with_rewards_and_progress(
    make_app, store
) -> None:
    every_campaign_type(store)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await home_screen(pilot)
        shown = texts(app)
        assert text_of(app, "#main-caption") == "Coffee club"
        assert text_of(app, "#main-unit") == "points"
        for line in (
            "Ready to redeem: Free coffee",
            "40 points to Free muffin",
            "Visits: 3 visits",
            "2 visits to Free drink",
            "Free bagel: 1 x Bagel",
            "4 x Bagel to a free Bagel",
            "Gift card: $20.00",
            "Cashback: 3.50 EUR",
            "Tastings: 2 events",
            "3 events to Free tasting",
        ):
            assert line in shown, line


async def test_staff_redeem_a_reward_confirms_the_exact_effect_then_queues_it(
    make_app, store
) -> None:
    code = jane(store)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot)
        await pilot.press("enter")  # "Free coffee" (100 points) is highlighted
        await on_screen(pilot, "confirm-screen")
        question = text_of(app, "#confirm-question")
        assert question.startswith(
            "Redeem 'Free coffee' for 100 points: Jane Doe goes from 120 to 20."
        )
        assert balance(store, code, "1") == 120  # nothing before "Yes"
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
        assert balance(store, code, "1") == 20
        assert "Coffee club: 20 points" in texts(app)


async def test_staff_redeem_refuses_a_reward_beyond_the_balance_plainly(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot)
        await pilot.press("down", "enter")  # "Free muffin" takes 160, Jane has 120
        await pilot.pause()
        assert app.screen.id == "redeem-screen"  # no confirmation
        assert app.screen.error == (
            "Not enough to redeem: it needs 160, the balance is 120 (40 short)."
        )
    assert balance(store, jane(store), "1") == 120


async def test_offline_policy_off_refuses_before_asking(make_app, store) -> None:
    store.offline_policy = OfflinePolicy(allowed=False)  # the kiosk is offline in these tests
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.id == "redeem-screen"
        assert "need the central system" in app.screen.error


async def test_custom_points_are_checked_as_typed(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot)
        app.screen.query_one("#custom", Input).focus()
        await pilot.press(*"1.234")
        await pilot.pause()
        assert text_of(app, "#redeem-help").startswith("At most 2 decimals.")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.id == "redeem-screen"
        app.screen.query_one("#custom", Input).value = ""
        await pilot.press(*"50", "enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question").startswith(
            "Redeem 50 points: Jane Doe goes from 120 to 70."
        )


async def test_gift_card_spend_confirms_money_with_its_currency(make_app, store) -> None:
    code = jane(store)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot, "4")
        assert text_of(app, "#redeem-balance") == "Gift card: $20.00"
        await pilot.press(*"25", "enter")  # more than the card holds
        await pilot.pause()
        assert app.screen.id == "redeem-screen"
        assert app.screen.error.startswith("Not enough to redeem")
        app.screen.query_one("#custom", Input).value = ""
        await pilot.press(*"7.5", "enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            "Spend $7.50 from Gift card: Jane Doe goes from $20.00 to $12.50."
        )
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
    assert balance(store, code, "4") == Decimal("12.5")


async def test_staff_purchase_shows_the_expected_points_as_typed_and_confirms(
    make_app, store
) -> None:
    before = len(store.outbox.entries())
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await purchase_screen(pilot)
        assert app.screen.help_text == "Earns 2 points per 1.00 spent."
        await pilot.press(*"12.5")
        await wait_until(pilot, lambda: "Expected" in app.screen.help_text, "expected points")
        assert app.screen.help_text == "Expected: 25 points (2 points per 1.00)."
        await pilot.press("enter")
        await on_screen(pilot, "confirm-screen")
        assert text_of(app, "#confirm-question") == (
            "Record a purchase of $12.50 in Coffee club: expect 25 points: "
            "Jane Doe goes from 120 to 145."
        )
        assert len(store.outbox.entries()) == before  # nothing queued before "Yes"
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
    assert len(store.outbox.entries()) == before + 1


async def test_a_purchase_needs_a_points_campaign(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await redeem_screen(pilot, "4")
        await pilot.press("escape")
        await on_screen(pilot, "staff-customer-screen")
        await pilot.click("#purchase")
        await pilot.pause()
        assert app.screen.id == "staff-customer-screen"
        assert "choose a points campaign" in text_of(app, "#staff-error")


async def test_history_lists_a_queued_redemption_as_not_sent(make_app, store) -> None:
    code = jane(store)
    store.redeem(code, "1", reward_id="1", actor="test")
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await home_screen(pilot)
        await pilot.click("#history")
        await on_screen(pilot, "history-screen")
        lines = app.screen.shown_lines
        assert "Redeemed -100 points" in lines and "(not sent yet)" in lines
        await pilot.press("escape")
        await on_screen(pilot, "home-screen")


async def test_staff_find_a_customer_without_the_card(make_app, store) -> None:
    """By the card's last 4 digits, part of a phone, part of a name; then open them."""
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_home(pilot)
        for typed, expected in (("0029", "Bob Smith"), ("0101", "Jane Doe"), ("mit", "Bob Smith")):
            search = app.screen.query_one("#search", Input)
            search.value = ""
            search.focus()
            await pilot.press(*typed, "enter")
            await pilot.pause()
            results = app.screen.query_one("#results", OptionList)
            labels = [
                str(results.get_option_at_index(i).prompt) for i in range(results.option_count)
            ]
            assert any(label.startswith(expected) for label in labels), (typed, labels)
            assert not any("6001000000000" in label for label in labels)  # masked (S8)
        await pilot.press("enter")
        await on_screen(pilot, "staff-customer-screen")
        assert text_of(app, "#customer-title") == "Bob Smith"


async def test_an_unknown_card_in_staff_mode_is_linked_to_a_customer(make_app, store) -> None:
    code = jane(store)
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_home(pilot)
        swipe(app, NEW_CARD.card_number)
        await on_screen(pilot, "unknown-card-screen")
        await pilot.click("#link")
        await on_screen(pilot, "staff-home-screen")
        await pilot.press(*"Doe", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await on_screen(pilot, "confirm-screen")
        question = text_of(app, "#confirm-question")
        assert question == (
            "Give Jane Doe the card ************0045? The card ************0011 will stop working."
        )
        await pilot.click("#confirm-yes")
        await on_screen(pilot, "staff-customer-screen")
    assert store.find_customer(NEW_CARD.card_number)["code"] == code
    assert store.replaced_card(JANE.card_number) is not None


async def test_an_unknown_card_in_staff_mode_is_registered_on_the_spot(make_app, store) -> None:
    app = make_app()
    async with app.run_test(size=(80, 25)) as pilot:
        await staff_home(pilot)
        swipe(app, NEW_CARD.card_number)
        await on_screen(pilot, "unknown-card-screen")
        await pilot.press("enter")  # "Register new" has the focus
        await on_screen(pilot, "register-screen")
        await pilot.press(*"Maya")
        await pilot.click("#next")
        await on_screen(pilot, "staff-customer-screen")
        assert text_of(app, "#customer-title") == "Maya"
        assert app.current_mode == "staff"
    customer = store.find_customer(NEW_CARD.card_number)
    assert customer is not None and customer["first_name"] == "Maya"
