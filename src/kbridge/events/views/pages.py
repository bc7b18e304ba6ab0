"""Event pages: the public page and list, and the operator's console for the event itself.

/events/                                   everyone: published events
/events/<event_id>/                        everyone (published); the event's staff (draft)
/manage/events/                            operators and host partners: their events
/manage/events/new/<program_id>/           the program's operator: a new draft event
/manage/events/<event_id>/                 the event's staff: the console (each part's pages)
/manage/events/<event_id>/edit/            the program's operator
/manage/events/<event_id>/programme/       the program's operator: speakers and agenda
/manage/events/<event_id>/questions/       the program's operator: fit questions
/manage/events/<event_id>/status/          POST, the program's operator: publish, back to
                                           draft, cancel
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.tenancy import agency_ids
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.events import selectors
from kbridge.events.forms import (
    AgendaFormSet,
    EventForm,
    FitQuestionFormSet,
    SpeakerFormSet,
    kept_rows,
)
from kbridge.events.models import Event, Registration
from kbridge.events.services import events as services
from kbridge.programs.models import Program

#: Links on the console, one per part: (url name, label). Each part appends its own from its
#: views module, so the console lists every part without importing them.
CONSOLE_LINKS: list[tuple[str, object]] = []


def _event_for(request, perm: str, event_id: int) -> Event:
    return get_object_or_404_for(
        request.user, perm, Event.objects.select_related("program", "host__organisation"),
        pk=event_id)


@require_safe
def event_list(request):
    now = timezone.now()
    events = list(selectors.public_events().order_by("starts_at", "id"))
    return render(request, "events/list.html", {
        "upcoming": [e for e in events if e.ends_at >= now],
        "past": [e for e in reversed(events) if e.ends_at < now],
    })


@require_safe
def event_detail(request, event_id: int):
    event = _event_for(request, "events.view_event", event_id)
    return render(request, "events/detail.html", {
        "event": event,
        "speakers": list(event.speakers.all()),
        "agenda": list(event.agenda.select_related("speaker")),
        "registration": selectors.registration_of(request.user, event),
        "registration_open": event.registration_is_open(),
        "may_manage": request.user.has_perm("events.view_console", event),
        "now": timezone.now(),
    })


@require_safe
@require_perm("events.list_events")
def manage_list(request):
    events = selectors.events_for_staff(request.user).annotate(
        registered=Count("registrations", filter=~Q(
            registrations__status=Registration.Status.WITHDRAWN)),
        chosen=Count("registrations", filter=Q(registrations__status=Registration.Status.CHOSEN)),
    ).order_by("-starts_at", "-id")
    programs = Program.objects.filter(operator_id__in=agency_ids(request.user)).order_by(
        "-year", "id")
    return render(request, "events/manage/list.html", {"events": events, "programs": programs})


@require_safe
@require_login
def console(request, event_id: int):
    event = _event_for(request, "events.view_console", event_id)
    counts = dict(event.registrations.values_list("status").annotate(n=Count("id")))
    return render(request, "events/manage/console.html", {
        "event": event, "counts": counts, "links": CONSOLE_LINKS,
        "may_manage": request.user.has_perm("events.manage_event", event),
        "Status": Event.Status, "RegistrationStatus": Registration.Status,
    })


@require_login
def create(request, program_id: int):
    program = get_object_or_404_for(request.user, "programs.manage_program",
                                    Program.objects.all(), pk=program_id)
    form = EventForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(program=program, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Event created as a draft."))
            return redirect("events:console", event_id=event.pk)
    return render(request, "events/manage/form.html",
                  {"form": form, "title": _("New event"), "program": program})


@require_login
def edit(request, event_id: int):
    event = _event_for(request, "events.manage_event", event_id)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EVENT_FIELDS}
        try:
            services.update_event(event=Event.objects.get(pk=event.pk), by=request.user,
                                  **changes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("events:console", event_id=event.pk)
    return render(request, "events/manage/form.html",
                  {"form": form, "title": _("Edit event"), "event": event,
                   "program": event.program})


@require_login
def programme(request, event_id: int):
    event = _event_for(request, "events.manage_event", event_id)
    speakers = list(event.speakers.all())
    index = {s.pk: number for number, s in enumerate(speakers, 1)}
    speaker_set = SpeakerFormSet(request.POST or None, prefix="speakers", initial=[
        {"name_ko": s.name_ko, "name_en": s.name_en, "role_ko": s.role_ko, "role_en": s.role_en}
        for s in speakers])
    agenda_set = AgendaFormSet(request.POST or None, prefix="agenda", initial=[
        {"starts_at": a.starts_at, "ends_at": a.ends_at, "title_ko": a.title_ko,
         "title_en": a.title_en, "speaker": index.get(a.speaker_id)}
        for a in event.agenda.all()])
    if request.method == "POST" and speaker_set.is_valid() and agenda_set.is_valid():
        speaker_rows = kept_rows(speaker_set)
        agenda_rows = []
        problem = None
        for form in agenda_set:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            row = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            number = row.pop("speaker", None)
            if number is not None and number > len(speaker_rows):
                problem = _("Speaker number %(number)d is not in the list of speakers.") % {
                    "number": number}
                form.add_error("speaker", problem)
            row["speaker"] = number - 1 if number else None
            agenda_rows.append(row)
        if problem is None:
            try:
                services.save_programme(event=event, speakers=speaker_rows, agenda=agenda_rows,
                                        by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Speakers and agenda saved."))
                return redirect("events:console", event_id=event.pk)
    return render(request, "events/manage/programme.html",
                  {"event": event, "speakers": speaker_set, "agenda": agenda_set})


@require_login
def questions(request, event_id: int):
    event = _event_for(request, "events.manage_event", event_id)
    initial = [{"text_ko": q.text_ko, "text_en": q.text_en, "required": q.required,
                "max_chars": q.max_chars,
                "options": "\n".join(f"{c['ko']} | {c['en']}" for c in q.choices)}
               for q in event.fit_questions.all()]
    formset = FitQuestionFormSet(request.POST or None, prefix="questions", initial=initial)
    locked = event.registrations.exists()
    if request.method == "POST" and formset.is_valid():
        rows = [{"text_ko": r["text_ko"], "text_en": r["text_en"], "choices": r["options"],
                 "required": r["required"], "max_chars": r["max_chars"]}
                for r in kept_rows(formset)]
        try:
            services.save_fit_questions(event=event, questions=rows, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Fit questions saved."))
            return redirect("events:console", event_id=event.pk)
    return render(request, "events/manage/questions.html",
                  {"event": event, "formset": formset, "locked": locked})


@require_login
@post_only(back=to("events:console", "event_id"))
def change_status(request, event_id: int):
    event = _event_for(request, "events.manage_event", event_id)
    action = request.POST.get("action")
    change = {"publish": (services.publish_event, _("The event is published.")),
              "unpublish": (services.unpublish_event, _("The event is a draft again.")),
              "cancel": (services.cancel_event, _("The event is cancelled."))}.get(action)
    if change is None:
        messages.error(request, _("Choose what to do with the event."))
        return redirect("events:console", event_id=event.pk)
    try:
        change[0](event=event, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, change[1])
    return redirect("events:console", event_id=event.pk)


urlpatterns = [
    path("events/", event_list, name="list"),
    path("events/<int:event_id>/", event_detail, name="detail"),
    path("manage/events/", manage_list, name="manage_list"),
    path("manage/events/new/<int:program_id>/", create, name="create"),
    path("manage/events/<int:event_id>/", console, name="console"),
    path("manage/events/<int:event_id>/edit/", edit, name="edit"),
    path("manage/events/<int:event_id>/programme/", programme, name="programme"),
    path("manage/events/<int:event_id>/questions/", questions, name="questions"),
    path("manage/events/<int:event_id>/status/", change_status, name="status"),
]
