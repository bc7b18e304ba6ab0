"""Background work of evaluation: the stage notices (``services.notices``).

Each task re-reads the stage and its window and queues its e-mails with idempotency keys, so
a stale task (the window was edited), a second run or a re-run after a lost worker sends
nothing twice (core/worker.py: tasks run at least once).
"""

from __future__ import annotations

from django_tasks import task


@task(queue_name="email")
def send_assignment_notices(stage_id: int) -> int:
    """One e-mail per evaluator: how many applications of the stage they were given."""
    from kbridge.evaluation.services import notices

    return notices.send_assignment_notices(stage_id)


@task(queue_name="email")
def send_reminders(stage_id: int, days: int, closes_at: str) -> int:
    """The reminder ``days`` before the stage closes, if ``closes_at`` (ISO) is still its
    closing time and it is that reminder's turn."""
    from kbridge.evaluation.services import notices

    return notices.send_reminders(stage_id, days, closes_at)


@task(queue_name="email")
def send_overdue(stage_id: int, closes_at: str) -> int:
    """The overdue notices once the stage has ended."""
    from kbridge.evaluation.services import notices

    return notices.send_overdue(stage_id, closes_at)
