"""The rules of selection (docs/selection.md, "Rules of selection and the lottery"), by example."""

from __future__ import annotations

import pytest

from kbridge.engine.lottery import order
from kbridge.engine.selection import Candidate, Limits, LotteryCall, interval, next_offer, plan

M = 1_000_000  # won
CAP = 100 * M


def limits(places, budget=10 * CAP, waitlist=0):
    return Limits(places=places, cap_krw=CAP, budget_krw=budget, waitlist_length=waitlist)


def test_the_best_scores_are_selected_within_the_quota():
    result = plan([Candidate("a", 70), Candidate("b", 90), Candidate("c", 80)], limits(2, waitlist=1))
    assert result.order == ("b", "c", "a")
    assert result.selected == ("b", "c")
    assert result.awards == {"b": CAP, "c": CAP}
    assert result.waitlist == ("a",)
    assert result.not_selected == ("a",)
    assert result.reasons == {"b": "within_quota", "c": "within_quota", "a": "below_line"}
    assert result.ranks == {"b": 1, "c": 2, "a": 3}
    assert result.cutoff == 80
    assert result.lottery is None


def test_a_tie_on_score_is_broken_by_the_tie_criterion_and_no_value_ranks_last():
    result = plan(
        [Candidate("a", 80, tie_score=3.5), Candidate("b", 80, tie_score=4.0),
         Candidate("c", 80, tie_score=None), Candidate("d", 90)],
        limits(2, waitlist=2),
    )
    assert result.order == ("d", "b", "a", "c")
    assert result.selected == ("d", "b")
    assert result.waitlist == ("a", "c")
    assert result.ranks == {"d": 1, "b": 2, "a": 3, "c": 4}
    assert result.lottery is None


def test_a_tie_that_straddles_the_last_place_asks_for_a_draw():
    candidates = [Candidate("top", 95), Candidate("x", 80, 4.0), Candidate("y", 80, 4.0),
                  Candidate("z", 80, 4.0), Candidate("low", 60)]
    result = plan(candidates, limits(3, waitlist=2))
    assert result.lottery == LotteryCall(entrants=("x", "y", "z"), places=2)
    assert result.selected == ("top",)
    assert {result.reasons[k] for k in "xyz"} == {"lottery_pending"}
    assert result.waitlist == ()  # formed once the draw is in
    assert result.reasons["low"] == "below_line"
    assert result.ranks == {"top": 1, "x": 2, "y": 2, "z": 2, "low": 5}


def test_the_draw_decides_the_straddling_tie_and_the_losers_head_the_waitlist():
    candidates = [Candidate("top", 95), Candidate("x", 80, 4.0), Candidate("y", 80, 4.0),
                  Candidate("z", 80, 4.0), Candidate("low", 60)]
    seed = "5e" * 32
    drawn = order(seed, ["x", "y", "z"])
    result = plan(candidates, limits(3, waitlist=2), lottery_order=drawn)
    assert result.lottery is None
    assert result.selected == ("top", *drawn[:2])
    assert result.waitlist == (drawn[2], "low")
    assert result.reasons[drawn[0]] == result.reasons[drawn[1]] == "lottery_won"
    assert result.reasons[drawn[2]] == "lottery_lost"
    assert result.order == ("top", *drawn, "low")


def test_a_tie_that_fits_whole_needs_no_draw():
    result = plan([Candidate("x", 80), Candidate("y", 80)], limits(2))
    assert result.lottery is None
    assert result.selected == ("x", "y")


def test_the_first_award_that_does_not_fit_stops_the_selection():
    candidates = [Candidate("a", 90, award_krw=60 * M), Candidate("b", 85, award_krw=50 * M),
                  Candidate("c", 80, award_krw=10 * M), Candidate("d", 70)]
    result = plan(candidates, limits(3, budget=100 * M, waitlist=3))
    assert result.selected == ("a",)  # c would fit, but may not jump b
    assert result.reasons == {"a": "within_quota", "b": "over_budget", "c": "below_line",
                              "d": "below_line"}
    assert result.waitlist == ("b", "c", "d")
    assert sum(result.awards.values()) <= 100 * M


def test_an_award_above_the_cap_is_cut_to_the_cap_and_none_means_the_cap():
    result = plan([Candidate("a", 90, award_krw=500 * M), Candidate("b", 80), Candidate("c", 70, award_krw=5 * M)],
                  limits(3))
    assert result.awards == {"a": CAP, "b": CAP, "c": 5 * M}


