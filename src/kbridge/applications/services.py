"""State changes of startup profiles and applications.

Submissions are the heart of the portal, so the rules are strict and explicit:
* the server clock decides, against the call's deadline moved by any documented extension;
* a submission is idempotent per draft version (a unique constraint backs this up, so double
  clicks and concurrent requests create exactly one submission);
* every submission freezes answers, profile and file hashes into a ``Submission`` with a
  receipt, and the draft stays editable until the deadline (each re-submission is a new
  version; history is kept).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.applications import selectors
from kbridge.applications.eligibility import canonical_brn
from kbridge.applications.forms import question_label
from kbridge.applications.models import (
    Application,
    Attachment,
    DeadlineExtension,
    Question,
    StartupProfile,
    Submission,
)
from kbridge.applications.tasks import purge_replaced_file
from kbridge.core import audit
from kbridge.core.backup import quote_name
from kbridge.core.mail import queue_email
from kbridge.core.money import AmountError, parse_krw
from kbridge.core.text import MAX_LINE_CHARS, MAX_TEXT_CHARS, clean_text, count_chars
from kbridge.core.validators import MAX_AMOUNT_KRW
from kbridge.programs.models import Call, Track

#: Hard cap for any answer stored in a draft, far above any question's own limit. Longer
#: answers are refused with a message, never cut.
MAX_TEXT = MAX_TEXT_CHARS
#: A withdrawal reason.
MAX_REASON = 500
#: The government-support detail field (a single line).
MAX_DETAIL = 300
#: Digits read as a number answer; longer input is kept as typed and reported at submission.
_MAX_NUMBER_DIGITS = 19


class DraftConflict(Exception):
    """The draft changed (in another tab or device) since this page loaded it."""

    def __init__(self, application: Application):
        super().__init__("draft changed")
        self.application = application


class SubmissionClosed(Exception):
    def __init__(self, deadline):
        super().__init__("deadline passed")
        self.deadline = deadline


class EmailNotVerified(ValidationError):
    """The person has not verified their e-mail address yet (start and submit need it)."""

    def __init__(self):
        super().__init__(_("Verify your e-mail address first: open the link we sent to your "
                           "address. You can have the link sent again from this page. Your "
                           "draft is kept."), code="email_not_verified")


def _ensure_verified(user: User) -> None:
    if user.email_verified_at is None:
        raise EmailNotVerified()


#: The ``code`` of a ValidationError that refuses a change because of the application's state
#: (withdrawn, decided), not because of the input: the API answers it 409.
STATE_REFUSAL = "state"


class SubmissionInvalid(Exception):
    """The draft is not complete or not eligible; ``errors`` maps field name to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid submission")
        self.errors = errors


# --- Profile ----------------------------------------------------------------------------------

ORGANISATION_PROFILE_FIELDS = ["name_ko", "name_en", "description_ko", "description_en",
                               "website", "sector"]


