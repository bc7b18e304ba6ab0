"""The API, version 1, mounted at ``/api/v1/`` (docs/api.md).

django-ninja builds the operations and their OpenAPI schema from type hints
(docs/decisions.md, "API: django-ninja"). Each area is a router in ``api/routers/``; the
committed schema is ``docs/openapi.json`` (``python -m kbridge api_schema`` rewrites it,
``--check`` fails when the code and the file differ; a test does the same in CI).

Every API view is :func:`core.middleware.sessionless`: the API reads no cookie session
(the bearer token is the only credential, so a browser's session cannot be replayed
cross-site against the API and CSRF does not apply).
"""

from __future__ import annotations

from ninja import NinjaAPI

from kbridge.api import errors
from kbridge.core.middleware import sessionless

api = NinjaAPI(
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
)
errors.install(api)


def _add_routers() -> None:
    from kbridge.api.routers import ROUTERS

    for prefix, router in ROUTERS:
        api.add_router(prefix, router)


_add_routers()


def urls():
    """The URL patterns, every view marked sessionless (see the module docstring)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        sessionless(pattern.callback)
    return patterns, app_name, namespace
