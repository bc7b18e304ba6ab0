"""The events area of the API (scope ``events``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person.

=========================================================  ====================================
operation                                                  who (the web's permission)
=========================================================  ====================================
``GET /events``, ``GET /events/{id}``                      everyone, as the public event pages
                                                           (``events.view_event``)
``GET /event-registrations``                               a startup's people: their company's
                                                           registrations ("My events")
``POST`` / ``DELETE /events/{id}/registration``            the startup's representative:
                                                           register, withdraw (the same
                                                           services, form and rules as the web)
``GET`` / ``POST /events/{id}/questions``                  attendees (and the event's staff,
                                                           reading): the live Q&A as the
                                                           audience sees it; ask
``PUT`` / ``DELETE /events/{id}/questions/{q}/vote``       attendees: vote, take the vote back
``GET /events/{id}/meetings``                              attendee startups and the host's
                                                           staff: their own 1:1 meetings
``GET /events/{id}/meetings/console``                      the event's staff: every meeting,
                                                           as the meetings console shows it
=========================================================  ====================================
"""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.api.auth import PublicAccess, TokenAuth
from kbridge.api.errors import ApiError, details_of, invalid, not_found
from kbridge.api.schemas import Label, Mapped, Pagination, bilingual, label
from kbridge.core import throttle
from kbridge.events import selectors
from kbridge.events import selectors_attendees as attendee_reads
from kbridge.events import selectors_meetings as meeting_reads
from kbridge.events import selectors_qna as qna_reads
from kbridge.events.forms_attendees import RegistrationForm, answer_field
from kbridge.events.forms_qna import AskForm
from kbridge.events.models import (
    AgendaItem,
    Event,
    MeetingOutcome,
    MeetingRequest,
    Question,
    Registration,
    WaitlistOffer,
)
from kbridge.events.services import attendees as attendee_services
from kbridge.events.services import meetings as meeting_services
from kbridge.events.services import qna as qna_services

router = Router(auth=TokenAuth("events"), tags=["events"])
#: Public reads: a token is optional (as for the calls).
PUBLIC_AUTH = [TokenAuth("events"), PublicAccess()]
PUBLIC = {"security": [{}]}  # appended to the TokenAuth requirement

#: Refusals of ``services.attendees.register`` that are about the state of things now (409:
#: closed, already registered, the number registered by another company), not the input.
STATE_CODES = {"closed", "registered", "taken"}


# --- schemas ----------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    program_id: int
    program: str
    host: str | None
    title: str
    title_ko: str
    title_en: str
    summary: str
    summary_ko: str
    summary_en: str
    status: Label
    starts_at: datetime
    ends_at: datetime
    venue: str
    venue_ko: str
    venue_en: str
    address: str
    capacity: int
    review_places: int
    lottery_places: int
    registration_opens_at: datetime
    registration_closes_at: datetime
    registration_open: bool


