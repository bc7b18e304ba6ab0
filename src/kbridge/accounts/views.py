from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kbridge.accounts import services
from kbridge.accounts.forms import (
    AcceptInvitationForm,
    EvaluatorSignupForm,
    InvitationForm,
    LoginForm,
    NewPasswordForm,
    ResetPasswordForm,
    StartupSignupForm,
)
from kbridge.accounts.models import Invitation
from kbridge.core.permissions import require_perm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
            response["Retry-After"] = "3600"
        return response


def _language() -> str:
    return "en" if (get_language() or "ko").startswith("en") else "ko"


def signup(request):
    return render(request, "accounts/signup.html")


def _signup(request, form_class, service, fields, title):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in fields}
        try:
            user = service(email=form.cleaned_data["email"],
                           password=form.cleaned_data["password1"],
                           language=_language(), **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! We sent a verification link to %(email)s.")
                             % {"email": user.email})
            return redirect("dashboard")
    return render(request, "accounts/signup_form.html", {"form": form, "title": title})


def signup_startup(request):
    return _signup(request, StartupSignupForm, services.register_startup,
                   ["full_name", "company_name_ko", "company_name_en"],
                   _("Sign up as a startup"))


def signup_evaluator(request):
    return _signup(request, EvaluatorSignupForm, services.register_evaluator,
                   ["full_name", "affiliation_name", "affiliation_type"],
                   _("Sign up as an evaluator"))


def verify_email(request, token: str):
    try:
        services.verify_email(token=token)
    except ValidationError as exc:
        return render(request, "accounts/verify_failed.html", {"errors": exc.messages},
                      status=400)
    messages.success(request, _("Your e-mail address is verified."))
    return redirect("dashboard" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend_verification(request):
    if request.user.email_verified_at is None:
        services.send_verification_email(request.user)
        messages.success(request, _("We sent a new verification link to %(email)s.")
                         % {"email": request.user.email})
    return redirect("dashboard")


@require_perm("accounts.invite")
def invitation_list(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.")
                             % {"email": form.cleaned_data["email"]})
            return redirect("accounts:invitations")
    invitations = Invitation.objects.select_related("organisation", "invited_by")[:200]
    return render(request, "accounts/invitations.html",
                  {"form": form, "invitations": invitations})


@require_perm("accounts.invite")
@require_POST
def invitation_revoke(request, pk: int):
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None:
        raise Http404
    services.revoke_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation revoked."))
    return redirect("accounts:invitations")


def accept_invitation(request, token: str):
    invitation = Invitation.find(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    form = None if user else AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (user or form.is_valid()):
        try:
            if user:
                services.accept_invitation(invitation=invitation, user=user)
            else:
                user = services.accept_invitation(
                    invitation=invitation, full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"], language=_language(),
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
                  {"invitation": invitation, "form": form})


password_reset = auth_views.PasswordResetView.as_view(
    form_class=ResetPasswordForm,
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=NewPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
