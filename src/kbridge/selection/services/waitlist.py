"""The waitlist (예비) of a confirmed selection: drop-outs, offers of a freed place, answers.

State changes, one function each, every one audited and e-mailed to the startup's
representative (in Korean, then English):

* :func:`drop_out` — a selected outcome becomes ``dropped`` (reason ``withdrew``,
  ``duplicate_funding``, ``agreement_lapsed`` or ``ineligible``), its award is freed, and the
  place is offered on (:func:`offer_next`).
* :func:`offer_next` — the first waitlisted application whose award fits in what the track
  (and the program) may still award is offered the freed place, with an answer due
  ``SelectionPolicy.offer_working_days`` working days later (``core.workdays``: Korean public
  holidays and weekends excluded). The choice is :func:`kbridge.engine.selection.next_offer`:
  a pending offer holds its place and its award, so offers never overfill the quota or the
  budget.
* :func:`accept_offer` — the outcome becomes ``selected`` with the offer's award (reason
  ``promoted``).
* :func:`decline_offer` — the outcome becomes ``dropped`` (``declined_offer``) and the place is
  offered on.
* :func:`expire_offers` — pending offers past their deadline expire (``offer_expired``) and the
  place is offered on; run by the task ``selection.tasks.expire_offers``, queued for each
  offer's deadline when the offer is made.

Concurrency: each change locks the program's row, then the selection's row
(``select_for_update``), in that order, and re-reads the outcome or offer under the lock, so
two drop-outs at the same moment (in one track, or in two tracks sharing the program's budget)
are serialised and never offer the same place twice. The budget an offer must fit in is the
track's (``Selection.budget_krw``), capped by what the program's budget leaves after the
awards and pending offers of its other confirmed selections.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.core.text import clean_text
from kbridge.core.workdays import add_working_days
from kbridge.engine.selection import Limits, next_offer
from kbridge.programs.models import Program
from kbridge.selection.models import (
    DEFAULT_OFFER_WORKING_DAYS,
    Offer,
    Outcome,
    Selection,
    SelectionPolicy,
)
from kbridge.selection.services.selection import refresh_cutoff

#: Why a selected startup may be dropped (``Outcome.REASONS`` holds their texts).
DROP_REASONS = ("withdrew", "duplicate_funding", "agreement_lapsed", "ineligible")
#: The longest note kept with a drop-out (``Outcome.detail``); longer notes are refused.
MAX_DETAIL_CHARS = 500

SELECTED, WAITLISTED, DROPPED = (Outcome.Status.SELECTED, Outcome.Status.WAITLISTED,
                                 Outcome.Status.DROPPED)
PENDING = Offer.Status.PENDING


# --- locking and the engine's inputs ------------------------------------------------------


def _lock(selection_id: int) -> Selection:
    """Lock the program's row, then the selection's; return the selection (fresh)."""
    program_id = (Selection.objects.filter(pk=selection_id)
                  .values_list("track__call__program_id", flat=True).get())
    list(Program.objects.select_for_update().filter(pk=program_id).values_list("pk"))
    return (Selection.objects.select_for_update(of=("self",))
            .select_related("track__call__program").get(pk=selection_id))


def _tenant(selection: Selection) -> int:
    return selection.track.call.program.operator_id


def _actor(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _committed_elsewhere(selection: Selection) -> int:
    """Awards of the selected and of the pending offers in the program's other confirmed
    selections (won)."""
    program_id = selection.track.call.program_id
    others = Outcome.objects.filter(
        selection__track__call__program_id=program_id,
        selection__status=Selection.Status.CONFIRMED).exclude(selection=selection)
    selected = others.filter(status=SELECTED).aggregate(s=Sum("award_krw"))["s"] or 0
    pending = Offer.objects.filter(
        status=PENDING, outcome__in=others).aggregate(s=Sum("award_krw"))["s"] or 0
    return selected + pending


def limits_for(selection: Selection) -> Limits:
    """The engine's limits for offers in ``selection``: the track's places and cap, and the
    track budget capped by what the program's budget leaves (never below 0)."""
    track = selection.track
    program_left = max(0, selection.track.call.program.budget_krw
                       - _committed_elsewhere(selection))
    return Limits(places=track.quota, cap_krw=track.funding_cap_krw,
                  budget_krw=max(0, min(selection.budget_krw, program_left)))


def _offer_days(selection: Selection) -> int:
    policy = SelectionPolicy.objects.filter(call_id=selection.track.call_id).first()
    return policy.offer_working_days if policy else DEFAULT_OFFER_WORKING_DAYS


# --- e-mail -------------------------------------------------------------------------------


def _representative(outcome: Outcome):
    application = outcome.application
    profile = getattr(application.applicant, "profile", None)
    return profile.representative if profile is not None else application.created_by


