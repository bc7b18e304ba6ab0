"""Demo events (issue 15): the 2023 "K-Startups meet OpenAI" reconstructed, an event running
today and one taking registrations.

* **2023, K-Startups meet OpenAI** (9 June 2023, 63 Square, Seoul; the seed article): the
  ministry hosted OpenAI's Sam Altman and Greg Brockman and about 100 AI startups, chosen from
  334 applicants by a fit review plus a lottery (PRODUCT.md). Replayed at 2023's dates through
  the services: 334 companies register (one per company number) and answer the fit questions;
  OpenAI's staff review and shortlist; the operator confirms 30 places by the fit review,
  commits the lottery (the seed's hash public) and draws the other 70 (the seed public; the
  page gives the ``kbridge-lottery`` command that reproduces it); 20 wait on the waitlist, one
  chosen company withdraws and the first waitlisted one accepts the offer. Tickets are issued
  to the chosen (e-mail and page) and 96 were checked in at the door.
* **Today, GenAI Startup Day with AWS**: running now, attendees chosen, doors open, so check-in
  and the live Q&A can be tried.
* **In three weeks, K-Startups meet NVIDIA**: registration open; a few companies registered,
  ``startup001`` has not (try it).

Deterministic except the lotteries' secret seeds (fresh each seed, as in production): which
companies a lottery chose is read from the database (:func:`event_logins`).
"""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.applications.models import StartupProfile
from kbridge.core.josa import josa
from kbridge.events.models import CheckIn, Event, Registration, Ticket, WaitlistOffer
from kbridge.events.services import attendees as attendee_services
from kbridge.events.services import events as event_services
from kbridge.events.services import tickets as ticket_services
from kbridge.programs import services as program_services

KST = ZoneInfo("Asia/Seoul")
MEETUP_2023_TITLE = "K-Startups meet OpenAI"
TODAY_TITLE_EN = "GenAI Startup Day with AWS"
UPCOMING_TITLE_EN = "K-Startups meet NVIDIA"

#: What the 2023 registrations say they build (answers to the first fit question).
BUILDS = [
    ("GPT API로 법률 문서 검토 에이전트를 만듭니다.", "A legal document review agent on the GPT API."),
    ("LLM 추론용 NPU를 설계하고 있습니다.", "We design an NPU for LLM inference."),
    ("콜센터 상담을 요약하는 음성 AI 서비스입니다.", "Voice AI that summarises call-centre calls."),
    ("한국어 교육용 AI 튜터 앱을 운영합니다.", "An AI tutor app for Korean learners."),
    ("제조 설비 이상을 탐지하는 AI 플랫폼입니다.", "An AI platform that detects faults in factory equipment."),
    ("의료 영상 판독 보조 AI를 개발합니다.", "AI that assists medical image reading."),
    ("온디바이스 LLM 경량화 엔진을 만듭니다.", "An engine that shrinks LLMs for on-device use."),
    ("쇼핑몰 상품 설명을 생성하는 API 서비스입니다.", "An API that writes product descriptions for online shops."),
]
#: The choice question's options: AI chips, AI platform or application, other deep tech.
FIELDS = [{"ko": "AI 반도체", "en": "AI chips"},
          {"ko": "AI 플랫폼·응용", "en": "AI platform or application"},
          {"ko": "기타 딥테크", "en": "Other deep tech"}]


def _kst(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=KST)


def _questions(event: Event, operator: User, platform: tuple[str, str]) -> None:
    """The event's two fit questions: what the company builds on the host's ``platform``
    (Korean, English) and its main field."""
    event_services.save_fit_questions(event=event, by=operator, questions=[
        {"text_ko": f"{josa(platform[0], '으로')} 무엇을 만들고 있습니까?",
         "text_en": f"What are you building with {platform[1]}?", "choices": [],
         "required": True, "max_chars": 500},
        {"text_ko": "주력 분야", "text_en": "Main field", "choices": FIELDS, "required": True,
         "max_chars": 1000},
    ])


#: Third words of the 2023-only companies' names (the main seed's have two): 랩/Lab …
EXTRAS = [("랩", "Lab"), ("웍스", "Works"), ("테크", "Tech"), ("AI", "AI"), ("다이나믹스", "Dynamics")]


