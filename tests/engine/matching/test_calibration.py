"""Fit that discriminates (issue 12, item 2): the calibrated 0-100 fit."""

from __future__ import annotations

import numpy as np
import pytest

from kbridge.engine.matching import Document, Matcher, MatchingConfig
from kbridge.engine.matching.calibration import band, fit_scores, fits, lexical_share, reference_z
from tests.engine.matching.test_engine import EXPECTED, STARTUPS_KO, TRACKS_EN


def test_bands():
    assert [band(s) for s in (100, 70, 69, 40, 39, 0)] == [
        "strong", "strong", "moderate", "moderate", "weak", "weak"]


def test_reference_z_is_robust_to_a_few_close_references():
    background = np.linspace(0.78, 0.82, 58)
    z = reference_z(np.array([0.86]), background)
    with_twins = reference_z(np.array([0.86]), np.r_[background, 0.95, 0.96])
    assert z[0] > 2
    assert abs(with_twins[0] - z[0]) < 0.2 * z[0]  # two near-duplicates do not erase the fit
    assert reference_z(np.array([0.80]), background)[0] < 0  # a typical reference cosine
    with pytest.raises(ValueError, match="spread"):
        reference_z(np.array([0.5]), np.zeros(40))


def test_lexical_share_is_bounded():
    assert lexical_share(np.array([0.0, 3.0, 1e9]), [1.0, 2.0], 3.0).tolist() == [
        0.0, pytest.approx(3.0 / (2.2 * 3.0 * 3.0)), 1.0]
    assert lexical_share(np.array([4.0]), [], 3.0).tolist() == [0.0]


def test_fit_grows_with_both_kinds_of_evidence():
    z = np.array([0.0, 2.0, 4.0, 2.0])
    share = np.array([0.0, 0.0, 0.0, 0.1])
    scores = fit_scores(z, share)
    assert scores[0] < scores[1] < scores[2]
    assert scores[3] > scores[1]
    assert all(0 <= s <= 100 for s in scores)
    found = fits(np.array([0.9, 0.8]), np.linspace(0.78, 0.82, 40), np.array([0.0, 0.0]))
    assert found[0].score > found[1].score and found[0].band == "strong"


@pytest.fixture(scope="module")
def track_index(matcher):
    return matcher.index(TRACKS_EN)


def test_unrelated_pairs_score_visibly_lower_than_related_ones(track_index):
    """Five Korean profiles against five English tracks (none of them used to fit the
    calibration): each profile's own track clearly above every other track, and the other
    tracks weak."""
    related, unrelated = [], []
    for startup in STARTUPS_KO:
        results = {m.doc_id: m.fit.score for m in track_index.search(startup, k=5)}
        mine = results.pop(EXPECTED[startup.id])
        related.append(mine)
        unrelated.extend(results.values())
        assert mine >= max(results.values()) + 15, (startup.id, mine, results)
    assert np.median(related) >= 70
    assert max(unrelated) < 40  # every unrelated pair is in the "weak" band


def test_a_profile_that_fits_nothing_is_not_crowned(track_index):
    # A pet-food delivery startup: the best of these tracks is still the best, but weak.
    pets = Document("pets", "반려동물 사료 정기배송", ("반려동물", "펫푸드"),
                    "강아지와 고양이 사료를 매달 집으로 배송하는 구독 서비스입니다.")
    results = track_index.search(pets, k=5)
    assert all(m.fit.band == "weak" for m in results), [(m.doc_id, m.fit) for m in results]


def test_the_difference_is_visible_on_the_fit_but_not_on_raw_cosines(track_index):
    """The reason for calibrating (the bars "look identical"): on its 0-1 scale the raw cosine
    puts related and unrelated pairs less than a tenth apart; the fit, at least half its scale."""
    related, unrelated = [], []
    for startup in STARTUPS_KO:
        for m in track_index.search(startup, k=5):
            (related if m.doc_id == EXPECTED[startup.id] else unrelated).append(m)
    assert np.median([m.dense for m in related]) - np.median([m.dense for m in unrelated]) < 0.1
    assert np.median([m.fit.score for m in related]) - np.median(
        [m.fit.score for m in unrelated]) >= 50


def test_a_lexical_only_ranking_has_no_fit(matcher):
    lexical_only = Matcher(matcher.embedder, matcher.analyzer, MatchingConfig(dense_weight=0.0))
    results = lexical_only.index(TRACKS_EN).search(STARTUPS_KO[0], k=2)
    assert [m.fit for m in results] == [None, None]


def test_each_model_has_its_own_coefficients_and_the_default_has_an_entry():
    from kbridge.engine.matching import default_embedder
    from kbridge.engine.matching.calibration import DEFAULT_FIT_MODEL, FIT_COEFFICIENTS

    assert DEFAULT_FIT_MODEL == default_embedder().name in FIT_COEFFICIENTS
    z, share = np.array([1.0]), np.array([0.0])
    e5 = fit_scores(z, share, "intfloat/multilingual-e5-small")
    assert e5 != fit_scores(z, share, DEFAULT_FIT_MODEL)
    assert fit_scores(z, share, "someone/else") == fit_scores(z, share)  # the default's
