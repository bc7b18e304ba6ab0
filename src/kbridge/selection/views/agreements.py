"""Agreement (협약) views: the operator drafts and sends, the startup uploads and accepts, the
track's partner follows (docs/selection.md, "Agreements").

/manage/selection/agreements/                                    operators: their programs'
                                                                 agreements and who awaits one
/manage/selection/outcomes/<outcome_id>/agreement/               operators: draft and send
                                                                 (GET/POST), then its status
/manage/selection/agreements/<id>/documents/<document_id>/      operators: a document (PDF)
/partner/selection/agreements/                                   partner staff: their tracks'
                                                                 agreements, read-only
/partner/selection/agreements/<id>/documents/<document_id>/     partner staff: a document
/applications/<application_id>/agreement/                        the startup's members
/applications/<application_id>/agreement/documents/              POST: upload (members)
/applications/<application_id>/agreement/documents/<document_id>/ a document
/applications/<application_id>/agreement/accept/                 POST: the representative
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.tenancy import agency_ids, partner_organisation_ids
from kbridge.applications.uploads import UploadRejected, check_pdf, count_files_or_reject
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.core.throttle import client_address
from kbridge.selection.forms_agreements import AgreementForm
from kbridge.selection.models import Agreement, AgreementDocument, Outcome, Selection
from kbridge.selection.services import agreements as services

T = "selection/agreements/"

_AGREEMENT_RELATED = ("outcome__selection__track__call__program", "outcome__selection__track"
                      "__partner__organisation", "outcome__application__applicant",
                      "accepted_by")


def _agreements():
    return (Agreement.objects.select_related(*_AGREEMENT_RELATED)
            .prefetch_related(Prefetch("documents",
                                       queryset=AgreementDocument.objects.order_by(
                                           "kind", "-uploaded_at"))))


def _rows(agreements) -> list[dict]:
    """One dict per agreement for the lists: the agreement, its documents by kind (in
    ``REQUIRED_DOCUMENTS`` order, None for a missing one) and how many are there."""
    rows = []
    for agreement in agreements:
        present = services.current_documents(agreement)
        documents = [(kind, services.document_label(kind), present.get(kind))
                     for kind in services.REQUIRED_DOCUMENTS]
        rows.append({"agreement": agreement, "documents": documents,
                     "tranches": services.parse_tranches(agreement.tranches),
                     "present": sum(1 for *_rest, d in documents if d is not None),
                     "required": len(documents)})
    return rows


def _file(document: AgreementDocument) -> FileResponse:
    handle = default_storage.open(services.storage_path(document.stored_name), "rb")
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- operators -------------------------------------------------------------------------------


@require_safe
@require_login
def manage_list(request):
    agencies = agency_ids(request.user)
    if not agencies:
        raise Http404
    agreements = _agreements().filter(
        outcome__selection__track__call__program__operator_id__in=agencies).order_by(
        "accept_by", "pk")
    awaiting = [o for o in Outcome.objects.filter(
        selection__track__call__program__operator_id__in=agencies,
        status=Outcome.Status.SELECTED, selection__status=Selection.Status.CONFIRMED,
        agreement__isnull=True).select_related(
        "selection__track__call__selection_policy", "application__applicant")
        .order_by("selection__track_id", "rank") if services.agreeable(o)]
    return render(request, T + "manage_list.html", {
        "rows": _rows(agreements), "awaiting": awaiting, "now": timezone.now()})


def _outcome_for_operator(request, outcome_id: int) -> Outcome:
    """The outcome, for operators of its program: with its agreement, or one that may get
    one (selected, confirmed and announced); 404 otherwise."""
    outcome = get_object_or_404_for(
        request.user, "selection.manage_agreements",
        Outcome.objects.select_related("selection__track__call__program",
                                       "selection__track__call__selection_policy",
                                       "application__applicant"), pk=outcome_id)
    if not Agreement.objects.filter(outcome=outcome).exists() and not request.user.has_perm(
            "selection.draft_agreement", outcome):
        raise Http404
    return outcome


@require_login
def draft(request, outcome_id: int):
    """GET: the form, prefilled (or the sent agreement's status); POST: send it."""
    outcome = _outcome_for_operator(request, outcome_id)
    agreement = _agreements().filter(outcome=outcome).first()
    if agreement is not None:
        if request.method == "POST":
            messages.error(request, _("This startup has already been sent its agreement."))
            return redirect("selection:agreement_draft", outcome_id=outcome.pk)
        return render(request, T + "manage_detail.html", {
            "outcome": outcome, "agreement": agreement, "row": _rows([agreement])[0],
            "tranches": services.parse_tranches(agreement.tranches)})
    months = services.agreement_months(outcome)
    starts_on, ends_on = services.default_period(timezone.localdate(), months)
    initial = AgreementForm.initial_for(
        starts_on, ends_on, services.default_tranches(outcome.award_krw, starts_on, ends_on))
    form = AgreementForm(request.POST or None, initial=initial, award_krw=outcome.award_krw)
    if request.method == "POST" and form.is_valid():
        try:
            services.send_agreement(outcome=outcome, by=request.user,
                                    starts_on=form.cleaned_data["starts_on"],
                                    ends_on=form.cleaned_data["ends_on"],
                                    tranches=form.tranches())
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("The agreement was sent to the startup's "
                                        "representative."))
            return redirect("selection:agreement_draft", outcome_id=outcome.pk)
    return render(request, T + "draft.html", {
        "outcome": outcome, "form": form, "months": months,
        "signing_share": services.SIGNING_SHARE_PERCENT,
        "rest_share": 100 - services.SIGNING_SHARE_PERCENT,
        "accept_days": services.ACCEPT_WORKING_DAYS,
        "documents": [services.document_label(k) for k in services.REQUIRED_DOCUMENTS]})


