"""Who may do what in the alliance: predicates on role *and* on the object's state.

Each part (members and directory, collaborations, milestone reports, KPIs and dashboards)
appends its own predicates below its heading.
"""

from __future__ import annotations

import rules

from kbridge.accounts.selectors import organisation_ids
from kbridge.accounts.tenancy import (
    PARTNER_ROLES,
    STARTUP_ROLES,
    agency_ids,
    partner_organisation_ids,
)

# --- members and directory ---
# An alliance is an agency's; its directory is read by the agency's operators and by the
# people of its active members. Who acts for a member: services.members.acts_for.


@rules.predicate
def has_alliance_role(user) -> bool:
    """Operators, partner staff and startup people: those whose organisations can be
    members of an alliance (evaluators cannot)."""
    return bool(organisation_ids(user, "operator", *PARTNER_ROLES, *STARTUP_ROLES))


@rules.predicate
def reads_directory(user, agency) -> bool:
    """``agency`` (an operator Organisation) is the user's own agency, or one of the user's
    organisations is an active member of its alliance."""
    from kbridge.alliance.selectors_members import viewable_agency_ids

    return getattr(agency, "pk", None) in viewable_agency_ids(user)


@rules.predicate
def is_alliance_operator(user, obj) -> bool:
    """An operator of the alliance's agency (``obj``: the agency or one of its members)."""
    from kbridge.alliance.models import AllianceMember

    agency_id = obj.agency_id if isinstance(obj, AllianceMember) else getattr(obj, "pk", None)
    return agency_id in agency_ids(user)


@rules.predicate
def acts_for_member(user, member) -> bool:
    """Decides for the member's organisation (operator / partner admin / representative)."""
    from kbridge.alliance.services.members import acts_for

    return acts_for(user, member.organisation)


@rules.predicate
def is_own_member(user, member) -> bool:
    """One of the user's organisations is this member."""
    return member.organisation_id in organisation_ids(user)


@rules.predicate
def member_is_listed(user, member) -> bool:
    """Active and listed in the directory, in an alliance the user reads."""
    return (member.status == member.Status.ACTIVE and member.listed
            and reads_directory(user, member.agency))


@rules.predicate
def member_is_active(user, member) -> bool:
    return member.status == member.Status.ACTIVE


@rules.predicate
def member_is_pending_or_active(user, member) -> bool:
    return member.status in (member.Status.ACTIVE, member.Status.INVITED)


rules.add_perm("alliance.view_alliances", has_alliance_role)
rules.add_perm("alliance.view_directory", reads_directory)
# A member's profile: listed members for the directory's readers; every member for the
# alliance's operators and for the member's own people.
rules.add_perm("alliance.view_member", member_is_listed | is_alliance_operator | is_own_member)
rules.add_perm("alliance.edit_member", acts_for_member & member_is_active)
rules.add_perm("alliance.leave_member", acts_for_member & member_is_pending_or_active)
rules.add_perm("alliance.manage_members", is_alliance_operator)

# --- collaborations ---
# Operators of the program's agency and staff of the partner company record them; the
# startup's people read theirs. Everyone else: 404.


@rules.predicate
def records_collaborations(user) -> bool:
    """Operators and partner staff (they have partners to record collaborations for)."""
    return bool(agency_ids(user) or partner_organisation_ids(user))


@rules.predicate
def is_collaboration_operator(user, collaboration) -> bool:
    return collaboration.program.operator_id in agency_ids(user)


@rules.predicate
def is_collaboration_partner(user, collaboration) -> bool:
    """Staff (or admin) of the collaboration's own partner company; another partner of the
    same program is not."""
    return collaboration.partner.organisation_id in partner_organisation_ids(user)


@rules.predicate
def is_startup_person(user) -> bool:
    return bool(organisation_ids(user, *STARTUP_ROLES))


@rules.predicate
def collaboration_is_open(user, collaboration) -> bool:
    """Its stage can still move (proposed, agreed or running)."""
    return bool(collaboration.NEXT[collaboration.stage])


rules.add_perm("alliance.list_collaborations", records_collaborations)
rules.add_perm("alliance.view_collaboration", is_collaboration_operator | is_collaboration_partner)
rules.add_perm("alliance.edit_collaboration", is_collaboration_operator | is_collaboration_partner)
rules.add_perm("alliance.move_collaboration",
               (is_collaboration_operator | is_collaboration_partner) & collaboration_is_open)
