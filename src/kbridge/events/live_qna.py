"""The live list of a Q&A, rendered once per state and shared by every attendee.

Under load the list changes every few hundred milliseconds (every vote changes it), so an
ETag alone rarely saves a render: 500 attendees polling every 10 s would render it 50 times a
second. Instead each worker renders the *audience's* list once per state of the event
(:func:`~kbridge.events.selectors_qna.state_stamp`: questions and votes), language and kind of
viewer (attendee or staff), and keeps the last few.

The polled list is the same for everybody: each question's vote widget carries both forms
(vote, take my vote back) and the browser shows the one that fits from the ids the page
holds (``data-qna-voted``, ``data-qna-own`` on ``#qna-live``; static/kbridge/js/app.js).
The page polls with a signed **poll token** (:func:`poll_url`) instead of the session, and the
view is :func:`~kbridge.core.middleware.sessionless`: a poll reads no session and no user,
and answers 304 or the shared list from memory — no query at all most of the time (one
state query per worker and second). Polls are three quarters of the load of a live Q&A
(bench/qna.py; docs/benchmarks.md, "Live Q&A votes"). The full page (and the list it starts
with) is rendered for the signed-in user as before, so it works without JavaScript.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from kbridge.events import selectors_qna as selectors
from kbridge.events.models import Event, Question

_MARK = re.compile(r"<!--qna-vote:(\d+)-->")
_CACHE: OrderedDict[tuple, SharedList] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


#: Stands for the request's CSRF token in the shared widgets until an answer is assembled.
_TOKEN = "\x00csrf\x00"  # noqa: S105 - a placeholder, not a secret


@dataclass(frozen=True)
class SharedList:
    """The audience's list for one state: HTML with a marker per vote button, and per
    question its author, whether it takes votes and its widget in each of three forms (count
    only; count and "vote"; count and "take my vote back"), with a placeholder for the token.
    """

    html: str
    questions: dict[int, tuple[int, bool, tuple[str, str, str]]]


def _count(question_id: int, votes: int) -> str:
    return format_html('<span class="qna-votes" data-testid="votes-{}">{}</span>', question_id,
                       ngettext("%(n)d vote", "%(n)d votes", votes) % {"n": votes})


def _vote_form(url: str, *, voted: bool, token: str | None, hidden: bool = False) -> str:
    """One vote form: "take my vote back" (``voted``) or "vote". With ``token`` it carries
    the CSRF field (works without JavaScript); without, only htmx posts it (the token in the
    ``X-CSRFToken`` header the page sets). ``hidden`` until the page shows it."""
    on, style, label = (("0", " secondary", gettext("Take my vote back")) if voted
                        else ("1", "", gettext("Vote")))
    csrf = (format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token else "")
    return format_html(
        '<form method="post" action="{}" class="inline" hx-post="{}" '
        'hx-target="closest .qna-vote" hx-swap="outerHTML" data-qna-on="{}"{}>{}'
        '<input type="hidden" name="on" value="{}"><button class="button{}" '
        'aria-pressed="{}">{}</button></form>', url, url, on,
        mark_safe(" hidden") if hidden else "", csrf, on, style,  # noqa: S308
        "true" if voted else "false", label)


def vote_widget(request, event_id: int, question_id: int, votes: int, *, voted: bool,
                may_vote: bool, token: str | None = None) -> str:
    """The vote count and, when ``may_vote``, the button (vote or take it back): the same
    HTML for the live page and the vote's own answer. ``token``: the request's CSRF token
    when the caller has it (one per page)."""
    button = ""
    if may_vote:
        url = reverse("events:qna_vote", kwargs={"event_id": event_id,
                                                 "question_id": question_id})
        button = _vote_form(url, voted=voted, token=token or get_token(request))
    return format_html('<div class="qna-vote" data-testid="vote-{}" data-qna-question="{}"{}>'
                       '{}{}</div>', question_id, question_id,
                       format_html(' data-qna-voted="{}"', "1" if voted else "0")
                       if may_vote else "", _count(question_id, votes), button)


def _shared(request, event: Event, stamp: str) -> SharedList:
    key = ("personal", event.pk, stamp, get_language())
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    questions = selectors.audience_questions(event)
    html = render_to_string("events/qna/_list.html", {
        "event": event, "questions": questions, "hidden": selectors.hidden_count(event),
        "Status": Question.Status, "qna_open": selectors.settings_of(event).open})
    def forms(q) -> tuple[str, str, str]:
        return tuple(vote_widget(request, event.pk, q.pk, q.vote_count, voted=voted,
                                 may_vote=may_vote, token=_TOKEN)
                     for voted, may_vote in ((False, False), (False, True), (True, True)))

    shared = SharedList(html, {q.pk: (q.author_id, q.status == Question.Status.APPROVED,
                                      forms(q)) for q in questions})
    with _LOCK:
        _CACHE[key] = shared
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return shared


@dataclass(frozen=True)
class LivePage:
    """What the live page shows ``request.user`` at load: ``own`` (their questions the
    audience does not see: waiting or hidden), ``html`` (the list, their vote buttons in
    place), and the ids the browser keeps to fit later polled lists: ``voted`` (questions
    they voted for) and ``authored`` (their own questions: no vote button)."""

    own: SafeString
    html: SafeString
    voted: frozenset[int]
    authored: frozenset[int]


def render_live(request, event: Event, stamp: str, *, may_ask: bool) -> LivePage:
    """The live list as ``request.user`` sees it (see the module's docstring)."""
    shared = _shared(request, event, stamp)
    user = request.user
    voted, has_own = selectors.mine(event, user)
    own = list(Question.objects.filter(event=event, author=user, merged_into__isnull=True)
               .exclude(status__in=selectors.PUBLIC_STATUSES)
               .order_by("created_at", "id")) if has_own else []

    def widget(match: re.Match) -> str:
        pk = int(match.group(1))
        author, open_, (plain, vote, unvote) = shared.questions[pk]
        if not (may_ask and open_ and author != user.pk):
            return plain
        return unvote if pk in voted else vote

    mine = render_to_string("events/qna/_own.html", {"own": own, "Status": Question.Status},
                            request) if own else ""
    authored = {pk for pk, (author, _, _) in shared.questions.items() if author == user.pk}
    # Every piece is escaped HTML: the shared list and ``mine`` from templates, each widget
    # from format_html.
    return LivePage(
        own=mark_safe(mine),  # noqa: S308
        html=mark_safe(_MARK.sub(widget, shared.html).replace(  # noqa: S308
            _TOKEN, get_token(request))),
        voted=frozenset(voted), authored=frozenset(authored | {q.pk for q in own}))


# --- the polled list: a signed token instead of the session --------------------------------

_POLL_SALT = "kbridge.events.qna-live"
#: The two kinds of viewer a poll token is for: an attendee (votes while the Q&A is open) and
#: the event's staff (read only: moderators watching the audience's view).
ATTENDEE, STAFF = "a", "s"


def poll_url(event: Event, user, *, attendee: bool) -> str:
    """The live list's address for ``user`` on the live page: ``…/qna/live/?t=<token>``, the
    token signed (``django.core.signing``, its own salt) over ``event.user.kind``. Valid for
    the session's absolute age (``SESSION_COOKIE_AGE``, 12 h) and only for this event."""
    token = signing.TimestampSigner(salt=_POLL_SALT).sign(
        f"{event.pk}.{user.pk}.{ATTENDEE if attendee else STAFF}")
    return reverse("events:qna_live", kwargs={"event_id": event.pk}) + f"?t={token}"


def read_poll_token(token: str | None, event_id: int) -> str | None:
    """The kind of viewer (:data:`ATTENDEE` or :data:`STAFF`) a valid, unexpired token for
    event ``event_id`` grants; None for anything else (missing, tampered, expired, another
    event's). What the token grants is reading the audience's list, which its holder could
    read when the page was served; votes and questions still need the session."""
    if not token or len(token) > 200:
        return None
    try:
        value = signing.TimestampSigner(salt=_POLL_SALT).unsign(
            token, max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:
        return None
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != str(event_id) or parts[2] not in (ATTENDEE, STAFF):
        return None
    return parts[2]


_EVENTS: dict[int, tuple[float, Event | None]] = {}


def recent_event(event_id: int) -> Event | None:
    """The event (with its Q&A settings), read at most once per
    ``selectors.STAMP_REUSE_SECONDS`` per worker process: a poll token's fast path costs no
    query while the event's state stamp is fresh. None when there is no such event."""
    now = time.monotonic()
    hit = _EVENTS.get(event_id)
    if hit is not None and now - hit[0] < selectors.STAMP_REUSE_SECONDS:
        return hit[1]
    event = (Event.objects.select_related("program", "host__organisation", "qna_settings")
             .filter(pk=event_id).first())
    if len(_EVENTS) > 256:
        _EVENTS.clear()
    _EVENTS[event_id] = (now, event)
    return event


def _both_forms(event_id: int, question_id: int, votes: int, merged: list[int]) -> str:
    """The shared widget of a question that takes votes: the count and both forms, "vote"
    shown and "take my vote back" hidden; the browser shows the one that fits (or neither on
    one's own question). ``merged``: the ids of the questions merged into it, whose voters
    now vote for it (the browser's list of votes still names the old id). No CSRF field
    (:func:`_vote_form`)."""
    url = reverse("events:qna_vote", kwargs={"event_id": event_id, "question_id": question_id})
    return format_html('<div class="qna-vote" data-testid="vote-{}" data-qna-question="{}" '
                       'data-qna-merged="{}">{}{}{}</div>', question_id, question_id,
                       " ".join(map(str, merged)), _count(question_id, votes),
                       _vote_form(url, voted=False, token=None),
                       _vote_form(url, voted=True, token=None, hidden=True))


def audience_list(event: Event, stamp: str, *, may_vote: bool) -> str:
    """The polled list, the same for every viewer of this kind: the audience's questions and,
    when ``may_vote``, both vote forms on each approved question (see :func:`_both_forms`).
    Rendered once per (event, state, language, ``may_vote``) and worker."""
    key = ("audience", event.pk, stamp, get_language(), may_vote)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit.html
    questions = selectors.audience_questions(event)
    html = render_to_string("events/qna/_list.html", {
        "event": event, "questions": questions, "hidden": selectors.hidden_count(event),
        "Status": Question.Status, "qna_open": selectors.settings_of(event).open})
    widgets, merged = {}, {}
    if may_vote:
        for source, target in Question.objects.filter(
                event=event, merged_into__isnull=False).values_list("pk", "merged_into_id"):
            merged.setdefault(target, []).append(source)
    for q in questions:
        if may_vote and q.status == Question.Status.APPROVED:
            widgets[q.pk] = _both_forms(event.pk, q.pk, q.vote_count, merged.get(q.pk, []))
        else:
            widgets[q.pk] = vote_widget(None, event.pk, q.pk, q.vote_count, voted=False,
                                        may_vote=False)
    html = _MARK.sub(lambda m: widgets[int(m.group(1))], html)
    with _LOCK:
        _CACHE[key] = SharedList(html, {})
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return html


def clear_caches() -> None:
    """Forget this process's shared lists, events and state stamps (tests measure cold
    requests)."""
    with _LOCK:
        _CACHE.clear()
    _EVENTS.clear()
    selectors._STAMPS.clear()
