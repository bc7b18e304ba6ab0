"""Which decisions become webhook events, and which organisations may receive each one.

Events come from the audit log: :func:`kbridge.core.audit.record` sends
``core.signals.audit_recorded`` for every decision, and an audit *action* listed here becomes
a webhook *event type*. Each type names its audience: ``(organisation id, permission, object)``
triples; a subscription of that organisation receives the event only when its maker holds
that web permission on that object (the same predicates as the web pages; docs/webhooks.md).
So an agency's subscription gets its own programs' events, a partner's only its own tracks'
and a startup's only its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

Audience = Iterable[tuple[int | None, str, object]]


@dataclass(frozen=True)
class EventType:
    code: str
    label: object  # a lazy translation
    actions: tuple[str, ...]
    model: str  # "app_label.Model" of the audit row's object
    kind: str  # the object's kind in the payload
    #: The object the payload names: ``(kind id, API path)`` from the audit row's object.
    locate: Callable[[object], tuple[int, str]]
    audience: Callable[[object], Audience]
    select_related: tuple[str, ...] = ()


# --- audiences ---------------------------------------------------------------------------------


def _application(app) -> Audience:
    operator_id = app.track.call.program.operator_id
    return [(operator_id, "applications.view_application", app),
            (app.applicant_id, "applications.view_application", app)]


def _selection(selection) -> Audience:
    track = selection.track
    return [(track.call.program.operator_id, "selection.manage_selection", track),
            (track.partner.organisation_id, "selection.view_partner_track", track)]


def _meetings(run) -> Audience:
    from kbridge.events.models import MeetingPlacement

    event = run.event
    audience = [(event.program.operator_id, "events.view_meetings_console", event)]
    if event.host_id:
        audience.append((event.host.organisation_id, "events.view_meetings_console", event))
    startups = (MeetingPlacement.objects.filter(run=run)
                .values_list("request__startup_id", flat=True).distinct())
    audience += [(startup_id, "events.use_meetings", event) for startup_id in startups]
    return audience


def _report(report) -> Audience:
    application = report.agreement.outcome.application
    return [(application.track.call.program.operator_id, "alliance.review_report", report),
            (application.applicant_id, "alliance.view_own_report", report)]


def _appeal(appeal) -> Audience:
    return [(appeal.outcome.selection.track.call.program.operator_id, "selection.view_appeal",
             appeal)]


def _agreement(agreement) -> Audience:
    track = agreement.outcome.selection.track
    return [(track.call.program.operator_id, "selection.view_agreement", agreement),
            (track.partner.organisation_id, "selection.view_agreement", agreement),
            (agreement.outcome.application.applicant_id, "selection.view_agreement", agreement)]


def _collaboration(collaboration) -> Audience:
    return [(collaboration.program.operator_id, "alliance.view_collaboration", collaboration),
            (collaboration.partner.organisation_id, "alliance.view_collaboration",
             collaboration)]


def _registration(registration) -> Audience:
    event = registration.event
    audience = [(event.program.operator_id, "events.review_registrations", event)]
    if event.host_id:
        audience.append((event.host.organisation_id, "events.review_registrations", event))
    return audience


def _self(path: str) -> Callable[[object], tuple[int, str]]:
    return lambda obj: (obj.pk, path.format(id=obj.pk))


_APPLICATION = ("track__call__program",)
EVENT_TYPES: list[EventType] = [
    EventType("application.submitted", _("Application submitted"), ("application.submitted",),
              "applications.Application", "application", _self("/applications/{id}"),
              _application, _APPLICATION),
    EventType("application.withdrawn", _("Application withdrawn"), ("application.withdrawn",),
              "applications.Application", "application", _self("/applications/{id}"),
              _application, _APPLICATION),
    EventType("results.published", _("Selection results published"),
              ("selection.results_announced",), "selection.Selection", "selection",
              lambda sel: (sel.pk, f"/selection/tracks/{sel.track_id}"), _selection,
              ("track__call__program", "track__partner")),
    EventType("appeal.filed", _("Appeal filed"), ("selection.appeal_filed",),
              "selection.Appeal", "appeal", lambda appeal: (
                  appeal.pk, f"/applications/{appeal.outcome.application_id}/result"), _appeal,
              ("outcome__selection__track__call__program",)),
    EventType("agreement.accepted", _("Agreement accepted"), ("selection.agreement_accepted",),
              "selection.Agreement", "agreement", lambda agreement: (
                  agreement.pk, f"/applications/{agreement.outcome.application_id}/result"),
              _agreement,
              ("outcome__selection__track__call__program", "outcome__application")),
    EventType("event.registered", _("Company registered for an event"), ("event.registered",),
              "events.Registration", "event", lambda r: (
                  r.event_id, f"/events/{r.event_id}"),
              _registration, ("event__program", "event__host")),
    EventType("meetings.scheduled", _("Meetings scheduled"), ("event.meetings_scheduled",),
              "events.MeetingRun", "event", lambda run: (
                  run.event_id, f"/events/{run.event_id}/meetings"),
              _meetings, ("event__program", "event__host")),
    EventType("collaboration.created", _("Collaboration recorded"),
              ("alliance.collaboration_created",), "alliance.Collaboration", "collaboration",
              _self("/collaborations/{id}"), _collaboration, ("program", "partner")),
    EventType("report.submitted", _("Milestone report submitted"),
              ("alliance.report_submitted",), "alliance.MilestoneReport", "report",
              _self("/reports/{id}"), _report,
              ("agreement__outcome__application__track__call__program",)),
    EventType("report.approved", _("Milestone report approved"), ("alliance.report_approved",),
              "alliance.MilestoneReport", "report", _self("/reports/{id}"), _report,
              ("agreement__outcome__application__track__call__program",)),
]
#: The test event a manager sends from the webhook page: its object is the subscription.
TEST_EVENT = "webhook.test"

BY_CODE = {event.code: event for event in EVENT_TYPES}
BY_ACTION = {action: event for event in EVENT_TYPES for action in event.actions}


def choices() -> list[tuple[str, object]]:
    return [(event.code, event.label) for event in EVENT_TYPES]


def label(code: str) -> str:
    if code == TEST_EVENT:
        return str(_("Test event"))
    event = BY_CODE.get(code)
    return str(event.label) if event else code
