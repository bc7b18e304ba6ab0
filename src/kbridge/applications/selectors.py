from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.applications import eligibility
from kbridge.applications.models import (
    Application,
    Attachment,
    DeadlineExtension,
    Question,
    StartupProfile,
    Submission,
)
from kbridge.programs.models import Call, Track


def effective_deadline(call: Call, applicant_id: int | None) -> dt.datetime:
    """The call's deadline, moved by the latest extension for the call or this applicant."""
    extended = DeadlineExtension.objects.filter(call=call).filter(
        Q(applicant__isnull=True) | Q(applicant_id=applicant_id)
    ).aggregate(latest=Max("deadline_at"))["latest"]
    return max(call.deadline_at, extended) if extended else call.deadline_at


def startups_of(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        pk__in=organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE,
                                Membership.Role.STARTUP_MEMBER),
        kind=Organisation.Kind.STARTUP,
    )


def profile_of(organisation: Organisation) -> StartupProfile | None:
    return StartupProfile.objects.filter(organisation=organisation).first()


def questions_of(call: Call) -> list[Question]:
    return list(Question.objects.filter(call=call).order_by("position", "pk"))


def current_attachments(application: Application) -> dict[int, Attachment]:
    return {a.question_id: a for a in application.attachments.filter(is_current=True)}


def stored_bytes(application: Application) -> int:
    """Bytes of every file the application holds in storage (current and kept for submitted
    versions): what the per-application quota counts."""
    from django.db.models import Sum

    return application.attachments.aggregate(total=Sum("size"))["total"] or 0


def submitted_attachment_ids(application: Application) -> set[int]:
    """Attachments some submitted version refers to (its receipt carries their hashes)."""
    ids: set[int] = set()
    for files in application.submissions.values_list("files", flat=True):
        ids.update(f["attachment"] for f in files or [] if f.get("attachment") is not None)
    return ids


def other_selections(application: Application) -> tuple[str, ...]:
    others = Application.objects.filter(
        applicant_id=application.applicant_id, status=Application.Status.SELECTED
    ).exclude(pk=application.pk).select_related("program", "track")
    return tuple(f"{a.program.name_ko} · {a.track.name_ko}" for a in others)


_UNSET = object()


def eligibility_findings(application: Application, *, track: Track | None = None,
                         profile=_UNSET, deadline: dt.datetime | None = None,
                         selections: tuple[str, ...] | None = None
                         ) -> list[eligibility.Finding]:
    """The failing rules for ``application``; list pages pass pre-fetched facts (see
    ``findings_for``) so that a page of applications costs a fixed number of queries."""
    track = track or application.track
    if profile is _UNSET:
        profile = profile_of(application.applicant)
    deadline = timezone.localtime(
        deadline or effective_deadline(track.call, application.applicant_id))
    facts = eligibility.Facts(
        is_pre_founder=bool(profile and profile.is_pre_founder),
        business_registration_number=profile.business_registration_number if profile else "",
        founded_on=profile.founded_on if profile else None,
        declares_government_support=application.declares_government_support,
        government_support_detail=application.government_support_detail,
        declares_no_tax_arrears=application.declares_no_tax_arrears,
        other_selections=(selections if selections is not None
                          else other_selections(application)),
    )
    rules = eligibility.Rules(
        max_company_age_years=track.max_company_age_years,
        pre_founders_allowed=track.pre_founders_allowed,
        exclude_duplicate_funding=track.exclude_duplicate_funding,
        deadline_date=deadline.date(),
    )
    return eligibility.check(facts, rules)


def applications_for_call(call: Call) -> QuerySet[Application]:
    return (Application.objects.filter(call=call)
            .select_related("applicant", "call", "track__call",
                            "track__partner__organisation")
            .order_by("track__position", "applicant__name_ko"))


def call_counts(call: Call) -> tuple[dict[str, int], dict[int, int], int]:
    """Counts of ``call``'s applications in one grouped query: ``(by status, by track id
    (withdrawn ones left out), total)``. A status or track with none is absent."""
    by_status: dict[str, int] = {}
    by_track: dict[int, int] = {}
    for row in (Application.objects.filter(call=call).order_by()
                .values("status", "track_id").annotate(n=Count("id"))):
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] != Application.Status.WITHDRAWN:
            by_track[row["track_id"]] = by_track.get(row["track_id"], 0) + row["n"]
    return by_status, by_track, sum(by_status.values())


