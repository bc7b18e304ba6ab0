"""Forms of 1:1 meetings: the operator's session settings, a meeting request, availability
and an outcome."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm, BaseModelForm
from kbridge.events.models import MeetingOutcome, MeetingSession
from kbridge.events.models.meetings import MESSAGE_MAX_CHARS, NOTE_MAX_CHARS
from kbridge.programs.forms import DateTimeLocalInput


class SessionForm(BaseModelForm):
    class Meta:
        model = MeetingSession
        fields = ["starts_at", "ends_at", "slot_minutes", "tables"]
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}
        help_texts = {"starts_at": _("Korea Standard Time (KST)."),
                      "ends_at": _("Korea Standard Time (KST).")}


class RequestForm(BaseForm):
    """``choices`` are (key, label) of whom the user may ask: ``s<organisation id>`` for a
    startup, ``p<user id>`` for a partner's staff member."""

    with_whom = forms.ChoiceField(label=_("Meet with"))
    message = forms.CharField(label=_("Message"), max_length=MESSAGE_MAX_CHARS,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("A short note on what you would like to discuss."))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["with_whom"].choices = [("", "---------"), *choices]


class OutcomeForm(BaseForm):
    """How a meeting went, by one side: a result and an optional note (limit shown)."""

    result = forms.ChoiceField(label=_("Outcome"), choices=MeetingOutcome.Result.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": _("Choose how the meeting went.")})
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))
