"""Server-side half of ``bench/qna.py``: seeding and reconciliation.

Run only by ``bench/qna.py`` as a subprocess with the gunicorn workers' environment, so the
sessions it writes are valid for them. ``seed``: a published event hosted by a partner, N
startups each with a representative whose registration is chosen (an attendee) and a signed-in
session, all bulk-inserted (logging 500 people in through argon2 would take minutes), plus a
few opening questions. ``reconcile``: every vote the client saw acknowledged (2xx) against the
``Vote`` rows: each must be there exactly once, and no row may exist that the client was not
told about (except requests whose outcome the client could not know: transport errors).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from kbridge.accounts.models import Membership, Organisation, User  # noqa: E402
from kbridge.events import live_qna  # noqa: E402
from kbridge.events.models import Event, Question, Registration, Vote  # noqa: E402
from kbridge.portal import demo  # noqa: E402
from kbridge.programs import services as program_services  # noqa: E402

BATCH = 1000
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
OPENING = ["OpenAI와 칩을 공동 개발할 계획이 있나요?", "Will GPT-5 support Korean better?",
           "스타트업을 위한 API 크레딧 지원 프로그램이 있나요?", "한국에 사무소를 열 계획이 있나요?",
           "What do you think about AI regulation?", "데이터는 한국 안에 저장되나요?"]


def _log(message: str) -> None:
    print(f"[seed] {message}", file=sys.stderr, flush=True)


@transaction.atomic
def seed(attendees: int, out: Path) -> None:
    started = time.perf_counter()
    now = timezone.now()
    rng = random.Random(500)
    password = demo._demo_password_hash()
    operator_org = Organisation.objects.create(kind=Organisation.Kind.OPERATOR,
                                               name_ko="창업진흥원", name_en="KISED")
    operator = User.objects.create(email="operator@kbridge.bench", full_name="운영자",
                                   password=password, email_verified_at=now)
    Membership.objects.create(user=operator, organisation=operator_org,
                              role=Membership.Role.OPERATOR)
    program = program_services.create_program(
        by=operator, operator=operator_org, year=2026, name_ko="2026 Q&A 벤치마크",
        name_en="2026 Q&A benchmark", budget_krw=1_000_000_000)
    host_org = Organisation.objects.create(kind=Organisation.Kind.PARTNER, name_ko="오픈AI",
                                           name_en="OpenAI", agency=operator_org)
    host = program_services.add_partner(by=operator, program=program, organisation=host_org,
                                        sub_program_ko="OpenAI 협업", sub_program_en="OpenAI")
    event = Event.objects.create(
        program=program, host=host, title_ko="K-스타트업, OpenAI를 만나다",
        title_en="K-Startups meet OpenAI", status=Event.Status.PUBLISHED,
        starts_at=now - dt.timedelta(minutes=30), ends_at=now + dt.timedelta(hours=3),
        venue_ko="코엑스", venue_en="COEX", capacity=attendees, review_places=0,
        registration_opens_at=now - dt.timedelta(days=20),
        registration_closes_at=now - dt.timedelta(days=7))
    users = User.objects.bulk_create(
        [User(email=f"qna{i:04d}@kbridge.bench", password=password,
              full_name=f"{demo._person(rng)} {i}", preferred_language="ko",
              email_verified_at=now) for i in range(attendees)], batch_size=BATCH)
    orgs = Organisation.objects.bulk_create(
        [Organisation(kind=Organisation.Kind.STARTUP, name_ko=f"Q&A 스타트업 {i:04d}",
                      name_en=f"Q&A Startup {i:04d}") for i in range(attendees)],
        batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=u, organisation=o, role=Membership.Role.STARTUP_REPRESENTATIVE)
         for u, o in zip(users, orgs, strict=True)], batch_size=BATCH)
    numbers = set()
    while len(numbers) < attendees:
        numbers.add(demo._brn(rng))
    Registration.objects.bulk_create(
        [Registration(event=event, organisation=o, business_registration_number=brn,
                      registered_by=u, attendee_name=u.full_name, attendee_email=u.email,
                      status=Registration.Status.CHOSEN, chosen_via=Registration.Via.LOTTERY,
                      decided_at=now)
         for u, o, brn in zip(users, orgs, sorted(numbers), strict=True)], batch_size=BATCH)
    questions = Question.objects.bulk_create(
        [Question(event=event, author=users[i], text=text) for i, text in enumerate(OPENING)])
    expire = now + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    store = SessionStore()
    sessions, people = [], []
    for u in users:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: MODEL_BACKEND,
                HASH_SESSION_KEY: u.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=expire))
        # The live page gives each attendee the address it polls (a signed poll token); the
        # seed signs it the same way, so the run measures the live phase, not page loads.
        people.append({"user": u.pk, "session": key, "csrf": get_random_string(32),
                       "poll": live_qna.poll_url(event, u, attendee=True)})
    Session.objects.bulk_create(sessions, batch_size=BATCH)
    _log(f"{attendees} attendees with sessions in {time.perf_counter() - started:.1f}s")
    out.write_text(json.dumps({
        "event": event.pk, "attendees": people,
        "questions": [{"id": q.pk, "author": q.author_id} for q in questions]}))


def reconcile(client_path: Path, out: Path) -> None:
    client = json.loads(client_path.read_text())
    event = client["event"]
    acked = {(v[0], v[1]) for v in client["acked"]}  # (voter, question)
    unknown = {(v[0], v[1]) for v in client["unknown"]}
    refused = {(v[0], v[1]) for v in client["refused"]}
    rows = Counter(Vote.objects.filter(question__event_id=event).values_list(
        "voter_id", "question_id"))
    stored = set(rows)
    result = {
        "acknowledged": len(acked), "stored": sum(rows.values()),
        "acknowledged_and_stored_once": sum(1 for p in acked if rows.get(p) == 1),
        "lost": sorted(p for p in acked if p not in stored)[:20],
        "lost_count": sum(1 for p in acked if p not in stored),
        "duplicates": sum(1 for n in rows.values() if n > 1),
        "unacknowledged_stored": len(stored - acked - unknown),
        "unacknowledged_refused_but_stored": len((stored & refused) - acked),
        "unknown_outcome": len(unknown), "unknown_stored": len(stored & unknown),
        "questions": Question.objects.filter(event_id=event).count(),
    }
    out.write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--attendees", type=int, required=True)
    s.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("reconcile")
    r.add_argument("--client", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.attendees, args.out)
    else:
        reconcile(args.client, args.out)


if __name__ == "__main__":
    main()
