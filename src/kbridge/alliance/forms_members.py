"""Forms of the alliance's members and directory (docs/alliance.md, "Members and directory")."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.alliance.models import AllianceMember, Sector
from kbridge.alliance.models.members import (
    DESCRIPTION_MAX_CHARS,
    HEADLINE_MAX_CHARS,
    MAX_TECHNOLOGIES,
    MAX_TECHNOLOGY_CHARS,
)
from kbridge.core.forms import BaseForm, KeywordsField


class MemberProfileForm(BaseForm):
    """A member's listing and bilingual profile (shown in the page's language)."""

    listed = forms.BooleanField(
        label=_("List us in the alliance's directory"), required=False,
        help_text=_("Off by default. Other members of the alliance then find your "
                    "organisation, its headline, description, sectors and technologies."))
    headline_ko = forms.CharField(label=_("headline (Korean)"), max_length=HEADLINE_MAX_CHARS,
                                  required=False)
    headline_en = forms.CharField(label=_("headline (English)"), max_length=HEADLINE_MAX_CHARS,
                                  required=False)
    description_ko = forms.CharField(label=_("description (Korean)"), required=False,
                                     max_length=DESCRIPTION_MAX_CHARS,
                                     widget=forms.Textarea(attrs={"rows": 6}))
    description_en = forms.CharField(label=_("description (English)"), required=False,
                                     max_length=DESCRIPTION_MAX_CHARS,
                                     widget=forms.Textarea(attrs={"rows": 6}))
    sectors = forms.MultipleChoiceField(label=_("sectors"), choices=Sector.choices,
                                        required=False, widget=forms.CheckboxSelectMultiple)
    technologies = KeywordsField(label=_("technologies"), required=False,
                                 max_keywords=MAX_TECHNOLOGIES,
                                 max_keyword_chars=MAX_TECHNOLOGY_CHARS)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("listed") and not (cleaned.get("headline_ko") or
                                          cleaned.get("headline_en")):
            self.add_error("headline_ko", _("Write a headline (in Korean or English) before "
                                            "listing your organisation."))
        return cleaned


class InviteStartupForm(BaseForm):
    """An operator invites a startup (one that attended the agency's events or applied)."""

    organisation = forms.ModelChoiceField(label=_("startup"), queryset=None,
                                          empty_label=_("Choose a startup"))

    def __init__(self, *args, startups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = startups


def initial_of(member: AllianceMember) -> dict:
    return {field: getattr(member, field) for field in MemberProfileForm.base_fields}
