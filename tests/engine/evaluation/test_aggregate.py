"""aggregate(): hand-worked examples, each with its arithmetic."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from kbridge.engine.evaluation import ScoreInputError, aggregate


def panel(app, scores, start=0):
    """Records for one application scored by evaluators e<start>, e<start+1>, …"""
    return [(app, f"e{start + i}", s) for i, s in enumerate(scores)]


# --- means, trimmed means, spread ---------------------------------------------------------------

def test_five_scores_drop_one_highest_and_one_lowest():
    """60, 70, 80, 90, 100: mean 400/5 = 80; trimmed (70+80+90)/3 = 80.

    sd (n−1) = √((400+100+0+100+400)/4) = √250 ≈ 15.81; range 100 − 60 = 40 ≥ 30: disagreement.
    """
    a = aggregate(panel("A", [60, 70, 80, 90, 100]), {"A": "T"}).application("A")
    assert (a.n, a.mean, a.trimmed_mean, a.trimmed) == (5, 80.0, 80.0, True)
    assert a.sd == pytest.approx(math.sqrt(250))
    assert (a.minimum, a.maximum, a.range, a.disagreement) == (60.0, 100.0, 40.0, True)


def test_trimming_removes_the_outlier():
    """50, 80, 82, 84, 100: mean 396/5 = 79.2; trimmed (80+82+84)/3 = 82."""
    a = aggregate(panel("A", [84, 50, 100, 82, 80]), {"A": "T"}).application("A")
    assert a.mean == pytest.approx(79.2)
    assert a.trimmed_mean == 82.0


def test_fewer_than_five_scores_are_not_trimmed_unless_the_threshold_says_so():
    """50, 80, 82, 84: mean 296/4 = 74 and trimmed = mean; with trim_min_count=4,
    (80+82)/2 = 81."""
    records = panel("A", [50, 80, 82, 84])
    a = aggregate(records, {"A": "T"}).application("A")
    assert (a.trimmed_mean, a.trimmed) == (74.0, False)
    b = aggregate(records, {"A": "T"}, trim_min_count=4).application("A")
    assert (b.trimmed_mean, b.trimmed) == (81.0, True)


def test_one_score():
    """One score: mean = trimmed = the score, range 0, sd undefined (None), no disagreement."""
    a = aggregate([("A", "e", 73.5)], {"A": "T"}).application("A")
    assert (a.n, a.mean, a.trimmed_mean, a.range, a.sd, a.disagreement) == (1, 73.5, 73.5, 0.0, None, False)


def test_disagreement_at_the_threshold_and_below():
    """Range 30 is flagged (≥), 29.99 is not; 90.1 − 60.1 is 29.999999999999993 in binary but
    30.00 on the page, and is flagged."""
    records = panel("A", [60, 90]) + panel("B", [60, 89.99]) + panel("C", [60.1, 90.1])
    run = aggregate(records, {"A": "T", "B": "T", "C": "T"})
    assert [run.application(x).disagreement for x in "ABC"] == [True, False, True]
    off = aggregate(records, {"A": "T", "B": "T", "C": "T"}, disagreement_range=None)
    assert not any(a.disagreement for a in off.applications)


def test_disagreement_on_the_standard_deviation():
    """60, 70, 80: sd (n−1) = √((100+0+100)/2) = 10; range 20 < 30. With disagreement_sd=10 it
    is flagged, with 10.01 not."""
    records = panel("A", [60, 70, 80])
    assert not aggregate(records, {"A": "T"}).application("A").disagreement
    assert aggregate(records, {"A": "T"}, disagreement_sd=10).application("A").disagreement
    assert not aggregate(records, {"A": "T"}, disagreement_sd=10.01).application("A").disagreement


# --- normalisation ------------------------------------------------------------------------------

def test_normalisation_removes_leniency():
    """A lenient evaluator L scores A 95 and B 85; a harsh one H scores C 70 and D 50.

    Raw means rank A 95, B 85, C 70, D 50: 1, 2, 3, 4 — C and D lose for their evaluator.
    z-scores (population sd): L mean 90, sd 5 → A +1, B −1; H mean 60, sd 10 → C +1, D −1.
    Normalised = 50 + 10·z: A 60, B 40, C 60, D 40 → ranks 1, 3, 1, 3 with ties.
    """
    records = [("A", "L", 95), ("B", "L", 85), ("C", "H", 70), ("D", "H", 50)]
    run = aggregate(records, dict.fromkeys("ABCD", "T"))
    assert [run.application(x).ranks.mean for x in "ABCD"] == [1, 2, 3, 4]
    assert [run.application(x).normalised for x in "ABCD"] == [60.0, 40.0, 60.0, 40.0]
    assert [run.application(x).ranks.normalised for x in "ABCD"] == [1, 3, 1, 3]
    assert all(run.application(x).ranks.normalised_tied for x in "ABCD")
    assert [s.z for s in run.application("C").scores] == [1.0]
    assert run.evaluator("H").mean == 60.0 and run.evaluator("H").sd == 10.0


def test_normalised_score_is_the_mean_z_on_the_t_scale():
    """P scores 60, 70, 80 on A, B, C; Q scores 40, 45, 50. Both have z = −√1.5, 0, +√1.5
    (population sd: P √(200/3), Q √(50/3)), so A = 50 − 10·√1.5 ≈ 37.75, B = 50, C ≈ 62.25,
    although the raw means are 50, 57.5 and 65."""
    records = [("A", "P", 60), ("B", "P", 70), ("C", "P", 80),
               ("A", "Q", 40), ("B", "Q", 45), ("C", "Q", 50)]
    run = aggregate(records, dict.fromkeys("ABC", "T"))
    assert run.application("A").normalised == pytest.approx(50 - 10 * math.sqrt(1.5), abs=1e-8)
    assert run.application("B").normalised == 50.0
    assert run.application("C").normalised_z == pytest.approx(math.sqrt(1.5), abs=1e-9)
    assert run.application("A").normalised_n == 2


def test_centre_and_spread_fixed_by_the_caller():
    """With centre 70 and spread 5: A (z = +1) → 75, B (z = −1) → 65."""
    run = aggregate([("A", "L", 95), ("B", "L", 85)], {"A": "T", "B": "T"},
                    normalised_centre=70, normalised_spread=5)
    assert (run.application("A").normalised, run.application("B").normalised) == (75.0, 65.0)


def test_an_evaluator_who_gives_everyone_the_same_score_contributes_z_zero():
    """Z scores 70 on A, B, C (zero spread → z = 0 each); P scores A 60, B 70, C 80
    (z −√1.5, 0, +√1.5). A's mean z = −√1.5/2 → 50 − 5·√1.5 ≈ 43.88."""
    records = [(x, "Z", 70) for x in "ABC"] + [("A", "P", 60), ("B", "P", 70), ("C", "P", 80)]
    run = aggregate(records, dict.fromkeys("ABC", "T"))
    assert run.evaluator("Z").basis == "zero_spread"
    assert run.evaluator("Z").sd == 0.0
    assert {s.z for s in run.application("A").scores if s.evaluator_id == "Z"} == {0.0}
    assert run.application("A").normalised == pytest.approx(50 - 5 * math.sqrt(1.5), abs=1e-8)


