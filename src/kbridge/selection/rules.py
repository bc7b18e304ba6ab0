"""Who may do what in selection: predicates on role *and* on phase/state.

Each area appends its predicates below its own heading (selection, results, appeals,
agreements, partners).
"""

from __future__ import annotations

import rules

from kbridge.accounts.tenancy import agency_ids


def program_of(obj):
    """The program a selection object belongs to (None for anything else)."""
    from kbridge.programs.models import Call, Track
    from kbridge.selection.models import (
        Agreement,
        Appeal,
        LotteryDraw,
        Offer,
        Outcome,
        Selection,
        SelectionPolicy,
    )

    if isinstance(obj, Call):
        return obj.program
    if isinstance(obj, Track):
        return obj.call.program
    if isinstance(obj, SelectionPolicy):
        return obj.call.program
    if isinstance(obj, Selection):
        return obj.track.call.program
    if isinstance(obj, LotteryDraw):
        return obj.selection.track.call.program
    if isinstance(obj, Outcome):
        return obj.selection.track.call.program
    if isinstance(obj, Offer | Appeal | Agreement):
        return obj.outcome.selection.track.call.program
    return None


# --- selection -----------------------------------------------------------------------------


@rules.predicate
def is_program_operator(user, obj) -> bool:
    """Operator staff of the agency that runs the object's program."""
    program = program_of(obj)
    return program is not None and program.operator_id in agency_ids(user)


@rules.predicate
def selection_is_draft(user, obj) -> bool:
    """No selection yet, or a draft one (Track → its selection; Selection; Outcome; draw)."""
    from kbridge.programs.models import Track
    from kbridge.selection.models import LotteryDraw, Outcome, Selection

    if isinstance(obj, Track):
        selection = Selection.objects.filter(track=obj).first()
    elif isinstance(obj, Selection):
        selection = obj
    elif isinstance(obj, Outcome | LotteryDraw):
        selection = obj.selection
    else:
        return False
    return selection is None or not selection.is_confirmed


rules.add_perm("selection.manage_selection", is_program_operator)
rules.add_perm("selection.change_selection", is_program_operator & selection_is_draft)


# --- waitlist ------------------------------------------------------------------------------


@rules.predicate
def outcome_is_droppable(user, outcome) -> bool:
    """A selected outcome of a confirmed selection (only those can drop out)."""
    from kbridge.selection.models import Outcome, Selection

    return (isinstance(outcome, Outcome) and outcome.status == Outcome.Status.SELECTED
            and outcome.selection.status == Selection.Status.CONFIRMED)


@rules.predicate
def is_offer_startup_member(user, offer) -> bool:
    """A member (representative or staff) of the startup whose application is offered."""
    from kbridge.applications.rules import is_startup_member_of

    return is_startup_member_of(user, offer.outcome.application)


@rules.predicate
def is_offer_representative(user, offer) -> bool:
    """The representative of the startup whose application is offered."""
    from kbridge.applications.rules import is_startup_representative_of

    return is_startup_representative_of(user, offer.outcome.application)


@rules.predicate
def offer_is_open(user, offer) -> bool:
    """The offer is pending and its answer is not yet due."""
    from django.utils import timezone

    from kbridge.selection.models import Offer

    return offer.status == Offer.Status.PENDING and timezone.now() <= offer.respond_by


rules.add_perm("selection.drop_outcome", is_program_operator & outcome_is_droppable)
rules.add_perm("selection.view_offer", is_offer_startup_member & offer_is_open)
rules.add_perm("selection.respond_offer", is_offer_representative & offer_is_open)
# --- agreements ----------------------------------------------------------------------------


def _agreement_applicant_id(obj) -> int | None:
    from kbridge.selection.models import Agreement

    return obj.outcome.application.applicant_id if isinstance(obj, Agreement) else None


@rules.predicate
def is_agreement_representative(user, agreement) -> bool:
    """Representative of the startup whose agreement this is."""
    from kbridge.accounts.models import Membership
    from kbridge.accounts.selectors import organisation_ids

    applicant_id = _agreement_applicant_id(agreement)
    return applicant_id is not None and applicant_id in organisation_ids(
        user, Membership.Role.STARTUP_REPRESENTATIVE)


@rules.predicate
def is_agreement_startup_member(user, agreement) -> bool:
    """Representative or member of the startup whose agreement this is."""
    from kbridge.accounts.models import Membership
    from kbridge.accounts.selectors import organisation_ids

    applicant_id = _agreement_applicant_id(agreement)
    return applicant_id is not None and applicant_id in organisation_ids(
        user, Membership.Role.STARTUP_REPRESENTATIVE, Membership.Role.STARTUP_MEMBER)


@rules.predicate
def is_agreement_track_partner(user, agreement) -> bool:
    """Staff (or admin) of the partner company whose track the agreement's startup was
    selected in."""
    from kbridge.accounts.tenancy import partner_organisation_ids
    from kbridge.selection.models import Agreement

    return isinstance(agreement, Agreement) and (
        agreement.outcome.selection.track.partner.organisation_id
        in partner_organisation_ids(user))


@rules.predicate
def agreement_waits_for_startup(user, agreement) -> bool:
    """Offered and not past ``accept_by``: documents may change and it may be accepted."""
    from kbridge.selection.services.agreements import is_open

    return is_open(agreement)


@rules.predicate
def outcome_may_get_agreement(user, outcome) -> bool:
    """A selected outcome (with an award) of a confirmed, announced selection."""
    from kbridge.selection.models import Outcome
    from kbridge.selection.services.agreements import agreeable

    return isinstance(outcome, Outcome) and agreeable(outcome)


