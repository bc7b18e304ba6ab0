"""Plausibility bounds shared by the models (docs/decisions.md, "Input cleaning and limits").

Each bound is far outside any real value and far inside what the databases and Python's
``datetime`` can hold, so an absurd value becomes a form error instead of a 500
(``OverflowError`` converting year 1 KST to UTC on SQLite, "integer out of range" on
PostgreSQL) or a program that promises more than it has.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.i18n import format_date

#: Instants and dates of programs and calls lie within these years (inclusive).
FIRST_YEAR = 2000
LAST_YEAR = 2100
#: The earliest founding date we accept (older companies do not apply to startup programs,
#: and a typo such as 0202 for 2020 is caught).
EARLIEST_FOUNDING = dt.date(1900, 1, 1)
#: A program budget: at most 10 trillion won (10조 원); the whole national startup budget is
#: a fraction of that.
MAX_BUDGET_KRW = 10**13
#: Any other amount in won (revenue, investment, numeric answers): at most 10^15 (1,000조 원),
#: well inside PostgreSQL's bigint (9.2 × 10^18).
MAX_AMOUNT_KRW = 10**15
#: Places in one track.
MAX_QUOTA = 1_000
#: Counts a startup reports about itself (team size, patents).
MAX_COUNT = 100_000


def validate_plausible_instant(value: dt.datetime | None) -> None:
    """A date and time between 2000 and 2100 (judged in the time zone it was entered in)."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Enter a date between the years %(first)s and %(last)s."),
            code="implausible_year", params={"first": FIRST_YEAR, "last": LAST_YEAR})


def validate_plausible_date(value: dt.date | None) -> None:
    """A date between 2000 and 2100."""
    validate_plausible_instant(value)


def validate_founding_date(value: dt.date | None) -> None:
    """A founding date not in the future (in KST) and not before 1900."""
    if value is None:
        return
    if value > timezone.localdate():
        raise ValidationError(_("The founding date cannot be in the future."),
                              code="future_date")
    if value < EARLIEST_FOUNDING:
        raise ValidationError(_("Enter a founding date after %(date)s."), code="too_old",
                              params={"date": format_date(EARLIEST_FOUNDING)})


def amount_validators(maximum: int = MAX_AMOUNT_KRW) -> list:
    """Validators for an amount in won: 0 up to ``maximum``."""
    return [MinValueValidator(0), MaxValueValidator(maximum)]


def signed_bound_validators(bound: int = MAX_AMOUNT_KRW) -> list:
    """Validators for a signed number: −``bound`` up to ``bound``."""
    return [MinValueValidator(-bound), MaxValueValidator(bound)]