def test_an_evaluator_with_one_score_is_left_out_of_the_normalisation():
    """S scored only A (80): no relative information, z = None. A's normalised score comes from
    L alone (z +1 → 60); its mean still counts S: (95 + 80)/2 = 87.5. C was scored by S2 alone
    and has no normalised score and no normalised rank (listed last in the normalised ranking)."""
    records = [("A", "L", 95), ("B", "L", 85), ("A", "S", 80), ("C", "S2", 99)]
    run = aggregate(records, dict.fromkeys("ABC", "T"))
    assert run.evaluator("S").basis == "single_score"
    a, c = run.application("A"), run.application("C")
    assert (a.mean, a.normalised, a.normalised_n) == (87.5, 60.0, 1)
    assert (c.normalised, c.normalised_z, c.ranks.normalised, c.ranks.normalised_tied) == (None, None, None, False)
    assert c.ranks.mean == 1
    assert [r.application_id for r in run.ranking("T")] == ["A", "B", "C"]


def test_the_clamp_binds_only_beyond_five_standard_deviations():
    """E gives 100 to one application and 0 to 30 others: p = 1/31, sd = 100·√(p(1−p)), the top
    z = √((1−p)/p) = √30 ≈ 5.48 → 50 + 54.8 = 104.8, shown as 100; the others
    z = −√(p/(1−p)) ≈ −0.18 → 48.17."""
    records = [("top", "E", 100)] + [(i, "E", 0) for i in range(30)]
    run = aggregate(records, dict.fromkeys(["top", *range(30)], "T"))
    assert run.application("top").normalised_z == pytest.approx(math.sqrt(30), abs=1e-8)
    assert run.application("top").normalised == 100.0
    assert run.application(0).normalised == pytest.approx(50 - 10 / math.sqrt(30), abs=1e-7)


