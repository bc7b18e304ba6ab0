"""State changes of collaborations (docs/alliance.md, "Collaborations").

A collaboration is recorded by an operator of its program's agency or by the staff of its
partner (``programs.Partner``); the startup reads it. One function per change, each audited in
the program's agency (``alliance.collaboration_*``):

``create_collaboration``      a new collaboration, stage proposed
``update_collaboration``      title, kind, description, amount
``agree_collaboration``       proposed → agreed (``agreed_on``)
``start_collaboration``       agreed → running (``started_on``)
``finish_collaboration``      running → done (``ended_on``)
``drop_collaboration``        any open stage → dropped (``ended_on``)
``propose_from_meeting``      a 1:1 meeting's "follow-up wanted" → a proposed collaboration
                              (the ``events.signals.meeting_followup`` receiver; idempotent)

Dates are KST calendar days: each stage's date is on or after the previous stage's, and none
is after today in KST. Every move is a :class:`StageChange` row too.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Organisation
from kbridge.accounts.tenancy import agency_ids, partner_organisation_ids
from kbridge.alliance.models import Collaboration, StageChange
from kbridge.core import audit
from kbridge.core.i18n import KST, format_date

Stage = Collaboration.Stage

#: Fields ``update_collaboration`` changes.
EDIT_FIELDS = ("title", "kind", "description", "amount_krw")
#: The date field each stage sets.
STAGE_DATE = {Stage.PROPOSED: "proposed_on", Stage.AGREED: "agreed_on",
              Stage.RUNNING: "started_on", Stage.DONE: "ended_on", Stage.DROPPED: "ended_on"}


def today_kst(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Korea (the calendar stage dates are written in)."""
    return timezone.localtime(now or timezone.now(), KST).date()


def may_record(user, partner) -> bool:
    """Whether ``user`` records collaborations of ``partner`` (a ``programs.Partner``): an
    operator of its program's agency, or staff of the partner company."""
    return (partner.program.operator_id in agency_ids(user)
            or partner.organisation_id in partner_organisation_ids(user))


def _check_date(on: dt.date, *, after: dt.date | None, now: dt.datetime | None,
                field: str = "on") -> None:
    """Refuse a day after today (KST) or before ``after``, on the form field ``field``."""
    if on > today_kst(now):
        raise ValidationError({field: ValidationError(_("The date cannot be after today (KST)."),
                                                     code="future")})
    if after is not None and on < after:
        raise ValidationError({field: ValidationError(
            _("The date cannot be before the previous stage's date (%(date)s).")
            % {"date": format_date(after)}, code="before_previous")})


@transaction.atomic
def create_collaboration(*, partner, startup: Organisation, kind: str, title: str, by,
                         description: str = "", amount_krw: int | None = None,
                         proposed_on: dt.date | None = None, meeting_outcome=None,
                         now: dt.datetime | None = None) -> Collaboration:
    """A proposed collaboration between ``partner`` (a ``programs.Partner``) and the startup
    ``startup``, in the partner's program, proposed on ``proposed_on`` (default today KST).
    Raises PermissionDenied (``by`` may not record for the partner; ``by=None`` is the
    system, for meeting follow-ups) or ValidationError (not a startup, a date after today,
    a field over its limit). Audit ``alliance.collaboration_created``; a first StageChange
    row (to proposed)."""
    if by is not None and not may_record(by, partner):
        raise PermissionDenied
    if startup.kind != Organisation.Kind.STARTUP:
        raise ValidationError({"startup": _("Choose a startup.")})
    proposed_on = proposed_on or today_kst(now)
    _check_date(proposed_on, after=None, now=now, field="proposed_on")
    collaboration = Collaboration(program=partner.program, partner=partner, startup=startup,
                                  kind=kind, title=title, description=description,
                                  amount_krw=amount_krw, proposed_on=proposed_on,
                                  meeting_outcome=meeting_outcome, created_by=by)
    collaboration.full_clean()
    collaboration.save()
    StageChange.objects.create(collaboration=collaboration, from_stage="",
                               to_stage=Stage.PROPOSED, on=proposed_on, by=by)
    audit.record("alliance.collaboration_created", collaboration, actor=by,
                 after=audit.snapshot(collaboration))
    return collaboration


