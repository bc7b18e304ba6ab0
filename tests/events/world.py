"""A small event for the events tests: "K-Startups meet OpenAI", run by KISED's program and
hosted by OpenAI (partner A), with two fit questions and registrations from startup A and B.

``event_world`` (a fixture in tests/events/conftest.py) builds it; the helpers below let each
part put registrations in the state it needs without going through the others' services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kbridge.events.models import AgendaItem, Event, FitQuestion, Registration, Speaker

#: Valid business registration numbers (NTS check digit) for the test companies.
BRN_A = "220-81-62517"
BRN_B = "559-81-73038"
BRN_C = "258-81-68141"


@dataclass
class EventWorld:
    event: Event
    questions: list[FitQuestion]
    registration_a: Registration  # startup A: chosen (an attendee)
    registration_b: Registration  # startup B: registered, not decided yet
    draft_event: Event  # a draft of the same program: its staff see it, nobody else


def make_event(world, **overrides) -> Event:
    """A published event of ``world.program`` hosted by OpenAI: registration open now (for
    another two days), the event a week from now, 14:00–18:00 KST, 100 places of which 20 are
    chosen by the fit review."""
    now = timezone.now()
    day = timezone.localtime(now + dt.timedelta(days=7)).replace(hour=14, minute=0, second=0,
                                                                 microsecond=0)
    fields = {
        "program": world.program, "host": world.partner_a,
        "title_ko": "K-스타트업, OpenAI를 만나다", "title_en": "K-Startups meet OpenAI",
        "summary_ko": "OpenAI 경영진과 AI 스타트업의 만남", "summary_en": "OpenAI's leaders meet AI startups",
        "status": Event.Status.PUBLISHED, "starts_at": day, "ends_at": day + dt.timedelta(hours=4),
        "venue_ko": "서울 코엑스 그랜드볼룸", "venue_en": "COEX Grand Ballroom, Seoul",
        "capacity": 100, "review_places": 20,
        "registration_opens_at": now - dt.timedelta(days=1),
        "registration_closes_at": now + dt.timedelta(days=2),
    }
    fields.update(overrides)
    return Event.objects.create(**fields)


def register(event: Event, organisation, user, *, brn: str, status=Registration.Status.REGISTERED,
             answers: dict | None = None) -> Registration:
    """A registration written directly (the registration service is tested on its own)."""
    return Registration.objects.create(
        event=event, organisation=organisation, business_registration_number=brn,
        registered_by=user, attendee_name=user.full_name or user.email,
        attendee_email=user.email, answers=answers or {}, status=status,
        chosen_via=Registration.Via.LOTTERY if status == Registration.Status.CHOSEN else "",
        decided_at=timezone.now() if status != Registration.Status.REGISTERED else None)


def build(world, personas) -> EventWorld:
    event = make_event(world)
    speaker = Speaker.objects.create(event=event, name_ko="샘 올트먼", name_en="Sam Altman",
                                     role_ko="OpenAI CEO", role_en="CEO, OpenAI")
    AgendaItem.objects.create(event=event, starts_at=event.starts_at,
                              ends_at=event.starts_at + dt.timedelta(minutes=40),
                              title_ko="기조연설", title_en="Keynote", speaker=speaker)
    AgendaItem.objects.create(event=event, starts_at=event.starts_at + dt.timedelta(hours=1),
                              ends_at=event.starts_at + dt.timedelta(hours=2),
                              title_ko="질의응답", title_en="Live Q&A")
    questions = [
        FitQuestion.objects.create(
            event=event, position=1, text_ko="OpenAI 플랫폼으로 무엇을 만들고 있습니까?",
            text_en="What are you building on OpenAI's platform?"),
        FitQuestion.objects.create(
            event=event, position=2, text_ko="주력 분야", text_en="Main field",
            choices=[{"ko": "AI 반도체", "en": "AI chips"}, {"ko": "AI 응용", "en": "AI apps"}]),
    ]
    registration_a = register(event, personas.startup_a_org, personas.startup_a, brn=BRN_A,
                              status=Registration.Status.CHOSEN,
                              answers={str(questions[0].pk): "NPU 컴파일러", str(questions[1].pk): "0"})
    registration_b = register(event, personas.startup_b_org, personas.startup_b, brn=BRN_B,
                              answers={str(questions[0].pk): "Agents for law firms",
                                       str(questions[1].pk): "1"})
    draft_event = make_event(world, status=Event.Status.DRAFT, title_ko="하반기 밋업 (준비 중)",
                             title_en="Autumn meetup (in preparation)")
    return EventWorld(event, questions, registration_a, registration_b, draft_event)


def matrix_ids(event_world: EventWorld) -> dict[str, int]:
    """The ids tests/test_permissions_matrix.py's URL templates name for events."""
    return {"event": event_world.event.pk, "draft_event": event_world.draft_event.pk,
            "event_registration_a": event_world.registration_a.pk,
            "event_registration_b": event_world.registration_b.pk}
