"""Aggregation and calibration of evaluators' scores: one call, frozen results.

Input: score records ``(application_id, evaluator_id, score)``, one per submitted scoresheet
(``score`` is its weighted total on 0–100, see :func:`.scoresheet.weighted_total`), and a
mapping application_id → track_id. Ids are any hashable values (ints, strings).

Per application (only applications with at least one score appear):

* ``n``, ``mean``, ``minimum``, ``maximum``, ``range`` (max − min; 0 for one score) and ``sd``,
  the sample standard deviation (divisor n − 1; None for one score), all in score points;
* ``trimmed_mean``: with at least ``trim_min_count`` scores (default 5), the mean after dropping
  ONE highest and ONE lowest score; with fewer, the mean (``trimmed`` says which). This is the
  rule of the real program's panels (issue 13, item 7: panels of five or more evaluators, see
  docs/evaluation-aggregation.md);
* ``normalised``: the per-evaluator calibrated score (below), or None;
* ``disagreement``: True when at least two scores differ widely: ``range`` ≥
  ``disagreement_range`` (default 30 points) or, if given, ``sd`` ≥ ``disagreement_sd``
  (default off). Both defaults are a program policy, not a statistical constant;
* ``ranks`` within the application's track for the mean, the trimmed mean and the normalised
  score: competition ranks with ties on the 2-decimal value (:mod:`.ranking`);
* ``scores``: each evaluator's score and z-score, ordered by evaluator id.

Per evaluator: ``n``, ``mean`` and ``sd`` (population, divisor n) of their scores in this run,
the ``basis`` of their z-scores, and how far they sit from their co-evaluators: ``deviation`` is
the mean over the applications they share with at least one other evaluator (``shared``) of
(their score − the mean of the others' scores on that application), in points, negative when
they score lower. ``far`` is True when ``shared`` ≥ ``far_min_shared`` (default 3) and
``|deviation|`` ≥ ``far_threshold`` (default 15 points), so the page can say "on average
18 points below the other evaluators on the same applications".

Thresholds are compared with values rounded to 2 decimals, as shown (90.1 − 60.1 is a range of
30.00 on the page, 29.999999999999993 in binary floating point, and counts as 30).

Per-evaluator normalisation
---------------------------
Evaluators differ in leniency (where their scores sit) and in spread (how much of the scale
they use). Model each evaluator's score as an increasing affine function of a common merit,
``x_ea = α_e · q_a + β_e`` with ``α_e > 0`` — the linear reviewer model of Roos, Rothe and
Scheuermann, "How to Calibrate the Scores of Biased Reviewers by Quadratic Programming",
AAAI 2011. Standardising each evaluator's scores with their own mean and standard deviation
removes ``α_e`` and ``β_e`` exactly (the classical z-score). We use this closed form, not their
quadratic program, because a panel member can check it by hand; the cost is the caveat Roos et
al. illustrate: it assumes each evaluator's set of applications is comparable (an evaluator
given only strong applications looks harsh). With the assignment engine's balanced, randomised
assignment and panels that score every application of the panel, that assumption is closest to
holding.

* ``z_ea = (x_ea − mean_e) / sd_e`` with the evaluator's mean and population sd over all
  applications they scored in the run, rounded to 9 decimals (float noise of order 1e-15 from
  rescaled inputs then never changes a tie);
* an evaluator with zero spread (two or more scores, all equal) gets ``z = 0``: they ranked
  their applications equal, so each sits at their own average (``basis = "zero_spread"``);
* an evaluator with a single score carries no relative information and is left out of the
  normalisation (``z = None``, ``basis = "single_score"``); their raw score still counts in the
  mean and trimmed mean;
* the application's mean z over the evaluators who have one is mapped back onto the score scale
  as ``normalised = centre + spread · mean_z`` (defaults 50 and 10), clamped to [0, 100]; an
  application whose evaluators all have a single score has ``normalised = None`` and no
  normalised rank.

Why a fixed centre and spread and not the pool's mean and sd: the normalised score must not
move when one evaluator's scores are shifted (x + c) or scaled (a·x, a > 0). The z-scores are
invariant, but any statistic of the raw pool (its mean, its sd, the median of evaluators'
means) moves with that evaluator, so mapping back with it would move every application's
normalised score. The fixed scale is the T-score convention of psychometrics (mean 50, sd 10;
W. A. McCall, *How to Measure in Education*, 1922): 50 reads "as this application's evaluators
score their average application", 60 "one standard deviation above". The clamp binds only
beyond ±5 standard deviations. A caller that wants the scale of its own programme may pass a
centre and spread fixed in advance (e.g. from a previous call), never ones computed from this
run.

Results are independent of record order (sums are exactly rounded with ``math.fsum``) and every
result is a frozen dataclass with ``to_dict()``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ScoreInputError
from .ranking import TIE_DECIMALS, competition_ranks
from .scoresheet import as_number

Measure = Literal["mean", "trimmed_mean", "normalised"]
MEASURES: tuple[Measure, ...] = ("mean", "trimmed_mean", "normalised")
Z_DECIMALS = 9


def id_sort_key(value: Hashable) -> tuple[str, Any]:
    """A total order on ids of mixed types: by type name, then value (repr if unorderable)."""
    if isinstance(value, int | float | str | bytes):
        return (type(value).__name__, value)
    return (type(value).__name__, repr(value))


@dataclass(frozen=True)
class Parameters:
    """The rules one aggregation ran with (stored with a run so it can be repeated)."""

    trim_min_count: int = 5
    disagreement_range: float | None = 30.0
    disagreement_sd: float | None = None
    far_threshold: float = 15.0
    far_min_shared: int = 3
    normalised_centre: float = 50.0
    normalised_spread: float = 10.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "trim_min_count": self.trim_min_count, "disagreement_range": self.disagreement_range,
            "disagreement_sd": self.disagreement_sd, "far_threshold": self.far_threshold,
            "far_min_shared": self.far_min_shared, "normalised_centre": self.normalised_centre,
            "normalised_spread": self.normalised_spread,
        }


@dataclass(frozen=True)
class ScoreEntry:
    """One evaluator's score on one application, and its z-score (None: single-score evaluator)."""

    evaluator_id: Hashable
    score: float
    z: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"evaluator_id": self.evaluator_id, "score": self.score, "z": self.z}


