"""Calls (공고) and their tracks: public, like the call pages (``programs.view_call``)."""


from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from kbridge.api.auth import PublicAccess, TokenAuth
from kbridge.api.errors import not_found
from kbridge.api.schemas import Mapped, Pagination, bilingual
from kbridge.programs import selectors
from kbridge.programs.models import Call

router = Router(auth=[TokenAuth("calls"), PublicAccess()], tags=["calls"])
# In the schema: a token is optional (an empty security requirement).
PUBLIC = {"security": [{}]}  # appended to the TokenAuth requirement


class TrackOut(Schema):
    id: int
    name: str
    name_ko: str
    name_en: str
    partner: str
    quota: int
    funding_cap_krw: int | None


class CallOut(Schema):
    id: int
    program_id: int
    program: str
    title: str
    title_ko: str
    title_en: str
    summary: str
    summary_ko: str
    summary_en: str
    opens_at: datetime | None
    deadline_at: datetime
    state: Literal["open", "upcoming", "closed"]
    tracks: list[TrackOut]


class CallFilter(Schema):
    state: Literal["open", "upcoming", "closed"] | None = None


def _track(track) -> dict:
    return {"id": track.pk, **bilingual(track, "name"), "partner": str(track.partner.organisation),
            "quota": track.quota, "funding_cap_krw": track.funding_cap_krw}


def _call(call: Call, now) -> dict:
    if call.opens_at and call.opens_at > now:
        state = "upcoming"
    elif call.deadline_at > now:
        state = "open"
    else:
        state = "closed"
    return {"id": call.pk, "program_id": call.program_id, "program": str(call.program),
            **bilingual(call, "title"), **bilingual(call, "summary"),
            "opens_at": call.opens_at, "deadline_at": call.deadline_at, "state": state,
            "tracks": [_track(t) for t in call.tracks.all()]}


@router.get("/calls", response=list[CallOut], summary="Published calls, newest deadline first",
            openapi_extra=PUBLIC)
@paginate(Pagination)
def list_calls(request, filters: Query[CallFilter]):
    now = timezone.now()
    queryset = selectors.call_detail_queryset().published()
    if filters.state == "open":
        queryset = queryset.open_at(now)
    elif filters.state == "upcoming":
        queryset = queryset.upcoming_at(now)
    elif filters.state == "closed":
        queryset = queryset.closed_at(now)
    return Mapped(queryset.order_by("-deadline_at", "pk"), lambda call: _call(call, now))


@router.get("/calls/{call_id}", response=CallOut, summary="One published call with its tracks",
            openapi_extra=PUBLIC)
def get_call(request, call_id: int):
    call = selectors.call_detail_queryset().filter(pk=call_id).first()
    if call is None or not request.user.has_perm("programs.view_call", call):
        raise not_found()
    return _call(call, timezone.now())
