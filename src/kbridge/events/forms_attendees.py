"""Forms of registration and of the fit review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.applications.eligibility import canonical_brn, valid_brn
from kbridge.core.forms import BaseForm
from kbridge.core.i18n import localized_text


def answer_field(question) -> str:
    return f"answer_{question.pk}"


class RegistrationForm(BaseForm):
    """The registration form: the company number (fixed when the startup's profile has one),
    who attends, and one field per fit question (a choice, or free text of at most
    ``max_chars`` characters)."""

    business_registration_number = forms.CharField(
        label=_("business registration number"), max_length=20,
        help_text=_("10 digits, e.g. 123-45-67891. One registration per company."))
    attendee_name = forms.CharField(label=_("attendee's name"), max_length=120)
    attendee_email = forms.EmailField(label=_("attendee's e-mail address"), max_length=254)

    def __init__(self, *args, questions=(), fixed_brn: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.fixed_brn = fixed_brn
        if fixed_brn:
            field = self.fields["business_registration_number"]
            field.disabled = True
            field.initial = fixed_brn
            field.help_text = _("From your startup's profile. One registration per company.")
        for question in self.questions:
            label = localized_text(question, "text")
            if question.choices:
                field = forms.ChoiceField(
                    label=label, required=question.required, widget=forms.RadioSelect,
                    choices=[(str(i), localized_text(_Choice(c), "label"))
                             for i, c in enumerate(question.choices)])
            else:
                field = forms.CharField(
                    label=label, required=question.required, max_length=question.max_chars,
                    widget=forms.Textarea(attrs={"rows": 4}))  # limit help: BaseForm
            self.fields[answer_field(question)] = field

    def clean_business_registration_number(self) -> str:
        number = self.fixed_brn or self.cleaned_data.get("business_registration_number", "")
        if not valid_brn(number):
            raise forms.ValidationError(
                _("Enter a valid business registration number (10 digits)."), code="brn")
        return canonical_brn(number)

    def answers(self) -> dict[str, str]:
        return {str(q.pk): self.cleaned_data.get(answer_field(q)) or ""
                for q in self.questions}


class _Choice:
    """A fit question's option ``{"ko": …, "en": …}`` as an object ``localized_text`` reads."""

    def __init__(self, choice: dict):
        self.label_ko = choice.get("ko", "")
        self.label_en = choice.get("en", "")


class FitReviewForm(BaseForm):
    score = forms.TypedChoiceField(
        label=_("fit score"), required=False, coerce=int, empty_value=None,
        choices=[("", _("no score")), *((str(n), str(n)) for n in range(1, 6))],
        help_text=_("1 = poor fit, 5 = excellent fit."))
    shortlisted = forms.BooleanField(label=_("shortlist"), required=False)