rules.add_perm("selection.manage_agreements", is_program_operator)
rules.add_perm("selection.draft_agreement", is_program_operator & outcome_may_get_agreement)
rules.add_perm("selection.view_agreement",
               is_program_operator | is_agreement_startup_member | is_agreement_track_partner)
rules.add_perm("selection.view_own_agreement", is_agreement_startup_member)
rules.add_perm("selection.view_track_agreement", is_agreement_track_partner)
rules.add_perm("selection.act_for_agreement", is_agreement_representative)
rules.add_perm("selection.upload_agreement_document",
               is_agreement_startup_member & agreement_waits_for_startup)
rules.add_perm("selection.accept_agreement",
               is_agreement_representative & agreement_waits_for_startup)
# --- appeals -------------------------------------------------------------------------------


@rules.predicate
def appeal_applicant(user, obj) -> bool:
    """A member (representative or staff) of the startup that owns the application (an
    ``Application``, or an ``Outcome`` / ``Appeal`` of one)."""
    from kbridge.applications.rules import is_startup_member_of
    from kbridge.selection.models import Appeal, Outcome

    if isinstance(obj, Appeal):
        obj = obj.outcome
    if isinstance(obj, Outcome):
        obj = obj.application
    return is_startup_member_of(user, obj)


@rules.predicate
def appeal_result_announced(user, application) -> bool:
    """The application has an outcome in a confirmed selection whose announcement instant
    has passed (before it, the applicant does not know the result to appeal against)."""
    from kbridge.selection.models import Outcome
    from kbridge.selection.services.appeals import is_announced, policy_of

    outcome = (Outcome.objects.select_related("selection__track")
               .filter(application_id=getattr(application, "pk", None)).first())
    return outcome is not None and is_announced(outcome, policy_of(outcome))


@rules.predicate
def appeal_on_panel(user, appeal) -> bool:
    """The user evaluated the appeal's application in a stage of its call (an
    ``evaluation.Assignment`` row): they may read the appeal but not answer it."""
    from kbridge.selection.services.appeals import is_on_panel

    return is_on_panel(user, appeal.outcome.application)


@rules.predicate
def appeal_is_filed(user, appeal) -> bool:
    """Still waiting for its answer."""
    return appeal.status == appeal.Status.FILED


@rules.predicate
def appeal_is_operator(user) -> bool:
    from kbridge.accounts.rules import is_operator

    return is_operator(user)


# The applicant's appeal page: their result must be announced (404 before).
rules.add_perm("selection.view_own_appeals", appeal_applicant & appeal_result_announced)
# Operators' list (their agencies' programs only, scoped by the selector).
rules.add_perm("selection.view_appeal_list", appeal_is_operator)
rules.add_perm("selection.view_appeal", is_program_operator)
# Answered by someone outside the original panel, once.
rules.add_perm("selection.answer_appeal",
               is_program_operator & ~appeal_on_panel & appeal_is_filed)
# --- results -------------------------------------------------------------------------------


def _outcome_of(obj):
    from kbridge.selection.models import Outcome

    return obj if isinstance(obj, Outcome) else None


@rules.predicate
def is_member_of_applicant(user, application) -> bool:
    """A member (representative or staff) of the startup that owns the application."""
    from kbridge.applications.rules import is_startup_member_of

    return application is not None and is_startup_member_of(user, application)


@rules.predicate
def is_representative_of_outcome(user, obj) -> bool:
    """The representative of the startup whose application the outcome decides."""
    from kbridge.applications.rules import is_startup_representative_of

    outcome = _outcome_of(obj)
    return outcome is not None and is_startup_representative_of(user, outcome.application)


@rules.predicate
def results_announced(user, obj) -> bool:
    """The outcome's selection is confirmed and its announcement instant has come."""
    from kbridge.selection.services.results import is_announced

    outcome = _outcome_of(obj)
    return outcome is not None and is_announced(outcome.selection)


@rules.predicate
def outcome_is_selected(user, obj) -> bool:
    outcome = _outcome_of(obj)
    return outcome is not None and outcome.status == outcome.Status.SELECTED


# The result page of an application (what it shows depends on the announcement: selectors).
rules.add_perm("selection.view_result", is_member_of_applicant)
# Appearing on the public results page: the representative of a selected startup, announced.
rules.add_perm("selection.consent_to_publish",
               is_representative_of_outcome & results_announced & outcome_is_selected)


# --- partners ------------------------------------------------------------------------------


@rules.predicate
def is_partner_of_track(user, obj) -> bool:
    """Staff of the partner company of the track (of the application, for an application)."""
    from kbridge.applications.models import Application
    from kbridge.programs.rules import is_track_partner

    track = obj.track if isinstance(obj, Application) else obj
    return track is not None and is_track_partner(user, track)


@rules.predicate
def application_on_partner_page(user, application) -> bool:
    """The application appears on its track's partner page: shortlisted in the track or
    decided in its confirmed selection."""
    from kbridge.selection.selectors import partner_may_see_application

    return partner_may_see_application(application.track, application.pk)


@rules.predicate
def is_partner_person(user) -> bool:
    from kbridge.accounts.rules import is_partner_staff

    return is_partner_staff(user)


rules.add_perm("selection.view_partner_selection", is_partner_person)
rules.add_perm("selection.view_partner_track", is_partner_of_track)
rules.add_perm("selection.record_interest", is_partner_of_track & application_on_partner_page)
