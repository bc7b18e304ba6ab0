"""Evaluator ↔ application affinities, from matching.

An evaluator's document is their pool profile: expertise in Korean and English plus their
keywords (``evaluator:<user id>``). An application's is matching's
``application_document`` *as submitted* (the latest submission's frozen profile and answers).
The (applications × evaluators) matrix is the matching engine's fused score
(``Matcher.affinity_matrix``: cosine of the cached vectors, computed as one matrix product,
fused with BM25 over Korean/English terms), rescaled to [0, 1] and rounded to 1e-6 so the run's
input written as CSV for ``kbridge-assign`` reads back to exactly the same numbers.

Pages never run the model (matching/store.py): application vectors are cached when an
application is submitted; an evaluator's vector is computed by :func:`embed_evaluators` (a
task). While any vector is missing, the affinities come from key terms only (``source ==
"lexical"``) and the task is queued; the run's report says so.

Neutral affinity: an evaluator without a profile (or with no expertise written) says nothing
about fit, so their column is the mean fit of the application's profiled evaluators (0.5 when
nobody has a profile): neither preferred nor avoided by the solver.

The kind is in matching's document registry (:func:`register_kind`, from
``EvaluationConfig.ready``): matching embeds and re-embeds these documents without importing us.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django_tasks import task

from kbridge.applications.models import Application, Question
from kbridge.engine.matching import CachedEmbedder, Document, Matcher, MatchingConfig
from kbridge.matching import documents
from kbridge.matching.selectors import INDEXES, Corpus
from kbridge.matching.store import ModelUnavailable, NotCached, ZeroEmbedder, cached_embedder, model

logger = logging.getLogger("kbridge.evaluation")

NEUTRAL = 0.5
#: Affinities are rounded to this many decimals (exact round trip through CSV).
DECIMALS = 6


def evaluator_document(profile) -> Document:
    """The document of an ``EvaluatorProfile``: its expertise (ko, en) and keywords."""
    return documents.bounded(Document(
        id=f"evaluator:{profile.user_id}",
        title=" ".join(str(k) for k in (profile.expertise_keywords or [])[:10]),
        keywords=tuple(str(k) for k in (profile.expertise_keywords or [])),
        description="\n".join(t for t in (profile.expertise_ko, profile.expertise_en) if t),
    ))


def has_expertise(document: Document) -> bool:
    return bool((document.description or "").strip() or document.keywords)


def application_documents(applications: Sequence[Application]) -> list[Document]:
    """Each application's document as submitted (three queries whatever the number)."""
    call_ids = {a.call_id for a in applications}
    questions: dict[int, list[Question]] = {}
    for q in Question.objects.filter(call_id__in=call_ids).order_by("position", "pk"):
        questions.setdefault(q.call_id, []).append(q)
    latest = documents.latest_submissions([a.pk for a in applications])
    return [documents.application_document(a, questions.get(a.call_id, []), latest.get(a.pk))
            for a in applications]


@dataclass(frozen=True)
class Affinities:
    """``matrix`` (A, E) in [0, 1], rows in ``application_ids`` order, columns in
    ``evaluator_ids`` order; ``profiled`` (E,) says which evaluators had an expertise text;
    ``source`` is ``"semantic"`` (vectors and terms), ``"lexical"`` (terms only, vectors
    still being computed) or ``"neutral"`` (no evaluator has an expertise text)."""

    application_ids: tuple[int, ...]
    evaluator_ids: tuple[int, ...]
    matrix: np.ndarray
    profiled: np.ndarray
    source: str


def _corpus(key: str, docs: list[Document]) -> Corpus:
    by_id = {d.id: d for d in docs}
    # Stamp: the documents themselves (cheap next to the matrix); unchanged → warm index.
    return Corpus(key, lambda: docs, lambda ids: {i: by_id[i] for i in ids},
                  stamp=lambda: tuple(documents_digest(docs)))


def documents_digest(docs: list[Document]):
    from kbridge.matching.selectors import document_digest

    return (document_digest(d) for d in docs)


