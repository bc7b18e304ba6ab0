"""Background work of matching: the only place the model runs."""

from __future__ import annotations

from django_tasks import task

from kbridge.engine.matching import Document, Matcher
from kbridge.matching.store import cached_embedder


@task()
def embed_documents(keys: list[str]) -> int:
    """Embed the current text of these objects (unchanged texts are cache hits).

    Documents are bounded (matching/documents.py), so one task embeds at most a few dozen
    chunks per key. Queued once per key while not started (``matching.signals``).
    """
    from kbridge.accounts.models import Organisation
    from kbridge.matching.selectors import precompute, recommended_tracks

    done = precompute(keys)
    # A startup that changed its profile opens its recommendations next: compute what that
    # page explains (term and sentence vectors of its best tracks) now, so it is served warm.
    startup_ids = [k.partition(":")[2] for k in keys if k.startswith("startup:")]
    for org in Organisation.objects.filter(pk__in=startup_ids, kind=Organisation.Kind.STARTUP
                                           ).select_related("profile"):
        recommended_tracks(org, live=True)
    return done


@task()
def warm_search(payload: dict) -> int:
    """Compute every vector a ranked page needs (documents, query, explanation terms)."""
    from kbridge.matching.documents import bounded
    from kbridge.matching.selectors import resolve

    doc_id, title, keywords, description = payload["query"]
    query = bounded(Document(id=doc_id, title=title, keywords=tuple(keywords),
                             description=description))
    targets = [d for d in (resolve(k) for k in payload["targets"]) if d is not None]
    if not targets:
        return 0
    index = Matcher(cached_embedder(live=True)).index(targets)
    index.search(query, k=max(payload["explain_k"], 1), explain=payload["explain_k"] > 0)
    return len(targets)