def _extra_startups(count: int, rng: random.Random) -> list[tuple]:
    """``count`` more AI startups (organisation, representative) for the 2023 meetup's 334
    registrations; their representatives sign in as ``meetupNNN@kbridge.demo``."""
    from kbridge.portal.demo import PREFIXES, SECTORS, _brn, _person, _user, sector_phrase

    made = []
    for i in range(count):
        sector = SECTORS[i % len(SECTORS)]
        prefix = PREFIXES[(i // len(SECTORS)) % len(PREFIXES)]
        suffix = sector.suffixes[(i // (len(SECTORS) * len(PREFIXES))) % len(sector.suffixes)]
        extra = EXTRAS[(i // len(SECTORS)) % len(EXTRAS)]
        product_ko, product_en = sector.products[i % len(sector.products)]
        name_ko = f"{prefix[0]}{suffix[0]}{extra[0]}"
        name_en = f"{prefix[1]} {suffix[1]} {extra[1]}"
        org = Organisation.objects.create(
            kind=Organisation.Kind.STARTUP, name_ko=name_ko, name_en=name_en, sector=sector.en,
            keywords=list(rng.sample(sector.keywords, 3)),
            description_ko=(f"{josa(name_ko, '은')} {josa(product_ko, '을')} 개발하는 "
                            f"{sector.ko} 스타트업입니다."),
            description_en=(f"{name_en} is a startup in {sector_phrase(sector.en)} "
                            f"building {product_en}."))
        founder = _user(f"meetup{i + 1:03d}@kbridge.demo", _person(rng))
        Membership.objects.create(user=founder, organisation=org,
                                  role=Membership.Role.STARTUP_REPRESENTATIVE)
        StartupProfile.objects.create(organisation=org, representative=founder,
                                      business_registration_number=_brn(rng))
        made.append((org, founder))
    return made


def _register(event: Event, companies: list[tuple], rng: random.Random,
              start: dt.datetime, span: dt.timedelta) -> list[Registration]:
    """Each company registers once, at an instant spread over ``span`` from ``start``."""
    questions = list(event.fit_questions.all())
    made = []
    for n, (org, founder) in enumerate(companies):
        build = BUILDS[rng.randrange(len(BUILDS))]
        answers = {str(questions[0].pk): build[0] if n % 3 else build[1],
                   str(questions[1].pk): str(rng.randrange(len(FIELDS)))}
        made.append(attendee_services.register(
            event=event, organisation=org, by=founder,
            business_registration_number=org.profile.business_registration_number,
            attendee_name=founder.full_name, attendee_email=founder.email, answers=answers,
            now=start + span * n / max(1, len(companies))))
    return made


def _choose(event: Event, registrations: list[Registration], operator: User, reviewers: list,
            rng: random.Random, closed: dt.datetime, first: int = 0) -> None:
    """Fit review: every reviewer shortlists the same ``review_places`` registrations (score
    5) and marks about a third of the others (scores 2–4, some shortlisted by one reviewer),
    so the review's choice is exactly its places; the operator confirms it the day after the
    close, commits the lottery an hour later and draws it an hour after that."""
    from kbridge.portal.demo_evaluation import _at

    chosen = set(range(first)) | set(rng.sample(range(first, len(registrations)),
                                                event.review_places - first))
    for n, registration in enumerate(registrations):
        for k, reviewer in enumerate(reviewers):
            if n in chosen:
                attendee_services.review(registration=registration, by=reviewer, score=5,
                                         shortlisted=True)
            elif rng.random() < 0.35:
                attendee_services.review(registration=registration, by=reviewer,
                                         score=rng.randint(2, 4),
                                         shortlisted=k == 0 and rng.random() < 0.2)
    for hours, step in ((24, attendee_services.confirm_review),
                        (25, attendee_services.commit_lottery),
                        (26, attendee_services.draw_lottery)):
        moment = closed + dt.timedelta(hours=hours)
        with _at(moment):
            step(event=event, by=operator, now=moment)


def _check_in(event: Event, staff: User, share: float, at: dt.datetime,
              rng: random.Random, keep_out: tuple[str, ...] = ()) -> int:
    """Check in ``share`` of the event's tickets by typed code (as at the door), 20 s apart
    from ``at`` (the service stamps the real clock: the rows get the replayed instant), never
    those of the startups whose representatives sign in as ``keep_out``."""
    from kbridge.portal.demo_evaluation import _at

    tickets = list(Ticket.objects.filter(registration__event=event, revoked_at__isnull=True)
                   .select_related("registration__registered_by").order_by("pk"))
    admitted = 0
    for n, ticket in enumerate(tickets):
        if rng.random() >= share or ticket.registration.registered_by.email in keep_out:
            continue
        moment = at + dt.timedelta(seconds=20 * n)
        with _at(moment):
            answer = ticket_services.check_in(event=event, by=staff, typed=ticket.short_code)
        if answer.admitted:
            CheckIn.objects.filter(ticket=ticket).update(at=moment)
            admitted += 1
    return admitted


def seed_events(*, operator: User, operator_org: Organisation, startups: list,
                logins: dict[str, str], now: dt.datetime) -> None:
    """The three demo events (module docstring). ``startups``: (organisation, representative)
    pairs of the main seed; ``logins`` gains the logins that show them."""
    rng = random.Random(2023)
    openai = Organisation.objects.get(name_en="OpenAI", agency=operator_org)
    openai_staff = User.objects.get(email="openai@kbridge.demo")
    incorporated = [(o, f) for o, f in startups if o.profile.business_registration_number]

    # --- 2023: K-Startups meet OpenAI -----------------------------------------------------
    program = program_services.create_program(
        by=operator, operator=operator_org, year=2023, name_ko="2023 K-스타트업 밋 OpenAI",
        name_en="2023 K-Startups meet OpenAI", budget_krw=0,
        description_ko="중소벤처기업부가 OpenAI 경영진과 국내 AI 스타트업의 만남을 마련했습니다.",
        description_en="The Ministry of SMEs and Startups brought OpenAI's leaders together "
                       "with Korean AI startups.")
    partner = program_services.add_partner(
        by=operator, program=program, organisation=openai, sub_program_ko="K-스타트업 밋 OpenAI",
        sub_program_en="K-Startups meet OpenAI")
    start = _kst(2023, 6, 9, 14)
    event = event_services.create_event(
        program=program, by=operator, host=partner, title_ko="K-스타트업 밋 OpenAI",
        title_en=MEETUP_2023_TITLE,
        summary_ko="샘 올트먼 OpenAI CEO와 그레그 브록만 회장이 국내 AI 스타트업 100개사와 만나 "
                   "질의응답과 1:1 미팅을 가졌습니다. 334개사가 신청해 적합성 검토와 공개 추첨으로 "
                   "참가 기업을 정했습니다.",
        summary_en="OpenAI's CEO Sam Altman and president Greg Brockman met 100 Korean AI "
                   "startups for a live Q&A and 1:1 meetings. 334 companies registered; the "
                   "attendees were chosen by a fit review and a public lottery.",
        starts_at=start, ends_at=start + dt.timedelta(hours=4), venue_ko="63스퀘어 (서울 여의도)",
        venue_en="63 Square, Yeouido, Seoul", address="서울 영등포구 63로 50",
        capacity=100, review_places=30, waitlist_length=20, waitlist_offer_hours=24,
        registration_opens_at=_kst(2023, 5, 22, 10), registration_closes_at=_kst(2023, 6, 2, 18))
    event_services.save_programme(event=event, by=operator, speakers=[
        {"name_ko": "이영", "name_en": "Lee Young", "role_ko": "중소벤처기업부 장관",
         "role_en": "Minister of SMEs and Startups"},
        {"name_ko": "샘 올트먼", "name_en": "Sam Altman", "role_ko": "OpenAI CEO",
         "role_en": "CEO, OpenAI"},
        {"name_ko": "그레그 브록만", "name_en": "Greg Brockman", "role_ko": "OpenAI 회장",
         "role_en": "President, OpenAI"},
    ], agenda=[
        {"starts_at": start, "ends_at": start + dt.timedelta(minutes=10),
         "title_ko": "개회사", "title_en": "Opening remarks", "speaker": 0},
        {"starts_at": start + dt.timedelta(minutes=10), "ends_at": start + dt.timedelta(hours=1),
         "title_ko": "대담: AI 시대의 창업", "title_en": "Fireside chat: founding in the age of AI",
         "speaker": 1},
        {"starts_at": start + dt.timedelta(hours=1), "ends_at": start + dt.timedelta(hours=2),
         "title_ko": "스타트업 질의응답", "title_en": "Live Q&A with startups", "speaker": 2},
        {"starts_at": start + dt.timedelta(hours=2), "ends_at": start + dt.timedelta(hours=4),
         "title_ko": "1:1 미팅", "title_en": "1:1 meetings", "speaker": None},
    ])
    _questions(event, operator, ("OpenAI 플랫폼", "OpenAI's platform"))
    event_services.publish_event(event=event, by=operator)
    companies = incorporated + _extra_startups(334 - len(incorporated), rng)
    rng.shuffle(companies)
    registrations = _register(event, companies, rng, _kst(2023, 5, 22, 10, 5),
                              dt.timedelta(days=11))
    _choose(event, registrations, operator, [openai_staff, operator], rng,
            _kst(2023, 6, 2, 18))
    # One chosen company withdraws; the first on the waitlist accepts the place.
    gone = Registration.objects.filter(event=event, status=Registration.Status.CHOSEN,
                                       chosen_via=Registration.Via.LOTTERY).order_by("pk").last()
    attendee_services.withdraw(registration=gone, by=gone.registered_by,
                               now=_kst(2023, 6, 5, 9))
    offer = WaitlistOffer.objects.filter(registration__event=event,
                                         status=WaitlistOffer.Status.PENDING).get()
    attendee_services.accept_offer(offer=offer, by=offer.registration.registered_by,
                                   now=_kst(2023, 6, 5, 15))
    _check_in(event, operator, 0.96, _kst(2023, 6, 9, 13, 20), rng)
    _seed_parts_2023(event, operator=operator, openai_staff=openai_staff, rng=rng)

    # --- today: GenAI Startup Day with AWS ---------------------------------------------------
    # --- in three weeks: K-Startups meet NVIDIA ---------------------------------------------
    _seed_live_and_upcoming(operator=operator, operator_org=operator_org,
                            incorporated=incorporated, rng=rng, now=now)
    logins.update(event_logins())


def _staff(organisation: Organisation, names: list[str], prefix: str) -> list[User]:
    """Partner staff who meet startups (``<prefix>-staffN@kbridge.demo``)."""
    from kbridge.portal.demo import _user

    people = []
    for n, name in enumerate(names, 1):
        person = _user(f"{prefix}-staff{n}@kbridge.demo", name, "en")
        Membership.objects.create(user=person, organisation=organisation,
                                  role=Membership.Role.PARTNER)
        people.append(person)
    return people


def _meeting_day(event: Event, *, operator: User, staff: list[User], starts_at: dt.datetime,
                 hours: int, tables: int, requests: int, rng: random.Random,
                 asked_at: dt.datetime, outcomes_at: dt.datetime | None) -> None:
    """A meeting session of 20-minute slots; ``requests`` requests between attendee startups
    and ``staff`` (a third from the partner's side), four in five accepted, one declined in
    ten; the schedule run; after the day, outcomes on both sides when ``outcomes_at``."""
    from kbridge.events.services import meetings as meeting_services
    from kbridge.portal.demo_evaluation import _at

    meeting_services.save_session(event=event, by=operator, starts_at=starts_at,
                                  ends_at=starts_at + dt.timedelta(hours=hours),
                                  slot_minutes=20, tables=tables)
    startups = list(meeting_services.attendee_startups(event).order_by("pk"))
    pairs = set()
    while len(pairs) < min(requests, len(startups) * len(staff)):
        pairs.add((rng.randrange(len(startups)), rng.randrange(len(staff))))
    messages = ["API 크레딧과 기술 멘토링에 대해 이야기하고 싶습니다.",
                "We would like to discuss co-developing an inference chip.",
                "파인튜닝 사례를 공유하고 협업 방안을 논의하고 싶습니다.",
                "Your product fits our enterprise agents roadmap; shall we talk?"]
    made = []
    for n, (i, j) in enumerate(sorted(pairs)):
        startup, person = startups[i], staff[j]
        with _at(asked_at + dt.timedelta(minutes=7 * n)):
            by = person if n % 3 == 0 else Membership.objects.filter(
                organisation=startup, role=Membership.Role.STARTUP_REPRESENTATIVE).first().user
            request = meeting_services.request_meeting(
                event=event, by=by, startup=startup, person=person,
                message=messages[n % len(messages)])
            answerer = (Membership.objects.filter(
                organisation=startup, role=Membership.Role.STARTUP_REPRESENTATIVE)
                .first().user if by == person else person)
            if n % 10 == 9:
                meeting_services.decline(request=request, by=answerer)
            elif n % 5 != 4:
                meeting_services.accept(request=request, by=answerer)
                made.append((request, by, answerer))
    with _at(asked_at + dt.timedelta(days=1)):
        meeting_services.schedule(event=event, by=operator)
    if outcomes_at is None:
        return
    from kbridge.events.models import MeetingOutcome, MeetingPlacement

    placed = set(MeetingPlacement.objects.filter(request__event=event)
                 .values_list("request_id", flat=True))
    for n, (request, one, other) in enumerate(made):
        if request.pk not in placed:
            continue
        result = (MeetingOutcome.Result.FOLLOW_UP if n % 4 == 0 else
                  MeetingOutcome.Result.NO_SHOW if n % 13 == 12 else MeetingOutcome.Result.HELD)
        for side in (one, other):
            meeting_services.record_outcome(request=request, by=side, result=result,
                                            note="", now=outcomes_at)


#: The 2023 Q&A (what the seed article reports was asked, and the like), with the index of
#: the question each duplicate was merged into.
QUESTIONS_2023 = [
    ("한국에 OpenAI 사무소를 열 계획이 있나요?", None),
    ("OpenAI가 한국 스타트업과 AI 반도체를 공동 개발할 계획이 있나요?", None),
    ("What do you look for in Korean deep-tech startups?", None),
    ("GPT-4 API 가격을 스타트업에 할인해 줄 계획이 있나요?", None),
    ("How should a startup build a lasting advantage on top of GPT models?", None),
    ("한국어 성능을 높이기 위해 한국 기업과 데이터 협력을 할 수 있나요?", None),
    ("Do you plan to open an office in Korea?", 0),
    ("Will OpenAI co-develop chips with Korean startups?", 1),
    ("GPT-4 파인튜닝은 언제 열리나요?", None),
    ("OpenAI의 스타트업 투자 펀드에 한국 기업도 지원할 수 있나요?", None),
    ("AI 규제에 대해 한국 정부에 조언하신다면?", None),
    ("Can our data stay in Korea when we use the API (data residency)?", None),
    ("플러그인 생태계에서 한국 스타트업의 기회는 무엇일까요?", None),
    ("What skills should Korean founders hire for first in an AI startup?", None),
    ("오픈소스 모델과 비교해 GPT를 선택해야 하는 이유는요?", None),
    ("이벤트 경품 받으려면 어떻게 하나요?", None),  # hidden: off topic
]


def _qna(event: Event, *, moderator: User, questions: list[tuple], opened: dt.datetime,
         votes: int, answered: int, close: bool, rng: random.Random) -> None:
    """Attendees post ``questions`` (every fourth anonymous to the audience) from
    ``opened``, vote about ``votes`` times, the moderator merges the duplicates (voters
    unioned), hides the last one, answers the ``answered`` most voted and highlights the next;
    the Q&A closes afterwards when ``close``."""
    from kbridge.events.services import qna as qna_services
    from kbridge.portal.demo_evaluation import _at

    people = [r.registered_by for r in Registration.objects.filter(
        event=event, status=Registration.Status.CHOSEN).select_related("registered_by")
        .order_by("pk")]
    posted = []
    for n, (text, _target) in enumerate(questions):
        with _at(opened + dt.timedelta(minutes=2 * n)):
            posted.append(qna_services.post_question(
                event=event, author=people[(7 * n) % len(people)], text=text,
                anonymous=n % 4 == 3))
    weights = [rng.random() ** 2 for _ in posted]
    for _ in range(votes):
        question = rng.choices(posted, weights)[0]
        voter = people[rng.randrange(len(people))]
        if voter.pk != question.author_id:
            with _at(opened + dt.timedelta(minutes=40)):
                qna_services.vote(event=event, question_id=question.pk, voter=voter)
    with _at(opened + dt.timedelta(minutes=45)):
        for n, (_text, target) in enumerate(questions):
            if target is not None:
                qna_services.merge_questions(event=event, duplicate_id=posted[n].pk,
                                             target_id=posted[target].pk, by=moderator)
        qna_services.hide(event=event, question_id=posted[-1].pk, by=moderator)
    from django.db.models import Count

    from kbridge.events.models import Question

    ranked = list(Question.objects.filter(event=event, status=Question.Status.APPROVED,
                                          merged_into__isnull=True)
                  .annotate(n=Count("votes")).order_by("-n", "pk"))
    for n, question in enumerate(ranked[:answered]):
        with _at(opened + dt.timedelta(minutes=50 + 4 * n)):
            qna_services.answer(event=event, question_id=question.pk, by=moderator)
    if len(ranked) > answered:
        with _at(opened + dt.timedelta(minutes=50 + 4 * answered)):
            qna_services.highlight(event=event, question_id=ranked[answered].pk,
                                   by=moderator)
    if close:
        qna_services.save_settings(event=event, by=moderator, premoderated=False, open=False)


def _seed_parts_2023(event: Event, *, operator: User, openai_staff: User,
                     rng: random.Random) -> None:
    """The 2023 meetup's live Q&A (15:00–16:00; closed since) and meeting day: eight OpenAI
    people, ten tables, 16:00–18:00 in 20-minute slots, requests made the week before;
    outcomes recorded that evening."""
    _qna(event, moderator=operator, questions=QUESTIONS_2023, opened=_kst(2023, 6, 9, 15),
         votes=700, answered=8, close=True, rng=rng)
    openai = Organisation.objects.get(pk=Membership.objects.filter(
        user=openai_staff).values("organisation")[:1])
    staff = [openai_staff, *_staff(openai, ["Jordan Lee", "Priya Natarajan", "Daniel Park",
                                            "Emma Wilson", "Minseo Kang", "Luis Ortega",
                                            "Hannah Choi"], "openai")]
    _meeting_day(event, operator=operator, staff=staff, starts_at=event.starts_at
                 + dt.timedelta(hours=2), hours=2, tables=10, requests=60, rng=rng,
                 asked_at=_kst(2023, 6, 5, 10), outcomes_at=_kst(2023, 6, 9, 19))


def _seed_live_and_upcoming(*, operator, operator_org, incorporated, rng, now) -> None:
    """Today's event (running, attendees chosen) and the upcoming one (registration open)."""
    from kbridge.programs.models import Partner, Program

    program = Program.objects.filter(operator=operator_org).order_by("-year", "pk").first()
    aws = Partner.objects.get(program=program, organisation__name_en="AWS")
    nvidia = Partner.objects.get(program=program, organisation__name_en="NVIDIA")
    local_now = now.astimezone(KST)
    start = local_now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    today = event_services.create_event(
        program=program, by=operator, host=aws, title_ko="AWS 생성형 AI 스타트업 데이",
        title_en=TODAY_TITLE_EN,
        summary_ko="AWS 솔루션 아키텍트와 함께하는 생성형 AI 세션, 질의응답, 1:1 미팅",
        summary_en="Generative AI sessions with AWS solutions architects, a live Q&A and "
                   "1:1 meetings.",
        starts_at=start, ends_at=start + dt.timedelta(hours=6), venue_ko="AWS 서울 리전 오피스",
        venue_en="AWS Seoul office", address="서울 강남구 테헤란로 231",
        capacity=40, review_places=10, waitlist_length=10, waitlist_offer_hours=2,
        registration_opens_at=start - dt.timedelta(days=20),
        registration_closes_at=start - dt.timedelta(days=6))
    _questions(today, operator, ("AWS", "AWS"))
    event_services.publish_event(event=today, by=operator)
    # startup001 … startup060 registered (startup001 is chosen by the fit review below).
    pool = incorporated[:60]
    registrations = _register(today, pool, rng, start - dt.timedelta(days=19),
                              dt.timedelta(days=12))
    aws_staff = User.objects.get(email="aws@kbridge.demo")
    # startup001 and startup002 (the first two registrations) are among the review's ten.
    _choose(today, registrations, operator, [aws_staff], random.Random(7),
            today.registration_closes_at, first=2)
    _check_in(today, operator, 0.5, start - dt.timedelta(minutes=30), rng,
              keep_out=("startup002@kbridge.demo",))
    _seed_parts_today(today, operator=operator, host_staff=aws_staff, rng=rng, now=now)

    start = (local_now + dt.timedelta(days=21)).replace(hour=14, minute=0, second=0,
                                                        microsecond=0)
    upcoming = event_services.create_event(
        program=program, by=operator, host=nvidia, title_ko="K-스타트업 밋 NVIDIA",
        title_en=UPCOMING_TITLE_EN,
        summary_ko="NVIDIA 인셉션 담당자와 AI 인프라·피지컬 AI 스타트업의 만남",
        summary_en="NVIDIA Inception meets AI infrastructure and physical-AI startups.",
        starts_at=start, ends_at=start + dt.timedelta(hours=4), venue_ko="코엑스 그랜드볼룸",
        venue_en="COEX Grand Ballroom, Seoul", address="서울 강남구 영동대로 513",
        capacity=80, review_places=20, waitlist_length=20, waitlist_offer_hours=48,
        registration_opens_at=local_now - dt.timedelta(days=3),
        registration_closes_at=(local_now + dt.timedelta(days=10)).replace(
            hour=18, minute=0, second=0, microsecond=0))
    _questions(upcoming, operator, ("NVIDIA 플랫폼", "NVIDIA's platform"))
    event_services.publish_event(event=upcoming, by=operator)
    _register(upcoming, incorporated[60:72], rng, local_now - dt.timedelta(days=2),
              dt.timedelta(days=2))


def _seed_parts_today(event: Event, *, operator: User, host_staff: User, rng: random.Random,
                      now: dt.datetime) -> None:
    """Today's live Q&A (open: questions so far, no answers yet but the highlighted one) and
    meetings: AWS's three people, six tables, from two hours after the start for three
    hours, requested and scheduled the day before."""
    _qna(event, moderator=host_staff, questions=[
        ("Bedrock에서 한국어 모델 성능은 어떤가요?", None),
        ("How do AWS Activate credits work for seed-stage startups?", None),
        ("서울 리전에서 GPU 인스턴스를 예약할 수 있나요?", None),
        ("Can we fine-tune models without our data leaving the Seoul region?", None),
        ("AWS 크레딧 신청 방법이 궁금합니다.", 1),
        ("What does AWS look for in its generative AI accelerator?", None),
    ], opened=now - dt.timedelta(minutes=70), votes=60, answered=0, close=False, rng=rng)
    aws = Organisation.objects.get(pk=Membership.objects.filter(
        user=host_staff).values("organisation")[:1])
    staff = [host_staff, *_staff(aws, ["Sora Yoon", "Michael Chen"], "aws")]
    _meeting_day(event, operator=operator, staff=staff,
                 starts_at=event.starts_at + dt.timedelta(hours=2), hours=3, tables=6,
                 requests=30, rng=rng, asked_at=event.starts_at - dt.timedelta(days=2),
                 outcomes_at=None)


def event_logins() -> dict[str, str]:
    """The logins that show the events, read from the database as the seed left it (the
    lotteries' seeds are fresh, so who was chosen differs between seeds). Empty without it."""
    logins: dict[str, str] = {}
    meetup = Event.objects.filter(title_en=MEETUP_2023_TITLE).first()
    today = Event.objects.filter(title_en=TODAY_TITLE_EN).first()
    if meetup is None or today is None:
        return logins
    chosen = (Registration.objects.filter(event=today, status=Registration.Status.CHOSEN)
              .filter(ticket__check_in__isnull=True).select_related("registered_by")
              .order_by("pk").first())
    if chosen is not None:
        logins["startup (attending today, ticket)"] = chosen.registered_by.email
    lottery = (Registration.objects.filter(event=meetup, chosen_via=Registration.Via.LOTTERY)
               .select_related("registered_by").order_by("pk").first())
    if lottery is not None:
        logins["startup (2023 meetup, lottery)"] = lottery.registered_by.email
    return logins
