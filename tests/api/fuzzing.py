"""Schemathesis over the live API schema, in-process (issue 17): shared by the CI test
(tests/api/test_schemathesis.py) and the longer run (bench/api_fuzz.py).

The schema is generated from ``kbridge.api.main.api`` when this module is imported, so every
operation that a router adds is fuzzed without a change here. Requests go to Django's WSGI
handler in the same process and the same database connection as the test (no network, the
test's transaction), signed with the API token of one of :data:`PERSONAS` (or none) chosen per
example, in Korean or English. The checks: no 5xx, the status code documented, the body valid
against the operation's response schema for that status, the content type documented, the
documented headers present, and — for negative examples — the invalid input refused with a 4xx.

``KBRIDGE_API_FUZZ_EXAMPLES`` sets the fuzzing examples per operation, positive and negative
together (default 100; schemathesis' coverage cases come on top) and the state machine's
scenarios, ``KBRIDGE_API_FUZZ_STEPS`` the calls per scenario (6), ``KBRIDGE_API_FUZZ_SEED`` the
seed (17; generation is derandomized, so CI sends the same examples on every run).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import strategies as st
from hypothesis.stateful import initialize
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

EXAMPLES = int(os.environ.get("KBRIDGE_API_FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("KBRIDGE_API_FUZZ_SEED", "17"))
#: Calls per stateful scenario at most (Hypothesis' default of 50 made CI minutes long).
STEPS = int(os.environ.get("KBRIDGE_API_FUZZ_STEPS", "6"))
#: Who calls: a token with every area's write scope for each, or no token at all.
PERSONAS = ("operator", "partner_admin", "startup_a", "evaluator", "anonymous")
LANGUAGES = ("ko", "en")
HANGUL = re.compile("[\uac00-\ud7a3]")
#: Operation label → the names its error ``details`` may give (see :func:`error_body_conformance`).
REQUEST_FIELDS: dict[str, set[str]] = {}


@schemathesis.check
def error_body_conformance(ctx, response, case):
    """The error shape's promises beyond its JSON schema (docs/api.md, "Errors"): every
    ``details[].field`` names what the client sent or can look up — a parameter, a body field
    (its first segment: ``answers.12`` → ``answers``) or a name the operation lists in
    ``x-detail-fields`` — never a web form's or model's own name; and a request in Korean
    gets its ``message`` and every detail's message in Korean (pydantic's English ones
    included)."""
    if response.status_code < 400:
        return None
    try:
        data = response.json()
    except Exception:  # noqa: BLE001 - not JSON: content_type_conformance's business
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    allowed = REQUEST_FIELDS.get(case.operation.label, set())
    for detail in details:
        field_name = str(detail.get("field", ""))
        if field_name and field_name.split(".")[0] not in allowed:
            raise AssertionError(
                f"details names {field_name!r}, not a parameter or body field of "
                f"{case.operation.label} (known: {sorted(allowed)})")
    languages = [str(value) for name, value in (case.headers or {}).items()
                 if name.lower() == "accept-language"]
    if languages == ["ko"]:
        for text in [error.get("message", ""), *(d.get("message", "") for d in details)]:
            if not HANGUL.search(str(text)):
                raise AssertionError(f"an English message on a Korean request: {text!r}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance, negative_data_rejection,
          error_body_conformance]
#: In the state machine also: a created object can be read, a deleted one cannot.
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]
#: Rates high enough that the fuzzer is never throttled (429 has its own tests).
UNTHROTTLED = {"api-token": "1000000/m", "api-anonymous": "1000000/m"}


class InProcessApp:
    """Django's WSGI handler for requests made inside a test's transaction.

    A real request closes the database connection when it ends (``close_old_connections`` on
    ``request_finished``); here that connection holds the test's transaction, so those two
    signal receivers are disconnected while :meth:`serving` (as Django's test client does)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        return self.handler(environ, start_response)

    @staticmethod
    @contextlib.contextmanager
    def serving():
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            yield
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def config(examples: int = EXAMPLES, seed: int = SEED) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": seed,
        "suppress-health-check": ["all"],
        "generation": {"mode": "all", "max-examples": examples, "deterministic": True,
                       "database": "none"},
        # Operations carry no examples; the coverage phase adds boundary values (huge
        # integers, empty and odd strings, missing and duplicated parameters) to fuzzing.
        "phases": {"examples": {"enabled": False}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}},
    })


