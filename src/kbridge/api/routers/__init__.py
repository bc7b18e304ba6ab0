"""The API's routers, one module per area: ``(URL prefix, router)`` in the schema's order."""

from kbridge.api.routers import (
    alliance,
    applications,
    calls,
    evaluation,
    events,
    me,
    selection,
    webhooks,
)

ROUTERS = [
    ("/", calls.router),
    ("/me", me.router),
    ("/", applications.router),
    ("/", evaluation.router),
    ("/", selection.router),
    ("/", events.router),
    ("/", alliance.router),
    ("/", webhooks.router),
]
