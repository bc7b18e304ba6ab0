"""Input of the assignment engine: one dataclass that holds every rule of a run.

Why one flat dataclass of numpy arrays: the web workflow (and the CLI) build it from database rows
or CSV files, the solvers read it without caring where it came from, and tests can write tiny
instances by hand. ``normalise()`` turns the convenient forms (scalars, ``None``, lists of pairs)
into full arrays once, so solvers never branch on input shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Objective = Literal["total", "fair", "randomised"]


@dataclass(frozen=True)
class CompositionRules:
    """Who must sit on each reviewer set (reviewer-set mode) or each panel (panel mode).

    Shares are fractions in [0, 1]. In reviewer-set mode a share becomes a head count
    ``ceil(share * k)``; in panel mode it is a linear rule on the panel size, because the size
    itself is chosen by the solver.
    """

    min_market_share: float = 0.0
    min_women_share: float = 0.0
    one_per_affiliation: bool = False

    @property
    def active(self) -> bool:
        return self.min_market_share > 0 or self.min_women_share > 0 or self.one_per_affiliation


def required_count(share: float, size: int) -> int:
    """Head count a share demands of a group of ``size`` (tolerant to 0.1 * 10 float noise)."""
    if share <= 0:
        return 0
    return int(math.ceil(share * size - 1e-9))


@dataclass
class AssignmentProblem:
    """Everything one assignment run needs, indexed by application row and evaluator column.

    affinity:        (A, E) float matrix, higher is a better match (e.g. from the matching engine).
    per_application: k, evaluators each application needs (scalar or length-A array).
    load_min/max:    per-evaluator bounds on the number of applications (scalar or length-E;
                     ``load_max=None`` means unbounded).
    conflicts:       (A, E) bool, True = the pair may never be assigned.
    forced:          (A, E) bool, True = the pair must be assigned (e.g. an override with a reason).
    market_expert, woman: length-E bool attributes used by ``composition``.
    affiliation:     length-E labels (``None`` = no affiliation, never clashes).
    panels:          length-A panel label per application; given → panel mode.
    panel_min_size / panel_max_size: seats per panel in panel mode.
    application_ids / evaluator_ids: labels used in results and diagnosis messages.
    """

    affinity: np.ndarray
    per_application: int | np.ndarray = 3
    load_min: int | np.ndarray = 0
    load_max: int | np.ndarray | None = None
    conflicts: np.ndarray | None = None
    forced: np.ndarray | None = None
    market_expert: np.ndarray | None = None
    woman: np.ndarray | None = None
    affiliation: Sequence[str | None] | None = None
    composition: CompositionRules = field(default_factory=CompositionRules)
    panels: Sequence[object] | None = None
    panel_min_size: int = 5
    panel_max_size: int | None = None
    application_ids: Sequence[str] | None = None
    evaluator_ids: Sequence[str] | None = None

    @property
    def n_applications(self) -> int:
        return int(np.shape(self.affinity)[0])

    @property
    def n_evaluators(self) -> int:
        return int(np.shape(self.affinity)[1])

    def normalise(self) -> NormalisedProblem:
        """Validate and expand every field to a full array (raises ``ValueError`` on bad input)."""
        aff = np.asarray(self.affinity, dtype=float)
        if aff.ndim != 2:
            raise ValueError("affinity must be a 2-D matrix (applications x evaluators)")
        if not np.all(np.isfinite(aff)):
            raise ValueError("affinity must be finite (no NaN or infinity)")
        n_a, n_e = aff.shape

        def vec(value: object, n: int, name: str, default: int) -> np.ndarray:
            if value is None:
                return np.full(n, default, dtype=np.int64)
            arr = np.asarray(value)
            if arr.ndim == 0:
                arr = np.full(n, int(arr), dtype=np.int64)
            if arr.shape != (n,):
                raise ValueError(f"{name} must be a scalar or have length {n}")
            if np.any(arr < 0):
                raise ValueError(f"{name} must not be negative")
            return arr.astype(np.int64)

        k = vec(self.per_application, n_a, "per_application", 0)
        lo = vec(self.load_min, n_e, "load_min", 0)
        hi = vec(self.load_max, n_e, "load_max", n_a)
        hi = np.minimum(hi, n_a)
        if np.any(lo > hi):
            bad = int(np.flatnonzero(lo > hi)[0])
            raise ValueError(f"load_min exceeds load_max for evaluator index {bad}")

        def mat(value: np.ndarray | None, name: str) -> np.ndarray:
            if value is None:
                return np.zeros((n_a, n_e), dtype=bool)
            arr = np.asarray(value, dtype=bool)
            if arr.shape != (n_a, n_e):
                raise ValueError(f"{name} must have shape {(n_a, n_e)}")
            return arr

        def flag(value: np.ndarray | None, name: str) -> np.ndarray:
            if value is None:
                return np.zeros(n_e, dtype=bool)
            arr = np.asarray(value, dtype=bool)
            if arr.shape != (n_e,):
                raise ValueError(f"{name} must have length {n_e}")
            return arr

        comp = self.composition
        for share in (comp.min_market_share, comp.min_women_share):
            if not 0.0 <= share <= 1.0:
                raise ValueError("composition shares must lie in [0, 1]")
        if comp.min_market_share > 0 and self.market_expert is None:
            raise ValueError("min_market_share needs the market_expert attribute")
        if comp.min_women_share > 0 and self.woman is None:
            raise ValueError("min_women_share needs the woman attribute")
        if comp.one_per_affiliation and self.affiliation is None:
            raise ValueError("one_per_affiliation needs the affiliation attribute")

        # Affiliations become integer codes; evaluators without one get unique negative codes so
        # they never clash with anybody.
        aff_codes = np.arange(-1, -n_e - 1, -1, dtype=np.int64)
        labels: dict[str, int] = {}
        if self.affiliation is not None:
            if len(self.affiliation) != n_e:
                raise ValueError(f"affiliation must have length {n_e}")
            for j, label in enumerate(self.affiliation):
                if label is not None and str(label).strip() != "":
                    aff_codes[j] = labels.setdefault(str(label).strip(), len(labels))

        app_ids = [str(x) for x in self.application_ids] if self.application_ids is not None else [
            str(i) for i in range(n_a)
        ]
        ev_ids = [str(x) for x in self.evaluator_ids] if self.evaluator_ids is not None else [
            str(j) for j in range(n_e)
        ]
        if len(app_ids) != n_a or len(ev_ids) != n_e:
            raise ValueError("application_ids / evaluator_ids lengths must match the affinity matrix")

        panel_index: np.ndarray | None = None
        panel_labels: list[str] = []
        if self.panels is not None:
            if len(self.panels) != n_a:
                raise ValueError(f"panels must have length {n_a}")
            seen: dict[str, int] = {}
            panel_index = np.empty(n_a, dtype=np.int64)
            for i, label in enumerate(self.panels):
                panel_index[i] = seen.setdefault(str(label), len(seen))
            panel_labels = list(seen)
            if self.panel_min_size < 0:
                raise ValueError("panel_min_size must not be negative")
            if self.panel_max_size is not None and self.panel_max_size < self.panel_min_size:
                raise ValueError("panel_max_size must be at least panel_min_size")

        return NormalisedProblem(
            affinity=aff,
            k=k,
            load_min=lo,
            load_max=hi,
            conflicts=mat(self.conflicts, "conflicts"),
            forced=mat(self.forced, "forced"),
            market_expert=flag(self.market_expert, "market_expert"),
            woman=flag(self.woman, "woman"),
            affiliation=aff_codes,
            affiliation_labels={code: label for label, code in labels.items()},
            composition=comp,
            panel_index=panel_index,
            panel_labels=panel_labels,
            panel_min_size=int(self.panel_min_size),
            panel_max_size=None if self.panel_max_size is None else int(self.panel_max_size),
            application_ids=app_ids,
            evaluator_ids=ev_ids,
        )


@dataclass
class NormalisedProblem:
    """``AssignmentProblem`` with every field expanded; what solvers and diagnosis read."""

    affinity: np.ndarray
    k: np.ndarray
    load_min: np.ndarray
    load_max: np.ndarray
    conflicts: np.ndarray
    forced: np.ndarray
    market_expert: np.ndarray
    woman: np.ndarray
    affiliation: np.ndarray
    composition: CompositionRules
    panel_index: np.ndarray | None
    panel_labels: list[str]
    panel_min_size: int
    panel_max_size: int | None
    application_ids: list[str]
    evaluator_ids: list[str]
    affiliation_labels: dict[int, str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.affinity.shape  # type: ignore[return-value]

    @property
    def eligible(self) -> np.ndarray:
        """(A, E) bool: pairs a solver may use (not conflicted, evaluator has capacity)."""
        return ~self.conflicts & (self.load_max > 0)[None, :]

    def market_required(self) -> np.ndarray:
        return np.array([required_count(self.composition.min_market_share, int(k)) for k in self.k],
                        dtype=np.int64)

    def women_required(self) -> np.ndarray:
        return np.array([required_count(self.composition.min_women_share, int(k)) for k in self.k],
                        dtype=np.int64)