# --- ranks --------------------------------------------------------------------------------------

def test_ranks_per_track_with_ties():
    """Track T: D (90, 90) mean 90; A (80, 90) 85; B (85, 85) 85; E (85, 85.004) 85.002, shown
    85.00; C (70, 70) 70 → ranks D 1, A/B/E 2 (tied), C 5. Track U ranks on its own: F is 1."""
    records = (panel("D", [90, 90]) + panel("A", [80, 90]) + panel("B", [85, 85])
               + panel("E", [85, 85.004]) + panel("C", [70, 70]) + panel("F", [10, 20]))
    tracks = {**dict.fromkeys("ABCDE", "T"), "F": "U"}
    run = aggregate(records, tracks)
    assert {x: run.application(x).ranks.mean for x in "DABEC"} == {"D": 1, "A": 2, "B": 2, "E": 2, "C": 5}
    assert {x: run.application(x).ranks.mean_tied for x in "DABEC"} == {
        "D": False, "A": True, "B": True, "E": True, "C": False}
    assert run.application("F").ranks.mean == 1 and run.application("F").ranks.track_size == 1
    assert run.application("A").ranks.track_size == 5
    assert [a.application_id for a in run.ranking("T", by="mean")] == ["D", "A", "B", "E", "C"]
    assert [a.track_id for a in run.applications] == ["T"] * 5 + ["U"]


def test_trimmed_and_raw_ranks_can_differ():
    """A: 50, 80, 82, 84, 100 → mean 79.2, trimmed 82. B: 80, 80, 80, 80, 80 → 80 and 80.
    Mean ranks B 1, A 2; trimmed ranks A 1, B 2."""
    run = aggregate(panel("A", [50, 80, 82, 84, 100]) + panel("B", [80] * 5), {"A": "T", "B": "T"})
    a, b = run.application("A"), run.application("B")
    assert (a.ranks.mean, b.ranks.mean) == (2, 1)
    assert (a.ranks.trimmed_mean, b.ranks.trimmed_mean) == (1, 2)


def test_an_application_without_scores_is_absent():
    run = aggregate(panel("A", [70]), {"A": "T", "B": "T"})
    assert [a.application_id for a in run.applications] == ["A"]
    with pytest.raises(KeyError):
        run.application("B")


def test_nothing_submitted_yet():
    run = aggregate([], {"A": "T"})
    assert run.applications == () and run.evaluators == ()


# --- evaluators far from the panel --------------------------------------------------------------

FAR = [(1, "X", 60), (2, "X", 65), (3, "X", 70),
       (1, "Y", 80), (2, "Y", 85), (3, "Y", 90),
       (1, "Z", 82), (2, "Z", 83), (3, "Z", 92)]


def test_an_evaluator_far_below_the_others():
    """X against the mean of Y and Z on each application:
    1: 60 − (80+82)/2 = −21;  2: 65 − (85+83)/2 = −19;  3: 70 − (90+92)/2 = −21;  mean −61/3 ≈ −20.33.
    Y: 80−71 = 9, 85−74 = 11, 90−81 = 9 → 29/3 ≈ 9.67.   Z: 12, 8, 12 → 32/3 ≈ 10.67.
    Only X is ≥ 15 points away: "on average 20 points below the others"."""
    run = aggregate(FAR, dict.fromkeys([1, 2, 3], "T"))
    x, y, z = (run.evaluator(e) for e in "XYZ")
    assert x.deviation == pytest.approx(-61 / 3) and x.shared == 3 and x.far
    assert y.deviation == pytest.approx(29 / 3) and not y.far
    assert z.deviation == pytest.approx(32 / 3) and not z.far
    assert [e.evaluator_id for e in run.evaluators] == ["X", "Y", "Z"]


