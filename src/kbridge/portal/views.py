"""Pages that span apps: the dashboard, the audit log and the e-mail outbox pages (they need
the roles and agencies of kbridge.accounts, which core may not import)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import has_role
from kbridge.accounts.tenancy import PARTNER_ROLES, agency_ids
from kbridge.alliance import selectors_reports as report_selectors
from kbridge.alliance.services.reports import kst_today
from kbridge.core import audit_display, services
from kbridge.core.language import post_only, to
from kbridge.core.models import AuditLog
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.core.text import clean_query
from kbridge.portal import selectors


@require_safe
@require_login
def dashboard(request):
    """Send each person to the console of their role: operators to their programs, partners
    to their tracks, evaluators to their evaluations (``/evaluate/``); startups get a home page."""
    user = request.user
    if has_role(user, Membership.Role.OPERATOR):
        return redirect("programs:program_list")
    if has_role(user, *PARTNER_ROLES):
        return redirect("programs:partner_home")
    is_startup = has_role(user, Membership.Role.STARTUP_REPRESENTATIVE,
                          Membership.Role.STARTUP_MEMBER)
    if not is_startup and has_role(user, Membership.Role.EVALUATOR):
        return redirect("evaluation:home")
    return render(request, "portal/dashboard.html", {
        "is_startup": is_startup,
        "is_evaluator": has_role(user, Membership.Role.EVALUATOR),
        "next_report": report_selectors.next_report_due(user) if is_startup else None,
        "today": kst_today(),
    })


@require_safe
@require_perm("core.view_auditlog")
def audit_log(request):
    entries = AuditLog.objects.for_tenants(agency_ids(request.user)).select_related("actor")
    action = clean_query(request.GET.get("action"))
    object_type = clean_query(request.GET.get("object_type"))
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    object_types = (AuditLog.objects.for_tenants(agency_ids(request.user))
                    .order_by().values_list("object_type", flat=True).distinct())
    return render(request, "portal/audit_log.html", {
        "page": page, "entries": audit_display.present(page.object_list),
        "action": action, "object_type": object_type,
        "action_choices": audit_display.action_choices(),
        "object_type_choices": sorted(((t, audit_display.model_label(t)) for t in object_types),
                                      key=lambda pair: pair[1]),
    })


@require_safe
@require_perm("core.view_deliveries")
def delivery_list(request):
    """E-mails of the user's programs that are not delivered (or all, with ?show=all)."""
    show_all = request.GET.get("show") == "all"
    rows = (selectors.deliveries_for(request.user) if show_all
            else selectors.undelivered_for(request.user))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "portal/delivery_list.html", {"page": page, "show_all": show_all})


@require_login
@post_only(back=to("core:delivery_list"))
def delivery_resend(request, pk: int):
    delivery = get_object_or_404_for(request.user, "core.resend_delivery",
                                     selectors.deliveries_for(request.user), pk=pk)
    try:
        services.resend_email(delivery=delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The e-mail to %(to)s was queued again.")
                         % {"to": ", ".join(delivery.recipients)})
    return redirect("core:delivery_list")
