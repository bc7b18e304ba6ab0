"""State changes of an event itself: create, edit, publish/cancel, its agenda, speakers and
fit questions. One function per change; each validates, writes and records an audit row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kbridge.core import audit
from kbridge.events.models import AgendaItem, Event, FitQuestion, Speaker
from kbridge.programs.models import Program

#: Fields an operator edits on the event form.
EVENT_FIELDS = ["host", "title_ko", "title_en", "summary_ko", "summary_en", "starts_at",
                "ends_at", "venue_ko", "venue_en", "address", "capacity", "review_places",
                "registration_opens_at", "registration_closes_at",
                "waitlist_length", "waitlist_offer_hours"]  # attendees: the waitlist


@transaction.atomic
def create_event(*, program: Program, by, **fields: Any) -> Event:
    """A draft event of ``program``. Raises ValidationError (field → message)."""
    event = Event(program=program, **fields)
    event.full_clean()
    event.save()
    audit.record("event.created", event, after=audit.snapshot(event), actor=by)
    return event


@transaction.atomic
def update_event(*, event: Event, by, **changes: Any) -> Event:
    """Change the fields of :data:`EVENT_FIELDS`; the audit row holds what changed."""
    forbidden = sorted(set(changes) - set(EVENT_FIELDS))
    if forbidden:
        raise PermissionError(f"fields not allowed: {', '.join(forbidden)}")
    row = Event.objects.select_for_update().get(pk=event.pk)
    before = audit.snapshot(row)
    for field, value in changes.items():
        setattr(row, field, value)
    row.full_clean()
    row.save()
    old, new = audit.diff(before, audit.snapshot(row))
    old.pop("updated_at", None)
    new.pop("updated_at", None)
    if new:
        audit.record("event.updated", row, before=old, after=new, actor=by)
    for field in row._meta.concrete_fields:
        setattr(event, field.attname, getattr(row, field.attname))
    return event


def _set_status(event: Event, status: str, action: str, by) -> Event:
    before = event.status
    Event.objects.filter(pk=event.pk).update(status=status)
    event.status = status
    audit.record(action, event, before={"status": before}, after={"status": status}, actor=by)
    return event


@transaction.atomic
def publish_event(*, event: Event, by) -> Event:
    """Make a draft event public. Refused (ValidationError) unless it is a draft."""
    if event.status != Event.Status.DRAFT:
        raise ValidationError(_("Only a draft event can be published."))
    event.full_clean()
    return _set_status(event, Event.Status.PUBLISHED, "event.published", by)


@transaction.atomic
def unpublish_event(*, event: Event, by) -> Event:
    """Take a published event back to draft, while nobody has registered yet."""
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be taken back to draft."))
    if event.registrations.exists():
        raise ValidationError(
            _("Companies have registered: the event can be cancelled but no longer hidden."))
    return _set_status(event, Event.Status.DRAFT, "event.unpublished", by)


@transaction.atomic
def cancel_event(*, event: Event, by) -> Event:
    """Cancel a published event; its page stays up and says so."""
    if event.status != Event.Status.PUBLISHED:
        raise ValidationError(_("Only a published event can be cancelled."))
    return _set_status(event, Event.Status.CANCELLED, "event.cancelled", by)


@transaction.atomic
def save_programme(*, event: Event, speakers: list[dict], agenda: list[dict], by) -> None:
    """Replace the event's speakers and agenda. ``speakers``: dicts of Speaker fields;
    ``agenda``: dicts of AgendaItem fields where ``speaker`` is an index into ``speakers``
    or None. Raises ValidationError when an item lies outside the event's hours."""
    for item in agenda:
        if item["starts_at"] < event.starts_at or item["ends_at"] > event.ends_at:
            raise ValidationError(_("Every agenda item must lie within the event's hours."))
    before = {"speakers": [audit.snapshot(s) for s in event.speakers.all()],
              "agenda": [audit.snapshot(a) for a in event.agenda.all()]}
    AgendaItem.objects.filter(event=event).delete()
    Speaker.objects.filter(event=event).delete()
    made = []
    for position, fields in enumerate(speakers):
        speaker = Speaker(event=event, position=position, **fields)
        speaker.full_clean()
        speaker.save()
        made.append(speaker)
    for fields in agenda:
        index = fields.pop("speaker", None)
        item = AgendaItem(event=event, speaker=made[index] if index is not None else None,
                          **fields)
        item.full_clean()
        item.save()
    after = {"speakers": [audit.snapshot(s) for s in event.speakers.all()],
             "agenda": [audit.snapshot(a) for a in event.agenda.all()]}
    audit.record("event.programme_saved", event, before=before, after=after, actor=by)


@transaction.atomic
def save_fit_questions(*, event: Event, questions: list[dict], by) -> list[FitQuestion]:
    """Replace the registration form's fit questions (refused once anyone registered, so
    every registration answers the same questions)."""
    if event.registrations.exists():
        raise ValidationError(
            _("Companies have registered: the fit questions can no longer change."))
    before = [audit.snapshot(q) for q in event.fit_questions.all()]
    FitQuestion.objects.filter(event=event).delete()
    made = []
    for position, fields in enumerate(questions):
        question = FitQuestion(event=event, position=position, **fields)
        question.full_clean()
        question.save()
        made.append(question)
    audit.record("event.fit_questions_saved", event, before={"questions": before},
                 after={"questions": [audit.snapshot(q) for q in made]}, actor=by)
    return made
