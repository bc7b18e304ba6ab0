"""Duplicate funding (중복지원), re-checked at decision time.

Two sources: the startup's own declaration on its application (it receives other government
support: shown to the operator, who decides), and the selection lists of other programs that
the operator imports as CSV (a match by business registration number makes the application
ineligible at decision time when its track excludes duplicate funding). In 2024 four of
fourteen OpenAI finalists were dropped for duplicate funding after selection
(../shared/docs/PRODUCT.md); checking at decision time means nobody is announced and then
dropped for a list the program already had.

The CSV: UTF-8 (with or without BOM) or CP949 (what Korean Excel saves), a header row naming
the columns in Korean or English — 사업자등록번호/business_registration_number (required),
기업명/company, 사업명/program (required), 연도/year. All rows are checked before anything is
stored: one bad row refuses the file with every bad row's line number listed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kbridge.accounts.models import User
from kbridge.applications.eligibility import brn_digits, valid_brn
from kbridge.applications.models import Application, StartupProfile
from kbridge.core import audit
from kbridge.core.text import clean_text
from kbridge.programs.models import Program
from kbridge.selection.models import FundingImport, FundingRecord

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS_SHOWN = 20
COLUMNS = {
    "business_registration_number": {"사업자등록번호", "business_registration_number",
                                     "business registration number", "brn"},
    "company_name": {"기업명", "회사명", "company", "company_name"},
    "funding_program": {"사업명", "지원사업", "program", "funding_program"},
    "year": {"연도", "선정연도", "year"},
}
REQUIRED = ("business_registration_number", "funding_program")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is neither UTF-8 nor CP949 text. Save it as CSV "
                            "(UTF-8) and upload it again."))


def _header(row: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(row):
        key = clean_text(name).casefold()
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    return found


def parse_funding_csv(data: bytes) -> list[dict]:
    """The rows of a funding list as dicts (``business_registration_number`` 10 digits,
    ``company_name``, ``funding_program``, ``year`` int or None). Raises ValidationError
    with translated messages naming each bad line (at most 20 listed)."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    text = _decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": exc}) \
            from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ValidationError(_("The file is empty."))
    header = _header(rows[0])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(_("The first row must name the columns; 사업자등록번호 "
                                "(business_registration_number) and 사업명 (program) are "
                                "required."))
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(_("The file has more than 50,000 rows."))
    records, errors = [], []
    for line, row in enumerate(rows[1:], start=2):
        def cell(column: str, row=row) -> str:
            index = header.get(column)
            return clean_text(row[index]) if index is not None and index < len(row) else ""
        digits = brn_digits(cell("business_registration_number"))
        program = cell("funding_program")
        year_text = cell("year")
        if not valid_brn(digits):
            errors.append(_("Line %(line)s: %(number)s is not a valid business registration "
                            "number.") % {"line": line,
                                          "number": cell("business_registration_number")})
            continue
        if not program:
            errors.append(_("Line %(line)s: the program is empty.") % {"line": line})
            continue
        year = None
        if year_text:
            if not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
                errors.append(_("Line %(line)s: %(year)s is not a year.")
                              % {"line": line, "year": year_text})
                continue
            year = int(year_text)
        records.append({"business_registration_number": digits,
                        "company_name": cell("company_name")[:200],
                        "funding_program": program[:200], "year": year})
    if not records and not errors:
        raise ValidationError(_("The file has a header but no rows below it: nothing to "
                                "import."))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        if more:
            shown.append(ngettext("…and %(n)s more line.", "…and %(n)s more lines.", more)
                         % {"n": more})
        raise ValidationError(shown)
    return records


@transaction.atomic
def import_funding_list(*, program: Program, by: User, file_name: str,
                        data: bytes) -> FundingImport:
    """Store another program's selection list for ``program``'s duplicate-funding check.
    All or nothing: raises ValidationError (see :func:`parse_funding_csv`)."""
    records = parse_funding_csv(data)
    batch = FundingImport.objects.create(program=program, imported_by=by,
                                         file_name=clean_text(file_name)[:200],
                                         rows=len(records))
    FundingRecord.objects.bulk_create(FundingRecord(source=batch, **r) for r in records)
    audit.record("selection.funding_list_imported", batch, after={"rows": len(records),
                                                                  "file": batch.file_name},
                 actor=by)
    return batch


@dataclass(frozen=True)
class FundingCheck:
    """What the duplicate-funding check found for one application."""

    matches: tuple[FundingRecord, ...]   # imported lists naming the startup
    declared: bool                       # the startup declared other government support
    declared_detail: str

    @property
    def ineligible(self) -> bool:
        return bool(self.matches)


def check_applications(applications: list[Application]) -> dict[int, FundingCheck]:
    """Application id → FundingCheck against the imported lists of each application's
    program. Two queries whatever the number of applications."""
    if not applications:
        return {}
    brn_of = {p.organisation_id: brn_digits(p.business_registration_number)
              for p in StartupProfile.objects.filter(
                  organisation_id__in={a.applicant_id for a in applications})}
    programs = {a.program_id for a in applications}
    numbers = {n for n in brn_of.values() if n}
    found: dict[tuple[int, str], list[FundingRecord]] = {}
    for record in (FundingRecord.objects.filter(source__program_id__in=programs,
                                                business_registration_number__in=numbers)
                   .select_related("source").order_by("pk")):
        found.setdefault((record.source.program_id, record.business_registration_number),
                         []).append(record)
    result = {}
    for a in applications:
        number = brn_of.get(a.applicant_id, "")
        matches = tuple(found.get((a.program_id, number), ())) if number else ()
        if not a.track.exclude_duplicate_funding:
            matches = ()
        result[a.pk] = FundingCheck(matches, bool(a.declares_government_support),
                                    a.government_support_detail or "")
    return result
