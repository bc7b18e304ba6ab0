"""Shared pieces of the API's schemas: bilingual text and pagination."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from kbridge.core.i18n import localized_text


def bilingual(obj: Any, field: str) -> dict[str, str]:
    """``{field: text in the request's language, field_ko, field_en}`` for a bilingual field."""
    return {field: localized_text(obj, field), f"{field}_ko": getattr(obj, f"{field}_ko"),
            f"{field}_en": getattr(obj, f"{field}_en")}


#: The largest ``?offset=``: past any list, and within the databases' integers (a larger
#: one made SQLite's ``OFFSET`` fail with a datatype mismatch: a 500).
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    """``?limit=`` (1–100, default 20) and ``?offset=`` (0–:data:`MAX_OFFSET`); answers
    ``{"items", "count"}``."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=100, **kwargs)


class Message(Schema):
    message: str


class Label(Schema):
    """A status or kind: its ``code`` (stable, for programs) and its translated ``label``."""

    code: str
    label: str


def label(code: str, text) -> dict[str, str]:
    """A :class:`Label` for ``code`` and its (lazy) translated ``text``."""
    return {"code": code, "label": str(text)}


class Mapped:
    """A queryset whose items are turned into dicts only for the page that is shown: return
    it from a :func:`ninja.pagination.paginate` operation (counts with one ``COUNT``, fetches
    one slice). ``fn`` maps one row; with ``batch=True`` it maps the page's list of rows at
    once (e.g. the eligibility of the page's applications in a fixed number of queries)."""

    def __init__(self, queryset, fn, *, batch: bool = False):
        self.queryset, self.fn, self.batch = queryset, fn, batch

    def __len__(self) -> int:
        return self.queryset.count()

    def _map(self, rows: list) -> list:
        return self.fn(rows) if self.batch else [self.fn(row) for row in rows]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._map(list(self.queryset[index]))
        return self._map([self.queryset[index]])[0]