def _notify(kind: str, outcome: Outcome, key: str, **context) -> None:
    """One e-mail to the startup's representative, Korean first, then English."""
    user = _representative(outcome)
    if not user.email:
        return
    context.update(outcome=outcome, application=outcome.application,
                   track=outcome.selection.track, kind=kind,
                   link=absolute(reverse("selection:offer",
                                         kwargs={"application_id": outcome.application_id}))
                   if kind == "offer" else absolute(reverse(
                       "applications:edit", kwargs={"pk": outcome.application_id})))
    parts = []
    for language in ("ko", "en"):
        with translation.override(language):
            text = render_to_string("selection/offers/mail.txt", context)
        subject, _sep, body = text.strip().partition("\n")
        parts.append((subject.strip(), body.strip()))
    subject = f"{parts[0][0]} / {parts[1][0]}"
    body = f"{parts[0][1]}\n\n----------------------------------------\n\n{parts[1][1]}\n"
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    queue_email(message, idempotency_key=key,
                organisation=outcome.selection.track.call.program.operator)


# --- the state changes ----------------------------------------------------------------------


def drop_out(outcome: Outcome, by, reason_code: str, detail: str = "") -> Offer | None:
    """A selected startup drops out: the outcome becomes ``dropped`` with ``reason_code``
    (one of :data:`DROP_REASONS`) and ``detail`` (the operator's note, ≤ 500 characters), its
    award is freed, and the place is offered to the waitlist (:func:`offer_next`).

    Returns the offer made (``None`` when no waitlisted application fits). Audit
    ``selection.outcome_dropped``; e-mail to the startup. Raises ``ValidationError`` for an
    unknown reason, a note over the limit, or an outcome that is not selected in a confirmed
    selection (checked under the lock, so two operators dropping the same startup drop it
    once).
    """
    if reason_code not in DROP_REASONS:
        raise ValidationError(_("Choose why the startup drops out."), code="reason")
    detail = clean_text(detail or "").strip()
    if len(detail) > MAX_DETAIL_CHARS:
        raise ValidationError(
            _("The note is %(count)d characters long; at most %(limit)d are kept.")
            % {"count": len(detail), "limit": MAX_DETAIL_CHARS}, code="detail_length")
    with transaction.atomic():
        selection = _lock(outcome.selection_id)
        outcome = Outcome.objects.select_related("application__applicant").get(pk=outcome.pk)
        if outcome.status != SELECTED or not selection.is_confirmed:
            raise ValidationError(_("Only a selected startup of a confirmed selection can drop "
                                    "out."), code="not_selected")
        before = audit.snapshot(outcome, ["status", "reason_code", "detail", "award_krw"])
        outcome.status, outcome.reason_code, outcome.detail = DROPPED, reason_code, detail
        outcome.award_krw = None
        outcome.save(update_fields=["status", "reason_code", "detail", "award_krw",
                                    "updated_at"])
        outcome.selection = selection
        audit.record("selection.outcome_dropped", outcome, before=before,
                     after=audit.snapshot(outcome, ["status", "reason_code", "detail",
                                                    "award_krw"]),
                     actor=_actor(by), tenant_id=_tenant(selection))
        _notify("dropped", outcome, f"selection:dropped:{outcome.pk}")
        refresh_cutoff(selection)
        return offer_next(selection, by)


def offer_next(selection: Selection, by=None) -> Offer | None:
    """Offer a free place of ``selection`` to the first waitlisted application that fits.

    A place is free when the selected and the pending offers are fewer than the track's quota;
    the offer's award is the outcome's (``None``: the track's cap), never above the cap, and
    must fit in the budget left (:func:`limits_for`) — an application that does not fit is
    passed over, and stays on the waitlist. The answer is due ``offer_working_days`` working
    days from now (same KST time). Nothing happens for a draft selection. Returns the offer,
    or ``None``. Audit ``selection.offer_made``; e-mail to the startup; the expiry task is
    queued for the deadline.
    """
    from kbridge.selection.tasks import expire_offers as expire_task

    with transaction.atomic():
        selection = _lock(selection.pk)
        if not selection.is_confirmed:
            return None
        outcomes = list(selection.outcomes.select_related("application__applicant")
                        .order_by("waitlist_position", "rank", "application_id"))
        by_key = {str(o.application_id): o for o in outcomes}
        pending = {str(application_id): award for application_id, award in Offer.objects.filter(
            outcome__selection=selection, status=PENDING).values_list(
            "outcome__application_id", "award_krw")}
        selected = {str(o.application_id): o.award_krw or 0 for o in outcomes
                    if o.status == SELECTED}
        waitlist = [str(o.application_id) for o in outcomes if o.status == WAITLISTED]
        awards = {str(o.application_id): o.award_krw for o in outcomes
                  if o.status == WAITLISTED and o.award_krw}
        limits = limits_for(selection)
        key = next_offer(selected_awards=selected, pending_awards=pending, waitlist=waitlist,
                         awards=awards, limits=limits)
        if key is None:
            return None
        outcome = by_key[key]
        award = min(outcome.award_krw or limits.cap_krw, limits.cap_krw)
        now = timezone.now()
        offer = Offer.objects.create(
            outcome=outcome, award_krw=award, offered_by=_actor(by),
            respond_by=add_working_days(now, _offer_days(selection)))
        offer.outcome.selection = selection
        audit.record("selection.offer_made", offer,
                     after=audit.snapshot(offer, ["outcome", "status", "respond_by",
                                                  "award_krw"]),
                     actor=_actor(by), tenant_id=_tenant(selection))
        _notify("offer", outcome, f"selection:offer:{offer.pk}", offer=offer)
        expire_task.using(run_after=offer.respond_by).enqueue()
        return offer


