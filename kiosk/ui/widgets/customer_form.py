"""The customer details form: :class:`CustomerForm`, a labelled input per field with its error.

Each field has a label, a compact input and an error line right under it, so a problem is shown
next to the field it concerns, in words for customers (:mod:`kiosk.ui.wording`: the label, never
the API name). :meth:`CustomerForm.check` decides with the same functions the edit engine uses
(``field_problem``, ``custom_value_problem``), so the form never accepts what the store would
refuse, and returns only the fields whose values changed (rule M8). The account's custom date
gets its configured label and hint (``ui.custom_date_label``, ``ui.custom_date_hint``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from kiosk.domain.fields import FIELD_LABELS, MAX_LENGTH, CustomFieldDef
from kiosk.ui.config import current_config
from kiosk.ui.widgets.inputs import KioskInput
from kiosk.ui.wording import value_problem

SHORT_FIELDS: tuple[str, ...] = ("first_name", "last_name", "phone", "email")
"""The registration form's first fields; the rest sit behind "More details"."""
HINTS: dict[str, str] = {
    "email": "name@example.com",
    "customer_password": "leave empty to keep",
}
KIND_HINTS: dict[str, str] = {"datetime": "YYYY.MM.DD HH:MM:SS", "pick": "one of", "list": "any of"}


def custom_name(definition: CustomFieldDef) -> str:
    """The request field name of a custom field: ``custom_field_N``."""
    return f"custom_field_{definition.field_id}"


class CustomerForm(VerticalScroll):
    """A scrolling form over some profile fields and the account's custom fields."""

    def __init__(
        self,
        fields: Iterable[str],
        custom_fields: Iterable[CustomFieldDef] = (),
        values: Mapping[str, str] | None = None,
        *,
        more_fields: Iterable[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.can_focus = False
        self.fields = tuple(fields)
        self.more_fields = tuple(more_fields)
        self.custom = {custom_name(d): d for d in custom_fields}
        self.initial: dict[str, str] = {k: v for k, v in (values or {}).items() if v is not None}

    def all_names(self) -> list[str]:
        """Every field of the form, in order."""
        return [*self.fields, *self.more_fields, *self.custom]

    def compose(self) -> ComposeResult:
        for name in self.all_names():
            with Vertical(classes="field" + (" more" if name in self.more_fields else "")):
                with Horizontal(classes="field-row"):
                    yield Label(self._label(name), classes="field-label")
                    yield KioskInput(
                        value=self.initial.get(name, ""),
                        placeholder=self._hint(name),
                        password=name == "customer_password",
                        max_length=MAX_LENGTH.get(name, 1000),
                        id=f"field-{name}",
                    )
                yield Static("", id=f"error-{name}", classes="field-error")

    def show_more(self) -> None:
        """Reveal the optional fields."""
        self.add_class("-show-more")

    def _label(self, name: str) -> str:
        if name in self.custom:
            return self.custom[name].label
        if name == "custom_date":
            return current_config().custom_date_label
        return FIELD_LABELS.get(name, name)

    def _hint(self, name: str) -> str:
        definition = self.custom.get(name)
        if name == "custom_date":
            return current_config().custom_date_hint
        if definition is None:
            return HINTS.get(name, "")
        hint = KIND_HINTS.get(definition.kind, "")
        if definition.choices:
            hint = f"{hint} {', '.join(definition.choices)}".strip()
        return hint

    def value(self, name: str) -> str:
        """The current (stripped) value of one field."""
        return self.query_one(f"#field-{name}", Input).value.strip()

    def check(self) -> dict[str, str] | None:
        """Validate the changed fields; return them, or None after showing the errors."""
        changed: dict[str, str] = {}
        problems: dict[str, str] = {}
        for name in self.all_names():
            value = self.value(name)
            if value == self.initial.get(name, "") or (name == "customer_password" and not value):
                continue
            changed[name] = value
            problem = self._problem(name, value)
            if problem:
                problems[name] = problem
        self.show_errors(problems)
        return None if problems else changed

    def _problem(self, name: str, value: str) -> str | None:
        return value_problem(name, value, label=self._label(name), definition=self.custom.get(name))

    def show_errors(self, problems: Mapping[str, str]) -> None:
        """Show each problem under its field (and clear the others); focus the first one."""
        first: Input | None = None
        for name in self.all_names():
            error = self.query_one(f"#error-{name}", Static)
            error.update(problems.get(name, ""))
            error.set_class(name in problems, "-shown")
            if name in problems and first is None:
                first = self.query_one(f"#field-{name}", Input)
                if name in self.more_fields:
                    self.show_more()
        if first is not None:
            first.focus()
