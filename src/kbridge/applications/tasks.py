from __future__ import annotations

from django_tasks import task

from kbridge.applications.models import Submission


@task(queue_name="email")
def email_receipt(submission_id: int) -> bool:
    """E-mail the receipt of one submission (queued in the submission's own transaction)."""
    from kbridge.applications.services import send_receipt

    if not Submission.objects.filter(pk=submission_id).exists():
        return False
    send_receipt(submission_id)
    return True
