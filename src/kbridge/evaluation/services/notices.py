"""Notices of an evaluation stage, through the task queue (issue 13, item 9).

* **Assignment** (:func:`notify_assigned`): one e-mail per invited evaluator saying how many
  applications they were given — no applicant named; a pair with a conflict in force is
  neither counted nor mentioned.
* **Reminders** 3 days and 1 day before the stage closes, to evaluators with unsubmitted
  scoresheets. A reminder of ``d`` days is sent while between ``d`` days and the next
  reminder's horizon (1 day, then 0) remain: a stage set up 2 days before it closes gets its
  "3-day" reminder at once, one set up 12 hours before only the 1-day one.
* **Overdue** once the stage has ended (at ``closes_at``, or at once after "close now"), to
  the evaluators with unsubmitted scoresheets and to the program's operators (counts per
  evaluator).

Scheduling: saving a stage's window (:func:`schedule_notices`, called by the stage services)
queues delayed tasks (``run_after``) carrying the ``closes_at`` they were scheduled for. Each
task re-reads the stage and does nothing when its window changed since (a newer task exists),
when the stage closed early (reminders) or when it is the wrong time; every e-mail has an
idempotency key (``core.mail.queue_email``), so a second run or a second task never sends it
twice. Keys: ``eval:assigned:<stage>:<user>:<digest of the applications>``,
``eval:reminder:<stage>:<d>d:<KST closing date>:<user>`` (a deadline moved to another day gets
its own reminders; one moved within the day does not resend) and
``eval:overdue:<stage>:<user>``. Mail is written in each recipient's preferred language.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from kbridge.accounts.models import Membership, User
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.evaluation.models import Assignment, Conflict, Scoresheet, Stage

#: Days before the stage closes at which evaluators with unsubmitted scoresheets are reminded.
REMINDER_DAYS = (3, 1)


def _horizon(days: int) -> timedelta:
    """The remaining time below which the ``days`` reminder is too late (the next one's)."""
    later = [d for d in REMINDER_DAYS if d < days]
    return timedelta(days=max(later)) if later else timedelta(0)


def _unsubmitted_by_evaluator(stage: Stage) -> dict[int, int]:
    """evaluator id → number of their unsubmitted scoresheets (assignments) in the stage."""
    counts: dict[int, int] = {}
    rows = _active(stage).exclude(scoresheet__status=Scoresheet.Status.SUBMITTED).values_list(
        "evaluator_id", "pk")
    for evaluator_id, _pk in rows:
        counts[evaluator_id] = counts.get(evaluator_id, 0) + 1
    return counts


def _active(stage: Stage):
    in_force = Conflict.objects.filter(application_id=OuterRef("application_id"),
                                       evaluator_id=OuterRef("evaluator_id"),
                                       overridden_at__isnull=True)
    return (Assignment.objects.filter(stage=stage, evaluator__evaluation_stages__stage=stage,
                                      evaluator__evaluation_stages__removed_at__isnull=True)
            .filter(~Exists(in_force)))


def _send(user: User, stage: Stage, template: str, key: str, **context) -> bool:
    """Queue one notice to ``user`` in their language; False when the key was used already."""
    from kbridge.core.models import EmailDelivery

    if EmailDelivery.objects.filter(idempotency_key=key).exists():
        return False
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        body = render_to_string(f"evaluation/stages/mail/{template}.txt",
                                {"user": user, "stage": stage, **context})
        subject, _sep, body = body.strip().partition("\n")
    message = EmailMessage(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL,
                           [user.email])
    queue_email(message, idempotency_key=key, organisation=stage.call.program.operator)
    return True


def _stage(stage_id: int) -> Stage | None:
    return Stage.objects.select_related("call__program__operator").filter(pk=stage_id).first()


# --- scheduling ----------------------------------------------------------------------------


def schedule_notices(stage: Stage) -> None:
    """Queue the reminders and the overdue notice for the stage's current window, in the
    caller's transaction (the task rows commit with the change that asked for them)."""
    from kbridge.evaluation.tasks import send_reminders

    now = timezone.now()
    closes = stage.closes_at
    for days in REMINDER_DAYS:
        run_at = max(closes - timedelta(days=days), stage.opens_at, now)
        if closes - run_at > _horizon(days):
            send_reminders.using(run_after=run_at).enqueue(stage.pk, days, closes.isoformat())
    schedule_overdue(stage)


def schedule_overdue(stage: Stage) -> None:
    """Queue the overdue notice for when the stage ends (now, if it has ended)."""
    from kbridge.evaluation.tasks import send_overdue

    run_at = max(stage.closes_at, timezone.now()) if stage.closed_at is None else timezone.now()
    send_overdue.using(run_after=run_at).enqueue(stage.pk, stage.closes_at.isoformat())


@transaction.atomic
def notify_assigned(*, stage: Stage, by: User | None = None) -> None:
    """Queue the assignment notices of ``stage`` (one e-mail per evaluator with
    assignments; see :func:`send_assignment_notices`). Called after an assignment run is
    applied, or by an operator. Side effect: audit ``evaluation.assignment_notified``."""
    from kbridge.evaluation.tasks import send_assignment_notices

    audit.record("evaluation.assignment_notified", stage,
                 after={"evaluators": len(_assigned_by_evaluator(stage))}, actor=by)
    send_assignment_notices.enqueue(stage.pk)


# --- the tasks' work -------------------------------------------------------------------------


def _assigned_by_evaluator(stage: Stage) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    for evaluator_id, application_id in _active(stage).values_list("evaluator_id",
                                                                    "application_id"):
        result.setdefault(evaluator_id, []).append(application_id)
    return result


def send_assignment_notices(stage_id: int) -> int:
    """E-mail each invited evaluator how many applications of the stage they were given.
    Returns how many e-mails were queued (0 for a stage that has ended or is gone)."""
    stage = _stage(stage_id)
    if stage is None or stage.has_ended():
        return 0
    assigned = _assigned_by_evaluator(stage)
    sent = 0
    for user in User.objects.filter(pk__in=assigned):
        ids = sorted(set(assigned[user.pk]))
        digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]
        sent += _send(user, stage, "assigned", f"eval:assigned:{stage.pk}:{user.pk}:{digest}",
                      count=len(ids), link=absolute(reverse("dashboard")))
    return sent


