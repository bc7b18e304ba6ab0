"""Server-side half of ``bench/pages.py``: seeding a large call and counting queries per page.

Run only by ``pages.py`` as a subprocess with the same environment (database, secret key) as
the gunicorn workers it measures, so the sessions it creates are valid for them.

* ``seed``: one program and call (five partners' tracks, the standard questions) with N
  submitted applications, each with a startup, a profile (a business registration number in
  canonical form) and one submission with its receipt number; plus signed-in sessions of the
  operator and of OpenAI's partner admin. Bulk inserts: the pages are measured, not the seed.
  With ``--profiles N`` every startup gets a bilingual synthetic profile (sector, keywords,
  description; ``bench/matching_speed.synthetic_profiles``) and is discoverable, and more
  discoverable startups are added up to N in all; the track of the measured matching pages
  then has ``applications / 5`` applicants. Their vectors are written into the embedding
  cache under the serving model's own keys by a stand-in that returns deterministic random
  unit vectors of the model's dimension (page cost depends on the number and dimension of the
  vectors, not their values; embedding 20,000 profiles with the real model takes hours here),
  and the three ranking pages are computed once with it so their explanations are cached too.
* ``count``: the number of SQL queries and the status of every page, through Django's test
  client in this process (the count does not depend on gunicorn).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from kbridge.accounts.models import Membership, Organisation, User  # noqa: E402
from kbridge.applications import services  # noqa: E402
from kbridge.applications.models import Application, StartupProfile, Submission  # noqa: E402
from kbridge.portal import demo  # noqa: E402
from kbridge.programs import services as program_services  # noqa: E402
from kbridge.programs.models import Track  # noqa: E402

BATCH = 1000
DISCOVER_QUERY = "음성 에이전트 LLM API"


class _SameSpaceStandIn:
    """The serving model's identity with deterministic random unit vectors (bench DB only)."""

    def __init__(self, real):  # real: the serving ``store.Space`` (or any embedder)
        self.name, self.version, self.dim, self.max_words = (
            real.name, real.version, real.dim, real.max_words)

    def embed(self, texts):
        import hashlib

        import numpy as np

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def _matching_text(i: int, doc) -> dict:
    """Organisation/profile fields of one synthetic profile (Korean or English)."""
    korean = any("\uac00" <= c <= "\ud7a3" for c in doc.title)
    return {"description_ko" if korean else "description_en": doc.description,
            "keywords": list(doc.keywords), "sector": doc.title.split(" #")[0].split(" 스타트업")[0]}
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _log(message: str) -> None:
    print(f"[seed] {message}", file=sys.stderr, flush=True)


