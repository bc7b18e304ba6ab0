"""Pure rules of conflict detection (제척): names, e-mail domains, ties in a look-back period.

No database here: :mod:`kbridge.evaluation.services.conflicts` reads the rows and asks these
functions. Kept apart so each rule reads (and is tested) on its own.

Sources: the look-back of ties is ``Stage.conflict_lookback_years`` (default 3 years, after
the evaluator-exclusion rules of Korea's national R&D programmes, 국가연구개발사업 평가위원
제척 기준 — see ``evaluation.models.DEFAULT_CONFLICT_LOOKBACK_YEARS``); the public mail
domains below are the free mailbox providers most used in Korea and worldwide, where a shared
domain says nothing about a shared employer.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

#: Free mailbox providers: two people with addresses here share no organisation because of
#: it. The one list the e-mail-domain rule reads (docs/evaluation.md repeats it).
PUBLIC_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "naver.com", "daum.net", "hanmail.net", "kakao.com",
    "nate.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
    "yahoo.co.kr", "icloud.com", "me.com", "proton.me", "protonmail.com",
})

#: A domain whose addresses belong to members of at least this many different organisations
#: on the platform is a shared mailbox domain too (a provider missing from the list above, a
#: co-working or university alumni domain, a demo's one domain): it says nothing about ties.
SHARED_DOMAIN_MIN_ORGANISATIONS = 3

# Legal-form words that do not tell two companies apart: "(주)뉴로칩스" is "뉴로칩스", and
# "Neuro Chips Co., Ltd." is "Neuro Chips".
_LEGAL_FORMS = re.compile(
    r"\(주\)|㈜|주식회사|\(유\)|유한회사|\(사\)|사단법인|재단법인"
    r"|\b(?:co|corp|corporation|inc|incorporated|ltd|limited|llc|gmbh|plc)\b\.?",
    re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_company_name(name: str) -> str:
    """A company name as the tie rule compares it: NFKC, case-folded, legal forms
    (주식회사, ㈜, Co., Ltd., Inc. …) and all spaces and punctuation removed.

    ``"(주) 뉴로 칩스"`` → ``"뉴로칩스"``; ``"Neuro Chips Co., Ltd."`` → ``"neurochips"``.
    ``""`` for a name with nothing left (never matches)."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = _LEGAL_FORMS.sub(" ", text)
    return _NOT_WORD.sub("", text)


def email_domain(address: str) -> str:
    """The lower-cased domain of an e-mail address (``""`` when there is none)."""
    _, at, domain = (address or "").strip().rpartition("@")
    return domain.lower().strip(".") if at else ""


def is_public_domain(domain: str) -> bool:
    return domain in PUBLIC_MAIL_DOMAINS


def shared_private_domain(address: str, others: list[str]) -> str:
    """The domain ``address`` shares with one of ``others``, unless it is a public mail
    domain (:data:`PUBLIC_MAIL_DOMAINS`); ``""`` for none."""
    domain = email_domain(address)
    if not domain or is_public_domain(domain):
        return ""
    return domain if any(email_domain(o) == domain for o in others) else ""


def years_before(day: date, years: int) -> date:
    """``day`` moved back ``years`` calendar years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def tie_in_lookback(ended_on: date | None, *, today: date, lookback_years: int) -> bool:
    """Does a tie count? Ongoing ties (``ended_on`` None) always do; an ended one does when
    it ended on or after the day ``lookback_years`` before ``today``."""
    if ended_on is None:
        return True
    return ended_on >= years_before(today, lookback_years)


def tie_matches(*, tie_name: str, tie_brn_digits: str, company_names: list[str],
                company_brn_digits: str) -> bool:
    """Does a declared tie name this company? By business registration number when both
    have one (10 digits), else by :func:`normalise_company_name` against any of the
    company's names (Korean, English)."""
    if len(tie_brn_digits) == 10 and len(company_brn_digits) == 10:
        return tie_brn_digits == company_brn_digits
    wanted = normalise_company_name(tie_name)
    return bool(wanted) and any(normalise_company_name(n) == wanted for n in company_names
                                if n)
