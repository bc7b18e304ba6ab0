"""Who is selected in a track: rank order, the tie rule, quota, budget, lottery and waitlist.

Pure Python (standard library only), no Django. Interface for the selection app::

    from kbridge.engine.selection import Candidate, Limits, plan, next_offer, interval

    result = plan(
        [Candidate("12", 87.5, tie_score=4.2, interval=interval([85, 90, 88])),
         Candidate("7", 87.5, tie_score=3.9, award_krw=80_000_000),
         Candidate("31", 61.0, eligible=False)],      # duplicate funding: never selected
        Limits(places=10, cap_krw=100_000_000, budget_krw=900_000_000, waitlist_length=5),
        lottery_at_line=False,      # True: SNSF partial randomisation at the funding line
        lottery_order=None,         # the draw's order (kbridge.engine.lottery.order) once drawn
    )
    result.selected, result.awards, result.waitlist, result.reasons, result.ranks
    result.lottery              # LotteryCall(entrants, places) when a draw is still needed
    next_offer(selected_awards={...}, pending_awards={...}, waitlist=[...],
               awards={...}, limits=...)          # the waitlisted key to offer a freed place

Scores are on 0-100, higher is better; money is whole won (KRW). The rules, with their sources,
are in docs/selection.md ("Rules of selection and the lottery") and in :func:`plan`.
Errors: ``ValueError`` naming the offending candidate or limit.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "REASONS",
    "Candidate",
    "Limits",
    "LotteryCall",
    "Plan",
    "interval",
    "next_offer",
    "plan",
]

#: Every reason :func:`plan` may give a key.
REASONS = (
    "within_quota",      # selected by rank, within the places and the budget
    "below_line",        # ranked below the last selected (the waitlist is drawn from these)
    "over_budget",       # its award did not fit in what was left of the budget: selection stops
    "lottery_won",       # drawn in a lottery (a tie at the last place, or the grey zone)
    "lottery_lost",      # not drawn: first onto the waitlist, in draw order
    "ineligible",        # duplicate funding or otherwise ineligible at decision time
    "lottery_pending",   # a draw is needed and has not been made yet
)


@dataclass(frozen=True)
class Candidate:
    """One application of the track.

    ``key``: the application id as a string (non-empty, unique). ``score``: the final score,
    0-100, higher is better. ``tie_score``: the mean level on the call's tie-break criterion,
    higher first; ``None`` (no value) ranks after any value. ``interval``: ``(low, high)`` of the
    score (see :func:`interval`), used only with the lottery at the line; ``None`` counts as
    ``(score, score)``. ``eligible``: ``False`` for duplicate funding or ineligibility at
    decision time. ``award_krw``: the award asked for in won (> 0); ``None`` means the cap.
    """

    key: str
    score: float
    tie_score: float | None = None
    interval: tuple[float, float] | None = None
    eligible: bool = True
    award_krw: int | None = None


@dataclass(frozen=True)
class Limits:
    """The track's limits: ``places`` (quota, >= 0), ``cap_krw`` (per-award cap, > 0),
    ``budget_krw`` (what the track may still award in total, >= 0; the caller folds in the
    program's remaining budget) and ``waitlist_length`` (>= 0)."""

    places: int
    cap_krw: int
    budget_krw: int
    waitlist_length: int = 0


@dataclass(frozen=True)
class LotteryCall:
    """A draw still to be made: ``entrants`` (keys, sorted for publication) compete for
    ``places`` places."""

    entrants: tuple[str, ...]
    places: int


@dataclass(frozen=True)
class Plan:
    """The result of :func:`plan`.

    ``order``: every eligible key, best first, after the tie rule and the draw (if given).
    ``ranks``: competition rank ("1, 2, 2, 4") by (score, tie_score) before any draw; every
    ineligible key gets the rank after all eligible ones. ``selected``: a prefix of ``order``.
    ``awards``: selected key -> award in won, ``min(award_krw or cap, cap)``. ``waitlist``: keys
    in offer order. ``not_selected``: every other key, ineligible ones included. ``reasons``:
    every key -> one of :data:`REASONS`. ``lottery``: the draw still needed, else ``None``.
    ``cutoff``: the lowest score among the selected (``None`` when nobody is).
    """

    order: tuple[str, ...]
    ranks: dict[str, int]
    selected: tuple[str, ...]
    awards: dict[str, int]
    waitlist: tuple[str, ...]
    not_selected: tuple[str, ...]
    reasons: dict[str, str]
    lottery: LotteryCall | None
    cutoff: float | None


# --- input checks ----------------------------------------------------------------------------

def _whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    return value


def _finite(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number; got {value!r}")
    return float(value)


def _check_limits(limits: Limits) -> None:
    _whole(limits.places, "places", 0)
    _whole(limits.cap_krw, "cap_krw", 1)
    _whole(limits.budget_krw, "budget_krw", 0)
    _whole(limits.waitlist_length, "waitlist_length", 0)


def _check_candidates(candidates: Sequence[Candidate]) -> None:
    seen: set[str] = set()
    for c in candidates:
        if not isinstance(c, Candidate):
            raise ValueError(f"expected a Candidate; got {c!r}")
        if not isinstance(c.key, str) or not c.key:
            raise ValueError(f"a candidate's key must be a non-empty string; got {c.key!r}")
        if c.key in seen:
            raise ValueError(f"the candidate {c.key!r} appears twice")
        seen.add(c.key)
        _finite(c.score, f"the score of {c.key!r}")
        if c.tie_score is not None:
            _finite(c.tie_score, f"the tie score of {c.key!r}")
        if c.interval is not None:
            if len(c.interval) != 2:
                raise ValueError(f"the interval of {c.key!r} must be (low, high)")
            low = _finite(c.interval[0], f"the interval of {c.key!r}")
            high = _finite(c.interval[1], f"the interval of {c.key!r}")
            if low > high:
                raise ValueError(f"the interval of {c.key!r} has low > high ({low} > {high})")
        if c.award_krw is not None:
            _whole(c.award_krw, f"the award of {c.key!r}", 1)


def award_of(award_krw: int | None, cap_krw: int) -> int:
    """The award in won: what was asked for (``None``: the cap), never above the cap."""
    return cap_krw if award_krw is None else min(award_krw, cap_krw)


# --- the interval ----------------------------------------------------------------------------

def interval(totals: Sequence[float], z: float = 1.96) -> tuple[float, float]:
    """``(low, high)``: mean ± z·sd/√n of the evaluators' totals (0-100), clipped to [0, 100].

    ``sd`` is the sample standard deviation (n − 1); one total gives ``(t, t)``. The default
    z = 1.96 is a 95 % normal interval of the mean. It is a simple stand-in for the Bayesian
    interval of the SNSF's method (Heyard et al. 2022, docs/selection.md).
    Errors: ``ValueError`` for no totals, a non-finite total or a negative z.
    """
    values = [_finite(t, "a total") for t in totals]
    if not values:
        raise ValueError("an interval needs at least one total")
    z = _finite(z, "z")
    if z < 0:
        raise ValueError(f"z must be >= 0; got {z}")
    mean = statistics.fmean(values)
    half = 0.0 if len(values) == 1 else z * statistics.stdev(values) / math.sqrt(len(values))
    return (min(100.0, max(0.0, mean - half)), min(100.0, max(0.0, mean + half)))


# --- the plan --------------------------------------------------------------------------------

def _rank_key(c: Candidate) -> tuple[float, int, float]:
    """Smaller is better: score desc, then tie_score desc with None after any value."""
    has_tie = c.tie_score is not None
    return (-c.score, 0 if has_tie else 1, -(c.tie_score or 0.0) if has_tie else 0.0)


def _tie_groups(ranked: list[Candidate]) -> list[list[Candidate]]:
    groups: list[list[Candidate]] = []
    for c in ranked:
        if groups and _rank_key(groups[-1][0]) == _rank_key(c):
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _lottery_sequence(group: list[Candidate], lottery_order: Sequence[str]) -> list[Candidate]:
    position: dict[str, int] = {}
    for i, key in enumerate(lottery_order):
        if key in position:
            raise ValueError(f"lottery_order names {key!r} twice")
        position[key] = i
    missing = sorted(c.key for c in group if c.key not in position)
    if missing:
        raise ValueError("lottery_order lacks entrants of the draw: " + ", ".join(missing))
    return sorted(group, key=lambda c: position[c.key])


class _Walk:
    """Selection in a given order: take while places remain and the award fits; the first
    candidate whose award does not fit stops it (no lower-ranked, cheaper one jumps it)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.places = limits.places
        self.budget = limits.budget_krw
        self.selected: list[Candidate] = []
        self.stopped_by: Candidate | None = None
        self.open = limits.places > 0

    def award(self, c: Candidate) -> int:
        return award_of(c.award_krw, self.limits.cap_krw)

    def fits_all(self, group: list[Candidate]) -> bool:
        return len(group) <= self.places and sum(map(self.award, group)) <= self.budget

    def any_fits(self, group: list[Candidate]) -> bool:
        return self.places > 0 and any(self.award(c) <= self.budget for c in group)

    def offer(self, c: Candidate) -> bool:
        if not self.open:
            return False
        if self.award(c) > self.budget:
            self.open, self.stopped_by = False, c
            return False
        self.selected.append(c)
        self.places -= 1
        self.budget -= self.award(c)
        if self.places == 0:
            self.open = False
        return True


def plan(
    candidates: Sequence[Candidate],
    limits: Limits,
    *,
    lottery_at_line: bool = False,
    lottery_order: Sequence[str] | None = None,
) -> Plan:
    """Select within the track's quota and budget, in rank order, breaking ties as the call says.

    1. Ineligible candidates are set aside (reason ``ineligible``). Eligible ones are ranked by
       score (higher first), then ``tie_score`` (higher first, ``None`` last); those still equal
       form a tie group.
    2. Walking down, a candidate is selected while places remain and its award fits in what is
       left of the budget; the first whose award does not fit stops the selection (reason
       ``over_budget``): no lower-ranked, cheaper application jumps it.
    3. A tie group that cannot be taken whole where the line falls (more members than places
       left, or not all their awards fit) while at least one could be taken is decided by lot:
       with ``lottery_order`` the group is walked in that order as in 2 (winners ``lottery_won``,
       the one whose award stops the walk ``over_budget``, the others ``lottery_lost``); without it, :attr:`Plan.lottery` names the group and the places
       left, its members are ``lottery_pending`` and the waitlist is left empty until the draw.
    4. With ``lottery_at_line`` (the SNSF partial randomisation, Heyard et al. 2022): the line
       value is the midpoint between the scores of the last candidate selected by rank and the
       next eligible one; every eligible candidate whose interval contains it is in the grey
       zone; candidates outside it scoring above the line are selected; the places (and budget)
       left are drawn among the grey zone as in 3. When the grey zone is empty, or fits whole,
       nobody is drawn.
    5. The waitlist is the next ``waitlist_length`` eligible keys after the selected, in order
       (lottery losers first, in draw order); every other eligible key is ``below_line``.

    ``len(selected) <= places`` and ``sum(awards) <= budget_krw`` always hold. The result is a
    function of the inputs only (ties within a group are listed by key until drawn).
    Errors: ``ValueError`` for invalid candidates or limits, or a ``lottery_order`` that repeats
    a key or lacks a key of the group it must decide.
    """
    _check_limits(limits)
    _check_candidates(candidates)
    eligible = sorted((c for c in candidates if c.eligible), key=lambda c: (_rank_key(c), c.key))
    ineligible = sorted(c.key for c in candidates if not c.eligible)

    ranks: dict[str, int] = {}
    for i, c in enumerate(eligible):
        previous = eligible[i - 1] if i else None
        ranks[c.key] = ranks[previous.key] if previous and _rank_key(previous) == _rank_key(c) else i + 1
    for key in ineligible:
        ranks[key] = len(eligible) + 1

    if lottery_at_line:
        ordered, walk, reasons, pending = _plan_grey_zone(eligible, limits, lottery_order)
    else:
        ordered, walk, reasons, pending = _plan_by_rank(eligible, limits, lottery_order)

    selected = tuple(c.key for c in walk.selected)
    chosen = set(selected)
    rest = [c.key for c in ordered if c.key not in chosen and reasons.get(c.key) != "lottery_pending"]
    waitlist = () if pending else tuple(rest[: limits.waitlist_length])
    for key in rest:
        reasons.setdefault(key, "below_line")
    for c in walk.selected:
        reasons.setdefault(c.key, "within_quota")
    for key in ineligible:
        reasons[key] = "ineligible"
    return Plan(
        order=tuple(c.key for c in ordered),
        ranks=ranks,
        selected=selected,
        awards={c.key: walk.award(c) for c in walk.selected},
        waitlist=waitlist,
        not_selected=tuple(c.key for c in ordered if c.key not in chosen) + tuple(ineligible),
        reasons=reasons,
        lottery=pending,
        cutoff=min((c.score for c in walk.selected), default=None),
    )


def _draw_group(
    walk: _Walk,
    group: list[Candidate],
    lottery_order: Sequence[str] | None,
    reasons: dict[str, str],
) -> tuple[list[Candidate], LotteryCall | None]:
    """Decide ``group`` by lot in ``walk``; returns the group in its final order and the call."""
    if lottery_order is None:
        for c in group:
            reasons[c.key] = "lottery_pending"
        call = LotteryCall(tuple(sorted(c.key for c in group)), walk.places)
        walk.open = False  # nobody below the draw is selected before it
        return group, call
    drawn = _lottery_sequence(group, lottery_order)
    for c in drawn:
        won = walk.offer(c)
        reasons[c.key] = ("lottery_won" if won
                          else "over_budget" if walk.stopped_by is c else "lottery_lost")
    walk.open = False  # a group drawn at the line ends the selection
    return drawn, None


def _plan_by_rank(
    eligible: list[Candidate], limits: Limits, lottery_order: Sequence[str] | None
) -> tuple[list[Candidate], _Walk, dict[str, str], LotteryCall | None]:
    walk, reasons = _Walk(limits), {}
    ordered: list[Candidate] = []
    pending: LotteryCall | None = None
    for group in _tie_groups(eligible):
        if walk.open and len(group) > 1 and not walk.fits_all(group) and walk.any_fits(group):
            group, pending = _draw_group(walk, group, lottery_order, reasons)
        else:
            for c in group:
                if not walk.offer(c) and walk.stopped_by is c:
                    reasons[c.key] = "over_budget"
        ordered.extend(group)
    return ordered, walk, reasons, pending


def _plan_grey_zone(
    eligible: list[Candidate], limits: Limits, lottery_order: Sequence[str] | None
) -> tuple[list[Candidate], _Walk, dict[str, str], LotteryCall | None]:
    by_rank = _Walk(limits)
    for c in eligible:
        if not by_rank.offer(c) and not by_rank.open:
            break
    if not by_rank.selected or len(by_rank.selected) == len(eligible):
        return _plan_by_rank(eligible, limits, lottery_order)
    last = by_rank.selected[-1]
    following = eligible[eligible.index(last) + 1]
    line = (last.score + following.score) / 2

    def low_high(c: Candidate) -> tuple[float, float]:
        return c.interval if c.interval is not None else (c.score, c.score)

    grey = [c for c in eligible if low_high(c)[0] <= line <= low_high(c)[1]]
    if not grey:
        return _plan_by_rank(eligible, limits, lottery_order)
    in_grey = {c.key for c in grey}
    above = [c for c in eligible if c.key not in in_grey and c.score > line]
    below = [c for c in eligible if c.key not in in_grey and c.score <= line]

    walk, reasons = _Walk(limits), {}
    pending: LotteryCall | None = None
    for c in above:  # a subset of those selected by rank: they fit
        walk.offer(c)
    if walk.open and not walk.fits_all(grey) and walk.any_fits(grey):
        grey, pending = _draw_group(walk, grey, lottery_order, reasons)
    else:
        for c in grey:
            if not walk.offer(c) and walk.stopped_by is c:
                reasons[c.key] = "over_budget"
    for c in below:
        if not walk.offer(c) and walk.stopped_by is c:
            reasons[c.key] = "over_budget"
    return above + grey + below, walk, reasons, pending


# --- the waitlist ----------------------------------------------------------------------------

def next_offer(
    *,
    selected_awards: Mapping[str, int],
    pending_awards: Mapping[str, int],
    waitlist: Sequence[str],
    awards: Mapping[str, int],
    limits: Limits,
) -> str | None:
    """The waitlisted key to offer a freed place, or ``None`` when no place or nothing fits.

    ``selected_awards`` / ``pending_awards``: key -> award (won) of the selected and of the open
    offers. A place is free when ``places - len(selected) - len(pending) > 0``; the budget left is
    ``budget_krw - sum(selected) - sum(pending)``. The first key of ``waitlist`` that is neither
    selected nor pending and whose award (``awards[key]``, a missing key meaning the cap, never
    above the cap) fits in the budget left is returned; a key that does not fit is passed over.
    Errors: ``ValueError`` for invalid limits.
    """
    _check_limits(limits)
    places_left = limits.places - len(selected_awards) - len(pending_awards)
    if places_left <= 0:
        return None
    budget_left = (limits.budget_krw - sum(selected_awards.values())
                   - sum(pending_awards.values()))
    for key in waitlist:
        if key in selected_awards or key in pending_awards:
            continue
        if award_of(awards.get(key), limits.cap_krw) <= budget_left:
            return key
    return None
