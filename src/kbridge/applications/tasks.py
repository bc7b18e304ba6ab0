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


@task()
def purge_replaced_file(stored_name: str) -> bool:
    """Delete the bytes of a draft file replaced a grace period ago (see ``attach_file``)."""
    from kbridge.applications.services import purge_stored_file

    return purge_stored_file(stored_name=stored_name)
