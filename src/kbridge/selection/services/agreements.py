"""Agreements (협약): the terms a selected startup is offered, its documents and its acceptance.

The operator drafts the agreement of a **selected** outcome of a **confirmed, announced**
selection and saving it sends it (``send_agreement``): a period (by default from the first
day of the next month, for ``SelectionPolicy.agreement_months`` months), funding tranches
that sum exactly to the outcome's award and fall within the period (by default
``SIGNING_SHARE_PERCENT`` % on the first day of the period — at signing — and the rest on the
first day of the period's middle month, after the mid-term review), and a deadline to accept,
``ACCEPT_WORKING_DAYS`` Korean working days after sending (``core.workdays``).

The startup uploads one PDF of each kind in ``REQUIRED_DOCUMENTS`` through the shared checks
(``applications.uploads.check_pdf`` in the view; here ``upload_document`` stores the checked
bytes); a new upload of a kind replaces the old one (its bytes are deleted after
``settings.KBRIDGE_REPLACED_FILE_GRACE_SECONDS``, as applications do, so a backup that copied
the old row still finds its file). Any member of the startup may upload while the agreement
waits for the startup and before ``accept_by``; only the representative accepts
(``accept_agreement``), once every required document is there, recording who, when and from
which address. ``expire_agreements`` lapses what was not accepted in time and drops the
outcome so the place goes down the waitlist.

Every change writes an audit row (``selection.agreement_*``) in the program's agency.
Errors are ``ValidationError`` with translated messages (a dict by field name for the terms).
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids
from kbridge.core import audit
from kbridge.core.backup import quote_name
from kbridge.core.i18n import format_date
from kbridge.core.mail import queue_email
from kbridge.core.money import format_krw
from kbridge.core.site import absolute
from kbridge.core.workdays import add_working_days
from kbridge.selection import signals
from kbridge.selection.models import (
    DEFAULT_AGREEMENT_MONTHS,
    Agreement,
    AgreementDocument,
    Outcome,
    Selection,
)

#: The documents an agreement requires, in the order the pages list them: code -> label.
REQUIRED_DOCUMENTS = {
    "business_registration": gettext_lazy("Business registration certificate"),
    "bank_account": gettext_lazy("Copy of the bank account book"),
    "signed_agreement": gettext_lazy("Signed agreement"),
}
#: Working days the startup has to accept, counted from the day the agreement is sent.
ACCEPT_WORKING_DAYS = 10
#: The first tranche's share of the award (paid at signing); the rest follows the mid-term review.
SIGNING_SHARE_PERCENT = 70
#: Tranche amounts of the default split are rounded down to this many won (the rest goes last).
ROUND_TO_KRW = 1_000
#: Most tranches an agreement may have.
MAX_TRANCHES = 6
#: Longest agreement period in months (SelectionPolicy.agreement_months allows up to 36).
MAX_MONTHS = 36


def document_label(kind: str) -> str:
    """The translated label of a document code ("" for an unknown code)."""
    return str(REQUIRED_DOCUMENTS.get(kind, ""))


# --- dates and amounts (pure) ----------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_period(today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """``(starts_on, ends_on)``: from the first day of the month after ``today`` (a KST date)
    for ``months`` months, ending the day before the same day ``months`` later (10 months from
    2027-01-01 end on 2027-10-31)."""
    starts_on = add_months(today.replace(day=1), 1)
    return starts_on, add_months(starts_on, months) - dt.timedelta(days=1)


def midterm_date(starts_on: dt.date, ends_on: dt.date) -> dt.date:
    """The date of the second tranche in the default split: the first day of the period's
    middle month (2027-06-01 for 2027-01-01–2027-10-31), after the mid-term review."""
    months = (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1
    return add_months(starts_on, max(months // 2, 1)) if months > 1 else starts_on


def default_tranches(award_krw: int, starts_on: dt.date, ends_on: dt.date) -> list[dict]:
    """The default split: ``SIGNING_SHARE_PERCENT`` % of the award (rounded down to
    ``ROUND_TO_KRW`` won) on ``starts_on``, the rest on :func:`midterm_date`. One tranche when
    the award is too small to split. Shape: ``[{"due_on": date, "amount_krw": int}, …]``."""
    first = award_krw * SIGNING_SHARE_PERCENT // 100 // ROUND_TO_KRW * ROUND_TO_KRW
    if first <= 0 or first >= award_krw:
        return [{"due_on": starts_on, "amount_krw": award_krw}]
    return [{"due_on": starts_on, "amount_krw": first},
            {"due_on": midterm_date(starts_on, ends_on), "amount_krw": award_krw - first}]


def terms_errors(*, award_krw: int, starts_on: dt.date | None, ends_on: dt.date | None,
                 tranches: list[dict]) -> dict[str, list[str]]:
    """What is wrong with these terms, by field (``starts_on``, ``ends_on``, ``tranches``);
    empty when they hold: the period ends after it starts and lasts at most ``MAX_MONTHS``
    months; 1–``MAX_TRANCHES`` tranches of positive amounts due within the period, summing
    exactly to ``award_krw``."""
    errors: dict[str, list[str]] = {}
    if starts_on is None:
        errors.setdefault("starts_on", []).append(_("Enter the first day of the agreement."))
    if ends_on is None:
        errors.setdefault("ends_on", []).append(_("Enter the last day of the agreement."))
    if starts_on and ends_on:
        if ends_on <= starts_on:
            errors.setdefault("ends_on", []).append(
                _("The agreement must end after it starts."))
        elif ends_on >= add_months(starts_on, MAX_MONTHS):
            errors.setdefault("ends_on", []).append(
                _("An agreement lasts at most %(months)s months.") % {"months": MAX_MONTHS})
    problems = []
    if not tranches:
        problems.append(_("Enter at least one tranche: a date and an amount."))
    if len(tranches) > MAX_TRANCHES:
        problems.append(_("An agreement has at most %(n)s tranches.") % {"n": MAX_TRANCHES})
    for number, tranche in enumerate(tranches, 1):
        due_on, amount = tranche.get("due_on"), tranche.get("amount_krw")
        if amount is None or amount <= 0:
            problems.append(_("Tranche %(n)s: enter an amount of more than 0 won.") % {
                "n": number})
        if due_on is None:
            problems.append(_("Tranche %(n)s: enter the date it is paid.") % {"n": number})
        elif starts_on and ends_on and not starts_on <= due_on <= ends_on:
            problems.append(_("Tranche %(n)s is due on %(date)s, outside the agreement "
                              "period (%(start)s – %(end)s).") % {
                "n": number, "date": format_date(due_on), "start": format_date(starts_on),
                "end": format_date(ends_on)})
    total = sum(t.get("amount_krw") or 0 for t in tranches)
    if tranches and total != award_krw:
        difference = award_krw - total
        problems.append(
            (_("The tranches add up to %(total)s but the award is %(award)s: "
               "%(difference)s is missing.") if difference > 0 else
             _("The tranches add up to %(total)s but the award is %(award)s: "
               "%(difference)s too much.")) % {
                "total": format_krw(total), "award": format_krw(award_krw),
                "difference": format_krw(abs(difference))})
    if problems:
        errors["tranches"] = problems
    return errors


# --- reads used by services and views ------------------------------------------------------


def agreeable(outcome: Outcome, now: dt.datetime | None = None) -> bool:
    """An agreement may be drafted: the outcome is selected with an award, its selection is
    confirmed and announced (``SelectionPolicy.announcement_at`` has passed)."""
    now = now or timezone.now()
    selection = outcome.selection
    policy = getattr(selection.track.call, "selection_policy", None)
    return (outcome.status == Outcome.Status.SELECTED and bool(outcome.award_krw)
            and selection.status == Selection.Status.CONFIRMED and policy is not None
            and policy.announcement_at is not None and policy.announcement_at <= now)


def agreement_months(outcome: Outcome) -> int:
    policy = getattr(outcome.selection.track.call, "selection_policy", None)
    return policy.agreement_months if policy is not None else DEFAULT_AGREEMENT_MONTHS


def is_open(agreement: Agreement, now: dt.datetime | None = None) -> bool:
    """Waiting for the startup and not past ``accept_by``: documents may change, it may be
    accepted."""
    return (agreement.status == Agreement.Status.OFFERED
            and (now or timezone.now()) <= agreement.accept_by)


def current_documents(agreement: Agreement) -> dict[str, AgreementDocument]:
    """kind -> the document of that kind (the newest, should two exist)."""
    found: dict[str, AgreementDocument] = {}
    for document in agreement.documents.all():  # ordered kind, newest first
        found.setdefault(document.kind, document)
    return found


def missing_documents(agreement: Agreement) -> list[str]:
    """Codes of the required documents not uploaded yet, in ``REQUIRED_DOCUMENTS`` order."""
    present = current_documents(agreement)
    return [kind for kind in REQUIRED_DOCUMENTS if kind not in present]


def parse_tranches(stored: list[dict]) -> list[dict]:
    """The JSON of ``Agreement.tranches`` with ``due_on`` as a date."""
    return [{"due_on": dt.date.fromisoformat(t["due_on"]), "amount_krw": int(t["amount_krw"])}
            for t in stored]


def storage_path(stored_name: str) -> str:
    """MEDIA_ROOT-relative path of an agreement document's bytes."""
    return f"agreements/{stored_name}"


