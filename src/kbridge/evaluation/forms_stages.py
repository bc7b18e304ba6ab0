"""Forms of the operator's stage pages: a stage's window and rules, and its rubric."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, BaseModelForm
from kbridge.evaluation.models import Stage
from kbridge.evaluation.services.stages import SCALE_FIELDS, STAGE_FIELDS, stage_rule_errors
from kbridge.programs.forms import DateTimeLocalInput

PERCENT_HELP = _("A share between 0 and 1: 0.50 is 50 %.")


class StageForm(BaseModelForm):
    """Window (typed in KST, stored UTC) and rules of a stage. The instance carries ``call``
    and ``kind``; the cross-field rules are the services' (``stage_rule_errors``), shown by
    field with what was typed kept."""

    class Meta:
        model = Stage
        fields = STAGE_FIELDS
        widgets = {"opens_at": DateTimeLocalInput(), "closes_at": DateTimeLocalInput()}
        help_texts = {
            "opens_at": _("Korea Standard Time (KST)."),
            "closes_at": _("Korea Standard Time (KST). Scores lock at this minute."),
            "min_market_share": PERCENT_HELP,
            "min_women_share": PERCENT_HELP,
            "load_max": _("Leave empty for no limit."),
            "evaluators_per_application": _("Panels of five or more are the program's rule; "
                                            "the trimmed mean needs at least five scores."),
            "conflict_lookback_years": _("Employment, investment or advisory ties that ended "
                                         "less than this many years ago are conflicts."),
            "min_reason_length": _("Every score needs a written reason of at least this many "
                                   "characters."),
            "shortlist_factor": _("Presentation evaluation: how many applications per place "
                                  "of a track are shortlisted (2.0: twice the places)."),
        }

    def __init__(self, *args, scale_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if scale_locked:
            for name in SCALE_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Fixed: scoresheets of this stage have been submitted against this scale.")
        if self.instance.kind == Stage.Kind.DOCUMENT:
            for name in ("shortlist_factor", "slot_minutes"):
                del self.fields[name]

    def _post_clean(self):
        super()._post_clean()
        for field, messages in stage_rule_errors(self.instance).items():
            target = field if field in self.fields else None
            if target is not None and target in self.errors:
                continue  # one message per field: its own bound first
            for message in messages:
                self.add_error(target, message)


def initial_window(call, kind: str) -> dict:
    """Opening and closing times suggested from the call's planned evaluation dates
    (09:00 to 18:00 KST), when the call has them."""
    start = getattr(call, f"{kind}_evaluation_start", None)
    end = getattr(call, f"{kind}_evaluation_end", None)
    tz = timezone.get_current_timezone()
    initial = {}
    if start:
        initial["opens_at"] = dt.datetime.combine(start, dt.time(9), tzinfo=tz)
    if end:
        initial["closes_at"] = dt.datetime.combine(end, dt.time(18), tzinfo=tz)
    return initial


class CriterionForm(BaseForm):
    """One criterion of a rubric, with a descriptor per level of the stage's scale."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title_ko = forms.CharField(label=_("criterion (Korean)"), max_length=200)
    title_en = forms.CharField(label=_("criterion (English)"), max_length=200)
    description_ko = forms.CharField(label=_("what is judged (Korean)"), required=False,
                                     max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    description_en = forms.CharField(label=_("what is judged (English)"), required=False,
                                     max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.IntegerField(label=_("weight (points)"), min_value=1, max_value=100)

    def __init__(self, *args, levels=range(1, 6), **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = list(levels)
        for level in self.levels:
            for lang, label in (("ko", _("level %(level)s (Korean)")),
                                ("en", _("level %(level)s (English)"))):
                self.fields[f"anchor_{level}_{lang}"] = forms.CharField(
                    label=label % {"level": level}, required=False, max_length=500,
                    widget=forms.Textarea(attrs={"rows": 2}))
        self.apply_input_limits()

    def clean(self):
        cleaned = super().clean()
        missing = [str(level) for level in self.levels
                   if not (cleaned.get(f"anchor_{level}_ko") or cleaned.get(f"anchor_{level}_en"))]
        if missing and not self.errors:
            self.add_error(None, _("Describe what level %(levels)s means, in Korean or English.")
                           % {"levels": ", ".join(missing)})
        return cleaned

    def criterion(self) -> dict:
        data = self.cleaned_data
        return {"id": data.get("id"), "title_ko": data["title_ko"], "title_en": data["title_en"],
                "description_ko": data.get("description_ko", ""),
                "description_en": data.get("description_en", ""), "weight": data["weight"],
                "anchors": [{"level": level, "ko": data.get(f"anchor_{level}_ko", ""),
                             "en": data.get(f"anchor_{level}_en", "")} for level in self.levels]}

    @staticmethod
    def initial_of(criterion) -> dict:
        initial = {"id": criterion.pk, "title_ko": criterion.title_ko,
                   "title_en": criterion.title_en, "description_ko": criterion.description_ko,
                   "description_en": criterion.description_en, "weight": criterion.weight,
                   "ORDER": criterion.position}
        for anchor in criterion.anchors or []:
            initial[f"anchor_{anchor['level']}_ko"] = anchor.get("ko", "")
            initial[f"anchor_{anchor['level']}_en"] = anchor.get("en", "")
        return initial


class BaseRubricFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.has_changed() or f.initial]
        kept = [f for f in kept if not self._should_delete_form(f) and f.cleaned_data]
        if not kept:
            raise forms.ValidationError(_("Keep at least one criterion."))
        total = sum(f.cleaned_data.get("weight") or 0 for f in kept)
        if total != 100:
            raise forms.ValidationError(
                _("The weights add up to %(total)s points; they must add up to exactly 100.")
                % {"total": total})

    def criteria(self) -> list[dict]:
        """The criteria in the order given (the ``ORDER`` numbers), deleted ones left out."""
        return [form.criterion() for form in self.ordered_forms]


RubricFormSet = formset_factory(CriterionForm, formset=BaseRubricFormSet, extra=1,
                                can_delete=True, can_order=True, max_num=20, validate_max=True)
