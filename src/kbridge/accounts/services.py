"""State changes of accounts: registration with consent, e-mail verification, invitations,
the personal-data export and account deletion.

Each function validates, writes in one transaction, records the audit log and sends mail
through the task queue (mail leaves only after the commit).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts import consent as consent_texts
from kbridge.accounts import personal_data, tenancy
from kbridge.accounts.models import Consent, Invitation, Membership, Organisation, User
from kbridge.core import audit, audit_display, site
from kbridge.core.mail import queue_email

VERIFY_SALT = "kbridge.accounts.verify-email"
VERIFY_MAX_AGE = 60 * 60 * 24 * 3
INVITATION_LIFETIME = dt.timedelta(days=14)
INVITABLE_ROLES = {Membership.Role.OPERATOR, Membership.Role.PARTNER,
                   Membership.Role.PARTNER_ADMIN}


def _render(template: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/email/{template}.txt", context)
    return subject, body


def _send(template: str, *, to: str, language: str, context: dict) -> None:
    subject, body = _render(template, language, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def email_in_use(email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()


def _new_user(*, email: str, password: str, full_name: str, language: str,
              privacy_consent: str, ip_address: str = "") -> User:
    """Create an account; only with the current required consent (PIPA Article 15)."""
    if privacy_consent != consent_texts.CURRENT[consent_texts.PRIVACY]:
        raise ValidationError(_("Agree to the collection and use of your personal data to "
                                "create an account."), code="consent_required")
    if email_in_use(email):
        raise ValidationError(_("An account with this e-mail address already exists."))
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, preferred_language=language
    )
    record_consent(user=user, version=privacy_consent, ip_address=ip_address)
    return user


def record_consent(*, user: User, version: str, ip_address: str = "") -> Consent:
    """Store that ``user`` agreed to the notice ``version`` now (UTC).

    Raises ValidationError for a version that does not exist. Side effects: audit
    ``consent.given`` with the purpose and version.
    """
    text = consent_texts.CONSENT_TEXTS.get(version)
    if text is None:
        raise ValidationError(_("This consent notice does not exist."))
    given = Consent.objects.create(user=user, purpose=text.purpose, text_version=version,
                                   given_at=timezone.now(), ip_address=ip_address[:64])
    audit.record("consent.given", user,
                 after={"purpose": text.purpose, "version": version}, actor=user)
    return given


@transaction.atomic
def register_startup(
    *, email: str, password: str, full_name: str, company_name_ko: str, company_name_en: str,
    privacy_consent: str, language: str = "ko", ip_address: str = "",
) -> User:
    """Create a founder's account, the startup and the representative membership.

    ``privacy_consent`` is the version of the required consent notice the person agreed to;
    anything but the current version is refused.
    Side effects: audit ``consent.given`` and ``account.registered``; verification e-mail
    queued on commit.
    """
    user = _new_user(email=email, password=password, full_name=full_name, language=language,
                     privacy_consent=privacy_consent, ip_address=ip_address)
    startup = Organisation.objects.create(
        kind=Organisation.Kind.STARTUP, name_ko=company_name_ko, name_en=company_name_en
    )
    Membership.objects.create(
        user=user, organisation=startup, role=Membership.Role.STARTUP_REPRESENTATIVE
    )
    audit.record("account.registered", user, after={"role": "startup_rep",
                                                    "organisation": startup.pk}, actor=user)
    send_verification_email(user)
    return user


@transaction.atomic
def register_evaluator(
    *, email: str, password: str, full_name: str, affiliation_name: str, affiliation_type: str,
    privacy_consent: str, language: str = "ko", ip_address: str = "",
) -> User:
    """Create an external expert's account attached to their affiliation.

    ``privacy_consent``: as for :func:`register_startup`.
    Side effects: audit ``consent.given`` and ``account.registered``; verification e-mail
    queued on commit.
    """
    user = _new_user(email=email, password=password, full_name=full_name, language=language,
                     privacy_consent=privacy_consent, ip_address=ip_address)
    affiliation = Organisation.objects.filter(
        kind=Organisation.Kind.AFFILIATION, name_ko__iexact=affiliation_name.strip()
    ).first()
    if affiliation is None:
        affiliation = Organisation.objects.create(
            kind=Organisation.Kind.AFFILIATION,
            name_ko=affiliation_name.strip(),
            affiliation_type=affiliation_type,
        )
    Membership.objects.create(user=user, organisation=affiliation, role=Membership.Role.EVALUATOR)
    audit.record("account.registered", user, after={"role": "evaluator",
                                                    "organisation": affiliation.pk}, actor=user)
    send_verification_email(user)
    return user


def verification_token(user: User) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign(f"{user.pk}:{user.email}")


def send_verification_email(user: User) -> None:
    link = site.absolute(reverse("accounts:verify_email", args=[verification_token(user)]))
    _send("verify", to=user.email, language=user.preferred_language,
          context={"user": user, "link": link})


@transaction.atomic
def verify_email(*, token: str) -> User:
    """Mark the address as verified. Raises ValidationError for bad or expired links."""
    try:
        value = signing.TimestampSigner(salt=VERIFY_SALT).unsign(token, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This verification link has expired. Request a new one.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This verification link is not valid.")) from exc
    user_id, _sep, email = value.partition(":")
    user = User.objects.select_for_update().filter(pk=user_id, email=email).first()
    if user is None:
        raise ValidationError(_("This verification link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        audit.record("account.email_verified", user, after={"email": user.email}, actor=user)
    return user


@transaction.atomic
def invite(*, organisation: Organisation, email: str, role: str, by: User) -> Invitation:
    """Invite agency or partner staff to ``organisation``, within ``by``'s tenancy.

    Who may invite whom is ``accounts.tenancy.invitable_roles``: agency staff into their own
    agency and the partner organisations it manages, partner admins into their own company.
    Raises ValidationError for a role outside the organisation's kind or outside ``by``'s reach
    (the view only offers reachable organisations; this is the same rule, enforced again).
    Side effects: audit ``invitation.created``; invitation e-mail queued on commit.
    """
    if role not in Membership.ROLES_BY_KIND[organisation.kind]:
        raise ValidationError(_("This role does not exist in this kind of organisation."))
    if role not in INVITABLE_ROLES or role not in tenancy.invitable_roles(by, organisation):
        raise ValidationError(_("You cannot invite people into this organisation with this role."))
    return _create_invitation(organisation=organisation, email=email, role=role, by=by)


def _create_invitation(*, organisation: Organisation, email: str, role: str,
                       by: User) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email, organisation=organisation).exists():
        raise ValidationError(_("This person is already a member of the organisation."))
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        email=email, organisation=organisation, role=role, token_hash=token_hash,
        invited_by=by, expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    audit.record("invitation.created", invitation,
                 after={"email": email, "organisation": organisation.pk, "role": role}, actor=by)
    link = site.absolute(reverse("accounts:accept_invitation", args=[token]))
    context = {"invitation": invitation, "link": link, "inviter": by}
    # The invitee's language when they have an account; otherwise Korean first, then English
    # (a Korean-first product inviting people whose language it does not know yet).
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        subject, body = _render("invitation", existing.preferred_language, context)
    else:
        subject_ko, body_ko = _render("invitation", "ko", context)
        subject_en, body_en = _render("invitation", "en", context)
        subject, body = f"{subject_ko} / {subject_en}", f"{body_ko}\n\n---\n\n{body_en}"
    # Invitations into an agency or a partner company it manages belong to that agency: its
    # staff see a failed delivery on their outbox page and can resend it.
    tenant_id = invitation.audit_tenant_id
    queue_email(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email]),
                idempotency_key=f"invitation:{invitation.pk}",
                organisation=Organisation.objects.get(pk=tenant_id) if tenant_id else None)
    return invitation


@transaction.atomic
def invite_startup_member(*, organisation: Organisation, email: str, by: User) -> Invitation:
    """The representative invites a colleague as a member of the startup.

    Side effects: audit ``invitation.created``; invitation e-mail queued on commit.
    """
    if (organisation.kind != Organisation.Kind.STARTUP
            or Membership.Role.STARTUP_MEMBER not in tenancy.invitable_roles(by, organisation)):
        raise ValidationError(_("Only the company's representative can invite members."))
    return _create_invitation(organisation=organisation, email=email,
                              role=Membership.Role.STARTUP_MEMBER, by=by)


@transaction.atomic
def accept_invitation(
    *, invitation: Invitation, user: User | None = None, full_name: str = "",
    password: str = "", language: str = "ko", privacy_consent: str = "", ip_address: str = "",
) -> User:
    """Join the inviting organisation, creating the account when the person has none.

    Creating an account needs ``privacy_consent`` (as for :func:`register_startup`); a person
    who already has an account gave it when they signed up.
    Side effects: audit ``invitation.accepted`` (and ``consent.given`` for a new account).
    The address is verified by the act of opening the link sent to it.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation is no longer valid."))
    if user is None:
        user = _new_user(email=invitation.email, password=password, full_name=full_name,
                         language=language, privacy_consent=privacy_consent,
                         ip_address=ip_address)
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to another e-mail address."))
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    audit.record("invitation.accepted", invitation,
                 after={"user": user.pk, "role": invitation.role}, actor=user)
    return user


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by: User) -> None:
    """Revoke a pending invitation into an organisation ``by`` manages.

    Raises ValidationError when the organisation is outside ``by``'s reach.
    Side effects: audit ``invitation.revoked``.
    """
    if not tenancy.managed_organisations(by).filter(pk=invitation.organisation_id).exists():
        raise ValidationError(_("You cannot revoke this invitation."))
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit.record("invitation.revoked", invitation, after={"email": invitation.email},
                     actor=by)


