"""Every eligibility rule, with the boundary of the company-age limit in KST dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kbridge.applications.eligibility import Facts, Rules, add_years, check

DEADLINE = dt.date(2026, 12, 15)


def facts(**overrides) -> Facts:
    base = {"is_pre_founder": False, "business_registration_number": "220-81-62517",
            "founded_on": dt.date(2022, 3, 2), "declares_government_support": False,
            "government_support_detail": "", "declares_no_tax_arrears": True}
    return Facts(**{**base, **overrides})


def rules(**overrides) -> Rules:
    base = {"max_company_age_years": 7, "pre_founders_allowed": False,
            "exclude_duplicate_funding": True, "deadline_date": DEADLINE}
    return Rules(**{**base, **overrides})


def codes(f: Facts, r: Rules) -> list[str]:
    return [finding.code for finding in check(f, r)]


def test_an_eligible_company_has_no_findings():
    assert check(facts(), rules()) == []


@pytest.mark.parametrize(("founded", "expected"), [
    (dt.date(2019, 12, 15), []),                  # exactly 7 years before the deadline
    (dt.date(2019, 12, 14), ["company_too_old"]),  # one day more
    (dt.date(2026, 12, 15), []),
    (dt.date(2026, 12, 16), ["founding_date_future"]),
])
def test_company_age_is_counted_to_the_deadline_date(founded, expected):
    assert codes(facts(founded_on=founded), rules()) == expected


def test_company_age_without_limit():
    assert codes(facts(founded_on=dt.date(1990, 1, 1)), rules(max_company_age_years=None)) == []


def test_leap_day_founders_are_counted_fairly():
    assert add_years(dt.date(2020, 2, 29), 7) == dt.date(2027, 2, 28)


def test_pre_founders_only_where_the_track_allows_them():
    pre = facts(is_pre_founder=True, business_registration_number="", founded_on=None)
    assert codes(pre, rules()) == ["pre_founder_not_allowed"]
    assert codes(pre, rules(pre_founders_allowed=True)) == []


def test_business_registration_number_is_required_and_checked():
    assert codes(facts(business_registration_number=""), rules()) == ["brn_missing"]
    assert codes(facts(business_registration_number="220-81-62518"), rules()) == ["brn_invalid"]
    assert codes(facts(founded_on=None), rules()) == ["founding_date_missing"]


def test_duplicate_funding_declared_or_already_selected():
    assert codes(facts(declares_government_support=True, government_support_detail="TIPS"),
                 rules()) == ["duplicate_funding_declared"]
    assert codes(facts(declares_government_support=None), rules()) == [
        "government_support_undeclared"]
    assert codes(facts(other_selections=("2026 프로그램 · NVIDIA 트랙",)), rules()) == [
        "duplicate_funding_selected"]
    assert codes(facts(declares_government_support=True),
                 rules(exclude_duplicate_funding=False)) == []


def test_tax_arrears_must_be_declared():
    assert codes(facts(declares_no_tax_arrears=False), rules()) == ["tax_arrears_not_declared"]


def test_findings_explain_in_korean_and_english():
    from django.utils import translation

    old = facts(founded_on=dt.date(2010, 1, 1))
    with translation.override("en"):
        assert "founded on Fri 1 Jan 2010" in check(old, rules())[0].message
    with translation.override("ko"):
        assert "2010년 1월 1일(금)" in check(old, rules())[0].message
        assert check(old, rules())[0].message != "" and "founded" not in check(old, rules())[0].message


@pytest.mark.parametrize(("number", "valid"), [
    ("220-81-62517", True), ("2208162517", True), ("124-81-00998", True),
    ("220-81-62518", False), ("1234567890", False), ("000-00-00000", False), ("12345", False),
])
def test_business_registration_number_check_digit(number, valid):
    from kbridge.applications.eligibility import valid_brn

    assert valid_brn(number) is valid
