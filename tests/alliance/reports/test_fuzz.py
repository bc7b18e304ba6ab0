"""The report form (with its investment rows) and the operator's review comment, fuzzed through
their pages as tests/core/test_input_fuzz.py does for the forms of ``kbridge.*.forms``: never a
500; a page that comes back shows what was typed, cleaned; what was accepted is stored as
typed, cleaned. Each example runs in a savepoint rolled back afterwards, so every one starts
from the same report."""

from __future__ import annotations

from django.db import transaction
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.core.text import clean_text
from tests.alliance.reports.world import FIGURES, first_report, submitted
from tests.core.test_input_fuzz import DERANDOMIZE, EXAMPLES, TEXT

REPORT_TEXT_FIELDS = ["narrative", "merger_detail", "jobs_created", "revenue_krw",
                      "overseas_revenue_krw", "investments-0-investor",
                      "investments-0-amount_krw", "investments-0-closed_on"]
#: Where an accepted text field is stored (the others are numbers or dates).
STORED = {"narrative": lambda r: r.narrative, "merger_detail": lambda r: r.merger_detail,
          "investments-0-investor": lambda r: r.investments.get().investor}

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


def _report_post(report) -> dict:
    data = {name: "" if value is None else str(value) for name, value in FIGURES.items()}
    data.update({"action": "save", "investments-TOTAL_FORMS": "1",
                 "investments-INITIAL_FORMS": "0", "investments-0-round": "seed",
                 "investments-0-amount_krw": "1억", "investments-0-investor": "스파크랩",
                 "investments-0-closed_on": report.period_starts_on.isoformat()})
    return data


def _check(response, typed: dict, stored: dict | None) -> None:
    assert response.status_code in {200, 302}, response.status_code
    page = response.content.decode()
    for name, value in typed.items():
        cleaned = clean_text(value)
        if response.status_code == 302:
            if stored is not None and name in stored:
                assert stored[name]() == cleaned.strip(), (name, value)
        else:
            assert escape(cleaned) in page, (name, value)


@FUZZ
@given(typed=st.fixed_dictionaries({}, optional=dict.fromkeys(REPORT_TEXT_FIELDS, TEXT)))
def test_the_report_form_never_500s_and_keeps_what_was_typed(client_for, personas,
                                                             agreement_a, typed):
    report = first_report(agreement_a)
    client = client_for(personas.startup_a)
    with transaction.atomic():
        response = client.post(f"/alliance/reports/{report.pk}/",
                               {**_report_post(report), **typed})
        report.refresh_from_db()
        _check(response, typed, {name: (lambda get=get: get(report))
                                 for name, get in STORED.items()})
        transaction.set_rollback(True)


@FUZZ
@given(comment=TEXT)
def test_the_review_comment_never_500s_and_keeps_what_was_typed(client_for, personas,
                                                                agreement_a, comment):
    report = first_report(agreement_a)
    if report.status == report.Status.DUE:  # the first example submits it
        submitted(report, personas)
    client = client_for(personas.operator)
    with transaction.atomic():
        response = client.post(f"/manage/alliance/reports/{report.pk}/return/",
                               {"comment": comment})
        report.refresh_from_db()
        _check(response, {"comment": comment}, {"comment": lambda: report.review_comment})
        transaction.set_rollback(True)
