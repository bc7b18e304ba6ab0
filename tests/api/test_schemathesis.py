"""Schemathesis over every operation of the live schema (issue 17): 0 server errors, 0 schema
violations, every status code and content type documented.

``test_operation``: every operation of ``kbridge.api.main.api`` (new routers are picked up
without a change here), positive and negative examples (``KBRIDGE_API_FUZZ_EXAMPLES``, 100 by
default) plus schemathesis' coverage cases (boundary values), derandomized: the same examples
on every run. ``test_stateful``: schemathesis' state machine over the links it infers between
operations (a list's ids fed to the detail operations, …), once per persona. Both run in the
web permission matrix's world (tests/test_permissions_matrix.py) with a token of every scope
for the operator, a partner admin, a startup representative, an evaluator, and anonymously.
The longer run is ``bench/api_fuzz.py`` (docs/api.md, "Fuzzing").
"""

# ruff: noqa: F811  (the matrix world's fixtures are imported to shadow tests/conftest.py's)
from __future__ import annotations

import pytest

from tests.api import fuzzing
from tests.api.conftest import token_for
from tests.test_permissions_matrix import ids, matrix, personas  # noqa: F401

schema = fuzzing.live_schema()

# CI fuzzes the production database (PostgreSQL) only; the longer run (bench/api_fuzz.py,
# 500 examples an operation) covers both, SQLite's own limits included (a 64-bit OFFSET was
# its finding, pinned in test_fuzz_findings.py, which runs on both).
pytestmark = pytest.mark.one_database


@pytest.fixture
def fuzz_tokens(personas, settings):
    """A token of every scope per persona (None: anonymous), no rate limit, requests served
    in-process inside the test's transaction."""
    settings.KBRIDGE_THROTTLE_RATES = {**settings.KBRIDGE_THROTTLE_RATES, **fuzzing.UNTHROTTLED}
    tokens = {name: (token_for(personas.by_name(name)) if name != "anonymous" else None)
              for name in fuzzing.PERSONAS}
    with fuzzing.InProcessApp.serving():
        yield tokens


@pytest.fixture
def tally(request):
    """The figures of this test, reported in the terminal summary (tests/conftest.py)."""
    tally = fuzzing.Tally()
    yield tally
    request.node.user_properties.append(tally.as_property())


@schema.parametrize()
def test_operation(case, fuzz_tokens, tally):
    who, language = fuzzing.persona_of(case)
    fuzzing.sign(case, fuzz_tokens[who], language)
    tally.call_and_check(case)


def test_stateful(fuzz_tokens, tally):
    tally.stateful_run(schema, fuzz_tokens)
