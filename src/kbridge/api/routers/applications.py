"""The applications area of the API (scope ``applications``): built on the web's selectors, predicates and
services, so the API never shows or does more than the web would for the same person.

Startups (their members): the company profile (``/startup/profile``, as the profile page;
the representative may change it through the page's ``ProfileForm`` and
``services.save_profile``), their applications (``/applications``, as "My applications"),
one application with its draft, questions and submitted versions (as the edit page), a new
draft for a track (``services.start_application``, as the call page's button), the draft's
answers (``services.save_draft``, the autosave's version rule: a stale ``version`` from
another editor is 409) and the submission (``services.submit_application``, the same
deadline and completeness rules: 409 after the deadline or on a stale version, 422 with
every reason when incomplete or not eligible), and the PDF of each file question
(``uploads.receive_pdf`` and ``services.attach_file``, as the upload page; read back as the
edit page's link does).

Operators (the program's agency): a call's applications as the operator's list shows them
(``selectors.applications_for_call``, the same search and filters, eligibility per row) and
one application as the operator's page shows it (submitted versions, never the draft).
Partners see applications only through the selection area (their tracks' shortlist and
results, ``/selection/tracks/{id}``), as on the web.
"""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Answer
from ninja.pagination import paginate

from kbridge.accounts.models import Membership
from kbridge.api.auth import TokenAuth
from kbridge.api.errors import ApiError, detail_fields, details_of, invalid, not_found
from kbridge.api.schemas import Mapped, Pagination, bilingual
from kbridge.applications import selectors, services
from kbridge.applications.forms import DraftForm, ProfileForm
from kbridge.applications.models import Application, Question, Submission
from kbridge.applications.uploads import UploadRejected, receive_pdf
from kbridge.core.i18n import page_language
from kbridge.core.text import clean_query
from kbridge.programs.models import Call, Track

router = Router(auth=TokenAuth("applications"), tags=["applications"])

AppStatus = Literal["draft", "submitted", "withdrawn", "selected"]


# --- schemas ----------------------------------------------------------------------------------


class ProfileOut(Schema):
    organisation_id: int
    name: str
    name_ko: str
    name_en: str
    description: str
    description_ko: str
    description_en: str
    website: str
    sector: str
    is_pre_founder: bool
    business_registration_number: str
    founded_on: date | None
    technology_keywords: list[str]
    team_size: int | None
    revenue_krw: int | None
    investment_krw: int | None
    patents: int | None
    discoverable: bool
    may_edit: bool
    updated_at: datetime | None


class ProfilePatch(Schema):
    """The fields to change (absent ones keep their value; null empties a text, date or
    number, and keeps a yes/no); validated by the profile page's form, so the same rules and
    messages apply (``is_pre_founder: true`` empties the business registration number, as
    the page does: a pre-founder has none)."""

    name_ko: str | None = None
    name_en: str | None = None
    description_ko: str | None = None
    description_en: str | None = None
    website: str | None = None
    sector: str | None = None
    is_pre_founder: bool | None = None
    business_registration_number: str | None = None
    founded_on: date | None = None
    technology_keywords: list[str] | None = None
    team_size: int | None = None
    revenue_krw: int | None = None
    investment_krw: int | None = None
    patents: int | None = None
    discoverable: bool | None = None


class CallRef(Schema):
    id: int
    title: str
    title_ko: str
    title_en: str
    deadline_at: datetime