def stored_files(cursor, tables: dict[str, int]) -> dict[str, str]:
    """The agreement documents' part of a backup (``core.backup.register_files``): path ->
    SHA-256 recorded at upload, read with the DB-API ``cursor`` ({} without the table)."""
    table = AgreementDocument._meta.db_table
    if table not in tables:
        return {}
    cursor.execute(f"SELECT stored_name, sha256 FROM {quote_name(table)}")  # noqa: S608
    return {storage_path(name): digest for name, digest in cursor.fetchall()}


def representatives(agreement: Agreement) -> list:
    """The users who represent the applicant (usually one)."""
    return [m.user for m in Membership.objects.filter(
        organisation_id=agreement.outcome.application.applicant_id,
        role=Membership.Role.STARTUP_REPRESENTATIVE).select_related("user").order_by("pk")]


# --- changes --------------------------------------------------------------------------------


def _tenant(outcome: Outcome) -> int:
    return outcome.selection.track.call.program.operator_id


def _snapshot(agreement: Agreement) -> dict:
    return {"status": agreement.status, "starts_on": agreement.starts_on.isoformat(),
            "ends_on": agreement.ends_on.isoformat(), "tranches": agreement.tranches,
            "accept_by": agreement.accept_by.isoformat()}


def _locked_outcome(outcome: Outcome) -> Outcome:
    return (Outcome.objects.select_for_update(of=("self",))
            .select_related("selection__track__call__program__operator",
                            "selection__track__call__selection_policy",
                            "application__applicant")
            .get(pk=outcome.pk))


