"""Appeals in the decided world (tests/selection/world.py) for the appeal tests and the
permission matrix.

``file(d, n, grounds=…)`` files an appeal against ``d.outcomes[n]`` as the representative of
its startup (startup A's for ``n == 0``), through the service.
"""

from __future__ import annotations

from kbridge.selection.models import Appeal
from kbridge.selection.services import appeals as services

GROUNDS = ("평가위원 2의 시장성 사유는 2025년 매출 실적을 반영하지 않았습니다. "
           "제출한 사업계획서 12쪽에 실적이 있습니다.")
ANSWER = ("시장성 항목의 사유를 다시 검토했습니다. 사업계획서 12쪽의 2025년 매출 실적은 "
          "평가 당시 반영되었으며, 점수 산정에 오류가 없음을 확인했습니다.")


def representative_of(application):
    return application.applicant.profile.representative


def file(d, n: int, *, grounds: str = GROUNDS, by=None) -> Appeal:
    outcome = d.outcomes[n]
    return services.file_appeal(outcome=outcome, by=by or representative_of(
        outcome.application), grounds=grounds)


def matrix_ids(d) -> dict[str, int]:
    """The ids of the permission matrix's appeal rows: an appeal filed against a
    not-selected outcome (another startup's), waiting for its answer."""
    return {"appeal": file(d, 4).pk}
