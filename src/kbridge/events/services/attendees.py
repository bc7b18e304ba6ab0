"""Registration and choosing an event's attendees: one function per state change, each
validated under a lock on the event's row, audited and e-mailed (Korean, then English).

* :func:`register` — a startup registers (one registration per company number and per
  organisation; closes at ``Event.registration_closes_at`` exactly, checked at the instant of
  the call). :func:`withdraw` — the startup withdraws (a chosen one frees its place).
* :func:`review` — a reviewer (the event's staff) scores a registration 1–5 and/or shortlists
  it. :func:`confirm_review` — the operator confirms the review's choice
  (:func:`review_ranking`): those registrations become CHOSEN via REVIEW.
* :func:`commit_lottery` / :func:`draw_lottery` — a commit-reveal draw
  (:mod:`kbridge.engine.lottery`) for the places left among the remaining registrations:
  winners CHOSEN via LOTTERY, the next ``Event.waitlist_length`` WAITLISTED in draw order, the
  rest NOT_CHOSEN.
* :func:`offer_next`, :func:`accept_offer`, :func:`decline_offer`, :func:`expire_offers` — a
  freed place is offered to the waitlist's first, who has ``Event.waitlist_offer_hours`` hours
  to accept; a decline or an expiry passes it down.

Every change that makes a registration CHOSEN sends ``signals.registration_chosen``, and every
change that ends a CHOSEN one sends ``signals.registration_released``, inside the transaction.
Lock order: the event's row, then registrations — so two withdrawals at once never offer the
same place twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.applications.eligibility import canonical_brn, valid_brn
from kbridge.core import audit
from kbridge.core.i18n import format_datetime
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.core.text import clean_text
from kbridge.engine import lottery as engine
from kbridge.events import signals
from kbridge.events.models import (
    Event,
    EventLottery,
    FitReview,
    Registration,
    WaitlistOffer,
)

S = Registration.Status
# How long the seed's SHA-256 is public before the draw may happen: long enough for anyone
# (an entrant, an observer) to record the commitment before the seed can be revealed; a draw
# right after the commit would make publishing the hash meaningless. The commit announces
# the earliest draw instant (``committed_at + DRAW_DELAY``, shown on the public page).
DRAW_DELAY = dt.timedelta(minutes=30)
PENDING = WaitlistOffer.Status.PENDING

def _number_taken() -> str:
    """Shown when the company number is taken: it never says which company holds it."""
    return _("This business registration number is already registered for this event. "
             "A company registers once, whatever the number of its accounts. If you did not "
             "register it, contact the event's organiser.")


# --- helpers -------------------------------------------------------------------------------


def _lock(event_id: int) -> Event:
    """Lock the event's row and return it fresh (with program and host)."""
    list(Event.objects.select_for_update().filter(pk=event_id).values_list("pk"))
    return Event.objects.select_related("program__operator", "host__organisation").get(
        pk=event_id)


