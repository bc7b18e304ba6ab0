"""The operator's agreement form: the period and up to ``MAX_TRANCHES`` tranche rows.

Rows are plain numbered fields (``tranche_1_due_on``, ``tranche_1_amount_krw``, …): a row left
empty is skipped, a half-filled row is refused on its own field. The terms are checked with
``services.agreements.terms_errors`` (the service checks them again when sending), so every
problem shows next to what was typed, which the page shows again as typed.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kbridge.core.forms import BaseForm, MoneyField
from kbridge.selection.services.agreements import MAX_TRANCHES, terms_errors


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


_DATE_ERRORS = {"invalid": gettext_lazy("Enter a date such as 2027-01-01.")}


class AgreementForm(BaseForm):
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=DateInput(),
                                error_messages={**_DATE_ERRORS, "required": gettext_lazy(
                                    "Enter the first day of the agreement.")})
    ends_on = forms.DateField(label=gettext_lazy("Until"), widget=DateInput(),
                              error_messages={**_DATE_ERRORS, "required": gettext_lazy(
                                  "Enter the last day of the agreement.")})

    def __init__(self, *args, award_krw: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.award_krw = award_krw
        for n in self.row_numbers():
            self.fields[f"tranche_{n}_due_on"] = forms.DateField(
                label=gettext_lazy("Tranche %(n)s: paid on") % {"n": n}, required=False,
                widget=DateInput(), error_messages=_DATE_ERRORS)
            self.fields[f"tranche_{n}_amount_krw"] = MoneyField(
                label=gettext_lazy("Tranche %(n)s: amount (KRW)") % {"n": n}, required=False,
                min_value=0)
        self.apply_input_limits()

    @staticmethod
    def row_numbers() -> range:
        return range(1, MAX_TRANCHES + 1)

    @staticmethod
    def initial_for(starts_on: dt.date, ends_on: dt.date, tranches: list[dict]) -> dict:
        initial = {"starts_on": starts_on, "ends_on": ends_on}
        for n, tranche in enumerate(tranches, 1):
            initial[f"tranche_{n}_due_on"] = tranche["due_on"]
            initial[f"tranche_{n}_amount_krw"] = tranche["amount_krw"]
        return initial

    def rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        """``(number, due_on field, amount field)`` per row, for the template."""
        return [(n, self[f"tranche_{n}_due_on"], self[f"tranche_{n}_amount_krw"])
                for n in self.row_numbers()]

    def tranches(self) -> list[dict]:
        """The filled rows, in row order: ``[{"due_on": date, "amount_krw": int}, …]``."""
        data = self.cleaned_data
        return [{"due_on": data.get(f"tranche_{n}_due_on"),
                 "amount_krw": data.get(f"tranche_{n}_amount_krw")}
                for n in self.row_numbers()
                if data.get(f"tranche_{n}_due_on") is not None
                or data.get(f"tranche_{n}_amount_krw") is not None]

    def clean(self):
        cleaned = super().clean()
        for n in self.row_numbers():
            due, amount = f"tranche_{n}_due_on", f"tranche_{n}_amount_krw"
            if due in self.errors or amount in self.errors:
                continue
            if cleaned.get(due) is not None and cleaned.get(amount) is None:
                self.add_error(amount, _("Enter the amount of this tranche."))
            elif cleaned.get(amount) is not None and cleaned.get(due) is None:
                self.add_error(due, _("Enter the date this tranche is paid."))
        if self.errors:
            return cleaned
        errors = terms_errors(award_krw=self.award_krw, starts_on=cleaned.get("starts_on"),
                              ends_on=cleaned.get("ends_on"), tranches=self.tranches())
        for field, messages in errors.items():
            for message in messages:
                self.add_error(None if field == "tranches" else field, message)
        return cleaned