@require_safe
@require_login
def manage_document(request, agreement_id: int, document_id: int):
    agreement = get_object_or_404_for(request.user, "selection.manage_agreements",
                                      _agreements(), pk=agreement_id)
    return _file(get_object_or_404(AgreementDocument, pk=document_id, agreement=agreement))


# --- partners --------------------------------------------------------------------------------


@require_safe
@require_login
def partner_list(request):
    partners = partner_organisation_ids(request.user)
    if not partners:
        raise Http404
    agreements = _agreements().filter(
        outcome__selection__track__partner__organisation_id__in=partners).order_by(
        "outcome__selection__track_id", "outcome__rank")
    return render(request, T + "partner_list.html", {"rows": _rows(agreements)})


# --- the startup -----------------------------------------------------------------------------


def _own_agreement(request, application_id: int) -> Agreement:
    return get_object_or_404_for(request.user, "selection.view_own_agreement", _agreements(),
                                 outcome__application_id=application_id)


@require_safe
@require_login
def startup_page(request, application_id: int):
    agreement = _own_agreement(request, application_id)
    return render(request, T + "startup.html", {
        "agreement": agreement, "row": _rows([agreement])[0],
        "application": agreement.outcome.application,
        "tranches": services.parse_tranches(agreement.tranches),
        "may_upload": request.user.has_perm("selection.upload_agreement_document", agreement),
        "may_accept": request.user.has_perm("selection.accept_agreement", agreement),
        "missing": [services.document_label(k)
                    for k in services.missing_documents(agreement)],
        "max_bytes": settings.KBRIDGE_UPLOAD_MAX_BYTES})


def _back(application_id: int):
    return redirect("selection:my_agreement", application_id=application_id)