def _open_offer(offer: Offer, now: datetime) -> tuple[Selection, Offer]:
    """Lock and re-read ``offer``; ValidationError unless it is pending and not past due."""
    selection = _lock(offer.outcome.selection_id)
    offer = Offer.objects.select_related("outcome__application__applicant").get(pk=offer.pk)
    offer.outcome.selection = selection
    if offer.status != PENDING:
        raise ValidationError(_("This offer has already been answered or has expired."),
                              code="not_pending")
    if now > offer.respond_by:
        raise ValidationError(_("The time to answer this offer has passed."), code="expired")
    return selection, offer


def _answer(offer: Offer, status: str, by, now: datetime) -> dict:
    before = audit.snapshot(offer, ["status", "responded_by", "responded_at"])
    offer.status, offer.responded_by, offer.responded_at = status, _actor(by), now
    offer.save(update_fields=["status", "responded_by", "responded_at", "updated_at"])
    return before


def accept_offer(offer: Offer, by) -> Outcome:
    """The startup accepts the offered place: the offer is ``accepted`` and the outcome
    ``selected`` with the offer's award (reason ``promoted``). Returns the outcome.

    Raises ``ValidationError`` when the offer is no longer pending or its deadline has passed.
    Audit ``selection.offer_accepted``; e-mail to the startup.
    """
    now = timezone.now()
    with transaction.atomic():
        selection, offer = _open_offer(offer, now)
        before = _answer(offer, Offer.Status.ACCEPTED, by, now)
        outcome = offer.outcome
        outcome.status, outcome.reason_code = SELECTED, "promoted"
        outcome.award_krw, outcome.waitlist_position = offer.award_krw, None
        outcome.save(update_fields=["status", "reason_code", "award_krw", "waitlist_position",
                                    "updated_at"])
        audit.record("selection.offer_accepted", offer, before=before,
                     after=audit.snapshot(offer, ["status", "responded_by", "responded_at"]),
                     actor=_actor(by), tenant_id=_tenant(selection))
        _notify("accepted", outcome, f"selection:accepted:{offer.pk}", offer=offer)
        refresh_cutoff(selection)
        return outcome


def decline_offer(offer: Offer, by) -> Offer | None:
    """The startup declines the offered place: the offer is ``declined``, the outcome
    ``dropped`` (``declined_offer``), and the place is offered on. Returns the next offer (or
    ``None``). Raises ``ValidationError`` as :func:`accept_offer`. Audit
    ``selection.offer_declined``; e-mail to the startup."""
    now = timezone.now()
    with transaction.atomic():
        selection, offer = _open_offer(offer, now)
        before = _answer(offer, Offer.Status.DECLINED, by, now)
        _leave_waitlist(offer.outcome, "declined_offer")
        audit.record("selection.offer_declined", offer, before=before,
                     after=audit.snapshot(offer, ["status", "responded_by", "responded_at"]),
                     actor=_actor(by), tenant_id=_tenant(selection))
        _notify("declined", offer.outcome, f"selection:declined:{offer.pk}", offer=offer)
        return offer_next(selection, by)


def _leave_waitlist(outcome: Outcome, reason_code: str) -> None:
    outcome.status, outcome.reason_code, outcome.waitlist_position = DROPPED, reason_code, None
    outcome.save(update_fields=["status", "reason_code", "waitlist_position", "updated_at"])


def expire_offers(now: datetime | None = None) -> int:
    """Expire every pending offer whose deadline is before ``now`` (default: now): the offer
    is ``expired``, the outcome ``dropped`` (``offer_expired``), and each place is offered
    on. Idempotent; returns how many offers expired. Audit ``selection.offer_expired`` (no
    actor); e-mail to the startup."""
    now = now or timezone.now()
    expired = 0
    due = (Offer.objects.filter(status=PENDING, respond_by__lt=now)
           .order_by("respond_by", "pk").values_list("pk", "outcome__selection_id"))
    for offer_id, selection_id in list(due):
        with transaction.atomic():
            selection = _lock(selection_id)
            offer = (Offer.objects.select_related("outcome__application__applicant")
                     .filter(pk=offer_id, status=PENDING, respond_by__lt=now).first())
            if offer is None:  # answered or expired meanwhile
                continue
            offer.outcome.selection = selection
            before = _answer(offer, Offer.Status.EXPIRED, None, now)
            _leave_waitlist(offer.outcome, "offer_expired")
            audit.record("selection.offer_expired", offer, before=before,
                         after=audit.snapshot(offer, ["status", "responded_at"]),
                         tenant_id=_tenant(selection))
            _notify("expired", offer.outcome, f"selection:expired:{offer.pk}", offer=offer)
            expired += 1
            offer_next(selection, None)
    return expired