def _locked(collaboration: Collaboration) -> Collaboration:
    return (Collaboration.objects.select_for_update(of=("self",))
            .select_related("program", "partner")
            .get(pk=collaboration.pk))


def _copy(row: Collaboration, into: Collaboration) -> Collaboration:
    for field in row._meta.concrete_fields:
        setattr(into, field.attname, getattr(row, field.attname))
    return into


@transaction.atomic
def update_collaboration(*, collaboration: Collaboration, by, **changes) -> Collaboration:
    """Change :data:`EDIT_FIELDS` (the kind only while proposed: what was agreed stays what
    it was). Raises PermissionDenied (``by`` may not record for its partner, or another
    field) or ValidationError. Audit ``alliance.collaboration_updated`` with what changed."""
    if set(changes) - set(EDIT_FIELDS):
        raise PermissionDenied
    row = _locked(collaboration)
    if not may_record(by, row.partner):
        raise PermissionDenied
    if "kind" in changes and changes["kind"] != row.kind and row.stage != Stage.PROPOSED:
        raise ValidationError({"kind": _("The kind can change only while the collaboration "
                                         "is proposed.")})
    before = audit.snapshot(row, list(EDIT_FIELDS))
    for field, value in changes.items():
        setattr(row, field, value)
    row.full_clean()
    row.save()
    old, new = audit.diff(before, audit.snapshot(row, list(EDIT_FIELDS)))
    if new:
        audit.record("alliance.collaboration_updated", row, before=old, after=new, actor=by)
    return _copy(row, collaboration)


def _move(collaboration: Collaboration, to: str, *, on: dt.date, by, note: str,
          now: dt.datetime | None) -> Collaboration:
    row = _locked(collaboration)
    if not may_record(by, row.partner):
        raise PermissionDenied
    if to not in Collaboration.NEXT[row.stage]:
        raise ValidationError(_("A collaboration that is %(stage)s cannot become %(to)s.") % {
            "stage": row.get_stage_display(), "to": Stage(to).label})
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Keep the note to %(max)d characters.") % {"max": 500}})
    previous = max(d for d in (row.proposed_on, row.agreed_on, row.started_on) if d)
    _check_date(on, after=previous, now=now)
    before = {"stage": row.stage, STAGE_DATE[to]: getattr(row, STAGE_DATE[to])}
    from_stage = row.stage
    row.stage = to
    setattr(row, STAGE_DATE[to], on)
    row.save(update_fields=["stage", STAGE_DATE[to], "updated_at"])
    StageChange.objects.create(collaboration=row, from_stage=from_stage, to_stage=to, on=on,
                               note=note, by=by)
    audit.record(f"alliance.collaboration_{to}", row, before=before,
                 after={"stage": to, STAGE_DATE[to]: on, "note": note}, actor=by)
    return _copy(row, collaboration)


@transaction.atomic
def agree_collaboration(*, collaboration: Collaboration, on: dt.date, by, note: str = "",
                        now: dt.datetime | None = None) -> Collaboration:
    """Proposed → agreed on ``on``. Raises PermissionDenied or ValidationError (another
    stage; a date before the proposal or after today KST). Audit
    ``alliance.collaboration_agreed``."""
    return _move(collaboration, Stage.AGREED, on=on, by=by, note=note, now=now)


@transaction.atomic
def start_collaboration(*, collaboration: Collaboration, on: dt.date, by, note: str = "",
                        now: dt.datetime | None = None) -> Collaboration:
    """Agreed → running from ``on``. Errors as :func:`agree_collaboration`. Audit
    ``alliance.collaboration_running``."""
    return _move(collaboration, Stage.RUNNING, on=on, by=by, note=note, now=now)


