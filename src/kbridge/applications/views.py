from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Membership
from kbridge.applications import selectors, services
from kbridge.applications.forms import DraftForm, ExtensionForm, ProfileForm, question_label
from kbridge.applications.models import Application, Attachment, Question, Submission
from kbridge.applications.uploads import UploadRejected, receive_pdf
from kbridge.core import audit_display, exports, throttle
from kbridge.core.language import post_only, to
from kbridge.core.models import AuditLog
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.core.text import clean_query
from kbridge.programs.models import Call, Track

# --- Startup side -----------------------------------------------------------------------------


def _my_startup(request):
    startup = selectors.startups_of(request.user).first()
    if startup is None:
        raise Http404
    return startup


@require_login
def profile_edit(request):
    startup = _my_startup(request)
    if not request.user.has_perm("applications.view_profile", startup):
        raise Http404
    may_edit = request.user.has_perm("applications.change_profile", startup)
    profile = selectors.profile_of(startup)
    form = ProfileForm(request.POST or None, instance=profile, organisation=startup)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.save_profile(organisation=startup, by=request.user, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Company profile saved."))
                return redirect("applications:profile")
    return render(request, "applications/profile.html",
                  {"form": form, "startup": startup, "may_edit": may_edit})


@require_login
def members(request):
    from kbridge.accounts import services as account_services
    from kbridge.accounts.forms import MemberInvitationForm

    startup = _my_startup(request)
    may_invite = request.user.has_perm("applications.change_profile", startup)
    form = MemberInvitationForm(request.POST or None)
    refused = None
    if request.method == "POST":
        if not may_invite:
            raise Http404
        if form.is_valid():
            refused = throttle.refuse_form(form, "member-invitation", str(request.user.pk))
        if refused is None and form.is_valid():
            try:
                account_services.invite_startup_member(
                    organisation=startup, email=form.cleaned_data["email"], by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.")
                                 % {"email": form.cleaned_data["email"]})
                return redirect("applications:members")
    people = startup.memberships.select_related("user").order_by("role", "user__full_name")
    pending = startup.invitations.pending()
    return throttle.mark_refused(render(request, "applications/members.html", {
        "startup": startup, "form": form, "people": people, "pending": pending,
        "may_invite": may_invite}), refused)


@require_safe
@require_login
def my_applications(request):
    startups = selectors.startups_of(request.user)
    if not startups.exists():
        raise Http404
    applications = (Application.objects.filter(applicant__in=startups)
                    .select_related("call", "track__partner__organisation", "applicant"))
    return render(request, "applications/my_applications.html",
                  {"applications": applications})


def _track_call_page(request, track_id: int) -> str:
    """The call page the application was started from, for the language switch."""
    call_id = Track.objects.filter(pk=track_id).values_list("call_id", flat=True).first()
    if call_id is None:
        return reverse("public:call_list")
    return reverse("public:call_detail", kwargs={"pk": call_id})


@require_login
@post_only(back=_track_call_page)
def start(request, track_id: int):
    track = get_object_or_404(Track.objects.select_related("call__program"), pk=track_id)
    if not request.user.has_perm("programs.view_call", track.call):
        raise Http404
    startup = selectors.startups_of(request.user).filter(
        memberships__user=request.user,
        memberships__role=Membership.Role.STARTUP_REPRESENTATIVE).first()
    if startup is None:
        messages.error(request, _("Only the company's representative can apply, with their own "
                                  "account. Sign up as a startup first."))
        return redirect("public:call_detail", pk=track.call_id)
    try:
        application = services.start_application(track=track, applicant=startup,
                                                 by=request.user)
    except services.SubmissionClosed:
        messages.error(request, _("The deadline of this call has passed."))
        return redirect("public:call_detail", pk=track.call_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("public:call_detail", pk=track.call_id)
    return redirect("applications:edit", pk=application.pk)


def _application_for(request, pk: int, perm: str = "applications.view_application"):
    return get_object_or_404_for(
        request.user, perm,
        Application.objects.select_related("call__program", "track__partner__organisation",
                                           "applicant", "program"),
        pk=pk)


def _error_summary(errors: dict[str, list[str]], questions) -> list[dict[str, str]]:
    """The submission errors as the summary shows them: one entry per message with the
    question's label in the page's language, the message, and the anchor of the field
    (``id_q_<pk>``, or the upload card ``slot-<pk>``, or the eligibility section)."""
    by_name = {f"q_{q.pk}": q for q in questions}
    entries = []
    for name, messages_ in errors.items():
        question = by_name.get(name)
        if question is not None:
            label = question_label(question)
            anchor = (f"slot-{question.pk}" if question.kind == Question.Kind.FILE
                      else f"id_{name}")
        elif name == "eligibility":
            label, anchor = _("Eligibility"), "eligibility"
        else:
            label, anchor = "", f"id_{name}"
        entries.extend({"label": label, "message": str(m), "anchor": anchor}
                       for m in messages_)
    return entries


# Eligibility findings the checklist links to the company profile (the profile decides them).
_PROFILE_FINDINGS = {"pre_founder_not_allowed", "brn_missing", "brn_invalid",
                     "founding_date_missing", "company_too_old", "founding_date_future"}


def _checklist(application, questions, files, findings) -> dict:
    """What still stands between the draft and a submission, as the checklist above the
    submit button shows it (issue 11, item 5): every required answer (shown while its field
    is empty, which app.js re-checks as the person types), the stored answers' other problems
    (while the field still holds the value that has them), required PDFs not uploaded, and
    the eligibility findings (the declarations on this page re-checked live). The same rules
    as ``services.validate_for_submission``, which decides at submission."""
    problems = services.answer_problems(application, questions=questions, files=files)
    required = _("This answer is required.")
    entries = []
    for q in questions:
        name, label = f"q_{q.pk}", question_label(q)
        found = problems.get(name, [])
        if q.kind == Question.Kind.FILE:
            entries.extend({"label": label, "message": m, "anchor": f"#slot-{q.pk}",
                            "kind": "file", "missing": True} for m in found)
            continue
        if q.required:
            entries.append({"label": label, "message": required, "anchor": f"#id_{name}",
                            "kind": "required", "field": f"id_{name}",
                            "missing": required in found})
        value = application.answers.get(str(q.pk))
        entries.extend({"label": label, "message": m, "anchor": f"#id_{name}",
                        "kind": "answer", "field": f"id_{name}",
                        "value": "" if value is None else str(value), "missing": True}
                       for m in found if m != required)
    codes = {f.code for f in findings}
    # The declarations on this page: always listed (hidden once answered) so that app.js can
    # show them again when the person undoes an answer.
    if application.track.exclude_duplicate_funding:
        entries.append({"label": DraftForm.base_fields["declares_government_support"].label,
                        "message": required, "anchor": "#id_declares_government_support",
                        "kind": "required", "field": "id_declares_government_support",
                        "missing": "government_support_undeclared" in codes})
    entries.append({"label": DraftForm.base_fields["declares_no_tax_arrears"].label,
                    "message": _("Tick this box."), "anchor": "#id_declares_no_tax_arrears",
                    "kind": "checked", "field": "id_declares_no_tax_arrears",
                    "missing": "tax_arrears_not_declared" in codes})
    for finding in findings:
        if finding.code in {"government_support_undeclared", "tax_arrears_not_declared"}:
            continue
        entry = {"label": _("Eligibility"), "message": finding.message, "missing": True,
                 "anchor": "#eligibility", "kind": "finding"}
        if finding.code in _PROFILE_FINDINGS:
            entry["anchor"] = reverse("applications:profile")
        elif finding.code == "duplicate_funding_declared":
            entry.update(anchor="#id_declares_government_support", kind="answer",
                         field="id_declares_government_support", value="yes")
        entries.append(entry)
    return {"entries": entries, "missing": sum(1 for e in entries if e["missing"])}


def _checklist_context(application) -> dict:
    """The checklist and the eligibility findings (for out-of-band swaps after an upload or
    a declaration)."""
    questions = selectors.questions_of(application.call)
    files = selectors.current_attachments(application)
    findings = selectors.eligibility_findings(application)
    return {"checklist": _checklist(application, questions, files, findings),
            "findings": findings}


def _edit_context(request, application, form=None, errors=None, conflict=False):
    questions = selectors.questions_of(application.call)
    if form is None:
        form = DraftForm.for_application(application, questions, errors)
    files = selectors.current_attachments(application)
    file_slots = [(q, files.get(q.pk)) for q in questions if q.kind == Question.Kind.FILE]
    deadline = selectors.effective_deadline(application.call, application.applicant_id)
    findings = selectors.eligibility_findings(application)
    return {
        "application": application, "form": form, "file_slots": file_slots,
        "findings": findings,
        "checklist": _checklist(application, questions, files, findings),
        "submission_errors": _error_summary(errors or {}, questions),
        "deadline": deadline, "now": timezone.now(),
        "is_open": timezone.now() < deadline, "conflict": conflict,
        "latest_submission": application.submissions.order_by("-number").first(),
        "may_submit": request.user.has_perm("applications.submit_application", application),
        "needs_verification": (
            request.user.email_verified_at is None
            and request.user.has_perm("applications.act_for_applicant", application)),
        "max_upload_bytes": settings.KBRIDGE_UPLOAD_MAX_BYTES,
        "storage_used": selectors.stored_bytes(application),
        "storage_quota": settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES,
    }


@require_login
def edit(request, pk: int):
    application = _application_for(request, pk)
    if not request.user.has_perm("applications.change_application", application):
        # Operators read applications on their own page.
        return redirect("applications:manage_detail", pk=application.pk)
    if request.method == "POST":
        return _save(request, application, htmx=False)
    return render(request, "applications/edit.html", _edit_context(request, application))


def _save(request, application, *, htmx: bool):
    questions = selectors.questions_of(application.call)
    form = DraftForm(request.POST, questions=questions)
    conflict = False
    declared = _declarations(application)
    try:
        services.save_draft(application=application, by=request.user,
                            answers=form.raw_answers(), declarations=form.declarations(),
                            base_version=form.base_version(), editor=form.editor_id(),
                            questions=questions)
    except services.DraftConflict:
        conflict = True
    except ValidationError as exc:
        if htmx:
            # Not "saved": the status says why; the typed text stays in the browser's form.
            return render(request, "applications/_save_status.html",
                          {"application": application, "error": " ".join(exc.messages)})
        return _refused(request, application, form, exc)
    if htmx:
        # Only the declarations on this page change eligibility; typing answers does not, so
        # most autosaves skip the check (submission always runs it in full).
        recheck = not conflict and _declarations(application) != declared
        context = {"application": application, "conflict": conflict, "oob": True,
                   "recheck": recheck}
        if recheck:  # the eligibility section and the checklist follow the declarations
            context.update(_checklist_context(application))
        # 200 even on conflict: HTMX swaps only successful responses
        return render(request, "applications/_save_status.html", context)
    application.refresh_from_db()
    if conflict:
        # Keep what was typed on screen; the person decides what to keep.
        context = _edit_context(request, application, form=form, conflict=True)
        return render(request, "applications/edit.html", context, status=409)
    messages.success(request, _("Draft saved at %(time)s.") % {
        "time": timezone.localtime(application.saved_at).strftime("%H:%M:%S")})
    return redirect("applications:edit", pk=application.pk)


def _refused(request, application, form, exc: ValidationError):
    """The edit page again with what was typed (cleaned) and the reasons it was not saved."""
    form.is_valid()
    problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, reasons in problems.items():
        field = name if name in form.fields else None
        for reason in reasons:
            if reason not in form.errors.get(field or "__all__", []):
                form.add_error(field, reason)
    context = _edit_context(request, application, form=form)
    return render(request, "applications/edit.html", context, status=422)


def _declarations(application) -> tuple:
    return (application.declares_government_support, application.government_support_detail,
            application.declares_no_tax_arrears)


@require_login
@post_only(back=to("applications:edit", "pk"))
def autosave(request, pk: int):
    application = _application_for(request, pk, "applications.change_application")
    return _save(request, application, htmx=True)


@require_login
@post_only(back=to("applications:edit", "pk"))
def upload(request, pk: int, question_id: int):
    application = _application_for(request, pk, "applications.change_application")
    question = get_object_or_404(Question, pk=question_id, call=application.call,
                                 kind=Question.Kind.FILE)
    rejection = None
    try:
        checked = receive_pdf(request)
        services.attach_file(application=application, question=question, checked=checked,
                             by=request.user)
    except UploadRejected as exc:
        rejection = exc
    except services.SubmissionClosed:
        rejection = UploadRejected("closed", _("The deadline has passed; files can no "
                                               "longer be changed."), {})
    except ValidationError as exc:
        rejection = UploadRejected("invalid", " ".join(exc.messages), {})
    if rejection is not None:
        level, text = "error", rejection.message
    else:
        level, text = "success", _("“%(name)s” uploaded (%(pages)s pages).") % {
            "name": checked.original_name, "pages": checked.pages}
    if request.htmx:
        # Only this file card, the storage line, the draft's version and the checklist: the
        # draft's fields on the page may hold newer text than the server (issue 11, item 7).
        application.refresh_from_db()
        return render(request, "applications/_upload_result.html", {
            "application": application, "question": question,
            "attachment": selectors.current_attachments(application).get(question.pk),
            "upload_message": {"level": level, "text": text}, "oob": True,
            "storage_used": selectors.stored_bytes(application),
            "storage_quota": settings.KBRIDGE_APPLICATION_STORAGE_QUOTA_BYTES,
            **_checklist_context(application)})
    getattr(messages, level)(request, text)
    return redirect(f"{application.get_absolute_url()}#slot-{question.pk}")


@require_safe
@require_login
def download(request, pk: int, attachment_id: int):
    application = _application_for(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, application=application)
    handle = default_storage.open(services.storage_path(attachment), "rb")
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_login
@post_only(back=to("applications:edit", "pk"))
def submit(request, pk: int):
    # The representative reaches the action; the service refuses an unverified address
    # (EmailNotVerified, shown on the page with the draft saved).
    application = _application_for(request, pk, "applications.act_for_applicant")
    questions = selectors.questions_of(application.call)
    form = DraftForm(request.POST, questions=questions)
    try:
        # Save what is on screen first, then submit exactly that version: a double click
        # finds the same version already submitted and gets the same receipt back.
        version = services.save_draft(application=application, by=request.user,
                                      answers=form.raw_answers(),
                                      declarations=form.declarations(),
                                      base_version=form.base_version(),
                                      editor=form.editor_id())
        submission = services.submit_application(application=application, by=request.user,
                                                 draft_version=version)
    except services.DraftConflict:
        context = _edit_context(request, application, form=form, conflict=True)
        return render(request, "applications/edit.html", context, status=409)
    except services.SubmissionClosed as exc:
        messages.error(request, _("The deadline (%(deadline)s) has passed; the application "
                                  "was not submitted. Your draft is kept.") % {
            "deadline": timezone.localtime(exc.deadline).strftime("%Y-%m-%d %H:%M:%S KST")})
        return redirect("applications:edit", pk=application.pk)
    except services.SubmissionInvalid as exc:
        application.refresh_from_db()
        context = _edit_context(request, application, errors=exc.errors)
        return render(request, "applications/edit.html", context, status=422)
    except ValidationError as exc:
        return _refused(request, application, form, exc)
    messages.success(request, _("Submitted. Keep your receipt number: %(number)s") % {
        "number": submission.receipt_number})
    return redirect("applications:receipt", pk=application.pk, number=submission.number)


@require_login
@post_only(back=to("applications:mine"))
def withdraw(request, pk: int):
    application = _application_for(request, pk, "applications.act_for_applicant")
    try:
        services.withdraw_application(application=application, by=request.user,
                                      reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("applications:mine")


@require_safe
@require_login
def receipt(request, pk: int, number: int):
    application = _application_for(request, pk)
    submission = get_object_or_404(Submission, application=application, number=number)
    if request.GET.get("download"):
        response = HttpResponse(services.receipt_text(submission),
                                content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{submission.receipt_number}.txt"')
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return render(request, "applications/receipt.html",
                  {"submission": submission, "application": application})


# --- Operator side ----------------------------------------------------------------------------


def _call_for_operator(request, call_id: int) -> Call:
    return get_object_or_404_for(request.user, "applications.manage_call_applications",
                                 Call.objects.select_related("program"), pk=call_id)


def _filtered(request, call):
    applications = selectors.applications_for_call(call)
    q = clean_query(request.GET.get("q"))
    status = clean_query(request.GET.get("status"))
    track = clean_query(request.GET.get("track"))
    applications = selectors.search_applications(applications, q)
    if status in Application.Status.values:
        applications = applications.filter(status=status)
    if track.isascii() and track.isdigit() and len(track) <= 18:
        applications = applications.filter(track_id=int(track))
    return applications, {"q": q, "status": status, "track": track}


@require_safe
@require_login
def manage_list(request, call_id: int):
    call = _call_for_operator(request, call_id)
    applications, filters = _filtered(request, call)
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        return _export(call, applications, export)
    return render(request, "applications/manage_list.html",
                  _manage_list_context(request, call, applications, filters))


def _manage_list_context(request, call, applications, filters, extension_form=None) -> dict:
    by_status, by_track, total = selectors.call_counts(call)
    unfiltered = not (filters["q"] or filters["status"] or filters["track"])
    page, page_applications = selectors.application_page(
        applications, request.GET.get("page"), count=total if unfiltered else None)
    findings = selectors.findings_for(page_applications)
    rows = [(a, findings[a.pk]) for a in page_applications]
    tracks = list(call.tracks.select_related("partner__organisation").order_by("position"))
    return {
        "call": call, "page": page, "rows": rows, "filters": filters, "counts": by_status,
        "per_track": [(t, by_track.get(t.pk, 0)) for t in tracks],
        "statuses": Application.Status.choices, "tracks": tracks,
        "extension_form": extension_form or ExtensionForm(call=call),
        "extensions": call.extensions.select_related("applicant", "granted_by"),
    }


EXPORT_HEADER = ["id", "receipt", "status", "partner", "track", "company_ko", "company_en",
                 "brn", "founded_on", "submitted_at_kst", "eligibility_issues"]


def _export_rows(applications):
    """The header, then one row per application, read lazily (see
    ``selectors.applications_for_export``); times in Korea Standard Time, without offset."""
    yield EXPORT_HEADER
    for a, findings in selectors.applications_for_export(applications):
        profile = getattr(a.applicant, "profile", None)
        yield [a.pk, a.latest_receipt or "", a.status,
               a.track.partner.organisation.name_en, a.track.name_ko, a.applicant.name_ko,
               a.applicant.name_en, profile.business_registration_number if profile else "",
               profile.founded_on if profile else None,
               timezone.localtime(a.submitted_at).replace(tzinfo=None, microsecond=0)
               if a.submitted_at else None,
               "; ".join(f.code for f in findings)]


def _export(call, applications, kind):
    filename = f"applications-call-{call.pk}"
    if kind == "csv":
        return exports.csv_response(_export_rows(applications), filename=f"{filename}.csv")
    return exports.xlsx_response(_export_rows(applications), filename=f"{filename}.xlsx",
                                 sheet_title="applications")


@require_safe
@require_login
def manage_detail(request, pk: int):
    application = _application_for(request, pk)
    if not request.user.has_perm("applications.manage_call_applications", application.call):
        raise Http404
    submissions = application.submissions.select_related("submitted_by").order_by("-number")
    trail = audit_display.present(AuditLog.objects.for_object(application))
    return render(request, "applications/manage_detail.html", {
        "application": application, "submissions": submissions, "trail": trail,
        "findings": selectors.eligibility_findings(application),
        "questions": {str(q.pk): q for q in selectors.questions_of(application.call)},
        "attachments": application.attachments.order_by("question__position", "-uploaded_at"),
    })


@require_login
@post_only(back=to("applications:manage_list", "call_id"))
def grant_extension(request, call_id: int):
    call = _call_for_operator(request, call_id)
    form = ExtensionForm(request.POST, call=call)
    if form.is_valid():
        try:
            services.grant_extension(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Deadline extension granted and recorded."))
            return redirect("applications:manage_list", call_id=call.pk)
    # The list again, with the form as typed and its errors (nothing typed is lost).
    applications, filters = _filtered(request, call)
    context = _manage_list_context(request, call, applications, filters, extension_form=form)
    return render(request, "applications/manage_list.html", context)



@require_login
def questions_edit(request, call_id: int):
    from kbridge.applications.forms import QuestionFormSet

    call = _call_for_operator(request, call_id)
    formset = QuestionFormSet(request.POST or None, queryset=Question.objects.filter(call=call),
                              prefix="questions")
    if request.method == "POST" and formset.is_valid():
        try:
            services.save_questions(call=call, formset=formset, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Questions saved."))
            return redirect("applications:questions", call_id=call.pk)
    return render(request, "applications/questions.html", {"call": call, "formset": formset})


@require_login
@post_only(back=to("applications:questions", "call_id"))
def questions_standard(request, call_id: int):
    call = _call_for_operator(request, call_id)
    services.add_standard_questions(call=call, by=request.user)
    messages.success(request, _("The standard questions were added."))
    return redirect("applications:questions", call_id=call.pk)