class SpeakerOut(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str
    role: str
    role_ko: str
    role_en: str


class AgendaItemOut(Schema):
    starts_at: datetime
    ends_at: datetime
    title: str
    title_ko: str
    title_en: str
    speaker_id: int | None


class OfferOut(Schema):
    respond_by: datetime


class RegistrationOut(Schema):
    id: int
    code: str
    event_id: int
    event: str
    event_starts_at: datetime
    organisation_id: int
    organisation: str
    status: Label
    chosen_via: Label | None
    waitlist_position: int | None
    pending_offer: OfferOut | None
    created_at: datetime
    decided_at: datetime | None


class FitQuestionOut(Schema):
    id: int
    text: str
    text_ko: str
    text_en: str
    choices: list[str] = Field(description="A choice question's options in the request's "
                                           "language (answer with the option as listed, in "
                                           "either language, or its index as a string); "
                                           "empty for a free-text question.")
    required: bool
    max_chars: int


class EventDetailOut(EventOut):
    speakers: list[SpeakerOut]
    agenda: list[AgendaItemOut]
    fit_questions: list[FitQuestionOut] = Field(
        description="The registration form's questions: what ``answers`` of "
                    "``POST /events/{id}/registration`` maps by question id.")
    my_registration: RegistrationOut | None
    may_register: bool = Field(description="The token's person may register their startup "
                                           "now (as the page's register button).")
    may_withdraw: bool = Field(description="The token's person may withdraw "
                                           "``my_registration`` now.")


class EventFilter(Schema):
    when: Literal["upcoming", "past"] | None = None


class RegistrationFilter(Schema):
    status: Literal[tuple(Registration.Status.values)] | None = None  # type: ignore[valid-type]


class RegistrationIn(Schema):
    business_registration_number: str = Field(
        "", max_length=40,
        description="Ignored when the startup's profile has a number (that one is used).")
    attendee_name: str | None = Field(None, max_length=500,
                                      description="Default: the token's person.")
    attendee_email: str | None = Field(None, max_length=500,
                                       description="Default: the token's person's address.")
    answers: dict[str, str] = Field(
        default_factory=dict,
        description="The fit questions' answers by question id: text, or a choice (as listed "
                    "or its index).")


class QuestionOut(Schema):
    id: int
    text: str
    anonymous: bool
    author: str | None = Field(description="None for an anonymous question.")
    mine: bool
    status: Label
    highlighted: bool = Field(description="Being answered now (only while the Q&A is open).")
    answer: str
    answered_at: datetime | None
    created_at: datetime
    votes: int
    voted: bool
    may_vote: bool


class QuestionIn(Schema):
    text: str = Field(max_length=5000)
    anonymous: bool = False


class VoteOut(Schema):
    question_id: int = Field(description="The question the vote counts for (a merge target "
                                         "when the question was merged).")
    voted: bool
    votes: int


class PlacementOut(Schema):
    starts_at: datetime
    ends_at: datetime
    table: int


class OutcomeOut(Schema):
    result: Label
    note: str


class MeetingOut(Schema):
    id: int
    status: Label
    direction: Label
    incoming: bool = Field(description="The other side asked.")
    startup_id: int
    startup: str
    person_id: int
    person: str
    with_whom: str
    message: str
    must_meet: bool
    placement: PlacementOut | None
    my_outcome: OutcomeOut | None
    created_at: datetime


class ConsoleMeetingOut(Schema):
    id: int
    status: Label
    startup_id: int
    startup: str
    person_id: int
    person: str
    must_meet: bool
    placement: PlacementOut | None


# --- helpers ----------------------------------------------------------------------------------


def _event_queryset():
    return Event.objects.select_related("program", "host__organisation")


def _event_for(request, perm: str, event_id: int, queryset=None) -> Event:
    queryset = queryset if queryset is not None else _event_queryset()
    event = queryset.filter(pk=event_id).first()
    if event is None or not request.user.has_perm(perm, event):
        raise not_found()
    return event


def _event(event: Event, now) -> dict:
    return {
        "id": event.pk, "program_id": event.program_id, "program": str(event.program),
        "host": str(event.host.organisation) if event.host_id else None,
        **bilingual(event, "title"), **bilingual(event, "summary"),
        "status": label(event.status, event.get_status_display()),
        "starts_at": event.starts_at, "ends_at": event.ends_at, **bilingual(event, "venue"),
        "address": event.address, "capacity": event.capacity,
        "review_places": event.review_places, "lottery_places": event.lottery_places,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
        "registration_open": event.registration_is_open(now),
    }


def _registration(registration: Registration, offer: WaitlistOffer | None = None) -> dict:
    event = registration.event
    return {
        "id": registration.pk, "code": registration.code, "event_id": registration.event_id,
        "event": str(event), "event_starts_at": event.starts_at,
        "organisation_id": registration.organisation_id,
        "organisation": str(registration.organisation),
        "status": label(registration.status, registration.get_status_display()),
        "chosen_via": label(registration.chosen_via, registration.get_chosen_via_display())
        if registration.chosen_via else None,
        "waitlist_position": registration.waitlist_position,
        "pending_offer": {"respond_by": offer.respond_by} if offer else None,
        "created_at": registration.created_at, "decided_at": registration.decided_at,
    }


def _mine(registration: Registration) -> dict:
    offers = getattr(registration, "pending_offers", [])
    return _registration(registration, offers[0] if offers else None)


def _refused(error: ValidationError) -> ApiError:
    """A service's refusal: 409 when it is about the state of things now, else 422."""
    codes = set() if hasattr(error, "error_dict") else {e.code for e in error.error_list}
    if codes & STATE_CODES:
        return ApiError(409, "conflict", " ".join(error.messages))
    return invalid(details_of({"": error.messages}), _("The request was refused."))


def _form_invalid(form, rename=None) -> ApiError:
    return invalid(details_of(form, rename))


def _throttled(scope: str, user) -> None:
    verdict = throttle.hit(scope, str(user.pk))
    if not verdict.allowed:
        raise ApiError(429, "rate_limited", str(verdict.message),
                       headers={"Retry-After": str(verdict.retry_after)})


# --- events -----------------------------------------------------------------------------------


@router.get("/events", response=list[EventOut], auth=PUBLIC_AUTH, openapi_extra=PUBLIC,
            summary="Published events (as the public events page)")
@paginate(Pagination)
def list_events(request, filters: Query[EventFilter]):
    now = timezone.now()
    events = selectors.public_events()
    if filters.when == "upcoming":
        events = events.filter(ends_at__gte=now).order_by("starts_at", "id")
    elif filters.when == "past":
        events = events.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    else:
        events = events.order_by("-starts_at", "-id")
    return Mapped(events, lambda event: _event(event, now))


def _fit_question(question) -> dict:
    english = translation.get_language() == "en"
    return {"id": question.pk, **bilingual(question, "text"),
            "choices": [(c.get("en") or c.get("ko", "")) if english
                        else (c.get("ko") or c.get("en", "")) for c in question.choices or []],
            "required": question.required, "max_chars": question.max_chars}


@router.get("/events/{event_id}", response=EventDetailOut, auth=PUBLIC_AUTH,
            openapi_extra=PUBLIC,
            summary="One event with speakers, agenda and registration questions (as its page)")
def get_event(request, event_id: int):
    event = _event_for(request, "events.view_event", event_id)
    own = selectors.registration_of(request.user, event)
    if own is not None:
        own.event = event
    offer = attendee_reads.pending_offer(own)
    user = request.user
    acts = own is not None and user.has_perm("events.act_for_registration", own)
    agenda: list[AgendaItem] = list(event.agenda.all())
    return {**_event(event, timezone.now()),
            "speakers": [{"id": s.pk, **bilingual(s, "name"), **bilingual(s, "role")}
                         for s in event.speakers.all()],
            "agenda": [{"starts_at": a.starts_at, "ends_at": a.ends_at, **bilingual(a, "title"),
                        "speaker_id": a.speaker_id} for a in agenda],
            "fit_questions": [_fit_question(q) for q in event.fit_questions.all()],
            "my_registration": _registration(own, offer) if own is not None else None,
            "may_register": (own is None or own.status == Registration.Status.WITHDRAWN)
            and user.has_perm("events.register", event),
            "may_withdraw": acts and user.has_perm("events.withdraw_registration", own)}


# --- registrations ----------------------------------------------------------------------------


@router.get("/event-registrations", response=list[RegistrationOut],
            summary="The registrations of the token's startups (My events)")
@paginate(Pagination)
def list_my_registrations(request, filters: Query[RegistrationFilter]):
    if not request.user.has_perm("events.view_my_registrations"):
        raise not_found()
    rows = attendee_reads.my_registrations(request.user)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return Mapped(rows, _mine)


def _representative_org(user) -> Organisation | None:
    ids = organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE)
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first()


