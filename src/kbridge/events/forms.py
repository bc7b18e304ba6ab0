"""Forms of the event pages (operator console). Each part keeps its forms in its own module
(forms_<part>.py)."""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, BaseModelForm
from kbridge.events.models import Event
from kbridge.programs.forms import DateTimeLocalInput
from kbridge.programs.models import Partner


class EventForm(BaseModelForm):
    class Meta:
        model = Event
        fields = ["host", "title_ko", "title_en", "summary_ko", "summary_en", "starts_at",
                  "ends_at", "venue_ko", "venue_en", "address", "capacity", "review_places",
                  "registration_opens_at", "registration_closes_at",
                  # attendees: the waitlist
                  "waitlist_length", "waitlist_offer_hours"]
        widgets = {
            "starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput(),
            "registration_opens_at": DateTimeLocalInput(),
            "registration_closes_at": DateTimeLocalInput(),
            "summary_ko": forms.Textarea(attrs={"rows": 5}),
            "summary_en": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "starts_at": _("Korea Standard Time (KST)."),
            "registration_closes_at": _(
                "Korea Standard Time (KST). Registration closes at this exact minute."),
        }

    def __init__(self, *args, program=None, **kwargs):
        super().__init__(*args, **kwargs)
        program = program or self.instance.program
        self.instance.program = program
        self.fields["host"].queryset = Partner.objects.filter(
            program=program).select_related("organisation")


class SpeakerForm(BaseForm):
    name_ko = forms.CharField(label=_("name (Korean)"), max_length=120)
    name_en = forms.CharField(label=_("name (English)"), max_length=120)
    role_ko = forms.CharField(label=_("role (Korean)"), max_length=200, required=False)
    role_en = forms.CharField(label=_("role (English)"), max_length=200, required=False)


class AgendaItemForm(BaseForm):
    starts_at = forms.DateTimeField(label=_("starts"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("ends"), widget=DateTimeLocalInput())
    title_ko = forms.CharField(label=_("title (Korean)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200)
    speaker = forms.IntegerField(
        label=_("speaker (number in the list above)"), required=False, min_value=1,
        max_value=50)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("starts_at") and cleaned.get("ends_at")
                and cleaned["ends_at"] <= cleaned["starts_at"]):
            self.add_error("ends_at", _("The item must end after it starts."))
        return cleaned


class FitQuestionForm(BaseForm):
    text_ko = forms.CharField(label=_("question (Korean)"), max_length=300)
    text_en = forms.CharField(label=_("question (English)"), max_length=300)
    options = forms.CharField(
        label=_("options"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice question, one option per line as 'Korean | English'. "
                    "Leave empty for a free-text answer."))
    required = forms.BooleanField(label=_("required"), required=False, initial=True)
    max_chars = forms.IntegerField(label=_("longest answer (characters)"), initial=1000,
                                   min_value=10, max_value=10000)

    def clean_options(self) -> list[dict]:
        choices = []
        for number, line in enumerate((self.cleaned_data.get("options") or "").splitlines(), 1):
            if not line.strip():
                continue
            ko, sep, en = line.partition("|")
            if not sep or not ko.strip() or not en.strip():
                raise forms.ValidationError(
                    _("Line %(number)d: write the option as 'Korean | English'."),
                    params={"number": number})
            choices.append({"ko": ko.strip(), "en": en.strip()})
        if len(choices) == 1:
            raise forms.ValidationError(_("A choice question needs at least two options."))
        return choices


# Rows already saved are "initial" forms (validated, removed with their delete box); blank
# extra rows are skipped.
SpeakerFormSet = formset_factory(SpeakerForm, extra=2, max_num=50, validate_max=True,
                                 can_delete=True)
AgendaFormSet = formset_factory(AgendaItemForm, extra=2, max_num=50, validate_max=True,
                                can_delete=True)
FitQuestionFormSet = formset_factory(FitQuestionForm, extra=1, max_num=20, validate_max=True,
                                     can_delete=True)


def kept_rows(formset) -> list[dict]:
    """The cleaned rows of a valid formset, without blank extra rows and deleted ones."""
    return [{k: v for k, v in f.cleaned_data.items() if k != "DELETE"} for f in formset
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]
