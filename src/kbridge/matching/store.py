"""The engine's embedding cache, kept in the web database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kbridge.engine.matching import CachedEmbedder, Embedder, default_embedder
from kbridge.matching.models import Embedding


class DatabaseStore:
    """``EmbeddingStore`` on the ``Embedding`` table (float32 bytes)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            for key, blob in Embedding.objects.filter(
                    key__in=keys[start:start + 500]).values_list("key", "vector"):
                found[key] = np.frombuffer(bytes(blob), dtype=np.float32)
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        Embedding.objects.bulk_create(
            [Embedding(key=k, vector=np.asarray(v, dtype=np.float32).tobytes())
             for k, v in items.items()],
            ignore_conflicts=True, batch_size=500)


class NotCached(Exception):  # noqa: N818 - reads as the situation it reports
    """A page needed a vector that no background task has computed yet."""


class CacheOnlyEmbedder:
    """The real model's identity (name, version, dimension) without ever running it.

    Pages use it so they never wait on a model: a missing vector raises ``NotCached``, the page
    falls back to lexical ranking and a task computes the vectors for the next visit.
    """

    def __init__(self, real: Embedder):
        self.name = real.name
        self.version = real.version
        self.dim = real.dim
        self.max_words = real.max_words

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise NotCached(f"{len(texts)} text(s) not embedded yet")


class ZeroEmbedder(CacheOnlyEmbedder):
    """Zero vectors: with a dense weight of 0 the ranking is purely lexical."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)


_MODEL: Embedder | None = None


def model() -> Embedder:
    """The process's model object (loading its weights is deferred to its first use)."""
    global _MODEL
    if _MODEL is None:
        _MODEL = default_embedder()
    return _MODEL


def cached_embedder(*, live: bool) -> CachedEmbedder:
    real = model()
    return CachedEmbedder(real if live else CacheOnlyEmbedder(real), DatabaseStore())
