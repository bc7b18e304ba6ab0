from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kbridge.accounts import services, tenancy
from kbridge.accounts.models import Membership, Organisation
from kbridge.core.forms import BaseForm, CleanInputMixin


class LoginForm(CleanInputMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("The e-mail address or password is not correct."),
        "inactive": _("This account is inactive."),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # The login throttle refused before any password was checked: say so, not
            # "wrong password" (LoginThrottleBackend leaves its verdict on the request).
            verdict = getattr(self.request, "login_throttled", None)
            if verdict is not None:
                raise ValidationError(verdict.message, code="throttled") from None
            raise


class _PasswordMixin(BaseForm):
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; not a common or purely numeric password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if services.email_in_use(email):
            raise ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class _NewAccountForm(_PasswordMixin):
    """A form that creates an account: a password and the required consent (PIPA Art. 15).

    The notice itself (``accounts.consent``) is shown above the checkbox by
    ``accounts/_consent.html``; an unticked box keeps everything else that was typed.
    """

    privacy_consent = forms.BooleanField(
        label=_("I have read the notice above and agree to the collection and use of my "
                "personal data (required)."),
        error_messages={"required": _(
            "Tick the box to agree to the collection and use of your personal data. Without "
            "this consent we cannot create your account.")},
    )


class StartupSignupForm(_NewAccountForm):
    email = forms.EmailField(label=_("E-mail address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Your name (the company representative)"), max_length=120,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    company_name_ko = forms.CharField(label=_("Company name (Korean)"), max_length=200)
    company_name_en = forms.CharField(label=_("Company name (English)"), max_length=200,
                                      required=False)
    field_order = ["email", "full_name", "company_name_ko", "company_name_en", "password1",
                   "password2"]


class EvaluatorSignupForm(_NewAccountForm):
    email = forms.EmailField(label=_("E-mail address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(label=_("Your name"), max_length=120,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    affiliation_name = forms.CharField(label=_("Affiliation"), max_length=200)
    affiliation_type = forms.ChoiceField(
        label=_("Type of affiliation"),
        choices=[c for c in Organisation.AffiliationType.choices if c[0]],
    )
    field_order = ["email", "full_name", "affiliation_name", "affiliation_type", "password1",
                   "password2"]


class InvitationForm(BaseForm):
    """Invite staff: only organisations the inviting person manages are offered."""

    email = forms.EmailField(label=_("E-mail address"))
    organisation = forms.ModelChoiceField(label=_("Organisation"),
                                          queryset=Organisation.objects.none())
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Membership.Role.PARTNER, Membership.Role.PARTNER.label),
                 (Membership.Role.PARTNER_ADMIN, Membership.Role.PARTNER_ADMIN.label),
                 (Membership.Role.OPERATOR, Membership.Role.OPERATOR.label)],
        help_text=_("Agency staff belong to an agency; partner staff and partner admins to a "
                    "partner company. Partner admins may invite their own colleagues."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = tenancy.staff_invitation_organisations(user)
        self.fields["organisation"].queryset = organisations
        # Offer only roles the person may give in at least one offered organisation.
        reachable = set().union(*(tenancy.invitable_roles(user, o) for o in organisations))
        self.fields["role"].choices = [c for c in self.fields["role"].choices
                                       if c[0] in reachable]
        if len(organisations) == 1:  # a partner admin's own company: nothing to choose
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"].empty_label = None
        if len(self.fields["role"].choices) == 1:
            self.fields["role"].initial = self.fields["role"].choices[0][0]
        if not tenancy.agency_ids(user):
            self.fields["role"].help_text = _(
                "Partner staff work on your company's tracks; partner admins may also invite "
                "colleagues.")
        self._user = user

    def clean(self):
        cleaned = super().clean()
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        if organisation is not None and role and role not in tenancy.invitable_roles(
                self._user, organisation):
            self.add_error("role", _("This role cannot be given in the chosen organisation: "
                                     "agency staff join an agency, partner staff and partner "
                                     "admins join a partner company."))
        return cleaned


class AcceptInvitationForm(_NewAccountForm):
    full_name = forms.CharField(label=_("Your name"), max_length=120)
    field_order = ["full_name", "password1", "password2"]


class MemberInvitationForm(BaseForm):
    email = forms.EmailField(label=_("E-mail address"))


class DeleteAccountForm(BaseForm):
    """Confirm an account deletion with the password (a left-open session is not enough)."""

    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted at once and cannot be restored."),
        error_messages={"required": _("Tick the box to confirm the deletion.")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self._user.check_password(password):
            raise ValidationError(_("The password is not correct."))
        return password


class ResetPasswordForm(CleanInputMixin, PasswordResetForm):
    """Django's password-reset request form with the input-cleaning layer."""


class NewPasswordForm(CleanInputMixin, SetPasswordForm):
    """Django's set-a-new-password form with the input-cleaning layer (passwords are kept
    exactly as typed)."""
