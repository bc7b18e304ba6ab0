"""Background work of matching: the only place the model runs."""

from __future__ import annotations

import logging

from django_tasks import task

from kbridge.core.worker import RetryLater, retry_policy
from kbridge.engine.matching import Document, Matcher
from kbridge.matching import registry, store
from kbridge.matching.store import ModelUnavailable, cached_embedder

logger = logging.getLogger("kbridge.matching")


def embed_keys(keys: list[str], space: store.Space) -> int:
    """Embed the current documents behind ``keys`` into ``space`` (cache hits cost nothing).
    Returns how many documents exist; raises ``ModelUnavailable``."""
    docs = registry.ordered_documents(keys)
    if docs:
        cached_embedder(live=True, space=space).embed_documents([d.full_text() for d in docs])
    return len(docs)


@task()
def embed_documents(keys: list[str]) -> int:
    """Embed the current text of these objects (unchanged texts are cache hits).

    Documents are bounded (matching/documents.py), so one task embeds at most a few dozen
    chunks per key. Queued once per key while not started (``matching.signals``). While the
    model is being switched, the documents are embedded into the new model's space too, so
    a profile saved during the switch is current in both.
    """
    from kbridge.accounts.models import Organisation
    from kbridge.matching.selectors import precompute, recommended_tracks
    from kbridge.matching.services import running_switch

    try:
        count = precompute(keys)
        # A startup that changed its profile opens its recommendations next: compute what
        # that page explains (term and sentence vectors of its best tracks) now, so it is
        # served warm.
        startup_ids = [k.partition(":")[2] for k in keys if k.startswith("startup:")]
        for org in Organisation.objects.filter(
                pk__in=startup_ids, kind=Organisation.Kind.STARTUP).select_related("profile"):
            recommended_tracks(org, live=True)
    except ModelUnavailable as exc:  # the serving model cannot be built here any more
        logger.warning("embed_documents: serving model unavailable: %s", exc)
        count = 0
    switch = running_switch()
    if switch is not None and switch.target_id:
        try:
            count = embed_keys(keys, store.Space.of(switch.target))
        except ModelUnavailable as exc:
            logger.warning("embed_documents: new model unavailable: %s", exc)
    return count


@task()
def warm_search(payload: dict) -> int:
    """Compute every vector a ranked page needs (documents, query, explanation terms)."""
    from kbridge.matching.documents import bounded

    doc_id, title, keywords, description = payload["query"]
    query = bounded(Document(id=doc_id, title=title, keywords=tuple(keywords),
                             description=description))
    targets = registry.ordered_documents(payload["targets"])
    if not targets:
        return 0
    try:
        embedder = cached_embedder(live=True)
    except ModelUnavailable as exc:  # pages stay lexical until the switch in progress ends
        logger.warning("warm_search: serving model unavailable: %s", exc)
        return 0
    index = Matcher(embedder).index(targets)
    offset = int(payload.get("offset", 0))  # a later page explains its own first matches
    for match in index.search(query, k=offset + max(payload["explain_k"], 1))[offset:]:
        if payload["explain_k"] > 0:
            index.explain(query, match.doc_id)
    return len(targets)


def _switch_failed(args: list, kwargs: dict, error: str) -> None:
    from kbridge.matching.services import fail_switch

    if args and isinstance(args[0], int):
        fail_switch(switch_id=args[0], error=error)


@retry_policy(max_attempts=5, base_delay=30, max_delay=600, on_failure=_switch_failed)
@task()
def embed_switch_batch(switch_id: int, start: int) -> int:
    """One step of a model switch: embed ``keys[start:start + batch_size]`` of the switch
    into its target space, record the progress, queue the next step (or flip).

    A stale step (the switch ended, or is already past ``start``) does nothing. A model that
    cannot be built fails the switch at once; any other error is retried with back-off and
    fails the switch after the last attempt (the serving space never changes on failure).
    """
    from kbridge.matching.models import ModelSwitch
    from kbridge.matching.services import fail_switch, record_batch

    switch = ModelSwitch.objects.select_related("target").filter(
        pk=switch_id, status=ModelSwitch.Status.RUNNING, done=start).first()
    if switch is None or switch.target_id is None:
        return 0
    keys = switch.keys[start:start + switch.batch_size]
    try:
        embed_keys(keys, store.Space.of(switch.target))
    except ModelUnavailable as exc:
        fail_switch(switch_id=switch_id, error=str(exc))
        return 0
    except Exception as exc:
        raise RetryLater(f"{type(exc).__name__}: {exc}") from exc
    record_batch(switch_id=switch_id, start=start, count=len(keys))
    return len(keys)


@task()
def start_model_switch(user_id: int | None = None) -> str:
    """The staff page's "switch now": ``services.start_switch`` in the worker, which may
    load the model (pages never do). Returns the switch's status."""
    from kbridge.accounts.models import User
    from kbridge.matching.services import start_switch

    by = User.objects.filter(pk=user_id).first() if user_id else None
    switch = start_switch(by=by)
    return switch.status if switch is not None else "serving"
