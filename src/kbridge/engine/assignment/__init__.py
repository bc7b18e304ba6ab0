"""Evaluator assignment: who evaluates which application, optimally and provably within the rules.

Interface for the web evaluation workflow (pure Python, no Django)::

    from kbridge.engine.assignment import AssignmentProblem, CompositionRules, solve, diagnose

    problem = AssignmentProblem(
        affinity=matrix,                 # (applications, evaluators) floats, e.g. matching engine
        per_application=3,               # k, scalar or per application
        load_min=0, load_max=loads,      # scalar or per evaluator (overrides)
        conflicts=conflict_matrix,       # bool (A, E): never assigned
        forced=override_matrix,          # bool (A, E): always assigned (audited overrides)
        market_expert=is_market, woman=is_woman, affiliation=orgs,     # per evaluator
        composition=CompositionRules(min_market_share=0.5, min_women_share=0.1,
                                     one_per_affiliation=True),
        panels=None,                     # or a panel label per application → panel mode
        application_ids=app_pks, evaluator_ids=user_pks,
    )
    try:
        result = solve(problem, "total")         # or "fair", or "randomised" (max_probability, seed)
    except AssignmentInfeasible as exc:
        exc.diagnoses                             # [Diagnosis(code, params)], .message in English
    result.pairs                                  # [(application_id, evaluator_id), ...]
    result.explanations()                         # affinity and ranks per pair
    result.report                                 # objective, bound, gap, solver, seconds, seed
    result.to_dict()                              # JSON-ready

Modes and objectives
* reviewer-set mode: exactly k evaluators per application, loads within [min, max], conflicts
  never, forced pairs kept; objectives ``total`` (max sum of affinities, exact min-cost flow or
  MIP), ``fair`` (max the minimum per-application affinity sum, then the total; two exact MIPs),
  ``randomised`` (each pair's probability ≤ q, max expected affinity by LP, then a dependent-
  rounding draw reproducible from ``report.seed``; composition rules are not supported here).
* panel mode: applications grouped into panels; each evaluator sits on at most one panel (one
  run = one stage); panels hold ``panel_min_size`` (default 5) to ``panel_max_size`` evaluators,
  the composition rules apply per panel, every panel member evaluates every application of the
  panel; objectives ``total`` and ``fair``.

Diagnosis codes and their parameters are listed in ``diagnosis.MESSAGES_EN``; the web layer can
translate them by code. CLI: ``kbridge-assign`` (see ``cli.py``), openreview-matcher CSV formats.
"""

from .diagnosis import MESSAGES_EN, AssignmentInfeasible, Diagnosis
from .problem import AssignmentProblem, CompositionRules, NormalisedProblem
from .result import AssignmentResult, PairExplanation, RunReport, StageReport
from .solve import diagnose, solve

__all__ = [
    "MESSAGES_EN",
    "AssignmentInfeasible",
    "AssignmentProblem",
    "AssignmentResult",
    "CompositionRules",
    "Diagnosis",
    "NormalisedProblem",
    "PairExplanation",
    "RunReport",
    "StageReport",
    "diagnose",
    "solve",
]
