from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import has_role
from kbridge.core.models import AuditLog
from kbridge.core.permissions import require_login, require_perm
from kbridge.core.text import clean_query


@require_login
def dashboard(request):
    """Send each person to the console of their role; startups and evaluators get a home page."""
    user = request.user
    if has_role(user, Membership.Role.OPERATOR):
        return redirect("programs:program_list")
    if has_role(user, Membership.Role.PARTNER):
        return redirect("programs:partner_home")
    return render(request, "core/dashboard.html", {
        "is_startup": has_role(user, Membership.Role.STARTUP_REPRESENTATIVE,
                               Membership.Role.STARTUP_MEMBER),
        "is_evaluator": has_role(user, Membership.Role.EVALUATOR),
    })


@require_perm("core.view_auditlog")
def audit_log(request):
    entries = AuditLog.objects.select_related("actor")
    action = clean_query(request.GET.get("action"))
    object_type = clean_query(request.GET.get("object_type"))
    if action:
        entries = entries.filter(action__startswith=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html",
                  {"page": page, "action": action, "object_type": object_type})


def healthz(request):
    """Liveness and database readiness for load balancers and the deadline-rush benchmark."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
