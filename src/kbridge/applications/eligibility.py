"""Eligibility rules of a track, explained in plain words.

Pure functions over plain values, so the same rules run live while a founder edits a draft,
again at submission, and in the operator's list. Each failing rule is one ``Finding`` with a
stable code (for filters and exports) and a translated sentence that says what to do.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.kr import brn

from kbridge.core.i18n import format_date

# A short name of each finding for lists (the operator's application list); the code stays
# for filters, exports and ``data-code`` attributes and is never shown as text.
FINDING_LABELS = {
    "pre_founder_not_allowed": gettext_lazy("Pre-founders not admitted"),
    "brn_missing": gettext_lazy("Business registration number missing"),
    "brn_invalid": gettext_lazy("Business registration number not valid"),
    "founding_date_missing": gettext_lazy("Founding date missing"),
    "company_too_old": gettext_lazy("Company too old for this track"),
    "founding_date_future": gettext_lazy("Founding date after the deadline"),
    "government_support_undeclared": gettext_lazy("Government funding not declared"),
    "duplicate_funding_declared": gettext_lazy("Declared duplicate funding"),
    "duplicate_funding_selected": gettext_lazy("Already selected elsewhere"),
    "tax_arrears_not_declared": gettext_lazy("No-tax-arrears declaration missing"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str

    @property
    def label(self) -> str:
        """The translated short name of the finding (the message says what to do)."""
        return str(FINDING_LABELS.get(self.code, self.message))


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


def brn_digits(number: str) -> str:
    """The digits of a business registration number as typed: NFKC first (full-width
    ``５５６-８６-８１５２９`` becomes ASCII), then python-stdnum's ``compact`` (drops
    hyphens and spaces). ``""`` for empty input."""
    return brn.compact(unicodedata.normalize("NFKC", number or "").strip())


def canonical_brn(number: str) -> str:
    """The stored form ``###-##-#####`` (python-stdnum's ``format``) of a valid number;
    any other input comes back NFKC-normalised and trimmed (forms refuse it before it is
    stored; the data migration leaves such rows readable)."""
    digits = brn_digits(number)
    if len(digits) == 10 and digits.isascii() and digits.isdigit():
        return brn.format(digits)
    return unicodedata.normalize("NFKC", number or "").strip()


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
                        "deadline": format_date(rules.deadline_date),
                        "founded": format_date(facts.founded_on)}))
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