def _answers_field(name: str) -> str:
    return "answers." + name.removeprefix("answer_") if name.startswith("answer_") else name


def _choice_index(question, answer: str) -> str:
    """A choice question's answer as the form takes it (the option's index): the index, or
    the option as ``GET /events/{id}`` lists it, in Korean or English (a tester answered with
    the listed text and was refused)."""
    for index, option in enumerate(question.choices or []):
        if isinstance(option, dict) and answer.strip() and answer.strip() in (
                option.get("ko"), option.get("en")):
            return str(index)
    return answer


@router.post("/events/{event_id}/registration", response={201: RegistrationOut},
             summary="Register the token's startup (its representative), as the web form")
def register(request, event_id: int, payload: RegistrationIn):
    event = _event_for(request, "events.reach_registration", event_id)
    user = request.user
    organisation = _representative_org(user)
    existing = Registration.objects.filter(event=event, organisation=organisation).first()
    if existing is not None and existing.status != Registration.Status.WITHDRAWN:
        raise ApiError(409, "conflict",
                       _("Your company has already registered for this event."))
    profile = getattr(organisation, "profile", None)
    fixed = profile.business_registration_number if profile is not None else ""
    questions = list(event.fit_questions.all())
    known = {str(question.pk) for question in questions}
    unknown = [key for key in payload.answers if key not in known]
    if unknown:  # as a draft's answers: an id of another event's question is a mistake
        raise invalid([{"field": f"answers.{key}"[:100],
                        "message": _("No such question in this event's registration form.")}
                       for key in unknown[:20]])
    data = {"business_registration_number": payload.business_registration_number,
            "attendee_name": user.full_name if payload.attendee_name is None
            else payload.attendee_name,
            "attendee_email": user.email if payload.attendee_email is None
            else payload.attendee_email}
    for question in questions:
        data[answer_field(question)] = _choice_index(question,
                                                     payload.answers.get(str(question.pk), ""))
    form = RegistrationForm(data, questions=questions, fixed_brn=fixed)
    if not form.is_valid():
        raise _form_invalid(form, _answers_field)
    try:
        registration = attendee_services.register(
            event=event, organisation=organisation, by=user,
            business_registration_number=form.cleaned_data["business_registration_number"],
            attendee_name=form.cleaned_data["attendee_name"],
            attendee_email=form.cleaned_data["attendee_email"], answers=form.answers())
    except ValidationError as error:
        raise _refused(error) from error
    registration = Registration.objects.select_related("event", "organisation").get(
        pk=registration.pk)
    return Status(201, _registration(registration))


