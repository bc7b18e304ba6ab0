"""Registration and choosing attendees (docs/events.md).

/events/mine/                                         a startup's people: their registrations
/events/<event_id>/register/                          a startup's representative: register
/events/<event_id>/withdraw/                          POST, the registrant's representative
/events/<event_id>/offer/                             POST, the registrant's representative:
                                                      accept or decline a waitlist offer
/events/<event_id>/lottery/                           everyone (published): the lottery
/events/<event_id>/lottery.json                       everyone: its published inputs
/manage/events/<event_id>/registrations/              the event's staff: the fit review
/manage/events/<event_id>/registrations/<id>/review/  POST, the event's staff: a mark
/manage/events/<event_id>/review/confirm/             POST, the operator
/manage/events/<event_id>/lottery/commit/             POST, the operator
/manage/events/<event_id>/lottery/draw/               POST, the operator

A person without the role gets 404; one with the role but in the wrong state (registration
still open, lottery not committed …) is sent back with the reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kbridge.accounts.models import Membership, Organisation
from kbridge.accounts.selectors import organisation_ids
from kbridge.core.language import post_only, to
from kbridge.core.permissions import get_object_or_404_for, require_login, require_perm
from kbridge.events import selectors
from kbridge.events import selectors_attendees as reads
from kbridge.events.forms_attendees import FitReviewForm, RegistrationForm
from kbridge.events.models import Event, Registration
from kbridge.events.services import attendees as services
from kbridge.events.views.pages import CONSOLE_LINKS

CONSOLE_LINKS.append(("events:registrations",
                      gettext_lazy("Registrations, fit review and lottery")))


def _event(request, perm: str, event_id: int) -> Event:
    return get_object_or_404_for(
        request.user, perm, Event.objects.select_related("program", "host__organisation"),
        pk=event_id)


def _representative_org(user) -> Organisation | None:
    ids = organisation_ids(user, Membership.Role.STARTUP_REPRESENTATIVE)
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first()


def _own_registration(request, event: Event) -> Registration:
    """The registration the user acts for (their startup's, as its representative); 404
    for anyone else."""
    registration = selectors.registration_of(request.user, event)
    if registration is None or not request.user.has_perm("events.act_for_registration",
                                                         registration):
        raise Http404
    registration.event = event
    return registration


def _refused(request, error: ValidationError):
    messages.error(request, " ".join(error.messages))


# --- startups ----------------------------------------------------------------------------


@require_safe
@require_perm("events.view_my_registrations")
def my_events(request):
    return render(request, "events/attendees/mine.html",
                  {"registrations": reads.my_registrations(request.user)})


@require_login
def register(request, event_id: int):
    event = _event(request, "events.reach_registration", event_id)
    organisation = _representative_org(request.user)
    existing = Registration.objects.filter(event=event, organisation=organisation).first()
    if existing is not None and existing.status != Registration.Status.WITHDRAWN:
        messages.info(request, _("Your company has already registered for this event."))
        return redirect("events:detail", event_id=event.pk)
    profile = getattr(organisation, "profile", None)
    fixed = profile.business_registration_number if profile is not None else ""
    questions = list(event.fit_questions.all())
    form = RegistrationForm(request.POST or None, questions=questions, fixed_brn=fixed,
                            initial={"attendee_name": request.user.full_name,
                                     "attendee_email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            services.register(
                event=event, organisation=organisation, by=request.user,
                business_registration_number=form.cleaned_data["business_registration_number"],
                attendee_name=form.cleaned_data["attendee_name"],
                attendee_email=form.cleaned_data["attendee_email"], answers=form.answers())
        except ValidationError as error:
            form.add_error(None, error)  # closed meanwhile, number taken …: nothing is lost
        else:
            messages.success(request, _("Your company is registered. A receipt is on its way "
                                        "by e-mail."))
            return redirect("events:detail", event_id=event.pk)
    return render(request, "events/attendees/register.html", {
        "event": event, "form": form, "organisation": organisation,
        "registration_open": event.registration_is_open()})


@require_login
@post_only(back=to("events:detail", "event_id"))
def withdraw(request, event_id: int):
    event = _event(request, "events.view_event", event_id)
    registration = _own_registration(request, event)
    try:
        services.withdraw(registration=registration, by=request.user)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your registration is withdrawn."))
    return redirect("events:detail", event_id=event.pk)


@require_login
@post_only(back=to("events:detail", "event_id"))
def answer_offer(request, event_id: int):
    event = _event(request, "events.view_event", event_id)
    registration = _own_registration(request, event)
    offer = reads.pending_offer(registration)
    action = request.POST.get("action")
    if offer is None:
        messages.error(request, _("There is no offer waiting for your answer."))
    elif action not in ("accept", "decline"):
        messages.error(request, _("Accept or decline the offered place."))
    else:
        change = services.accept_offer if action == "accept" else services.decline_offer
        try:
            change(offer=offer, by=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("You accepted the place: your company is chosen.")
                             if action == "accept" else _("You declined the offered place."))
    return redirect("events:detail", event_id=event.pk)


# --- the public lottery ----------------------------------------------------------------------


@require_safe
def lottery_page(request, event_id: int):
    event = _event(request, "events.view_lottery", event_id)
    draw = reads.lottery_of(event)
    own = selectors.registration_of(request.user, event)
    return render(request, "events/attendees/lottery.html", {
        "event": event, "draw": draw, "own": own,
        "draw_not_before": services.earliest_draw_at(draw) if draw else None,
        "own_is_entrant": bool(draw and own and own.code in draw.entrants)})


@require_safe
def lottery_json(request, event_id: int):
    event = _event(request, "events.view_lottery", event_id)
    draw = reads.lottery_of(event)
    if draw is None:
        raise Http404
    return JsonResponse(services.published_lottery(draw),
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


# --- the event's staff -----------------------------------------------------------------------


def _answer_text(question, value: str) -> str:
    """A registration's answer as shown: the chosen option's text, or the text typed."""
    if question.choices and value.isdigit() and int(value) < len(question.choices):
        choice = question.choices[int(value)]
        return (choice.get("ko") if get_language() == "ko" else choice.get("en")) or ""
    return value


@require_safe
@require_login
def registrations(request, event_id: int):
    event = _event(request, "events.review_registrations", event_id)
    user = request.user
    ranking = services.review_ranking(event)
    marks = reads.my_marks(event, user)
    questions = list(event.fit_questions.all())
    for row in ranking.rows:
        row.answer_list = [(q, _answer_text(q, row.registration.answers.get(str(q.pk), "")))
                           for q in questions]
        mark = marks.get(row.registration.pk)
        row.form = FitReviewForm(prefix=f"r{row.registration.pk}", initial={
            "score": mark.score if mark else None,
            "shortlisted": mark.shortlisted if mark else False})
        row.mine = mark
    draw = reads.lottery_of(event)
    return render(request, "events/attendees/review.html", {
        "event": event, "ranking": ranking,
        "decided": reads.decided(event), "draw": draw,
        "draw_not_before": services.earliest_draw_at(draw) if draw else None,
        "may_review": user.has_perm("events.review_registrations", event)
        and event.review_confirmed_at is None and draw is None,
        "may_choose": user.has_perm("events.choose_attendees", event),
        "may_confirm": user.has_perm("events.confirm_review", event),
        "may_commit": user.has_perm("events.commit_lottery", event),
        "may_draw": user.has_perm("events.draw_lottery", event),
        "lottery_places": services.lottery_places(event),
        "closed": timezone.now() >= event.registration_closes_at})


@require_login
@post_only(back=to("events:registrations", "event_id"))
def review(request, event_id: int, registration_id: int):
    event = _event(request, "events.review_registrations", event_id)
    registration = get_object_or_404(Registration, pk=registration_id, event=event)
    registration.event = event
    form = FitReviewForm(request.POST, prefix=f"r{registration.pk}")
    back = redirect("events:registrations", event_id=event.pk)
    if not request.user.has_perm("events.review_registration", registration):
        messages.error(request, _("This registration can no longer be reviewed."))
    elif not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5, or none."))
    else:
        try:
            services.review(registration=registration, by=request.user,
                            score=form.cleaned_data["score"],
                            shortlisted=form.cleaned_data["shortlisted"])
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Your review of %(code)s is saved.")
                             % {"code": registration.code})
    return back


def _operator_step(request, event_id: int, perm: str, change, done: str, refusal: str):
    event = _event(request, "events.choose_attendees", event_id)
    if not request.user.has_perm(perm, event):
        messages.error(request, refusal)
    else:
        try:
            change(event=event, by=request.user)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, done)
    return redirect("events:registrations", event_id=event.pk)


@require_login
@post_only(back=to("events:registrations", "event_id"))
def confirm_review(request, event_id: int):
    return _operator_step(
        request, event_id, "events.confirm_review", services.confirm_review,
        _("The fit review is confirmed: its choices are told by e-mail."),
        _("The fit review can be confirmed once, after registration closes and before the "
          "lottery."))


@require_login
@post_only(back=to("events:registrations", "event_id"))
def commit_lottery(request, event_id: int):
    return _operator_step(
        request, event_id, "events.commit_lottery", services.commit_lottery,
        _("The lottery is committed: the seed's fingerprint and the entrants are published."),
        _("The lottery is committed once, after registration closes and the fit review is "
          "confirmed."))


@require_login
@post_only(back=to("events:registrations", "event_id"))
def draw_lottery(request, event_id: int):
    return _operator_step(
        request, event_id, "events.draw_lottery", services.draw_lottery,
        _("Drawn. The seed is published; anyone can re-run the draw."),
        _("Only a committed lottery that is not drawn yet can be drawn."))


urlpatterns = [
    path("events/mine/", my_events, name="mine"),
    path("events/<int:event_id>/register/", register, name="register"),
    path("events/<int:event_id>/withdraw/", withdraw, name="withdraw"),
    path("events/<int:event_id>/offer/", answer_offer, name="answer_offer"),
    path("events/<int:event_id>/lottery/", lottery_page, name="lottery"),
    path("events/<int:event_id>/lottery.json", lottery_json, name="lottery_json"),
    path("manage/events/<int:event_id>/registrations/", registrations, name="registrations"),
    path("manage/events/<int:event_id>/registrations/<int:registration_id>/review/", review,
         name="review"),
    path("manage/events/<int:event_id>/review/confirm/", confirm_review,
         name="confirm_review"),
    path("manage/events/<int:event_id>/lottery/commit/", commit_lottery,
         name="commit_lottery"),
    path("manage/events/<int:event_id>/lottery/draw/", draw_lottery, name="draw_lottery"),
]
