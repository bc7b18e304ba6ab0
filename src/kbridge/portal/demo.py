"""A realistic demo: the 2026 Global Company Collaboration Program ("K-Startups meet OpenAI").

Everything is generated deterministically (seeded RNG) so screenshots and tests are stable.
Companies are fictional; partners, the operator and the program structure follow the real
programme described in PRODUCT.md.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.applications.models import StartupProfile
from kbridge.core.josa import josa
from kbridge.programs import services as program_services
from kbridge.programs.models import Program

KST = ZoneInfo("Asia/Seoul")
DEMO_PASSWORD = "kbridge-demo-2026"  # noqa: S105 - printed for the demo on purpose
PROGRAM_NAME = "2026 글로벌 기업 협업 프로그램"


@dataclass(frozen=True)
class Sector:
    key: str
    ko: str
    en: str
    suffixes: tuple[tuple[str, str], ...]
    products: tuple[tuple[str, str], ...]
    keywords: tuple[str, ...]


SECTORS = [
    Sector("ai_chips", "AI 반도체", "AI chips", (("칩스", "Chips"), ("세미", "Semi"), ("실리콘", "Silicon")),
           (("엣지 디바이스용 저전력 NPU", "a low-power NPU for edge devices"),
            ("데이터센터용 LLM 추론 가속기", "an LLM inference accelerator for data centres"),
            ("온디바이스 AI를 위한 PIM 메모리 반도체", "processing-in-memory chips for on-device AI"),
            ("자율주행용 비전 AI SoC", "a vision AI SoC for autonomous driving")),
           ("NPU", "AI 반도체", "AI chips", "inference", "semiconductor", "온디바이스 AI")),
    Sector("llm_apps", "LLM 애플리케이션", "LLM applications", (("에이아이", "AI"), ("랩스", "Labs"), ("인텔리전스", "Intelligence")),
           (("GPT 기반 법률 문서 검토 서비스", "a GPT-based legal document review service"),
            ("중소기업용 AI 고객상담 에이전트", "an AI customer-service agent for SMEs"),
            ("한국어 특화 기업 검색 RAG 플랫폼", "a Korean-first enterprise search (RAG) platform"),
            ("의료 차트 요약 AI 비서", "an AI assistant that summarises medical charts")),
           ("LLM", "GPT", "생성형 AI", "generative AI", "RAG", "AI agent")),
    Sector("platform", "플랫폼 개발", "Platform development", (("웍스", "Works"), ("스택", "Stack"), ("클라우드", "Cloud")),
           (("AI 에이전트 개발자를 위한 API 플랫폼", "an API platform for AI agent developers"),
            ("노코드 AI 워크플로 빌더", "a no-code AI workflow builder"),
            ("LLM 앱 관측·평가 도구", "observability and evaluation tools for LLM apps"),
            ("멀티모달 데이터 라벨링 플랫폼", "a multimodal data-labelling platform")),
           ("API", "platform", "developer tools", "플랫폼", "SaaS", "MLOps")),
    Sector("robotics", "로보틱스", "Robotics", (("로보틱스", "Robotics"), ("모션", "Motion"), ("오토메이션", "Automation")),
           (("물류창고용 자율이동로봇", "autonomous mobile robots for warehouses"),
            ("협동로봇용 AI 비전 피킹 솔루션", "AI vision picking for collaborative robots"),
            ("농업용 수확 로봇", "harvesting robots for agriculture"),
            ("건설 현장 점검 사족보행 로봇", "quadruped robots for construction-site inspection")),
           ("robotics", "로봇", "autonomous", "physical AI", "자율주행", "vision")),
    Sector("bio", "바이오·헬스케어", "Bio and healthcare", (("바이오", "Bio"), ("테라퓨틱스", "Therapeutics"), ("헬스", "Health")),
           (("AI 신약 후보물질 발굴 플랫폼", "an AI platform for drug candidate discovery"),
            ("흉부 X선 AI 판독 보조 솔루션", "AI-assisted chest X-ray reading"),
            ("단백질 구조 예측 기반 항체 설계", "antibody design from protein structure prediction"),
            ("웨어러블 기반 만성질환 관리 서비스", "wearable-based chronic disease management")),
           ("bio", "바이오", "drug discovery", "신약", "medical AI", "헬스케어")),
    Sector("fintech", "핀테크", "Fintech", (("페이", "Pay"), ("파이낸스", "Finance"), ("레저", "Ledger")),
           (("AI 기반 중소기업 신용평가", "AI credit scoring for small businesses"),
            ("외국인 근로자용 해외송금 앱", "a remittance app for migrant workers"),
            ("이상거래 탐지 AI", "AI fraud detection for payments"),
            ("로보어드바이저 연금 운용", "robo-advised pension portfolios")),
           ("fintech", "핀테크", "credit scoring", "payments", "fraud detection", "금융")),
    Sector("mobility", "모빌리티", "Mobility", (("모빌리티", "Mobility"), ("드라이브", "Drive"), ("모터스", "Motors")),
           (("라이다 없는 카메라 기반 자율주행 소프트웨어", "camera-only autonomous driving software"),
            ("전기차 배터리 상태 진단 AI", "AI diagnostics for EV battery health"),
            ("도심항공교통 운항관리 시스템", "traffic management for urban air mobility"),
            ("수요응답형 셔틀 배차 최적화", "dispatch optimisation for on-demand shuttles")),
           ("mobility", "모빌리티", "EV", "자율주행", "autonomous driving", "battery")),
    Sector("climate", "기후테크", "Climate tech", (("에너지", "Energy"), ("그린", "Green"), ("카본", "Carbon")),
           (("건물 에너지 AI 최적화", "AI energy optimisation for buildings"),
            ("탄소배출량 자동 산정 SaaS", "automated carbon accounting SaaS"),
            ("재생에너지 발전량 예측", "renewable generation forecasting"),
            ("폐배터리 재활용 공정 기술", "recycling processes for spent batteries")),
           ("climate tech", "기후테크", "energy", "탄소중립", "ESG", "renewables")),
    Sector("edtech", "에듀테크", "Edtech", (("에듀", "Edu"), ("클래스", "Class"), ("러닝", "Learning")),
           (("AI 영어 말하기 튜터", "an AI English speaking tutor"),
            ("수학 풀이 과정 자동 채점", "automatic grading of maths working"),
            ("개발자 코딩 교육 AI 조교", "an AI teaching assistant for coding courses"),
            ("기업 직무교육 맞춤 추천", "personalised corporate training recommendations")),
           ("edtech", "에듀테크", "AI tutor", "교육", "learning", "LLM")),
    Sector("content", "콘텐츠·미디어", "Content and media", (("스튜디오", "Studio"), ("미디어", "Media"), ("웨이브", "Wave")),
           (("웹툰 자동 채색·번역 도구", "automatic colouring and translation for webtoons"),
            ("AI 음성 더빙 서비스", "AI voice dubbing for video"),
            ("게임 NPC 대화 엔진", "a dialogue engine for game NPCs"),
            ("숏폼 영상 자동 편집", "automatic short-form video editing")),
           ("content", "콘텐츠", "media", "generative AI", "웹툰", "voice AI")),
]

PREFIXES = [("뉴로", "Neuro"), ("딥", "Deep"), ("퓨처", "Future"), ("리벨", "Rebel"), ("코어", "Core"),
            ("노바", "Nova"), ("아틀라스", "Atlas"), ("하이퍼", "Hyper"), ("모아", "Moa"), ("새봄", "Saebom"),
            ("큐브", "Cube"), ("온새", "Onsae")]
SURNAMES = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"]
GIVEN = ["민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "지민", "예준", "수아", "주원", "하은",
         "지호", "다은", "건우", "채원", "현우", "소율"]

PARTNERS = [
    {"ko": "오픈AI", "en": "OpenAI", "sub_ko": "OpenAI 협업 프로그램", "sub_en": "OpenAI collaboration program",
     "tracks": [
         {"name_ko": "API 트랙", "name_en": "API track", "quota": 7, "cap": 200_000_000,
          "desc_ko": "OpenAI API로 서비스를 만드는 플랫폼 개발사를 찾습니다. API 크레딧, OpenAI 엔지니어 기술 멘토링, 본사 데모데이 참가 기회를 드립니다.",
          "desc_en": "For platform developers building products on the OpenAI API. API credits, technical mentoring by OpenAI engineers and a demo day at OpenAI's headquarters.",
          "keywords": ["platform developers", "플랫폼 개발", "GPT API", "LLM", "AI agent"],
          "age": 7, "pre": False},
         {"name_ko": "협업 트랙", "name_en": "Collaboration track", "quota": 7, "cap": 200_000_000,
          "desc_ko": "AI 반도체 공동개발, 딥테크 분야 공동 연구와 투자 검토를 위한 트랙입니다. NPU·AI 가속기·온디바이스 AI 기업을 우대합니다.",
          "desc_en": "Co-development of AI chips and deep-tech research with OpenAI, including investment review. NPU, AI accelerator and on-device AI companies are preferred.",
          "keywords": ["AI chips", "AI 반도체", "NPU", "deep tech", "co-development"],
          "age": 7, "pre": False},
     ]},
    {"ko": "엔비디아", "en": "NVIDIA", "sub_ko": "NVIDIA 인셉션 연계 프로그램", "sub_en": "NVIDIA Inception program",
     "tracks": [
         {"name_ko": "가속 컴퓨팅 트랙", "name_en": "Accelerated computing track", "quota": 10, "cap": 150_000_000,
          "desc_ko": "GPU 가속 컴퓨팅과 피지컬 AI(로보틱스·자율주행)를 개발하는 기업을 위한 트랙입니다.",
          "desc_en": "For companies building on GPU-accelerated computing and physical AI (robotics, autonomous driving).",
          "keywords": ["GPU", "CUDA", "physical AI", "robotics", "자율주행"], "age": 7, "pre": False},
     ]},
    {"ko": "구글", "en": "Google", "sub_ko": "구글 스타트업 협업 프로그램", "sub_en": "Google for Startups collaboration",
     "tracks": [
         {"name_ko": "AI 퍼스트 트랙", "name_en": "AI-first track", "quota": 10, "cap": 150_000_000,
          "desc_ko": "Gemini와 Google Cloud로 글로벌 서비스를 만드는 AI 퍼스트 스타트업을 지원합니다.",
          "desc_en": "Supports AI-first startups building global services with Gemini and Google Cloud.",
          "keywords": ["generative AI", "생성형 AI", "cloud", "global expansion", "edtech"], "age": 7, "pre": False},
     ]},
    {"ko": "아마존웹서비스", "en": "AWS", "sub_ko": "AWS 글로벌 협업 프로그램", "sub_en": "AWS global collaboration program",
     "tracks": [
         {"name_ko": "생성형 AI 클라우드 트랙", "name_en": "Generative AI on cloud track", "quota": 15, "cap": 120_000_000,
          "desc_ko": "AWS 크레딧과 기술 검증(PoC)으로 생성형 AI 서비스의 해외 진출을 돕습니다. 예비창업자도 신청할 수 있습니다.",
          "desc_en": "AWS credits and proof-of-concept support to take generative AI services abroad. Pre-founders may apply.",
          "keywords": ["cloud", "클라우드", "SaaS", "generative AI", "fintech"], "age": 10, "pre": True},
     ]},
    {"ko": "마이크로소프트", "en": "Microsoft", "sub_ko": "마이크로소프트 스타트업 협업 프로그램", "sub_en": "Microsoft for Startups collaboration",
     "tracks": [
         {"name_ko": "Azure AI 트랙", "name_en": "Azure AI track", "quota": 10, "cap": 150_000_000,
          "desc_ko": "Azure AI로 기업용(B2B) 솔루션을 만드는 스타트업의 글로벌 판로 개척을 지원합니다.",
          "desc_en": "Helps startups building B2B solutions on Azure AI reach global enterprise customers.",
          "keywords": ["B2B", "enterprise", "Azure", "healthcare", "climate tech"], "age": 7, "pre": False},
     ]},
]

PACKAGES = {
    "OpenAI": [("cloud_credits", "API 크레딧 최대 US$25,000", "API credits up to US$25,000"),
               ("mentoring", "OpenAI 엔지니어 기술 멘토링", "Technical mentoring by OpenAI engineers"),
               ("demo_day", "샌프란시스코 본사 데모데이", "Demo day at the San Francisco headquarters")],
    "NVIDIA": [("cloud_credits", "GPU 클라우드 크레딧", "GPU cloud credits"),
               ("mentoring", "딥러닝 기술 교육(DLI)", "Deep Learning Institute training"),
               ("investment", "NVIDIA 투자 네트워크 연계", "Introductions to NVIDIA's investor network")],
    "Google": [("cloud_credits", "Google Cloud 크레딧", "Google Cloud credits"),
               ("mentoring", "구글 전문가 1:1 멘토링", "1:1 mentoring by Google experts"),
               ("overseas", "해외 시장 진출 지원", "Overseas market entry support")],
    "AWS": [("cloud_credits", "AWS 크레딧 최대 US$100,000", "AWS credits up to US$100,000"),
            ("poc", "AWS 솔루션즈 아키텍트와 PoC", "PoC with AWS solutions architects"),
            ("overseas", "AWS 마켓플레이스 입점 지원", "Listing on AWS Marketplace")],
    "Microsoft": [("cloud_credits", "Azure 크레딧", "Azure credits"),
                  ("poc", "고객사 공동 PoC", "Joint PoC with enterprise customers"),
                  ("demo_day", "글로벌 데모데이", "Global demo day")],
}

AFFILIATIONS = [("카이스트", "KAIST", "university"), ("서울대학교", "Seoul National University", "university"),
                ("포스텍", "POSTECH", "university"), ("한국전자통신연구원", "ETRI", "research"),
                ("케이벤처파트너스", "K Venture Partners", "vc"), ("한강인베스트먼트", "Hangang Investment", "vc"),
                ("스파크랩 코리아", "SparkLabs Korea", "accelerator"), ("블루포인트 액셀러레이터", "Bluepoint Accelerator", "accelerator"),
                ("삼성전자", "Samsung Electronics", "company"), ("네이버클라우드", "NAVER Cloud", "company")]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@functools.cache
def _demo_password_hash() -> str:
    # Hash once: argon2 is deliberately slow, and every demo account shares the password.
    return make_password(DEMO_PASSWORD)


def _user(email: str, name: str, lang: str = "ko") -> User:
    return User.objects.create(email=email, password=_demo_password_hash(), full_name=name,
                               preferred_language=lang, email_verified_at=timezone.now())


def _kst(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=KST)


def demo_exists() -> bool:
    return Program.objects.filter(name_ko=PROGRAM_NAME).exists()


@transaction.atomic
def seed(now: dt.datetime | None = None, startups: int = 120, calls_only: bool = False
         ) -> dict[str, str]:
    """Create the demo program. Returns the demo logins (role -> e-mail).

    ``calls_only`` stops after the calls, their tracks, the startups, their applications and
    the matching vectors — what the matching pages need (the Chromium matching tests) —
    leaving out evaluators, evaluation, selection, events and the alliance (about two thirds
    of the seed's time)."""
    rng = random.Random(2026)
    now = now or timezone.now()
    today = timezone.localtime(now, KST).date()

    operator_org = Organisation.objects.create(
        kind=Organisation.Kind.OPERATOR, name_ko="창업진흥원", name_en="KISED",
        description_ko="중소벤처기업부 산하 창업지원 전담기관",
        description_en="The startup agency of the Ministry of SMEs and Startups",
    )
    operator = _user("operator@kbridge.demo", "이지현")
    Membership.objects.create(user=operator, organisation=operator_org, role=Membership.Role.OPERATOR)

    program = program_services.create_program(
        by=operator, operator=operator_org, year=2026, name_ko=PROGRAM_NAME,
        name_en="2026 Global Company Collaboration Program",
        description_ko="중소벤처기업부와 글로벌 기업이 함께 유망 스타트업을 선발하고 사업화 자금과 기업별 지원 프로그램을 제공합니다.",
        description_en="The Ministry of SMEs and Startups and global companies jointly select startups and give them funding and each partner's support package.",
        budget_krw=45_000_000_000, one_application_per_program=True,
    )
    deadline_local = timezone.localtime(now + dt.timedelta(days=12), KST).replace(
        hour=16, minute=0, second=0, microsecond=0)
    dday = deadline_local.date()
    call = program_services.create_call(
        by=operator, program=program,
        title_ko="2026년 글로벌 기업 협업 프로그램 참여기업 모집 공고",
        title_en="2026 Global Company Collaboration Program: call for startups",
        summary_ko="OpenAI, NVIDIA, Google, AWS, Microsoft와 협업할 창업기업을 모집합니다. 기업당 최대 2억 원의 사업화 자금과 글로벌 기업의 지원 패키지를 제공합니다. 신청은 한 프로그램당 한 트랙만 가능합니다.",
        summary_en="Startups to collaborate with OpenAI, NVIDIA, Google, AWS and Microsoft. Up to KRW 200 million per company plus each partner's support package. One application per company in this program.",
        opens_at=now - dt.timedelta(days=18), deadline_at=deadline_local,
        document_evaluation_start=dday + dt.timedelta(days=3),
        document_evaluation_end=dday + dt.timedelta(days=14),
        presentation_evaluation_start=dday + dt.timedelta(days=21),
        presentation_evaluation_end=dday + dt.timedelta(days=25),
        announcement_on=dday + dt.timedelta(days=35),
    )
    logins = {"operator": operator.email}
    for spec in PARTNERS:
        org = Organisation.objects.create(kind=Organisation.Kind.PARTNER, name_ko=spec["ko"],
                                          name_en=spec["en"], agency=operator_org)
        staff = _user(f"{spec['en'].lower()}@kbridge.demo", f"{spec['en']} Startup Team", "en")
        # The demo's partner logins are partner admins: they may invite their colleagues.
        Membership.objects.create(user=staff, organisation=org,
                                  role=Membership.Role.PARTNER_ADMIN)
        logins[f"partner ({spec['en']})"] = staff.email
        partner = program_services.add_partner(by=operator, program=program, organisation=org,
                                               sub_program_ko=spec["sub_ko"],
                                               sub_program_en=spec["sub_en"])
        for position, t in enumerate(spec["tracks"]):
            program_services.create_track(
                by=operator, call=call, partner=partner, name_ko=t["name_ko"],
                name_en=t["name_en"], description_ko=t["desc_ko"], description_en=t["desc_en"],
                quota=t["quota"], funding_cap_krw=t["cap"], interest_keywords=t["keywords"],
                max_company_age_years=t["age"], pre_founders_allowed=t["pre"],
                exclude_duplicate_funding=True, position=position,
                support_items=[{"kind": k, "description_ko": ko, "description_en": en}
                               for k, ko, en in PACKAGES[spec["en"]]],
            )
    program_services.publish_call(call=call, by=operator)

    # Last year's call, closed, for the history on the public page.
    last_deadline = _kst(today.year - 1, 3, 14, 16)
    old_program = program_services.create_program(
        by=operator, operator=operator_org, year=today.year - 1,
        name_ko=f"{today.year - 1} 글로벌 기업 협업 프로그램",
        name_en=f"{today.year - 1} Global Company Collaboration Program", budget_krw=42_000_000_000)
    old_partner = program_services.add_partner(
        by=operator, program=old_program,
        organisation=Organisation.objects.get(name_en="OpenAI", agency=operator_org),
        sub_program_ko="OpenAI 협업 프로그램", sub_program_en="OpenAI collaboration program")
    old_call = program_services.create_call(
        by=operator, program=old_program,
        title_ko=f"{today.year - 1}년 K-스타트업 밋 OpenAI 참가기업 모집",
        title_en=f"{today.year - 1} K-Startups meet OpenAI: call for participants",
        opens_at=last_deadline - dt.timedelta(days=30), deadline_at=last_deadline,
        document_evaluation_start=last_deadline.date() + dt.timedelta(days=2),
        document_evaluation_end=last_deadline.date() + dt.timedelta(days=10),
        presentation_evaluation_start=last_deadline.date() + dt.timedelta(days=15),
        presentation_evaluation_end=last_deadline.date() + dt.timedelta(days=16),
        announcement_on=last_deadline.date() + dt.timedelta(days=30))
    program_services.create_track(
        by=operator, call=old_call, partner=old_partner, name_ko="밋업 트랙", name_en="Meetup track",
        quota=100, funding_cap_krw=0, interest_keywords=["LLM", "AI chips"],
        max_company_age_years=7, description_ko="OpenAI 경영진과의 Q&A 및 1:1 미팅",
        description_en="Q&A with OpenAI's leaders and 1:1 meetings")
    program_services.publish_call(call=old_call, by=operator)
    _seed_second_agency(today, logins)

    # Startups.
    startup_orgs = []
    for i in range(startups):
        sector = SECTORS[i % len(SECTORS)]
        prefix = PREFIXES[(i // len(SECTORS)) % len(PREFIXES)]
        suffix = sector.suffixes[(i // len(SECTORS)) % len(sector.suffixes)]
        product_ko, product_en = sector.products[i % len(sector.products)]
        founded = today - dt.timedelta(days=rng.randint(120, 365 * 11))
        name_ko, name_en = prefix[0] + suffix[0], f"{prefix[1]} {suffix[1]}"
        team = rng.randint(3, 60)
        org = Organisation.objects.create(
            kind=Organisation.Kind.STARTUP, name_ko=name_ko, name_en=name_en, sector=sector.en,
            keywords=list(rng.sample(sector.keywords, 3)),
            website=f"https://{name_en.lower().replace(' ', '')}.example",
            description_ko=(f"{josa(name_ko, '은')} {josa(product_ko, '을')} 개발하는 "
                            f"{sector.ko} 스타트업입니다. "
                            f"{founded.year}년 설립, 임직원 {team}명."),
            description_en=(f"{name_en} is a startup in {sector_phrase(sector.en)} building {product_en}. "
                            f"Founded in {founded.year}, {team} people."),
        )
        founder = _user(f"startup{i + 1:03d}@kbridge.demo", _person(rng))
        Membership.objects.create(user=founder, organisation=org,
                                  role=Membership.Role.STARTUP_REPRESENTATIVE)
        pre_founder = i % 23 == 22
        StartupProfile.objects.create(
            organisation=org, representative=founder, is_pre_founder=pre_founder,
            business_registration_number="" if pre_founder else _brn(rng),
            founded_on=None if pre_founder else founded,
            technology_keywords=list(rng.sample(sector.keywords, 3)), team_size=team,
            revenue_krw=rng.randint(0, 80) * 100_000_000 if team > 10 else 0,
            investment_krw=rng.randint(0, 120) * 100_000_000, patents=rng.randint(0, 12),
            discoverable=i % 3 != 0,
        )
        startup_orgs.append((org, founder))
        if i == 0:
            logins["startup (representative)"] = founder.email
    _seed_applications(call, operator, startup_orgs, rng, logins)
    _precompute_matching(call, startup_orgs)
    if calls_only:
        return logins

    # Evaluators with affiliations.
    for j, (ko, en, kind) in enumerate(AFFILIATIONS):
        org = Organisation.objects.create(kind=Organisation.Kind.AFFILIATION, name_ko=ko,
                                          name_en=en, affiliation_type=kind)
        for k in range(3):
            person = _user(f"evaluator{j * 3 + k + 1:02d}@kbridge.demo", _person(rng))
            Membership.objects.create(user=person, organisation=org,
                                      role=Membership.Role.EVALUATOR)
            if j == 0 and k == 0:
                logins["evaluator"] = person.email
    # Evaluation: last year's call evaluated, this year's first round in document evaluation.
    from kbridge.portal.demo_evaluation import seed_evaluation

    seed_evaluation(operator=operator, operator_org=operator_org, program=program,
                    old_program=old_program, startups=startup_orgs[61:], logins=logins,
                    today=today)
    # Selection: last year's evaluated call selected, announced and concluded.
    from kbridge.portal.demo_selection import seed_selection

    seed_selection(operator=operator, old_program=old_program, logins=logins)
    # Events: the 2023 meetup reconstructed, one running today, one taking registrations.
    from kbridge.portal.demo_events import seed_events

    seed_events(operator=operator, operator_org=operator_org, startups=startup_orgs,
                logins=logins, now=now)
    # Alliance and outcomes: three cohorts reporting, collaborations, the directory.
    from kbridge.portal.demo_alliance import seed_alliance

    seed_alliance(operator=operator, operator_org=operator_org, startups=startup_orgs,
                  logins=logins, today=today, now=now)
    return logins


def sector_phrase(sector_en: str) -> str:
    """A sector's English name inside a sentence: lower case, but acronyms kept
    ("LLM applications", "AI chips", "bio and healthcare")."""
    first = sector_en.split(" ", 1)[0]
    return sector_en if first.isupper() else sector_en[:1].lower() + sector_en[1:]


def _brn(rng: random.Random) -> str:
    """A business registration number with a valid National Tax Service check digit."""
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    digits = [rng.randint(1, 8), rng.randint(0, 9), rng.randint(1, 9), 8, rng.choice([1, 6, 7]),
              *[rng.randint(0, 9) for _ in range(3)], rng.randint(1, 9)]
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + digits[8] * 5 // 10
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return f"{text[:3]}-{text[3:5]}-{text[5:]}"


def _demo_pdf(title: str, pages: int) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=842, height=595)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _seed_applications(call, operator, startup_orgs, rng, logins) -> None:
    """Submitted, draft, ineligible and withdrawn applications for the open call."""
    import hashlib

    from kbridge.applications import services as application_services
    from kbridge.applications.models import Question
    from kbridge.applications.uploads import CheckedPDF

    questions = application_services.add_standard_questions(call=call, by=operator)
    tracks = list(call.tracks.order_by("partner_id", "position"))
    for n, (org, founder) in enumerate(startup_orgs[1:61], start=1):
        sector = next(s for s in SECTORS if s.en == org.sector)
        # Startups go to the partner whose interests fit their sector best.
        preferred = {"ai_chips": 1, "llm_apps": 0, "platform": 0, "robotics": 2,
                     "bio": 5, "fintech": 4, "mobility": 2, "climate": 5, "edtech": 3,
                     "content": 3}[sector.key]
        track = tracks[preferred if rng.random() < 0.8 else rng.randrange(len(tracks))]
        application = application_services.start_application(track=track, applicant=org,
                                                              by=founder)
        kind = "submitted" if n <= 30 else "draft" if n <= 48 else "withdrawn" if n <= 52 \
            else "ineligible"
        answers = {}
        for q in questions:
            if q.kind == Question.Kind.TEXT and (kind != "draft" or rng.random() < 0.6):
                answers[str(q.pk)] = (f"{org.description_ko}\n\n{org.description_en}")[
                    : q.max_length or 1000]
            elif q.kind == Question.Kind.NUMBER:
                answers[str(q.pk)] = org.profile.investment_krw
            elif q.kind == Question.Kind.CHOICE:
                answers[str(q.pk)] = rng.choice(q.choices)["value"]
        version = application_services.save_draft(
            application=application, by=founder, answers=answers, base_version=1,
            declarations={"declares_government_support": kind == "ineligible" and n % 2 == 0,
                          "government_support_detail": "창업성장기술개발사업"
                          if kind == "ineligible" and n % 2 == 0 else "",
                          "declares_no_tax_arrears": True})
        if kind in {"submitted", "withdrawn"}:
            for q in questions:
                if q.kind == Question.Kind.FILE:
                    pages = rng.randint(8, 20)
                    data = _demo_pdf(f"{org.name_en} — {q.label_en}", pages)
                    application_services.attach_file(
                        application=application, question=q, by=founder,
                        checked=CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(),
                                           size=len(data), pages=pages,
                                           original_name=f"{org.name_en} {q.label_en}.pdf"))
            application.refresh_from_db()
            version = application.version
        if kind in {"submitted", "withdrawn"} and not application_services.validate_for_submission(
                application):
            application_services.submit_application(application=application, by=founder,
                                                     draft_version=version)
        if kind == "withdrawn":
            application.refresh_from_db()
            application_services.withdraw_application(application=application, by=founder,
                                                      reason="다른 사업과 일정이 겹침")
        if n == 1:
            logins["startup (submitted)"] = founder.email


def _precompute_matching(call, startup_orgs) -> None:
    """Embed every profile and track now, so the demo's recommendations and searches show
    their semantic ranking at once (in production a worker does this as texts change)."""
    from kbridge.matching import selectors

    keys = [f"track:{t.pk}" for t in call.tracks.all()]
    keys += [f"startup:{org.pk}" for org, _founder in startup_orgs]
    selectors.precompute(keys)
    if startup_orgs:
        first = startup_orgs[0][0]
        first.refresh_from_db()
        selectors.recommended_tracks(first, live=True)


def _seed_second_agency(today: dt.date, logins: dict[str, str]) -> None:
    """A second agency on the same installation, with its own program in preparation and its
    own record of Google: signed in as its operator, nothing of KISED's is reachable (the
    tenancy model, docs/decisions.md)."""
    agency = Organisation.objects.create(
        kind=Organisation.Kind.OPERATOR, name_ko="서울경제진흥원", name_en="Seoul Business Agency",
        description_ko="서울시 산하 중소기업·창업 지원 기관",
        description_en="The City of Seoul's agency for small businesses and startups")
    staff = _user("operator2@kbridge.demo", "박서준")
    Membership.objects.create(user=staff, organisation=agency, role=Membership.Role.OPERATOR)
    logins["operator (second agency)"] = staff.email
    program = program_services.create_program(
        by=staff, operator=agency, year=today.year + 1,
        name_ko=f"{today.year + 1} 서울 글로벌 오픈이노베이션",
        name_en=f"{today.year + 1} Seoul Global Open Innovation", budget_krw=3_000_000_000)
    partner = program_services.add_partner(
        by=staff, program=program, new_company_ko="구글", new_company_en="Google",
        sub_program_ko="구글 스타트업 캠퍼스 서울", sub_program_en="Google for Startups Seoul")
    opens = _kst(today.year + 1, 2, 2, 9)
    deadline = _kst(today.year + 1, 3, 3, 18)
    call = program_services.create_call(
        by=staff, program=program,
        title_ko="서울 글로벌 오픈이노베이션 참여기업 모집 (준비 중)",
        title_en="Seoul Global Open Innovation: call for startups (in preparation)",
        opens_at=opens, deadline_at=deadline,
        document_evaluation_start=deadline.date() + dt.timedelta(days=2),
        document_evaluation_end=deadline.date() + dt.timedelta(days=9),
        presentation_evaluation_start=deadline.date() + dt.timedelta(days=14),
        presentation_evaluation_end=deadline.date() + dt.timedelta(days=15),
        announcement_on=deadline.date() + dt.timedelta(days=25))
    program_services.create_track(
        by=staff, call=call, partner=partner, name_ko="AI 서비스 트랙",
        name_en="AI services track",
        quota=10, funding_cap_krw=100_000_000, interest_keywords=["생성형 AI", "cloud"],
        max_company_age_years=7)


def existing_logins() -> dict[str, str]:
    logins = {"operator": "operator@kbridge.demo",
              "operator (second agency)": "operator2@kbridge.demo"}
    for spec in PARTNERS:
        logins[f"partner ({spec['en']})"] = f"{spec['en'].lower()}@kbridge.demo"
    logins["startup (representative)"] = "startup001@kbridge.demo"
    logins["startup (submitted)"] = "startup002@kbridge.demo"
    logins["evaluator"] = "evaluator01@kbridge.demo"
    logins["startup (evaluated last year)"] = "startup063@kbridge.demo"
    logins["startup (in evaluation)"] = "startup073@kbridge.demo"
    # Last year's selection, as the seed left it (portal/demo_selection.py).
    from kbridge.portal.demo_selection import selection_logins

    logins.update(selection_logins())
    from kbridge.portal.demo_events import event_logins

    logins.update(event_logins())
    from kbridge.portal.demo_alliance import alliance_logins

    logins.update(alliance_logins())
    return logins
