"""The default embedder: E5 (centred per language) fused with USE-multilingual."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from kbridge.engine.matching import (
    CachedEmbedder,
    Embedder,
    FusedEmbedder,
    LanguageCentredEmbedder,
    UniversalSentenceEncoderEmbedder,
    default_embedder,
)
from kbridge.engine.matching.embedding import DEFAULT_WEIGHTS, hangul_share


class HashEmbedder:
    """Deterministic pseudo-random unit vectors per text: exact arithmetic checks, no model."""

    def __init__(self, name: str, dim: int, max_words: int = 100, version: str = "1"):
        self.name, self.dim, self.max_words, self.version = name, dim, max_words, version

    def embed(self, texts):
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(f"{self.name}:{t}".encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).normal(size=self.dim)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)


@pytest.fixture(scope="module")
def fused() -> FusedEmbedder:
    return default_embedder()


PAIRS = [
    ("우리 회사는 자율주행 차량용 라이다 센서를 만듭니다.", "We make lidar sensors for self-driving cars."),
    ("반도체 칩 설계를 자동화하는 소프트웨어입니다.", "Software that automates semiconductor chip design."),
    ("언어 모델 API로 고객 상담용 음성 에이전트를 개발합니다.",
     "We develop voice agents for customer support on a language model API."),
    ("위성 사진으로 농작물 수확량을 예측합니다.", "We forecast crop yields from satellite images."),
    ("병원을 위한 의료 영상 분석 서비스입니다.", "A medical image analysis service for hospitals."),
]


def test_default_is_a_fused_embedder_that_satisfies_the_protocol(fused):
    assert isinstance(fused, FusedEmbedder)
    assert isinstance(fused, Embedder)
    assert fused.dim == 384 + 512
    assert fused.max_words == min(m.max_words for m in fused.members) == 200
    vectors = fused.embed(["반도체 설계", "chip design", ""])
    assert vectors.shape == (3, fused.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert fused.embed([]).shape == (0, fused.dim)


def test_translations_are_nearer_than_unrelated_sentences(fused):
    ko = fused.embed([k for k, _ in PAIRS])
    en = fused.embed([e for _, e in PAIRS])
    sims = ko @ en.T
    assert list(sims.argmax(axis=1)) == list(range(len(PAIRS)))  # ko -> en
    assert list(sims.argmax(axis=0)) == list(range(len(PAIRS)))  # en -> ko
    unrelated = sims[~np.eye(len(PAIRS), dtype=bool)]
    assert np.diag(sims).min() > unrelated.max()


def test_a_translation_beats_an_unrelated_text_in_the_same_language(fused):
    """Same-language bias: a Korean query must find the English translation before an
    unrelated Korean text (E5 alone gives any two Korean texts a cosine near 0.8)."""
    query = fused.embed([PAIRS[1][0]])[0]
    translation, unrelated_ko = fused.embed([PAIRS[1][1], "온라인 쇼핑몰을 위한 개인화 추천 서비스입니다."])
    assert query @ translation > query @ unrelated_ko


def test_fused_cosine_is_the_weighted_mean_of_member_cosines():
    a, b = HashEmbedder("a", 16), HashEmbedder("b", 8)
    fused = FusedEmbedder([a, b], [3, 1])
    assert fused.weights == (0.75, 0.25)
    texts = ["one", "two", "three"]
    f = fused.embed(texts)
    expected = 0.75 * (a.embed(texts) @ a.embed(texts).T) + 0.25 * (b.embed(texts) @ b.embed(texts).T)
    np.testing.assert_allclose(f @ f.T, expected, atol=1e-5)


def test_name_and_version_change_with_members_weights_and_calibration():
    a, b = HashEmbedder("a", 4), HashEmbedder("b", 4)
    base = FusedEmbedder([a, b])
    assert FusedEmbedder([a, HashEmbedder("c", 4)]).name != base.name
    assert FusedEmbedder([a, HashEmbedder("b", 4, version="2")]).version != base.version
    assert FusedEmbedder([a, b], [2, 1]).version != base.version
    centred = LanguageCentredEmbedder(a)
    assert centred.name != a.name
    other = LanguageCentredEmbedder(a, korean=["하나"], english=["one"])
    assert other.version != centred.version
    # Different spaces never share a cache key.
    keys = {CachedEmbedder(e).key("text") for e in (a, base, centred, other)}
    assert len(keys) == 4


def test_default_weights_and_members_are_the_documented_ones(fused):
    assert fused.weights == tuple(w / sum(DEFAULT_WEIGHTS) for w in DEFAULT_WEIGHTS)
    centred, use = fused.members
    assert isinstance(centred, LanguageCentredEmbedder)
    assert centred.inner.name == "intfloat/multilingual-e5-small"
    assert isinstance(use, UniversalSentenceEncoderEmbedder)


def test_language_centring_subtracts_the_mean_of_the_text_language():
    a = HashEmbedder("a", 32)
    centred = LanguageCentredEmbedder(a, korean=["가", "나"], english=["a", "b"])
    mean_ko, mean_en = centred.language_means()
    raw = a.embed(["다", "c", ""])
    out = centred.embed(["다", "c", ""])
    for i, mean in enumerate([mean_ko, mean_en, mean_en]):  # no letters counts as English
        expected = raw[i] - mean
        np.testing.assert_allclose(out[i], expected / np.linalg.norm(expected), atol=1e-5)


def test_hangul_share():
    assert hangul_share("반도체") == 1.0
    assert hangul_share("chip") == 0.0
    assert hangul_share("AI 반도체") == pytest.approx(3 / 5)
    assert hangul_share("2024 !") == 0.0


@pytest.mark.parametrize("members, weights", [([], None), (["x"], [1, 2]), (["x", "x"], [1, 0])])
def test_bad_configurations_are_refused(members, weights):
    members = [HashEmbedder("a", 4) for _ in members]
    with pytest.raises(ValueError):
        FusedEmbedder(members, weights)


def test_empty_calibration_is_refused():
    with pytest.raises(ValueError):
        LanguageCentredEmbedder(HashEmbedder("a", 4), korean=[], english=["a"])
