"""Duplicate suggestions of the moderation queue read cached vectors and never run a model."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.matching import CachedEmbedder
from kbridge.events import selectors_qna as selectors
from kbridge.events.services import qna as services
from kbridge.matching.store import CacheOnlyEmbedder, DatabaseStore, serving_space

pytestmark = pytest.mark.django_db


def cache_vectors(texts_vectors):
    cache = CachedEmbedder(CacheOnlyEmbedder(serving_space()), DatabaseStore())
    DatabaseStore().put_many({cache.key(t): np.asarray(v, dtype=np.float32)
                              for t, v in texts_vectors})


def test_suggests_only_embedded_open_questions(qna, personas):
    event = qna.event_world.event
    english = services.post_question(event=event, author=qna.attendee,
                                     text="Do you plan to co-develop chips with OpenAI?")
    dim = serving_space().dim
    base = np.zeros(dim)
    base[0] = 1
    near = base.copy()
    near[1] = 0.3
    cache_vectors([(qna.question.text, base)])
    assert selectors.duplicate_suggestions(selectors.queue(event)) == []  # English not embedded
    cache_vectors([(english.text, near)])
    suggestions = selectors.duplicate_suggestions(selectors.queue(event))
    assert [(a.pk, b.pk) for a, b, _ in suggestions] == [(english.pk, qna.question.pk)]
    services.hide(event=event, question_id=english.pk, by=personas.operator)
    assert selectors.duplicate_suggestions(selectors.queue(event)) == []


def test_embed_task_fills_the_cache(qna, monkeypatch):
    from kbridge.events import tasks_qna
    from kbridge.matching import store

    calls = []

    class Fake:
        def embed_texts(self, texts):
            calls.append(list(texts))

    monkeypatch.setattr(store, "cached_embedder", lambda live: Fake())
    assert tasks_qna.embed_question.call(qna.question.pk) is True
    assert calls == [[qna.question.text]]
    assert tasks_qna.embed_question.call(0) is False


def test_the_embedding_is_claimed_before_tasks_queued_earlier(qna, django_capture_on_commit_callbacks):
    """A new question's embedding must not wait behind the worker's backlog (lotteries,
    re-embeddings): queued after a batch of ordinary tasks, it is the next one the demo's
    task worker (every queue but e-mail) claims — the worker's own query."""
    from django_tasks_db.models import DBTaskResult

    from kbridge.matching.tasks import embed_documents

    for _ in range(3):
        embed_documents.enqueue(["partner:1"])
    with django_capture_on_commit_callbacks(execute=True):
        question = services.post_question(event=qna.event_world.event, author=qna.attendee,
                                          text="When will the API be available in Korea?")
    claimed = DBTaskResult.objects.ready().exclude(queue_name__in=["email"]).get_locked()
    assert claimed.task_path.endswith("embed_question")
    assert claimed.args_kwargs["args"] == [question.pk]
    assert claimed.queue_name == "qna"
