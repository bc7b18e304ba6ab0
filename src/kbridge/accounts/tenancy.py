"""The tenancy model: which organisations, invitations and audit rows a person may reach.

A *tenant* is an agency (an organisation of kind ``operator``, e.g. KISED). Everything that
belongs to an agency's programs — partners, calls, tracks, applications, files, receipts and
their audit rows — is reachable only by that agency's staff (and, per object, by the partner
and startup people the object concerns). The rules, written down in docs/decisions.md
("Tenancy model"):

* agency staff (role ``operator``) manage their own agency and the partner organisations their
  agency manages (``Organisation.agency``); they invite operator staff into their agency and
  partner staff or partner admins into those partner organisations;
* partner admins (role ``partner_admin``) invite partner staff and partner admins into their own
  partner organisation, and nowhere else;
* startup representatives invite members into their own startup (``startup_member`` only);
* nobody else invites anybody; Django superusers work through the admin site only.

Every list and look-up that a view shows goes through a function of this module or of an
app's ``selectors.py`` built on it, never through an unscoped ``objects.all()``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kbridge.accounts.models import Invitation, Membership, Organisation
from kbridge.accounts.selectors import memberships_of, organisation_ids

Role = Membership.Role
Kind = Organisation.Kind

#: Roles that make a person staff of a global partner (the admin may also invite colleagues).
PARTNER_ROLES = (Role.PARTNER, Role.PARTNER_ADMIN)
STARTUP_ROLES = (Role.STARTUP_REPRESENTATIVE, Role.STARTUP_MEMBER)


def agency_ids(user) -> set[int]:
    """Ids of the agencies (operator organisations) the user is staff of; empty for others."""
    return organisation_ids(user, Role.OPERATOR)


def partner_organisation_ids(user) -> set[int]:
    """Ids of the partner organisations the user works for (staff or admin)."""
    return organisation_ids(user, *PARTNER_ROLES)


def invitable_roles(user, organisation: Organisation) -> set[str]:
    """The roles ``user`` may invite people into ``organisation`` with; empty when none.

    Returns a subset of ``Membership.ROLES_BY_KIND[organisation.kind]``.
    """
    if user is None or not user.is_authenticated:
        return set()
    roles: set[str] = set()
    by_org = {m.organisation_id: m.role for m in memberships_of(user)}
    if organisation.kind == Kind.OPERATOR and by_org.get(organisation.pk) == Role.OPERATOR:
        roles.add(Role.OPERATOR)
    if organisation.kind == Kind.PARTNER:
        if organisation.agency_id is not None and organisation.agency_id in agency_ids(user):
            roles |= {Role.PARTNER, Role.PARTNER_ADMIN}
        if by_org.get(organisation.pk) == Role.PARTNER_ADMIN:
            roles |= {Role.PARTNER, Role.PARTNER_ADMIN}
    if (organisation.kind == Kind.STARTUP
            and by_org.get(organisation.pk) == Role.STARTUP_REPRESENTATIVE):
        roles.add(Role.STARTUP_MEMBER)
    return roles


def managed_organisations(user) -> QuerySet[Organisation]:
    """Organisations whose people ``user`` manages (invites, revokes): see the module rules."""
    if user is None or not user.is_authenticated:
        return Organisation.objects.none()
    agencies = agency_ids(user)
    admin_of = organisation_ids(user, Role.PARTNER_ADMIN)
    representative_of = organisation_ids(user, Role.STARTUP_REPRESENTATIVE)
    return Organisation.objects.filter(
        Q(kind=Kind.OPERATOR, pk__in=agencies)
        | Q(kind=Kind.PARTNER, agency_id__in=agencies)
        | Q(kind=Kind.PARTNER, pk__in=admin_of)
        | Q(kind=Kind.STARTUP, pk__in=representative_of)
    )


def staff_invitation_organisations(user) -> QuerySet[Organisation]:
    """Organisations offered on the staff invitation page (agencies and partners only)."""
    return managed_organisations(user).filter(kind__in=[Kind.OPERATOR, Kind.PARTNER]).order_by(
        "kind", "name_ko")


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Invitations into organisations ``user`` manages, newest first."""
    return (Invitation.objects.filter(organisation__in=managed_organisations(user))
            .select_related("organisation", "invited_by"))


def partner_organisations_of_agency(agency_ids_: set[int]) -> QuerySet[Organisation]:
    """Partner organisations managed by these agencies (the choices when adding a partner)."""
    return Organisation.objects.filter(kind=Kind.PARTNER, agency_id__in=agency_ids_)