def send_agreement(*, outcome: Outcome, by, starts_on: dt.date | None,
                   ends_on: dt.date | None, tranches: list[dict],
                   now: dt.datetime | None = None) -> Agreement:
    """Create the agreement of ``outcome`` and send it to the startup's representative.

    ``tranches``: ``[{"due_on": date, "amount_krw": int}, …]`` (see :func:`terms_errors`).
    ``accept_by`` is the end (23:59:59 KST) of the ``ACCEPT_WORKING_DAYS``-th working day
    after ``now``. Raises ``ValidationError``: a dict by field for terms that do not hold, a
    message when the outcome cannot get one (not selected, not announced) or already has one.
    Side effects: audit ``selection.agreement_sent``; an e-mail (Korean and English) to each
    representative, key ``agreement-sent:<id>:<user id>``.
    """
    from kbridge.selection.tasks_agreements import lapse_due_agreements

    now = now or timezone.now()
    with transaction.atomic():
        outcome = _locked_outcome(outcome)
        if not agreeable(outcome, now):
            raise ValidationError(_("Only a selected startup of a confirmed, announced "
                                    "selection can be offered an agreement."), code="state")
        if Agreement.objects.filter(outcome=outcome).exists():
            raise ValidationError(_("This startup has already been sent its agreement."),
                                  code="exists")
        errors = terms_errors(award_krw=outcome.award_krw, starts_on=starts_on,
                              ends_on=ends_on, tranches=tranches)
        if errors:
            raise ValidationError(errors)
        stored = [{"due_on": t["due_on"].isoformat(), "amount_krw": int(t["amount_krw"])}
                  for t in sorted(tranches, key=lambda t: t["due_on"])]
        agreement = Agreement.objects.create(
            outcome=outcome, status=Agreement.Status.OFFERED, starts_on=starts_on,
            ends_on=ends_on, tranches=stored,
            accept_by=add_working_days(now, ACCEPT_WORKING_DAYS))
        audit.record("selection.agreement_sent", agreement, after={
            **_snapshot(agreement), "award_krw": outcome.award_krw}, actor=by,
            tenant_id=_tenant(outcome))
        for user in representatives(agreement):
            _mail(agreement, user, "sent", key=f"agreement-sent:{agreement.pk}:{user.pk}")
        run_at = agreement.accept_by + dt.timedelta(seconds=1)
        transaction.on_commit(lambda: lapse_due_agreements.using(run_after=run_at).enqueue())
    return agreement


