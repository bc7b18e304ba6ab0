"""Changing the embedding model: start a switch, advance it batch by batch, flip or fail it.

A switch (``ModelSwitch``) re-embeds every document — tracks, startups, submitted and
selected applications, and the kinds other apps register (matching/registry.py) — into the
configured model's space, one ``embed_switch_batch`` task per batch, each enqueuing the next
in the same transaction that records its progress. When
the last batch is done the target space becomes the serving one, atomically; until then pages
keep reading the old space. Every step is safe to run twice: progress advances only from the
offset a batch started at, and a vector already stored is a cache hit.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kbridge.core import audit
from kbridge.matching import registry, store
from kbridge.matching.models import ModelSwitch, VectorSpace

logger = logging.getLogger("kbridge.matching")

Status = ModelSwitch.Status


def document_keys() -> list[str]:
    """Every document pages rank or rank against, as registry keys, in a stable order: each
    registered kind's ``all_pks`` (tracks, startups, submitted and selected applications,
    then the kinds of apps above matching; matching/registry.py)."""
    return registry.all_keys()


def serving_row() -> VectorSpace:
    """The serving ``VectorSpace`` row, recorded now (as the packaged default) if none is.

    The one write of a serving space outside a switch: an installation that never switched
    serves the packaged default, whose vectors it has (``store.serving_space``)."""
    row = VectorSpace.objects.filter(serving=True).first()
    if row is not None:
        return row
    space = store.default_space()
    try:
        with transaction.atomic():
            row, _created = VectorSpace.objects.get_or_create(
                name=space.name, version=space.version,
                defaults={"spec": space.spec, "prefix": space.prefix, "dim": space.dim,
                          "max_words": space.max_words})
            VectorSpace.objects.filter(pk=row.pk).update(serving=True,
                                                         serving_since=timezone.now())
    except IntegrityError:  # another process recorded one at the same time
        pass
    return VectorSpace.objects.get(serving=True)


def running_switch() -> ModelSwitch | None:
    """The switch in progress, if any (its key list is not loaded)."""
    return (ModelSwitch.objects.filter(status=Status.RUNNING).defer("keys")
            .select_related("source", "target").first())


def _snapshot(switch: ModelSwitch) -> dict:
    return {"status": switch.status, "model": switch.spec, "prefix": switch.prefix,
            "target": str(switch.target) if switch.target_id else None,
            "done": switch.done, "total": switch.total, "error": switch.error}


def _batch_waiting(switch_id: int) -> bool:
    """Whether a batch task of this switch is queued or running."""
    from kbridge.matching.tasks import embed_switch_batch

    return DBTaskResult.objects.filter(
        task_path=embed_switch_batch.module_path, status__in=["READY", "RUNNING"],
        args_kwargs__args__0=switch_id).exists()


def _enqueue_batch(switch: ModelSwitch) -> None:
    from kbridge.matching.tasks import embed_switch_batch

    # Inside the caller's transaction: the database backend writes the task row there, so
    # recorded progress and the next step commit together or not at all.
    embed_switch_batch.enqueue(switch.pk, switch.done)


def _end(switch: ModelSwitch, *, status: str, error: str = "", by=None) -> bool:
    """Finish a running switch as failed (the serving space stays) or done. True if it was
    still running."""
    before = _snapshot(switch)
    moved = ModelSwitch.objects.filter(pk=switch.pk, status=Status.RUNNING).update(
        status=status, error=error[:2000], finished_at=timezone.now())
    if moved:
        switch.refresh_from_db()
        audit.record("embedding_model.switch_failed" if status == Status.FAILED
                     else "embedding_model.switched", switch, before=before,
                     after=_snapshot(switch), actor=by)
    return bool(moved)


def _flip(switch: ModelSwitch) -> None:
    """Serve the switch's target space from now on (inside the caller's transaction)."""
    VectorSpace.objects.filter(serving=True).exclude(pk=switch.target_id).update(serving=False)
    VectorSpace.objects.filter(pk=switch.target_id).update(serving=True,
                                                           serving_since=timezone.now())
    _end(switch, status=Status.DONE)
    logger.info("embedding model switched to %s", switch.target)


def start_switch(*, by=None) -> ModelSwitch | None:
    """Make the configured model the serving one; what the worker runs at start, the
    ``embeddings switch`` command and the staff page's button.

    * The configured model already serves: nothing to do (a switch to another model still
      running is ended as failed, "setting changed back"); returns ``None``.
    * A switch to the configured model is running: it is resumed (its next batch queued
      again if no batch task is waiting, e.g. after a task failed for good); returns it.
    * Otherwise the model is built (loading its weights, so not on a page). If that fails the
      switch is recorded as failed with the reason and the serving space is unchanged; else a
      new switch starts from the document list of this moment (an unfinished switch to another
      model is ended first). With no documents the flip is immediate.

    Safe to call repeatedly and from several workers at once.
    """
    spec, prefix = store.configured()
    serving = serving_row()
    if store.configured_identity() == (serving.name, serving.version):
        with transaction.atomic():
            for switch in ModelSwitch.objects.select_for_update().filter(status=Status.RUNNING):
                _end(switch, status=Status.FAILED, by=by,
                     error="The setting names the serving model again; switch abandoned.")
        return None
    running = running_switch()
    if running is not None and running.target_id and (
            (running.target.name, running.target.version) == store.configured_identity()):
        with transaction.atomic():
            if not _batch_waiting(running.pk):
                _enqueue_batch(running)
        return running
    try:
        embedder = store.build(spec, prefix)
    except store.ModelUnavailable as exc:
        return _record_failure(spec, prefix, serving, str(exc), by=by)
    space = store.space_of(spec, prefix, embedder)
    keys = document_keys()
    with transaction.atomic():
        target, _created = VectorSpace.objects.get_or_create(
            name=space.name, version=space.version,
            defaults={"spec": space.spec, "prefix": space.prefix, "dim": space.dim,
                      "max_words": space.max_words})
        for other in ModelSwitch.objects.select_for_update().filter(status=Status.RUNNING):
            if other.target_id == target.pk:  # another worker started it meanwhile
                return other
            _end(other, status=Status.FAILED, by=by,
                 error=f"Replaced by a switch to {target}.")
        switch = ModelSwitch.objects.create(
            spec=spec, prefix=prefix, source=serving, target=target, keys=keys,
            total=len(keys), batch_size=settings.KBRIDGE_EMBEDDING_BATCH)
        audit.record("embedding_model.switch_started", switch, after=_snapshot(switch),
                     actor=by)
        if keys:
            _enqueue_batch(switch)
        else:
            _flip(switch)
    switch.refresh_from_db()
    return switch


def _record_failure(spec: str, prefix: str, serving: VectorSpace, error: str, *,
                    by=None) -> ModelSwitch:
    """A switch that could not start (the model cannot be built). Not recorded again while
    the latest switch is the same failure (every worker start would repeat it)."""
    latest = ModelSwitch.objects.defer("keys").first()
    if (latest is not None and latest.status == Status.FAILED and latest.spec == spec
            and latest.prefix == prefix and latest.error == error[:2000]):
        return latest
    with transaction.atomic():
        for other in ModelSwitch.objects.select_for_update().filter(status=Status.RUNNING):
            _end(other, status=Status.FAILED, by=by,
                 error=f"Replaced by the setting {spec!r}, which could not be loaded.")
        switch = ModelSwitch.objects.create(
            spec=spec, prefix=prefix, source=serving, status=Status.FAILED,
            error=error[:2000], finished_at=timezone.now(), batch_size=settings.KBRIDGE_EMBEDDING_BATCH)
        audit.record("embedding_model.switch_failed", switch, after=_snapshot(switch), actor=by)
    logger.error("embedding model %r cannot be used: %s", spec, error)
    return switch


def record_batch(*, switch_id: int, start: int, count: int) -> ModelSwitch | None:
    """Record that the batch starting at ``start`` (``count`` documents) is embedded, then
    queue the next batch or, after the last, flip. Returns ``None`` when the switch is no
    longer running or already past ``start`` (a batch run twice)."""
    with transaction.atomic():
        moved = ModelSwitch.objects.filter(pk=switch_id, status=Status.RUNNING,
                                           done=start).update(done=start + count)
        if not moved:
            return None
        switch = ModelSwitch.objects.defer("keys").select_related("target").get(pk=switch_id)
        if switch.done >= switch.total:
            _flip(switch)
        else:
            _enqueue_batch(switch)
    return switch


def fail_switch(*, switch_id: int, error: str, by=None) -> bool:
    """End a running switch as failed; the serving space is unchanged."""
    with transaction.atomic():
        switch = ModelSwitch.objects.select_for_update().filter(
            pk=switch_id, status=Status.RUNNING).first()
        return switch is not None and _end(switch, status=Status.FAILED, error=error, by=by)
