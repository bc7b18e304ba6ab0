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

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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


def details_of(errors, rename: Callable[[str], str] | Mapping[str, str] | None = None,
               *, prefix: str = "") -> list[dict[str, str]]:
    """``details`` of a refusal by a web form or a service, its fields named as the API's
    JSON names them.

    ``errors``: a Django ``ValidationError`` (with or without fields), a form (its
    ``errors``) or a mapping ``{field: [messages]}``. ``rename`` maps a form's or model's field
    name to the request's (``partner`` → ``partner_id``, ``q_12`` → ``answers.12``): a
    function or a mapping (names not in it stay). ``prefix`` goes before every name (a row of
    a list: ``investments.0.``). ``__all__`` and errors without a field name the whole
    request (``""``, or the prefix without its dot)."""
    if isinstance(errors, DjangoValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {"": errors.messages}
    elif hasattr(errors, "errors") and not isinstance(errors, Mapping):
        errors = errors.errors
    if isinstance(rename, Mapping):
        mapping = rename
        rename = lambda name: mapping.get(name, name)  # noqa: E731
    details = []
    for name, messages in errors.items():
        if name in ("__all__", "", None):
            field = prefix.rstrip(".")
        else:
            field = prefix + (rename(name) if rename else name)
        details.extend({"field": field, "message": str(message)} for message in messages)
    return details


def detail_fields(*names: str) -> dict[str, list[str]]:
    """``openapi_extra`` of an operation that checks what is stored (a draft, a scoresheet)
    rather than only its own input: its 422 ``details`` may name these fields too, listed in
    the schema as ``x-detail-fields`` (the names of the operation that writes them)."""
    return {"x-detail-fields": sorted(set(names))}


def invalid(details: list[dict[str, str]], message: str | None = None) -> ApiError:
    """422 ``invalid``: ``message`` (default "The request has invalid fields.") and
    ``details`` per field (:func:`details_of`)."""
    return ApiError(422, "invalid", message or _("The request has invalid fields."), details)


#: Pydantic's error types (``pydantic_core.ErrorType``) → a translated sentence, formatted
#: with the error's ``ctx`` (limits, allowed values). Pydantic's own ``msg`` is English only;
#: a type not listed answers :data:`_INVALID_VALUE`.
_MESSAGE_TYPES = [
    (gettext_lazy("This field is required."), ["missing"]),
    (gettext_lazy("This field is not part of the request."), ["extra_forbidden"]),
    (gettext_lazy("Enter a whole number."), ["int_type", "int_parsing", "int_from_float"]),
    (gettext_lazy("This number is too large."), ["int_parsing_size"]),
    (gettext_lazy("Enter a number."),
     ["float_type", "float_parsing", "decimal_type", "decimal_parsing"]),
    (gettext_lazy("Enter a finite number."), ["finite_number"]),
    (gettext_lazy("Enter true or false."), ["bool_type", "bool_parsing"]),
    (gettext_lazy("Enter text."), ["string_type", "string_unicode"]),
    (gettext_lazy("Enter at least %(min_length)s characters."), ["string_too_short"]),
    (gettext_lazy("Enter at most %(max_length)s characters."), ["string_too_long"]),
    (gettext_lazy("Enter the value in the documented format."), ["string_pattern_mismatch"]),
    (gettext_lazy("Give at least %(min_length)s items."), ["too_short"]),
    (gettext_lazy("Give at most %(max_length)s items."), ["too_long"]),
    (gettext_lazy("Enter a number greater than %(gt)s."), ["greater_than"]),
    (gettext_lazy("Enter a number of at least %(ge)s."), ["greater_than_equal"]),
    (gettext_lazy("Enter a number less than %(lt)s."), ["less_than"]),
    (gettext_lazy("Enter a number of at most %(le)s."), ["less_than_equal"]),
    (gettext_lazy("Enter a multiple of %(multiple_of)s."), ["multiple_of"]),
    (gettext_lazy("Choose one of: %(expected)s."), ["literal_error", "enum"]),
    (gettext_lazy("Enter a list."), ["list_type", "tuple_type", "set_type"]),
    (gettext_lazy("Enter an object."), ["dict_type", "model_type", "model_attributes_type"]),
    (gettext_lazy("Enter a date as YYYY-MM-DD."),
     ["date_type", "date_parsing", "date_from_datetime_parsing",
      "date_from_datetime_inexact"]),
    (gettext_lazy("Enter a date and time (ISO 8601, e.g. 2026-12-01T09:00:00+09:00)."),
     ["datetime_type", "datetime_parsing", "datetime_from_date_parsing",
      "datetime_object_invalid"]),
    (gettext_lazy("Enter a time as HH:MM."), ["time_type", "time_parsing"]),
    (gettext_lazy("Give the time without a time zone offset."), ["timezone_naive"]),
    (gettext_lazy("Give the time with its time zone offset (e.g. +09:00)."),
     ["timezone_aware"]),
    (gettext_lazy("Enter a valid URL."),
     ["url_type", "url_parsing", "url_syntax_violation", "url_too_long", "url_scheme"]),
    (gettext_lazy("Enter a valid UUID."), ["uuid_type", "uuid_parsing"]),
    (gettext_lazy("This is not valid JSON."), ["json_invalid", "json_type"]),
    (gettext_lazy("Leave this empty."), ["none_required"]),
]
_TYPE_MESSAGES = {kind: message for message, kinds in _MESSAGE_TYPES for kind in kinds}
_INVALID_VALUE = gettext_lazy("This value is not valid.")


def pydantic_message(error: dict[str, Any]) -> str:
    """The sentence for one pydantic error (``{"type", "ctx", …}``) in the active language.

    Allowed values (``literal_error``, ``enum``) are listed with commas instead of pydantic's
    English "or"; a ``ctx`` that does not fit the sentence falls back to the bare one."""
    message = _TYPE_MESSAGES.get(str(error.get("type", "")), _INVALID_VALUE)
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if "expected" in ctx:
        ctx["expected"] = re.sub(r"\s+or\s+", ", ", ctx["expected"])
    try:
        return str(message) % ctx if "%(" in str(message) else str(message)
    except (KeyError, ValueError, TypeError):
        return str(_INVALID_VALUE)


def _named_path(parts: list[str], data: Any, *, missing: bool = False) -> str:
    """The path of ``parts`` (a pydantic ``loc`` inside the body) as far as the request's JSON
    ``data`` goes: what pydantic adds below a value names the types it tried for a union
    (``answers.4.str``, ``amount_krw.int``), not anything the client sent, and is dropped,
    under a value or an object alike. A ``missing`` field is named (it is the last part)."""
    path, node = [], data
    for part in parts:
        if isinstance(node, dict):
            if part not in node:
                if missing:
                    path.append(part)  # the field the client left out
                break  # a union's branch name under an object the client sent
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            path.append(part)
            node = node[int(part)]
        else:
            break
    return ".".join(path)


def _ninja_details(exc: NinjaValidationError, data: Any = None) -> list[dict[str, str]]:
    """``details`` named as the client sent them: a query or path parameter by its name
    (``offset``, ``when``), a body field by its path inside the JSON ``data`` (``answers.12``,
    :func:`_named_path`); the message translated (:func:`pydantic_message`). The branches of
    a union that all failed on one field make one detail, their messages joined."""
    messages: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in PARAMETER_SOURCES:
            field = loc[1] if len(loc) > 1 else ""
        elif loc and loc[0] == "body":
            field = (_named_path(loc[2:], data, missing=error.get("type") == "missing")
                     if data is not None else ".".join(loc[2:]))
        else:
            field = ".".join(loc)
        message = pydantic_message(error)
        if message not in messages.setdefault(field, []):
            messages[field].append(message)
    return [{"field": field, "message": " / ".join(texts)} for field, texts in messages.items()]


def _json_of(request: HttpRequest) -> Any:
    """The request's JSON body as parsed (None when there is none or it is not JSON)."""
    try:
        return json.loads(request.body) if request.body else None
    except (ValueError, RequestDataTooBig, RawPostDataException):
        return None


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
                                          _ninja_details(exc, _json_of(request))))

    @api.exception_handler(DjangoValidationError)
    def invalid_state(request, exc: DjangoValidationError):
        return respond(request, 422, body("invalid", _("The request was refused."),
                                          details_of(exc)))

    @api.exception_handler(RequestDataTooBig)
    @api.exception_handler(TooManyFieldsSent)
    def too_large(request, exc):
        # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many
        # fields) when ninja parses it; outside the API Django answers such a request 400.
        return respond(request, 400, body("bad_request", _(
            "The request body is too large: at most %(limit)s.") % {
                "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}))

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
