"""The default rubric of an evaluation stage: five criteria, weights of 100, anchored levels.

Source. The first four criteria are the PSST items of the business plan form every K-Startup
program uses (창업진흥원 K-Startup 사업계획서 양식, "PSST": 1. 문제인식 Problem, 2. 실현가능성
Solution, 3. 성장전략 Scale-up, 4. 팀 구성 Team); the fifth is the item the program's call
notices add for its purpose, fit for collaboration with the global partner (글로벌 기업 협업
프로그램 모집 공고, 평가 항목 "글로벌 기업 협업 적합성"). The weights (20/25/20/15/20 points) follow
the notices' emphasis on feasibility and on the partner fit; an operator changes them per stage
(the rubric editor) as long as no scoresheet of the stage has been submitted.

Shape. :data:`DEFAULT_RUBRIC` is a tuple of :class:`CriterionTemplate`; each has ``anchors``,
one :class:`Anchor` per level of the default 1–5 scale (``Stage.scale_min`` … ``scale_max``),
saying in Korean and English what the level means for that criterion, so two evaluators who
read "3" read the same thing. The text lives here, not in the gettext catalogue: a rubric is
data an operator edits and copies into each stage (:func:`default_criteria`), like the pledge.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SCALE = (1, 5)


@dataclass(frozen=True)
class Anchor:
    level: int
    ko: str
    en: str

    def to_dict(self) -> dict:
        return {"level": self.level, "ko": self.ko, "en": self.en}


@dataclass(frozen=True)
class CriterionTemplate:
    key: str
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    weight: int
    anchors: tuple[Anchor, ...]


def _levels(*pairs: tuple[str, str]) -> tuple[Anchor, ...]:
    return tuple(Anchor(level, ko, en) for level, (ko, en) in enumerate(pairs, start=1))


DEFAULT_RUBRIC: tuple[CriterionTemplate, ...] = (
    CriterionTemplate(
        key="problem",
        title_ko="문제인식 (Problem)",
        title_en="Problem recognition (Problem)",
        description_ko="창업 아이템을 개발하게 된 배경과 해결하려는 고객·시장의 문제가 명확하고, "
                       "근거(시장 규모, 고객 인터뷰, 데이터)로 뒷받침되는가.",
        description_en="Is the customer or market problem the item addresses clear, and is it "
                       "backed by evidence (market size, customer interviews, data)?",
        weight=20,
        anchors=_levels(
            ("해결하려는 문제가 무엇인지 드러나지 않거나, 고객이 누구인지 정의되어 있지 않다.",
             "The problem is not stated, or the customer is not defined."),
            ("문제는 제시되어 있으나 일반론에 그치고, 근거가 없거나 출처가 불분명하다.",
             "A problem is named but only in general terms, with no evidence or unsourced claims."),
            ("목표 고객과 문제가 구체적이고, 시장 규모 등 2차 자료로 일부 뒷받침된다.",
             "Target customer and problem are specific and partly backed by secondary data such "
             "as market size."),
            ("고객 인터뷰·설문 등 1차 근거와 시장 자료로 문제의 크기와 긴급성이 입증된다.",
             "Primary evidence (interviews, surveys) and market data show how large and urgent "
             "the problem is."),
            ("유료 고객·파일럿 등 실제 수요로 문제가 검증되었고, 기존 대안의 한계가 정량적으로 "
             "비교되어 있다.",
             "Real demand (paying customers, pilots) validates the problem, and the limits of "
             "existing alternatives are compared in numbers."),
        ),
    ),
    CriterionTemplate(
        key="solution",
        title_ko="실현가능성 (Solution)",
        title_en="Feasibility (Solution)",
        description_ko="제품·서비스가 문제를 실제로 해결하는지, 개발 현황과 협약기간 내 "
                       "개발·사업화 계획(일정, 예산)이 구체적이고 실현 가능한가.",
        description_en="Does the product or service solve the problem, and are the development "
                       "status and the plan for the agreement period (schedule, budget) concrete "
                       "and achievable?",
        weight=25,
        anchors=_levels(
            ("아이디어 수준이며 해결 방법이나 개발 계획이 제시되지 않았다.",
             "An idea only: no method of solving the problem and no development plan."),
            ("해결 방법은 있으나 핵심 기술·개발 일정·예산이 불명확하거나 서로 맞지 않는다.",
             "A method is given, but the core technology, schedule or budget is unclear or "
             "inconsistent."),
            ("시제품 또는 설계가 있고 일정과 예산이 제시되었으나, 주요 위험과 대응이 빠져 있다.",
             "A prototype or design exists and a schedule and budget are given, but key risks "
             "and their mitigation are missing."),
            ("작동하는 시제품(MVP)이 있고, 단계별 일정·예산·위험 대응이 구체적이며 서로 맞는다.",
             "A working prototype (MVP) exists; the staged schedule, budget and risk plan are "
             "concrete and consistent."),
            ("제품이 출시되었거나 실증을 마쳤고, 성능 지표로 차별성이 입증되며 계획이 검증된 "
             "실적에 근거한다.",
             "The product is launched or proven in the field, performance figures show its "
             "edge, and the plan rests on a verified track record."),
        ),
    ),
    CriterionTemplate(
        key="scale_up",
        title_ko="성장전략 (Scale-up)",
        title_en="Growth strategy (Scale-up)",
        description_ko="목표 시장 진입과 매출 확대, 투자 유치, 해외 진출 전략이 구체적이고 "
                       "수익 모델이 타당한가.",
        description_en="Are the strategies for entering the target market, growing revenue, "
                       "raising investment and going abroad concrete, and is the business model "
                       "sound?",
        weight=20,
        anchors=_levels(
            ("수익 모델이나 시장 진입 전략이 없다.",
             "No business model and no market-entry strategy."),
            ("수익 모델은 있으나 목표 시장·가격·판매 경로가 추상적이다.",
             "A business model exists, but target market, pricing and sales channels are "
             "abstract."),
            ("목표 시장과 판매 경로가 구체적이고 매출 목표가 있으나, 근거나 단계별 지표가 약하다.",
             "Target market and channels are specific with revenue goals, but the grounds or "
             "staged metrics are weak."),
            ("단계별 매출·고객 지표와 투자 유치 계획이 구체적이며, 해외 진출 경로가 제시되어 있다.",
             "Staged revenue and customer metrics and an investment plan are concrete, and a "
             "route abroad is set out."),
            ("매출·투자 등 실적이 있고, 검증된 지표에 근거한 확장 계획과 해외 진출 파트너·시장이 "
             "특정되어 있다.",
             "Revenue or investment already achieved; the expansion plan rests on proven "
             "metrics, with named partners and markets abroad."),
        ),
    ),
    CriterionTemplate(
        key="team",
        title_ko="팀 구성 (Team)",
        title_en="Team (Team)",
        description_ko="대표자와 팀원이 아이템을 실현할 역량(전문성, 경력, 역할 분담)을 갖추었고, "
                       "부족한 역량의 확보 계획이 있는가.",
        description_en="Do the founder and team have the skills to deliver the item (expertise, "
                       "experience, division of roles), with a plan for the skills they lack?",
        weight=15,
        anchors=_levels(
            ("대표자 외 팀 구성이 없고, 아이템과 관련된 역량이 드러나지 않는다.",
             "No team beyond the founder, and no skills relevant to the item shown."),
            ("팀은 있으나 핵심 역할(기술, 사업)이 비어 있고 확보 계획이 없다.",
             "A team exists, but core roles (technology, business) are empty with no plan to "
             "fill them."),
            ("핵심 역할을 맡은 인력이 있으나 관련 경력이 짧거나, 일부 역량은 외부에 의존한다.",
             "Core roles are filled, but with short relevant experience or some skills relying "
             "on outsiders."),
            ("기술·사업 핵심 인력이 관련 경력과 성과를 갖추었고, 부족한 역량의 채용·협력 계획이 "
             "구체적이다.",
             "Technical and business leads have relevant experience and results; hiring or "
             "partnering for missing skills is planned concretely."),
            ("팀이 같은 분야에서 함께 성과(창업, 엑시트, 제품 출시)를 낸 경험이 있고, 역할 분담과 "
             "지분·보상 구조가 명확하다.",
             "The team has delivered together in the field (a venture, an exit, a launch), "
             "with clear roles and equity or incentives."),
        ),
    ),
    CriterionTemplate(
        key="partner_fit",
        title_ko="글로벌 기업 협업 적합성",
        title_en="Fit for collaboration with the global partner",
        description_ko="신청한 트랙의 글로벌 기업(파트너)과 협업할 분야와 목표가 구체적이고, "
                       "파트너의 기술·플랫폼·지원이 사업 성장에 실질적으로 기여하는가.",
        description_en="Are the field and goals of the collaboration with the track's global "
                       "partner concrete, and would the partner's technology, platform or "
                       "support make a real difference to the business?",
        weight=20,
        anchors=_levels(
            ("파트너와 무엇을 협업할지 제시되지 않았다.",
             "No collaboration with the partner is described."),
            ("협업 의사는 있으나 분야와 목표가 막연하고, 파트너의 지원과 사업이 연결되지 않는다.",
             "An intent to collaborate, but field and goals are vague and the partner's support "
             "does not connect to the business."),
            ("파트너의 기술·플랫폼을 활용할 분야가 구체적이나, 협업의 성과 지표나 일정이 없다.",
             "The field of use of the partner's technology or platform is specific, but there "
             "are no outcome metrics or schedule."),
            ("협업 과제·성과 지표·일정이 구체적이고, 파트너의 지원이 성장 전략과 직접 연결된다.",
             "Collaboration tasks, outcome metrics and schedule are concrete, and the partner's "
             "support ties directly into the growth strategy."),
            ("파트너 제품을 이미 활용 중이거나 PoC·기술 검증을 마쳤고, 공동 사업화·해외 판로 등 "
             "상호 이익이 명확하다.",
             "Already uses the partner's products or has completed a PoC, and the mutual "
             "benefit (joint commercialisation, sales channels abroad) is clear."),
        ),
    ),
)

assert sum(c.weight for c in DEFAULT_RUBRIC) == 100  # noqa: S101 - a module invariant


def default_criteria() -> list[dict]:
    """The default rubric as rows for ``Criterion`` (without ``stage``), in order:
    ``position`` (1-based), titles, descriptions, ``weight`` and ``anchors`` as
    ``[{"level": 1, "ko": …, "en": …}, …]``."""
    return [{"position": position, "title_ko": c.title_ko, "title_en": c.title_en,
             "description_ko": c.description_ko, "description_en": c.description_en,
             "weight": c.weight, "anchors": [a.to_dict() for a in c.anchors]}
            for position, c in enumerate(DEFAULT_RUBRIC, start=1)]
