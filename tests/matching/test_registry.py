"""Kinds of documents come from a registry: an app above matching (evaluation's evaluators,
say) registers a kind from its ``ready()`` and its documents are resolved, re-embedded on
save and on a model switch, embedded by the worker and ranked through the same path as
matching's own tracks, startups and applications.

The throwaway kind here, ``testpartner``, makes a document of each partner company's
description; it stands for any upper app's kind (matching imports nothing of it).
"""

from __future__ import annotations

import pytest

from kbridge.accounts.models import Organisation
from kbridge.engine.matching import Document
from kbridge.matching import documents, registry, selectors
from kbridge.matching.services import document_keys
from kbridge.matching.store import cached_embedder
from tests.factories import OrganisationFactory

PARTNER = Organisation.Kind.PARTNER


def _partners_by_pk(pks):
    return Organisation.objects.filter(kind=PARTNER).in_bulk(list(pks))


def _partner_documents(orgs):
    return [documents.bounded(Document(id=f"testpartner:{o.pk}", title=o.name_en,
                                       description=o.description_en)) for o in orgs]


@pytest.fixture
def partner_kind():
    kind = registry.DocumentKind(
        prefix="testpartner", fetch=_partners_by_pk, documents=_partner_documents,
        all_pks=lambda: Organisation.objects.filter(kind=PARTNER).order_by("pk")
        .values_list("pk", flat=True),
        watch=((Organisation, lambda org: [org.pk] if org.kind == PARTNER else []),))
    registry.register(kind)
    yield kind
    registry.unregister("testpartner")


def _partner(name, description):
    return OrganisationFactory(kind=PARTNER, name_en=name, description_en=description)


def test_matchings_own_kinds_are_registered_by_matching():
    assert [k.prefix for k in registry.kinds()][:3] == ["track", "startup", "application"]


def test_a_registered_kind_is_resolved_and_in_the_model_switchs_key_list(db, partner_kind):
    chips = _partner("Chip Works", "Low-power NPU accelerators for edge inference.")
    assert selectors.resolve(f"testpartner:{chips.pk}") == Document(
        id=f"testpartner:{chips.pk}", title="Chip Works",
        description="Low-power NPU accelerators for edge inference.")
    assert f"testpartner:{chips.pk}" in document_keys()
    assert selectors.resolve("testpartner:999999") is None  # gone
    assert selectors.resolve(f"nokind:{chips.pk}") is None  # not registered
    registry.unregister("testpartner")
    assert selectors.resolve(f"testpartner:{chips.pk}") is None
    assert f"testpartner:{chips.pk}" not in document_keys()


def test_saving_a_watched_object_queues_its_embedding_once(
        db, partner_kind, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        chips = _partner("Chip Works", "NPU accelerators.")
        chips.description_en += " Also compilers."
        chips.save()
    args = [row.args_kwargs["args"][0] for row in
            DBTaskResult.objects.filter(task_path__endswith="embed_documents")]
    assert args.count([f"testpartner:{chips.pk}"]) == 1


def test_its_documents_are_embedded_by_the_worker_and_ranked_like_matchings_own(
        partner_kind, run_tasks):
    chips = _partner("Chip Works", "We co-develop low-power NPU accelerator chips for "
                                   "on-device AI inference at the edge.")
    bio = _partner("Protein Labs", "Drug discovery with machine learning and protein design.")
    run_tasks()  # the saves queued embed_documents for both keys
    docs = [selectors.resolve(f"testpartner:{chips.pk}"), selectors.resolve(f"testpartner:{bio.pk}")]
    # The worker stored both vectors: the cache-only embedder that pages use finds them.
    vectors = cached_embedder(live=False).embed_documents([d.full_text() for d in docs])
    assert vectors.shape[0] == 2

    corpus = selectors.kind_corpus("testpartner", lambda: [chips.pk, bio.pk],
                                   key="test:partners")
    ranked = selectors.rank(corpus, "query", documents.query_document(
        "AI semiconductor chips for edge devices"), k=2, explain_k=1, live=True)
    assert not ranked.pending
    assert [m.doc_id for m in ranked.matches] == [f"testpartner:{chips.pk}",
                                                  f"testpartner:{bio.pk}"]
    assert ranked.objects[f"testpartner:{chips.pk}"] == chips
    assert ranked.matches[0].explanation is not None


def test_a_prefix_is_a_lower_case_word():
    with pytest.raises(ValueError, match="lower-case word"):
        registry.register(registry.DocumentKind(prefix="Bad:prefix", fetch=dict,
                                                documents=list))
