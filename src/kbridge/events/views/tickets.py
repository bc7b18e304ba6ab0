"""Tickets and check-in pages (docs/events.md, "Tickets and check-in").

/events/<event_id>/ticket/                      members of a chosen startup: the QR code, the
                                                typed code, time and place (404 for others)
/manage/events/<event_id>/check-in/             the event's staff: camera scanner, typed code,
                                                the latest check-ins
/manage/events/<event_id>/check-in/scan/        POST, the event's staff: admit a scanned or
                                                typed code (an htmx fragment, or the page)
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.events import selectors_tickets as selectors
from kbridge.events import ticket_codes
from kbridge.events.forms_tickets import CheckInForm
from kbridge.events.models import Event
from kbridge.events.services import tickets as services
from kbridge.events.views.pages import CONSOLE_LINKS

CONSOLE_LINKS.append(("events:check_in", gettext_lazy("Check-in at the door")))

#: The check-in page runs the QR decoder (zxing-wasm, WebAssembly): compiling it needs
#: 'wasm-unsafe-eval' — which allows WebAssembly only, never JavaScript's eval — on this page.
SCANNER_CSP = {"script-src": ["'wasm-unsafe-eval'"]}


def _event_for(request, perm: str, event_id: int) -> Event:
    return get_object_or_404_for(
        request.user, perm, Event.objects.select_related("program", "host__organisation"),
        pk=event_id)


@require_safe
@require_login
def ticket(request, event_id: int):
    event = _event_for(request, "events.view_ticket", event_id)
    found = selectors.ticket_of(request.user, event)
    if found is None:
        raise Http404
    payload = ticket_codes.sign_payload(event.pk, found.code)
    return render(request, "events/tickets/ticket.html", {
        "event": event, "ticket": found, "registration": found.registration,
        "qr_svg": ticket_codes.qr_svg(payload),
        "typed_code": ticket_codes.display_short_code(found.short_code),
    })


def _page(request, event: Event, form: CheckInForm, answer=None, status: int = 200):
    return render(request, "events/tickets/check_in.html", {
        "event": event, "form": form, "answer": answer,
        "recent": selectors.recent_check_ins(event),
        "counts": selectors.check_in_counts(event),
        "scanner": services.scanner_installed(),
    }, status=status)


@require_safe
@require_login
@csp_update(SCANNER_CSP)
def check_in_page(request, event_id: int):
    event = _event_for(request, "events.check_in", event_id)
    return _page(request, event, CheckInForm())


@require_login
@post_only(back=to("events:check_in", "event_id"))
@csp_update(SCANNER_CSP)
def scan(request, event_id: int):
    event = _event_for(request, "events.check_in", event_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        answer = services.check_in(event=event, by=request.user,
                                   payload=form.cleaned_data["payload"],
                                   typed=form.cleaned_data["code"])
    else:
        answer = None
    if request.htmx:
        return render(request, "events/tickets/_answer.html", {
            "answer": answer, "form": form, "event": event, "oob": True,
            "recent": selectors.recent_check_ins(event),
            "counts": selectors.check_in_counts(event)})
    return _page(request, event, CheckInForm() if answer and answer.admitted else form, answer)


urlpatterns = [
    path("events/<int:event_id>/ticket/", ticket, name="ticket"),
    path("manage/events/<int:event_id>/check-in/", check_in_page, name="check_in"),
    path("manage/events/<int:event_id>/check-in/scan/", scan, name="check_in_scan"),
]
