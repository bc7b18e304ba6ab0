"""Pages of the core layer that need no one's role (core knows no accounts: the role-aware
pages are in kbridge.portal)."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def healthz(request):
    """Liveness and database readiness for load balancers and the deadline-rush benchmark."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