def compute(applications: Sequence[Application], profiles: dict[int, object],
            evaluator_ids: Sequence[int], *, corpus_key: str) -> Affinities:
    """The affinity matrix of ``applications`` × ``evaluator_ids``.

    ``profiles`` maps an evaluator's user id to their ``EvaluatorProfile`` (missing → neutral).
    ``corpus_key`` names the warm index of the applications (e.g. one per stage), reused while
    their documents are unchanged. Never runs the model: a missing vector gives a lexical
    matrix and queues :func:`embed_evaluators` / matching's embedding after commit.
    """
    app_docs = application_documents(applications)
    ev_docs = {uid: evaluator_document(profiles[uid]) for uid in evaluator_ids
               if uid in profiles}
    ev_docs = {uid: d for uid, d in ev_docs.items() if has_expertise(d)}
    people = {f"evaluator:{uid}": [d] for uid, d in ev_docs.items()}
    n_a, n_e = len(applications), len(evaluator_ids)
    matrix = np.full((n_a, n_e), NEUTRAL)
    profiled = np.array([uid in ev_docs for uid in evaluator_ids], dtype=bool)
    source = "semantic" if people else "neutral"
    if n_a and people:
        corpus = _corpus(corpus_key, app_docs)
        matcher = Matcher(cached_embedder(live=False))
        try:
            _entry, index = INDEXES.index(corpus, matcher)
            scores = matcher.affinity_matrix(people, index)
        except NotCached:
            source = "lexical"
            _queue_embeddings(list(ev_docs), [a.pk for a in applications])
            lexical = Matcher(CachedEmbedder(ZeroEmbedder(model())),
                              config=MatchingConfig(dense_weight=0.0))
            entry = INDEXES.entry(corpus, lexical)
            index = lexical.index(entry.docs, lexical=entry.lexical,
                                  vectors=np.zeros((len(entry.docs), lexical.embedder.dim),
                                                   dtype=np.float32))
            scores = lexical.affinity_matrix(people, index)
        fitted = scores.normalised().T  # (A, people)
        column = {int(pid.partition(":")[2]): j for j, pid in enumerate(scores.row_ids)}
        cols = np.array([column[uid] for uid in evaluator_ids if uid in column], dtype=np.int64)
        matrix[:, profiled] = fitted[:, cols]
        if (~profiled).any():
            matrix[:, ~profiled] = fitted[:, cols].mean(axis=1, keepdims=True)
    return Affinities(tuple(a.pk for a in applications), tuple(evaluator_ids),
                      np.round(matrix, DECIMALS), profiled, source)


def _queue_embeddings(user_ids: list[int], application_ids: list[int]) -> None:
    from kbridge.matching.tasks import embed_documents

    def enqueue():
        embed_evaluators.enqueue(user_ids)
        embed_documents.enqueue([f"application:{pk}" for pk in application_ids])

    transaction.on_commit(enqueue)


@task()
def embed_evaluators(user_ids: list[int]) -> int:
    """Embed these evaluators' expertise documents (the only place their vectors are made)."""
    from kbridge.evaluation.models import EvaluatorProfile

    docs = [evaluator_document(p) for p in EvaluatorProfile.objects.filter(user_id__in=user_ids)]
    docs = [d for d in docs if has_expertise(d)]
    if not docs:
        return 0
    try:
        Matcher(cached_embedder(live=True)).embed(docs)
    except ModelUnavailable as exc:
        logger.warning("embed_evaluators: serving model unavailable: %s", exc)
        return 0
    return len(docs)


# --- the matching registry's "evaluator" kind (registered in EvaluationConfig.ready) ---------


def evaluators_by_pk(pks) -> dict:
    """``{user id: EvaluatorProfile}`` for these evaluators (one query; absent ones left out)."""
    from kbridge.evaluation.models import EvaluatorProfile

    return {p.user_id: p for p in EvaluatorProfile.objects.filter(user_id__in=list(pks))}


def evaluator_documents(profiles) -> list[Document]:
    return [evaluator_document(p) for p in profiles]


def profiled_evaluator_pks() -> list[int]:
    """Evaluators with expertise written: what a model switch re-embeds."""
    from django.db.models import Q

    from kbridge.evaluation.models import EvaluatorProfile

    return list(EvaluatorProfile.objects.exclude(Q(expertise_ko="") & Q(expertise_en=""))
                .values_list("user_id", flat=True))


def register_kind() -> None:
    """Evaluator expertise documents (``evaluator:<user id>``) in matching's registry, so
    matching embeds, switches models for and re-embeds them on save like its own kinds."""
    from kbridge.evaluation.models import EvaluatorProfile
    from kbridge.matching import registry

    registry.register(registry.DocumentKind(
        prefix="evaluator", fetch=evaluators_by_pk, documents=evaluator_documents,
        all_pks=profiled_evaluator_pks,
        watch=((EvaluatorProfile, lambda profile: [profile.user_id]),)))
