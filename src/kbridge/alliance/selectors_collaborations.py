"""Reads for collaborations, scoped to the requesting user.

Operators see the collaborations of their agency's programs; partner staff those of their
own company's ``programs.Partner`` rows; a startup's people those of their startup. Nobody
else sees any.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kbridge.accounts.models import Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import STARTUP_ROLES, agency_ids, partner_organisation_ids
from kbridge.alliance.models import AllianceMember, Collaboration
from kbridge.programs.models import Partner, Program

#: Collaborations per list page.
PER_PAGE = 50


def _related(queryset: QuerySet[Collaboration]) -> QuerySet[Collaboration]:
    return queryset.select_related("program", "partner__organisation", "partner__program",
                                   "startup")


def collaborations_for(user) -> QuerySet[Collaboration]:
    """Collaborations ``user`` manages: their agency's programs' (operators) and their
    company's (partner staff). Empty for everybody else."""
    return _related(Collaboration.objects.filter(
        Q(program__operator_id__in=agency_ids(user))
        | Q(partner__organisation_id__in=partner_organisation_ids(user))))


def collaborations_of_startup(user) -> QuerySet[Collaboration]:
    """The collaborations of the user's startups (representative and members read them)."""
    return _related(Collaboration.objects.filter(
        startup_id__in=organisation_ids(user, *STARTUP_ROLES)))


def filtered(collaborations: QuerySet[Collaboration], *, stage: str = "", kind: str = "",
             partner: int | None = None, program: int | None = None
             ) -> QuerySet[Collaboration]:
    """``collaborations`` narrowed by stage, kind, partner (a ``programs.Partner`` id) and
    program id; empty values do not filter."""
    if stage:
        collaborations = collaborations.filter(stage=stage)
    if kind:
        collaborations = collaborations.filter(kind=kind)
    if partner:
        collaborations = collaborations.filter(partner_id=partner)
    if program:
        collaborations = collaborations.filter(program_id=program)
    return collaborations


def partners_for(user) -> QuerySet[Partner]:
    """The ``programs.Partner`` rows ``user`` records collaborations for (the create form's
    and the filter's choices): every partner of their agency's programs, or their company's
    own rows."""
    return (Partner.objects.filter(Q(program__operator_id__in=agency_ids(user))
                                   | Q(organisation_id__in=partner_organisation_ids(user)))
            .select_related("organisation", "program").order_by("-program__year",
                                                                "organisation__name_ko", "pk"))


def programs_for(user) -> QuerySet[Program]:
    """Programs with a partner row the user records for (the list's program filter)."""
    return Program.objects.filter(partners__in=partners_for(user)).distinct().order_by(
        "-year", "name_ko")


def startups_for(user) -> QuerySet[Organisation]:
    """Startups a collaboration may name, for ``user`` (the create form's choices).

    An operator: every startup known to their agency — active members of its alliance,
    applicants to its programs, registrants of its events. Partner staff: only what their
    company already sees — listed members of the alliances of its programs' agencies,
    applicants to its own tracks, registrants of the events it hosts — so the list never
    tells a partner who applied elsewhere."""
    agencies = agency_ids(user)
    companies = partner_organisation_ids(user)
    partner_agencies = set(Partner.objects.filter(organisation_id__in=companies)
                           .values_list("program__operator_id", flat=True))
    active = AllianceMember.Status.ACTIVE
    known = (Q(alliance_memberships__agency_id__in=agencies,
               alliance_memberships__status=active)
             | Q(applications__program__operator_id__in=agencies)
             | Q(event_registrations__event__program__operator_id__in=agencies)
             | Q(alliance_memberships__agency_id__in=partner_agencies,
                 alliance_memberships__status=active, alliance_memberships__listed=True)
             | Q(applications__track__partner__organisation_id__in=companies)
             | Q(event_registrations__event__host__organisation_id__in=companies))
    return (Organisation.objects.filter(kind=Organisation.Kind.STARTUP).filter(known)
            .distinct().order_by("name_ko"))