@transaction.atomic
def save_profile(*, organisation: Organisation, by: User, **fields) -> StartupProfile:
    """Create or update a startup's profile. Submitted applications keep their snapshot.

    Side effects: audit ``profile.updated`` with the changed fields.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    profile = StartupProfile.objects.filter(organisation=organisation).first()
    before = {**audit.snapshot(organisation, ORGANISATION_PROFILE_FIELDS),
              **(audit.snapshot(profile) if profile else {})}
    for name in ORGANISATION_PROFILE_FIELDS:
        if name in fields:
            setattr(organisation, name, fields.pop(name))
    organisation.full_clean()
    organisation.save()
    if profile is None:
        profile = StartupProfile(organisation=organisation, representative=by)
    for name, value in fields.items():
        setattr(profile, name, value)
    if profile.is_pre_founder:
        profile.business_registration_number = ""
    else:
        profile.business_registration_number = canonical_brn(
            profile.business_registration_number)
    profile.full_clean()
    profile.save()
    after = {**audit.snapshot(organisation, ORGANISATION_PROFILE_FIELDS),
             **audit.snapshot(profile)}
    old, new = audit.diff(before, after)
    for noise in ("updated_at", "created_at", "id"):
        old.pop(noise, None)
        new.pop(noise, None)
    if new:
        audit.record("profile.updated", profile, before=old, after=new, actor=by)
    return profile


def profile_snapshot(organisation: Organisation) -> dict[str, Any]:
    profile = selectors.profile_of(organisation)
    data = audit.snapshot(organisation, ORGANISATION_PROFILE_FIELDS + ["keywords"])
    if profile:
        data.update(audit.snapshot(profile))
        for noise in ("id", "created_at", "updated_at", "organisation"):
            data.pop(noise, None)
    return data


# --- Applications -----------------------------------------------------------------------------


def _exclusivity_key(track: Track) -> str:
    program = track.call.program
    if program.one_application_per_program:
        return f"program:{program.pk}"
    return f"track:{track.pk}"


def _ensure_open(call: Call, applicant_id: int | None, now=None) -> None:
    now = now or timezone.now()
    deadline = selectors.effective_deadline(call, applicant_id)
    if call.status != Call.Status.PUBLISHED or now < call.opens_at:
        raise ValidationError(_("This call is not open for applications."))
    if now >= deadline:
        raise SubmissionClosed(deadline)


@transaction.atomic
def start_application(*, track: Track, applicant: Organisation, by: User) -> Application:
    """Open a draft for ``applicant`` on ``track``. One live application per program.

    Raises EmailNotVerified before the person has verified their e-mail address.
    Side effects: audit ``application.started``.
    """
    _ensure_verified(by)
    if not Membership.objects.filter(user=by, organisation=applicant,
                                     role=Membership.Role.STARTUP_REPRESENTATIVE).exists():
        raise ValidationError(_("Only the company's representative can apply, with their own "
                                "account."))
    call = track.call
    _ensure_open(call, applicant.pk)
    # Lock the startup so two tabs starting applications at once are serialised.
    Organisation.objects.select_for_update().get(pk=applicant.pk)
    key = _exclusivity_key(track)
    existing = Application.objects.filter(applicant=applicant, exclusivity_key=key).exclude(
        status=Application.Status.WITHDRAWN).select_related("track__partner__organisation").first()
    if existing is not None:
        if existing.track_id == track.pk:
            return existing
        raise ValidationError(_(
            "Your company already has an application in this program (%(partner)s · %(track)s). "
            "Each company may apply to only one track per program; withdraw that application "
            "first if you want to apply here instead.") % {
                "partner": existing.track.partner.organisation.name_en,
                "track": existing.track})
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, program=call.program, call=call, track=track,
                created_by=by, exclusivity_key=key, saved_at=timezone.now())
    except IntegrityError as exc:
        raise ValidationError(_("Your company already has an application in this program.")) \
            from exc
    audit.record("application.started", application,
                 after={"track": track.pk, "applicant": applicant.pk}, actor=by)
    return application


def _too_long(label: str, length: int, limit: int) -> str:
    return _("Not saved: “%(label)s” has %(n)s characters; at most %(max)s fit. Shorten it; "
             "your text is still on this page.") % {
        "label": label, "n": f"{length:,}", "max": f"{limit:,}"}


def _clean_answer(question: Question, raw: Any) -> Any:
    """Keep what the person typed (drafts never lose input); clean it (core.text) and only
    normalise the type. Raises ValidationError for text over the hard limit (never cut)."""
    if raw is None:
        return None
    text = clean_text(str(raw))
    limit = MAX_TEXT if question.kind == Question.Kind.TEXT else MAX_LINE_CHARS
    if count_chars(text) > limit:
        raise ValidationError({f"q_{question.pk}": _too_long(
            question_label(question), count_chars(text), limit)})
    if question.kind == Question.Kind.NUMBER:
        stripped = text.replace(",", "").strip()
        if len(stripped.lstrip("+-")) <= _MAX_NUMBER_DIGITS:
            try:
                return int(stripped)
            except ValueError:
                pass
        if len(text) <= 40:
            # As amounts are typed: "₩350,000,000", "350,000,000원", full-width digits,
            # "3억 5천만" (core.money.parse_krw, the rule of every money field).
            try:
                return parse_krw(text)
            except AmountError:
                pass
        return text  # kept as typed, reported at submission
    return text


def _clean_declarations(declarations: dict[str, Any], application: Application) -> dict:
    detail = clean_text(str(declarations.get("government_support_detail",
                                             application.government_support_detail)))
    if len(detail) > MAX_DETAIL:
        raise ValidationError({"government_support_detail": _too_long(
            str(Application._meta.get_field("government_support_detail").verbose_name),
            len(detail), MAX_DETAIL)})
    if "\n" in detail:
        raise ValidationError({"government_support_detail": _(
            "Not saved: enter the program on one line; line breaks are not allowed there.")})
    out = {
        "declares_government_support": declarations.get(
            "declares_government_support", application.declares_government_support),
        "government_support_detail": detail,
        "declares_no_tax_arrears": bool(declarations.get(
            "declares_no_tax_arrears", application.declares_no_tax_arrears)),
    }
    if "challenges" in declarations:
        out["challenges"] = clean_challenges(declarations["challenges"])
    return out


#: Limits of one challenge entry (기피): characters per part.
CHALLENGE_LIMITS = {"name": 120, "organisation": 200, "email": 254, "reason": 500}
_CHALLENGE_LABELS = {"name": gettext_noop("name"), "organisation": gettext_noop("organisation"),
                     "email": gettext_noop("e-mail (if known)"), "reason": gettext_noop("reason")}


def clean_challenges(entries: list[Any]) -> list[dict[str, str]]:
    """The evaluators an applicant objects to, as stored in ``Application.challenges``: a
    list of ``{"name", "organisation", "email", "reason"}`` (strings, cleaned, one line),
    empty entries dropped. Raises ValidationError keyed ``challenge_<n>_<part>`` (n from 1,
    as on the form) for a part over its limit, a line break, an invalid e-mail address, or
    an entry that names neither a person nor an e-mail address."""
    problems: dict[str, list[str]] = {}
    out = []
    for n, entry in enumerate(entries or [], start=1):
        entry = entry if isinstance(entry, dict) else {}
        row = {part: " ".join(clean_text(str(entry.get(part) or "")).split())
               for part in CHALLENGE_LIMITS}
        if not any(row.values()):
            continue
        for part, limit in CHALLENGE_LIMITS.items():
            if len(row[part]) > limit:
                problems.setdefault(f"challenge_{n}_{part}", []).append(
                    _too_long(_(_CHALLENGE_LABELS[part]), len(row[part]), limit))
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                problems.setdefault(f"challenge_{n}_email", []).append(
                    _("Enter a valid e-mail address, or leave it empty."))
        if not row["name"] and not row["email"]:
            problems.setdefault(f"challenge_{n}_name", []).append(
                _("Name the evaluator (or give their e-mail address)."))
        out.append(row)
    if problems:
        raise ValidationError(problems)
    return out


@transaction.atomic
def save_draft(*, application: Application, by: User, answers: dict[str, Any],
               declarations: dict[str, Any], base_version: int, editor: str = "",
               questions: list[Question] | None = None) -> int:
    """Store the draft as typed. Returns the draft version that now holds exactly this data.

    Every string is cleaned (core.text.clean_text). Raises ValidationError (a dict keyed by
    form field, ``q_<question id>`` or ``government_support_detail``) when an answer is over
    its hard limit: nothing is saved then, and nothing is cut.
    Raises DraftConflict when the draft changed since ``base_version`` (in another tab, or on
    another device) and this save would overwrite it. ``editor`` identifies the page doing
    the save: its own earlier saves still in flight are not conflicts. Identical data is never
    a conflict (an idle second tab is harmless).
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_editable:
        raise ValidationError(_("This application can no longer be edited."),
                              code=STATE_REFUSAL)
    if questions is None:
        questions = selectors.questions_of(application.call)
    by_id = {str(q.pk): q for q in questions if q.kind != Question.Kind.FILE}
    # Work on the caller's object (its related objects stay loaded) with the locked row's
    # current state, so the caller sees the saved draft without reading it again.
    for field in ("answers", "declares_government_support", "government_support_detail",
                  "declares_no_tax_arrears", "challenges", "version", "editor", "editor_since",
                  "saved_at", "status"):
        setattr(application, field, getattr(locked, field))
    new_answers = dict(application.answers)
    problems: dict[str, list[str]] = {}
    for key, raw in answers.items():
        if key in by_id:
            try:
                new_answers[key] = _clean_answer(by_id[key], raw)
            except ValidationError as exc:
                exc.update_error_dict(problems)
    try:
        new_decl = _clean_declarations(declarations, application)
    except ValidationError as exc:
        exc.update_error_dict(problems)
    if problems:
        raise ValidationError(problems)
    old_decl = {k: getattr(application, k) for k in new_decl}
    if new_answers == application.answers and new_decl == old_decl:
        return application.version
    own_run = bool(editor) and editor == application.editor and \
        base_version >= application.editor_since
    if base_version != application.version and not own_run:
        raise DraftConflict(application)
    if not own_run:
        application.editor, application.editor_since = editor, application.version
    application.answers = new_answers
    for key, value in new_decl.items():
        setattr(application, key, value)
    application.version += 1
    application.saved_at = timezone.now()
    application.save(update_fields=[
        "answers", "declares_government_support", "government_support_detail",
        "declares_no_tax_arrears", "challenges", "version", "editor", "editor_since",
        "saved_at", "updated_at"])
    return application.version


