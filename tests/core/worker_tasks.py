"""A task for tests only: the real delivery, then a pause before the worker acknowledges.

Killing the worker during the pause leaves the e-mail recorded as sent while its task is
still RUNNING: the case "killed after the send, before the acknowledgement".
"""

from __future__ import annotations

import os
import time

from django_tasks import task

from kbridge.core.tasks import deliver_email


@task(queue_name="email")
def deliver_then_stall(delivery_id: int) -> str:
    result = deliver_email.call(delivery_id)
    time.sleep(float(os.environ.get("KBRIDGE_TEST_STALL_AFTER_SEND", "0")))
    return result
