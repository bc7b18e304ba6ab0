"""Background work of milestone reports: the reminders 30 and 14 days before a report is due.

When reports are scheduled, ``send_report_reminders`` is queued for each reminder moment still
ahead (``report_schedule.reminder_moment``: 09:00 KST, 30 and 14 days before ``due_on``). Each
run sends every reminder then due, for any report, and marks it sent
(``services.reports.send_due_reminders``), so a run that finds nothing to do — another run
got there first, or the report was submitted meanwhile — changes nothing, and a reminder whose
moment passed while no worker ran is sent by the catch-up a starting worker queues
(core/worker.py: tasks run at least once).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task


@task()
def send_report_reminders() -> int:
    """E-mail the milestone report reminders due now; returns how many were sent."""
    from kbridge.alliance.services import reports

    return len(reports.send_due_reminders())


def queue_reminders(due_dates: list[dt.date], now: dt.datetime | None = None) -> int:
    """Queue one reminder run at each distinct reminder moment of ``due_dates`` still ahead
    of ``now``; returns how many were queued (call it after commit)."""
    from kbridge.alliance.report_schedule import REMINDER_DAYS, reminder_moment

    now = now or timezone.now()
    moments = sorted({reminder_moment(due_on, days) for due_on in due_dates
                      for days in REMINDER_DAYS})
    ahead = [moment for moment in moments if moment > now]
    for moment in ahead:
        send_report_reminders.using(run_after=moment).enqueue()
    return len(ahead)


def catch_up_on_worker_start(sender, queues, excluded, **kwargs) -> None:
    """``core.signals.worker_starting`` receiver: a worker that takes the default queue
    queues one reminder run when some reminder is due and unsent (a worker start queues no
    idle task)."""
    from kbridge.alliance.services import reports
    from kbridge.core.signals import takes_queue

    if takes_queue("default", queues=queues, excluded=excluded) and \
            reports.reminders_pending():
        send_report_reminders.enqueue()


def connect_worker_start() -> None:
    from kbridge.core.signals import worker_starting

    worker_starting.connect(catch_up_on_worker_start, dispatch_uid="alliance.reports.catch_up")