def _locked(agreement: Agreement) -> Agreement:
    return (Agreement.objects.select_for_update(of=("self",))
            .select_related("outcome__selection__track__call__program__operator",
                            "outcome__application__applicant")
            .get(pk=agreement.pk))


@dataclass(frozen=True)
class StoredDocument:
    document: AgreementDocument
    replaced: AgreementDocument | None


def upload_document(*, agreement: Agreement, kind: str, checked, by,
                    now: dt.datetime | None = None) -> StoredDocument:
    """Store ``checked`` (an ``applications.uploads.CheckedPDF``) as the agreement's document
    of ``kind``, replacing the one there.

    Raises ``ValidationError`` for an unknown kind or when the agreement no longer waits for
    the startup (accepted, lapsed, or past ``accept_by``). ``by`` must be a member of the
    startup (the view checks ``selection.upload_agreement_document``).
    Side effects: the bytes under ``agreements/<32 hex>`` in private storage; a replaced
    file's bytes deleted after the grace period (task ``purge_agreement_document``); audit
    ``selection.agreement_document_uploaded`` with the SHA-256 and what was replaced.
    """
    from kbridge.selection.tasks_agreements import purge_agreement_document

    if kind not in REQUIRED_DOCUMENTS:
        raise ValidationError(_("This is not one of the agreement's documents."), code="kind")
    now = now or timezone.now()
    with transaction.atomic():
        agreement = _locked(agreement)
        if not is_open(agreement, now):
            raise ValidationError(_("The agreement no longer waits for documents: it was "
                                    "accepted, or its deadline has passed."), code="closed")
        previous = list(agreement.documents.filter(kind=kind))
        document = AgreementDocument(
            agreement=agreement, kind=kind, stored_name=uuid.uuid4().hex,
            original_name=checked.original_name, size=checked.size, pages=checked.pages,
            sha256=checked.sha256, uploaded_by=by, uploaded_at=now)
        default_storage.save(storage_path(document.stored_name), ContentFile(checked.data))
        purge_at = now + dt.timedelta(seconds=settings.KBRIDGE_REPLACED_FILE_GRACE_SECONDS)
        for old in previous:
            name = old.stored_name
            old.delete()
            # Queued after commit: a rolled-back replacement keeps its file.
            transaction.on_commit(lambda name=name: purge_agreement_document.using(
                run_after=purge_at).enqueue(name))
        document.save()
        replaced = previous[0] if previous else None
        audit.record("selection.agreement_document_uploaded", agreement, after={
            "kind": kind, "file": document.original_name, "sha256": document.sha256,
            "size": document.size, "pages": document.pages,
            "replaced": ({"file": replaced.original_name, "sha256": replaced.sha256}
                         if replaced else None)},
            actor=by, tenant_id=_tenant(agreement.outcome))
    return StoredDocument(document, replaced)


def purge_document_file(*, stored_name: str) -> bool:
    """Delete the bytes of a replaced document once no row names them (True when deleted);
    safe to run twice or late."""
    if AgreementDocument.objects.filter(stored_name=stored_name).exists():
        return False
    path = storage_path(stored_name)
    if not default_storage.exists(path):
        return False
    default_storage.delete(path)
    return True


def accept_agreement(*, agreement: Agreement, by, ip: str | None,
                     now: dt.datetime | None = None) -> Agreement:
    """The representative accepts the agreement: status accepted, with who, when (UTC) and the
    client address ``ip`` (None when unknown).

    Idempotent for a double click: an agreement this person already accepted is returned as
    it is. Raises ``ValidationError`` when ``by`` does not represent the startup (members may
    upload but not accept), the agreement is not waiting for the startup or its deadline has
    passed, or a required document is missing (the message names them).
    Side effects: audit ``selection.agreement_accepted``; a confirmation e-mail to the
    representatives (key ``agreement-accepted:<id>:<user id>``); the signal
    ``selection.signals.agreement_accepted`` in the same transaction (the alliance admits
    the startup and schedules the agreement's milestone reports).
    """
    now = now or timezone.now()
    with transaction.atomic():
        agreement = _locked(agreement)
        applicant_id = agreement.outcome.application.applicant_id
        if applicant_id not in organisation_ids(by, Membership.Role.STARTUP_REPRESENTATIVE):
            raise ValidationError(_("Only the startup's representative can accept the "
                                    "agreement."), code="not_representative")
        if agreement.status == Agreement.Status.ACCEPTED and agreement.accepted_by_id == by.pk:
            return agreement
        if not is_open(agreement, now):
            raise ValidationError(_("The agreement can no longer be accepted: it was accepted "
                                    "or has lapsed, or its deadline has passed."),
                                  code="closed")
        missing = missing_documents(agreement)
        if missing:
            raise ValidationError(
                _("Upload every required document before accepting. Missing: %(documents)s.")
                % {"documents": ", ".join(document_label(k) for k in missing)},
                code="missing_documents")
        before = _snapshot(agreement)
        agreement.status = Agreement.Status.ACCEPTED
        agreement.accepted_by, agreement.accepted_at = by, now
        agreement.accepted_ip = ip or None
        agreement.save(update_fields=["status", "accepted_by", "accepted_at", "accepted_ip",
                                      "updated_at"])
        audit.record("selection.agreement_accepted", agreement, before=before, after={
            **_snapshot(agreement), "accepted_at": now.isoformat(), "accepted_ip": ip,
            "documents": {d.kind: d.sha256 for d in current_documents(agreement).values()}},
            actor=by, tenant_id=_tenant(agreement.outcome))
        for user in representatives(agreement):
            _mail(agreement, user, "accepted",
                  key=f"agreement-accepted:{agreement.pk}:{user.pk}")
        signals.agreement_accepted.send(sender=Agreement, agreement=agreement, by=by)
    return agreement


