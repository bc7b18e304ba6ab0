"""Agreement tasks: lapse what was not accepted in time, purge replaced documents' bytes.

``send_agreement`` queues ``lapse_due_agreements`` to run just after the agreement's
``accept_by``; the task lapses every agreement then due (``services.agreements
.expire_agreements``), so one that runs late, twice, or for an agreement accepted meanwhile
does no harm (core/worker.py: tasks run at least once).
"""

from __future__ import annotations

from django_tasks import task


@task()
def lapse_due_agreements() -> list[int]:
    """Lapse every offered agreement past its deadline; returns their ids."""
    from kbridge.selection.services.agreements import expire_agreements

    return expire_agreements()


@task()
def purge_agreement_document(stored_name: str) -> bool:
    """Delete the bytes of a document replaced a grace period ago (see ``upload_document``)."""
    from kbridge.selection.services.agreements import purge_document_file

    return purge_document_file(stored_name=stored_name)
