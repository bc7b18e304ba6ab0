"""Outbound HTTP for webhooks: which URLs may be called, and one POST with time-outs.

**SSRF.** A subscription URL is a request the server makes on a stranger's behalf, so unless
``KBRIDGE_WEBHOOK_ALLOW_PRIVATE`` is set (development and tests: a receiver on 127.0.0.1) a
URL must be ``http(s)`` on the standard ports or 1024–65535 and every address its host
resolves to must be a *global* one (no loopback, private, link-local — cloud metadata lives
at 169.254.169.254 —, multicast, reserved or shared addresses). The check runs when the
subscription is saved and again before every request, and the request connects to the very
address that was checked (the host name goes only into ``Host`` and TLS's SNI and
certificate check), so a DNS answer that changes in between cannot redirect it inside.
Redirects are not followed.

The client is ``urllib3`` (the pool under ``requests``; docs/webhooks.md).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

#: At most this much of a receiver's answer is read (and none of it is stored).
MAX_RESPONSE_BYTES = 64 * 1024


class UnsafeURL(ValueError):
    """The URL may not be called (the message is translated, for the form)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]


@dataclass(frozen=True)
class Response:
    status: int | None
    error: str
    duration_ms: int


def _allow_private() -> bool:
    return bool(getattr(settings, "KBRIDGE_WEBHOOK_ALLOW_PRIVATE", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """Check ``url`` (see the module docstring) and return where to connect.

    Raises :class:`UnsafeURL` with a translated reason."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(_("Enter a valid URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("The URL must start with https:// (or http://) and name a host."))
    if parts.username or parts.password:
        raise UnsafeURL(_("The URL must not contain a user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    allow_private = _allow_private()
    if not allow_private and port not in (80, 443) and port < 1024:
        raise UnsafeURL(_("The URL must use port 80, 443 or a port from 1024 up."))
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(_("The host name could not be resolved.")) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeURL(_("The host name could not be resolved."))
    if not allow_private and not all(_is_public(address) for address in addresses):
        raise UnsafeURL(_("The URL points to a private or local network address; webhooks "
                          "go only to public addresses."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port, path, tuple(addresses))


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST ``body`` to ``url`` once; never raises for network trouble (see ``error``)."""
    started = time.monotonic()

    def done(status: int | None, error: str = "") -> Response:
        return Response(status, error[:500], int((time.monotonic() - started) * 1000))

    try:
        target = resolve(url)
    except UnsafeURL as exc:
        return done(None, f"refused: {exc}")
    timeout = urllib3.Timeout(connect=settings.KBRIDGE_WEBHOOK_CONNECT_TIMEOUT,
                              read=settings.KBRIDGE_WEBHOOK_TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and not host_header.startswith("["):
        host_header = f"[{target.host}]" + ("" if target.port == default_port
                                            else f":{target.port}")
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    headers = {**headers, "Host": host_header}
    error = ""
    # Each checked address in turn (a host may resolve to ::1 and 127.0.0.1, one of them
    # closed), until one accepts the connection.
    for address in target.addresses:
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address, target.port, server_hostname=target.host,
                assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                ca_certs=settings.KBRIDGE_WEBHOOK_CA_FILE or None, **options)
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, **options)
        try:
            response = pool.urlopen("POST", target.path, body=body, headers=headers,
                                    redirect=False, preload_content=False,
                                    assert_same_host=False)
            try:
                response.read(MAX_RESPONSE_BYTES)
            finally:
                response.release_conn()
            return done(response.status)
        except urllib3.exceptions.NewConnectionError as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue  # not reached: the next address
        except Exception as exc:  # noqa: BLE001 - any failure to reach the receiver is retried
            return done(None, f"{type(exc).__name__}: {exc}")
        finally:
            pool.close()
    return done(None, error)
