"""The live list of a Q&A, rendered once per state and shared by every attendee.

Under load the list changes every few hundred milliseconds (every vote changes it), so an
ETag alone rarely saves a render: 500 attendees polling every 5 s would render it 100 times a
second. Instead each worker renders the *audience's* list once per state of the event
(:func:`~kbridge.events.selectors_qna.state_stamp`: questions and votes) and language, and
keeps the last few; each attendee's answer is that shared HTML with their own vote buttons
put in (voted, not voted, their own question: no button) and their own waiting or hidden
questions above it — two small queries, no template. Measured in bench/qna.py
(docs/benchmarks.md, "Live Q&A votes").
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

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


def vote_widget(request, event_id: int, question_id: int, votes: int, *, voted: bool,
                may_vote: bool, token: str | None = None) -> str:
    """The vote count and, when ``may_vote``, the button (vote or take it back): the same
    HTML for the live list and the vote's own answer."""
    """``token``: the request's CSRF token when the caller has it (one per page)."""
    count = format_html('<span class="qna-votes" data-testid="votes-{}">{}</span>', question_id,
                        ngettext("%(n)d vote", "%(n)d votes", votes) % {"n": votes})
    button = ""
    if may_vote:
        url = reverse("events:qna_vote", kwargs={"event_id": event_id,
                                                 "question_id": question_id})
        if voted:
            inner = format_html('<input type="hidden" name="on" value="0"><button '
                                'class="button secondary" aria-pressed="true">{}</button>',
                                gettext("Take my vote back"))
        else:
            inner = format_html('<input type="hidden" name="on" value="1"><button '
                                'class="button" aria-pressed="false">{}</button>',
                                gettext("Vote"))
        button = format_html(
            '<form method="post" action="{}" class="inline" hx-post="{}" '
            'hx-target="closest .qna-vote" hx-swap="outerHTML">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">{}</form>',
            url, url, token or get_token(request), inner)
    return format_html('<div class="qna-vote" data-testid="vote-{}">{}{}</div>', question_id,
                       count, button)


def _shared(request, event: Event, stamp: str) -> SharedList:
    key = (event.pk, stamp, get_language())
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


def render_live(request, event: Event, stamp: str, *, may_ask: bool) -> SafeString:
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
    # Every piece is escaped HTML: the shared list and ``mine`` from templates, each widget
    # from format_html.
    return mark_safe(mine + _MARK.sub(widget, shared.html).replace(  # noqa: S308
        _TOKEN, get_token(request)))


def clear_caches() -> None:
    """Forget this process's shared lists and state stamps (tests measure cold requests)."""
    with _LOCK:
        _CACHE.clear()
    selectors._STAMPS.clear()
