"""The API fuzzer's longer run (issue 17): schemathesis over every operation of the live schema,
in-process, with more examples than CI, then the state machine with more scenarios.

    PYTHONPATH=src python bench/api_fuzz.py                  # 500 examples an operation, 500 scenarios
    PYTHONPATH=src python bench/api_fuzz.py --examples 1000 --seed 3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kbridge PYTHONPATH=src python bench/api_fuzz.py

The same generation, personas and checks as tests/api/test_schemathesis.py (shared in
tests/api/fuzzing.py), against a fresh test database holding the web permission matrix's world
(tests/test_permissions_matrix.py), rolled back at the end. Failures are counted, not raised:
the table gives per operation the examples sent (schemathesis' coverage cases, then positive
and negative fuzzing), the state machine's calls, server errors (5xx), schema violations (any
other failed check: undocumented status or content type, a body or header not matching the
schema, invalid input accepted) and the seconds spent in requests. The baseline of the same
run: ``GET /healthz`` sent the same way (in-process, same client) as many times, so "× healthz"
reads the operations' cost independently of how busy the machine is.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from schemathesis.pytest.lazy import get_all_tests  # noqa: E402


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=500,
                        help="fuzzing examples per operation (CI: 100)")
    parser.add_argument("--scenarios", type=int, default=500,
                        help="state machine scenarios (CI: 100)")
    parser.add_argument("--steps", type=int, default=6, help="calls per scenario at most")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--baseline", type=int, default=500,
                        help="GET /healthz requests for the baseline")
    return parser.parse_args()


def _world():
    from tests.api.conftest import token_for
    from tests.api.fuzzing import PERSONAS
    from tests.conftest import build_evaluation, build_personas, build_submitted, build_world
    from tests.test_permissions_matrix import _build_ids

    personas = build_personas()
    world = build_world(personas)
    submitted = build_submitted(world, personas)
    evaluation = build_evaluation(world, personas, submitted)
    _build_ids(world, personas, submitted, evaluation)
    return {name: (token_for(personas.by_name(name)) if name != "anonymous" else None)
            for name in PERSONAS}


def _healthz(app, count: int) -> list[float]:
    from werkzeug import Client

    client, times = Client(app), []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/healthz")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    args = _arguments()
    # Every refused example would log a 4xx warning; server errors still log.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from tests.api import fuzzing

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with override_settings(
                EMAIL_BACKEND="kbridge.core.mail.TaskQueueEmailBackend",
                KBRIDGE_EMAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend"), \
                transaction.atomic():
            started = time.perf_counter()
            tokens = _world()
            print(f"world built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            with override_settings(KBRIDGE_THROTTLE_RATES={
                    **settings.KBRIDGE_THROTTLE_RATES, **fuzzing.UNTHROTTLED}), \
                    fuzzing.InProcessApp.serving():
                _run(args, fuzzing, tokens)
            transaction.set_rollback(True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _run(args, fuzzing, tokens) -> None:
    schema = fuzzing.live_schema(examples=args.examples, seed=args.seed)
    tally = fuzzing.Tally()

    def test_operation(case):
        who, language = fuzzing.persona_of(case)
        fuzzing.sign(case, tokens[who], language)
        tally.call_and_check(case, strict=False)

    wall = time.perf_counter()
    baseline = _healthz(schema.app, args.baseline // 2)
    operations = 0
    for result in get_all_tests(schema=schema, test_func=test_operation, settings=None,
                                given_kwargs={}):
        operation, test = result.ok()
        operations += 1
        started = time.perf_counter()
        test()
        print(f"{operation.label}: {tally.operations[operation.label].examples} examples in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    stateful = fuzzing.Tally()
    started = time.perf_counter()
    stateful.stateful_run(schema, tokens, strict=False, scenarios=args.scenarios,
                          steps=args.steps)
    print(f"state machine: {args.scenarios} scenarios in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    baseline += _healthz(schema.app, args.baseline - args.baseline // 2)
    wall = time.perf_counter() - wall
    _report(args, tally, stateful, baseline, operations, wall)


def _report(args, tally, stateful, baseline, operations, wall) -> None:
    healthz_ms = statistics.mean(baseline) * 1000
    print(f"\nAPI fuzzing: {operations} operations, {args.examples} fuzzing examples an "
          f"operation (+ coverage cases), {args.scenarios} stateful scenarios of ≤ {args.steps} calls, seed {args.seed}, "
          f"{connection.vendor}; {wall:.0f} s in all\n")
    print("| operation | examples | stateful calls | server errors | schema violations | "
          "s | ms a request (mean) | × healthz |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    labels = sorted(set(tally.operations) | set(stateful.operations))
    for label in labels:
        row, chain = tally.operations.get(label), stateful.operations.get(label)
        examples = row.examples if row else 0
        calls = chain.examples if chain else 0
        errors = (row.server_errors if row else 0) + (chain.server_errors if chain else 0)
        violations = ((row.schema_violations if row else 0)
                      + (chain.schema_violations if chain else 0))
        seconds = (row.seconds if row else 0) + (chain.seconds if chain else 0)
        per = seconds / max(examples + calls, 1) * 1000
        print(f"| {label} | {examples} | {calls} | {errors} | {violations} | {seconds:.1f} | "
              f"{per:.1f} | {per / healthz_ms:.1f}× |")
    total, chained = tally.totals(), stateful.totals()
    requests = total.examples + chained.examples
    per = (total.seconds + chained.seconds) / max(requests, 1) * 1000
    print(f"| **all** | {total.examples} | {chained.examples} | "
          f"{total.server_errors + chained.server_errors} | "
          f"{total.schema_violations + chained.schema_violations} | "
          f"{total.seconds + chained.seconds:.1f} | {per:.1f} | {per / healthz_ms:.1f}× |")
    print(f"| `GET /healthz` (baseline) | {len(baseline)} | | 0 | | {sum(baseline):.1f} | "
          f"{healthz_ms:.1f} | 1.0× |")
    failures = [(label, failure) for source in (tally, stateful)
                for label, row in source.operations.items() for failure in row.failures]
    if failures:
        print("\nFirst failures:")
        for label, failure in failures[:20]:
            print(f"- {label}: {failure}")


if __name__ == "__main__":
    main()
