"""Alliance and outcome models, one module per part (docs/alliance.md).

members.py          the alliance's members and their directory profiles
collaborations.py   collaborations between a partner and a startup, and their stage changes
reports.py          milestone reports under an agreement, follow-on investments, reviews,
                    and the funding tranches released
Each part adds its own module and one import line below.
"""

from kbridge.alliance.models.collaborations import Collaboration, StageChange  # noqa: I001
from kbridge.alliance.models.members import AllianceMember, Sector
from kbridge.alliance.models.reports import (
    FollowOnInvestment,
    MilestoneReport,
    ReportReview,
    TrancheRelease,
)

__all__ = ["AllianceMember", "Collaboration", "FollowOnInvestment", "MilestoneReport",
           "ReportReview", "Sector", "StageChange", "TrancheRelease"]