# The startup reads its collaborations (it does not change them: docs/alliance.md).
rules.add_perm("alliance.view_own_collaborations", is_startup_person)

# --- milestone reports ---


def _report_agreement(obj):
    """The agreement of a report (or the agreement itself); None for anything else."""
    from kbridge.alliance.models import MilestoneReport
    from kbridge.selection.models import Agreement

    if isinstance(obj, MilestoneReport):
        return obj.agreement
    return obj if isinstance(obj, Agreement) else None


def _report_applicant_id(obj) -> int | None:
    agreement = _report_agreement(obj)
    return agreement.outcome.application.applicant_id if agreement is not None else None


@rules.predicate
def is_report_startup_member(user, obj) -> bool:
    """Representative or member of the startup whose agreement (or report) this is."""
    from kbridge.accounts.models import Membership
    from kbridge.accounts.selectors import organisation_ids

    applicant_id = _report_applicant_id(obj)
    return applicant_id is not None and applicant_id in organisation_ids(
        user, Membership.Role.STARTUP_REPRESENTATIVE, Membership.Role.STARTUP_MEMBER)


@rules.predicate
def is_report_representative(user, obj) -> bool:
    """Representative of the startup whose agreement (or report) this is."""
    from kbridge.accounts.models import Membership
    from kbridge.accounts.selectors import organisation_ids

    applicant_id = _report_applicant_id(obj)
    return applicant_id is not None and applicant_id in organisation_ids(
        user, Membership.Role.STARTUP_REPRESENTATIVE)


@rules.predicate
def is_report_program_operator(user, obj) -> bool:
    """Operator staff of the agency that runs the program of the agreement (or report)."""
    from kbridge.accounts.tenancy import agency_ids

    agreement = _report_agreement(obj)
    return agreement is not None and (
        agreement.outcome.selection.track.call.program.operator_id in agency_ids(user))


@rules.predicate
def report_is_open(user, report) -> bool:
    """Due or returned: the startup may change it and submit it."""
    from kbridge.alliance.services.reports import OPEN_STATUSES

    return report.status in OPEN_STATUSES


@rules.predicate
def report_is_submitted(user, report) -> bool:
    """Submitted and waiting for the operator's review."""
    from kbridge.alliance.models import MilestoneReport

    return report.status == MilestoneReport.Status.SUBMITTED


@rules.predicate
def agreement_is_accepted(user, agreement) -> bool:
    from kbridge.selection.models import Agreement

    return getattr(agreement, "status", None) == Agreement.Status.ACCEPTED


@rules.predicate
def is_agency_staff(user) -> bool:
    """Operator staff of an agency: they review their programs' reports (the queue)."""
    return bool(agency_ids(user))


@rules.predicate
def is_startup_staff(user) -> bool:
    """Representative or member of a startup: they file its reports ("my reports")."""
    from kbridge.alliance.selectors_reports import startup_organisation_ids

    return bool(startup_organisation_ids(user))


# The menu's entries (base.html): the review queue and the startup's own reports.
rules.add_perm("alliance.review_reports", is_agency_staff)
rules.add_perm("alliance.view_own_reports", is_startup_staff)
rules.add_perm("alliance.view_own_report", is_report_startup_member)
rules.add_perm("alliance.edit_report", is_report_startup_member & report_is_open)
rules.add_perm("alliance.submit_report", is_report_representative & report_is_open)
rules.add_perm("alliance.review_report", is_report_program_operator)
rules.add_perm("alliance.decide_report", is_report_program_operator & report_is_submitted)
rules.add_perm("alliance.view_own_tranches", is_report_startup_member & agreement_is_accepted)
rules.add_perm("alliance.manage_tranches", is_report_program_operator & agreement_is_accepted)

# --- KPIs, dashboards and exports ---
# The dashboard and its exports need a KPI scope; what is counted, and which filter values
# (programs, partner companies, tracks, cohorts) answer rather than 404, come from the scoped
# selectors of selectors_kpis.py (agency staff: their agency's programs; partner staff: their
# own company's tracks and collaborations).


@rules.predicate
def has_kpi_scope(user) -> bool:
    """Agency staff (their programs' KPIs) or partner staff (their own tracks' KPIs)."""
    from kbridge.alliance.selectors_kpis import sees_kpis

    return sees_kpis(user)


rules.add_perm("alliance.view_kpis", has_kpi_scope)
