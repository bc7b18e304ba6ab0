"""Search, cross-lingual ranking, affinity and explanations with the real default model."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.matching import (
    Document,
    Matcher,
    MatchingConfig,
    coverage_fusion,
    linear_fusion,
    rrf_fusion,
    standardise,
)

TRACKS_EN = [
    Document("ai-chips", "AI Chips", ("NPU", "semiconductor", "accelerator"),
             "Partner track for startups designing neural processing units and low-power AI inference chips."),
    Document("agri", "Smart Farming", ("agriculture", "drones"),
             "Precision agriculture: drones and sensors that monitor crop growth on farms."),
    Document("edu", "EdTech", ("education", "mathematics"),
             "Learning apps that help elementary school students practise mathematics."),
    Document("health", "Medical Imaging", ("radiology", "diagnosis"),
             "Deep learning that reads hospital CT and MRI scans to support diagnosis."),
    Document("fintech", "Payments", ("fintech", "payments"),
             "Cross-border payment and remittance services for small merchants."),
]

STARTUPS_KO = [
    Document("s-npu", "저전력 NPU 반도체", ("AI 반도체", "추론 가속기"),
             "엣지 디바이스용 신경망 처리 장치(NPU) 칩을 설계합니다."),
    Document("s-farm", "농업용 드론", ("스마트팜",), "드론으로 논밭의 작물 생육 상태를 모니터링합니다."),
    Document("s-edu", "초등 수학 학습 앱", ("에듀테크",), "초등학생이 수학 문제를 풀며 학습하는 앱을 만듭니다."),
    Document("s-med", "의료 영상 AI", ("영상의학",), "병원의 CT와 MRI 영상을 딥러닝으로 분석해 진단을 돕습니다."),
    Document("s-pay", "해외 송금 결제", ("핀테크",), "소상공인을 위한 해외 송금과 결제 서비스를 제공합니다."),
]

EXPECTED = {"s-npu": "ai-chips", "s-farm": "agri", "s-edu": "edu", "s-med": "health", "s-pay": "fintech"}


@pytest.fixture(scope="module")
def track_index(matcher):
    return matcher.index(TRACKS_EN)


@pytest.fixture(scope="module")
def startup_index(matcher):
    return matcher.index(STARTUPS_KO)


@pytest.mark.parametrize("startup", STARTUPS_KO, ids=lambda d: d.id)
def test_korean_profile_ranks_the_right_english_track_first(track_index, startup):
    assert track_index.search(startup, k=1)[0].doc_id == EXPECTED[startup.id]


@pytest.mark.parametrize("track", TRACKS_EN, ids=lambda d: d.id)
def test_english_track_ranks_the_right_korean_startup_first(startup_index, track):
    expected = {v: k for k, v in EXPECTED.items()}[track.id]
    assert startup_index.search(track, k=1)[0].doc_id == expected


# Korean profiles whose only Latin token is "AI": the lexical side then sees "AI" in the
# AI Chips track and nothing anywhere else. The dense weight must be high enough that the
# meaning wins; this set is what fixed the default weight at 0.6 (0.5 fails; see
# docs/decisions.md (matching)).
ACRONYM_TRAPS = [
    ("health", Document("q1", "AI 기반 의료 영상 진단", (), "AI로 병원 CT 영상을 판독합니다.")),
    ("agri", Document("q2", "AI 스마트팜", ("AI",), "AI 드론으로 작물 생육을 관리합니다.")),
    ("edu", Document("q3", "AI 튜터", ("AI",), "AI가 초등학생 수학 공부를 도와줍니다.")),
    ("fintech", Document("q4", "AI 신용평가", ("AI", "핀테크"),
                         "AI로 소상공인 대출 신용을 평가하고 해외 송금 결제를 제공합니다.")),
    ("ai-chips", Document("q5", "엣지 AI 칩", ("NPU",), "저전력 신경망 가속기 반도체")),
]


@pytest.mark.parametrize(("expected", "query"), ACRONYM_TRAPS, ids=lambda x: getattr(x, "id", x))
def test_a_shared_english_acronym_does_not_outweigh_meaning(track_index, expected, query):
    assert track_index.search(query, k=1)[0].doc_id == expected


@pytest.fixture(scope="module")
def default_track_index(analyzer):
    """The English-only tracks indexed with what ships: the default (fused) model and config."""
    from kbridge.engine.matching import CachedEmbedder, Matcher, default_embedder

    return Matcher(CachedEmbedder(default_embedder()), analyzer).index(TRACKS_EN)


# Known limitation of the shipped default (docs/decisions.md, "Choosing the fusion and the
# model together"): on English-only tracks, a Korean profile whose only Latin token is "AI"
# goes to the AI chip track in four of these five cases. The labelled relevance set (88
# profiles, bilingual tracks as the product writes them) chose this default; E5 alone passes
# the traps (above) but loses there. strict: a default that passes them fails this test, so
# the record is corrected.
DEFAULT_FAILS = {"q1", "q2", "q3", "q4"}


@pytest.mark.parametrize(
    ("expected", "query"),
    [pytest.param(e, q, marks=pytest.mark.xfail(strict=True, reason="known limitation"))
     if q.id in DEFAULT_FAILS else (e, q) for e, q in ACRONYM_TRAPS],
    ids=lambda x: getattr(x, "id", x))
def test_the_shipped_default_on_the_acronym_traps(default_track_index, expected, query):
    assert default_track_index.search(query, k=1)[0].doc_id == expected


@pytest.mark.parametrize("startup", STARTUPS_KO, ids=lambda d: d.id)
def test_the_shipped_default_ranks_the_right_english_track_first(default_track_index, startup):
    assert default_track_index.search(startup, k=1)[0].doc_id == EXPECTED[startup.id]


def test_free_text_search_in_either_language(startup_index):
    assert startup_index.search(Document("q", title="neural processing chip design"), k=1)[0].doc_id == "s-npu"
    assert startup_index.search(Document("q", title="드론"), k=1)[0].doc_id == "s-farm"


def test_results_are_ranked_and_complete(track_index):
    results = track_index.search(STARTUPS_KO[0], k=10)
    assert [m.rank for m in results] == [1, 2, 3, 4, 5]
    assert sorted(m.doc_id for m in results) == sorted(d.id for d in TRACKS_EN)
    assert [m.score for m in results] == sorted((m.score for m in results), reverse=True)


def test_ranking_is_deterministic_and_ties_break_by_id(matcher):
    twin = "Robots that sort parcels in warehouses."
    index = matcher.index([Document("b", description=twin), Document("a", description=twin),
                           Document("c", description="Cross-border payments.")])
    query = Document("q", description="물류 창고에서 택배를 분류하는 로봇")
    first = [m.doc_id for m in index.search(query, k=3)]
    assert first == ["a", "b", "c"]
    assert [m.doc_id for m in index.search(query, k=3)] == first


def test_the_query_itself_and_excluded_ids_are_not_returned(matcher):
    index = matcher.index(STARTUPS_KO)
    results = index.search(STARTUPS_KO[0], k=5, exclude=["s-farm"])
    assert [m.doc_id for m in results if m.doc_id in {"s-npu", "s-farm"}] == []
    assert len(results) == 3


def test_empty_query_and_empty_index(matcher, track_index):
    assert matcher.index([]).search(STARTUPS_KO[0]) == []
    results = track_index.search(Document("blank"), k=5)
    assert [m.score for m in results] == [0.0] * 5
    assert [m.doc_id for m in results] == sorted(d.id for d in TRACKS_EN)


def test_duplicate_ids_are_refused(matcher):
    with pytest.raises(ValueError, match="unique"):
        matcher.index([Document("x"), Document("x")])


def test_explanation_shows_shared_terms_in_both_languages(track_index):
    explanation = track_index.search(STARTUPS_KO[0], k=1, explain=True)[0].explanation
    exact = {(t.query_term, t.doc_term) for t in explanation.shared_terms if t.kind == "exact"}
    crossed = {(t.query_term, t.doc_term) for t in explanation.shared_terms if t.kind == "cross-lingual"}
    assert ("NPU", "NPU") in exact
    assert ("신경망 처리", "neural processing") in crossed
    assert explanation.best_sentences.query_sentence == "저전력 NPU 반도체"
    assert explanation.best_sentences.doc_sentence == "NPU, semiconductor, accelerator"


def test_affinity_matrix_with_multi_document_profiles(matcher):
    profiles = {
        "chip-expert": [TRACKS_EN[0], Document("p2", "Low-power inference accelerators for edge devices")],
        "farm-expert": [TRACKS_EN[1]],
        "no-documents": [],
    }
    aff = matcher.affinity_matrix(profiles, STARTUPS_KO)
    assert aff.scores.shape == (3, 5)
    assert aff.row_ids == ("chip-expert", "farm-expert", "no-documents")
    assert aff.col_ids == tuple(d.id for d in STARTUPS_KO)
    assert aff.ranked_for("s-npu")[0][0] == "chip-expert"
    assert aff.ranked_for("s-farm")[0][0] == "farm-expert"
    assert aff.scores[2].tolist() == [0.0] * 5
    normalised = aff.normalised()
    assert (float(normalised.min()), float(normalised.max())) == (0.0, 1.0)


def test_affinity_does_not_depend_on_the_batch_size(matcher):
    profiles = {"a": TRACKS_EN[:2], "b": TRACKS_EN[2:]}
    small = Matcher(matcher.embedder, matcher.analyzer, MatchingConfig(batch_size=1))
    expected = matcher.affinity_matrix(profiles, STARTUPS_KO).scores
    assert np.allclose(small.affinity_matrix(profiles, STARTUPS_KO).scores, expected, atol=1e-5)


def test_standardise_turns_a_constant_row_into_zeros():
    assert standardise(np.array([[3.0, 3.0, 3.0]])).tolist() == [[0.0, 0.0, 0.0]]
    assert standardise(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]


def test_linear_fusion_weights_the_two_components():
    dense = np.array([1.0, 3.0])
    lexical = np.array([3.0, 1.0])
    assert linear_fusion(dense, lexical, 1.0).tolist() == [-1.0, 1.0]
    assert linear_fusion(dense, lexical, 0.0).tolist() == [1.0, -1.0]
    with pytest.raises(ValueError):
        linear_fusion(dense, lexical, 1.5)


def test_rrf_gives_no_lexical_credit_without_lexical_evidence():
    fused = rrf_fusion(np.array([0.9, 0.8]), np.array([0.0, 0.0]), dense_weight=0.5, k=60)
    assert fused.tolist() == [0.5 / 61, 0.5 / 62]


# One query, six candidates: the dense model clearly prefers candidate 0; only candidate 3
# shares one weak token with the query (a Korean profile whose only Latin token is "AI",
# against English tracks). Plain z-scoring makes that lone token the largest z a row of six
# can hold, sqrt(5), whatever it is worth.
LONE_TOKEN_DENSE = np.array([0.90, 0.84, 0.83, 0.83, 0.82, 0.82])
LONE_TOKEN_LEXICAL = np.array([0.0, 0.0, 0.0, 0.4, 0.0, 0.0])


def test_coverage_fusion_does_not_let_a_lone_shared_token_decide():
    assert int(np.argmax(linear_fusion(LONE_TOKEN_DENSE, LONE_TOKEN_LEXICAL, 0.3))) == 3  # the flaw
    assert int(np.argmax(coverage_fusion(LONE_TOKEN_DENSE, LONE_TOKEN_LEXICAL, 0.3))) == 0


def test_coverage_fusion_equals_linear_when_every_candidate_shares_words():
    dense = np.array([[0.9, 0.8, 0.7], [0.7, 0.8, 0.9]])
    lexical = np.array([[1.0, 5.0, 2.0], [3.0, 1.0, 0.5]])
    assert np.allclose(coverage_fusion(dense, lexical, 0.3, axis=1), linear_fusion(dense, lexical, 0.3, axis=1))


def test_coverage_fusion_scales_each_row_by_its_own_coverage():
    dense = np.array([[0.8, 0.8, 0.8, 0.8], [0.8, 0.8, 0.8, 0.8]])  # no dense signal
    lexical = np.array([[2.0, 0.0, 0.0, 0.0], [2.0, 1.0, 1.0, 0.0]])  # coverage 1/4 and 3/4
    fused = coverage_fusion(dense, lexical, 0.5, axis=1)
    assert np.allclose(fused[0], 0.5 * 0.25 * standardise(lexical[0]))
    assert np.allclose(fused[1], 0.5 * 0.75 * standardise(lexical[1]))
    # No lexical evidence at all: the dense score alone decides, as with linear fusion.
    none = np.zeros(4)
    assert np.allclose(coverage_fusion(LONE_TOKEN_DENSE[:4], none, 0.3), 0.3 * standardise(LONE_TOKEN_DENSE[:4]))


def test_coverage_fusion_keeps_the_bm25_ranking_at_weight_zero_and_checks_the_weight():
    lexical = np.array([0.0, 2.0, 0.5, 0.0, 1.0])
    dense = np.array([0.9, 0.1, 0.5, 0.3, 0.2])
    assert np.argsort(-coverage_fusion(dense, lexical, 0.0)).tolist()[:3] == [1, 4, 2]
    with pytest.raises(ValueError):
        coverage_fusion(dense, lexical, -0.1)


def test_the_default_config_fuses_with_coverage(matcher):
    config = MatchingConfig()
    assert (config.fusion, config.dense_weight) == ("coverage", 0.3)
    index = matcher.index(TRACKS_EN)
    query = STARTUPS_KO[0]
    dense = matcher.embed([query])[0] @ index.vectors.T
    lexical = index.lexical.scores(matcher.query_terms(query))
    expected = coverage_fusion(dense, lexical, 0.3)
    got = {m.doc_id: m.score for m in index.search(query, k=len(TRACKS_EN))}
    assert np.allclose([got[i] for i in index.ids], expected, atol=1e-6)
    with pytest.raises(ValueError):
        Matcher(matcher.embedder, matcher.analyzer, MatchingConfig(fusion="nope")).index(TRACKS_EN).search(query)
