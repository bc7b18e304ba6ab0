"""Live Q&A pages.

/events/<event_id>/qna/                          attendees (and the event's staff): the live
                                                 page — ask, vote, see the questions live
/events/<event_id>/qna/live/                     the same: the list fragment the page polls
                                                 (ETag; 304 while nothing changed), with a
                                                 poll token instead of the session
                                                 (events/live_qna.py)
/events/<event_id>/qna/ask/                      POST, attendees: a new question
/events/<event_id>/qna/<question_id>/vote/       POST, attendees: vote (on=1) or take it back
/manage/events/<event_id>/qna/                   the event's staff: the moderation queue
/manage/events/<event_id>/qna/<question_id>/moderate/
                                                 POST, staff: approve, hide, answer,
                                                 highlight, unhighlight
/manage/events/<event_id>/qna/merge/             POST, staff: merge a duplicate into another
/manage/events/<event_id>/qna/settings/          POST, staff: pre-moderation, open/closed
/manage/events/<event_id>/qna/presenter/         staff: the presenter view (big type)
/manage/events/<event_id>/qna/presenter/live/    staff: its fragment (ETag)

Why polling with ETags rather than server-sent events: docs/decisions.md, "Events: live Q&A
(issue 15)".
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.core import throttle
from kbridge.core.language import post_only, to
from kbridge.core.middleware import sessionless
from kbridge.core.permissions import get_object_or_404_for, require_login
from kbridge.events import live_qna
from kbridge.events import selectors_qna as selectors
from kbridge.events.forms_qna import AnswerForm, AskForm, QnaSettingsForm
from kbridge.events.models import Event, Question
from kbridge.events.services import qna as services
from kbridge.events.views.pages import CONSOLE_LINKS

CONSOLE_LINKS.append(("events:qna_queue", gettext_lazy("Live Q&A")))

#: Seconds between two polls of the live list (attendees) and of the presenter view.
LIVE_POLL_SECONDS = 10
PRESENTER_POLL_SECONDS = 5


def _event_for(request, perm: str, event_id: int) -> Event:
    return get_object_or_404_for(
        request.user, perm,
        Event.objects.select_related("program", "host__organisation", "qna_settings"),
        pk=event_id)


def _live_event(request, event_id: int) -> tuple[Event, bool]:
    """The event and whether the user may ask and vote; 404 unless they may read the live
    page (an attendee's check answers both)."""
    event = get_object_or_404(Event.objects.select_related(
        "program", "host__organisation", "qna_settings"), pk=event_id)
    may_ask = request.user.has_perm("events.ask_question", event)
    if not (may_ask or request.user.has_perm("events.view_qna", event)):
        raise Http404
    return event, may_ask


def _not_modified(request, etag: str) -> HttpResponse | None:
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    return None


def _with_etag(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _stamp(request, event: Event) -> str:
    # Open or closed is part of the state: a closed Q&A shows no highlight as "now".
    return selectors.recent_state_stamp(event, get_language(),
                                        "open" if selectors.settings_of(event).open else "closed")


def _render_live(request, event: Event, may_ask: bool, form: AskForm | None = None):
    may_moderate = request.user.has_perm("events.moderate_qna", event)
    return render(request, "events/qna/live.html", {
        "event": event, "may_ask": may_ask, "form": form or AskForm(),
        "live": live_qna.render_live(request, event, _stamp(request, event), may_ask=may_ask),
        # Staff watching the audience's view poll as staff (no vote buttons) even if they
        # also attend: what they may do is decided per request, not by the token.
        "poll_url": live_qna.poll_url(event, request.user, attendee=may_ask),
        "poll_seconds": LIVE_POLL_SECONDS, "qna_open": selectors.settings_of(event).open,
        "may_moderate": may_moderate})


@require_safe
@require_login
def live_page(request, event_id: int):
    event, may_ask = _live_event(request, event_id)
    return _render_live(request, event, may_ask)


def _audience_answer(request, event: Event, may_vote: bool, kind: str) -> HttpResponse:
    stamp = _stamp(request, event)
    etag = f'"{stamp}-{kind}{int(may_vote)}"'
    return _not_modified(request, etag) or _with_etag(HttpResponse(
        live_qna.audience_list(event, stamp, may_vote=may_vote)), etag)


@require_login
def _live_fragment_signed_in(request, event_id: int):
    event, may_ask = _live_event(request, event_id)
    return _audience_answer(request, event, may_ask, "u")


@sessionless
@require_safe
def live_fragment(request, event_id: int):
    """The polled list (the same for every viewer of a kind; the page fits it to the user).
    With a valid poll token (``?t=``, live_qna.poll_url) it reads no session and no user;
    without one (or with an expired one) the session decides, as for the page."""
    kind = live_qna.read_poll_token(request.GET.get("t"), event_id)
    if kind is None:
        return _live_fragment_signed_in(request, event_id)
    event = live_qna.recent_event(event_id)
    if event is None or (kind == live_qna.ATTENDEE
                         and event.status != Event.Status.PUBLISHED):
        raise Http404
    may_vote = kind == live_qna.ATTENDEE and selectors.settings_of(event).open
    return _audience_answer(request, event, may_vote, kind)


@require_login
@post_only(back=to("events:qna", "event_id"))
def ask(request, event_id: int):
    event = _event_for(request, "events.ask_question", event_id)
    form = AskForm(request.POST)
    refused = None
    if form.is_valid():
        refused = throttle.refuse_form(form, "qna-question", str(request.user.pk))
        if refused is None:
            try:
                question = services.post_question(event=event, author=request.user,
                                                  **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("text", exc)
            else:
                messages.success(request, _("Your question is waiting for a moderator's "
                                            "approval.") if question.status == Question.Status.PENDING
                                 else _("Your question is posted."))
                return redirect("events:qna", event_id=event.pk)
    # The page again, with what was typed and why it was not posted.
    return throttle.mark_refused(_render_live(request, event, True, form), refused)


@require_login
@post_only(back=to("events:qna", "event_id"))
def vote(request, event_id: int, question_id: int):
    event = _event_for(request, "events.ask_question", event_id)
    verdict = throttle.hit("qna-vote", str(request.user.pk))
    if not verdict.allowed:
        return throttle.refused_response(request, verdict)
    change = services.vote if request.POST.get("on", "1") == "1" else services.unvote
    try:
        result = change(event=event, question_id=question_id, voter=request.user)
    except ValidationError as exc:
        if not throttle.is_htmx(request):
            messages.error(request, " ".join(exc.messages))
            return redirect("events:qna", event_id=event.pk)
        response = HttpResponse(" ".join(exc.messages), status=409)
        response["HX-Reswap"] = "none"
        return response
    if not throttle.is_htmx(request):
        return redirect("events:qna", event_id=event.pk)
    return HttpResponse(live_qna.vote_widget(request, event.pk, result.question_id,
                                             result.votes, voted=result.voted, may_vote=True))


# --- moderators --------------------------------------------------------------------------


@require_safe
@require_login
def queue(request, event_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    questions = selectors.queue(event)
    settings_row = selectors.settings_of(event)
    return render(request, "events/qna/queue.html", {
        "event": event, "questions": questions, "Status": Question.Status,
        "suggestions": selectors.duplicate_suggestions(questions),
        "settings_form": QnaSettingsForm(initial={"premoderated": settings_row.premoderated,
                                                  "open": settings_row.open}),
        "hidden": sum(1 for q in questions if q.status == Question.Status.HIDDEN
                      and q.merged_into_id is None),
        "answer_form": AnswerForm(),
    })


MODERATION = {
    "approve": (services.approve, gettext_lazy("The question is shown.")),
    "hide": (services.hide, gettext_lazy("The question is hidden.")),
    "answer": (services.answer, gettext_lazy("The question is marked answered.")),
    "highlight": (services.highlight, gettext_lazy("The question is highlighted.")),
    "unhighlight": (services.highlight, gettext_lazy("The highlight is off.")),
}


def _back_to_queue(event: Event, question_id: int | None = None):
    url = reverse("events:qna_queue", kwargs={"event_id": event.pk})
    return redirect(f"{url}#q{question_id}" if question_id else url)


@require_login
@post_only(back=to("events:qna_queue", "event_id"))
def moderate(request, event_id: int, question_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    action = request.POST.get("action")
    if action not in MODERATION:
        messages.error(request, _("Choose what to do with the question."))
        return _back_to_queue(event, question_id)
    change, done = MODERATION[action]
    kwargs = {}
    if action == "answer":
        form = AnswerForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return _back_to_queue(event, question_id)
        kwargs["text"] = form.cleaned_data["text"]
    elif action in ("highlight", "unhighlight"):
        kwargs["on"] = action == "highlight"
    try:
        change(event=event, question_id=question_id, by=request.user, **kwargs)
    except Question.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
    return _back_to_queue(event, question_id)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_login
@post_only(back=to("events:qna_queue", "event_id"))
def merge(request, event_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    duplicate, target = _int(request.POST.get("duplicate")), _int(request.POST.get("target"))
    if duplicate is None or target is None:
        messages.error(request, _("Choose the duplicate and the question to merge it into."))
        return _back_to_queue(event)
    try:
        services.merge_questions(event=event, duplicate_id=duplicate, target_id=target,
                                 by=request.user)
    except Question.DoesNotExist:
        messages.error(request, _("This event has no such question."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Merged: the voters of both questions now vote for one."))
        return _back_to_queue(event, target)
    return _back_to_queue(event)


@require_login
@post_only(back=to("events:qna_queue", "event_id"))
def change_settings(request, event_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    form = QnaSettingsForm(request.POST)
    if form.is_valid():
        services.save_settings(event=event, by=request.user, **form.cleaned_data)
        messages.success(request, _("Q&A settings saved."))
    return _back_to_queue(event)


def _presenter_context(event: Event) -> dict:
    return {"event": event, "questions": selectors.presenter_questions(event),
            "hidden": selectors.hidden_count(event),
            "qna_open": selectors.settings_of(event).open}


@require_safe
@require_login
def presenter(request, event_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    return render(request, "events/qna/presenter.html",
                  {**_presenter_context(event), "poll_seconds": PRESENTER_POLL_SECONDS})


@require_safe
@require_login
def presenter_fragment(request, event_id: int):
    event = _event_for(request, "events.moderate_qna", event_id)
    etag = f'"{selectors.recent_state_stamp(event, "presenter", get_language(), str(selectors.settings_of(event).open))}"'
    return _not_modified(request, etag) or _with_etag(
        render(request, "events/qna/_presenter_list.html", _presenter_context(event)), etag)


urlpatterns = [
    path("events/<int:event_id>/qna/", live_page, name="qna"),
    path("events/<int:event_id>/qna/live/", live_fragment, name="qna_live"),
    path("events/<int:event_id>/qna/ask/", ask, name="qna_ask"),
    path("events/<int:event_id>/qna/<int:question_id>/vote/", vote, name="qna_vote"),
    path("manage/events/<int:event_id>/qna/", queue, name="qna_queue"),
    path("manage/events/<int:event_id>/qna/<int:question_id>/moderate/", moderate,
         name="qna_moderate"),
    path("manage/events/<int:event_id>/qna/merge/", merge, name="qna_merge"),
    path("manage/events/<int:event_id>/qna/settings/", change_settings, name="qna_settings"),
    path("manage/events/<int:event_id>/qna/presenter/", presenter, name="qna_presenter"),
    path("manage/events/<int:event_id>/qna/presenter/live/", presenter_fragment,
         name="qna_presenter_live"),
]