def _actor(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _fields(registration: Registration) -> dict:
    return audit.snapshot(registration, ["status", "chosen_via", "waitlist_position",
                                         "decided_at"])


def _recipients(registration: Registration) -> list[str]:
    emails = [registration.attendee_email, registration.registered_by.email]
    return list(dict.fromkeys(e for e in emails if e))


def _notify(kind: str, registration: Registration, key: str, **context) -> None:
    """One e-mail (Korean, then English) to the attendee and the person who registered."""
    to = _recipients(registration)
    if not to:
        return
    event = registration.event
    context.update(kind=kind, registration=registration, event=event,
                   link=absolute(reverse("events:detail", kwargs={"event_id": event.pk})))
    parts = []
    for language in ("ko", "en"):
        with translation.override(language):
            text = render_to_string("events/attendees/mail.txt", context)
        subject, _sep, body = text.strip().partition("\n")
        parts.append((subject.strip(), body.strip()))
    message = EmailMessage(
        f"{parts[0][0]} / {parts[1][0]}",
        f"{parts[0][1]}\n\n----------------------------------------\n\n{parts[1][1]}\n",
        settings.DEFAULT_FROM_EMAIL, to)
    queue_email(message, idempotency_key=key, organisation=event.program.operator)


def _set(registration: Registration, *, status: str, via: str = "", position=None,
         now: dt.datetime, action: str, by=None) -> None:
    """Write a registration's new status, audit it, and send the chosen/released signal."""
    before = _fields(registration)
    was_chosen = registration.status == S.CHOSEN
    registration.status, registration.waitlist_position = status, position
    if status == S.CHOSEN:
        registration.chosen_via = via
    elif status != S.WITHDRAWN:
        registration.chosen_via = ""
    registration.decided_at = now if status != S.REGISTERED else None
    registration.save(update_fields=["status", "chosen_via", "waitlist_position", "decided_at",
                                     "updated_at"])
    audit.record(action, registration, before=before, after=_fields(registration),
                 actor=_actor(by))
    if status == S.CHOSEN and not was_chosen:
        signals.registration_chosen.send(sender=Registration, registration=registration)
    elif was_chosen and status != S.CHOSEN:
        signals.registration_released.send(sender=Registration, registration=registration)


# --- registration --------------------------------------------------------------------------


def clean_answers(event: Event, answers: dict, questions=None) -> dict[str, str]:
    """The answers to ``event``'s fit questions, keyed by the question's id as str: text
    (cleaned, at most ``max_chars`` characters) or a choice's index as str. Raises
    ValidationError for a missing required answer, a text over its limit or an unknown choice."""
    questions = list(questions if questions is not None else event.fit_questions.all())
    cleaned: dict[str, str] = {}
    for question in questions:
        key = str(question.pk)
        value = clean_text(str(answers.get(key) or "")).strip()
        if not value:
            if question.required:
                raise ValidationError(_("Answer every required question."), code="required")
            continue
        if question.choices:
            if not (value.isdigit() and int(value) < len(question.choices)):
                raise ValidationError(_("Choose one of the options."), code="choice")
        elif len(value) > question.max_chars:
            raise ValidationError(
                _("An answer is %(count)d characters long; at most %(limit)d are allowed.")
                % {"count": len(value), "limit": question.max_chars}, code="length")
        cleaned[key] = value
    return cleaned


def register(*, event: Event, organisation, by, business_registration_number: str,
             attendee_name: str, attendee_email: str, answers: dict,
             now: dt.datetime | None = None) -> Registration:
    """Register ``organisation`` (a startup) for ``event``; returns the registration.

    Open while ``registration_opens_at <= now < registration_closes_at`` (``now``: the instant
    of this call), for a published event. The number must be a valid Korean business
    registration number (python-stdnum and the National Tax Service check digit,
    ``applications.eligibility.valid_brn``); it is stored canonical. One registration per
    company number and per organisation (database constraints; a concurrent duplicate gives
    the same friendly error). A company that withdrew registers again on its old row while
    registration is open. Raises ValidationError (code ``closed``, ``brn``, ``taken``,
    ``registered`` or an answer's). Audit ``event.registered``; receipt e-mail.
    """
    now = now or timezone.now()
    if not event.registration_is_open(now):
        raise ValidationError(_("Registration for this event is closed."), code="closed")
    if not valid_brn(business_registration_number or ""):
        raise ValidationError(_("Enter a valid business registration number (10 digits)."),
                              code="brn")
    number = canonical_brn(business_registration_number)
    answers = clean_answers(event, answers)
    name = clean_text(attendee_name or "").strip()
    if not name or not attendee_email:
        raise ValidationError(_("Name the person who will attend."), code="attendee")
    try:
        with transaction.atomic():
            _lock(event.pk)
            own = Registration.objects.select_for_update().filter(
                event=event, organisation=organisation).first()
            if own is not None and own.status != S.WITHDRAWN:
                raise ValidationError(_("Your company has already registered for this event."),
                                      code="registered")
            holder = Registration.objects.filter(
                event=event, business_registration_number=number).exclude(
                organisation=organisation).exists()
            if holder:
                raise ValidationError(_number_taken(), code="taken")
            fields = {"business_registration_number": number, "registered_by": by,
                      "attendee_name": name, "attendee_email": attendee_email,
                      "answers": answers, "status": S.REGISTERED, "chosen_via": "",
                      "decided_at": None, "waitlist_position": None}
            if own is None:
                registration = Registration.objects.create(event=event,
                                                           organisation=organisation, **fields)
            else:
                for field, value in fields.items():
                    setattr(own, field, value)
                own.save()
                registration = own
            registration.event = event
            audit.record("event.registered", registration,
                         after=audit.snapshot(registration, [
                             "organisation", "business_registration_number", "status"]),
                         actor=by)
            _notify("registered", registration,
                    f"events:registered:{registration.pk}:{int(now.timestamp())}")
    except IntegrityError as error:  # a concurrent registration won the race
        if Registration.objects.filter(event=event, organisation=organisation).exists():
            raise ValidationError(_("Your company has already registered for this event."),
                                  code="registered") from error
        raise ValidationError(_number_taken(), code="taken") from error
    return registration


def withdraw(*, registration: Registration, by, now: dt.datetime | None = None) -> Registration:
    """The startup withdraws before the event starts. A chosen registration frees its place
    (offered to the waitlist: :func:`offer_next`); a pending offer is declined. Refused
    (ValidationError) for a registration already decided against, after the event started,
    or for an entrant of a committed lottery not drawn yet. Audit
    ``event.registration_withdrawn``; e-mail."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(registration.event_id)
        registration = Registration.objects.select_related("registered_by").get(
            pk=registration.pk)
        registration.event = event
        if now >= event.starts_at or registration.status not in (S.REGISTERED, S.CHOSEN,
                                                                 S.WAITLISTED):
            raise ValidationError(_("This registration can no longer be withdrawn."),
                                  code="not_withdrawable")
        draw = EventLottery.objects.filter(event=event).first()
        if registration.status == S.REGISTERED and draw is not None and not draw.is_drawn:
            raise ValidationError(
                _("The lottery is committed with your registration as an entrant: you can "
                  "withdraw once it is drawn."), code="committed")
        for offer in WaitlistOffer.objects.filter(registration=registration, status=PENDING):
            offer.registration = registration
            _answer(offer, WaitlistOffer.Status.DECLINED, by, now)
        _set(registration, status=S.WITHDRAWN, via=registration.chosen_via, now=now,
             action="event.registration_withdrawn", by=by)
        _notify("withdrawn", registration, f"events:withdrawn:{registration.pk}")
        offer_next(event, by, now=now)
    return registration


# --- the fit review ------------------------------------------------------------------------


def review(*, registration: Registration, by, score: int | None, shortlisted: bool) -> FitReview:
    """``by``'s mark on ``registration``: ``score`` 1–5 or None, and the shortlist. Refused
    (ValidationError) once the review is confirmed or the lottery committed, or when the
    registration is no longer registered. Audit ``event.fit_reviewed``."""
    if score is not None and not 1 <= score <= 5:
        raise ValidationError(_("A fit score is from 1 to 5."), code="score")
    with transaction.atomic():
        event = _lock(registration.event_id)
        registration = Registration.objects.get(pk=registration.pk)
        registration.event = event
        if (event.review_confirmed_at is not None
                or EventLottery.objects.filter(event=event).exists()):
            raise ValidationError(_("The fit review is closed."), code="closed")
        if registration.status != S.REGISTERED:
            raise ValidationError(_("This registration is already decided."), code="decided")
        row = FitReview.objects.filter(registration=registration, reviewer=by).first()
        before = audit.snapshot(row, ["score", "shortlisted"]) if row else None
        if row is None:
            row = FitReview(registration=registration, reviewer=by)
        row.score, row.shortlisted = score, bool(shortlisted)
        row.save()
        audit.record("event.fit_reviewed", row, before=before,
                     after=audit.snapshot(row, ["registration", "score", "shortlisted"]),
                     actor=by)
    return row


@dataclass
class Ranked:
    """One registration in the fit review's order: how many reviewers shortlisted it, its
    mean score (None without scores; rounded to 2 places), and whether the review chooses it."""

    registration: Registration
    shortlists: int
    mean: Decimal | None
    scores: int
    chosen: bool = False
    tied_at_line: bool = False

    @property
    def key(self) -> tuple:
        return (self.shortlists, self.mean if self.mean is not None else Decimal(-1))


@dataclass
class ReviewRanking:
    rows: list[Ranked]
    places: int
    chosen: int
    tied: int  # registrations tied at the line, left to the lottery


def review_ranking(event: Event) -> ReviewRanking:
    """The registered (undecided) registrations in the fit review's order: most shortlists
    first, then the highest mean score, then registration time (for display only). The first
    ``event.review_places`` are chosen — except registrations no reviewer marked (no
    shortlist, no score), which are never chosen by the review, and a group tied on
    (shortlists, mean score) across the line: the review does not split a tie, so the tied
    group and the places it leaves go to the lottery. Two queries."""
    rows = [Ranked(r, r.n_shortlists, r.mean_score and Decimal(r.mean_score).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP), r.n_scores)
        for r in Registration.objects.filter(event=event, status=S.REGISTERED).annotate(
            n_shortlists=Count("fit_reviews", filter=Q(fit_reviews__shortlisted=True)),
            n_scores=Count("fit_reviews__score"),
            mean_score=Avg("fit_reviews__score")).select_related("organisation")
        .order_by("created_at", "pk")]
    rows.sort(key=lambda row: row.key, reverse=True)  # stable: earlier registrations first
    places = event.review_places
    marked = [row for row in rows if row.shortlists or row.scores]
    chosen = 0
    tied = 0
    if places and marked:
        take = marked[:places]
        if len(marked) > places and marked[places].key == marked[places - 1].key:
            line = marked[places - 1].key
            take = [row for row in take if row.key != line]
            for row in marked:
                if row.key == line:
                    row.tied_at_line = True
                    tied += 1
        for row in take:
            row.chosen = True
        chosen = len(take)
    return ReviewRanking(rows=rows, places=places, chosen=chosen, tied=tied)


def confirm_review(*, event: Event, by, now: dt.datetime | None = None) -> list[Registration]:
    """Confirm the fit review's choice (:func:`review_ranking`): those registrations become
    CHOSEN via REVIEW. Only after registration closed, once, before the lottery. Returns the
    chosen. Audit ``event.review_confirmed`` and ``event.registration_chosen`` each; e-mails."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event.pk)
        if event.status != Event.Status.PUBLISHED or now < event.registration_closes_at:
            raise ValidationError(_("The fit review is confirmed after registration closes."),
                                  code="open")
        if event.review_confirmed_at is not None or EventLottery.objects.filter(
                event=event).exists():
            raise ValidationError(_("The fit review is already confirmed."), code="done")
        ranking = review_ranking(event)
        chosen = [row.registration for row in ranking.rows if row.chosen]
        for registration in chosen:
            registration.event = event
            _set(registration, status=S.CHOSEN, via=Registration.Via.REVIEW, now=now,
                 action="event.registration_chosen", by=by)
            _notify("chosen", registration, f"events:chosen:{registration.pk}")
        Event.objects.filter(pk=event.pk).update(review_confirmed_at=now)
        event.review_confirmed_at = now
        audit.record("event.review_confirmed", event, after={
            "chosen": [r.code for r in chosen], "tied_at_line": ranking.tied}, actor=by)
    return chosen


# --- the lottery ---------------------------------------------------------------------------


def lottery_places(event: Event) -> int:
    """Places left for the lottery: the capacity less the registrations already chosen."""
    return max(0, event.capacity - event.registrations.filter(status=S.CHOSEN).count())


def commit_lottery(*, event: Event, by, now: dt.datetime | None = None) -> EventLottery:
    """Commit the lottery: a fresh secret seed; its SHA-256, the entrants (the codes of every
    registration still registered, sorted) and the places (:func:`lottery_places`) are
    published at once. After registration closed and the fit review is confirmed (or has no
    places); once. Audit ``event.lottery_committed``."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event.pk)
        if event.status != Event.Status.PUBLISHED or now < event.registration_closes_at:
            raise ValidationError(_("The lottery is committed after registration closes."),
                                  code="open")
        if event.review_places and event.review_confirmed_at is None:
            raise ValidationError(_("Confirm the fit review first."), code="review")
        if EventLottery.objects.filter(event=event).exists():
            raise ValidationError(_("The lottery is already committed."), code="done")
        entrants = sorted(r.code for r in Registration.objects.filter(
            event=event, status=S.REGISTERED).only("pk"))
        if not entrants:
            raise ValidationError(_("No registrations are left for the lottery."),
                                  code="empty")
        seed = engine.new_seed()
        draw = EventLottery.objects.create(
            event=event, entrants=entrants, places=lottery_places(event),
            seed_sha256=engine.commitment(seed), seed=seed, committed_by=by, committed_at=now)
        audit.record("event.lottery_committed", draw, after={
            "entrants": entrants, "places": draw.places, "seed_sha256": draw.seed_sha256,
            "committed_at": now.isoformat(),
            "draw_not_before": earliest_draw_at(draw).isoformat()},
            actor=by)
    return draw


def earliest_draw_at(draw: EventLottery) -> dt.datetime:
    """The first instant the committed lottery may be drawn: ``committed_at + DRAW_DELAY``
    (aware UTC datetime)."""
    return draw.committed_at + DRAW_DELAY


def _by_code(event: Event, codes) -> dict[str, Registration]:
    ids = [int(code.removeprefix("R-")) for code in codes]
    return {r.code: r for r in Registration.objects.filter(event=event, pk__in=ids)
            .select_related("registered_by")}


def draw_lottery(*, event: Event, by, now: dt.datetime | None = None) -> EventLottery:
    """Draw the committed lottery; the seed becomes public. In ``engine.lottery.order``: the
    first ``places`` become CHOSEN via LOTTERY, the next ``event.waitlist_length`` WAITLISTED
    (positions 1, 2, …), the rest NOT_CHOSEN. Idempotent (a second call returns the draw).
    Refused (ValidationError, code ``too_early``) before :func:`earliest_draw_at`. Audit ``event.lottery_drawn``; an e-mail to each entrant."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event.pk)
        draw = EventLottery.objects.select_for_update().filter(event=event).first()
        if draw is None:
            raise ValidationError(_("Commit the lottery first."), code="not_committed")
        if draw.is_drawn:
            return draw
        if now < earliest_draw_at(draw):
            raise ValidationError(
                _("The lottery can be drawn from %(when)s: the seed's fingerprint stays public "
                  "for %(minutes)d minutes after the commit, so that anyone can record it.")
                % {"when": format_datetime(earliest_draw_at(draw)),
                   "minutes": int(DRAW_DELAY.total_seconds() // 60)},
                code="too_early")
        drawn = engine.order(draw.seed, draw.entrants)
        draw.winners = drawn[:draw.places]
        draw.drawn_at = now
        draw.save(update_fields=["winners", "drawn_at", "updated_at"])
        audit.record("event.lottery_drawn", draw,
                     after={"seed": draw.seed, "winners": draw.winners}, actor=by)
        registrations = _by_code(event, drawn)
        waiting = 0
        for index, code in enumerate(drawn):
            registration = registrations[code]
            registration.event = event
            if registration.status != S.REGISTERED:  # cannot happen: withdrawal is refused
                continue
            if index < draw.places:
                _set(registration, status=S.CHOSEN, via=Registration.Via.LOTTERY, now=now,
                     action="event.registration_chosen", by=by)
                kind = "chosen"
            elif waiting < event.waitlist_length:
                waiting += 1
                _set(registration, status=S.WAITLISTED, position=waiting, now=now,
                     action="event.registration_waitlisted", by=by)
                kind = "waitlisted"
            else:
                _set(registration, status=S.NOT_CHOSEN, now=now,
                     action="event.registration_not_chosen", by=by)
                kind = "not_chosen"
            _notify(kind, registration, f"events:{kind}:{registration.pk}")
    return draw


def published_lottery(draw: EventLottery) -> dict:
    """The JSON the public page gives, what ``kbridge-lottery --entrants-file`` reads: the
    seed and the winners only once drawn."""
    return {"entrants": draw.entrants, "places": draw.places,
            "seed_sha256": draw.seed_sha256,
            "seed": draw.seed if draw.is_drawn else None,
            "winners": draw.winners if draw.is_drawn else None,
            "committed_at": draw.committed_at.isoformat(),
            "draw_not_before": earliest_draw_at(draw).isoformat(),
            "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None}


# --- the waitlist ----------------------------------------------------------------------------


def offer_next(event: Event, by=None, *, now: dt.datetime | None = None) -> WaitlistOffer | None:
    """Offer a free place to the first waitlisted registration without a pending offer
    (lowest position). A place is free when the chosen and the pending offers are fewer than
    the capacity. The answer is due ``event.waitlist_offer_hours`` hours from ``now``; the
    expiry task is queued for that instant. Returns the offer or None. Call inside the
    event's lock (the functions here do). Audit ``event.offer_made``; e-mail."""
    from kbridge.events.tasks_attendees import expire_event_offers

    now = now or timezone.now()
    with transaction.atomic():
        event = _lock(event.pk)
        if now >= event.starts_at:
            return None
        taken = Registration.objects.filter(event=event, status=S.CHOSEN).count()
        pending = WaitlistOffer.objects.filter(registration__event=event,
                                               status=PENDING).count()
        if taken + pending >= event.capacity:
            return None
        registration = (Registration.objects.filter(event=event, status=S.WAITLISTED)
                        .exclude(offers__status=PENDING).select_related("registered_by")
                        .order_by("waitlist_position", "pk").first())
        if registration is None:
            return None
        registration.event = event
        offer = WaitlistOffer.objects.create(
            registration=registration,
            respond_by=min(now + dt.timedelta(hours=event.waitlist_offer_hours),
                           event.starts_at))
        audit.record("event.offer_made", offer,
                     after=audit.snapshot(offer, ["registration", "status", "respond_by"]),
                     actor=_actor(by))
        _notify("offer", registration, f"events:offer:{offer.pk}", offer=offer)
        expire_event_offers.using(run_after=offer.respond_by).enqueue()
    return offer


def _open_offer(offer: WaitlistOffer, now: dt.datetime) -> tuple[Event, WaitlistOffer]:
    event = _lock(offer.registration.event_id)
    offer = WaitlistOffer.objects.select_related("registration__registered_by").get(
        pk=offer.pk)
    offer.registration.event = event
    if offer.status != PENDING:
        raise ValidationError(_("This offer has already been answered or has expired."),
                              code="not_pending")
    if now >= offer.respond_by:
        raise ValidationError(_("The time to answer this offer has passed."), code="expired")
    return event, offer


def _answer(offer: WaitlistOffer, status: str, by, now: dt.datetime) -> None:
    before = audit.snapshot(offer, ["status", "responded_at"])
    offer.status, offer.responded_at, offer.responded_by = status, now, _actor(by)
    offer.save(update_fields=["status", "responded_at", "responded_by", "updated_at"])
    audit.record(f"event.offer_{status}", offer, before=before,
                 after=audit.snapshot(offer, ["status", "responded_at"]), actor=_actor(by))


def accept_offer(*, offer: WaitlistOffer, by, now: dt.datetime | None = None) -> Registration:
    """The startup accepts the offered place before ``respond_by``: CHOSEN via WAITLIST.
    Raises ValidationError when the offer is answered, expired or past due. E-mail."""
    now = now or timezone.now()
    with transaction.atomic():
        event, offer = _open_offer(offer, now)
        _answer(offer, WaitlistOffer.Status.ACCEPTED, by, now)
        registration = offer.registration
        _set(registration, status=S.CHOSEN, via=Registration.Via.WAITLIST, now=now,
             action="event.registration_chosen", by=by)
        _notify("chosen", registration, f"events:chosen:{registration.pk}:{offer.pk}")
    return registration


def decline_offer(*, offer: WaitlistOffer, by, now: dt.datetime | None = None
                  ) -> WaitlistOffer | None:
    """The startup declines the offered place: it leaves the waitlist (WITHDRAWN) and the
    place is offered on. Returns the next offer or None. Raises as :func:`accept_offer`."""
    now = now or timezone.now()
    with transaction.atomic():
        event, offer = _open_offer(offer, now)
        _answer(offer, WaitlistOffer.Status.DECLINED, by, now)
        _set(offer.registration, status=S.WITHDRAWN, now=now,
             action="event.registration_withdrawn", by=by)
        _notify("declined", offer.registration, f"events:declined:{offer.pk}")
        return offer_next(event, by, now=now)


def expire_offers(now: dt.datetime | None = None) -> int:
    """Expire every pending offer whose ``respond_by`` is at or before ``now``: the
    registration is NOT_CHOSEN and the place is offered on. Idempotent; returns how many
    expired. Audit ``event.offer_expired`` (no actor); e-mail."""
    now = now or timezone.now()
    expired = 0
    due = list(WaitlistOffer.objects.filter(status=PENDING, respond_by__lte=now)
               .order_by("respond_by", "pk").values_list("pk", "registration__event_id"))
    for offer_id, event_id in due:
        with transaction.atomic():
            event = _lock(event_id)
            offer = (WaitlistOffer.objects.select_related("registration__registered_by")
                     .filter(pk=offer_id, status=PENDING, respond_by__lte=now).first())
            if offer is None:  # answered meanwhile
                continue
            offer.registration.event = event
            _answer(offer, WaitlistOffer.Status.EXPIRED, None, now)
            _set(offer.registration, status=S.NOT_CHOSEN, now=now,
                 action="event.registration_not_chosen")
            _notify("expired", offer.registration, f"events:expired:{offer.pk}")
            expired += 1
            offer_next(event, None, now=now)
    return expired


def pending_offers_exist() -> bool:
    return WaitlistOffer.objects.filter(status=PENDING).exists()