def _same_time(stage: Stage, closes_at_iso: str) -> bool:
    return stage.closes_at == datetime.fromisoformat(closes_at_iso)


def send_reminders(stage_id: int, days: int, closes_at_iso: str) -> int:
    """The ``days`` reminder of the window that closed at ``closes_at_iso`` when scheduled.

    Sends nothing when the window changed since (a newer task exists), the stage is not open
    (not yet, or closed early) or the remaining time is outside this reminder's span (too
    early, or the next reminder's turn). Returns how many e-mails were queued."""
    stage = _stage(stage_id)
    if stage is None or not _same_time(stage, closes_at_iso) or not stage.is_open():
        return 0
    remaining = stage.closes_at - timezone.now()
    if not _horizon(days) < remaining <= timedelta(days=days):
        return 0
    day = timezone.localtime(stage.closes_at).strftime("%Y%m%d")
    pending = _unsubmitted_by_evaluator(stage)
    sent = 0
    for user in User.objects.filter(pk__in=pending):
        sent += _send(user, stage, "reminder",
                      f"eval:reminder:{stage.pk}:{days}d:{day}:{user.pk}",
                      count=pending[user.pk], link=absolute(reverse("dashboard")))
    return sent


def send_overdue(stage_id: int, closes_at_iso: str) -> int:
    """The overdue notices once the stage has ended: each evaluator with unsubmitted
    scoresheets, and each operator of the program's agency (the counts per evaluator).
    Nothing when the stage has not ended (its window was extended: a newer task exists)."""
    stage = _stage(stage_id)
    if stage is None or not stage.has_ended():
        return 0
    if stage.closed_at is None and not _same_time(stage, closes_at_iso):
        return 0
    pending = _unsubmitted_by_evaluator(stage)
    if not pending:
        return 0
    sent = 0
    users = {u.pk: u for u in User.objects.filter(pk__in=pending)}
    for user in users.values():
        sent += _send(user, stage, "overdue_evaluator", f"eval:overdue:{stage.pk}:{user.pk}",
                      count=pending[user.pk])
    late = sorted(((users[pk], n) for pk, n in pending.items()),
                  key=lambda t: (t[0].full_name, t[0].pk))
    operators = User.objects.filter(memberships__organisation_id=stage.call.program.operator_id,
                                    memberships__role=Membership.Role.OPERATOR).distinct()
    link = absolute(reverse("evaluation:stage_detail", args=[stage.pk]))
    for user in operators:
        sent += _send(user, stage, "overdue_operator", f"eval:overdue:{stage.pk}:{user.pk}",
                      late=late, total=sum(pending.values()), link=link)
    return sent
