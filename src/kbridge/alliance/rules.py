"""Who may do what in the alliance: predicates on role *and* on the object's state.

Each part (members and directory, collaborations, milestone reports, KPIs and dashboards)
appends its own predicates below its heading.
"""

from __future__ import annotations

import rules  # noqa: F401

# --- members and directory ---

# --- collaborations ---

# --- milestone reports ---

# --- KPIs, dashboards and exports ---
