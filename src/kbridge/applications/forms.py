from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kbridge.accounts.models import Organisation
from kbridge.applications.eligibility import brn_digits, canonical_brn, valid_brn
from kbridge.applications.models import (
    Application,
    DeadlineExtension,
    Question,
    StartupProfile,
    Submission,
)
from kbridge.core.forms import BaseForm, BaseModelForm, KeywordsField, MoneyField, MoneyInput
from kbridge.programs.forms import DateInput, DateTimeLocalInput


class ProfileForm(BaseModelForm):
    name_ko = forms.CharField(label=_("Company name (Korean)"), max_length=200)
    name_en = forms.CharField(label=_("Company name (English)"), max_length=200, required=False)
    description_ko = forms.CharField(label=capfirst(_("description (Korean)")), required=False,
                                     widget=forms.Textarea(attrs={"rows": 5}))
    description_en = forms.CharField(label=capfirst(_("description (English)")), required=False,
                                     widget=forms.Textarea(attrs={"rows": 5}))
    website = forms.URLField(label=capfirst(_("website")), required=False, assume_scheme="https")
    sector = forms.CharField(label=capfirst(_("sector")), max_length=80, required=False)
    technology_keywords = KeywordsField(label=capfirst(_("technology keywords")), required=False)

    class Meta:
        model = StartupProfile
        fields = ["is_pre_founder", "business_registration_number", "founded_on",
                  "technology_keywords", "team_size", "revenue_krw", "investment_krw",
                  "patents", "discoverable"]
        widgets = {"founded_on": DateInput()}
        field_classes = {"revenue_krw": MoneyField, "investment_krw": MoneyField}

    field_order = ["name_ko", "name_en", "is_pre_founder", "business_registration_number",
                   "founded_on", "sector", "technology_keywords", "description_ko",
                   "description_en", "team_size", "revenue_krw", "investment_krw", "patents",
                   "website", "discoverable"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        initial = kwargs.setdefault("initial", {})
        for name in ("name_ko", "name_en", "description_ko", "description_en", "website",
                     "sector"):
            initial.setdefault(name, getattr(organisation, name))
        super().__init__(*args, **kwargs)

    def clean_business_registration_number(self):
        number = self.cleaned_data["business_registration_number"].strip()
        if not number:
            return ""
        digits = brn_digits(number)
        if not (digits.isascii() and valid_brn(digits)):
            raise forms.ValidationError(
                _("This is not a valid business registration number. Check the 10 digits."))
        return canonical_brn(digits)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_pre_founder"):
            if not cleaned.get("business_registration_number") and \
                    "business_registration_number" not in self.errors:
                self.add_error("business_registration_number", _(
                    "Enter the business registration number, or tick “pre-founder”."))
            if not cleaned.get("founded_on") and "founded_on" not in self.errors:
                self.add_error("founded_on", _("Enter the founding date."))
        return cleaned


def question_label(question: Question) -> str:
    """The question's label in the active language (the other language if it has none)."""
    return _label(question, "label")


def _label(question: Question, field: str) -> str:
    lang = (get_language() or "ko")[:2]
    first, second = ("en", "ko") if lang == "en" else ("ko", "en")
    return getattr(question, f"{field}_{first}") or getattr(question, f"{field}_{second}")


#: How many evaluators an applicant may object to (기피), and the parts of each entry:
#: (key, label, character limit). The keys are those of ``Application.challenges``.
MAX_CHALLENGES = 3
_CHALLENGE_PARTS = (
    ("name", _("name"), 120),
    ("organisation", _("organisation"), 200),
    ("email", _("e-mail (if known)"), 254),
    ("reason", _("reason"), 500),
)
_CHALLENGE_HELP = _("Optional. If an evaluator should not judge your application (for example "
                    "a competitor's adviser), name them and say why; an evaluator so named is "
                    "kept away from your application unless the operator decides otherwise.")


class DraftForm(BaseForm):
    """The answers of a draft. Nothing here rejects input: drafts keep whatever was typed;
    completeness is checked at submission (services.validate_for_submission)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    editor = forms.CharField(widget=forms.HiddenInput, required=False)
    declares_government_support = forms.TypedChoiceField(
        label=_("Does your company currently receive funding from another government startup "
                "program?"),
        choices=[("", "—"), ("no", _("No")), ("yes", _("Yes"))], required=False,
        coerce=lambda v: {"yes": True, "no": False}.get(v), empty_value=None)
    government_support_detail = forms.CharField(
        label=_("If yes, which program"), max_length=300, required=False)
    declares_no_tax_arrears = forms.BooleanField(
        label=_("We confirm that our company has no unpaid national or local taxes."),
        required=False)

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            if q.kind == Question.Kind.FILE:
                continue
            common = {"label": _label(q, "label"), "required": False,
                      "help_text": _label(q, "help")}
            if q.kind == Question.Kind.TEXT:
                attrs = {"rows": 6}
                if q.max_length:
                    attrs["data-maxlength"] = q.max_length
                field = forms.CharField(widget=forms.Textarea(attrs=attrs), strip=False,
                                        **common)
            elif q.kind == Question.Kind.NUMBER:
                # A number typed as people write it (services._clean_answer reads it):
                # no character limit to show, a hint on the forms accepted instead.
                hint = _("A whole number, with or without separators: 1,200 or 1200; "
                         "amounts also as ₩350,000,000 or 3억 5천만.")
                common["help_text"] = (format_html("{} {}", common["help_text"], hint)
                                       if common["help_text"] else hint)
                field = forms.CharField(widget=MoneyInput(), **common)
                field._input_limited = True
            else:
                lang = (get_language() or "ko")[:2]
                field = forms.ChoiceField(
                    choices=[("", "—")] + [(c["value"], c.get(lang) or c.get("ko") or c["value"])
                                           for c in q.choices], **common)
            field.question = q
            self.fields[f"q_{q.pk}"] = field
        challenge_names = []
        for i in range(1, MAX_CHALLENGES + 1):
            for part, label, limit in _CHALLENGE_PARTS:
                name = f"challenge_{i}_{part}"
                self.fields[name] = forms.CharField(
                    label=format_lazy("{} {}: {}", _("Evaluator you object to"), i, label),
                    max_length=limit, required=False,
                    help_text=_CHALLENGE_HELP if (i, part) == (1, "name") else "")
                challenge_names.append(name)
        order = [f"q_{q.pk}" for q in questions if q.kind != Question.Kind.FILE]
        self.order_fields(order + ["declares_government_support", "government_support_detail",
                                   "declares_no_tax_arrears", *challenge_names, "version",
                                   "editor"])

    @classmethod
    def for_application(cls, application: Application, questions: list[Question],
                        errors: dict[str, list[str]] | None = None) -> DraftForm:
        """The form bound to the stored draft, with submission problems shown on the fields."""
        data = {k: ("" if v is None else v) for k, v in cls.initial_for(application).items()}
        if data.pop("declares_no_tax_arrears"):
            data["declares_no_tax_arrears"] = "on"
        form = cls(data=data, questions=questions)
        form.is_valid()
        for name, messages in (errors or {}).items():
            if name in form.fields:
                for message in messages:
                    form.add_error(name, message)
        return form

    @classmethod
    def initial_for(cls, application: Application) -> dict:
        initial = {f"q_{k}": v for k, v in application.answers.items()}
        for i, entry in enumerate(application.challenges or [], start=1):
            for part, _label, _limit in _CHALLENGE_PARTS:
                initial[f"challenge_{i}_{part}"] = (entry or {}).get(part, "")
        initial.update({
            "version": application.version,
            "editor": uuid.uuid4().hex,
            "declares_government_support": {True: "yes", False: "no"}.get(
                application.declares_government_support, ""),
            "government_support_detail": application.government_support_detail,
            "declares_no_tax_arrears": application.declares_no_tax_arrears,
        })
        return initial

    def raw_answers(self) -> dict[str, str]:
        """What was typed, keyed by question id, straight from the POST data."""
        return {name[2:]: self.data.get(name, "") for name in self.fields
                if name.startswith("q_") and name in self.data}

    def declarations(self) -> dict:
        data = self.data
        out = {}
        if "declares_government_support" in data:
            out["declares_government_support"] = {"yes": True, "no": False}.get(
                data.get("declares_government_support"))
        if "government_support_detail" in data:
            out["government_support_detail"] = data.get("government_support_detail", "")
        if any(f"challenge_{i}_name" in data for i in range(1, MAX_CHALLENGES + 1)):
            out["challenges"] = [
                {part: data.get(f"challenge_{i}_{part}", "") for part, _l, _m in _CHALLENGE_PARTS}
                for i in range(1, MAX_CHALLENGES + 1)]
        # An unticked checkbox is absent from the POST: only the full form sends the marker.
        if "declarations_present" in data:
            out["declares_no_tax_arrears"] = data.get("declares_no_tax_arrears") in (
                "on", "true", "1")
        return out

    def editor_id(self) -> str:
        return str(self.data.get("editor", ""))[:32]

    def base_version(self) -> int:
        try:
            return int(self.data.get("version", "0"))
        except ValueError:
            return 0


class ApplicantLookupField(forms.CharField):
    """An applicant of one call, typed as a receipt number or a business registration number.

    A text box rather than a list: a call with 10,000 applicants made the operator's page carry
    a 450 KB ``<select>`` (issue 10, item 7). Cleans to the applicant ``Organisation`` or None.
    """

    def __init__(self, *, call=None, **kwargs):
        super().__init__(**kwargs)
        self.call = call

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        submission = (Submission.objects.filter(application__call=self.call,
                                                receipt_number__iexact=text.strip())
                      .select_related("application__applicant").first())
        if submission is not None:
            return submission.application.applicant
        if len(brn_digits(text)) == 10:  # stored in the canonical ###-##-##### form
            applicant = Organisation.objects.filter(
                applications__call=self.call,
                profile__business_registration_number=canonical_brn(text)).distinct().first()
            if applicant is not None:
                return applicant
        raise ValidationError(_("No applicant of this call has this receipt number or business "
                                "registration number."), code="unknown_applicant")


class ExtensionForm(BaseModelForm):
    applicant = ApplicantLookupField(
        label=_("Applicant"), required=False, max_length=40,
        help_text=_("A receipt number (e.g. KB2026-000123-01) or a business registration "
                    "number. Leave empty to extend the whole call."))

    class Meta:
        model = DeadlineExtension
        fields = ["applicant", "deadline_at", "reason"]
        widgets = {"deadline_at": DateTimeLocalInput(),
                   "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].call = call


class QuestionForm(BaseModelForm):
    class Meta:
        model = Question
        fields = ["position", "kind", "label_ko", "label_en", "help_ko", "help_en", "required",
                  "max_length", "min_value", "max_value", "choices"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 2})}


    def clean_choices(self):
        """A list of options, each ``{"value": "…", "ko": "…", "en": "…"}`` with text values
        (empty for questions that are not choices). Anything else would break the form that
        applicants fill in."""
        choices = self.cleaned_data.get("choices")
        if choices in (None, ""):
            return []
        problem = forms.ValidationError(
            _('Write the choices as a list such as [{"value": "a", "ko": "가", "en": "A"}].'),
            code="choices")
        if not isinstance(choices, list) or len(choices) > 100:
            raise problem
        for choice in choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("value"), str) or \
                    not choice["value"] or any(not isinstance(choice.get(k, ""), str)
                                               for k in ("ko", "en")):
                raise problem
        return choices


QuestionFormSet = forms.modelformset_factory(Question, form=QuestionForm, extra=1,
                                             can_delete=True)