@transaction.atomic
def finish_collaboration(*, collaboration: Collaboration, on: dt.date, by, note: str = "",
                         now: dt.datetime | None = None) -> Collaboration:
    """Running → done on ``on``. Errors as :func:`agree_collaboration`. Audit
    ``alliance.collaboration_done``."""
    return _move(collaboration, Stage.DONE, on=on, by=by, note=note, now=now)


@transaction.atomic
def drop_collaboration(*, collaboration: Collaboration, on: dt.date, by, note: str = "",
                       now: dt.datetime | None = None) -> Collaboration:
    """Any open stage → dropped on ``on`` (``ended_on``). Errors as
    :func:`agree_collaboration`. Audit ``alliance.collaboration_dropped``."""
    return _move(collaboration, Stage.DROPPED, on=on, by=by, note=note, now=now)


#: The service of each stage a collaboration moves to.
MOVES = {Stage.AGREED: agree_collaboration, Stage.RUNNING: start_collaboration,
         Stage.DONE: finish_collaboration, Stage.DROPPED: drop_collaboration}


@transaction.atomic
def propose_from_meeting(*, request, by=None) -> Collaboration | None:
    """A 1:1 meeting (``events.MeetingRequest``) where a side recorded "follow-up wanted"
    becomes a proposed collaboration between the event's host partner and the startup, kind
    mentoring (the partner sets the real kind while it is proposed), titled after the event,
    its description the sides' outcome notes, proposed on the meeting's day (KST), linked to
    the follow-up outcome (``meeting_outcome``).

    Idempotent per meeting: when either side's outcome already has a collaboration (both
    sides may want a follow-up, and an outcome may be recorded again), that one is returned
    and nothing is created. None when the event has no host partner. Audit
    ``alliance.collaboration_created`` (actor: who recorded the follow-up)."""
    from kbridge.events.models import MeetingOutcome, MeetingRequest

    # Lock the request row only: PostgreSQL refuses FOR UPDATE on the nullable side of the
    # outer joins select_related makes (event.host is nullable).
    request = (MeetingRequest.objects.select_for_update(of=("self",))
               .select_related("event__program", "event__host__program", "startup")
               .get(pk=request.pk))
    existing = (Collaboration.objects.filter(meeting_outcome__request=request)
                .order_by("pk").first())
    if existing is not None:
        return existing
    event = request.event
    if event.host_id is None:
        return None
    outcomes = list(MeetingOutcome.objects.filter(request=request).order_by("recorded_at", "pk"))
    follow_up = next((o for o in outcomes if o.result == MeetingOutcome.Result.FOLLOW_UP), None)
    if follow_up is None:
        return None
    placement = getattr(request, "placement", None)
    day = (timezone.localtime(placement.starts_at, KST).date() if placement is not None
           else today_kst())
    day = min(day, today_kst())
    with translation.override("ko"):
        title = _("Follow-up of the 1:1 meeting at %(event)s") % {"event": event.title_ko}
        origin = _("From a 1:1 meeting's follow-up")
    notes = "\n".join(o.note for o in outcomes if o.note)
    collaboration = Collaboration(
        program=event.program, partner=event.host, startup=request.startup,
        kind=Collaboration.Kind.MENTORING, title=title[:200], description=notes[:4000],
        proposed_on=day, meeting_outcome=follow_up, created_by=None)
    collaboration.save()
    StageChange.objects.create(collaboration=collaboration, from_stage="",
                               to_stage=Stage.PROPOSED, on=day, by=by,
                               note=origin)
    audit.record("alliance.collaboration_created", collaboration, actor=by,
                 after={**audit.snapshot(collaboration), "meeting": request.pk})
    return collaboration


def on_meeting_followup(sender, meeting, by=None, **kwargs) -> None:
    """Receiver of ``events.signals.meeting_followup`` (inside the outcome's transaction)."""
    propose_from_meeting(request=meeting, by=by)
