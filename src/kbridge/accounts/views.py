from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts import consent, services, tenancy
from kbridge.accounts.forms import (
    AcceptInvitationForm,
    DeleteAccountForm,
    EvaluatorSignupForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    ResetPasswordForm,
    StartupSignupForm,
)
from kbridge.accounts.models import Invitation, Organisation
from kbridge.core import exports, throttle
from kbridge.core.language import post_only, to
from kbridge.core.permissions import require_login, require_perm
from kbridge.core.site import site_url


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        verdict = getattr(self.request, "login_throttled", None)
        if verdict is not None:
            throttle.mark_refused(response, verdict)
        return response


def _language() -> str:
    return "en" if (get_language() or "ko").startswith("en") else "ko"


@require_safe
def signup(request):
    return render(request, "accounts/signup.html")


def _consent_given(request) -> dict:
    """What the view passes to a service that creates an account from a valid form: the
    version of the notice shown on the page and the client's address."""
    return {"privacy_consent": consent.CURRENT[consent.PRIVACY],
            "ip_address": throttle.client_address(request)}


def _signup(request, form_class, service, fields, title):
    form = form_class(request.POST or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        refused = throttle.refuse_form(form, "signup", throttle.client_address(request))
    if refused is None and request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in fields}
        try:
            user = service(email=form.cleaned_data["email"],
                           password=form.cleaned_data["password1"],
                           language=_language(), **_consent_given(request), **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! We sent a verification link to %(email)s.")
                             % {"email": user.email})
            return redirect("dashboard")
    return throttle.mark_refused(
        render(request, "accounts/signup_form.html",
               {"form": form, "title": title, "notice": consent.current().notice()}), refused)


def signup_startup(request):
    return _signup(request, StartupSignupForm, services.register_startup,
                   ["full_name", "company_name_ko", "company_name_en"],
                   _("Sign up as a startup"))


def signup_evaluator(request):
    return _signup(request, EvaluatorSignupForm, services.register_evaluator,
                   ["full_name", "affiliation_name", "affiliation_type"],
                   _("Sign up as an evaluator"))


@require_safe
def verify_email(request, token: str):
    try:
        services.verify_email(token=token)
    except ValidationError as exc:
        return render(request, "accounts/verify_failed.html", {"errors": exc.messages},
                      status=400)
    messages.success(request, _("Your e-mail address is verified."))
    return redirect("dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@post_only(back=to("dashboard"))
def resend_verification(request):
    if request.user.email_verified_at is None:
        verdict = throttle.hit("verification-resend", str(request.user.pk))
        if not verdict.allowed:
            return throttle.refused_response(request, verdict)
        services.send_verification_email(request.user)
        messages.success(request, _("We sent a new verification link to %(email)s.")
                         % {"email": request.user.email})
    # Back to the page the button was on (the application waiting to be submitted).
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("dashboard")
    return redirect(target)


# --- My data: access and deletion (PIPA Articles 35 and 36) ------------------------------------


@require_safe
@require_login
def my_data(request):
    return render(request, "accounts/my_data.html", _my_data_context(request))


def _my_data_context(request, form=None) -> dict:
    return {"form": form or DeleteAccountForm(user=request.user),
            "consents": request.user.consents.all(),
            "notice": consent.current().notice()}


@require_safe
@require_login
def my_data_export(request):
    data = services.export_personal_data(request.user)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return exports.json_response(data, filename=f"kbridge-my-data-{stamp}.json")


@require_login
@post_only(back=to("accounts:my_data"))
def delete_account(request):
    verdict = throttle.hit("account-deletion", str(request.user.pk))
    if not verdict.allowed:
        return throttle.refused_response(request, verdict)
    form = DeleteAccountForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "accounts/my_data.html", _my_data_context(request, form))
    services.delete_account(user=request.user)
    logout(request)
    messages.success(request, _("Your account is deleted. Submitted applications and the audit "
                                "log are kept as the notice explained."))
    return redirect("public:call_list")


@require_perm("accounts.invite")
def invitation_list(request):
    form = InvitationForm(request.POST or None, user=request.user)
    refused = None
    if request.method == "POST" and form.is_valid():
        refused = throttle.refuse_form(form, "invitation", str(request.user.pk))
    if refused is None and form.is_bound and form.is_valid():
        try:
            services.invite(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.")
                             % {"email": form.cleaned_data["email"]})
            return redirect("accounts:invitations")
    invitations = tenancy.invitations_visible_to(request.user).exclude(
        organisation__kind=Organisation.Kind.STARTUP)[:200]
    return throttle.mark_refused(render(request, "accounts/invitations.html",
                                        {"form": form, "invitations": invitations,
                                         "for_agency": bool(tenancy.agency_ids(request.user))}),
                                 refused)


def _invitations_page(request, pk: int) -> str:
    """The list the revocation returns to, for the language switch (core/language.py)."""
    kind = tenancy.invitations_visible_to(request.user).filter(pk=pk).values_list(
        "organisation__kind", flat=True).first()
    if kind == Organisation.Kind.STARTUP:
        return reverse("applications:members")
    return reverse("accounts:invitations")


@require_login
@post_only(back=_invitations_page)
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(tenancy.invitations_visible_to(request.user), pk=pk)
    try:
        services.revoke_invitation(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation revoked."))
    if invitation.organisation.kind == Organisation.Kind.STARTUP:
        return redirect("applications:members")
    return redirect("accounts:invitations")


def accept_invitation(request, token: str):
    invitation = Invitation.find(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    if user is None and services.email_in_use(invitation.email):
        # The address already has an account: sign in, then come back here to accept.
        return render(request, "accounts/invitation_accept.html", {
            "invitation": invitation, "form": None, "sign_in_first": True,
            "sign_in_url": f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"})
    form = None if user else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (user or form.is_valid()):
        try:
            if user:
                services.accept_invitation(invitation=invitation, user=user)
            else:
                user = services.accept_invitation(
                    invitation=invitation, full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"], language=_language(),
                    **_consent_given(request),
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("dashboard")
            form.add_error(None, exc)
        else:
            messages.success(request, _("You joined %(organisation)s.")
                             % {"organisation": invitation.organisation})
            return redirect("dashboard")
    return render(request, "accounts/invitation_accept.html",
                  {"invitation": invitation, "form": form, "notice": consent.current().notice()})


class PasswordResetView(auth_views.PasswordResetView):
    """Request a reset link; limited per client address and per typed address.

    Both limits apply whether or not an account has the address, so the answers (and the
    429) never tell whether it exists.
    """

    form_class = ResetPasswordForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        refused = throttle.refuse_form(form, "password-reset-address",
                                       throttle.client_address(self.request))
        if refused is None:
            refused = throttle.refuse_form(form, "password-reset-email",
                                           throttle.email_subject(form.cleaned_data["email"]))
        if refused is not None:
            return throttle.mark_refused(self.form_invalid(form), refused)
        # Links are built from SITE_URL, never from the request's Host header: ALLOWED_HOSTS
        # checks the host name but not the port, so a forged Host could point a real user's
        # reset link elsewhere (the same base URL as every other e-mail; only in development
        # with no SITE_URL is it the address served, core/site.py).
        site = urlsplit(site_url())
        form.save(domain_override=site.netloc, use_https=site.scheme == "https",
                  token_generator=self.token_generator, from_email=self.from_email,
                  email_template_name=self.email_template_name,
                  subject_template_name=self.subject_template_name, request=self.request,
                  html_email_template_name=self.html_email_template_name,
                  extra_email_context=self.extra_email_context)
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.lift_login_limits(user=form.user, reason="password_reset")
        return response


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