class TrackRef(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str
    partner: str


class ApplicantRef(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str


class FindingOut(Schema):
    code: str
    label: str
    message: str


class ApplicationOut(Schema):
    id: int
    call: CallRef
    track: TrackRef
    applicant: ApplicantRef
    status: AppStatus
    status_label: str
    submitted_at: datetime | None
    receipt_number: str | None = Field(
        None, description="The receipt number of the latest submitted version.")


class OperatorApplicationOut(ApplicationOut):
    eligibility: list[FindingOut]


class ChoiceOut(Schema):
    value: str
    label: str
    label_ko: str
    label_en: str


class FormQuestionOut(Schema):
    id: int
    kind: Literal["text", "number", "choice", "file"]
    kind_label: str
    label: str
    label_ko: str
    label_en: str
    help: str
    help_ko: str
    help_en: str
    required: bool
    max_length: int | None
    min_value: int | None
    max_value: int | None
    choices: list[ChoiceOut]


class SubmittedFileOut(Schema):
    question_id: int | None
    name: str
    size: int | None
    pages: int | None
    sha256: str


class SubmissionOut(Schema):
    number: int
    receipt_number: str
    submitted_at: datetime
    answers_sha256: str
    answers: dict[str, str | int | None]
    files: list[SubmittedFileOut]


class ChallengeOut(Schema):
    name: str
    organisation: str
    email: str
    reason: str


class DraftFileOut(Schema):
    question_id: int
    name: str
    size: int
    pages: int
    sha256: str
    uploaded_at: datetime


class ProblemOut(Schema):
    field: str
    message: str


class DraftOut(Schema):
    """The draft as the edit page holds it (the startup's members only). Files are uploaded
    to ``/applications/{id}/files/{question_id}``."""

    version: int
    saved_at: datetime | None
    answers: dict[str, str | int | None]
    declares_government_support: bool | None
    government_support_detail: str
    declares_no_tax_arrears: bool
    challenges: list[ChallengeOut]
    has_unsubmitted_changes: bool
    files: list[DraftFileOut] = Field(description="The current file of each file question.")
    problems: list[ProblemOut] = Field(description="What still keeps the answers and files "
                                                   "from a submission (the page's checklist; "
                                                   "eligibility is listed apart).")


class ApplicationDetailOut(ApplicationOut):
    deadline_at: datetime = Field(description="The deadline for this applicant, moved by any "
                                              "extension.")
    is_open: bool
    eligibility: list[FindingOut]
    questions: list[FormQuestionOut]
    draft: DraftOut | None = Field(description="The draft (null for the program's operators, "
                                               "who read the submitted versions).")
    submissions: list[SubmissionOut]


class ApplicationFilter(Schema):
    call: int | None = Field(None, ge=1, le=2**62)
    track: int | None = Field(None, ge=1, le=2**62)
    status: AppStatus | None = None


class OperatorFilter(Schema):
    q: str | None = Field(None, max_length=200,
                          description="Company name, receipt number or business registration "
                                      "number, as on the operator's list.")
    track: int | None = Field(None, ge=1, le=2**62)
    status: AppStatus | None = None


AnswerValue = str | int | None


class ChallengeIn(Schema):
    name: str = Field("", max_length=1000)
    organisation: str = Field("", max_length=1000)
    email: str = Field("", max_length=1000)
    reason: str = Field("", max_length=5000)


class DraftIn(Schema):
    """A change of the draft: only the answers and declarations given change. ``version`` is
    the draft version the change starts from; ``editor`` names the client's editing session
    (its own quick successive saves never conflict with each other)."""

    version: int = Field(ge=0, le=2**31)
    editor: str = Field("", max_length=32)
    answers: dict[str, AnswerValue] = Field(default_factory=dict,
                                            description="Question id → answer.")
    declares_government_support: bool | None = None
    government_support_detail: str | None = Field(None, max_length=5000)
    declares_no_tax_arrears: bool | None = None
    challenges: list[ChallengeIn] | None = Field(None, max_length=3)


class DraftSubmitIn(Schema):
    version: int = Field(ge=0, le=2**31, description="The draft version to submit (the "
                                                     "one the last save returned).")


# --- helpers ---------------------------------------------------------------------------------


def _my_startup(request):
    startup = selectors.startups_of(request.user).first()
    if startup is None or not request.user.has_perm("applications.view_profile", startup):
        raise not_found()
    return startup


def _profile(startup, profile, may_edit: bool) -> dict:
    return {
        "organisation_id": startup.pk, **bilingual(startup, "name"),
        **bilingual(startup, "description"), "website": startup.website,
        "sector": startup.sector,
        "is_pre_founder": bool(profile and profile.is_pre_founder),
        "business_registration_number": profile.business_registration_number if profile else "",
        "founded_on": profile.founded_on if profile else None,
        "technology_keywords": list(profile.technology_keywords or []) if profile else [],
        "team_size": profile.team_size if profile else None,
        "revenue_krw": profile.revenue_krw if profile else None,
        "investment_krw": profile.investment_krw if profile else None,
        "patents": profile.patents if profile else None,
        "discoverable": bool(profile and profile.discoverable),
        "may_edit": may_edit, "updated_at": profile.updated_at if profile else None,
    }


def _ref(application) -> dict:
    call, track = application.call, application.track
    return {
        "id": application.pk,
        "call": {"id": call.pk, **bilingual(call, "title"), "deadline_at": call.deadline_at},
        "track": {"id": track.pk, **bilingual(track, "name"),
                  "partner": str(track.partner.organisation)},
        "applicant": {"id": application.applicant_id, **bilingual(application.applicant, "name")},
        "status": application.status, "status_label": application.get_status_display(),
        "submitted_at": application.submitted_at,
        "receipt_number": getattr(application, "latest_receipt", None),
    }


def _findings(findings) -> list[dict]:
    return [{"code": f.code, "label": f.label, "message": str(f.message)} for f in findings]


def _latest_receipt():
    return Subquery(Submission.objects.filter(application=OuterRef("pk"))
                    .order_by("-number").values("receipt_number")[:1])


def _application_for(request, application_id: int, perm: str = "applications.view_application"):
    """The application if the token's person may ``perm`` it (the web's ``_application_for``),
    else 404; operators also need the call's operator permission (``manage_detail``)."""
    application = (Application.objects.select_related(
        "call__program", "track__partner__organisation", "applicant", "program")
        .annotate(latest_receipt=_latest_receipt()).filter(pk=application_id).first())
    if application is None or not request.user.has_perm(perm, application):
        raise not_found()
    return application


def _question(q: Question) -> dict:
    choices = []
    for c in q.choices or []:
        if not isinstance(c, dict):
            continue
        ko, en, value = str(c.get("ko") or ""), str(c.get("en") or ""), str(c.get("value", ""))
        shown = (en or ko) if page_language() == "en" else (ko or en)
        choices.append({"value": value, "label": shown or value, "label_ko": ko,
                        "label_en": en})
    return {"id": q.pk, "kind": q.kind, "kind_label": q.get_kind_display(),
            **bilingual(q, "label"), **bilingual(q, "help"), "required": q.required,
            "max_length": q.max_length, "min_value": q.min_value, "max_value": q.max_value,
            "choices": choices}


def _answers(raw) -> dict:
    return {str(k): (v if isinstance(v, int | str) or v is None else str(v))
            for k, v in (raw or {}).items()}


def _submission(s: Submission) -> dict:
    return {"number": s.number, "receipt_number": s.receipt_number,
            "submitted_at": s.submitted_at, "answers_sha256": s.answers_sha256,
            "answers": _answers((s.answers or {}).get("answers")),
            "files": [{"question_id": f.get("question"), "name": str(f.get("name", "")),
                       "size": f.get("size"), "pages": f.get("pages"),
                       "sha256": str(f.get("sha256", ""))} for f in s.files or []]}


def _detail(request, application) -> dict:
    questions = selectors.questions_of(application.call)
    deadline = selectors.effective_deadline(application.call, application.applicant_id)
    draft = None
    if request.user.has_perm("applications.change_application", application):
        files = selectors.current_attachments(application)
        problems = services.answer_problems(application, questions=questions, files=files)
        draft = {
            "version": application.version, "saved_at": application.saved_at,
            "answers": _answers(application.answers),
            "declares_government_support": application.declares_government_support,
            "government_support_detail": application.government_support_detail,
            "declares_no_tax_arrears": application.declares_no_tax_arrears,
            "challenges": [{part: str(entry.get(part, "")) for part in
                            ("name", "organisation", "email", "reason")}
                           for entry in application.challenges or []
                           if isinstance(entry, dict)],
            "has_unsubmitted_changes": application.has_unsubmitted_changes,
            "files": [{"question_id": a.question_id, "name": a.original_name, "size": a.size,
                       "pages": a.pages, "sha256": a.sha256, "uploaded_at": a.uploaded_at}
                      for a in sorted(files.values(), key=lambda a: a.question_id)],
            "problems": [{"field": _field_name(name), "message": str(m)}
                         for name, messages in problems.items() for m in messages],
        }
    submissions = application.submissions.order_by("-number")
    return {**_ref(application), "deadline_at": deadline,
            "is_open": timezone.now() < deadline,
            "eligibility": _findings(selectors.eligibility_findings(application)),
            "questions": [_question(q) for q in questions], "draft": draft,
            "submissions": [_submission(s) for s in submissions]}


def _conflict_error() -> ApiError:
    """A stale ``version``: read the draft again (``GET``) and decide what to keep."""
    return ApiError(409, "conflict", _(
        "Not saved: this draft was changed in another tab or on another device."))


def _field_name(name: str) -> str:
    """A form field of the service's errors as the JSON names it (``q_12`` → ``answers.12``)."""
    if name.startswith("q_"):
        return f"answers.{name[2:]}"
    if name.startswith("challenge_"):
        _word, number, part = (name.split("_", 2) + ["", ""])[:3]
        if number.isdigit():
            return f"challenges.{int(number) - 1}.{part}"
    return "" if name in ("__all__", None) else name


def _refused(exc: ValidationError) -> ApiError:
    """A service's refusal: 409 when the application's state forbids the change (withdrawn,
    decided: ``services.STATE_REFUSAL``), else 422 with the reasons per field."""
    if not hasattr(exc, "error_dict") and all(
            e.code == services.STATE_REFUSAL for e in exc.error_list):
        return ApiError(409, "conflict", " ".join(exc.messages))
    return invalid(details_of(exc, _field_name), _("The request was refused."))


# --- profile ---------------------------------------------------------------------------------


@router.get("/startup/profile", response=ProfileOut,
            summary="The company profile of the token's startup")
def get_profile(request):
    startup = _my_startup(request)
    return _profile(startup, selectors.profile_of(startup),
                    request.user.has_perm("applications.change_profile", startup))


def _profile_form_data(startup, profile) -> dict:
    data = {name: getattr(startup, name) or "" for name in
            ("name_ko", "name_en", "description_ko", "description_en", "website", "sector")}
    if profile is not None:
        data.update({
            "is_pre_founder": profile.is_pre_founder,
            "business_registration_number": profile.business_registration_number,
            "founded_on": profile.founded_on.isoformat() if profile.founded_on else "",
            "technology_keywords": ", ".join(profile.technology_keywords or []),
            "discoverable": profile.discoverable,
            **{name: "" if getattr(profile, name) is None else str(getattr(profile, name))
               for name in ("team_size", "revenue_krw", "investment_krw", "patents")},
        })
    return data


@router.patch("/startup/profile", response=ProfileOut,
              summary="Change the company profile (the representative), as the profile page")
def patch_profile(request, payload: ProfilePatch):
    startup = _my_startup(request)
    if not request.user.has_perm("applications.change_profile", startup):
        raise not_found()
    profile = selectors.profile_of(startup)
    data = _profile_form_data(startup, profile)
    for name, value in payload.model_dump(exclude_unset=True).items():
        if name == "technology_keywords":
            value = ", ".join(value or [])
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is None:
            if name in ("is_pre_founder", "discoverable"):
                continue  # a yes/no has no empty value: null keeps it
            value = ""
        elif not isinstance(value, bool):
            value = str(value)
        data[name] = value
    form = ProfileForm(data, instance=profile, organisation=startup)
    if not form.is_valid():
        raise invalid(details_of(form))
    try:
        profile = services.save_profile(organisation=startup, by=request.user,
                                        **dict(form.cleaned_data))
    except ValidationError as exc:
        raise _refused(exc) from exc
    startup.refresh_from_db()
    return _profile(startup, profile, True)


# --- the startup's applications ----------------------------------------------------------------


@router.get("/applications", response=list[ApplicationOut],
            summary="The applications of the token's startups, as “My applications”")
@paginate(Pagination)
def list_applications(request, filters: Query[ApplicationFilter]):
    startups = selectors.startups_of(request.user)
    if not startups.exists():
        raise not_found()
    queryset = (Application.objects.filter(applicant__in=startups)
                .select_related("call", "track__partner__organisation", "applicant")
                .annotate(latest_receipt=_latest_receipt()))
    if filters.call is not None:
        queryset = queryset.filter(call_id=filters.call)
    if filters.track is not None:
        queryset = queryset.filter(track_id=filters.track)
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    return Mapped(queryset.order_by("-created_at", "-pk"), _ref)


@router.get("/applications/{application_id}", response=ApplicationDetailOut,
            summary="One application: the draft (its startup), eligibility and the submitted "
                    "versions with their receipts")
def get_application(request, application_id: int):
    application = _application_for(request, application_id)
    if not request.user.has_perm("applications.change_application", application) and \
            not request.user.has_perm("applications.manage_call_applications",
                                      application.call):
        raise not_found()
    return _detail(request, application)


@router.post("/tracks/{track_id}/applications",
             response={200: ApplicationDetailOut, 201: ApplicationDetailOut},
             summary="Start a draft application to a track (the startup's representative); "
                     "201 with the new draft, 200 with the startup's application already "
                     "there")
def start_application(request, track_id: int):
    track = Track.objects.select_related("call__program").filter(pk=track_id).first()
    if track is None or not request.user.has_perm("programs.view_call", track.call):
        raise not_found()
    startup = selectors.startups_of(request.user).filter(
        memberships__user=request.user,
        memberships__role=Membership.Role.STARTUP_REPRESENTATIVE).first()
    if startup is None:
        raise not_found()
    existed = Application.objects.filter(track=track, applicant=startup).values_list(
        "pk", flat=True).first()
    try:
        application = services.start_application(track=track, applicant=startup,
                                                 by=request.user)
    except services.SubmissionClosed as exc:
        raise ApiError(409, "conflict", _("The deadline of this call has passed.")) from exc
    except ValidationError as exc:
        raise _refused(exc) from exc
    return Answer(200 if existed == application.pk else 201,
                  _detail(request, _application_for(request, application.pk)))


def _draft_form_data(payload: DraftIn, questions) -> dict:
    """The draft change as the edit page would post it (the web's ``DraftForm`` reads it)."""
    known = {str(q.pk) for q in questions if q.kind != Question.Kind.FILE}
    unknown = [key for key in payload.answers if key not in known]
    if unknown:
        raise invalid([{"field": f"answers.{key}"[:100],
                        "message": _("No such question in this call.")} for key in unknown[:20]])
    data = {"version": str(payload.version), "editor": payload.editor}
    for key, value in payload.answers.items():
        data[f"q_{key}"] = "" if value is None else str(value)
    fields = payload.model_fields_set
    if "declares_government_support" in fields:
        data["declares_government_support"] = {True: "yes", False: "no"}.get(
            payload.declares_government_support, "")
    if "government_support_detail" in fields:
        data["government_support_detail"] = payload.government_support_detail or ""
    if "declares_no_tax_arrears" in fields:
        data["declarations_present"] = "1"
        if payload.declares_no_tax_arrears:
            data["declares_no_tax_arrears"] = "on"
    if payload.challenges is not None:
        for i in range(1, 4):
            entry = payload.challenges[i - 1] if i <= len(payload.challenges) else None
            for part in ("name", "organisation", "email", "reason"):
                data[f"challenge_{i}_{part}"] = getattr(entry, part) if entry else ""
    return data


@router.patch("/applications/{application_id}/draft", response=ApplicationDetailOut,
              summary="Save answers and declarations of the draft (the autosave's rules)")
def save_draft(request, application_id: int, payload: DraftIn):
    application = _application_for(request, application_id,
                                   "applications.change_application")
    questions = selectors.questions_of(application.call)
    form = DraftForm(_draft_form_data(payload, questions), questions=questions)
    try:
        services.save_draft(application=application, by=request.user,
                            answers=form.raw_answers(), declarations=form.declarations(),
                            base_version=form.base_version(), editor=form.editor_id(),
                            questions=questions)
    except services.DraftConflict as exc:
        raise _conflict_error() from exc
    except ValidationError as exc:
        raise _refused(exc) from exc
    return _detail(request, _application_for(request, application.pk))


@router.post("/applications/{application_id}/submit", response=ApplicationDetailOut,
             summary="Submit the draft at a version (the representative); the receipt is "
                     "e-mailed",
             openapi_extra=detail_fields(*DraftIn.model_fields, "eligibility"))
def submit_application(request, application_id: int, payload: DraftSubmitIn):
    application = _application_for(request, application_id,
                                   "applications.act_for_applicant")
    try:
        services.submit_application(application=application, by=request.user,
                                    draft_version=payload.version)
    except services.DraftConflict as exc:
        raise _conflict_error() from exc
    except services.SubmissionClosed as exc:
        raise ApiError(409, "conflict", _(
            "The deadline (%(deadline)s) has passed; the application was not submitted. "
            "Your draft is kept.") % {"deadline": timezone.localtime(exc.deadline).strftime(
                "%Y-%m-%d %H:%M:%S KST")}) from exc
    except services.SubmissionInvalid as exc:
        raise invalid(details_of(exc.errors, _field_name), _(
            "The application was not submitted: some answers are missing or not eligible "
            "yet. Your draft is kept.")) from exc
    except ValidationError as exc:
        raise _refused(exc) from exc
    return _detail(request, _application_for(request, application.pk))


# --- the draft's files -------------------------------------------------------------------------

#: The upload's body: one PDF in the multipart field ``file`` (as the web's upload form).
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {
        "type": "string", "format": "binary",
        "description": "One PDF, at most the upload limit (KBRIDGE_UPLOAD_MAX_BYTES, 20 MB by "
                       "default), not encrypted, without active content."}}}}}}}
