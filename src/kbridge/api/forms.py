"""Forms of the token and webhook pages (through the shared input-cleaning layer)."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kbridge.api import selectors, webhook_events
from kbridge.api.models import AREAS, READ_ONLY_AREAS
from kbridge.api.services import DEFAULT_LIFETIME
from kbridge.core.forms import BaseForm
from kbridge.core.i18n import KST

AREA_LABELS = {
    "calls": _("Calls and tracks"),
    "applications": _("Applications and profiles"),
    "evaluation": _("Evaluation"),
    "selection": _("Selection results"),
    "events": _("Events"),
    "alliance": _("Alliance"),
    "webhooks": _("Webhooks"),
}
LEVELS = [("", _("No access")), ("read", _("Read")), ("write", _("Read and change"))]


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class OnceKeyMixin:
    """For a form that makes a secret shown once: a hidden one-time key, so that the same
    form sent again (a reload of the page that showed the secret) makes nothing more
    (``services.AlreadyMade``). Put it before the form class in the bases."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_key"] = forms.CharField(
            widget=forms.HiddenInput, required=False, max_length=40,
            initial=uuid.uuid4().hex)


class TokenForm(OnceKeyMixin, BaseForm):
    """A new API token: a name, its scopes per area, an expiry date and, optionally, one of the
    person's organisations (an organisation token, listed to its managers)."""

    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("What will use the token, e.g. “Accounting system”."))
    organisation = OrganisationChoice(
        label=_("Organisation"), required=False, queryset=None,
        empty_label=_("None: a personal token"),
        help_text=_("An organisation token is shown to the organisation's managers, who may "
                    "revoke it; it stops working when you leave the organisation."))
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At the end of this day (KST); at most 365 days ahead."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.token_organisations(user)
        self.fields["expires_on"].initial = (timezone.now() + DEFAULT_LIFETIME).astimezone(
            KST).date()
        for area in AREAS:
            choices = LEVELS[:2] if area in READ_ONLY_AREAS else LEVELS
            self.fields[f"scope_{area}"] = forms.ChoiceField(
                label=AREA_LABELS[area], choices=choices, required=False)

    def clean(self):
        data = super().clean()
        data["scopes"] = {area: data.get(f"scope_{area}") for area in AREAS
                          if data.get(f"scope_{area}")}
        if not data["scopes"]:
            self.add_error(None, _("Choose at least one area."))
        return data

    def expires_at(self) -> dt.datetime:
        day = self.cleaned_data["expires_on"]
        return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=KST)


class WebhookForm(OnceKeyMixin, BaseForm):
    """A webhook subscription: name, URL and events (and, when new, the organisation)."""

    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("What receives the events, e.g. “CRM”."))
    url = forms.CharField(
        label=_("URL"), max_length=500,
        help_text=_("Where K-Bridge sends a signed POST for each event, e.g. "
                    "https://crm.example.com/hooks/kbridge."))
    organisation = OrganisationChoice(label=_("Organisation"), queryset=None)
    event_types = forms.MultipleChoiceField(
        label=pgettext_lazy("webhook event types", "Events"), widget=forms.CheckboxSelectMultiple, choices=(),
        help_text=_("Your organisation receives an event only for what it may see."))

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "url": instance.url,
                                          "event_types": instance.event_types})
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = webhook_events.choices()
        if instance is None:
            organisations = selectors.webhook_organisations(user)
            self.fields["organisation"].queryset = organisations
            if len(organisations) == 1:
                self.fields["organisation"].initial = organisations[0].pk
        else:
            del self.fields["organisation"], self.fields["form_key"]  # no secret to show
