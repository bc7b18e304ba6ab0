"""``python -m kbridge worker``: ``db_worker`` with leases, retries and back-off.

Takes the same options as ``db_worker`` (``--queue-name``, ``--exclude-queues``,
``--batch``, ``--interval`` …). Run one for the ``email`` queue and one for the rest, so bulk
work never delays mail::

    python -m kbridge worker --queue-name email
    python -m kbridge worker --queue-name '*' --exclude-queues email
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from kbridge.core.signals import worker_starting
from kbridge.core.worker import LeasedWorker


class Command(db_worker.Command):
    help = "Run a database task worker with leases (re-runs tasks of dead workers) and retries"

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker_starting.send(sender=self.__class__, queues=queue_names, excluded=excluded)
        worker = LeasedWorker(
            queue_names=queue_names, interval=interval, batch=batch,
            backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
            worker_id=worker_id, excluded_queue_names=excluded)
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
