"""Queued changes in words for staff: :func:`describe_change`, :func:`state_words`,
:func:`discard_question`.

The sync queue screen names each entry by customer and says what the change is ("Add 25 points to
Coffee club", "Details changed: phone, city", "New customer with PIN") and where it stands
("waiting, tried 3 times", "needs attention", "held back"), never by API field names. No value
of a PIN or password, and no full card number, is ever put into these words (S8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiosk.domain.fields import CUSTOM_FIELD_NAME, FIELD_LABELS, Campaign, CustomFieldDef
from kiosk.domain.secrets import mask_card
from kiosk.storage.outbox import OutboxEntry

NOT_NAMED = {"code", "card_number", "new_code", "send_no_email", "campaign_id", "auto_add"}
"""Request fields that are not a customer detail in their own right."""


@dataclass(frozen=True)
class Vocabulary:
    """What the words are made of: the account's campaigns, custom fields and date label."""

    campaigns: Mapping[str, Campaign]
    custom_fields: Mapping[int, CustomFieldDef]
    custom_date_label: str = "Date"


def who(name: str, card: str | None) -> str:
    """The customer as staff read it: name and masked card."""
    return " ".join(part for part in (name or "(no name)", mask_card(card)) if part)


def describe_change(entry: OutboxEntry, words: Vocabulary) -> str:
    """What the entry changes, in words."""
    request = entry.request
    parts: list[str] = []
    if entry.local_status == "new":
        parts.append("New customer" + (" with PIN" if "customer_PIN" in request else ""))
    elif "customer_PIN" in request:
        parts.append("PIN changed")
    if "customer_password" in request:
        parts.append("Password changed")
    if "card_number_generate" in request:
        parts.append("New card issued")
    elif "card_number" in request and entry.local_status != "new":
        parts.append(f"Card number set to {mask_card(request['card_number'])}")
    if "auto_add" in request:
        parts.append(_credit(request, words))
    details = [
        _label(name, words)
        for name in request
        if name not in NOT_NAMED
        and name not in ("customer_PIN", "customer_password")
        and name != "card_number_generate"
    ]
    if details:
        verb = "Details" if entry.local_status == "new" else "Details changed"
        parts.append(f"{verb}: {', '.join(details)}")
    return "; ".join(parts) or "No change"


def _credit(request: Mapping[str, str], words: Vocabulary) -> str:
    campaign = words.campaigns.get(request.get("campaign_id", ""))
    amount = request["auto_add"].strip()
    if campaign is None:
        return f"Add {amount} to campaign {request.get('campaign_id', '?')}"
    if campaign.kind == "buyx":
        return f"Add one {amount} to {campaign.name}"
    if campaign.kind == "dollars":
        return f"Add ${amount} to {campaign.name}"
    return f"Add {amount} {campaign.kind} to {campaign.name}"


def _label(name: str, words: Vocabulary) -> str:
    if name == "custom_date":
        return words.custom_date_label.lower()
    match = CUSTOM_FIELD_NAME.fullmatch(name)
    if match:
        definition = words.custom_fields.get(int(match.group(1)))
        return definition.label.lower() if definition else f"custom field {match.group(1)}"
    return FIELD_LABELS.get(name, name.replace("_", " ")).lower()


def state_words(entry: OutboxEntry, *, held_back: bool) -> tuple[str, str]:
    """(short tag, sentence) for where the entry stands. ``held_back``: an earlier change of the
    same customer needs attention, so this one waits for it (S3)."""
    if entry.state == "attention":
        return "ATTENTION", f"Needs attention: {entry.last_error or 'refused'}"
    if entry.in_doubt:
        return "checking", "Sent, but no answer came: it is checked before sending again"
    if held_back:
        return "held", "Waits for an earlier change of this customer that needs attention"
    if entry.attempts:
        tries = "once" if entry.attempts == 1 else f"{entry.attempts} times"
        last = f" (last: {entry.last_error})" if entry.last_error else ""
        return "waiting", f"Waiting to be sent, tried {tries}{last}"
    return "waiting", "Waiting to be sent"


def discard_question(
    entry: OutboxEntry, customer: str, dependants: Sequence[OutboxEntry], words: Vocabulary
) -> str:
    """The confirmation of a discard, stating its exact consequence."""
    change = describe_change(entry, words)
    if not dependants:
        return (
            f"Discard this change for {customer}?\n{change}\n"
            "It will never reach the central system."
        )
    later = "; ".join(describe_change(d, words) for d in dependants)
    count = "1 later change" if len(dependants) == 1 else f"{len(dependants)} later changes"
    return (
        f"Discard the registration of {customer}?\n"
        f"The central system will never hear of this customer, so the {count} that depend "
        f"on it are discarded too: {later}.\n"
        "The customer stays on this kiosk only."
    )
