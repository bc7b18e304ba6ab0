"""API fixtures: a token per persona (all areas, write) and a client that sends it."""

from __future__ import annotations

import pytest
from django.test import Client

from kbridge.api.models import AREAS
from kbridge.api.services import create_token

ALL_WRITE = dict.fromkeys(AREAS, "write")


def token_for(user, scopes=None, **kwargs) -> str:
    """A fresh token text for ``user`` (all areas writable unless ``scopes`` is given)."""
    _row, token = create_token(user=user, name="test", scopes=scopes or ALL_WRITE, **kwargs)
    return token


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` and JSON."""

    def __init__(self, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, data=None):
        return self.client.get(path, data, headers=self.headers)

    def post(self, path, payload=None):
        return self.client.post(path, payload or {}, content_type="application/json",
                                headers=self.headers)

    def put(self, path, payload=None):
        return self.client.put(path, payload or {}, content_type="application/json",
                               headers=self.headers)

    def patch(self, path, payload=None):
        return self.client.patch(path, payload or {}, content_type="application/json",
                                 headers=self.headers)

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)

    def upload(self, path, name: str, data: bytes, field: str = "file", method: str = "post"):
        """Send one file as ``multipart/form-data`` with its name exactly as given (Django's
        own encoder would strip folder parts such as ``../``)."""
        boundary = "kbridge-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                f"filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return getattr(self.client, method)(
            path, body, content_type=f"multipart/form-data; boundary={boundary}",
            headers=self.headers)


@pytest.fixture
def api_for(db):
    """``api_for(user, scopes=None, language="en")`` → an :class:`ApiClient` with a token."""

    def make(user=None, scopes=None, language="en", **kwargs):
        return ApiClient(token_for(user, scopes, **kwargs) if user else None, language)

    return make
