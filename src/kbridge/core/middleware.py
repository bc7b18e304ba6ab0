from __future__ import annotations

import re
import uuid

from kbridge.core import context

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIDMiddleware:
    """Give every request an id (from a trusted proxy's ``X-Request-ID`` or a new UUID).

    The id is echoed in the response and written into every audit row the request causes,
    so a support ticket can be traced to the decisions it made.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            context.reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


def sessionless(view):
    """Mark ``view`` as one that never reads the session or the signed-in user: the
    middlewares that would load them for every request (the audit actor here, the idle
    timeout in ``accounts.middleware``) leave such a request alone, so it costs no session or
    user query. For views that authenticate by other means (a signed token in the URL, e.g.
    the live Q&A list polled by every attendee every few seconds: events.live_qna)."""
    view.kbridge_sessionless = True
    return view


def is_sessionless(view_func) -> bool:
    """Whether ``view_func`` was marked with :func:`sessionless`."""
    return getattr(view_func, "kbridge_sessionless", False)


class AuditContextMiddleware:
    """Expose the authenticated user to services as the default audit actor (from
    ``process_view``, so a :func:`sessionless` view never loads the user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_kbridge_actor_token", None)
            if token is not None:
                context.reset_actor(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_sessionless(view_func):
            return None
        user = getattr(request, "user", None)
        request._kbridge_actor_token = context.set_actor(
            user if user is not None and user.is_authenticated else None)
        return None


class MethodNotAllowedPageMiddleware:
    """A POST-only address opened from the address bar, a bookmark or a reload after a refused
    form answers 405; Django's answer has an empty body, which browsers show as a bare error.
    It becomes a page that says what happened, with a link to the page the form was on (the
    view's ``language_back``, see ``core.language.post_only``), keeping the 405 and its
    ``Allow`` header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.method == "HEAD":
            return response
        from django.template.loader import render_to_string
        from django.urls import resolve

        back = None
        try:
            match = resolve(request.path_info)
            language_back = getattr(match.func, "language_back", None)
            if language_back is not None:
                back = language_back(request, **match.kwargs)
        except Exception:  # noqa: BLE001 - the page must render, whatever the address
            back = None
        response.content = render_to_string("405.html", {"back": back}, request=request)
        response["Content-Type"] = "text/html; charset=utf-8"
        return response
