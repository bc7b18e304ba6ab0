"""The check-in form: a scanned QR payload (filled in by the camera script) or a typed code."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm


class CheckInForm(BaseForm):
    """Either field may be given; the camera fills ``payload``, a person types ``code``.
    Both empty is answered by the service ("scan a ticket or type its code")."""

    payload = forms.CharField(label=_("QR code"), required=False, max_length=300,
                              widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Typed code"), required=False, max_length=40,
        help_text=_("The ten characters under the QR code, e.g. ABCDE-FGH23; case, spaces "
                    "and hyphens do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "inputmode": "text"}))