def live_schema(examples: int = EXAMPLES, seed: int = SEED):
    """The schema of ``kbridge.api.main.api`` as served (``/api/v1/…`` paths), bound to an
    in-process WSGI app."""
    from django.utils import translation

    from kbridge.api.main import api

    with translation.override("en"):
        raw = api.get_openapi_schema(path_prefix="/api/v1")
    raw = _plain(raw)
    REQUEST_FIELDS.update(request_fields(raw))
    schema = schemathesis.openapi.from_dict(raw, config=config(examples, seed))
    schema.app = InProcessApp()
    return schema


def request_fields(raw: dict) -> dict[str, set[str]]:
    """Per operation label (``"PATCH /api/v1/…"``), the names a client sends or is told of:
    its parameters, its body's top-level properties (every content type, ``$ref``, ``allOf``,
    ``anyOf`` and ``oneOf`` followed) and its ``x-detail-fields``."""
    components = raw.get("components", {}).get("schemas", {})

    def properties(schema, seen=()) -> set[str]:
        if not isinstance(schema, dict):
            return set()
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return set() if name in seen else properties(components.get(name), (*seen, name))
        names = set(schema.get("properties", {}))
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []):
                names |= properties(part, seen)
        return names

    fields = {}
    for path, item in raw.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            names = {p["name"] for p in [*item.get("parameters", []),
                                         *operation.get("parameters", [])]}
            for media in operation.get("requestBody", {}).get("content", {}).values():
                names |= properties(media.get("schema"))
            names |= set(operation.get("x-detail-fields", []))
            fields[f"{method.upper()} {path}"] = names
    return fields