@transaction.atomic
def lift_login_limits(*, user: User, reason: str) -> int:
    """Remove the account's login counters at every client address.

    ``reason``: ``"password_reset"`` (whoever reset the password proved they read the
    account's mailbox) or ``"operator"`` (the ``lift_login_limits`` command). The per-address
    counters over all accounts stay. Side effects: audit ``account.login_limits_lifted``.
    Returns the number of counters removed.
    """
    from kbridge.accounts.backends import LOGIN_ACCOUNT_ADDRESS
    from kbridge.core import throttle

    removed = throttle.clear(LOGIN_ACCOUNT_ADDRESS, f"{throttle.email_subject(user.email)}:")
    audit.record("account.login_limits_lifted", user,
                 after={"reason": reason, "counters": removed},
                 actor=user if reason == "password_reset" else None)
    return removed


# --- Personal data: export and deletion (docs/decisions.md, "Personal data") -----------------

EXPORT_FORMAT = "kbridge-personal-data/1"


def _iso(value) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def export_personal_data(user: User) -> dict:
    """Everything K-Bridge holds about ``user`` as one JSON-ready document.

    The account, memberships, consents (with the exact notice versions), invitations sent to
    the address, the person's own audit trail (what they did, not the before/after values,
    which can name other people), and each registered app's section (applications with
    answers and the list of attached files). Nothing about any other account. Reads only.
    """
    memberships = (Membership.objects.filter(user=user).select_related("organisation")
                   .order_by("created_at"))
    invitations = Invitation.objects.filter(email__iexact=user.email).select_related(
        "organisation").order_by("created_at")
    from kbridge.core.models import AuditLog

    trail = AuditLog.objects.filter(actor_id=user.pk).order_by("created_at", "id")
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "account": {
            "id": user.pk, "email": user.email, "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "email_verified_at": _iso(user.email_verified_at),
            "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login),
        },
        "memberships": [
            {"organisation": m.organisation.name_ko, "organisation_en": m.organisation.name_en,
             "organisation_kind": m.organisation.kind, "role": m.role,
             "role_label": str(m.get_role_display()), "since": _iso(m.created_at)}
            for m in memberships],
        "consents": [
            {"purpose": c.purpose, "text_version": c.text_version, "given_at": _iso(c.given_at),
             "ip_address": c.ip_address}
            for c in Consent.objects.filter(user=user).order_by("given_at", "id")],
        "invitations_received": [
            {"organisation": i.organisation.name_ko, "role": i.role,
             "role_label": str(Membership.Role(i.role).label) if i.role in Membership.Role.values
             else i.role,
             "sent_at": _iso(i.created_at), "accepted_at": _iso(i.accepted_at),
             "revoked_at": _iso(i.revoked_at), "expires_at": _iso(i.expires_at)}
            for i in invitations],
        "activity": [
            {"time": _iso(row.created_at), "action": row.action,
             "action_label": audit_display.action_label(row.action),
             "object_type": row.object_type, "object_id": row.object_id}
            for row in trail.iterator()],
    }
    for section in personal_data.sections():
        document.update(section.export(user))
    return document


@transaction.atomic
def delete_account(*, user: User) -> dict:
    """Delete ``user``'s account now, keeping what the program must keep.

    Deleted: the account's personal fields (e-mail, name, password, login and verification
    times; the row itself stays, anonymised, because submissions and the audit log point at
    it), its memberships, invitations still pending for its address, the IP addresses of its
    consents, and what each registered app's ``erase`` removes (drafts never submitted).
    Kept: submitted applications with their receipts, the consent rows (version and time),
    and the audit log, which is append-only. Signing in is impossible afterwards.
    Side effects: audit ``account.deleted`` with counts of what was removed and kept.
    Returns that summary.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.deleted_at is not None:
        return {}
    summary: dict = {}
    for section in personal_data.sections():
        if section.erase is not None:
            summary[section.name] = section.erase(user)
    pending = Invitation.objects.pending().filter(email__iexact=user.email)
    summary["invitations_deleted"] = pending.count()
    pending.delete()
    summary["memberships_deleted"] = Membership.objects.filter(user=user).delete()[0]
    summary["consents_kept"] = Consent.objects.filter(user=user).update(ip_address="")
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.full_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.email_verified_at = None
    user.last_login = None
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    audit.record("account.deleted", user, after=summary, actor=user)
    return summary
