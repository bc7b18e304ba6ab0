"""Embeddings: the cache (model, version, text hash), stores, chunking of long inputs."""

from __future__ import annotations

import numpy as np

from kbridge.engine.matching import (
    CachedEmbedder,
    CallbackStore,
    Embedder,
    InMemoryStore,
    SQLiteStore,
    cache_key,
    chunk_text,
)

from .conftest import CountingEmbedder


def test_default_model_satisfies_the_protocol(e5):
    assert isinstance(e5, Embedder)
    assert e5.dim == 384


def test_vectors_are_unit_length_float32(e5):
    vectors = CachedEmbedder(e5).embed_texts(["저전력 NPU 반도체", "low-power NPU chips"])
    assert vectors.dtype == np.float32
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_cache_key_names_model_version_and_text_hash():
    key = cache_key("m", "v1", "abc")
    assert key == "m|v1|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert cache_key("m", "v2", "abc") != key


def test_unchanged_texts_are_never_embedded_twice(e5):
    model = CountingEmbedder(e5)
    cached = CachedEmbedder(model)
    first = cached.embed_texts(["반도체 설계", "crop monitoring", "반도체 설계"])
    second = cached.embed_texts(["crop monitoring", "반도체 설계"])
    assert model.seen == ["반도체 설계", "crop monitoring"]
    assert cached.stats.misses == 2
    assert cached.stats.hits == 2
    assert np.array_equal(second[1], first[0])


def test_a_new_model_version_misses_the_cache(e5):
    store = InMemoryStore()
    CachedEmbedder(CountingEmbedder(e5, version="a"), store).embed_texts(["drone"])
    upgraded = CountingEmbedder(e5, version="b")
    CachedEmbedder(upgraded, store).embed_texts(["drone"])
    assert upgraded.seen == ["drone"]
    assert len(store) == 2


def test_sqlite_store_survives_a_restart(e5, tmp_path):
    path = tmp_path / "vectors.sqlite"
    first = CachedEmbedder(e5, SQLiteStore(path)).embed_texts(["edge AI accelerator"])
    model = CountingEmbedder(e5)
    again = CachedEmbedder(model, SQLiteStore(path)).embed_texts(["edge AI accelerator"])
    assert model.seen == []
    assert np.array_equal(first, again)


def test_callback_store_lets_the_caller_own_persistence(e5):
    table: dict[str, bytes] = {}
    store = CallbackStore(
        get_many_fn=lambda keys: {k: np.frombuffer(table[k], dtype=np.float32) for k in keys if k in table},
        put_many_fn=lambda items: table.update({k: v.astype(np.float32).tobytes() for k, v in items.items()}),
    )
    cached = CachedEmbedder(e5, store)
    cached.embed_texts(["스마트 농업"])
    cached.embed_texts(["스마트 농업"])
    assert list(table) == [cached.key("스마트 농업")]
    assert (cached.stats.hits, cached.stats.misses) == (1, 1)


def test_empty_document_gets_the_zero_vector(matcher):
    vectors = matcher.embedder.embed_documents(["", "   "])
    assert vectors.shape == (2, 384)
    assert not vectors.any()


def test_very_long_document_is_chunked_and_every_chunk_counts(e5):
    # A 40-unit budget stands in for the model's 512-token window to keep the test fast;
    # the text is 7x longer than one chunk.
    head = "저전력 NPU 반도체를 설계합니다. " * 20  # 140 units
    tail = "Our second business line is precision agriculture with drones. " * 15  # 135 units
    model = CountingEmbedder(e5, max_words=40)
    cached = CachedEmbedder(model)
    doc = cached.embed_documents([head + tail])[0]
    chunks = chunk_text(head + tail, 40)
    assert len(chunks) == 8
    assert " ".join(chunks).split() == (head + tail).split()
    assert sorted(set(model.seen)) == sorted(set(chunks))
    # The pooled vector is not the first chunk's vector: the tail was not dropped.
    head_only = cached.embed_texts([chunks[0]])[0]
    tail_only = cached.embed_texts([chunks[-1]])[0]
    assert float(doc @ tail_only) > float(head_only @ tail_only)


def test_default_budget_splits_a_long_profile(e5):
    text = "저전력 NPU 반도체를 설계합니다. " * 150 + "We also fly drones over farms. " * 60
    assert len(chunk_text(text, e5.max_words)) == 5


def test_cache_keys_fit_the_database_column_whatever_the_model_is_called():
    from kbridge.engine.matching import cache_key, default_embedder

    fused = default_embedder()
    long_a = cache_key("/models/" + "a" * 4000 + "/labse", "st-5", "반도체")
    long_b = cache_key("/models/" + "a" * 4000 + "/bge-m3", "st-5", "반도체")
    assert long_a != long_b  # same 80-character prefix, different models
    for key in (long_a, long_b, cache_key(fused.name, fused.version, "반도체")):
        assert len(key) <= 200  # matching.Embedding.key is a varchar(200) on PostgreSQL
    assert cache_key("m", "1", "t").startswith("m|1|")  # short spaces stay readable
