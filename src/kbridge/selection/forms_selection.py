"""Forms of the operator's selection pages: the call's rules, the track's budget, an award,
a funding list upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, BaseModelForm, MoneyField
from kbridge.core.validators import MAX_AMOUNT_KRW
from kbridge.programs.forms import DateTimeLocalInput
from kbridge.selection.models import SelectionPolicy
from kbridge.selection.services.selection import AWARD_REASON_MAX_CHARS


class PolicyForm(BaseModelForm):
    class Meta:
        model = SelectionPolicy
        fields = ["tie_break_criterion", "lottery_at_line", "waitlist_length", "announcement_at",
                  "appeal_working_days", "offer_working_days", "agreement_months"]
        widgets = {"announcement_at": DateTimeLocalInput()}

    def __init__(self, *args, frozen: bool = False, announced: bool = False, call=None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["announcement_at"].required = True
        # The tie-break names a rubric criterion: one of the call's stages' criteria, or of
        # the default rubric when no stage is set up yet (the rules come before evaluation).
        choices = tie_break_choices(call) if call is not None else []
        current = self.initial.get("tie_break_criterion") or ""
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["tie_break_criterion"] = forms.ChoiceField(
            label=self.fields["tie_break_criterion"].label,
            help_text=self.fields["tie_break_criterion"].help_text, required=False,
            choices=[("", _("None: ties are drawn by lot"))] + choices)
        if frozen:
            for name in ("tie_break_criterion", "lottery_at_line", "waitlist_length"):
                self.fields[name].disabled = True
        if announced:
            for name in ("announcement_at", "appeal_working_days", "offer_working_days",
                         "agreement_months"):
                self.fields[name].disabled = True


def tie_break_choices(call) -> list[tuple[str, str]]:
    """(stored Korean title, shown title) of the criteria a tie-break may name."""
    from django.utils.translation import get_language

    from kbridge.evaluation.models import Criterion
    from kbridge.evaluation.rubric import default_criteria

    english = (get_language() or "ko")[:2] == "en"
    rows = [(c.title_ko, c.title_en) for c in Criterion.objects.filter(stage__call=call)
            .order_by("stage__kind", "position")] or \
        [(c["title_ko"], c["title_en"]) for c in default_criteria()]
    seen, choices = set(), []
    for ko, en in rows:
        if ko not in seen:
            seen.add(ko)
            choices.append((ko, en if english and en else ko))
    return choices


class BudgetForm(BaseForm):
    budget_krw = MoneyField(label=_("Track budget (KRW)"), required=False,
                            max_value=MAX_AMOUNT_KRW,
                            help_text=_("Leave empty for places × cap."))


class AwardForm(BaseForm):
    amount_krw = MoneyField(label=_("Award (KRW)"), max_value=MAX_AMOUNT_KRW)
    reason = forms.CharField(label=_("Reason for the change"), max_length=AWARD_REASON_MAX_CHARS,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FundingListForm(BaseForm):
    file = forms.FileField(label=_("Selection list of another program (CSV)"),
                           help_text=_("Columns: 사업자등록번호, 사업명, and optionally 기업명 and "
                                       "연도 (or business_registration_number, program, "
                                       "company, year). UTF-8 or CP949."))
