"""The API, version 1, mounted at ``/api/v1/`` (docs/api.md).

django-ninja builds the operations and their OpenAPI schema from type hints
(docs/decisions.md, "API: django-ninja"). Each area is a router in ``api/routers/``; the
committed schema is ``docs/openapi.json`` (``python -m kbridge api_schema`` rewrites it,
``--check`` fails when the code and the file differ; a test does the same in CI).

Every API view is :func:`core.middleware.sessionless`: the API reads no cookie session
(the bearer token is the only credential, so a browser's session cannot be replayed
cross-site against the API and CSRF does not apply).

What every operation gets without a line in its router (so the areas cannot forget it):

* its error responses in the schema (:class:`Schema`, from :func:`errors.documented_statuses`:
  401/403 by its auth, 404, 422, 429, and 400/409 for writes), all with ``ErrorOut``;
* its input through the web's cleaning layer (:class:`CleanParser`, ``core.text``): query
  values, path values and every string of a JSON body lose NUL and other control characters,
  lone surrogates and bidirectional overrides, and are NFC-normalised;
* the one error shape for the answers Django or ninja would give outside an operation: a
  method the path does not have (405) and a path the API does not have (404).
"""

from __future__ import annotations

import functools

from django.urls import re_path
from ninja import NinjaAPI
from ninja.errors import ConfigError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from kbridge.api import errors
from kbridge.core import text
from kbridge.core.middleware import sessionless


class CleanParser(Parser):
    """ninja's JSON and query-string parser, with every string passed through
    ``core.text.clean_text`` as the web's forms do (``CleanInputMixin``); a body must be a JSON
    object."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            # Every body of this API is an object. ninja would read a list or a number as an
            # object without attributes: an all-optional schema (a PATCH) would accept it as
            # "change nothing" (found by fuzzing ``PATCH /startup/profile`` with ``[null]``).
            raise ValueError("the body is not a JSON object")  # → 400 bad_request
        return text.clean_json(data)

    def parse_querydict(self, data, list_fields, request):
        return text.clean_json(super().parse_querydict(data, list_fields, request))


HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer realm=\"kbridge\"`",
                               "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds until the next request is allowed",
                          "schema": {"type": "integer"}}},
}


class Schema(OpenAPISchema):
    """The OpenAPI schema with each operation's error responses (``ErrorOut``) added."""

    def responses(self, operation):
        result = super().responses(operation)
        model = operation._create_response_model(errors.ErrorOut)
        ref = self._create_schema_from_model(model, by_alias=True, mode="serialization")[0]
        for status, description in errors.documented_statuses(operation).items():
            response = {"description": description,
                        "content": {self.api.renderer.media_type: {"schema": ref}}}
            if status in HEADERS:
                response["headers"] = HEADERS[status]
            result.setdefault(status, response)
        return result


    def add_schema_definitions(self, definitions: dict) -> None:
        """ninja names each component after its class and lets a later one replace an earlier
        one of the same name: two areas' ``QuestionOut`` would share one schema, and the
        other's responses would fail it; two ``SubmitIn`` of the same fields would share one
        field's description. Refuse any difference (rename one, e.g. ``QnaQuestionOut``)."""
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise ConfigError(f"Two different API schemas are named {name!r}: rename one "
                                  "(the OpenAPI schema would give both the same definition)")
        super().add_schema_definitions(definitions)


class KBridgeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Schema(api=self, path_prefix=path_prefix)


api = KBridgeAPI(
    title="K-Bridge API",
    version="1",
    description=(
        "Calls, applications, evaluation, selection, events and the alliance of a K-Bridge "
        "program, with the same permissions as the web. Errors have one shape "
        "(`ErrorOut`); messages follow `Accept-Language` (ko, en). See docs/api.md."
    ),
    urls_namespace="api-v1",
    docs_url=None,
    openapi_url="/openapi.json",
    parser=CleanParser(),
)
errors.install(api)


def _add_routers() -> None:
    from kbridge.api.routers import ROUTERS

    for prefix, router in ROUTERS:
        api.add_router(prefix, router)


_add_routers()


def _in_error_shape(view):
    """``view`` with its path values cleaned (as :class:`CleanParser` cleans the rest),
    Django's bare 405 (a method the path does not have) answered in the one error shape, and
    ``HEAD`` answered as ``GET`` without the body (RFC 9110, 9.3.2: the same status and
    headers, the same permission and rate limit)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        kwargs = {name: text.clean_text(value) if isinstance(value, str) else value
                  for name, value in kwargs.items()}
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        try:
            response = view(request, *args, **kwargs)
        finally:
            if head:
                request.method = "HEAD"
        if head:
            if response.streaming:
                response.close()  # an open file of a download (its Content-Length stays)
                response.streaming_content = []
            else:
                response["Content-Length"] = str(len(response.content))  # as GET would say
                response.content = b""
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"):
            allowed = response.get("Allow", "")
            methods = [m.strip() for m in allowed.split(",") if m.strip()]
            if "GET" in methods and "HEAD" not in methods:
                allowed = ", ".join([*methods, "HEAD"])  # answered as GET (above)
            response = errors.method_not_allowed(request, api)
            response["Allow"] = allowed
        return response

    return wrapped


@sessionless
def _unknown_path(request, path=""):
    return errors.respond_not_found(request, api)


def urls():
    """The URL patterns, every view marked sessionless (see the module docstring), then a
    catch-all that answers the error shape's 404 for any other path under ``/api/v1/``."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":
            # ninja's root view (a docs redirect, or Django's HTML 404 without docs) answers
            # as the catch-all does; the name stays, ninja reverses it for the served schema.
            pattern.callback = _unknown_path
        else:
            pattern.callback = sessionless(_in_error_shape(pattern.callback))
    patterns = [*patterns, re_path(r"^(?P<path>.*)$", _unknown_path)]
    return patterns, app_name, namespace
