"""Shared fixtures: the real default model, loaded once per test session."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.matching import Analyzer, CachedEmbedder, E5SmallEmbedder, Matcher


class CountingEmbedder:
    """Wraps a real model and records every text that reaches it (to observe the cache)."""

    def __init__(self, inner, version: str | None = None, max_words: int | None = None):
        self.inner = inner
        self.name = inner.name
        self.version = version or inner.version
        self.dim = inner.dim
        self.max_words = max_words or inner.max_words
        self.seen: list[str] = []

    def embed(self, texts):
        self.seen.extend(texts)
        return np.asarray(self.inner.embed(texts))


@pytest.fixture(scope="session")
def e5() -> E5SmallEmbedder:
    return E5SmallEmbedder(threads=1)


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="session")
def matcher(e5, analyzer) -> Matcher:
    """One matcher for the session: its in-memory cache makes repeated texts free."""
    return Matcher(CachedEmbedder(e5), analyzer)


@pytest.fixture(scope="session")
def labelled_term_pairs():
    """Korean-English term pairs labelled true (translations) or false (plausible confusions),
    the list the cross-lingual threshold is measured on (kbridge.engine.matching.term_pairs)."""
    from kbridge.engine.matching.term_pairs import LABELLED_TERM_PAIRS

    return LABELLED_TERM_PAIRS