def test_too_few_shared_applications_do_not_make_an_evaluator_far():
    """On applications 1 and 2 only, X is −20 on average but shares 2 < 3 applications."""
    run = aggregate([r for r in FAR if r[0] != 3], dict.fromkeys([1, 2], "T"))
    assert run.evaluator("X").shared == 2 and not run.evaluator("X").far
    assert aggregate([r for r in FAR if r[0] != 3], dict.fromkeys([1, 2], "T"),
                     far_min_shared=2).evaluator("X").far


def test_far_threshold_is_inclusive():
    """X is exactly 15 below Y on three applications: 65−80, 70−85, 75−90 → −15 ≥ 15 away."""
    records = [(i, "X", 65 + 5 * i) for i in range(3)] + [(i, "Y", 80 + 5 * i) for i in range(3)]
    run = aggregate(records, dict.fromkeys(range(3), "T"))
    assert run.evaluator("X").deviation == -15.0 and run.evaluator("X").far
    assert not aggregate(records, dict.fromkeys(range(3), "T"), far_threshold=15.01).evaluator("X").far


def test_an_evaluator_alone_on_their_applications_has_no_deviation():
    run = aggregate([("A", "solo", 50), ("B", "solo", 60)], {"A": "T", "B": "T"})
    assert (run.evaluator("solo").shared, run.evaluator("solo").deviation) == (0, None)


# --- input --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("records", "code"),
    [
        ([("A", "e", float("nan"))], "score_not_finite"),
        ([("A", "e", float("inf"))], "score_not_finite"),
        ([("A", "e", 100.01)], "score_out_of_range"),
        ([("A", "e", -0.5)], "score_out_of_range"),
        ([("A", "e", "80")], "score_not_a_number"),
        ([("A", "e", None)], "score_not_a_number"),
        ([("A", "e", True)], "score_not_a_number"),
        ([("A", "e", 70), ("A", "e", 71)], "duplicate_pair"),
        ([("A", "e")], "bad_record"),
        ([7], "bad_record"),
        ([(["A"], "e", 70)], "unhashable_id"),
        ([("B", "e", 70)], "missing_track"),
    ],
)
def test_bad_records_are_refused_with_a_code(records, code):
    with pytest.raises(ScoreInputError) as caught:
        aggregate(records, {"A": "T"})
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_the_error_names_the_pair():
    with pytest.raises(ValueError, match="evaluator 7 has more than one score for application 3"):
        aggregate([(3, 7, 50), (3, 7, 50)], {3: 1})


@pytest.mark.parametrize(
    "kwargs",
    [{"trim_min_count": 2}, {"trim_min_count": 5.0}, {"far_min_shared": 0},
     {"disagreement_range": 0}, {"disagreement_sd": -1}, {"far_threshold": float("nan")},
     {"normalised_spread": 0}, {"normalised_centre": float("inf")}],
)
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ScoreInputError) as caught:
        aggregate([], {}, **kwargs)
    assert caught.value.code == "bad_parameter"


def test_scores_at_the_bounds_and_decimals_are_accepted():
    """0, 100 and 50.5 (a Decimal from the database): mean 150.5/3 ≈ 50.17."""
    run = aggregate([("A", "e", 0), ("A", "f", Decimal("100")), ("A", "g", Decimal("50.5"))], {"A": "T"})
    assert run.application("A").mean == pytest.approx(150.5 / 3)


def test_to_dict_is_json_ready_and_carries_the_parameters():
    run = aggregate(FAR, dict.fromkeys([1, 2, 3], "T"), far_threshold=20)
    data = json.loads(json.dumps(run.to_dict()))
    assert data["parameters"]["far_threshold"] == 20
    assert data["applications"][0]["ranks"]["track_size"] == 3
    assert data["evaluators"][0] == {"evaluator_id": "X", "n": 3, "mean": 65.0,
                                     "sd": pytest.approx(math.sqrt(50 / 3)), "basis": "scaled",
                                     "shared": 3, "deviation": pytest.approx(-61 / 3), "far": True}