class _CountedPaginator(Paginator):
    """A paginator told its count instead of asking the database again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


#: The columns the operator's list shows or its eligibility column reads (no draft answers).
_LIST_FIELDS = (
    "id", "status", "submitted_at", "applicant", "call", "track",
    "declares_government_support", "government_support_detail", "declares_no_tax_arrears",
    "applicant__name_ko", "applicant__name_en", "call__deadline_at",
    "track__name_ko", "track__name_en", "track__max_company_age_years",
    "track__pre_founders_allowed", "track__exclude_duplicate_funding", "track__partner",
    "track__partner__organisation", "track__partner__organisation__name_ko",
    "track__partner__organisation__name_en",
)


def application_page(applications: QuerySet[Application], number: object, *,
                     per_page: int = 50, count: int | None = None
                     ) -> tuple[Page, list[Application]]:
    """Page ``number`` (any text; a bad or out-of-range one gives the first or last page) of
    ``applications`` in their order, and that page's applications with their related rows.

    Two steps, so the cost stays flat at 10,000 applications (docs/benchmarks.md): the order
    is taken on the ids alone (a narrow sort, then ``LIMIT``), then only the page's rows are
    read, with only the columns the list shows (:data:`_LIST_FIELDS`). Sorting the full
    joined rows and cutting 50 of them took ~120 ms.
    ``count``, when the caller knows how many ``applications`` there are (the unfiltered
    list), lets the ids be read with ``LIMIT``; without it (a search or a filter) all matching
    ids are read once, which also counts them.
    """
    ids = applications.values_list("pk", flat=True)
    if count is None:
        # A filtered list: one query for every matching id in order (its length is the
        # count), instead of a COUNT and a LIMIT that would both scan and match again.
        paginator = Paginator(list(ids), per_page)
    else:
        paginator = _CountedPaginator(ids, per_page, count=count)
    page = paginator.get_page(number)
    ids = list(page)
    by_id = (applications.select_related(None)
             .select_related("applicant", "call", "track__partner__organisation")
             .only(*_LIST_FIELDS).in_bulk(ids))
    return page, [by_id[pk] for pk in ids]


def findings_for(applications: list[Application]) -> dict[int, list[eligibility.Finding]]:
    """Eligibility of many applications of one call with three queries in all."""
    if not applications:
        return {}
    call = applications[0].call
    extensions = list(DeadlineExtension.objects.filter(call=call))
    selected: dict[int, list[Application]] = {}
    for other in Application.objects.filter(
            applicant_id__in={a.applicant_id for a in applications},
            status=Application.Status.SELECTED).select_related("program", "track").only(
                "applicant", "program__name_ko", "track__name_ko"):
        selected.setdefault(other.applicant_id, []).append(other)
    profiles = {p.organisation_id: p for p in StartupProfile.objects.filter(
        organisation_id__in={a.applicant_id for a in applications})}
    result = {}
    for application in applications:
        moved = [e.deadline_at for e in extensions
                 if e.applicant_id in (None, application.applicant_id)]
        deadline = max([call.deadline_at, *moved])
        selections = tuple(f"{o.program.name_ko} · {o.track.name_ko}"
                           for o in selected.get(application.applicant_id, [])
                           if o.pk != application.pk)
        result[application.pk] = eligibility_findings(
            application, profile=profiles.get(application.applicant_id), deadline=deadline,
            selections=selections)
    return result


def search_applications(applications: QuerySet[Application], q: str) -> QuerySet[Application]:
    """``applications`` narrowed to those matching the search text ``q``.

    ``q`` is what :func:`kbridge.core.text.clean_query` returns (NFKC: full-width letters and
    digits are ASCII already). Matches, case-insensitively, the company name in Korean or
    English, a receipt number of any submission, and the business registration number by its
    digits alone: ``5568681529``, ``556-86-81529`` and ``５５６-８６-８１５２９`` all find
    ``556-86-81529``. Every BRN is stored as ``###-##-#####`` (:func:`eligibility.canonical_brn`),
    so a run of digits is looked for in each place it could sit in that form (at most eight
    ``LIKE`` patterns, a single equality for all ten digits) instead of stripping the hyphens of
    every stored number. No join fans out (receipts are matched with ``EXISTS``), so the result
    needs no ``DISTINCT``. Empty ``q``: ``applications`` unchanged.
    """
    if not q:
        return applications
    receipts = Submission.objects.filter(application=OuterRef("pk"),
                                         receipt_number__icontains=q)
    match = (Q(applicant__name_ko__icontains=q) | Q(applicant__name_en__icontains=q)
             | Q(applicant__profile__business_registration_number__icontains=q)
             | Q(Exists(receipts)))
    digits = "".join(q.replace("-", " ").split())
    if digits.isascii() and digits.isdigit() and 3 <= len(digits) <= 10:
        for form in _brn_forms(digits):
            lookup = "exact" if len(digits) == 10 else "contains"
            match |= Q(**{f"applicant__profile__business_registration_number__{lookup}": form})
    return applications.filter(match)


def _brn_forms(digits: str) -> list[str]:
    """Each way ``digits`` (3-10 of them) can appear inside a ``###-##-#####`` number, one
    per starting digit, hyphens where the canonical form has them (before the 4th and the
    6th digit): ``"6868"`` → ``["6-86-8", "6-868", "68-68", "686-8", "6868"]``."""
    forms = []
    for start in range(0, 10 - len(digits) + 1):
        text = ""
        for position, digit in enumerate(digits, start=start):
            if position in (3, 5) and text:
                text += "-"
            text += digit
        forms.append(text)
    return sorted(set(forms))


#: The columns an export reads, and no others (no draft answers, no submission JSON): the
#: list's, and the profile's.
_EXPORT_FIELDS = (*_LIST_FIELDS, "applicant__profile__business_registration_number",
                  "applicant__profile__founded_on")


def applications_for_export(applications: QuerySet[Application], *, chunk_size: int = 1000
                            ) -> Iterator[tuple[Application, list[eligibility.Finding]]]:
    """Each application of ``applications`` (one call's, filtered and ordered as the caller
    likes) with its eligibility findings, read lazily for a streamed export.

    The applications carry only the columns an export shows, ``applicant.profile`` (or no
    profile) and ``latest_receipt`` (the receipt number of the newest submission, "" if none);
    they are read with one query through a database cursor, and every ``chunk_size``
    applications cost three more for their findings (:func:`findings_for`): a fixed number of
    queries whatever the number of applications per chunk.
    """
    latest_receipt = Subquery(Submission.objects.filter(application=OuterRef("pk"))
                              .order_by("-number").values("receipt_number")[:1])
    rows = (applications.select_related(None)
            .select_related("applicant__profile", "call", "track__partner__organisation")
            .only(*_EXPORT_FIELDS)
            .annotate(latest_receipt=latest_receipt)
            .iterator(chunk_size=chunk_size))
    while chunk := list(islice(rows, chunk_size)):
        findings = findings_for(chunk)
        for application in chunk:
            yield application, findings[application.pk]


# --- Personal data (accounts.personal_data section "applications") ----------------------------


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value.isoformat()


def personal_data_of(user) -> dict:
    """The companies ``user`` belongs to, their profiles and applications, as JSON-ready data.

    The same applications the person may open in the portal (their startups'), with answers
    keyed by the question's label, the list of attached files (never the bytes) and the
    submitted versions. Colleagues appear only as "by you: yes/no".
    """
    startup_ids = Membership.objects.filter(
        user=user, organisation__kind=Organisation.Kind.STARTUP,
        role__in=[Membership.Role.STARTUP_REPRESENTATIVE, Membership.Role.STARTUP_MEMBER],
    ).values_list("organisation_id", flat=True)
    profiles = StartupProfile.objects.filter(organisation_id__in=startup_ids).select_related(
        "organisation")
    applications = (Application.objects.filter(applicant_id__in=startup_ids)
                    .select_related("applicant", "call", "track", "program")
                    .prefetch_related("attachments", "submissions")
                    .order_by("created_at", "pk"))
    labels: dict[int, dict[str, str]] = {}
    result = {"company_profiles": [], "applications": []}
    for profile in profiles:
        result["company_profiles"].append({
            "company": profile.organisation.name_ko,
            "company_en": profile.organisation.name_en,
            "business_registration_number": profile.business_registration_number,
            "founded_on": _iso(profile.founded_on), "is_pre_founder": profile.is_pre_founder,
            "technology_keywords": profile.technology_keywords, "team_size": profile.team_size,
            "revenue_krw": profile.revenue_krw, "investment_krw": profile.investment_krw,
            "patents": profile.patents, "discoverable": profile.discoverable,
            "representative_is_you": profile.representative_id == user.pk,
        })
    for application in applications:
        if application.call_id not in labels:
            labels[application.call_id] = {
                str(q.pk): q.label_ko for q in Question.objects.filter(call=application.call)}
        names = labels[application.call_id]
        result["applications"].append({
            "id": application.pk,
            "company": application.applicant.name_ko,
            "program": application.program.name_ko,
            "call": application.call.title_ko,
            "track": application.track.name_ko,
            "status": application.status,
            "started_at": _iso(application.created_at),
            "started_by_you": application.created_by_id == user.pk,
            "saved_at": _iso(application.saved_at),
            "submitted_at": _iso(application.submitted_at),
            "withdrawn_at": _iso(application.withdrawn_at),
            "answers": [{"question": names.get(qid, qid), "answer": value}
                        for qid, value in application.answers.items()],
            "declares_government_support": application.declares_government_support,
            "government_support_detail": application.government_support_detail,
            "declares_no_tax_arrears": application.declares_no_tax_arrears,
            "attachments": [
                {"file_name": a.original_name, "size_bytes": a.size, "pages": a.pages,
                 "sha256": a.sha256, "uploaded_at": _iso(a.uploaded_at),
                 "current": a.is_current, "uploaded_by_you": a.uploaded_by_id == user.pk}
                for a in application.attachments.all()],
            "submissions": [
                {"receipt_number": s.receipt_number, "version": s.number,
                 "submitted_at": _iso(s.submitted_at), "answers_sha256": s.answers_sha256,
                 "submitted_by_you": s.submitted_by_id == user.pk}
                for s in sorted(application.submissions.all(), key=lambda s: s.number)],
        })
    return result
