"""Editing a customer's details: :class:`EditDetailsScreen`, for customers and staff.

Every field the API has is on the form (the profile fields, the password, the account's custom
fields). Only changed fields are sent (rule M8). Values are checked as the rules say before
anything is saved; each problem shows under its field and nothing changes. Staff edits go through
:func:`kiosk.storage.staff.staff_edit`, which records them in the audit table. The screen ends
with ``dismiss(saved)``; whoever pushed it decides what comes next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Static

from kiosk.domain.edit_rules import EditError
from kiosk.domain.fields import PROFILE_FIELDS
from kiosk.storage.customer_store import Store
from kiosk.storage.staff import staff_edit
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.customer_form import CustomerForm, custom_name
from kiosk.ui.widgets.status_line import StatusLine
from kiosk.ui.wording import NOT_SAVED

EDIT_FIELDS: tuple[str, ...] = (*PROFILE_FIELDS, "customer_password")
"""The fixed fields on the form; custom fields follow."""


class EditDetailsScreen(KioskScreen[bool]):
    """The edit form; dismissed with True when something was saved."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, store: Store, code: str, *, staff_actor: str | None = None) -> None:
        super().__init__(id="edit-screen")
        self.store = store
        self.code = code
        self.staff_actor = staff_actor

    def compose(self) -> ComposeResult:
        customer = self.store.customer(self.code)
        stored: Mapping[str, object] = customer or {}
        definitions = self.store.custom_fields()
        values = {name: str(stored.get(name) or "") for name in EDIT_FIELDS}
        custom = customer["custom_values"] if customer else {}
        for definition in definitions:
            values[custom_name(definition)] = custom.get(definition.field_id, "")
        yield StatusLine(staff=self.staff_actor is not None)
        yield Static("Update details", classes="title")
        yield Static("", id="form-error", classes="error-line")
        yield CustomerForm(EDIT_FIELDS, definitions, values)
        with Horizontal(classes="actions"):
            yield Button("Save", id="save", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        """Start in the first field."""
        self.query_one("#field-first_name").focus()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Leave without saving."""
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        form = self.query_one(CustomerForm)
        changed = form.check()
        if changed is None:
            self.query_one("#form-error", Static).update("Please correct the fields marked below.")
            return
        if not changed:
            self.query_one("#form-error", Static).update("Nothing was changed.")
            return
        request = {"code": self.code, **changed}
        try:
            if self.staff_actor is not None:
                shown = ", ".join(sorted(changed))  # field names only: values may be private
                staff_edit(
                    self.store,
                    request,
                    actor=self.staff_actor,
                    action="customer.edit",
                    detail=shown,
                )
            else:
                self.store.apply_edit(request)
        except EditError as error:
            # Staff read the store's own words; a customer reads plain ones (the form already
            # checked every field, so this is a rare race with another till).
            text = str(error) if self.staff_actor is not None else NOT_SAVED
            self.query_one("#form-error", Static).update(text)
            return
        except Exception as error:
            self.report_failure(error)
            return
        self.dismiss(True)
