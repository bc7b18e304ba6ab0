"""The public address that links in e-mails point at (docs/decisions.md, "Links in e-mails:
SITE_URL and the demo (issue 11)").

Production sets ``SITE_URL`` (``check --deploy`` fails without it) and links are built from it
alone, never from a request's Host header. In development and the demo (``DEBUG``) with no
``SITE_URL``, links point at the address the current request was served at, so a demo served
at ``http://127.0.0.1:8765`` sends links that open it; outside a request (a management command,
a task) the address of ``make demo`` is used.
"""

from __future__ import annotations

import contextvars
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import DisallowedHost

#: Where ``make demo`` serves (its ``HOST``): the links of a command or task in development.
DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"

_served_origin: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kbridge_served_origin", default="")


def site_url() -> str:
    """The scheme, host and port to put before a path in an e-mail, without a final slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if settings.DEBUG:
        return _served_origin.get() or DEVELOPMENT_SITE_URL
    return DEVELOPMENT_SITE_URL  # refused by ``check --deploy``; never a request's Host


def absolute(path: str) -> str:
    """``path`` (from ``reverse``) as an absolute URL on :func:`site_url`."""
    return site_url() + path


class ServedOriginMiddleware:
    """In development with no ``SITE_URL``, remember the origin this request was served at
    (its Host header, already checked against ``ALLOWED_HOSTS``) for :func:`site_url`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SITE_URL or not settings.DEBUG:
            return self.get_response(request)
        try:
            origin = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            origin = ""
        token = _served_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _served_origin.reset(token)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """``check --deploy``: production links need an explicit https ``SITE_URL``."""
    if not settings.SITE_URL:
        return [checks.Error(
            "SITE_URL is not set: links in e-mails (verification, password reset, "
            "invitations) would not point at this site.",
            hint="Set SITE_URL to the public address, e.g. https://kbridge.example.kr.",
            id="kbridge.E001")]
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme != "https" or not parts.netloc or parts.path not in ("", "/"):
        return [checks.Error(
            f"SITE_URL must be an https origin without a path, not {settings.SITE_URL!r}.",
            hint="For example https://kbridge.example.kr.", id="kbridge.E002")]
    return []
