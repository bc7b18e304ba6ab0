"""Forms of appeals: the applicant's grounds and the handler's answer.

Limits are the service's (``services.appeals``); the forms check them first so that the page
says what is wrong next to the field, and keep what was typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm
from kbridge.core.i18n import localized_text
from kbridge.core.text import count_chars
from kbridge.selection.services import appeals as services


def _min_chars(low: int):
    def check(value):
        count = count_chars(value)
        if count < low:
            raise ValidationError(
                _("Write at least %(low)s characters: it has %(count)s."),
                code="too_short", params={"low": f"{low:,}", "count": f"{count:,}"})
    return check


class AppealForm(BaseForm):
    grounds = forms.CharField(
        label=_("Grounds of the appeal"), widget=forms.Textarea(attrs={"rows": 10}),
        max_length=services.GROUNDS_MAX_CHARS,
        validators=[_min_chars(services.GROUNDS_MIN_CHARS)],
        help_text=_("Say which criterion, score or reason you contest and why, with the facts "
                    "the evaluators may have missed. At least 30 characters."),
        error_messages={"required": _("Write the grounds of your appeal.")})


class CriterionChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return localized_text(obj, "title")


class AnswerForm(BaseForm):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("upheld", _("Upheld")), ("rejected", _("Not upheld"))],
        error_messages={"required": _("Choose whether the appeal is upheld.")})
    answer = forms.CharField(
        label=_("Answer to the applicant"), widget=forms.Textarea(attrs={"rows": 10}),
        max_length=services.ANSWER_MAX_CHARS,
        validators=[_min_chars(services.ANSWER_MIN_CHARS)],
        help_text=_("The applicant reads this with the criteria you cite. Give the reasons, "
                    "not only the decision. At least 50 characters."),
        error_messages={"required": _("Write the answer to the applicant.")})
    criteria = CriterionChoice(
        label=_("Criteria the answer cites"), queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cite at least one criterion of the rubric that the "
                                      "answer concerns."),
                        "invalid_choice": _("Cite criteria of the rubric this result was "
                                            "decided on.")})
    corrected_score = forms.DecimalField(
        label=_("Corrected final score (optional)"), required=False, min_value=0,
        max_value=100, max_digits=5, decimal_places=2,
        help_text=_("Only when the appeal is upheld and the final score was wrong: 0–100, two "
                    "decimals. The track is re-ranked; nobody loses a place already given."),
        error_messages={"invalid": _("Enter the corrected final score from 0 to 100, with at "
                                     "most two decimals."),
                        "max_digits": _("Enter the corrected final score from 0 to 100, with "
                                        "at most two decimals."),
                        "max_decimal_places": _("Enter the corrected final score from 0 to "
                                                "100, with at most two decimals."),
                        "max_whole_digits": _("Enter the corrected final score from 0 to 100, "
                                              "with at most two decimals."),
                        "min_value": _("Enter the corrected final score from 0 to 100, with "
                                       "at most two decimals."),
                        "max_value": _("Enter the corrected final score from 0 to 100, with "
                                       "at most two decimals.")})

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = stage.criteria.order_by("position", "pk")
        self.fields["corrected_score"].widget.attrs.update({"step": "0.01", "inputmode":
                                                            "decimal"})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("corrected_score") is not None and cleaned.get("decision") == "rejected":
            self.add_error("corrected_score", _("A corrected score can only be given when the "
                                                "appeal is upheld."))
        return cleaned
