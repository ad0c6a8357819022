"""The account's catalogue at the reference server: campaigns, their rewards, custom fields.

``campaigns_list`` answers ``campaigns[]`` of ``id``/``name``/``type``/``currency``/
``points_ratio``/``reward_ratio`` with ``pagination{total, offset}``; ``campaign_rewards``
answers ``rewards[]`` of ``id``/``description``/``level``; ``manage_fields`` with
``action=list`` answers ``account{fields[]}`` of ``name`` (``custom_field_N``), ``label``,
``type``, ``show`` and ``choices`` (api-notes.md; the hotsite kit reads exactly this XML).
``manage_fields action=add`` and ``manage_campaigns`` are this server's own administration, for
tests and demos (the real API's is not documented to us).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import (
    FIELD_TYPE_NAMES,
    MAX_LENGTH,
    Campaign,
    CustomFieldDef,
    campaign_kind,
    field_problem,
)
from kiosk.reference.store import ReferenceStore

Payload = dict[str, Any]
"""An answer before rendering."""

CAMPAIGN_TYPES: tuple[str, ...] = ("points", "giftcard", "buyx", "earned", "events")
"""The real API's campaign types. ``visits`` and ``dollars`` are also accepted and kept as
given (what earlier versions of this server and its CLI used; the edit rules treat them as a
count and as money)."""
MAX_PAGE = 1000
"""The most campaigns one ``campaigns_list`` page holds (``length`` beyond it is cut)."""


def campaign_from(campaign_id: str, name: str, campaign_type: str) -> Campaign:
    """A checked campaign definition (used by ``manage_campaigns`` and the CLI).

    Raises:
        EditError: the id is not digits, the name is empty, or the type is unknown.
    """
    problem = field_problem("campaign_id", campaign_id)
    if problem or not re.fullmatch(r"[0-9]+", campaign_id):
        raise EditError(
            problem or f"campaign_id must be digits (at most {MAX_LENGTH['campaign_id']})"
        )
    name = name.strip()
    if not name or len(name) > 100:
        raise EditError("A campaign needs a name of 1 to 100 characters")
    kind = campaign_kind(campaign_type)
    if kind is None:
        raise EditError(
            "campaign_type must be points, giftcard, buyx, earned or events "
            "(visits and dollars are kept for older scripts)"
        )
    return Campaign(campaign_id, name, kind)


def campaigns_list(store: ReferenceStore, form: Mapping[str, str]) -> Payload:
    """``campaigns_list``: ``type_restrict`` filters by type; ``offset``/``length`` page; the
    search and sort parameters real clients send are accepted (sorted by id, our choice)."""
    offset = _whole(form.get("offset", "0") or "0", "offset")
    length = min(_whole(form.get("length", str(MAX_PAGE)) or str(MAX_PAGE), "length"), MAX_PAGE)
    restrict = {t.strip().lower() for t in form.get("type_restrict", "").split(",") if t.strip()}
    records = [
        record for record in store.campaign_records() if not restrict or record.type in restrict
    ]
    page = records[offset : offset + length]
    return {
        "status": "success",
        "campaigns": [
            {
                "id": record.campaign_id,
                "name": record.name,
                "type": record.type,
                "currency": record.currency,
                "points_ratio": record.points_ratio,
                "reward_ratio": record.reward_ratio,
            }
            for record in page
        ],
        "pagination": {"total": str(len(records)), "offset": str(offset)},
    }


def campaign_rewards(store: ReferenceStore, form: Mapping[str, str]) -> Payload:
    """``campaign_rewards`` of one ``campaign_id``."""
    campaign_id = form.get("campaign_id", "")
    if store.campaign_record(campaign_id) is None:
        raise EditError(f"No campaign with campaign_id {campaign_id[:40]!r}")
    return {"status": "success", "rewards": store.rewards(campaign_id)}


def manage_fields(store: ReferenceStore, form: Mapping[str, str]) -> Payload:
    """``manage_fields``: ``action=list``, or ``add`` with label, type and choices."""
    action = form.get("action", "").strip().lower()
    if action == "list":
        fields = [_listed(definition) for definition in store.custom_fields()]
        return {"status": "success", "account": {"fields": fields}}
    if action in ("update", "delete"):
        raise EditError(f"manage_fields action={action} is not supported by this server")
    if action != "add":
        raise EditError("manage_fields needs action=list or action=add")
    definition = field_definition(
        store, form.get("label", ""), form.get("field_type", ""), form.get("choices", "")
    )
    store.define_custom_field(definition)
    return {"status": "success", "field": _added(definition)}


def field_definition(
    store: ReferenceStore, label: str, field_type: str, choices_text: str
) -> CustomFieldDef:
    """The next custom field (ids 1, 2, 3...), checked.

    Raises:
        EditError: no label, an unknown type, or choices that do not fit the type.
    """
    label = label.strip()
    if not label or len(label) > 100:
        raise EditError("A custom field needs a label of 1 to 100 characters")
    kinds = {name.lower(): kind for kind, name in FIELD_TYPE_NAMES.items()}
    kind = kinds.get(field_type.strip().lower())
    if kind is None:
        raise EditError("field_type must be Text, Date, Pick or List")
    choices = tuple(c.strip() for c in choices_text.split(",") if c.strip())
    if kind in ("pick", "list") and not choices:
        raise EditError("A Pick or List field needs choices, separated by commas")
    if kind in ("text", "datetime") and choices:
        raise EditError("Only a Pick or List field takes choices")
    field_id = max((d.field_id for d in store.custom_fields()), default=0) + 1
    return CustomFieldDef(field_id, label, kind, choices)


def manage_campaigns(store: ReferenceStore, form: Mapping[str, str]) -> Payload:
    """This server's extension: ``action=list``, or ``add`` with id, name and type.

    The real API's campaign administration is not documented to us; this call exists so
    that tests and demos can create the campaigns that ``auto_add`` credits (rule M9).
    """
    action = form.get("action", "").strip().lower()
    if action == "list":
        return {"status": "success", "campaigns": [_campaign(c) for c in store.campaigns()]}
    if action != "add":
        raise EditError("manage_campaigns needs action=list or action=add")
    campaign = campaign_from(
        form.get("campaign_id", ""), form.get("name", ""), form.get("campaign_type", "")
    )
    if store.view.campaign(campaign.campaign_id) is not None:
        raise EditError(f"A campaign with campaign_id {campaign.campaign_id} already exists")
    store.define_campaign(campaign)
    return {"status": "success", "campaign": _campaign(campaign)}


def _whole(value: str, name: str) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", value.strip()):
        raise EditError(f"{name} must be a whole number")
    return int(value)


def _listed(definition: CustomFieldDef) -> dict[str, Any]:
    return {
        "name": f"custom_field_{definition.field_id}",
        "label": definition.label,
        "type": FIELD_TYPE_NAMES[definition.kind],
        "show": "Y",
        "choices": list(definition.choices),
    }


def _added(definition: CustomFieldDef) -> dict[str, str]:
    # The answer to this server's own ``add`` keeps the shape earlier versions gave.
    return {
        "field_id": str(definition.field_id),
        "label": definition.label,
        "type": FIELD_TYPE_NAMES[definition.kind],
        "choices": ",".join(definition.choices),
    }


def _campaign(campaign: Campaign) -> dict[str, str]:
    return {
        "campaign_id": campaign.campaign_id,
        "campaign_name": campaign.name,
        "campaign_type": campaign.kind,
    }
