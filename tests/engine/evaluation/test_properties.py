"""Properties of aggregate() on random small runs (hypothesis).

* the normalised scores, their ranks and tie flags do not move when one evaluator's scores are
  shifted (x + c) or scaled (a·x, a > 0) — the point of per-evaluator normalisation;
* the trimmed mean lies between the lowest and highest score;
* every rank is a valid competition rank of the 2-decimal values within the track;
* the order of the records changes nothing.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.engine.evaluation import MEASURES, aggregate, weighted_total

settings.register_profile("evaluation", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("evaluation")

scores = st.one_of(st.integers(0, 100), st.integers(0, 200).map(lambda v: v / 2),
                   st.floats(0, 100, allow_nan=False))


@st.composite
def runs(draw: st.DrawFn) -> tuple[list[tuple[int, str, float]], dict[int, str]]:
    """1–8 applications in 1–2 tracks, 1–6 evaluators, each application scored by 1+ of them."""
    n_apps = draw(st.integers(1, 8))
    n_evals = draw(st.integers(1, 6))
    records = []
    for app in range(n_apps):
        who = draw(st.lists(st.integers(0, n_evals - 1), min_size=1, max_size=n_evals, unique=True))
        records += [(app, f"e{e}", draw(scores)) for e in who]
    tracks = {app: draw(st.sampled_from("TU")) for app in range(n_apps)}
    return records, tracks


def normalised_view(run):
    return {a.application_id: (a.normalised, a.ranks.normalised, a.ranks.normalised_tied)
            for a in run.applications}


@given(runs(), st.data())
def test_shifting_or_scaling_one_evaluator_leaves_normalised_scores_and_ranks_unchanged(run, data):
    """Map one evaluator's scores by x → a·x + c (a > 0), onto a random interval inside 0–100."""
    records, tracks = run
    evaluator = data.draw(st.sampled_from(sorted({e for _, e, _ in records})))
    own = [s for _, e, s in records if e == evaluator]
    lo, hi = min(own), max(own)
    new_lo = data.draw(st.floats(0, 99))
    new_hi = data.draw(st.floats(new_lo + 0.5, 100)) if hi > lo else new_lo
    a = (new_hi - new_lo) / (hi - lo) if hi > lo else 1.0
    c = new_lo - a * lo
    moved = [(x, e, min(100.0, max(0.0, a * s + c)) if e == evaluator else s) for x, e, s in records]

    before, after = aggregate(records, tracks), aggregate(moved, tracks)
    for app, (value, rank, tied) in normalised_view(before).items():
        value2, rank2, tied2 = normalised_view(after)[app]
        assert (value is None) == (value2 is None)
        if value is not None:
            assert abs(value - value2) < 1e-6
        assert (rank, tied) == (rank2, tied2)
    assert [e.basis for e in before.evaluators] == [e.basis for e in after.evaluators]


@given(runs(), st.integers(3, 6))
def test_trimmed_mean_lies_between_the_lowest_and_highest_score(run, trim_min_count):
    records, tracks = run
    for a in aggregate(records, tracks, trim_min_count=trim_min_count).applications:
        assert a.minimum - 1e-9 <= a.trimmed_mean <= a.maximum + 1e-9
        assert a.minimum - 1e-9 <= a.mean <= a.maximum + 1e-9
        assert a.trimmed == (a.n >= trim_min_count)
        if not a.trimmed:
            assert a.trimmed_mean == a.mean


@given(runs())
def test_ranks_are_competition_ranks_of_the_shown_values(run):
    records, tracks = run
    result = aggregate(records, tracks)
    for a in result.applications:
        peers = [b for b in result.applications if b.track_id == a.track_id]
        assert a.ranks.track_size == len(peers)
        for measure in MEASURES:
            mine = a.value(measure)
            if mine is None:
                assert a.ranks.of(measure) is None and not a.ranks.tied(measure)
                continue
            shown = [round(b.value(measure), 2) for b in peers if b.value(measure) is not None]
            assert a.ranks.of(measure) == 1 + sum(v > round(mine, 2) for v in shown)
            assert a.ranks.tied(measure) == (shown.count(round(mine, 2)) > 1)


@given(runs(), st.randoms(use_true_random=False))
def test_record_order_changes_nothing(run, rng: random.Random):
    records, tracks = run
    shuffled = list(records)
    rng.shuffle(shuffled)
    assert aggregate(shuffled, tracks).to_dict() == aggregate(records, tracks).to_dict()


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 5), min_size=1),
       st.floats(0.01, 100), st.data())
def test_weighted_total_is_on_0_100_and_ignores_the_unit_of_the_weights(levels, factor, data):
    weights = {c: data.draw(st.integers(1, 40)) for c in levels}
    total = weighted_total(levels, weights, 1, 5)
    assert 0.0 <= total <= 100.0
    scaled = weighted_total(levels, {c: w * factor for c, w in weights.items()}, 1, 5)
    assert abs(total - scaled) < 1e-9
