"""Forms of the live Q&A: asking, answering, the Q&A settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm
from kbridge.events.models.qna import ANSWER_MAX_CHARS, QUESTION_MAX_CHARS


class AskForm(BaseForm):
    text = forms.CharField(
        label=_("Your question"), max_length=QUESTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        # The limit is added by the shared layer (kbridge.core.forms.limit_help); a lazy
        # text formatted here would be frozen in the language active at import.
        help_text=_("Korean or English."))
    anonymous = forms.BooleanField(
        label=_("Ask anonymously"), required=False,
        help_text=_("Other attendees and the speakers do not see your name; the event's "
                    "moderators always do."))


class AnswerForm(BaseForm):
    text = forms.CharField(label=_("Written answer (optional)"), required=False,
                           max_length=ANSWER_MAX_CHARS,
                           widget=forms.Textarea(attrs={"rows": 2}))


class QnaSettingsForm(BaseForm):
    premoderated = forms.BooleanField(
        label=_("Approve questions before they are shown"), required=False,
        help_text=_("Off: questions appear at once and moderators hide what does not "
                    "belong."))
    open = forms.BooleanField(label=_("Questions and votes open"), required=False)
