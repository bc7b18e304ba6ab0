"""Leases, retries and back-off on top of ``django-tasks-db`` (which has none of them).

``django-tasks-db`` marks a task RUNNING when a worker claims it and leaves it so forever
if that worker dies, and a task that raises ends FAILED for good (upstream issues
django-tasks#46 and #6). ``python -m kbridge worker`` runs the library's worker with three
additions, all kept in this module:

* **Lease.** Each task the worker runs gets a :class:`~kbridge.core.models.TaskLease` of
  ``TASK_LEASE_SECONDS`` (default 60 s), renewed every third of that by a heartbeat thread.
  A worker killed with ``kill -9`` stops renewing; :func:`reap_expired_leases` (run by every
  worker on the same heartbeat) puts the task back to READY, up to its policy's
  ``max_attempts``, then marks it FAILED with :class:`WorkerLost`.
* **Retry with back-off.** A task asks for another attempt by raising :class:`RetryLater`
  (a task knows which of its errors are transient: a refused SMTP connection is, a 5xx
  "no such mailbox" is not). It runs again after ``base_delay · 2^(attempt-1)`` seconds
  (capped at ``max_delay``, plus up to 10 % jitter) until ``max_attempts``; then it ends
  FAILED and the policy's ``on_failure`` hook records the final failure (e.g. the e-mail
  delivery turns ``failed`` for the operator). Any other exception fails the task at once.
* **At-least-once, so effects must be idempotent.** A re-run task may find its effect done
  (the e-mail outbox records ``sent`` before the task is acknowledged); see core/services.

Attempts are the library's own count: ``len(worker_ids)``, one per claim.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from kbridge.core.models import TaskLease

#: Tries and pause (seconds, growing) for a lease write that meets a locked database.
LEASE_WRITE_TRIES = 5
LEASE_WRITE_PAUSE = 0.5

logger = logging.getLogger("kbridge.worker")

READY, RUNNING, FAILED = "READY", "RUNNING", "FAILED"


class RetryLater(Exception):  # noqa: N818 - it is a request, not an error
    """Raised by a task for a transient failure: run me again after a back-off."""


class WorkerLost(Exception):  # noqa: N818
    """Recorded on a task whose worker stopped renewing its lease (killed, machine lost)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a task is retried.

    ``max_attempts`` counts every claim (first run, retries and re-runs after a lost worker).
    Delays are in seconds. ``on_failure(args, kwargs, error)`` runs once, when the task ends
    FAILED for good (``error`` is a one-line description); ``on_retry(args, kwargs, at)``
    when a retry is scheduled for ``at``.
    """

    max_attempts: int = 3
    base_delay: float = 60.0
    max_delay: float = 4 * 3600.0
    on_failure: Callable[[list, dict, str], None] | None = None
    on_retry: Callable[[list, dict, datetime], None] | None = None

    def delay(self, attempt: int) -> timedelta:
        """Back-off before attempt ``attempt + 1``: exponential, capped, with 0–10 % jitter."""
        seconds = min(self.base_delay * 2 ** max(attempt - 1, 0), self.max_delay)
        return timedelta(seconds=seconds * (1 + random.random() / 10))

    def total_delay(self) -> timedelta:
        """The longest time between the first and the last attempt (without jitter)."""
        return timedelta(seconds=sum(min(self.base_delay * 2 ** (a - 1), self.max_delay)
                                     for a in range(1, self.max_attempts)))


DEFAULT_POLICY = RetryPolicy()
_POLICIES: dict[str, RetryPolicy] = {}


def retry_policy(**options) -> Callable:
    """Decorator for a task (put it above ``@task``): register its :class:`RetryPolicy`."""

    def register(task):
        _POLICIES[task.module_path] = RetryPolicy(**options)
        return task

    return register


def policy_for(task_path: str) -> RetryPolicy:
    if task_path not in _POLICIES:
        with contextlib.suppress(ImportError):  # importing the task registers its policy
            import_string(task_path)
    return _POLICIES.get(task_path, DEFAULT_POLICY)


def lease_seconds() -> float:
    return float(settings.TASK_LEASE_SECONDS)


def _call_hook(hook, result: DBTaskResult, value) -> None:
    if hook is not None:
        args = result.args_kwargs
        try:
            hook(args.get("args", []), args.get("kwargs", {}), value)
        except Exception:
            logger.exception("hook %s of task %s failed", hook, result.pk)


def _give_up(result: DBTaskResult, policy: RetryPolicy, error: str) -> None:
    _call_hook(policy.on_failure, result, error)


def reap_expired_leases(*, now=None) -> int:
    """Queue again every RUNNING task whose worker stopped renewing its lease.

    A task without any lease (its worker died between the claim and taking the lease)
    counts as expired ``TASK_LEASE_SECONDS`` after it started. Past its policy's
    ``max_attempts`` the task is marked FAILED instead. Returns how many tasks it touched.
    """
    now = now or timezone.now()
    grace = now - timedelta(seconds=lease_seconds())
    expired = DBTaskResult.objects.filter(status=RUNNING).filter(
        Q(lease__lease_until__lt=now) | Q(lease__isnull=True, started_at__lt=grace))
    touched = 0
    for result in expired:
        policy = policy_for(result.task_path)
        message = (f"worker {result.worker_ids[-1] if result.worker_ids else '?'} "
                   f"lost (lease expired); attempt {len(result.worker_ids)}")
        error_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
        final = len(result.worker_ids) >= policy.max_attempts
        with transaction.atomic():
            changes = {"exception_class_path": error_path, "traceback": message}
            if final:
                changes.update(status=FAILED, finished_at=now)
            else:
                changes.update(status=READY, run_after=now)
            # Conditional on the state we read: two reapers never both move one task.
            moved = DBTaskResult.objects.filter(
                pk=result.pk, status=RUNNING, started_at=result.started_at).update(**changes)
            TaskLease.objects.filter(task_id=result.pk).delete()
        if moved:
            touched += 1
            logger.warning("task %s (%s): %s; %s", result.pk, result.task_path, message,
                           "giving up" if final else "queued again")
            if final:
                _give_up(result, policy, message)
    return touched


class LeasedWorker(Worker):
    """The library's worker with a lease per task, a heartbeat that renews it and reaps
    expired leases, and :class:`RetryLater` handling (see the module docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.current_task_id = None
        self._stop = threading.Event()

    # -- heartbeat ---------------------------------------------------------------------
    def _heartbeat(self) -> None:
        period = lease_seconds() / 3
        try:
            while not self._stop.wait(period):
                try:
                    self.beat()
                except Exception:  # a database hiccup must not kill the heartbeat
                    logger.exception("heartbeat failed")
                    close_old_connections()
        finally:
            connection.close()

    def beat(self) -> None:
        """Renew the lease of the running task, then reap other workers' expired leases."""
        task_id = self.current_task_id
        if task_id is not None:
            renewed = TaskLease.objects.filter(task_id=task_id, worker_id=self.worker_id).update(
                lease_until=timezone.now() + timedelta(seconds=lease_seconds()))
            if not renewed:
                logger.warning("task %s: lease lost while running", task_id)
        reap_expired_leases()

    def run(self) -> None:
        reap_expired_leases()
        thread = threading.Thread(target=self._heartbeat, name="kbridge-heartbeat",
                                  daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self._stop.set()
            thread.join(timeout=lease_seconds())

    # -- one task ----------------------------------------------------------------------
    def _take_lease(self, task_id) -> None:
        """Write the claimed task's lease, waiting out a locked SQLite database (the demo's,
        under a burst of API writes) instead of letting the error end the worker: issue 17's
        tester saw the worker exit on "database is locked" here. Other errors propagate."""
        for attempt in range(LEASE_WRITE_TRIES):
            try:
                TaskLease.objects.update_or_create(
                    task_id=task_id,
                    defaults={"worker_id": self.worker_id,
                              "lease_until": timezone.now() + timedelta(seconds=lease_seconds())})
                return
            except OperationalError as exc:
                if not is_locked_database_exception(exc) or attempt == LEASE_WRITE_TRIES - 1:
                    raise
                logger.warning("task %s: database locked while taking its lease; retrying",
                               task_id)
                time.sleep(LEASE_WRITE_PAUSE * (attempt + 1))

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self._take_lease(db_task_result.pk)
        self.current_task_id = db_task_result.pk
        try:
            super().run_task(db_task_result)
        finally:
            # Still "running a task" for the signal handler: a SIGTERM now lets us finish
            # the bookkeeping below instead of exiting between FAILED and the retry.
            self.running_task = True
            self.current_task_id = None
            try:
                TaskLease.objects.filter(task_id=db_task_result.pk,
                                         worker_id=self.worker_id).delete()
                if db_task_result.status == FAILED:
                    self._after_failure(db_task_result)
            finally:
                self.running_task = False

    def _after_failure(self, result: DBTaskResult) -> None:
        policy = policy_for(result.task_path)
        attempt = len(result.worker_ids)
        try:
            retryable = issubclass(import_string(result.exception_class_path), RetryLater)
        except ImportError:
            retryable = False
        last_line = (result.traceback.strip().splitlines() or [""])[-1][:500]
        if retryable and attempt < policy.max_attempts:
            run_after = timezone.now() + policy.delay(attempt)
            DBTaskResult.objects.filter(pk=result.pk, status=FAILED).update(
                status=READY, run_after=run_after, finished_at=None)
            logger.info("task %s (%s) attempt %d failed (%s); retry at %s", result.pk,
                        result.task_path, attempt, last_line, run_after.isoformat())
            _call_hook(policy.on_retry, result, run_after)
        else:
            _give_up(result, policy, last_line)

