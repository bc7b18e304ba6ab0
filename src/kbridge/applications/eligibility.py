"""Eligibility rules of a track, explained in plain words.

Pure functions over plain values, so the same rules run live while a founder edits a draft,
again at submission, and in the operator's list. Each failing rule is one ``Finding`` with a
stable code (for filters and exports) and a translated sentence that says what to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.kr import brn


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class Facts:
    """What the rules look at, taken from the profile, the draft and the program."""

    is_pre_founder: bool
    business_registration_number: str
    founded_on: dt.date | None
    declares_government_support: bool | None
    government_support_detail: str
    declares_no_tax_arrears: bool
    # Other programs' or calls' applications of this startup that were selected.
    other_selections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    max_company_age_years: int | None
    pre_founders_allowed: bool
    exclude_duplicate_funding: bool
    deadline_date: dt.date  # in KST


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def valid_brn(number: str) -> bool:
    """Format and components by python-stdnum, plus the National Tax Service check digit
    (weights 1,3,7,1,3,7,1,3,5), which python-stdnum's ``kr.brn`` does not verify."""
    try:
        digits = brn.validate(number)
    except StdnumError:
        return False
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(int(d) * w for d, w in zip(digits[:9], weights, strict=True))
    total += int(digits[8]) * 5 // 10
    return (10 - total % 10) % 10 == int(digits[9])


def check(facts: Facts, rules: Rules) -> list[Finding]:
    findings: list[Finding] = []
    if facts.is_pre_founder:
        if not rules.pre_founders_allowed:
            findings.append(Finding("pre_founder_not_allowed", _(
                "This track accepts only incorporated companies; pre-founders cannot apply. "
                "Choose a track that admits pre-founders, or register your business first.")))
    else:
        if not facts.business_registration_number:
            findings.append(Finding("brn_missing", _(
                "Enter your business registration number in the company profile "
                "(or mark the company as a pre-founder).")))
        elif not valid_brn(facts.business_registration_number):
            findings.append(Finding("brn_invalid", _(
                "The business registration number %(number)s is not valid. Check the 10 "
                "digits on your registration certificate.")
                % {"number": facts.business_registration_number}))
        if facts.founded_on is None:
            findings.append(Finding("founding_date_missing", _(
                "Enter the founding date in the company profile.")))
        elif rules.max_company_age_years is not None:
            limit = add_years(facts.founded_on, rules.max_company_age_years)
            if rules.deadline_date > limit:
                findings.append(Finding("company_too_old", _(
                    "Companies founded more than %(years)s years before the deadline "
                    "(%(deadline)s) cannot apply to this track; yours was founded on "
                    "%(founded)s.") % {
                        "years": rules.max_company_age_years,
                        "deadline": rules.deadline_date.isoformat(),
                        "founded": facts.founded_on.isoformat()}))
            elif facts.founded_on > rules.deadline_date:
                findings.append(Finding("founding_date_future", _(
                    "The founding date lies after the deadline. Check the date.")))
    if rules.exclude_duplicate_funding:
        if facts.declares_government_support is None:
            findings.append(Finding("government_support_undeclared", _(
                "Answer whether you currently receive funding from another government "
                "startup program.")))
        elif facts.declares_government_support:
            findings.append(Finding("duplicate_funding_declared", _(
                "You declared current funding from another government program (%(detail)s). "
                "Duplicate funding is excluded in this track.")
                % {"detail": facts.government_support_detail or "—"}))
        for other in facts.other_selections:
            findings.append(Finding("duplicate_funding_selected", _(
                "Your company is already selected in %(other)s; duplicate funding is "
                "excluded in this track.") % {"other": other}))
    if not facts.declares_no_tax_arrears:
        findings.append(Finding("tax_arrears_not_declared", _(
            "Confirm that your company has no unpaid national or local taxes. Companies "
            "with tax arrears cannot be funded.")))
    return findings