WAITLIST_MODULE = "kbridge.selection.services.waitlist"


def _waitlist():
    """The waitlist service module, or None while it does not exist.

    The waitlist area (``services/waitlist.py``, with ``drop_out``) is written alongside this
    one; until it is merged, a lapse is recorded without passing the place down. Only the
    module's own absence is tolerated: an error inside it propagates.
    """
    try:
        return importlib.import_module(WAITLIST_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != WAITLIST_MODULE:
            raise
        return None


def expire_agreements(now: dt.datetime | None = None) -> list[int]:
    """Lapse every agreement still waiting for the startup after its ``accept_by``; returns
    their ids.

    Each agreement in its own transaction: status lapsed, audit ``selection.agreement_lapsed``
    (no actor), an e-mail to the representatives, then the outcome drops out through
    ``waitlist.drop_out(outcome=…, by=None, reason_code="agreement_lapsed", detail="")`` so the
    place goes to the waitlist — in the same transaction, so a failed drop-out leaves the
    agreement offered and the next run tries again. Safe to run twice.
    """
    now = now or timezone.now()
    waitlist = _waitlist()
    lapsed = []
    due = Agreement.objects.filter(status=Agreement.Status.OFFERED, accept_by__lt=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            agreement = _locked(Agreement(pk=pk))
            if agreement.status != Agreement.Status.OFFERED or agreement.accept_by >= now:
                continue
            before = _snapshot(agreement)
            agreement.status = Agreement.Status.LAPSED
            agreement.save(update_fields=["status", "updated_at"])
            audit.record("selection.agreement_lapsed", agreement, before=before,
                         after={**_snapshot(agreement),
                                "missing_documents": missing_documents(agreement)},
                         tenant_id=_tenant(agreement.outcome))
            for user in representatives(agreement):
                _mail(agreement, user, "lapsed",
                      key=f"agreement-lapsed:{agreement.pk}:{user.pk}")
            if waitlist is not None:
                waitlist.drop_out(outcome=agreement.outcome, by=None,
                                  reason_code="agreement_lapsed", detail="")
            lapsed.append(agreement.pk)
    return lapsed


# --- e-mail ---------------------------------------------------------------------------------


def _mail(agreement: Agreement, user, template: str, *, key: str) -> None:
    """One message in Korean and English (Korean first), whatever the person's language."""
    outcome = agreement.outcome
    context = {
        "agreement": agreement, "outcome": outcome, "user": user,
        "application": outcome.application, "track": outcome.selection.track,
        "tranches": parse_tranches(agreement.tranches),
        "documents": list(REQUIRED_DOCUMENTS.values()),  # lazy: each part in its language
        "url": absolute(f"/applications/{outcome.application_id}/agreement/"),
    }
    parts, subjects = [], []
    for language in ("ko", "en"):
        with translation.override(language):
            text = render_to_string(f"selection/agreements/mail/{template}.txt", context)
            subject, _sep, body = text.strip().partition("\n")
            subjects.append(subject.strip())
            parts.append(body.strip())
    message = EmailMessage(" / ".join(subjects), "\n\n----------\n\n".join(parts) + "\n",
                           settings.DEFAULT_FROM_EMAIL, [user.email])
    queue_email(message, idempotency_key=key,
                organisation=outcome.selection.track.call.program.operator)
