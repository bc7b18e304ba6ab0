"""Properties of the selection rules that hold for any candidates and limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.engine.lottery import order
from kbridge.engine.selection import REASONS, Candidate, Limits, next_offer, plan

CAP = 100


@st.composite
def candidates(draw):
    keys = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=3), unique=True, max_size=14))
    out = []
    for key in keys:
        score = draw(st.sampled_from([50.0, 60.0, 70.0, 75.0, 80.0, 90.0]))  # ties are common
        low = draw(st.floats(0, 100))
        out.append(Candidate(
            key=key,
            score=score,
            tie_score=draw(st.none() | st.sampled_from([3.0, 4.0])),
            interval=draw(st.none() | st.floats(0, 100).map(lambda h, low=low: (min(low, h), max(low, h)))),
            eligible=draw(st.booleans() | st.just(True)),
            award_krw=draw(st.none() | st.integers(1, 2 * CAP)),
        ))
    return out


limits_st = st.builds(
    Limits,
    places=st.integers(0, 8),
    cap_krw=st.just(CAP),
    budget_krw=st.integers(0, 900),
    waitlist_length=st.integers(0, 6),
)


def seeded_order(result, seed):
    return order(seed, result.lottery.entrants) if result.lottery else None


@settings(max_examples=300, derandomize=True, deadline=None)  # no timing: CI is loaded
@given(candidates(), limits_st, st.booleans(), st.binary(min_size=32, max_size=32).map(bytes.hex))
def test_any_plan_respects_quota_budget_and_gives_every_key_a_reason(cands, lim, grey, seed):
    first = plan(cands, lim, lottery_at_line=grey)
    drawn = seeded_order(first, seed)
    for result in (first, plan(cands, lim, lottery_at_line=grey, lottery_order=drawn)):
        assert len(result.selected) <= lim.places
        assert sum(result.awards.values()) <= lim.budget_krw
        assert set(result.awards) == set(result.selected)
        assert all(award <= CAP for award in result.awards.values())
        assert not set(result.selected) & set(result.waitlist)
        assert len(result.waitlist) <= lim.waitlist_length
        assert set(result.reasons) == {c.key for c in cands}
        assert set(result.reasons.values()) <= set(REASONS)
        assert set(result.ranks) == {c.key for c in cands}
        assert result.selected == result.order[: len(result.selected)]
        assert set(result.selected) | set(result.not_selected) == {c.key for c in cands}
        assert all(c.key not in result.selected for c in cands if not c.eligible)
    decided = plan(cands, lim, lottery_at_line=grey, lottery_order=drawn)
    assert decided.lottery is None
    assert "lottery_pending" not in decided.reasons.values()


@given(candidates(), limits_st, st.booleans(), st.randoms())
def test_plan_is_deterministic_whatever_the_input_order(cands, lim, grey, rnd):
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert plan(shuffled, lim, lottery_at_line=grey) == plan(cands, lim, lottery_at_line=grey)


@given(candidates(), limits_st)
def test_without_ties_or_budget_limits_the_top_scores_are_selected(cands, lim):
    lim = Limits(lim.places, CAP, budget_krw=CAP * 20, waitlist_length=lim.waitlist_length)
    result = plan(cands, lim)
    if result.lottery is None:
        chosen = {c.key: c for c in cands if c.key in result.selected}
        others = [c for c in cands if c.eligible and c.key not in chosen]
        if chosen and others:
            assert min(c.score for c in chosen.values()) >= max(c.score for c in others)


@st.composite
def waitlist_story(draw):
    """A plan, then a random sequence of events on it."""
    cands = draw(candidates())
    lim = draw(limits_st)
    result = plan(cands, lim, lottery_order=sorted(c.key for c in cands))
    events = draw(st.lists(st.tuples(st.sampled_from(["drop", "decline", "accept"]),
                                     st.integers(0, 20)), max_size=25))
    awards = {c.key: (c.award_krw or CAP) for c in cands}
    return result, lim, events, awards


@settings(max_examples=300, derandomize=True, deadline=None)  # no timing: CI is loaded
@given(waitlist_story())
def test_offers_after_any_drop_outs_never_exceed_quota_or_budget(story):
    result, lim, events, awards = story
    selected = dict(result.awards)
    pending: dict[str, int] = {}
    waitlist = list(result.waitlist)

    def offer():
        key = next_offer(selected_awards=selected, pending_awards=pending, waitlist=waitlist,
                         awards=awards, limits=lim)
        if key is not None:
            waitlist.remove(key)
            pending[key] = min(awards[key], CAP)

    for kind, index in events:
        if kind == "drop" and selected:
            del selected[sorted(selected)[index % len(selected)]]
            offer()
        elif kind == "decline" and pending:
            del pending[sorted(pending)[index % len(pending)]]
            offer()
        elif kind == "accept" and pending:
            key = sorted(pending)[index % len(pending)]
            selected[key] = pending.pop(key)
        assert len(selected) + len(pending) <= lim.places
        assert sum(selected.values()) + sum(pending.values()) <= lim.budget_krw
        assert not set(selected) & set(pending)