@dataclass(frozen=True)
class Ranks:
    """Ranks within the track (1 = best; competition ranking, ties on 2-decimal values).

    ``track_size`` is the number of applications with scores in the track; the normalised rank
    is None when the application has no normalised score.
    """

    mean: int
    mean_tied: bool
    trimmed_mean: int
    trimmed_mean_tied: bool
    normalised: int | None
    normalised_tied: bool
    track_size: int

    def of(self, measure: Measure) -> int | None:
        return {"mean": self.mean, "trimmed_mean": self.trimmed_mean,
                "normalised": self.normalised}[measure]

    def tied(self, measure: Measure) -> bool:
        return {"mean": self.mean_tied, "trimmed_mean": self.trimmed_mean_tied,
                "normalised": self.normalised_tied}[measure]

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "mean_tied": self.mean_tied,
                "trimmed_mean": self.trimmed_mean, "trimmed_mean_tied": self.trimmed_mean_tied,
                "normalised": self.normalised, "normalised_tied": self.normalised_tied,
                "track_size": self.track_size}


@dataclass(frozen=True)
class ApplicationResult:
    """Everything the ranking page shows for one application; scores in points on 0–100."""

    application_id: Hashable
    track_id: Hashable
    n: int
    mean: float
    trimmed_mean: float
    trimmed: bool
    minimum: float
    maximum: float
    range: float
    sd: float | None
    normalised: float | None
    normalised_z: float | None
    normalised_n: int
    disagreement: bool
    ranks: Ranks
    scores: tuple[ScoreEntry, ...]

    def value(self, measure: Measure) -> float | None:
        return {"mean": self.mean, "trimmed_mean": self.trimmed_mean,
                "normalised": self.normalised}[measure]

    def to_dict(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id, "track_id": self.track_id, "n": self.n,
            "mean": self.mean, "trimmed_mean": self.trimmed_mean, "trimmed": self.trimmed,
            "minimum": self.minimum, "maximum": self.maximum, "range": self.range, "sd": self.sd,
            "normalised": self.normalised, "normalised_z": self.normalised_z,
            "normalised_n": self.normalised_n, "disagreement": self.disagreement,
            "ranks": self.ranks.to_dict(), "scores": [s.to_dict() for s in self.scores],
        }


