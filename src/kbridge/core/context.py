"""Per-request context (request id, acting user) shared with the audit log.

Stored in context variables so that services can write audit rows without views having to
thread the request through every call; tasks and management commands run with no request and
record ``request_id=""``.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kbridge_request_id", default="")
_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("kbridge_actor", default=None)


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    actor: Any


def set_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def set_actor(user: Any) -> contextvars.Token:
    return _actor.set(user)


def reset_actor(token: contextvars.Token) -> None:
    _actor.reset(token)


def current() -> RequestContext:
    return RequestContext(request_id=_request_id.get(), actor=_actor.get())
