"""1:1 meetings: the participants' page and the operator's console.

/events/<event_id>/meetings/                       attendee startups and the host's staff:
                                                   requests in/out, availability, the agenda
/events/<event_id>/meetings/directory/             whom they may ask
/events/<event_id>/meetings/request/               a request (form)
/events/<event_id>/meetings/availability/          POST: slots they cannot meet in
/events/<event_id>/meetings/agenda.ics             their agenda as iCalendar (KST)
/events/<event_id>/meetings/<request_id>/          POST, a side of the request: accept,
                                                   decline, withdraw, cancel, must-meet
/events/<event_id>/meetings/<request_id>/outcome/  POST, a side, after the slot: the outcome
/manage/events/<event_id>/meetings/                the event's staff: requests, the grid,
                                                   the last run's figures and unplaced meetings
/manage/events/<event_id>/meetings/session/        the operator: meeting times and tables
/manage/events/<event_id>/meetings/schedule/       POST, the operator: run or re-run
/manage/events/<event_id>/meetings/<request_id>/   POST, the operator: must-meet, cancel
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Organisation, User
from kbridge.core.i18n import localized_text
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.engine.scheduling.export import KST, AgendaItem, agenda_ics
from kbridge.events import selectors_meetings as selectors
from kbridge.events.forms_meetings import OutcomeForm, RequestForm, SessionForm
from kbridge.events.models import Event, MeetingPlacement, MeetingRequest, MeetingRun
from kbridge.events.services import meetings as services
from kbridge.events.views.pages import CONSOLE_LINKS

CONSOLE_LINKS.append(("events:meetings_console", gettext_lazy("1:1 meetings")))

REASONS = {
    "no_common_slot": gettext_lazy("The two sides have no free slot in common."),
    "no_table": gettext_lazy("No table may be used for this meeting."),
    "solver_stopped": gettext_lazy(
        "A slot and table are free; the scheduler stopped at its time limit. Run it again."),
    "locked_conflict": gettext_lazy("Every common free slot is taken by meetings that have "
                                    "already started."),
    "table_capacity": gettext_lazy("Both sides are free in some slots, but every table is "
                                   "taken then. Add tables."),
    "lower_priority": gettext_lazy("Must-meet meetings take every common free slot."),
    "participants_busy": gettext_lazy("In every common free slot one side has another "
                                      "meeting; no schedule places more."),
}


def _event(request, perm: str, event_id: int) -> Event:
    return get_object_or_404_for(
        request.user, perm, Event.objects.select_related("program", "host__organisation"),
        pk=event_id)


def _me(request, event: Event) -> tuple[list[int], bool]:
    return selectors.my_startup_ids(request.user, event), selectors.is_host_staff(
        request.user, event)


def _agenda(requests, user, startup_ids: list[int]) -> list[MeetingRequest]:
    placed = [r for r in requests if r.status == MeetingRequest.Status.ACCEPTED
              and hasattr(r, "placement")]
    return sorted(placed, key=lambda r: (r.placement.starts_at, r.placement.table))


@require_safe
@require_login
def meetings_page(request, event_id: int):
    event = _event(request, "events.use_meetings", event_id)
    return _page(request, event)


def _page(request, event: Event, *, form_for: int | None = None,
          bound: OutcomeForm | None = None, status: int = 200):
    """The participants' page; ``bound`` (with its errors and what was typed) replaces the
    outcome form of request ``form_for``. Each action shows only when its service predicate
    allows it (services.may_*)."""
    startup_ids, staff = _me(request, event)
    requests = list(selectors.requests_for(request.user, event, startup_ids, staff))
    session = selectors.session_of(event)
    now = timezone.now()
    user = request.user
    rows = []
    for r in requests:
        r.event = event
        side = services.side_of(user, r)
        asked = r.direction != side  # the other side asked this user's side
        outcomes = {o.side: o for o in r.outcomes.all()}
        mine = outcomes.get(side)
        may_record = services.may_record_outcome(user, r, now)
        form = None
        if may_record:
            form = bound if (bound is not None and form_for == r.pk) else OutcomeForm(
                initial={"result": mine.result, "note": mine.note} if mine else None)
            form.auto_id = f"id_outcome{r.pk}_%s"
        rows.append({
            "r": r, "incoming": asked, "placement": getattr(r, "placement", None),
            "mine": mine, "side": side, "may_record": may_record, "outcome_form": form,
            "may_accept": services.may_accept(user, r, session, now),
            "may_decline": services.may_decline(user, r),
            "may_withdraw": services.may_withdraw(user, r),
            "may_cancel": services.may_cancel(user, r, session, now, operator=False),
            "may_must_meet": services.may_set_must_meet(user, r, session, now,
                                                        operator=False)})
    busy = set()
    if session is not None:
        busy_rows = event.meeting_busy_slots.filter(
            organisation_id__in=startup_ids) if startup_ids else event.meeting_busy_slots.filter(
            person=request.user)
        busy = set(busy_rows.values_list("starts_at", flat=True))
    return render(request, "events/meetings/page.html", {
        "event": event, "session": session, "rows": rows, "staff": staff,
        "is_startup": bool(startup_ids),
        "agenda": _agenda(requests, request.user, startup_ids),
        "slots": [(s, s in busy) for s in (session.slot_starts() if session else [])],
        "may_set_availability": services.may_set_availability(session, now),
        "open": services.requests_open(event, now),
        "follow_ups": selectors.follow_ups(event, startup_ids, request.user, staff),
        "Status": MeetingRequest.Status,
    }, status=status)


def _choices(request, event: Event) -> list[tuple[str, str]]:
    startup_ids, staff = _me(request, event)
    choices = []
    if startup_ids:
        choices += [(f"p{u.pk}", u.full_name or u.email)
                    for u in selectors.directory_people(event)]
    if staff:
        choices += [(f"s{o.pk}", str(o)) for o in selectors.directory_startups(event)]
    return choices


@require_safe
@require_login
def directory(request, event_id: int):
    event = _event(request, "events.use_meetings", event_id)
    startup_ids, staff = _me(request, event)
    return render(request, "events/meetings/directory.html", {
        "event": event, "open": services.requests_open(event),
        "people": selectors.directory_people(event) if startup_ids else [],
        "startups": selectors.directory_startups(event) if staff else []})


@require_login
def request_form(request, event_id: int):
    event = _event(request, "events.use_meetings", event_id)
    choices = _choices(request, event)
    form = RequestForm(request.POST or None, choices=choices,
                       initial={"with_whom": request.GET.get("with", "")})
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data["with_whom"]
        try:
            if key.startswith("p"):
                startup = Organisation.objects.get(pk=selectors.my_startup_ids(
                    request.user, event)[0])
                person = User.objects.get(pk=int(key[1:]))
            else:
                startup = Organisation.objects.get(pk=int(key[1:]))
                person = request.user
            services.request_meeting(event=event, by=request.user, startup=startup,
                                     person=person, message=form.cleaned_data["message"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except (PermissionDenied, IndexError, ValueError, Organisation.DoesNotExist,
                User.DoesNotExist):
            form.add_error("with_whom", _("Choose one of the options."))
        else:
            messages.success(request, _("Your meeting request was sent."))
            return redirect("events:meetings", event_id=event.pk)
    return render(request, "events/meetings/request.html", {
        "event": event, "form": form, "open": services.requests_open(event)})


@require_login
@post_only(back=to("events:meetings", "event_id"))
def availability(request, event_id: int):
    event = _event(request, "events.use_meetings", event_id)
    startup_ids, staff = _me(request, event)
    session = selectors.session_of(event)
    back = redirect("events:meetings", event_id=event.pk)
    if session is None:
        messages.error(request, _("The meeting times are not set yet."))
        return back
    starts = session.slot_starts()
    busy = []
    for value in request.POST.getlist("busy"):
        try:
            busy.append(starts[int(value)])
        except (ValueError, IndexError):
            messages.error(request, _("Choose slots of the meeting session."))
            return back
    owner = ({"organisation": Organisation.objects.get(pk=startup_ids[0])} if startup_ids
             else {"person": request.user})
    try:
        services.set_availability(event=event, by=request.user, busy=busy, **owner)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your availability was saved."))
    return back


def _my_request(request, event_id: int, request_id: int) -> MeetingRequest:
    return get_object_or_404_for(
        request.user, "events.act_on_meeting",
        MeetingRequest.objects.select_related("event__program", "event__host"),
        pk=request_id, event_id=event_id)


ACTIONS = {
    "accept": (lambda r, by: services.accept(request=r, by=by),
               gettext_lazy("The meeting is accepted.")),
    "decline": (lambda r, by: services.decline(request=r, by=by),
                gettext_lazy("The request is declined.")),
    "withdraw": (lambda r, by: services.withdraw(request=r, by=by),
                 gettext_lazy("The request is withdrawn.")),
    "cancel": (lambda r, by: services.cancel(request=r, by=by),
               gettext_lazy("The meeting is cancelled.")),
    "must_meet": (lambda r, by: services.set_must_meet(request=r, by=by, must_meet=True),
                  gettext_lazy("Marked as a must-meet.")),
    "not_must_meet": (lambda r, by: services.set_must_meet(request=r, by=by, must_meet=False),
                      gettext_lazy("No longer a must-meet.")),
}


def _act(request, meeting: MeetingRequest, allowed: set[str]) -> None:
    action = request.POST.get("action", "")
    if action not in allowed:
        messages.error(request, _("Choose what to do with the request."))
        return
    run, label = ACTIONS[action]
    try:
        run(meeting, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("Only the other side can do this."))
    else:
        messages.success(request, label)


@require_login
@post_only(back=to("events:meetings", "event_id"))
def respond(request, event_id: int, request_id: int):
    meeting = _my_request(request, event_id, request_id)
    _act(request, meeting, set(ACTIONS))
    return redirect("events:meetings", event_id=event_id)


@require_login
@post_only(back=to("events:meetings", "event_id"))
def outcome(request, event_id: int, request_id: int):
    """Record an outcome; on bad input the page is shown again (400) with the errors and what
    was typed, never a redirect that would lose the note."""
    meeting = _my_request(request, event_id, request_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.record_outcome(request=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("events:meetings", event_id=event_id)
    event = _event(request, "events.use_meetings", event_id)
    if not services.may_record_outcome(request.user, meeting):
        messages.error(request, " ".join(
            e for errors in form.errors.values() for e in errors))
        return redirect("events:meetings", event_id=event_id)
    return _page(request, event, form_for=meeting.pk, bound=form, status=400)


@require_safe
@require_login
def agenda_file(request, event_id: int):
    """The user's (or their startup's) placed meetings as an iCalendar file, in KST."""
    event = _event(request, "events.use_meetings", event_id)
    startup_ids, staff = _me(request, event)
    requests = selectors.requests_for(request.user, event, startup_ids, staff)
    owner = f"s{startup_ids[0]}" if startup_ids else f"p{request.user.pk}"
    venue = localized_text(event, "venue")  # the page's language, the other as a fallback
    items = []
    for r in _agenda(list(requests), request.user, startup_ids):
        other = str(r.startup) if services.side_of(request.user, r) == "partner" else (
            r.person.full_name or r.person.email)
        table = _("Table %(table)d") % {"table": r.placement.table}
        place = f"{venue}, {table}" if venue else table
        items.append(AgendaItem(
            owner=owner, item_id=f"meeting-{r.pk}", start=r.placement.starts_at.astimezone(KST),
            end=r.placement.ends_at.astimezone(KST), place=place, with_ids=(), with_names=(other,),
            title=_("1:1 meeting with %(name)s") % {"name": other}))
    body = agenda_ics(items, calendar_name=f"{event} · 1:1",
                      stamp=dt.datetime.now(dt.UTC).replace(microsecond=0))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meetings-{event.pk}.ics"'
    return response


# --- the console ------------------------------------------------------------------------------


@require_safe
@require_login
def console(request, event_id: int):
    event = _event(request, "events.view_meetings_console", event_id)
    session = selectors.session_of(event)
    requests = list(selectors.all_requests(event))
    run = MeetingRun.objects.filter(event=event).first()
    by_id = {r.pk: r for r in requests}
    grid = []
    if session is not None:
        placed = {(p.starts_at, p.table): p for p in MeetingPlacement.objects.filter(
            request__event=event).select_related("request__startup", "request__person")}
        grid = [(start, [placed.get((start, t)) for t in range(1, session.tables + 1)])
                for start in session.slot_starts()]
    unplaced = [{"request": by_id.get(u["request"]), "code": u["code"],
                 "reason": REASONS.get(u["code"], u["code"])} for u in (run.unplaced if run else [])]
    counts = {}
    may_manage = request.user.has_perm("events.manage_meetings", event)
    now = timezone.now()
    for r in requests:
        counts[r.status] = counts.get(r.status, 0) + 1
        r.event = event
        # The operator's buttons, by the same predicates as the services.
        r.may_cancel = may_manage and services.may_cancel(request.user, r, session, now,
                                                          operator=True)
        r.may_must_meet = may_manage and services.may_set_must_meet(
            request.user, r, session, now, operator=True)
    return render(request, "events/meetings/console.html", {
        "event": event, "session": session, "requests": requests, "run": run, "grid": grid,
        "tables": range(1, session.tables + 1) if session else [], "unplaced": unplaced,
        "counts": counts, "Status": MeetingRequest.Status,
        "follow_ups": selectors.partner_follow_ups(event),
        "may_manage": may_manage})


@require_login
def session_form(request, event_id: int):
    event = _event(request, "events.manage_meetings", event_id)
    instance = selectors.session_of(event)
    form = SessionForm(request.POST or None, instance=instance, initial=None if instance else {
        "starts_at": event.starts_at, "ends_at": event.ends_at})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_session(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting times are saved."))
            return redirect("events:meetings_console", event_id=event.pk)
    return render(request, "events/meetings/session.html", {"event": event, "form": form})


@require_login
@post_only(back=to("events:meetings_console", "event_id"))
def run_schedule(request, event_id: int):
    event = _event(request, "events.manage_meetings", event_id)
    try:
        run = services.schedule(event=event, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(placed)d of %(total)d meetings are placed.") % {
            "placed": run.placed, "total": run.meetings})
    return redirect("events:meetings_console", event_id=event.pk)


@require_login
@post_only(back=to("events:meetings_console", "event_id"))
def manage_request(request, event_id: int, request_id: int):
    event = _event(request, "events.manage_meetings", event_id)
    meeting = get_object_or_404(MeetingRequest, pk=request_id, event=event)
    _act(request, meeting, {"cancel", "must_meet", "not_must_meet"})
    return redirect(reverse("events:meetings_console", kwargs={"event_id": event.pk}))


_P = "events/<int:event_id>/meetings/"
_M = "manage/events/<int:event_id>/meetings/"
urlpatterns = [
    path(_P, meetings_page, name="meetings"),
    path(_P + "directory/", directory, name="meetings_directory"),
    path(_P + "request/", request_form, name="meetings_request"),
    path(_P + "availability/", availability, name="meetings_availability"),
    path(_P + "agenda.ics", agenda_file, name="meetings_ics"),
    path(_P + "<int:request_id>/", respond, name="meetings_respond"),
    path(_P + "<int:request_id>/outcome/", outcome, name="meetings_outcome"),
    path(_M, console, name="meetings_console"),
    path(_M + "session/", session_form, name="meetings_session"),
    path(_M + "schedule/", run_schedule, name="meetings_schedule"),
    path(_M + "<int:request_id>/", manage_request, name="meetings_manage"),
]