@dataclass(frozen=True)
class EvaluatorResult:
    """One evaluator in this run: their scale, and how far they sit from their co-evaluators.

    ``basis``: "scaled" (z-scores with their own mean and sd), "zero_spread" (all scores equal,
    z = 0) or "single_score" (left out of the normalisation). ``deviation`` is in points
    (negative = lower than the others), None when they share no application; ``shared`` counts
    the applications with at least one other evaluator.
    """

    evaluator_id: Hashable
    n: int
    mean: float
    sd: float
    basis: Literal["scaled", "zero_spread", "single_score"]
    shared: int
    deviation: float | None
    far: bool

    def to_dict(self) -> dict[str, Any]:
        return {"evaluator_id": self.evaluator_id, "n": self.n, "mean": self.mean, "sd": self.sd,
                "basis": self.basis, "shared": self.shared, "deviation": self.deviation,
                "far": self.far}


@dataclass(frozen=True)
class Aggregation:
    """Result of :func:`aggregate`. ``applications`` ordered by track (in the order of the
    ``tracks`` mapping), then normalised rank, trimmed-mean rank, mean rank and id;
    ``evaluators`` ordered by id."""

    applications: tuple[ApplicationResult, ...]
    evaluators: tuple[EvaluatorResult, ...]
    parameters: Parameters
    _by_application: dict[Hashable, ApplicationResult] = field(
        init=False, repr=False, compare=False, hash=False)
    _by_evaluator: dict[Hashable, EvaluatorResult] = field(
        init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_application", {a.application_id: a for a in self.applications})
        object.__setattr__(self, "_by_evaluator", {e.evaluator_id: e for e in self.evaluators})

    def application(self, application_id: Hashable) -> ApplicationResult:
        """The result for one application; KeyError if it had no scores."""
        return self._by_application[application_id]

    def evaluator(self, evaluator_id: Hashable) -> EvaluatorResult:
        """The result for one evaluator; KeyError if they scored nothing."""
        return self._by_evaluator[evaluator_id]

    def ranking(self, track_id: Hashable, by: Measure = "normalised") -> tuple[ApplicationResult, ...]:
        """The track's applications best first by one measure; unranked (None) last, then by id."""
        if by not in MEASURES:
            raise ValueError(f"unknown measure {by!r}; one of {', '.join(MEASURES)}")
        rows = [a for a in self.applications if a.track_id == track_id]
        return tuple(sorted(rows, key=lambda a: (a.ranks.of(by) is None, a.ranks.of(by) or 0,
                                                 id_sort_key(a.application_id))))

    def to_dict(self) -> dict[str, Any]:
        return {"applications": [a.to_dict() for a in self.applications],
                "evaluators": [e.to_dict() for e in self.evaluators],
                "parameters": self.parameters.to_dict()}


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def _check_parameters(p: Parameters) -> None:
    def bad(name: str, expected: str) -> ScoreInputError:
        return ScoreInputError("bad_parameter", name=name, value=getattr(p, name), expected=expected)

    def positive(value: object) -> bool:
        number = as_number(value)
        return number is not None and math.isfinite(number) and number > 0

    if isinstance(p.trim_min_count, bool) or not isinstance(p.trim_min_count, int) or p.trim_min_count < 3:
        raise bad("trim_min_count", "an integer ≥ 3 (trimming removes two scores)")
    if isinstance(p.far_min_shared, bool) or not isinstance(p.far_min_shared, int) or p.far_min_shared < 1:
        raise bad("far_min_shared", "an integer ≥ 1")
    for name in ("disagreement_range", "disagreement_sd"):
        if getattr(p, name) is not None and not positive(getattr(p, name)):
            raise bad(name, "a number > 0, or None to switch the check off")
    threshold = as_number(p.far_threshold)
    if threshold is None or not math.isfinite(threshold) or threshold < 0:
        raise bad("far_threshold", "a number ≥ 0")
    centre = as_number(p.normalised_centre)
    if centre is None or not math.isfinite(centre):
        raise bad("normalised_centre", "a finite number")
    if not positive(p.normalised_spread):
        raise bad("normalised_spread", "a number > 0")


def _read_records(
    records: Iterable[tuple[Hashable, Hashable, float]],
) -> dict[Hashable, dict[Hashable, float]]:
    """application → evaluator → score, validated."""
    by_application: dict[Hashable, dict[Hashable, float]] = {}
    for index, record in enumerate(records):
        try:
            application, evaluator, raw = record
        except (TypeError, ValueError):
            raise ScoreInputError("bad_record", index=index) from None
        try:
            hash(application), hash(evaluator)
        except TypeError:
            raise ScoreInputError("unhashable_id", index=index) from None
        score = as_number(raw)
        if score is None:
            raise ScoreInputError("score_not_a_number", application=application, evaluator=evaluator)
        if not math.isfinite(score):
            raise ScoreInputError("score_not_finite", application=application, evaluator=evaluator)
        if not 0.0 <= score <= 100.0:
            raise ScoreInputError("score_out_of_range", application=application,
                                  evaluator=evaluator, score=raw)
        row = by_application.setdefault(application, {})
        if evaluator in row:
            raise ScoreInputError("duplicate_pair", application=application, evaluator=evaluator)
        row[evaluator] = score
    return by_application


def aggregate(
    records: Iterable[tuple[Hashable, Hashable, float]],
    tracks: Mapping[Hashable, Hashable],
    *,
    trim_min_count: int = 5,
    disagreement_range: float | None = 30.0,
    disagreement_sd: float | None = None,
    far_threshold: float = 15.0,
    far_min_shared: int = 3,
    normalised_centre: float = 50.0,
    normalised_spread: float = 10.0,
) -> Aggregation:
    """Aggregate submitted scores: means, trimmed means, normalised scores, flags and ranks.

    ``records``: iterable of ``(application_id, evaluator_id, score)``, score a real number
    (int, float or Decimal) in [0, 100], at most one per (application, evaluator).
    ``tracks``: application_id → track_id for every application that has a score (extra
    entries are ignored). The rules and every parameter are described in this module's
    docstring and in docs/evaluation-aggregation.md.

    Raises :class:`.errors.ScoreInputError` (a ``ValueError``) with a ``code``: ``bad_record``,
    ``unhashable_id``, ``score_not_a_number``, ``score_not_finite``, ``score_out_of_range``,
    ``duplicate_pair``, ``missing_track`` or ``bad_parameter``.
    """
    params = Parameters(trim_min_count, disagreement_range, disagreement_sd, far_threshold,
                        far_min_shared, normalised_centre, normalised_spread)
    _check_parameters(params)
    by_application = _read_records(records)
    for application in by_application:
        if application not in tracks:
            raise ScoreInputError("missing_track", application=application)

    # Evaluators: own scale and z-scores.
    by_evaluator: dict[Hashable, dict[Hashable, float]] = {}
    for application, row in by_application.items():
        for evaluator, score in row.items():
            by_evaluator.setdefault(evaluator, {})[application] = score
    z: dict[tuple[Hashable, Hashable], float | None] = {}
    scale: dict[Hashable, tuple[float, float, str]] = {}
    for evaluator, row in by_evaluator.items():
        values = list(row.values())
        mean = _mean(values)
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values))
        if len(values) == 1:
            basis = "single_score"
        elif sd == 0.0 or all(v == values[0] for v in values):
            basis, sd = "zero_spread", 0.0
        else:
            basis = "scaled"
        scale[evaluator] = (mean, sd, basis)
        for application, score in row.items():
            if basis == "single_score":
                z[application, evaluator] = None
            elif basis == "zero_spread":
                z[application, evaluator] = 0.0
            else:
                z[application, evaluator] = round((score - mean) / sd, Z_DECIMALS) + 0.0

    # Applications: statistics, normalised score, disagreement.
    stats: dict[Hashable, dict[str, Any]] = {}
    for application, row in by_application.items():
        values = sorted(row.values())
        n = len(values)
        mean = _mean(values)
        trimmed = n >= trim_min_count
        trimmed_mean = _mean(values[1:-1]) if trimmed else mean
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
        spread = values[-1] - values[0]
        zs = [z[application, e] for e in row if z[application, e] is not None]
        mean_z = round(math.fsum(zs) / len(zs), Z_DECIMALS) + 0.0 if zs else None
        normalised = (min(100.0, max(0.0, normalised_centre + normalised_spread * mean_z))
                      if mean_z is not None else None)
        disagreement = n > 1 and (
            (disagreement_range is not None
             and round(spread, TIE_DECIMALS) >= disagreement_range)
            or (disagreement_sd is not None and sd is not None
                and round(sd, TIE_DECIMALS) >= disagreement_sd))
        entries = tuple(ScoreEntry(e, row[e], z[application, e])
                        for e in sorted(row, key=id_sort_key))
        stats[application] = {
            "n": n, "mean": mean, "trimmed_mean": trimmed_mean, "trimmed": trimmed,
            "minimum": values[0], "maximum": values[-1], "range": spread, "sd": sd,
            "normalised": normalised, "normalised_z": mean_z, "normalised_n": len(zs),
            "disagreement": disagreement, "scores": entries,
        }

    # Ranks per track.
    members: dict[Hashable, list[Hashable]] = {}
    for application in by_application:
        members.setdefault(tracks[application], []).append(application)
    places: dict[Hashable, dict[str, Any]] = {}
    for apps in members.values():
        per_measure = {m: competition_ranks({a: stats[a][m] for a in apps}) for m in MEASURES}
        for a in apps:
            places[a] = {"track_size": len(apps)}
            for m in MEASURES:
                place = per_measure[m][a]
                places[a][m] = place.rank
                places[a][f"{m}_tied"] = place.tied

    results = [ApplicationResult(application_id=a, track_id=tracks[a], ranks=Ranks(**places[a]),
                                 **stats[a]) for a in by_application]
    track_order = {t: i for i, t in enumerate(dict.fromkeys(tracks.values()))}
    results.sort(key=lambda r: (track_order[r.track_id],
                                r.ranks.normalised is None, r.ranks.normalised or 0,
                                r.ranks.trimmed_mean, r.ranks.mean, id_sort_key(r.application_id)))

    # Evaluators far from the panel.
    evaluators = []
    for evaluator in sorted(by_evaluator, key=id_sort_key):
        differences = []
        for application, score in by_evaluator[evaluator].items():
            others = [s for e, s in by_application[application].items() if e != evaluator]
            if others:
                differences.append(score - _mean(others))
        deviation = _mean(differences) if differences else None
        far = (deviation is not None and len(differences) >= far_min_shared
               and round(abs(deviation), TIE_DECIMALS) >= far_threshold)
        mean, sd, basis = scale[evaluator]
        evaluators.append(EvaluatorResult(evaluator, len(by_evaluator[evaluator]), mean, sd, basis,
                                          len(differences), deviation, far))
    return Aggregation(tuple(results), tuple(evaluators), params)
