from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from kbridge.accounts.models import Organisation
from kbridge.accounts.tenancy import partner_organisations_of_agency
from kbridge.core.forms import BaseForm, BaseModelForm, KeywordsField, MoneyField
from kbridge.programs import selectors
from kbridge.programs.models import Call, Partner, Program, SupportItem, Track


class DateTimeLocalInput(forms.DateTimeInput):
    """An HTML datetime-local input; values are read and shown in KST (TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ProgramForm(BaseModelForm):
    class Meta:
        model = Program
        fields = ["operator", "year", "name_ko", "name_en", "description_ko", "description_en",
                  "budget_krw", "one_application_per_program"]
        field_classes = {"budget_krw": MoneyField}

    def __init__(self, *args, operator_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.OPERATOR, pk__in=operator_ids
        )


class PartnerForm(BaseModelForm):
    """Add or edit a partner. Only partner companies managed by the program's agency are
    offered (tenancy model); a company not yet known is created by typing its name."""

    new_company_ko = forms.CharField(
        label=_("or a new company: name (Korean)"), max_length=200, required=False)
    new_company_en = forms.CharField(
        label=_("new company: name (English)"), max_length=200, required=False)

    class Meta:
        model = Partner
        fields = ["organisation", "new_company_ko", "new_company_en", "sub_program_ko",
                  "sub_program_en"]

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        program = program or self.instance.program
        field = self.fields["organisation"]
        if self.instance.pk:
            field.queryset = partner_organisations_of_agency({program.operator_id})
            del self.fields["new_company_ko"], self.fields["new_company_en"]
        else:
            field.queryset = selectors.partner_choices_for(program)
            field.required = False
            field.help_text = _("Global companies your agency already works with.")

    def clean(self):
        cleaned = super().clean()
        if (not self.instance.pk and not cleaned.get("organisation")
                and not (cleaned.get("new_company_ko") or "").strip()):
            self.add_error("organisation",
                           _("Choose a partner company or enter the name of a new one."))
        return cleaned


class CallForm(BaseModelForm):
    class Meta:
        model = Call
        fields = ["title_ko", "title_en", "summary_ko", "summary_en", "opens_at", "deadline_at",
                  "document_evaluation_start", "document_evaluation_end",
                  "presentation_evaluation_start", "presentation_evaluation_end",
                  "announcement_on"]
        widgets = {
            "opens_at": DateTimeLocalInput(),
            "deadline_at": DateTimeLocalInput(),
            "document_evaluation_start": DateInput(),
            "document_evaluation_end": DateInput(),
            "presentation_evaluation_start": DateInput(),
            "presentation_evaluation_end": DateInput(),
            "announcement_on": DateInput(),
        }
        help_texts = {
            "opens_at": _("Korea Standard Time (KST)."),
            "deadline_at": _("Korea Standard Time (KST). Submissions close at this exact minute."),
        }


class TrackForm(BaseModelForm):
    """The operator's form: every field of a track."""

    interest_keywords = KeywordsField(label=_("interest keywords"), required=False)

    class Meta:
        model = Track
        fields = ["partner", "name_ko", "name_en", "description_ko", "description_en", "quota",
                  "funding_cap_krw", "interest_keywords", "max_company_age_years",
                  "pre_founders_allowed", "exclude_duplicate_funding", "position"]
        field_classes = {"funding_cap_krw": MoneyField}
        widgets = {"description_ko": forms.Textarea(attrs={"rows": 5}),
                   "description_en": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        if call is not None:
            self.fields["partner"].queryset = Partner.objects.filter(
                program_id=call.program_id
            ).select_related("organisation")


class PartnerTrackForm(BaseModelForm):
    """Partner staff change only the text of their own tracks (and the package, below)."""

    interest_keywords = KeywordsField(label=_("interest keywords"), required=False)

    class Meta:
        model = Track
        fields = ["name_ko", "name_en", "description_ko", "description_en", "interest_keywords"]
        widgets = {"description_ko": forms.Textarea(attrs={"rows": 5}),
                   "description_en": forms.Textarea(attrs={"rows": 5})}


class SupportItemForm(BaseForm):
    # An empty first choice keeps the blank extra row unchanged, so it is skipped on save.
    kind = forms.ChoiceField(label=_("kind"), choices=[("", "—"), *SupportItem.Kind.choices])
    description_ko = forms.CharField(label=_("description (Korean)"), max_length=300)
    description_en = forms.CharField(label=_("description (English)"), max_length=300)


SupportItemFormSet = formset_factory(
    SupportItemForm, extra=1, can_delete=True, max_num=12, validate_max=True
)


def package_from_formset(formset) -> list[dict]:
    return [
        {k: f.cleaned_data[k] for k in ("kind", "description_ko", "description_en")}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]