def _plain(value):
    """The schema as plain JSON types (ninja's schema is a dict subclass with lazy strings)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def persona_of(case) -> tuple[str, str]:
    """The persona and language that send ``case``: chosen from the case's own content, so the
    same case is always sent the same way (Hypothesis replays and shrinks it) while the
    examples of one operation spread over every persona and both languages — for an operation
    without parameters too, through the generated headers. (A ``@given`` persona would switch
    off schemathesis' coverage cases.)"""
    headers = sorted((str(name), str(value)) for name, value in (case.headers or {}).items())
    digest = zlib.crc32(repr((case.path_parameters, case.query, case.body, headers)).encode(
        "utf-8", "surrogatepass"))
    return PERSONAS[digest % len(PERSONAS)], LANGUAGES[(digest // 7) % len(LANGUAGES)]


def sign(case, token: str | None, language: str) -> None:
    """Send ``case`` as the persona whose token is ``token`` (None: anonymous), in
    ``language``. A negative case whose headers schemathesis made invalid keeps its own
    ``Authorization`` (missing or malformed: it is the input under test, and must be refused)."""
    if case.headers is None:
        case.headers = {}
    for name in [key for key in case.headers if key.lower() == "accept-language"]:
        del case.headers[name]
    case.headers["Accept-Language"] = language
    meta = case.meta
    header = meta.components.get(ParameterLocation.HEADER) if meta is not None else None
    if header is not None and header.mode == GenerationMode.NEGATIVE:
        return
    for name in [key for key in case.headers if key.lower() == "authorization"]:
        del case.headers[name]
    if token:
        case.headers["Authorization"] = f"Bearer {token}"


@dataclass
class OperationTally:
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    phases: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    server_errors: int = 0
    schema_violations: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


PROPERTY = "api_fuzz"


def summary(properties, verbose: bool = False) -> list[str]:
    """Figures from the ``(name, value)`` user properties of the test reports: one line, and
    with ``verbose`` a line per operation with its status codes."""
    rows: dict[str, dict] = {}
    for name, value in properties:
        if name != PROPERTY:
            continue
        for label, row in json.loads(value).items():
            total = rows.setdefault(label, {"examples": 0, "stateful": 0, "server_errors": 0,
                                            "schema_violations": 0, "seconds": 0.0,
                                            "statuses": defaultdict(int)})
            for key in ("examples", "stateful", "server_errors", "schema_violations",
                        "seconds"):
                total[key] += row[key]
            for code, count in row.get("statuses", {}).items():
                total["statuses"][code] += count
    if not rows:
        return []
    stateful = sum(row["stateful"] for row in rows.values())
    lines = [
        f"API fuzzing (schemathesis, tests/api/test_schemathesis.py): {len(rows)} operations, "
        f"{sum(row['examples'] for row in rows.values()) - stateful} examples + {stateful} "
        f"stateful calls, {sum(row['server_errors'] for row in rows.values())} server errors, "
        f"{sum(row['schema_violations'] for row in rows.values())} schema violations, "
        f"{sum(row['seconds'] for row in rows.values()):.1f} s in requests"]
    if verbose:
        for label, row in sorted(rows.items()):
            statuses = " ".join(f"{code}×{count}" for code, count in
                                sorted(row["statuses"].items()))
            lines.append(f"  {label}: {row['examples']} ({statuses})")
    return lines


class Tally:
    """Figures per operation: examples sent, status codes, server errors, schema violations."""

    def __init__(self):
        self.operations: dict[str, OperationTally] = defaultdict(OperationTally)

    def call(self, case, **kwargs):
        """Send ``case`` (counted and timed) in a savepoint of the test's transaction, so a
        request that fails in the database cannot spoil the next one."""
        row = self.operations[case.operation.label]
        started = time.perf_counter()
        with transaction.atomic():
            response = case.call(**kwargs)
        row.seconds += time.perf_counter() - started
        row.examples += 1
        row.statuses[response.status_code] += 1
        meta = case.meta
        phase = str(meta.phase.name.value) if meta is not None else "stateful"
        if meta is not None and meta.generation is not None:
            phase += f" {meta.generation.mode.value}"
        row.phases[phase] += 1
        return response

    def check(self, case, response, *, strict: bool = True, checks=CHECKS, **kwargs) -> None:
        """Run ``checks`` on ``response``; ``strict`` raises the failures (the test),
        otherwise they are only counted (the bench)."""
        try:
            case.validate_response(response, checks=checks, **kwargs)
        except FailureGroup as group:
            row = self.operations[case.operation.label]
            for failure in group.exceptions:
                self._count(row, failure, case, response)
            if strict:
                raise

    def stateful_run(self, schema, tokens: dict[str, str | None], *, strict: bool = True,
                     scenarios: int = EXAMPLES, steps: int = STEPS) -> None:
        """Schemathesis' state machine over the links it infers (e.g. ``GET /calls`` → the
        ids of its items → ``GET /calls/{call_id}``): ``scenarios`` sequences of up to
        ``steps`` calls, each made by one persona (drawn first) in one language."""
        tally = self

        class Machine(schema.as_state_machine()):
            token, language = None, "ko"

            @initialize(who=st.sampled_from(PERSONAS), language=st.sampled_from(LANGUAGES))
            def persona(self, who, language):
                self.token, self.language = tokens[who], language

            def before_call(self, case):
                sign(case, self.token, self.language)

            def call(self, case, **kwargs):
                return tally.call(case, **kwargs)

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                tally.check(case, response, strict=strict, checks=STATEFUL_CHECKS,
                            transport_kwargs=kwargs or None,
                            recorder=getattr(self, "recorder", None))

        Machine.run(settings=hypothesis.settings(
            max_examples=scenarios, stateful_step_count=steps, derandomize=True,
            database=None, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)))

    def call_and_check(self, case, *, strict: bool = True):
        response = self.call(case)
        self.check(case, response, strict=strict)
        return response

    @staticmethod
    def _count(row: OperationTally, failure: Failure, case, response) -> None:
        if isinstance(failure, ServerError):
            row.server_errors += 1
        else:
            row.schema_violations += 1
        if len(row.failures) < 5:
            row.failures.append(f"{failure.title}: {case.method} {case.formatted_path} "
                                f"→ {response.status_code}")

    def as_property(self) -> tuple[str, str]:
        """The figures as a pytest user property (they travel from xdist workers to the
        terminal summary: tests/conftest.py, :func:`summary`)."""
        return PROPERTY, json.dumps({
            label: {"examples": row.examples, "server_errors": row.server_errors,
                    "schema_violations": row.schema_violations, "seconds": row.seconds,
                    "stateful": sum(n for phase, n in row.phases.items()
                                    if phase.startswith("stateful")),
                    "statuses": {str(code): n for code, n in sorted(row.statuses.items())}}
            for label, row in self.operations.items()})

    def totals(self) -> OperationTally:
        total = OperationTally()
        for row in self.operations.values():
            total.examples += row.examples
            total.server_errors += row.server_errors
            total.schema_violations += row.schema_violations
            total.seconds += row.seconds
        return total
