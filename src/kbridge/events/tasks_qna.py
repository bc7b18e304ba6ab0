"""Background work of the live Q&A: embedding each new question for the near-duplicate
suggestions, so no page ever waits on the model (about 0.1 s a question once the model is
loaded, 4–5 s to load it; bench/qna_duplicates.py)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger("kbridge.events")


#: The queue of :func:`embed_question`: its own name, so a deployment may give it a worker of
#: its own; the demo's and ``make worker``'s task worker serves every queue but e-mail.
QNA_QUEUE = "qna"
#: Above every other task's (default 0): a worker claims ready tasks by priority first
#: (django-tasks-db orders by priority, then run_after, then enqueue time), so a suggestion
#: never waits behind a lottery draw or a batch of exports (docs/decisions.md, "Events: Q&A
#: fixes").
EMBED_PRIORITY = 50


@task(queue_name=QNA_QUEUE, priority=EMBED_PRIORITY)
def embed_question(question_id: int) -> bool:
    """Put the question's vector in the embedding cache of the serving model (a cache hit
    when the same text was embedded before). False when the question is gone or the model
    cannot be built here; running twice changes nothing."""
    from kbridge.events.models import Question
    from kbridge.matching.store import ModelUnavailable, cached_embedder

    text = Question.objects.filter(pk=question_id).values_list("text", flat=True).first()
    if text is None:
        return False
    try:
        cached_embedder(live=True).embed_texts([text])
    except ModelUnavailable as exc:
        logger.warning("embed_question: model unavailable: %s", exc)
        return False
    return True
