"""The startup's milestone report form, its follow-on investment rows (a formset) and the
operator's review comment.

Every figure is optional here: a draft may be saved half-filled, and the page shows again
whatever was typed, errors included. What a submitted report must hold (every figure, overseas
revenue within revenue, investments dated within the period) is checked by
``services.reports.report_errors`` when the representative submits; its messages are put back
on these fields. Amounts take what people type (``350,000,000``, ``₩3억 5천만``, ``1.5억``:
``core.money.parse_krw`` through ``core.forms.MoneyField``).
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kbridge.alliance.models import FollowOnInvestment, MilestoneReport
from kbridge.alliance.services.reports import MAX_COMMENT_CHARS, MAX_INVESTMENTS
from kbridge.core.forms import BaseForm, MoneyField

#: Largest head count or patent count a report accepts (a typo, not a company).
MAX_COUNT = 1_000_000
#: Empty investment rows the form offers below those filled.
EXTRA_INVESTMENT_ROWS = 2

_COUNT_ERRORS = {"invalid": gettext_lazy("Enter a whole number such as 12."),
                 "min_value": gettext_lazy("Enter 0 or more."),
                 "max_value": gettext_lazy("Enter a number up to 1,000,000.")}
_DATE_ERRORS = {"invalid": gettext_lazy("Enter a date such as 2027-01-01.")}


def _label(name: str, model=MilestoneReport) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _count(help_text=""):
    """A count (people, patents): a whole number from 0 to ``MAX_COUNT``."""
    return forms.IntegerField(required=False, min_value=0, max_value=MAX_COUNT,
                              error_messages=_COUNT_ERRORS, help_text=help_text,
                              widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class ReportForm(BaseForm):
    """The figures of one report (``services.reports.REPORT_FIELDS``)."""

    jobs_created = _count(gettext_lazy(
        "Full-time positions added during the period."))
    employees = _count()
    revenue_krw = MoneyField(required=False, min_value=0, help_text=gettext_lazy(
        "Revenue during the period, in won."))
    overseas_revenue_krw = MoneyField(required=False, min_value=0, help_text=gettext_lazy(
        "The part of revenue earned abroad (exports, foreign customers)."))
    patents_filed = _count(gettext_lazy("Applications during the period."))
    patents_granted = _count(gettext_lazy("Grants during the period."))
    merger_acquisition = forms.ChoiceField(choices=MilestoneReport.MergerAcquisition.choices,
                                           required=False)
    merger_detail = forms.CharField(max_length=500, required=False, help_text=gettext_lazy(
        "Which company, and when."))
    narrative = forms.CharField(max_length=8000, required=False, widget=forms.Textarea(
        attrs={"rows": 6}), help_text=gettext_lazy(
        "Products, customers, partnerships and what the funding made possible."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = _label(name)

    @staticmethod
    def initial_for(report: MilestoneReport) -> dict:
        from kbridge.alliance.services.reports import REPORT_FIELDS

        return {name: getattr(report, name) for name in REPORT_FIELDS}


class InvestmentForm(BaseForm):
    """One follow-on investment row: all four columns, or none (the row is skipped)."""

    round = forms.ChoiceField(choices=[("", "—"), *FollowOnInvestment.Round.choices],
                              required=False)
    amount_krw = MoneyField(required=False, min_value=1)
    investor = forms.CharField(max_length=200, required=False)
    closed_on = forms.DateField(required=False, widget=DateInput(), error_messages=_DATE_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = _label(name, FollowOnInvestment)

    def is_filled(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) not in (None, "") for name in self.fields)

    def clean(self):
        cleaned = super().clean()
        filled = [name for name in self.fields
                  if cleaned.get(name) not in (None, "") or name in self.errors]
        if filled:
            for name in self.fields:
                if name not in filled:
                    self.add_error(name, _("Fill in every column of this investment, or "
                                           "clear the row."))
        return cleaned

    def row(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class BaseInvestmentFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The filled rows, in order (empty rows skipped)."""
        return [form.row() for form in self.forms if form.is_filled()]

    @staticmethod
    def initial_for(report: MilestoneReport) -> list[dict]:
        return [{"round": i.round, "amount_krw": i.amount_krw, "investor": i.investor,
                 "closed_on": i.closed_on} for i in report.investments.all()]


InvestmentFormSet = forms.formset_factory(
    InvestmentForm, formset=BaseInvestmentFormSet, extra=EXTRA_INVESTMENT_ROWS,
    max_num=MAX_INVESTMENTS, validate_max=True, absolute_max=MAX_INVESTMENTS)


class ReviewForm(BaseForm):
    """The operator's comment: required to return a report, optional to approve it."""

    comment = forms.CharField(label=gettext_lazy("Comment to the startup"),
                              max_length=MAX_COMMENT_CHARS, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), help_text=gettext_lazy(
                                  "Required to return the report: say what to change."))