#: The download's answer: the PDF's bytes.
PDF_ANSWER = {"responses": {200: {"description": "The PDF", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


def _file_question(application: Application, question_id: int) -> Question:
    question = Question.objects.filter(pk=question_id, call_id=application.call_id,
                                       kind=Question.Kind.FILE).first()
    if question is None:
        raise not_found()
    return question


@router.post("/applications/{application_id}/files/{question_id}", response=DraftFileOut,
            summary="Upload the PDF of a file question, replacing the draft's file (the upload "
                    "page's checks and storage quota)", openapi_extra=UPLOAD_BODY)
def upload_file(request, application_id: int, question_id: int):
    """The web's upload, through ``uploads.receive_pdf`` and ``services.attach_file``: a file
    refused (not a PDF, too large, encrypted, active content, a bad name, over the quota) is
    422 on ``file`` with the upload page's message; after the deadline or once the
    application cannot be edited, 409."""
    application = _application_for(request, application_id,
                                   "applications.change_application")
    question = _file_question(application, question_id)
    if not application.is_editable:
        raise ApiError(409, "conflict", _("This application can no longer be edited."))
    try:
        checked = receive_pdf(request)
        stored = services.attach_file(application=application, question=question,
                                      checked=checked, by=request.user)
    except UploadRejected as exc:
        raise invalid([{"field": "file", "message": exc.message}]) from exc
    except services.SubmissionClosed as exc:
        raise ApiError(409, "conflict", _("The deadline has passed; files can no longer be "
                                          "changed.")) from exc
    except ValidationError as exc:
        raise invalid(details_of({"file": exc.messages})) from exc
    attachment = stored.attachment
    return {"question_id": attachment.question_id, "name": attachment.original_name,
            "size": attachment.size, "pages": attachment.pages, "sha256": attachment.sha256,
            "uploaded_at": attachment.uploaded_at}


@router.get("/applications/{application_id}/files/{question_id}",
            summary="The draft's current PDF of a file question (the startup's members)",
            openapi_extra=PDF_ANSWER)
def download_file(request, application_id: int, question_id: int):
    application = _application_for(request, application_id,
                                   "applications.change_application")
    question = _file_question(application, question_id)
    attachment = selectors.current_attachments(application).get(question.pk)
    if attachment is None:
        raise not_found()
    response = FileResponse(default_storage.open(services.storage_path(attachment), "rb"),
                            as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- operators ---------------------------------------------------------------------------------


@router.get("/calls/{call_id}/applications", response=list[OperatorApplicationOut],
            summary="A call's applications, as the operator's list (the program's operators)")
@paginate(Pagination)
def list_call_applications(request, call_id: int, filters: Query[OperatorFilter]):
    call = get_object_or_404(Call.objects.select_related("program"), pk=call_id)
    if not request.user.has_perm("applications.manage_call_applications", call):
        raise Http404
    queryset = selectors.search_applications(selectors.applications_for_call(call),
                                             clean_query(filters.q or ""))
    if filters.status is not None:
        queryset = queryset.filter(status=filters.status)
    if filters.track is not None:
        queryset = queryset.filter(track_id=filters.track)
    queryset = queryset.annotate(latest_receipt=_latest_receipt())

    def rows(page):
        findings = selectors.findings_for(page)
        return [{**_ref(a), "eligibility": _findings(findings[a.pk])} for a in page]

    return Mapped(queryset.order_by("track__position", "applicant__name_ko", "pk"), rows,
                  batch=True)
