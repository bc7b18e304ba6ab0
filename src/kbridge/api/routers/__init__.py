"""The API's routers, one module per area: ``(URL prefix, router)`` in the schema's order."""

from kbridge.api.routers import calls, me

ROUTERS = [
    ("/", calls.router),
    ("/me", me.router),
]