@dataclass(frozen=True)
class StoredFile:
    attachment: Attachment
    replaced: Attachment | None


@transaction.atomic
def attach_file(*, application: Application, question: Question, checked, by: User,
                base_version: int | None = None) -> StoredFile:
    """Store a checked PDF in the question's file slot, replacing the slot's file.

    A replaced file that no submitted version refers to is deleted: its row now, its bytes by
    the ``purge_replaced_file`` task after ``settings.KBRIDGE_REPLACED_FILE_GRACE_SECONDS``
    (a backup that copied the row still finds the file; docs/decisions.md, "Backups"). A file
    a submitted version refers to is kept (its receipt carries the hash).
    Raises ValidationError when the application's stored files would pass
    ``settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES``.
    Side effects: the bytes are written to private storage under a generated 32-character
    name; audit ``application.file_uploaded`` with the SHA-256 (and what was replaced).
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_editable:
        raise ValidationError(_("This application can no longer be edited."),
                              code=STATE_REFUSAL)
    _ensure_open(application.call, application.applicant_id)
    if question.call_id != application.call_id or question.kind != Question.Kind.FILE:
        raise ValidationError(_("This file slot does not belong to the application."))
    kept = selectors.submitted_attachment_ids(application)
    in_slot = list(application.attachments.filter(question=question))
    previous = next((a for a in in_slot if a.is_current), None)
    # Draft-only files of this slot go (older uploads included); submitted ones stay.
    discarded = [a for a in in_slot if a.pk not in kept]
    quota = settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES
    used = selectors.stored_bytes(application) - sum(a.size for a in discarded)
    if used + checked.size > quota:
        raise ValidationError(_(
            "“%(name)s” (%(size)s) does not fit: this application's files may take up "
            "%(quota)s in all and %(used)s are in use, including files kept for versions "
            "you submitted. Make the file smaller and upload it again.") % {
                "name": checked.original_name, "size": filesizeformat(checked.size),
                "quota": filesizeformat(quota), "used": filesizeformat(used)})
    attachment = Attachment(application=application, question=question,
                            original_name=checked.original_name, size=checked.size,
                            pages=checked.pages, sha256=checked.sha256, uploaded_by=by)
    default_storage.save(storage_path(attachment), ContentFile(checked.data))
    if previous is not None and previous.pk in kept:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    purge_at = timezone.now() + dt.timedelta(seconds=settings.KBRIDGE_REPLACED_FILE_GRACE_SECONDS)
    for old in discarded:
        stored_name = old.stored_name
        old.delete()
        # Queued after commit: a rolled-back replacement keeps its file.
        transaction.on_commit(lambda name=stored_name: purge_replaced_file.using(
            run_after=purge_at).enqueue(name))
    attachment.save()
    application.version += 1
    application.saved_at = timezone.now()
    application.save(update_fields=["version", "saved_at", "updated_at"])
    replaced = None
    if previous is not None:
        replaced = {"file": previous.original_name, "sha256": previous.sha256,
                    "deleted": previous.pk not in kept}
    audit.record("application.file_uploaded", application, after={
        "question": question.pk, "file": attachment.original_name, "sha256": attachment.sha256,
        "size": attachment.size, "pages": attachment.pages, "replaced": replaced}, actor=by)
    return StoredFile(attachment, previous)


def storage_path(attachment: Attachment) -> str:
    return f"applications/{attachment.stored_name}"


def stored_files(cursor, tables: dict[str, int]) -> dict[str, str]:
    """The attachments' part of a backup (registered with ``core.backup.register_files``):
    MEDIA_ROOT-relative path -> the SHA-256 recorded at upload, read with the DB-API
    ``cursor`` of the database being backed up or restored ({} when it has no attachment
    table)."""
    table = Attachment._meta.db_table
    if table not in tables:
        return {}
    cursor.execute(f"SELECT stored_name, sha256 FROM {quote_name(table)}")  # noqa: S608
    return {storage_path(Attachment(stored_name=name)): digest
            for name, digest in cursor.fetchall()}


def purge_stored_file(*, stored_name: str) -> bool:
    """Delete the bytes of a replaced draft file once no attachment row refers to them.

    Returns True when a file was deleted. Never deletes a file a row still names (a restored
    backup, say), so running it twice or late is harmless.
    """
    if Attachment.objects.filter(stored_name=stored_name).exists():
        return False
    path = f"applications/{stored_name}"
    if not default_storage.exists(path):
        return False
    default_storage.delete(path)
    return True


def validate_for_submission(application: Application) -> dict[str, list[str]]:
    """Every reason the draft cannot be submitted yet, keyed by form field name."""
    errors = answer_problems(application)
    findings = selectors.eligibility_findings(application)
    if findings:
        errors["eligibility"] = [f.message for f in findings]
    return errors


def answer_problems(application: Application, *, questions: list[Question] | None = None,
                    files: dict | None = None) -> dict[str, list[str]]:
    """The reasons in the stored answers and files (not eligibility) that the draft cannot be
    submitted yet, keyed by form field name; the edit page's checklist shows them too."""
    errors: dict[str, list[str]] = {}
    if files is None:
        files = selectors.current_attachments(application)
    if questions is None:
        questions = selectors.questions_of(application.call)
    for q in questions:
        name = f"q_{q.pk}"
        if q.kind == Question.Kind.FILE:
            if q.required and q.pk not in files:
                errors.setdefault(name, []).append(_("Upload this PDF file."))
            continue
        value = application.answers.get(str(q.pk))
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty:
            if q.required:
                errors.setdefault(name, []).append(_("This answer is required."))
            continue
        # Counted as people count (core.text.count_chars): a CR LF stored by an older
        # path or an import counts once, like the live counter on the page.
        length = count_chars(value)
        if q.kind == Question.Kind.TEXT and q.max_length and length > q.max_length:
            errors.setdefault(name, []).append(
                _("Shorten this answer to %(max)s characters (it has %(n)s).")
                % {"max": f"{q.max_length:,}", "n": f"{length:,}"})
        if q.kind == Question.Kind.NUMBER:
            if not isinstance(value, int):
                errors.setdefault(name, []).append(
                    _("Enter a whole number, such as 1,200 or 3억 5천만."))
            elif q.min_value is not None and value < q.min_value:
                errors.setdefault(name, []).append(
                    _("Enter a number of at least %(min)s.") % {"min": q.min_value})
            elif q.max_value is not None and value > q.max_value:
                errors.setdefault(name, []).append(
                    _("Enter a number of at most %(max)s.") % {"max": q.max_value})
            elif abs(value) > MAX_AMOUNT_KRW:
                errors.setdefault(name, []).append(
                    _("Enter a number of at most %(max)s.") % {"max": f"{MAX_AMOUNT_KRW:,}"})
        if q.kind == Question.Kind.CHOICE and value not in {c["value"] for c in q.choices}:
            errors.setdefault(name, []).append(_("Choose one of the options."))
    return errors


