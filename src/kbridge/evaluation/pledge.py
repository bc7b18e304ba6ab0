"""The evaluator's pledge (평가위원 서약서), versioned.

Like the consent notices (``accounts.consent``), the text lives here in both languages and not
in the gettext catalogue: what an evaluator signed must not change when a translator edits a
catalogue. Changing a word means adding a version and pointing ``CURRENT`` at it; each
``StageEvaluator`` keeps the version and the SHA-256 of the text its evaluator signed, and a
stage created later asks for the new version.

The items follow the pledges Korean agencies publish with their evaluation guidelines
(e.g. 창업진흥원 평가위원 윤리서약서): declare conflicts of interest (제척·기피·회피), keep
applications and scores confidential, do not contact applicants, judge independently and give
written reasons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class PledgeText:
    version: str
    title_ko: str
    items_ko: tuple[str, ...]
    title_en: str
    items_en: tuple[str, ...]

    def title(self, language: str | None = None) -> str:
        return self.title_en if (language or get_language() or "ko").startswith("en") else self.title_ko

    def items(self, language: str | None = None) -> tuple[str, ...]:
        return self.items_en if (language or get_language() or "ko").startswith("en") else self.items_ko

    @property
    def sha256(self) -> str:
        """Digest of both languages' text: the evidence of what was signed."""
        text = "\n".join([self.version, self.title_ko, *self.items_ko, self.title_en,
                          *self.items_en])
        return hashlib.sha256(text.encode()).hexdigest()


PLEDGES: dict[str, PledgeText] = {
    "2026-12-pledge-v1": PledgeText(
        version="2026-12-pledge-v1",
        title_ko="평가위원 윤리 및 보안 서약서",
        items_ko=(
            "나는 평가 대상 기업과 다음 중 어느 하나에 해당하는 이해관계가 있으면 평가에 앞서 이를 "
            "밝히고 해당 평가에서 빠지겠습니다(회피): 최근 3년 이내 재직·자문·투자 관계, 대표자·임직원과의 "
            "친족 관계, 그 밖에 공정한 평가를 기대하기 어려운 사정.",
            "평가 과정에서 알게 된 신청 기업의 정보와 평가 내용, 다른 평가위원의 점수를 외부에 "
            "누설하거나 평가 외의 목적으로 이용하지 않겠습니다.",
            "평가 기간 중 신청 기업과 평가에 관해 연락하거나 청탁·금품을 받지 않겠습니다.",
            "다른 평가위원과 점수를 사전에 협의하지 않고, 평가 기준에 따라 독립적으로 평가하며, "
            "모든 점수에 구체적인 사유를 적겠습니다.",
            "이 서약을 위반하면 평가위원 자격이 취소되고 관계 법령에 따른 책임을 질 수 있음을 "
            "확인합니다.",
        ),
        title_en="Evaluator's pledge of ethics and confidentiality",
        items_en=(
            "If I have any of the following ties to an applicant, I will declare it before "
            "evaluating and step aside from that evaluation (recusal): employment, advisory or "
            "investment ties within the last three years, family ties to its representative or "
            "staff, or anything else that makes a fair evaluation hard to expect.",
            "I will not disclose, or use for anything but this evaluation, what I learn about "
            "the applicants, the evaluation or other evaluators' scores.",
            "During the evaluation I will not contact applicants about it, nor accept requests, "
            "gifts or money.",
            "I will not agree scores with other evaluators beforehand; I will judge independently "
            "by the rubric and give a specific written reason for every score.",
            "I understand that breaking this pledge ends my appointment as an evaluator and may "
            "carry liability under the applicable laws.",
        ),
    ),
}

#: The version new stages ask for.
CURRENT = "2026-12-pledge-v1"


def pledge(version: str = CURRENT) -> PledgeText:
    return PLEDGES[version]