@router.delete("/events/{event_id}/registration", response=RegistrationOut,
               summary="Withdraw the token's startup's registration (its representative)")
def withdraw(request, event_id: int):
    event = _event_for(request, "events.view_event", event_id)
    registration = selectors.registration_of(request.user, event)
    if registration is None or not request.user.has_perm("events.act_for_registration",
                                                         registration):
        raise not_found()
    registration.event = event
    try:
        attendee_services.withdraw(registration=registration, by=request.user)
    except ValidationError as error:
        raise ApiError(409, "conflict", " ".join(error.messages)) from error
    registration = Registration.objects.select_related("event", "organisation").get(
        pk=registration.pk)
    return _registration(registration, attendee_reads.pending_offer(registration))


# --- live Q&A ---------------------------------------------------------------------------------


def _qna_event(request, event_id: int) -> tuple[Event, bool]:
    """The event and whether the user may ask and vote; 404 unless they may read the live
    page (as ``views.qna._live_event``)."""
    event = Event.objects.select_related("program", "host__organisation",
                                         "qna_settings").filter(pk=event_id).first()
    if event is None:
        raise not_found()
    may_ask = request.user.has_perm("events.ask_question", event)
    if not (may_ask or request.user.has_perm("events.view_qna", event)):
        raise not_found()
    return event, may_ask


def _question(question: Question, user, *, may_ask: bool, open_: bool) -> dict:
    mine = question.author_id == user.pk
    return {
        "id": question.pk, "text": question.text, "anonymous": question.anonymous,
        "author": None if question.anonymous else (question.author.full_name
                                                   or _("An attendee")),
        "mine": mine, "status": label(question.status, question.get_status_display()),
        "highlighted": question.highlighted and open_, "answer": question.answer,
        "answered_at": question.answered_at, "created_at": question.created_at,
        "votes": question.vote_count, "voted": bool(getattr(question, "voted", False)),
        "may_vote": may_ask and question.status == Question.Status.APPROVED and not mine,
    }


@router.get("/events/{event_id}/questions", response=list[QuestionOut],
            summary="The live Q&A's questions as the audience sees them, best first")
@paginate(Pagination)
def list_questions(request, event_id: int):
    event, may_ask = _qna_event(request, event_id)
    open_ = qna_reads.settings_of(event).open
    user = request.user
    return Mapped(qna_reads.audience_queryset(event, user),
                  lambda q: _question(q, user, may_ask=may_ask, open_=open_))


@router.post("/events/{event_id}/questions", response={201: QuestionOut},
             summary="Ask a question (attendees, while the Q&A is open)")