def _session(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = MODEL_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["kbridge_last_seen"] = int(time.time()) + 3600  # no idle sign-out during the run
    store.create()
    return store.session_key


@transaction.atomic
def seed(applications: int, out: Path, profiles: int = 0) -> None:
    now = timezone.now()
    agency = Organisation.objects.create(kind=Organisation.Kind.OPERATOR, name_ko="창업진흥원",
                                         name_en="KISED")
    operator = User.objects.create(email="operator@kbridge.bench", full_name="운영자",
                                   password=demo._demo_password_hash(), email_verified_at=now)
    Membership.objects.create(user=operator, organisation=agency, role=Membership.Role.OPERATOR)
    program = program_services.create_program(
        by=operator, operator=agency, year=2026, name_ko="2026 페이지 벤치마크",
        name_en="2026 page benchmark", budget_krw=45_000_000_000)
    deadline = now + dt.timedelta(days=2)
    day = timezone.localtime(deadline).date()
    call = program_services.create_call(
        by=operator, program=program, title_ko="페이지 벤치마크 공고", title_en="Page benchmark call",
        opens_at=now - dt.timedelta(days=18), deadline_at=deadline,
        document_evaluation_start=day + dt.timedelta(days=3),
        document_evaluation_end=day + dt.timedelta(days=14),
        presentation_evaluation_start=day + dt.timedelta(days=21),
        presentation_evaluation_end=day + dt.timedelta(days=25),
        announcement_on=day + dt.timedelta(days=35))
    partner_admin = None
    for spec in demo.PARTNERS:
        partner = program_services.add_partner(
            by=operator, program=program, new_company_ko=spec["ko"], new_company_en=spec["en"],
            sub_program_ko=spec["sub_ko"], sub_program_en=spec["sub_en"])
        t = spec["tracks"][0]
        program_services.create_track(
            by=operator, call=call, partner=partner, name_ko=t["name_ko"], name_en=t["name_en"],
            description_ko=t["desc_ko"], description_en=t["desc_en"], quota=t["quota"],
            funding_cap_krw=t["cap"], interest_keywords=t["keywords"], max_company_age_years=7,
            position=0)
        if partner_admin is None:
            partner_admin = User.objects.create(email="partner@kbridge.bench",
                                                full_name="Partner", email_verified_at=now)
            Membership.objects.create(user=partner_admin, organisation=partner.organisation,
                                      role=Membership.Role.PARTNER_ADMIN)
    program_services.publish_call(call=call, by=operator)
    questions = services.add_standard_questions(call=call, by=operator)
    tracks = list(Track.objects.filter(call=call).order_by("pk"))
    answers = {str(q.pk): (q.label_ko * 3 if q.kind == "text" else "") for q in questions
               if q.kind != "file"}

    started = time.monotonic()
    startups = max(applications, profiles)
    texts = []
    if profiles:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from matching_speed import synthetic_profiles

        texts = [_matching_text(i, d) for i, d in enumerate(synthetic_profiles(startups))]
    users = User.objects.bulk_create(
        [User(email=f"ceo{i:05d}@startup.bench", full_name=f"대표 {i}",
              password=UNUSABLE_PASSWORD_PREFIX)
         for i in range(startups)], batch_size=BATCH)
    orgs = Organisation.objects.bulk_create(
        [Organisation(kind=Organisation.Kind.STARTUP, name_ko=f"벤치기업 {i:05d}",
                      name_en=f"Bench Startup {i:05d}", **(texts[i] if texts else {}))
         for i in range(startups)], batch_size=BATCH)
    StartupProfile.objects.bulk_create(
        [StartupProfile(organisation=org, representative=user, discoverable=bool(profiles),
                        business_registration_number=f"{100 + i // 100000:03d}-"
                                                     f"{(i // 1000) % 100:02d}-{i % 100000:05d}",
                        founded_on=dt.date(2022, 1, 1) + dt.timedelta(days=i % 900))
         for i, (org, user) in enumerate(zip(orgs, users, strict=True))], batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=org, role=Membership.Role.STARTUP_REPRESENTATIVE)
         for org, user in zip(orgs[:1], users[:1], strict=True)])
    orgs, users = orgs[:applications], users[:applications]
    apps = Application.objects.bulk_create(
        [Application(applicant=org, program=program, call=call, track=tracks[i % len(tracks)],
                     created_by=user, status=Application.Status.SUBMITTED,
                     exclusivity_key=f"program:{program.pk}", answers=answers,
                     declares_government_support=False, declares_no_tax_arrears=True,
                     version=2, submitted_version=2, saved_at=now, submitted_at=now)
         for i, (org, user) in enumerate(zip(orgs, users, strict=True))], batch_size=BATCH)
    Submission.objects.bulk_create(
        [Submission(application=app, number=1, draft_version=2,
                    receipt_number=f"KB2026-{app.pk:06d}-01", submitted_at=now,
                    submitted_by=app.created_by, answers=answers, profile={}, files=[],
                    answers_sha256="0" * 64) for app in apps], batch_size=BATCH)
    _log(f"{applications} submitted applications in {time.monotonic() - started:.1f}s")
    if connection.vendor == "postgresql":
        # A live database has been analysed by autovacuum long before it holds 10,000
        # applications; bulk inserts leave the planner guessing 24 rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    startup_user = users[0]
    if profiles:
        _warm_matching(startup_user, tracks[0])
    out.write_text(json.dumps({
        "operator_session": _session(operator), "partner_session": _session(partner_admin),
        "startup_session": _session(startup_user),
        "operator_id": operator.pk, "partner_id": partner_admin.pk, "startup_id": startup_user.pk,
        "discover_query": DISCOVER_QUERY,
        "program": program.pk, "call": call.pk, "track": tracks[0].pk,
        "application": apps[len(apps) // 2].pk,
        "brn_digits": "".join(c for c in StartupProfile.objects.get(
            organisation=apps[len(apps) // 2].applicant_id).business_registration_number
            if c.isdigit()),
    }))


def _warm_matching(startup_user: User, track: Track) -> None:
    """Cache every vector the three ranking pages read, through the pages' own selectors."""
    from kbridge.applications.selectors import startups_of
    from kbridge.matching import selectors, store

    started = time.monotonic()
    real = store.embedder_for
    store.embedder_for = _SameSpaceStandIn  # the serving space's identity, stand-in vectors
    try:
        selectors.recommended_tracks(startups_of(startup_user).first(), live=True)
        selectors.ranked_applicants(track, live=True)
        selectors.discoverable_startups(DISCOVER_QUERY, live=True)
    finally:
        store.embedder_for = real
    _log(f"matching vectors cached in {time.monotonic() - started:.1f}s")


def count(seed_path: Path, pages_path: Path, out: Path) -> None:
    seeded = json.loads(seed_path.read_text())
    pages = json.loads(pages_path.read_text())
    result = {}
    for page in pages:
        client = Client(HTTP_HOST=os.environ.get("ALLOWED_HOSTS", "127.0.0.1").split(",")[0])
        client.force_login(User.objects.get(pk=seeded[f"{page['who']}_id"]))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page["url"])
            if getattr(response, "streaming", False):
                for _chunk in response.streaming_content:
                    pass
        result[page["name"]] = {"queries": len(queries), "status": response.status_code}
    out.write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    seed_p = sub.add_parser("seed")
    seed_p.add_argument("--applications", type=int, required=True)
    seed_p.add_argument("--out", type=Path, required=True)
    seed_p.add_argument("--profiles", type=int, default=0)
    count_p = sub.add_parser("count")
    count_p.add_argument("--seed", type=Path, required=True)
    count_p.add_argument("--pages", type=Path, required=True)
    count_p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.applications, args.out, args.profiles)
    else:
        count(args.seed, args.pages, args.out)


if __name__ == "__main__":
    main()