@require_login
@post_only(back=to("selection:my_agreement", "application_id"))
def upload(request, application_id: int):
    """Each document field of the form is checked and stored on its own: a file refused
    leaves the others stored, and the message says which document it was."""
    agreement = _own_agreement(request, application_id)
    if not request.user.has_perm("selection.upload_agreement_document", agreement):
        messages.error(request, _("The agreement no longer waits for documents: it was "
                                  "accepted, or its deadline has passed."))
        return _back(application_id)
    rejection = count_files_or_reject(request)
    rejections = [rejection] if rejection else list(getattr(request, "upload_rejections", []))
    for refused in rejections:  # a file too large, dropped while it streamed in
        messages.error(request, refused.message)
    if rejection is not None:
        return _back(application_id)
    chosen = 0
    for kind in services.REQUIRED_DOCUMENTS:
        files = request.FILES.getlist(kind)
        if not files:
            continue
        chosen += 1
        label = services.document_label(kind)
        if len(files) > 1:
            messages.error(request, _("%(document)s: choose one PDF file.") % {
                "document": label})
            continue
        try:
            checked = check_pdf(files[0], max_bytes=settings.KBRIDGE_UPLOAD_MAX_BYTES)
            stored = services.upload_document(agreement=agreement, kind=kind,
                                              checked=checked, by=request.user)
        except UploadRejected as exc:
            messages.error(request, _("%(document)s: %(reason)s") % {
                "document": label, "reason": exc.message})
        except ValidationError as exc:
            messages.error(request, _("%(document)s: %(reason)s") % {
                "document": label, "reason": " ".join(exc.messages)})
        else:
            text = (_("%(document)s: “%(name)s” replaced the earlier file (%(pages)s pages).")
                    if stored.replaced else
                    _("%(document)s: “%(name)s” uploaded (%(pages)s pages)."))
            messages.success(request, text % {"document": label,
                                              "name": checked.original_name,
                                              "pages": checked.pages})
    if not chosen and not rejections:
        messages.error(request, _("Choose a PDF file for at least one document."))
    return _back(application_id)


@require_safe
@require_login
def startup_document(request, application_id: int, document_id: int):
    agreement = _own_agreement(request, application_id)
    return _file(get_object_or_404(AgreementDocument, pk=document_id, agreement=agreement))


def acceptance_address(request) -> str | None:
    """The client's address as the project reads it (``core.throttle.client_address``:
    ``REMOTE_ADDR``, or the trusted proxies' ``X-Forwarded-For`` entry); an IPv6 client is
    recorded by its /64 network's first address, None when unknown."""
    address = client_address(request)
    if address == "unknown":
        return None
    return address.split("/", 1)[0]


@require_login
@post_only(back=to("selection:my_agreement", "application_id"))
def accept(request, application_id: int):
    agreement = _own_agreement(request, application_id)
    if not request.user.has_perm("selection.act_for_agreement", agreement):
        raise Http404  # members may upload, not accept (the page says so)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you accept the agreement on "
                                  "behalf of the company."))
        return _back(application_id)
    try:
        services.accept_agreement(agreement=agreement, by=request.user,
                                  ip=acceptance_address(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The agreement is accepted. A confirmation was sent by "
                                    "e-mail."))
    return _back(application_id)


urlpatterns = [
    path("manage/selection/agreements/", manage_list, name="agreement_list"),
    path("manage/selection/outcomes/<int:outcome_id>/agreement/", draft,
         name="agreement_draft"),
    path("manage/selection/agreements/<int:agreement_id>/documents/<int:document_id>/",
         manage_document, name="agreement_document_manage"),
    path("partner/selection/agreements/", partner_list, name="partner_agreements"),
    path("applications/<int:application_id>/agreement/", startup_page, name="my_agreement"),
    path("applications/<int:application_id>/agreement/documents/", upload,
         name="agreement_upload"),
    path("applications/<int:application_id>/agreement/documents/<int:document_id>/",
         startup_document, name="agreement_document"),
    path("applications/<int:application_id>/agreement/accept/", accept,
         name="agreement_accept"),
]