def test_ineligible_candidates_are_skipped_and_ranked_after_all_eligible_ones():
    result = plan([Candidate("dup", 99, eligible=False), Candidate("a", 80), Candidate("b", 70)],
                  limits(1, waitlist=1))
    assert result.selected == ("a",)
    assert result.waitlist == ("b",)
    assert result.reasons["dup"] == "ineligible"
    assert result.ranks == {"a": 1, "b": 2, "dup": 3}
    assert "dup" not in result.order
    assert result.not_selected == ("b", "dup")


def test_no_places_selects_nobody():
    result = plan([Candidate("a", 80)], limits(0, waitlist=1))
    assert result.selected == () and result.cutoff is None
    assert result.waitlist == ("a",)
    assert result.reasons == {"a": "below_line"}


GREY = [
    Candidate("a", 92, interval=(90, 94)),
    Candidate("b", 85, interval=(78, 91)),
    Candidate("c", 84, interval=(80, 88)),   # the last selected by rank (3 places)
    Candidate("d", 83, interval=(79, 86)),   # the next one: line = 83.5
    Candidate("e", 82, interval=(83.5, 83.5)),  # an interval touching the line counts
    Candidate("f", 75, interval=(70, 80)),
]


def test_with_the_lottery_at_the_line_the_grey_zone_is_drawn():
    result = plan(GREY, limits(3, waitlist=3), lottery_at_line=True)
    assert result.lottery == LotteryCall(entrants=("b", "c", "d", "e"), places=2)
    assert result.selected == ("a",)
    assert result.reasons["f"] == "below_line"


def test_grey_zone_winners_are_selected_and_losers_head_the_waitlist_in_draw_order():
    drawn = ["e", "c", "d", "b"]
    result = plan(GREY, limits(3, waitlist=3), lottery_at_line=True, lottery_order=drawn)
    assert result.selected == ("a", "e", "c")
    assert result.waitlist == ("d", "b", "f")
    assert [result.reasons[k] for k in "abcdef"] == [
        "within_quota", "lottery_lost", "lottery_won", "lottery_lost", "lottery_won", "below_line"]
    assert result.ranks["b"] == 2  # ranks are before the draw


def test_without_intervals_the_lottery_at_the_line_changes_nothing():
    plain = [Candidate(c.key, c.score) for c in GREY]
    assert plan(plain, limits(3), lottery_at_line=True) == plan(plain, limits(3))


def test_lottery_order_must_name_every_entrant_once():
    with pytest.raises(ValueError, match="lacks entrants"):
        plan(GREY, limits(3), lottery_at_line=True, lottery_order=["b", "c"])
    with pytest.raises(ValueError, match="twice"):
        plan(GREY, limits(3), lottery_at_line=True, lottery_order=["b", "b", "c", "d", "e"])


@pytest.mark.parametrize(
    "bad",
    [
        [Candidate("a", 1), Candidate("a", 2)],
        [Candidate("", 1)],
        [Candidate("a", float("nan"))],
        [Candidate("a", 1, award_krw=0)],
        [Candidate("a", 1, interval=(5, 4))],
    ],
)
def test_invalid_candidates_are_refused(bad):
    with pytest.raises(ValueError):
        plan(bad, limits(1))


def test_invalid_limits_are_refused():
    with pytest.raises(ValueError, match="cap_krw"):
        plan([], Limits(places=1, cap_krw=0, budget_krw=1))
    with pytest.raises(ValueError, match="places"):
        plan([], Limits(places=-1, cap_krw=1, budget_krw=1))


def test_the_interval_is_mean_plus_minus_z_standard_errors_clipped():
    low, high = interval([80, 90])  # mean 85, sd 7.07, se 5
    assert low == pytest.approx(85 - 1.96 * 5) and high == pytest.approx(85 + 1.96 * 5)
    assert interval([70]) == (70.0, 70.0)
    assert interval([100, 99, 100]) [1] == 100.0
    with pytest.raises(ValueError):
        interval([])


def test_next_offer_offers_the_first_waitlisted_award_that_fits():
    lim = Limits(places=3, cap_krw=CAP, budget_krw=200 * M)
    awards = {"w1": 90 * M, "w2": 40 * M}
    assert next_offer(selected_awards={"a": 100 * M}, pending_awards={"p": 50 * M},
                      waitlist=["w1", "w2"], awards=awards, limits=lim) == "w2"
    assert next_offer(selected_awards={"a": 100 * M, "b": 50 * M}, pending_awards={"p": 10 * M},
                      waitlist=["w1", "w2"], awards=awards, limits=lim) is None  # no place
    assert next_offer(selected_awards={"a": 100 * M}, pending_awards={},
                      waitlist=["a", "w1"], awards=awards, limits=lim) == "w1"
