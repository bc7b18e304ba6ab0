"""Who may do what in the alliance: predicates on role *and* on the object's state.

Each part (members and directory, collaborations, milestone reports, KPIs and dashboards)
appends its own predicates below its heading.
"""

from __future__ import annotations

import rules

# --- members and directory ---

# --- collaborations ---

# --- milestone reports ---

# --- KPIs, dashboards and exports ---
# The dashboard and its exports need a KPI scope; what is counted, and which filter values
# (programs, partner companies, tracks, cohorts) answer rather than 404, come from the scoped
# selectors of selectors_kpis.py (agency staff: their agency's programs; partner staff: their
# own company's tracks and collaborations).


@rules.predicate
def has_kpi_scope(user) -> bool:
    """Agency staff (their programs' KPIs) or partner staff (their own tracks' KPIs)."""
    from kbridge.alliance.selectors_kpis import sees_kpis

    return sees_kpis(user)


rules.add_perm("alliance.view_kpis", has_kpi_scope)
