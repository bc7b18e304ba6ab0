"""State changes of alliance membership (docs/alliance.md, "Members and directory").

One function per change; each validates, writes in one transaction and records an audit row
in the alliance's agency (``alliance.member_*``):

``admit_selected_startup``  a startup whose agreement was accepted becomes a member (from the
                            ``selection.signals.agreement_accepted`` receiver)
``join_alliance``           an entitled organisation joins (again), or an invited startup accepts
``invite_startup``          an operator of the agency invites a startup (e-mail to its
                            representatives)
``leave_alliance``          an active member leaves; an invited startup declines
``update_profile``          the member's listing and bilingual profile

Who acts for an organisation (:func:`acts_for`): the agency's operators for the agency, a
partner's admins for the partner, a startup's representative for the startup.
Errors are ``ValidationError`` with a translated message; ``PermissionDenied`` for someone who
does not act for the organisation (views have answered 404 before).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.alliance.models import AllianceMember, Sector
from kbridge.alliance.models.members import facets_of
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute

Kind = AllianceMember.Kind
Status = AllianceMember.Status
Role = Membership.Role

#: The role that acts for an organisation of each kind in the alliance.
ACTING_ROLE = {Organisation.Kind.OPERATOR: Role.OPERATOR,
               Organisation.Kind.PARTNER: Role.PARTNER_ADMIN,
               Organisation.Kind.STARTUP: Role.STARTUP_REPRESENTATIVE}

#: Fields of the profile form, written by :func:`update_profile`.
PROFILE_FIELDS = ("listed", "headline_ko", "headline_en", "description_ko", "description_en",
                  "sectors", "technologies")


def acts_for(user, organisation: Organisation) -> bool:
    """Whether ``user`` decides for ``organisation`` in an alliance (see the module doc)."""
    role = ACTING_ROLE.get(organisation.kind)
    return role is not None and organisation.pk in organisation_ids(user, role)


def entitlement(agency: Organisation, organisation: Organisation) -> str | None:
    """The kind of member ``organisation`` may join ``agency``'s alliance as without an
    invitation: the agency itself (operator), a partner company of one of its programs
    (partner), a startup with an accepted agreement in one of its programs (selected); None
    otherwise. One query at most."""
    from kbridge.programs.models import Partner
    from kbridge.selection.models import Agreement

    if organisation.kind == Organisation.Kind.OPERATOR:
        return Kind.OPERATOR if organisation.pk == agency.pk else None
    if organisation.kind == Organisation.Kind.PARTNER:
        found = Partner.objects.filter(program__operator=agency,
                                       organisation=organisation).exists()
        return Kind.PARTNER if found else None
    if organisation.kind == Organisation.Kind.STARTUP:
        found = Agreement.objects.filter(
            status=Agreement.Status.ACCEPTED, outcome__application__applicant=organisation,
            outcome__application__program__operator=agency).exists()
        return Kind.SELECTED if found else None
    return None


def _locked(agency: Organisation, organisation: Organisation) -> AllianceMember | None:
    return (AllianceMember.objects.select_for_update()
            .filter(agency=agency, organisation=organisation).first())


def _activate(member: AllianceMember, kind: str, now: dt.datetime) -> None:
    member.kind, member.status = kind, Status.ACTIVE
    member.joined_at, member.left_at = now, None


@transaction.atomic
def admit_selected_startup(*, agency: Organisation, organisation: Organisation, by=None,
                           now: dt.datetime | None = None) -> AllianceMember | None:
    """Make the startup of an accepted agreement a member of ``agency``'s alliance (kind
    selected, not listed). A pending invitation becomes this membership. Idempotent: an active
    member stays as it is. A startup that left (or declined) is not brought back: leaving was
    its decision; it may join again itself. Returns the member row (None when not admitted).
    Audit ``alliance.member_joined``."""
    now = now or timezone.now()
    member = _locked(agency, organisation)
    if member is not None and member.status in (Status.ACTIVE, Status.LEFT, Status.DECLINED):
        return member if member.status == Status.ACTIVE else None
    before = {"status": member.status} if member is not None else None
    if member is None:
        member = AllianceMember(agency=agency, organisation=organisation)
    _activate(member, Kind.SELECTED, now)
    member.save()
    audit.record("alliance.member_joined", member, before=before, actor=by,
                 after={"kind": member.kind, "status": member.status})
    return member


@transaction.atomic
def join_alliance(*, agency: Organisation, organisation: Organisation, by,
                  now: dt.datetime | None = None) -> AllianceMember:
    """``organisation`` joins ``agency``'s alliance, decided by ``by`` (who acts for it):
    accepting a pending invitation, or joining (again) as the kind it is entitled to
    (:func:`entitlement`). Idempotent for an active member. Not listed until the member opts in.
    Raises PermissionDenied (``by`` does not act for it) or ValidationError (neither invited
    nor entitled). Audit ``alliance.member_joined``."""
    now = now or timezone.now()
    if not acts_for(by, organisation):
        raise PermissionDenied
    member = _locked(agency, organisation)
    if member is not None and member.status == Status.ACTIVE:
        return member
    kind = entitlement(agency, organisation)
    if member is not None and member.status == Status.INVITED:
        kind = kind or Kind.INVITED
    if kind is None:
        raise ValidationError(_("This organisation can join the alliance only when its "
                                "operator invites it."), code="not_entitled")
    before = {"status": member.status} if member is not None else None
    if member is None:
        member = AllianceMember(agency=agency, organisation=organisation)
    _activate(member, kind, now)
    member.listed = False
    member.save()
    audit.record("alliance.member_joined", member, before=before, actor=by,
                 after={"kind": member.kind, "status": member.status})
    return member


@transaction.atomic
def invite_startup(*, agency: Organisation, organisation: Organisation, by,
                   now: dt.datetime | None = None) -> AllianceMember:
    """An operator of ``agency`` invites a startup into its alliance: a member row in status
    invited, and an e-mail (Korean, then English) to the startup's representatives (key
    ``alliance-invite:<member>:<user>:<n>``). A startup that declined or left may be invited
    again. Raises PermissionDenied (``by`` is not the agency's operator) or ValidationError
    (not a startup; already a member or invited). Audit ``alliance.member_invited``."""
    now = now or timezone.now()
    if agency.pk not in organisation_ids(by, Role.OPERATOR):
        raise PermissionDenied
    if organisation.kind != Organisation.Kind.STARTUP:
        raise ValidationError(_("Only startups are invited; partners and operators join "
                                "themselves."), code="not_startup")
    member = _locked(agency, organisation)
    if member is not None and member.status in (Status.ACTIVE, Status.INVITED):
        raise ValidationError(_("This startup is already a member or invited."),
                              code="already")
    before = {"status": member.status} if member is not None else None
    if member is None:
        member = AllianceMember(agency=agency, organisation=organisation, kind=Kind.INVITED)
    member.status, member.invited_by, member.listed = Status.INVITED, by, False
    member.save()
    audit.record("alliance.member_invited", member, before=before, actor=by,
                 after={"status": member.status})
    invitations = audit_count(member, "alliance.member_invited")
    for user in organisation.memberships.filter(role=Role.STARTUP_REPRESENTATIVE).select_related(
            "user").order_by("pk"):
        _mail_invitation(member, user.user, key=f"alliance-invite:{member.pk}:{user.user_id}:"
                                                f"{invitations}")
    return member


def audit_count(member: AllianceMember, action: str) -> int:
    """How many audit rows of ``action`` the member has (numbers repeated invitations)."""
    from kbridge.core.models import AuditLog

    return AuditLog.objects.filter(object_type=member._meta.label_lower,
                                   object_id=str(member.pk), action=action).count()


def _mail_invitation(member: AllianceMember, user, *, key: str) -> None:
    context = {"member": member, "agency": member.agency, "user": user,
               "url": absolute("/alliance/")}
    parts, subjects = [], []
    for language in ("ko", "en"):
        with translation.override(language):
            text = render_to_string("alliance/members/mail/invited.txt", context)
            subject, _sep, body = text.strip().partition("\n")
            subjects.append(subject.strip())
            parts.append(body.strip())
    message = EmailMessage(" / ".join(subjects), "\n\n----------\n\n".join(parts) + "\n",
                           settings.DEFAULT_FROM_EMAIL, [user.email])
    queue_email(message, idempotency_key=key, organisation=member.agency)


@transaction.atomic
def leave_alliance(*, member: AllianceMember, by, now: dt.datetime | None = None
                   ) -> AllianceMember:
    """An active member leaves (status left, no longer listed), or an invited startup
    declines (status declined). Raises PermissionDenied (``by`` does not act for the member)
    or ValidationError (neither active nor invited). Audit ``alliance.member_left`` /
    ``alliance.invitation_declined``."""
    now = now or timezone.now()
    if not acts_for(by, member.organisation):
        raise PermissionDenied
    row = AllianceMember.objects.select_for_update().get(pk=member.pk)
    if row.status == Status.ACTIVE:
        row.status, row.left_at, action = Status.LEFT, now, "alliance.member_left"
    elif row.status == Status.INVITED:
        row.status, action = Status.DECLINED, "alliance.invitation_declined"
    else:
        raise ValidationError(_("This organisation is not a member of the alliance."),
                              code="not_member")
    before = {"status": member.status, "listed": row.listed}
    row.listed = False
    row.save(update_fields=["status", "left_at", "listed", "updated_at"])
    audit.record(action, row, before=before, after={"status": row.status, "listed": False},
                 actor=by)
    member.status, member.left_at, member.listed = row.status, row.left_at, False
    return member


@transaction.atomic
def update_profile(*, member: AllianceMember, by, **changes) -> AllianceMember:
    """Change the member's listing and profile (:data:`PROFILE_FIELDS`); ``sectors`` are
    codes of :class:`~kbridge.alliance.models.Sector`, ``technologies`` a list of tags. Only an
    active member's profile changes. Raises PermissionDenied (``by`` does not act for it, or
    a field outside the profile) or ValidationError (not active, an unknown sector, a field
    over its limit). Audit ``alliance.member_profile_changed`` with what changed."""
    if not acts_for(by, member.organisation) or set(changes) - set(PROFILE_FIELDS):
        raise PermissionDenied
    row = AllianceMember.objects.select_for_update().get(pk=member.pk)
    if row.status != Status.ACTIVE:
        raise ValidationError(_("Only a member's profile can be changed: join the alliance "
                                "first."), code="not_member")
    unknown = set(changes.get("sectors") or []) - set(Sector.values)
    if unknown:
        raise ValidationError({"sectors": _("Choose sectors from the list.")})
    before = audit.snapshot(row, list(PROFILE_FIELDS))
    for field, value in changes.items():
        setattr(row, field, value)
    row.facets = facets_of(row.sectors, row.technologies)
    row.full_clean()
    row.save()
    old, new = audit.diff(before, audit.snapshot(row, list(PROFILE_FIELDS)))
    if new:
        audit.record("alliance.member_profile_changed", row, before=old, after=new, actor=by)
    for field in row._meta.concrete_fields:
        setattr(member, field.attname, getattr(row, field.attname))
    return member


def on_agreement_accepted(sender, agreement, by=None, **kwargs) -> None:
    """Receiver of ``selection.signals.agreement_accepted``: the startup joins the alliance of
    the agency that runs the agreement's program (in the acceptance's transaction)."""
    application = agreement.outcome.application
    admit_selected_startup(agency=application.program.operator,
                           organisation=application.applicant, by=by)
