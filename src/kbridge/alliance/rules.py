"""Who may do what in the alliance: predicates on role *and* on the object's state.

Each part (members and directory, collaborations, milestone reports, KPIs and dashboards)
appends its own predicates below its heading.
"""

from __future__ import annotations

import rules  # noqa: F401

# --- members and directory ---

# --- collaborations ---

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


rules.add_perm("alliance.view_own_report", is_report_startup_member)
rules.add_perm("alliance.edit_report", is_report_startup_member & report_is_open)
rules.add_perm("alliance.submit_report", is_report_representative & report_is_open)
rules.add_perm("alliance.review_report", is_report_program_operator)
rules.add_perm("alliance.decide_report", is_report_program_operator & report_is_submitted)
rules.add_perm("alliance.view_own_tranches", is_report_startup_member & agreement_is_accepted)
rules.add_perm("alliance.manage_tranches", is_report_program_operator & agreement_is_accepted)

# --- KPIs, dashboards and exports ---
