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
``bad_request``           400     the body is not a JSON object (or too large)
``method_not_allowed``    405     the path has no such method (``Allow`` lists them)
========================  ======  ==============================================

Every operation's schema lists the errors it can answer (:func:`documented_statuses`, added
by ``api.main.Schema``): nothing to declare in a router.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from kbridge.core import context

logger = logging.getLogger(__name__)
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PARAMETER_SOURCES = ("query", "path", "header", "cookie")


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
    """429 with ``Retry-After``; ``anonymous`` for the per-address limit of public reads."""

    def __init__(self, retry_after: int, *, anonymous: bool = False):
        if anonymous:
            message = _("Too many requests from your network without a token. Try again in "
                        "%(seconds)s s, or send an API token.")
        else:
            message = _("Too many requests with this token. Try again in %(seconds)s s.")
        super().__init__(429, "rate_limited", message % {"seconds": retry_after},
                         headers={"Retry-After": str(retry_after)})


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
        if loc and loc[0] in PARAMETER_SOURCES:
            field = loc[-1] if len(loc) > 1 else ""
        elif loc and loc[0] == "body":
            field = ".".join(loc[2:]) if len(loc) > 2 else ""
        else:
            field = ".".join(loc)
        details.append({"field": field, "message": str(error.get("msg", ""))})
    return details


def documented_statuses(operation) -> dict[int, str]:
    """The error statuses ``operation`` (a ninja Operation) can answer, with their schema
    descriptions: 401 and 429 when it has an auth (a token may be refused; every caller is
    rate-limited), 403 when its token needs an area's scope, 404 always (an object absent or
    not visible), 422 when it takes input or writes, 400 (a body that is not JSON) and 409
    (the object's state) for writes."""
    from ninja.openapi.schema import BODY_CONTENT_TYPES

    from kbridge.api.auth import TokenAuth

    token_auths = [auth for auth in operation.auth_callbacks if isinstance(auth, TokenAuth)]
    write = bool(WRITE_METHODS & set(operation.methods))
    body = any(model.__ninja_param_source__ in BODY_CONTENT_TYPES for model in operation.models)
    statuses = {}
    if body:
        statuses[400] = "The body is not a JSON object (`bad_request`)"
    if token_auths:
        statuses[401] = "No token, or an unknown, expired or revoked one (`unauthenticated`)"
    if any(auth.area for auth in token_auths):
        statuses[403] = "The token lacks the area's read or write scope (`insufficient_scope`)"
    statuses[404] = "Absent, or not visible to the token's person (`not_found`)"
    if write:
        statuses[409] = "The object's state forbids the change now (`conflict`)"
    if operation.models or write:
        statuses[422] = "Invalid input, with `details` per field (`invalid`)"
    if operation.auth_callbacks:
        statuses[429] = "Too many requests; see `Retry-After` (`rate_limited`)"
    return statuses


def error_response(api, request: HttpRequest, status: int, payload: dict,
                   headers=None) -> HttpResponse:
    response = api.create_response(request, payload, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def respond_not_found(request: HttpRequest, api) -> HttpResponse:
    return error_response(api, request, 404, body("not_found", _("Not found, or not visible to you.")))


def method_not_allowed(request: HttpRequest, api) -> HttpResponse:
    return error_response(api, request, 405, body("method_not_allowed", _(
        "This address does not take the %(method)s method.") % {"method": request.method[:10]}))


def install(api) -> None:
    """Register the handlers that turn every error into the one shape on ``api``."""

    def respond(request: HttpRequest, status: int, payload: dict, headers=None) -> HttpResponse:
        return error_response(api, request, status, payload, headers)

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
        if exc.status_code == 400:  # ninja's "Cannot parse request body"
            return respond(request, 400, body("bad_request", _(
                "The request body must be a JSON object, and not too large.")))
        code = {405: "method_not_allowed"}.get(exc.status_code, "error")
        return respond(request, exc.status_code, body(code, str(exc)))

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request, exc):
        # A number or text the database cannot take (e.g. an integer beyond 64 bits on
        # SQLite): the input's fault, not the server's. The enclosing atomic block, if any,
        # is rolled back (PostgreSQL refuses further queries in a failed transaction).
        logger.warning("API input out of the database's range: %s %s: %s", request.method,
                       request.path, exc)
        if connection.in_atomic_block:
            transaction.set_rollback(True)
        return respond(request, 422, body("invalid", _(
            "A value in the request is out of range.")))
