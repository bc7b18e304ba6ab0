"""The API's one error shape (docs/api.md, "Errors").

Every error answers JSON ``{"error": {"code", "message", "details", "request_id"}}``:
``code`` is a stable English word for programs, ``message`` a sentence in the request's language
(``Accept-Language``: Korean by default, English on request), ``details`` a list of
``{"field", "message"}`` (empty when the error is not about fields), ``request_id`` the
``X-Request-ID`` header's value, for support.

========================  ======  ==============================================
code                      status  when
========================  ======  ==============================================
``unauthenticated``       401     no token, an unknown, expired or revoked token
``insufficient_scope``    403     the token lacks the area's read or write scope
``not_found``             404     absent, or not visible to the token's person
``invalid``               422     the input fails validation (``details``)
``conflict``              409     the object's state forbids the change now
``rate_limited``          429     too many requests; ``Retry-After`` in seconds
========================  ======  ==============================================
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kbridge.core import context


class ErrorDetail(Schema):
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail]
    request_id: str


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raise from an operation to answer ``status`` with ``code`` and a translated ``message``."""

    def __init__(self, status: int, code: str, message: str,
                 details: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


class InsufficientScope(ApiError):
    def __init__(self, area: str, write: bool):
        if write:
            message = _("This token may read but not change the “%(area)s” area. Make a "
                        "token with its write scope.")
        else:
            message = _("This token has no scope for the “%(area)s” area. Make a token "
                        "with that scope.")
        super().__init__(403, "insufficient_scope", message % {"area": area})


class Throttled(ApiError):
    def __init__(self, retry_after: int):
        super().__init__(429, "rate_limited", _(
            "Too many requests with this token. Try again in %(seconds)s s."
        ) % {"seconds": retry_after}, headers={"Retry-After": str(retry_after)})


def not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found, or not visible to you."))


def body(code: str, message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "details": details or [],
                      "request_id": context.current().request_id}}


def _validation_details(exc: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [{"field": "" if field == "__all__" else field, "message": str(message)}
                for field, errors in exc.message_dict.items() for message in errors]
    return [{"field": "", "message": str(message)} for message in exc.messages]


def _ninja_details(exc: NinjaValidationError) -> list[dict[str, str]]:
    """``details`` named as the client sent them: a query or path parameter by its name
    (``offset``, ``when``), a body field by its path inside the JSON (``answers.12``)."""
    details = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("query", "path", "header", "cookie"):
            field = loc[-1] if len(loc) > 1 else ""
        elif loc and loc[0] == "body":
            field = ".".join(loc[2:]) if len(loc) > 2 else ""
        else:
            field = ".".join(loc)
        details.append({"field": field, "message": str(error.get("msg", ""))})
    return details


def install(api) -> None:
    """Register the handlers that turn every error into the one shape on ``api``."""

    def respond(request: HttpRequest, status: int, payload: dict, headers=None) -> HttpResponse:
        response = api.create_response(request, payload, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return respond(request, exc.status, body(exc.code, exc.message, exc.details), exc.headers)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, body("unauthenticated", _(
            "Send a valid API token: Authorization: Bearer kb_…")),
            {"WWW-Authenticate": 'Bearer realm="kbridge"'})

    @api.exception_handler(Http404)
    def not_found_(request, exc):
        return respond(request, 404, body("not_found", _("Not found, or not visible to you.")))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return not_found_(request, exc)

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc: NinjaValidationError):
        return respond(request, 422, body("invalid", _("The request has invalid fields."),
                                          _ninja_details(exc)))

    @api.exception_handler(DjangoValidationError)
    def invalid_state(request, exc: DjangoValidationError):
        return respond(request, 422, body("invalid", _("The request was refused."),
                                          _validation_details(exc)))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {400: "bad_request", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return respond(request, exc.status_code, body(code, str(exc)))
