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
    """``?limit=`` (1–100, default 20) and ``?offset=``; answers ``{"items", "count"}``."""

    class Input(LimitOffsetPagination.Input):
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=100, **kwargs)


class Message(Schema):
    message: str


class Mapped:
    """A queryset whose items are turned into dicts by ``fn`` only for the page that is shown:
    return it from a :func:`ninja.pagination.paginate` operation (counts with one
    ``COUNT``, fetches one slice)."""

    def __init__(self, queryset, fn):
        self.queryset, self.fn = queryset, fn

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.fn(item) for item in self.queryset[index]]
        return self.fn(self.queryset[index])