def _canonical_sha256(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def answers_document(application: Application) -> dict[str, Any]:
    return {
        "answers": application.answers,
        "declares_government_support": application.declares_government_support,
        "government_support_detail": application.government_support_detail,
        "declares_no_tax_arrears": application.declares_no_tax_arrears,
        "track": application.track_id,
        # Only when there are any: documents (and their hashes) of earlier submissions stay
        # as they were.
        **({"challenges": application.challenges} if application.challenges else {}),
    }


def submit_application(*, application: Application, by: User, draft_version: int,
                       now=None) -> Submission:
    """Submit the draft as it stands at ``draft_version``.

    Idempotent: submitting the same draft version again returns the same submission.
    Raises EmailNotVerified before ``by`` has verified their e-mail address (the receipt and
    every later decision go to it), SubmissionClosed after the (possibly extended) deadline, DraftConflict if the
    draft changed since the page was loaded, SubmissionInvalid with every problem listed.
    Side effects: audit ``application.submitted``; the receipt is e-mailed after commit.
    """
    try:
        return _submit(application=application, by=by, draft_version=draft_version, now=now)
    except IntegrityError:
        # A concurrent request for the same draft version won the race; return its result.
        existing = Submission.objects.filter(application=application,
                                             draft_version=draft_version).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _submit(*, application: Application, by: User, draft_version: int, now=None) -> Submission:
    now = now or timezone.now()
    _ensure_verified(by)
    application = (Application.objects.select_for_update()
                   .select_related("call__program", "track", "applicant").get(pk=application.pk))
    # The state first: a withdrawn application is not "already submitted" (a tester's resend
    # of a withdrawn application's last version answered its old submission).
    if application.status not in {Application.Status.DRAFT, Application.Status.SUBMITTED}:
        raise ValidationError(_("This application can no longer be submitted."),
                              code=STATE_REFUSAL)
    existing = application.submissions.filter(draft_version=draft_version).first()
    if existing is not None:
        return existing
    deadline = selectors.effective_deadline(application.call, application.applicant_id)
    if now >= deadline:
        raise SubmissionClosed(deadline)
    if draft_version != application.version:
        raise DraftConflict(application)
    errors = validate_for_submission(application)
    if errors:
        raise SubmissionInvalid(errors)
    files = [
        {"question": a.question_id, "name": a.original_name, "sha256": a.sha256,
         "size": a.size, "pages": a.pages, "attachment": a.pk}
        for a in application.attachments.filter(is_current=True).order_by("question__position")
    ]
    document = answers_document(application)
    number = application.submissions.count() + 1
    submission = Submission.objects.create(
        application=application, number=number, draft_version=draft_version,
        receipt_number=f"KB{application.call.program.year}-{application.pk:06d}-{number:02d}",
        submitted_at=now, submitted_by=by, answers=document,
        profile=profile_snapshot(application.applicant), files=files,
        answers_sha256=_canonical_sha256(document),
    )
    application.status = Application.Status.SUBMITTED
    application.submitted_version = draft_version
    application.submitted_at = now
    application.save(update_fields=["status", "submitted_version", "submitted_at", "updated_at"])
    audit.record("application.submitted", application, after={
        "receipt": submission.receipt_number, "version": number,
        "answers_sha256": submission.answers_sha256,
        "files": [{"name": f["name"], "sha256": f["sha256"]} for f in files]}, actor=by)
    # The task row is written in this transaction: the receipt e-mail exists exactly when the
    # submission does, even if the process dies right after the commit.
    from kbridge.applications.tasks import email_receipt

    email_receipt.enqueue(submission.pk)
    return submission


def receipt_text(submission: Submission) -> str:
    return render_to_string("applications/receipt.txt", {
        "submission": submission, "application": submission.application})


def send_receipt(submission_id: int) -> None:
    """Queue the receipt e-mail of one submission (idempotency key ``receipt:<id>``)."""
    submission = Submission.objects.select_related(
        "application__call__program__operator", "application__track__partner__organisation",
        "application__applicant", "submitted_by").get(pk=submission_id)
    user = submission.submitted_by
    with translation.override(user.preferred_language):
        text = receipt_text(submission)
        subject = _("[K-Bridge] Application received: %(number)s") % {
            "number": submission.receipt_number}
    message = EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach(f"{submission.receipt_number}.txt", text.encode(), "text/plain")
    # One receipt per submission however often this runs; the program's operator sees it.
    queue_email(message, idempotency_key=f"receipt:{submission.pk}",
                organisation=submission.application.call.program.operator)


@transaction.atomic
def withdraw_application(*, application: Application, by: User, reason: str = "") -> Application:
    """Withdraw; the startup may then apply to another track of the program. ``reason`` is
    cleaned (core.text) and at most 500 characters (ValidationError otherwise).

    Side effects: audit ``application.withdrawn``.
    """
    reason = clean_text(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(_("Keep the reason to %(max)s characters or fewer (it has "
                                "%(n)s); the application was not withdrawn.") % {
            "max": MAX_REASON, "n": len(reason)})
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.may_withdraw:
        raise ValidationError(_("This application can no longer be withdrawn."))
    before = application.status
    application.status = Application.Status.WITHDRAWN
    application.withdrawn_at = timezone.now()
    application.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit.record("application.withdrawn", application, before={"status": before},
                 after={"status": application.status, "reason": reason}, actor=by)
    return application


@transaction.atomic
def grant_extension(*, call: Call, by: User, deadline_at, reason: str,
                    applicant: Organisation | None = None) -> DeadlineExtension:
    """Move the deadline for the whole call or one applicant. A reason is required.

    Side effects: audit ``call.deadline_extended``.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension; it is recorded.")})
    if deadline_at <= call.deadline_at:
        raise ValidationError({"deadline_at": _("The new deadline must be after the call's "
                                                "deadline.")})
    extension = DeadlineExtension.objects.create(call=call, applicant=applicant,
                                                 deadline_at=deadline_at,
                                                 reason=reason.strip(), granted_by=by)
    audit.record("call.deadline_extended", call, before={"deadline_at": call.deadline_at},
                 after={"deadline_at": deadline_at, "applicant": applicant.pk if applicant
                        else None, "reason": extension.reason}, actor=by)
    return extension


@transaction.atomic
def save_questions(*, call: Call, formset, by: User) -> None:
    """Apply the operator's question formset. Questions with uploaded files cannot be removed.

    Side effects: audit ``call.questions_changed`` with the questions before and after.
    """
    from django.db.models import ProtectedError

    fields = ["position", "kind", "label_ko", "label_en", "required", "max_length",
              "min_value", "max_value", "choices"]
    before = [audit.snapshot(q, fields) for q in selectors.questions_of(call)]
    instances = formset.save(commit=False)
    for question in instances:
        question.call = call
        question.save()
    for question in formset.deleted_objects:
        try:
            with transaction.atomic():
                question.delete()
        except ProtectedError as exc:
            raise ValidationError(_("“%(label)s” already has uploaded files and cannot be "
                                    "removed.") % {"label": question}) from exc
    after = [audit.snapshot(q, fields) for q in selectors.questions_of(call)]
    if before != after:
        audit.record("call.questions_changed", call, before={"questions": before},
                     after={"questions": after}, actor=by)


STANDARD_QUESTIONS = [
    {"kind": "text", "label_ko": "사업 아이템 개요", "label_en": "Summary of your business",
     "max_length": 1500},
    {"kind": "text", "label_ko": "핵심 기술과 차별성", "label_en": "Core technology and what sets it apart",
     "max_length": 2000},
    {"kind": "text", "label_ko": "글로벌 기업과의 협업 계획", "label_en": "Plan for collaborating with the partner",
     "max_length": 2000},
    {"kind": "number", "label_ko": "누적 투자 유치액(원)", "label_en": "Investment raised to date (KRW)",
     "required": False, "min_value": 0},
    {"kind": "choice", "label_ko": "희망 협업 형태", "label_en": "Preferred form of collaboration",
     "choices": [{"value": "poc", "ko": "기술검증(PoC)", "en": "Proof of concept"},
                 {"value": "co_dev", "ko": "공동 개발", "en": "Co-development"},
                 {"value": "market", "ko": "해외 시장 진출", "en": "Overseas market entry"},
                 {"value": "investment", "ko": "투자 유치", "en": "Investment"}]},
    {"kind": "file", "label_ko": "피치덱(IR 자료)", "label_en": "Pitch deck",
     "help_ko": "PDF, 20쪽 이내 권장", "help_en": "PDF, 20 pages or fewer recommended"},
    {"kind": "file", "label_ko": "사업계획서", "label_en": "Business plan",
     "help_ko": "공고의 서식을 PDF로 저장해 올려 주세요.",
     "help_en": "Save the call's template as PDF and upload it."},
]


@transaction.atomic
def add_standard_questions(*, call: Call, by: User) -> list[Question]:
    """Give a call the usual application form (summary, technology, plan, deck, plan PDF).

    Side effects: audit ``call.questions_changed``.
    """
    start = Question.objects.filter(call=call).count()
    created = [Question.objects.create(call=call, position=start + i, **spec)
               for i, spec in enumerate(STANDARD_QUESTIONS)]
    audit.record("call.questions_changed", call, before=None,
                 after={"added_standard_questions": [q.pk for q in created]}, actor=by)
    return created


# --- Personal data (accounts.personal_data section "applications") ----------------------------


def erase_personal_data(user: User) -> dict[str, int]:
    """Called by ``accounts.services.delete_account`` in its transaction.

    Deletes the applications never submitted (drafts, and withdrawals of drafts) of startups
    whose only member is ``user``, with their file rows; the bytes are purged by the
    ``purge_replaced_file`` task after the commit. Applications with a submission stay: the
    agency keeps them. A company with other members keeps its drafts (they are the company's
    work, and its colleagues go on with them).
    Side effects: audit ``application.deleted`` per deleted draft.
    """
    startup_ids = list(Membership.objects.filter(
        user=user, organisation__kind=Organisation.Kind.STARTUP).values_list(
        "organisation_id", flat=True))
    shared = set(Membership.objects.filter(organisation_id__in=startup_ids).exclude(
        user=user).values_list("organisation_id", flat=True))
    own = [pk for pk in startup_ids if pk not in shared]
    drafts = (Application.objects.filter(applicant_id__in=own, submissions__isnull=True)
              .select_related("program"))
    deleted = 0
    for application in drafts:
        stored = list(application.attachments.values_list("stored_name", flat=True))
        audit.record("application.deleted", application,
                     before={"status": application.status, "files": len(stored)},
                     after={"reason": "account_deleted"}, actor=user)
        application.delete()
        for name in stored:
            purge_replaced_file.enqueue(name)
        deleted += 1
    kept = Application.objects.filter(applicant_id__in=startup_ids,
                                      submissions__isnull=False).distinct().count()
    return {"drafts_deleted": deleted, "submitted_applications_kept": kept}
