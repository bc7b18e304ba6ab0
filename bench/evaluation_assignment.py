"""The product's assignment path at 2,000 applications × 300 evaluators (issue 13, item 4).

What is timed is the service an operator's "Run" button calls,
``evaluation.services.assignment.run_assignment`` — reading the stage, its applications and
evaluators, conflicts and kept pairs from the database, the affinities from matching's cached
vectors (one matrix product, fused with BM25 over the applications' warm index), the engine's
solve, and storing the run with its input — and then ``apply_run`` (pairs and scoresheet
drafts written). Beside them, in the same run, the baselines: the bare engine ``solve`` on the
very problem the service built (so service − engine = the product's own overhead), the
affinity computation alone, and a trivial database query (one round trip).

Setup (bounded, cleaned up): a fresh database — SQLite in a temporary directory by default,
or PostgreSQL with ``--pg`` (a database ``--db-name`` created on ``--pg-host`` and dropped at
the end) — migrated, then seeded in bulk: one call with two tracks, N submitted applications
with bilingual profiles, E evaluators (60 % market experts, 30 % women who consented to the
use of their gender, 60 affiliations) invited and signed, ~1 % conflicts in force, k = 5,
loads of 75–125 % of the mean (25–42 at full size) and the stage's composition rules (≥ 50 % market experts, ≥ 10 % women, one per
affiliation). Vectors: stand-in unit vectors of the serving model's dimension written under the
real cache keys (as bench/_pages_django.py does; embedding 2,300 documents with the real
model would take long here and the cost measured depends on the number and dimension of the
vectors, not their values).

Quick run: ``.venv/bin/python bench/evaluation_assignment.py --applications 200 --evaluators 40``.
Full: ``.venv/bin/python bench/evaluation_assignment.py --pg`` (2,000 × 300, 3 repeats).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

WORDS_EN = ["NPU", "edge AI", "battery", "fintech", "biotech", "robotics", "LLM", "semiconductor",
            "logistics", "healthcare", "climate", "mobility", "security", "cloud", "agritech",
            "blockchain", "drones", "materials", "gaming", "education"]
WORDS_KO = ["반도체", "배터리", "핀테크", "바이오", "로봇", "물류", "헬스케어", "기후", "모빌리티",
            "보안", "클라우드", "농업", "드론", "소재", "게임", "교육", "인공지능", "에너지"]


def log(message: str) -> None:
    print(f"[evaluation-assignment {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr,
          flush=True)


def setup_database(args) -> tuple[str, object]:
    """DATABASE_URL of a fresh database and a cleanup function."""
    if args.pg:
        from _stack import pg_admin

        pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}"')
        pg_admin(args, f'CREATE DATABASE "{args.db_name}"')
        url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db_name}"
        return url, lambda: pg_admin(args, f'DROP DATABASE IF EXISTS "{args.db_name}" '
                                           "WITH (FORCE)")
    tmp = tempfile.TemporaryDirectory(prefix="kb-assign-bench-")
    return f"sqlite:///{tmp.name}/bench.sqlite3", tmp.cleanup


def seed(n_apps: int, n_evs: int, rng):
    """Bulk-insert the world; returns (stage, operator)."""
    from datetime import timedelta
    from decimal import Decimal

    import numpy as np
    from django.utils import timezone

    from kbridge.accounts.models import Membership, Organisation, User
    from kbridge.applications.models import Application, StartupProfile
    from kbridge.evaluation import pledge
    from kbridge.evaluation.models import Conflict, EvaluatorProfile, Stage, StageEvaluator
    from kbridge.programs.models import Call, Partner, Program, Track

    now = timezone.now()
    operator_org = Organisation.objects.create(kind="operator", name_ko="창업진흥원",
                                               name_en="KISED")
    operator = User.objects.create_user(email="operator@bench.example", password=None,
                                        full_name="운영자")
    Membership.objects.create(user=operator, organisation=operator_org, role="operator")
    program = Program.objects.create(operator=operator_org, year=2026, name_ko="벤치 프로그램",
                                     name_en="Bench program", budget_krw=1)
    call = Call.objects.create(program=program, title_ko="벤치 공고", title_en="Bench call",
                               status="published", opens_at=now - timedelta(days=30),
                               deadline_at=now - timedelta(days=1),
                               document_evaluation_start=now.date(),
                               document_evaluation_end=(now + timedelta(days=14)).date(),
                               presentation_evaluation_start=(now + timedelta(days=20)).date(),
                               presentation_evaluation_end=(now + timedelta(days=21)).date(),
                               announcement_on=(now + timedelta(days=30)).date())
    tracks = []
    for i in range(2):
        partner_org = Organisation.objects.create(kind="partner", name_ko=f"파트너{i}",
                                                  name_en=f"Partner {i}", agency=operator_org)
        partner = Partner.objects.create(program=program, organisation=partner_org,
                                         sub_program_ko="협업", sub_program_en="Collaboration")
        tracks.append(Track.objects.create(call=call, partner=partner, name_ko=f"트랙{i}",
                                           name_en=f"Track {i}", quota=10,
                                           funding_cap_krw=1, interest_keywords=["AI"]))

    def phrase(k):
        en = rng.choice(WORDS_EN, size=k, replace=False)
        ko = rng.choice(WORDS_KO, size=k, replace=False)
        return list(en), list(ko)

    orgs = []
    for i in range(n_apps):
        en, ko = phrase(3)
        orgs.append(Organisation(kind="startup", name_ko=f"스타트업{i}", name_en=f"Startup {i}",
                                 description_ko=f"{' '.join(ko)} 기술로 시장을 혁신하는 기업",
                                 description_en=f"We build {', '.join(en)} products",
                                 keywords=en))
    orgs = Organisation.objects.bulk_create(orgs, batch_size=1000)
    rep = User.objects.create_user(email="rep@bench.example", password=None, full_name="대표")
    StartupProfile.objects.bulk_create(
        [StartupProfile(organisation=o, representative=rep,
                        business_registration_number=f"{100 + i % 800:03d}-81-{i:05d}",
                        technology_keywords=list(o.keywords)) for i, o in enumerate(orgs)],
        batch_size=1000)
    Application.objects.bulk_create(
        [Application(track=tracks[i % 2], call=call, program=program, applicant=o,
                     created_by=rep, status="submitted", exclusivity_key=f"bench:{o.pk}",
                     declares_government_support=False, declares_no_tax_arrears=True)
         for i, o in enumerate(orgs)], batch_size=1000)
    affiliations = Organisation.objects.bulk_create(
        [Organisation(kind="affiliation", name_ko=f"소속{i}", name_en=f"Affiliation {i}")
         for i in range(60)])
    users = User.objects.bulk_create(
        [User(email=f"ev{i}@bench.example", full_name=f"평가위원{i}") for i in range(n_evs)],
        batch_size=1000)
    market_types = ["vc", "accelerator", "industry"]
    profiles = []
    for i, u in enumerate(users):
        en, ko = phrase(4)
        market = rng.random() < 0.6
        woman = rng.random() < 0.3
        profiles.append(EvaluatorProfile(
            user=u, expertise_ko=" ".join(ko) + " 분야 심사 경험", expertise_en=", ".join(en),
            expertise_keywords=en[:2],
            affiliation=affiliations[i % len(affiliations)],
            expert_type=market_types[i % 3] if market else "academic",
            gender="woman" if woman else "man", gender_consent_at=now if woman else None))
    EvaluatorProfile.objects.bulk_create(profiles, batch_size=1000)
    current = pledge.pledge()
    stage = Stage.objects.create(
        call=call, kind="document", opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14), pledge_version=current.version,
        evaluators_per_application=5, load_min=int(0.75 * n_apps * 5 / n_evs),
        load_max=int(np.ceil(1.25 * n_apps * 5 / n_evs)),
        min_market_share=Decimal("0.50"), min_women_share=Decimal("0.10"),
        one_per_affiliation=True)
    StageEvaluator.objects.bulk_create(
        [StageEvaluator(stage=stage, evaluator=u, invited_by=operator,
                        pledge_version=current.version, pledge_sha256=current.sha256,
                        pledge_signed_at=now) for u in users], batch_size=1000)
    app_ids = list(Application.objects.filter(call=call).values_list("pk", flat=True))
    pairs = set()
    while len(pairs) < int(0.01 * n_apps * n_evs):
        pairs.add((int(rng.choice(app_ids)), int(rng.integers(len(users)))))
    Conflict.objects.bulk_create(
        [Conflict(application_id=a, evaluator=users[e], source="detected",
                  basis="same_organisation") for a, e in pairs], batch_size=2000)
    return stage, operator


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--applications", type=int, default=2000)
    ap.add_argument("--evaluators", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mode", default="total", choices=["total", "fair", "randomised"])
    ap.add_argument("--no-composition", action="store_true",
                    help="no market/women shares nor one per affiliation (min-cost flow)")
    ap.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--pg-host", default="127.0.0.1")
    ap.add_argument("--pg-port", default="5432")
    ap.add_argument("--pg-user", default="postgres")
    ap.add_argument("--db-name", default="kbridge_bench_assignment")
    args = ap.parse_args()

    url, cleanup = setup_database(args)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")
    os.environ.setdefault("KBRIDGE_VAR_DIR", tempfile.mkdtemp(prefix="kb-assign-var-"))
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()


def run(args) -> None:
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    stage, operator = seed(args.applications, args.evaluators, rng)
    if args.no_composition:
        stage.min_market_share = stage.min_women_share = 0
        stage.one_per_affiliation = False
        stage.save()
    log(f"seeded {args.applications} applications × {args.evaluators} evaluators in "
        f"{time.perf_counter() - started:.1f}s ({connection.vendor})")

    from _pages_django import _SameSpaceStandIn
    from kbridge.engine.matching import Matcher
    from kbridge.evaluation import affinity
    from kbridge.evaluation.models import Assignment, EvaluatorProfile, Stage
    from kbridge.evaluation.services import assignment as services
    from kbridge.matching import store
    from kbridge.matching.store import cached_embedder

    started = time.perf_counter()
    real = store.embedder_for
    store.embedder_for = _SameSpaceStandIn
    try:
        apps = services.stage_applications(stage)
        docs = affinity.application_documents(apps) + [
            affinity.evaluator_document(p) for p in EvaluatorProfile.objects.all()]
        Matcher(cached_embedder(live=True)).embed(docs)
    finally:
        store.embedder_for = real
    log(f"stand-in vectors cached for {len(docs)} documents in "
        f"{time.perf_counter() - started:.1f}s")

    def timed(fn, repeats):
        times, out = [], None
        for _ in range(repeats):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return times, out

    # Cold: the first run builds the applications' warm index (Korean analysis of each).
    cold, first = timed(lambda: services.run_assignment(stage=stage, by=operator,
                                                        mode=args.mode, seed=1), 1)
    assert first.outcome == "assigned", first.diagnoses
    assert first.rules["affinity_source"] == "semantic", first.rules
    log(f"cold run {cold[0]:.1f}s, solver {first.report['solver']}, gap {first.report['gap']}")
    warm, last = timed(lambda: services.run_assignment(stage=stage, by=operator,
                                                       mode=args.mode, seed=1),
                       args.repeats)
    built = services.build_problem(stage)
    from kbridge.engine.assignment import solve

    # The engine called exactly as the service calls it (candidates per application).
    engine, _res = timed(lambda: solve(built.problem, args.mode, seed=1,
                                       time_limit=services.TIME_LIMIT,
                                       candidates=services.CANDIDATES), args.repeats)
    aff_times, _ = timed(lambda: services.build_problem(stage), args.repeats)
    query, _ = timed(lambda: Stage.objects.filter(pk=stage.pk).first(), 50)
    apply_t, applied = timed(lambda: services.apply_run(run=last, by=operator), 1)
    pairs = Assignment.objects.filter(stage=stage).count()

    med = statistics.median
    rows = [
        ("trivial DB query (baseline)", med(query)),
        ("bare engine solve, same problem (baseline)", med(engine)),
        ("affinities + problem from the DB (build_problem)", med(aff_times)),
        ("run_assignment, warm index (service)", med(warm)),
        ("run_assignment, cold (first run of the process)", cold[0]),
        (f"apply_run ({applied.created} pairs + scoresheets)", apply_t[0]),
    ]
    print(f"\n{args.applications} applications × {args.evaluators} evaluators, k = 5, loads "
          f"{stage.load_min}–{stage.load_max}, ~1 % conflicts, {'no composition rules' if args.no_composition else 'composition rules'}, mode {args.mode}, {connection.vendor}, "
          f"medians of {args.repeats} (query: 50)\n")
    print("| step | median s |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value:.4f} |")
    print(f"\nsolver {last.report['solver']}, objective {last.report['objective']:.4f}, "
          f"gap {last.report['gap']:.2e}, candidates {last.report.get('candidates')}, "
          f"{pairs} pairs stored")


if __name__ == "__main__":
    main()
