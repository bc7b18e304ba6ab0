"""Forms of the evaluator pool, the pledge and conflicts (all through the input-cleaning layer)."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, KeywordsField
from kbridge.evaluation.models import Conflict, EvaluatorProfile, EvaluatorTie
from kbridge.programs.forms import DateInput

GENDER_CONSENT_TEXT = _(
    "I agree that my gender, as I declare it here, is used only to check the rule that at "
    "least one in ten members of an evaluation panel are women. Only the agencies' operators can see it, "
    "and only as a share of a stage's invited evaluators. Untick to withdraw consent: the "
    "answer is then deleted.")


class ProfileForm(BaseForm):
    expertise_ko = forms.CharField(label=_("Expertise (Korean)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    expertise_en = forms.CharField(label=_("Expertise (English)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    expertise_keywords = KeywordsField(label=_("Expertise keywords"), required=False)
    expert_type = forms.ChoiceField(
        label=_("Kind of expert"), required=False,
        choices=[("", "—"), *EvaluatorProfile.ExpertType.choices],
        help_text=_("Market experts (venture capital, accelerators, industry) must be at least "
                    "half of each panel."))
    years_of_experience = forms.IntegerField(label=_("Years of experience"), required=False,
                                             min_value=0, max_value=70)
    gender_consent = forms.BooleanField(label=_("Use my gender for the panel rule"),
                                        required=False, help_text=GENDER_CONSENT_TEXT)
    gender = forms.ChoiceField(label=_("Gender (self-declared)"), required=False,
                               choices=EvaluatorProfile.Gender.choices)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gender") and not cleaned.get("gender_consent"):
            self.add_error("gender_consent", _(
                "Tick the consent to keep your gender, or choose “Not declared”."))
        return cleaned


class TieForm(BaseForm):
    kind = forms.ChoiceField(label=_("Kind of tie"), choices=[("", "—"), *EvaluatorTie.Kind.choices])
    organisation_name = forms.CharField(label=_("Company"), max_length=200)
    business_registration_number = forms.CharField(
        label=_("Business registration number (optional)"), max_length=12, required=False,
        help_text=_("10 digits, e.g. 123-45-67891: matched exactly when the applicant gave "
                    "theirs; otherwise the company name is compared."))
    started_on = forms.DateField(label=_("From"), required=False, widget=DateInput())
    ended_on = forms.DateField(label=_("Until"), required=False, widget=DateInput(),
                               help_text=_("Leave empty while the tie lasts."))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The end is before the start."))
        return cleaned


TieFormSet = formset_factory(TieForm, extra=1, can_delete=True, max_num=30, validate_max=True)


def ties_from_formset(formset) -> list[dict]:
    return [
        {k: f.cleaned_data.get(k) for k in ("kind", "organisation_name",
                                            "business_registration_number", "started_on",
                                            "ended_on")}
        for f in formset.forms
        if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class InviteForm(BaseForm):
    evaluator = forms.IntegerField(widget=forms.HiddenInput)


class RemoveForm(BaseForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Needed once the evaluator has submitted scores."))


def _basis_choices():
    return [("", "—"), *[(v, label) for v, label in Conflict.Basis.choices
                         if v != Conflict.Basis.MEMBERSHIP]]


class RecusalForm(BaseForm):
    application = forms.TypedChoiceField(label=_("Applicant"), coerce=int)
    basis = forms.ChoiceField(label=_("Basis"), choices=_basis_choices)
    detail = forms.CharField(label=_("What is the tie?"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, applicants: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", "—"), *applicants]


class OperatorConflictForm(RecusalForm):
    evaluator = forms.TypedChoiceField(label=_("Evaluator"), coerce=int)

    def __init__(self, *args, evaluators: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].choices = [("", "—"), *evaluators]
        self.fields["detail"].label = _("Detail")
        self.order_fields(["evaluator", "application", "basis", "detail"])


class OverrideForm(BaseForm):
    reason = forms.CharField(label=_("Reason for setting the conflict aside"),
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
