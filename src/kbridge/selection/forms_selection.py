"""Forms of the operator's selection pages: the call's rules, the track's budget, an award,
a funding list upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, BaseModelForm, MoneyField
from kbridge.programs.forms import DateTimeLocalInput
from kbridge.selection.models import SelectionPolicy
from kbridge.selection.services.selection import AWARD_REASON_MAX_CHARS


class PolicyForm(BaseModelForm):
    class Meta:
        model = SelectionPolicy
        fields = ["tie_break_criterion", "lottery_at_line", "waitlist_length", "announcement_at",
                  "appeal_working_days", "offer_working_days", "agreement_months"]
        widgets = {"announcement_at": DateTimeLocalInput()}

    def __init__(self, *args, frozen: bool = False, announced: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["announcement_at"].required = True
        if frozen:
            for name in ("tie_break_criterion", "lottery_at_line", "waitlist_length"):
                self.fields[name].disabled = True
        if announced:
            for name in ("announcement_at", "appeal_working_days", "offer_working_days",
                         "agreement_months"):
                self.fields[name].disabled = True


class BudgetForm(BaseForm):
    budget_krw = MoneyField(label=_("Track budget (KRW)"), required=False,
                            help_text=_("Leave empty for places × cap."))


class AwardForm(BaseForm):
    amount_krw = MoneyField(label=_("Award (KRW)"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=AWARD_REASON_MAX_CHARS,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FundingListForm(BaseForm):
    file = forms.FileField(label=_("Selection list of another program (CSV)"),
                           help_text=_("Columns: 사업자등록번호, 사업명, and optionally 기업명 and "
                                       "연도 (or business_registration_number, program, "
                                       "company, year). UTF-8 or CP949."))
