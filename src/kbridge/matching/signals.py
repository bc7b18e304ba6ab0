"""Embed documents in the background whenever their text changes.

Which saves change which documents is each kind's ``watch`` (matching/registry.py): a track's
save its ``track:`` key, a startup profile's or startup organisation's save its ``startup:``
key, and whatever the kinds of other apps name.

One save of a profile writes the organisation and the profile (two ``post_save`` signals),
and a form may save a track several times in one transaction; each key is nevertheless
queued once: at commit, a key whose ``embed_documents`` task is still waiting (READY, not
started) is not queued again — that task will read the latest text when it runs. A task
already RUNNING may have read the old text, so a new one is queued then.

A worker that starts switches to a newly configured embedding model (``worker_starting``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_tasks_db.models import DBTaskResult

from kbridge.core.signals import takes_queue, worker_starting
from kbridge.matching import registry


def is_waiting(key: str) -> bool:
    """Whether an ``embed_documents`` task for exactly this key is queued and not started."""
    from kbridge.matching.tasks import embed_documents

    return DBTaskResult.objects.filter(
        task_path=embed_documents.module_path, status="READY",
        args_kwargs__args=[[key]]).exists()


def enqueue_embedding(key: str) -> None:
    """Queue ``embed_documents([key])`` after commit, unless one is already waiting."""
    from kbridge.matching.tasks import embed_documents

    def enqueue():
        if not is_waiting(key):
            embed_documents.enqueue([key])

    transaction.on_commit(enqueue)


def _watch(kind: registry.DocumentKind) -> None:
    """Connect ``post_save`` of each model a kind watches (once per kind and model): after
    commit, the keys the kind's ``watch`` function names for the saved row are re-embedded.
    The handler reads the kind registered at save time, so a replaced kind's hooks follow it
    and an unregistered one's do nothing."""
    for model, _pks_of in kind.watch:
        def saved(sender, instance, raw=False, *, _prefix=kind.prefix, **kwargs):
            current = registry.get(_prefix)
            if raw or current is None:  # loading fixtures; a kind no longer registered
                return
            for watched, pks_of in current.watch:
                if watched is sender:
                    for pk in pks_of(instance):
                        enqueue_embedding(current.key(pk))

        post_save.connect(saved, sender=model, weak=False,
                          dispatch_uid=f"kbridge.matching:{kind.prefix}:{model._meta.label}")


registry.on_register(_watch)


@receiver(worker_starting)
def switch_to_the_configured_model(sender, queues, excluded, **kwargs):
    """A worker that runs matching tasks starts (or resumes) the switch to the configured
    embedding model when another one serves. Never stops the worker: a model that cannot be
    loaded is recorded as a failed switch (staff page, ``embeddings status``) and logged."""
    import logging

    from kbridge.matching.services import start_switch

    if not takes_queue("default", queues=queues, excluded=excluded):
        return
    try:
        start_switch()
    except Exception:
        logging.getLogger("kbridge.matching").exception("could not start the model switch")