def ask_question(request, event_id: int, payload: QuestionIn):
    event = _event_for(request, "events.ask_question", event_id, Event.objects.select_related(
        "program", "host__organisation", "qna_settings"))
    form = AskForm({"text": payload.text, "anonymous": payload.anonymous})
    if not form.is_valid():
        raise _form_invalid(form)
    _throttled("qna-question", request.user)
    try:
        question = qna_services.post_question(event=event, author=request.user,
                                              **form.cleaned_data)
    except ValidationError as error:
        raise invalid(details_of({"text": error.messages})) from error
    question = qna_reads.audience_queryset(event, request.user).get(pk=question.pk)
    return Status(201, _question(question, request.user, may_ask=True,
                                 open_=qna_reads.settings_of(event).open))


def _vote(request, event_id: int, question_id: int, change) -> dict:
    event = _event_for(request, "events.ask_question", event_id, Event.objects.select_related(
        "program", "host__organisation", "qna_settings"))
    if not 0 < question_id < 2**63:
        raise not_found()  # the service's locking query takes a database integer
    _throttled("qna-vote", request.user)
    try:
        result = change(event=event, question_id=question_id, voter=request.user)
    except ValidationError as error:
        if not Question.objects.filter(pk=question_id, event=event).exists():
            raise not_found() from error
        raise ApiError(409, "conflict", " ".join(error.messages)) from error
    return {"question_id": result.question_id, "voted": result.voted, "votes": result.votes}


@router.put("/events/{event_id}/questions/{question_id}/vote", response=VoteOut,
            summary="Vote for a question (idempotent; not one's own, only shown ones)")
def vote(request, event_id: int, question_id: int):
    return _vote(request, event_id, question_id, qna_services.vote)


@router.delete("/events/{event_id}/questions/{question_id}/vote", response=VoteOut,
               summary="Take one's vote back (idempotent)")
def unvote(request, event_id: int, question_id: int):
    return _vote(request, event_id, question_id, qna_services.unvote)


# --- 1:1 meetings -----------------------------------------------------------------------------


def _placement(meeting: MeetingRequest) -> dict | None:
    placement = getattr(meeting, "placement", None)
    if placement is None:
        return None
    return {"starts_at": placement.starts_at, "ends_at": placement.ends_at,
            "table": placement.table}


def _person(user) -> str:
    return user.full_name or user.email


def _my_meeting(meeting: MeetingRequest, user, event: Event) -> dict:
    meeting.event = event
    side = meeting_services.side_of(user, meeting)
    mine = next((o for o in meeting.outcomes.all() if o.side == side), None)
    return {
        "id": meeting.pk, "status": label(meeting.status, meeting.get_status_display()),
        "direction": label(meeting.direction, meeting.get_direction_display()),
        "incoming": meeting.direction != side,
        "startup_id": meeting.startup_id, "startup": str(meeting.startup),
        "person_id": meeting.person_id, "person": _person(meeting.person),
        "with_whom": str(meeting.startup) if side == MeetingOutcome.Side.PARTNER
        else _person(meeting.person),
        "message": meeting.message, "must_meet": meeting.must_meet,
        "placement": _placement(meeting),
        "my_outcome": {"result": label(mine.result, mine.get_result_display()),
                       "note": mine.note} if mine else None,
        "created_at": meeting.created_at,
    }


@router.get("/events/{event_id}/meetings", response=list[MeetingOut],
            summary="The token's person's (or startup's) 1:1 meeting requests at the event")
@paginate(Pagination)
def list_my_meetings(request, event_id: int):
    event = _event_for(request, "events.use_meetings", event_id)
    user = request.user
    startup_ids = meeting_reads.my_startup_ids(user, event)
    staff = meeting_reads.is_host_staff(user, event)
    rows = meeting_reads.requests_for(user, event, startup_ids, staff)
    return Mapped(rows, lambda meeting: _my_meeting(meeting, user, event))


def _console_meeting(meeting: MeetingRequest) -> dict:
    return {
        "id": meeting.pk, "status": label(meeting.status, meeting.get_status_display()),
        "startup_id": meeting.startup_id, "startup": str(meeting.startup),
        "person_id": meeting.person_id, "person": _person(meeting.person),
        "must_meet": meeting.must_meet, "placement": _placement(meeting),
    }


@router.get("/events/{event_id}/meetings/console", response=list[ConsoleMeetingOut],
            summary="Every 1:1 meeting request of the event (its staff: the meetings console)")
@paginate(Pagination)
def list_event_meetings(request, event_id: int):
    event = _event_for(request, "events.view_meetings_console", event_id)
    return Mapped(meeting_reads.all_requests(event), _console_meeting)

