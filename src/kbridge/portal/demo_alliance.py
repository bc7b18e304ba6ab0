"""Demo alliance and outcomes (issue 16): three cohorts of selected startups reporting their
outcomes, collaborations with the partners, and a directory.

* **Cohorts.** Last year's cohort is the selection demo's (``demo_selection``: its agreements
  were accepted, which scheduled their reports and made the startups members). The two cohorts
  before it (``today.year - 3`` and ``- 2``) are added compactly: a program with OpenAI,
  NVIDIA, AWS and Microsoft, one track each, and ``COHORT_SIZE`` startups selected with
  accepted agreements. Their selection rows (applications, outcomes, agreements) are written
  directly — the selection itself is the selection demo's subject — and everything of the
  alliance goes **through** ``alliance/services``: ``schedule_reports``,
  ``admit_selected_startup``, ``save_report`` / ``submit_report`` / ``approve_report`` /
  ``return_report``, ``release_tranche``, the collaboration services and ``update_profile``, so
  the audit log, the outbox and the tranche releases are what they would be.
* **Figures** are scaled from the programme's published 2021 cohort (3,000 jobs, ₩201.4B
  follow-on investment, 59 firms with overseas revenue for about 300 firms): 3–15 jobs a
  firm-year, about 40 % of firms raising one or two rounds of ₩0.3–5B, overseas revenue for
  about 20 % of firms rising to 30 %, revenue ₩0.1–3B a year, 0–3 patents, one M&A.
* **States**: every report whose due day has passed is approved, except one left submitted
  (waiting for review) and one returned with a comment; reports due later stay due (one within
  30 days). Tranches are released where their report is approved.
* **Collaborations**: one or two per startup, at every stage (PoC ₩30–100M, cloud credits,
  mentoring, market entry); some of the 2023 meetup's "follow-up wanted" meetings moved on.
* **Directory**: the partners and some startups listed with Korean and English profiles.

Deterministic: ``random.Random(16)``.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.alliance.models import AllianceMember, Collaboration, MilestoneReport
from kbridge.alliance.services import collaborations as collaboration_services
from kbridge.alliance.services import members as member_services
from kbridge.alliance.services import reports as report_services
from kbridge.core.josa import josa
from kbridge.programs import services as program_services

#: Startups selected in each of the two cohorts the demo adds.
COHORT_SIZE = 12
#: The partner companies of the added cohorts, with their track's award per startup (KRW).
COHORT_PARTNERS = [("OpenAI", 200_000_000), ("NVIDIA", 150_000_000), ("AWS", 120_000_000),
                   ("Microsoft", 150_000_000)]
INVESTORS = ["카카오벤처스", "KDB산업은행", "스파크랩", "블루포인트파트너스", "DSC인베스트먼트",
             "한국투자파트너스", "KB인베스트먼트", "소프트뱅크벤처스"]
ROUNDS = ["seed", "pre_a", "series_a", "series_b"]
RETURN_COMMENT = ("해외 매출이 전체 매출보다 큰 것처럼 보입니다. 해외 매출 증빙(수출신고필증 또는 "
                  "해외 계약서)과 함께 금액을 다시 확인해 제출해 주세요.")
SUBMITTED_NARRATIVE = ("미국 법인을 설립하고 첫 해외 고객사 두 곳과 유료 계약을 맺었습니다. "
                       "Series A 투자를 유치해 개발 인력을 충원했습니다.")


def _kst(day: dt.date, hour: int = 10) -> dt.datetime:
    from kbridge.portal.demo import KST

    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=KST)


def _representative(org: Organisation) -> User:
    return (Membership.objects.filter(organisation=org,
                                      role=Membership.Role.STARTUP_REPRESENTATIVE)
            .select_related("user").order_by("user_id").first().user)


def seed_alliance(*, operator: User, operator_org: Organisation, startups: list,
                  logins: dict[str, str], today: dt.date, now: dt.datetime) -> None:
    """Seed the alliance (module docstring). ``startups``: the main seed's (organisation,
    representative) pairs; ``logins`` gains the logins that show it."""
    rng = random.Random(16)
    # Startups that drafted or withdrew this year's application (the small demo: any).
    pool = [pair for pair in (startups[31:] if len(startups) > 31 + 2 * COHORT_SIZE
                              else startups[1:])
            if not pair[0].applications.filter(
        program__operator=operator_org, status="submitted",
        outcome__status="selected").exists()]
    for offset, members in ((3, pool[:COHORT_SIZE]), (2, pool[COHORT_SIZE:2 * COHORT_SIZE])):
        _seed_cohort(today.year - offset, operator, operator_org, members, today,
                     due_soon=offset == 2)
    _seed_reports(operator, operator_org, rng, today, now)
    _seed_collaborations(operator_org, rng, today, now)
    _seed_directory(operator_org, rng)
    logins.update(alliance_logins())


def _seed_cohort(year: int, operator: User, operator_org: Organisation, members: list,
                 today: dt.date, *, due_soon: bool) -> None:
    """A past cohort: its program, partners, call, one track per partner and one evaluation
    stage, the selection confirmed and the agreements accepted; then the alliance services
    schedule the reports and admit the startups."""
    from kbridge.applications.models import Application
    from kbridge.evaluation.models import Stage
    from kbridge.selection.models import Agreement, Outcome, Selection

    program = program_services.create_program(
        by=operator, operator=operator_org, year=year,
        name_ko=f"{year} 글로벌 기업 협업 프로그램",
        name_en=f"{year} Global Company Collaboration Program", budget_krw=40_000_000_000)
    deadline = _kst(dt.date(year, 3, 15), 16)
    call = program_services.create_call(
        by=operator, program=program, title_ko=f"{year}년 글로벌 기업 협업 프로그램 참여기업 모집",
        title_en=f"{year} Global Company Collaboration Program: call for startups",
        opens_at=deadline - dt.timedelta(days=30), deadline_at=deadline,
        document_evaluation_start=dt.date(year, 3, 18),
        document_evaluation_end=dt.date(year, 3, 29),
        presentation_evaluation_start=dt.date(year, 4, 8),
        presentation_evaluation_end=dt.date(year, 4, 12), announcement_on=dt.date(year, 4, 30))
    stage = Stage.objects.create(call=call, kind=Stage.Kind.PRESENTATION,
                                 opens_at=_kst(dt.date(year, 4, 8), 9),
                                 closes_at=_kst(dt.date(year, 4, 12), 18),
                                 closed_at=_kst(dt.date(year, 4, 12), 18),
                                 pledge_version=f"{year}-1")
    tracks = []
    for position, (name, award) in enumerate(COHORT_PARTNERS):
        org = Organisation.objects.get(name_en=name, agency=operator_org)
        partner = program_services.add_partner(by=operator, program=program, organisation=org,
                                               sub_program_ko=f"{org.name_ko} 협업 프로그램",
                                               sub_program_en=f"{name} collaboration program")
        track = program_services.create_track(
            by=operator, call=call, partner=partner, name_ko=f"{org.name_ko} 트랙",
            name_en=f"{name} track", quota=3, funding_cap_krw=award,
            interest_keywords=["AI"], max_company_age_years=7, position=position)
        selection = Selection.objects.create(
            track=track, stage=stage, status=Selection.Status.CONFIRMED,
            budget_krw=award * 3, created_by=operator, confirmed_by=operator,
            confirmed_at=_kst(dt.date(year, 4, 25)))
        tracks.append((track, selection, award))
    accepted_at = _kst(dt.date(year, 5, 20))
    applications = Application.objects.bulk_create([Application(
        applicant=org, program=program, call=call, track=tracks[n % len(tracks)][0],
        created_by=founder, status=Application.Status.SUBMITTED,
        exclusivity_key=f"track:{tracks[n % len(tracks)][0].pk}", submitted_version=1,
        submitted_at=deadline - dt.timedelta(days=2), saved_at=deadline - dt.timedelta(days=2))
        for n, (org, founder) in enumerate(members)])
    outcomes = Outcome.objects.bulk_create([Outcome(
        selection=tracks[n % len(tracks)][1], application=application, rank=n // len(tracks) + 1,
        score=90 - n, status=Outcome.Status.SELECTED, reason_code="within_quota",
        award_krw=tracks[n % len(tracks)][2]) for n, application in enumerate(applications)])
    starts_on, ends_on = dt.date(year, 6, 1), dt.date(year + 1, 3, 31)
    agreements = []
    for n, outcome in enumerate(outcomes):
        start, end = starts_on, ends_on
        if due_soon and n == len(outcomes) - 1:
            # Its first annual outcome report falls due within the next 30 days.
            end = (today - dt.timedelta(days=12)).replace(year=today.year - 1)
            start = end.replace(day=1) - dt.timedelta(days=270)
            start = start.replace(day=1)
        first = outcome.award_krw * 70 // 100
        middle = dt.date(start.year + (start.month + 4 > 12), (start.month + 4 - 1) % 12 + 1, 1)
        agreements.append(Agreement(
            outcome=outcome, status=Agreement.Status.ACCEPTED, starts_on=start, ends_on=end,
            tranches=[{"due_on": start.isoformat(), "amount_krw": first},
                      {"due_on": middle.isoformat(), "amount_krw": outcome.award_krw - first}],
            accept_by=accepted_at + dt.timedelta(days=10), accepted_by=members[n][1],
            accepted_at=accepted_at, accepted_ip="203.0.113.10"))
    for agreement in Agreement.objects.bulk_create(agreements):
        agreement = Agreement.objects.select_related(
            "outcome__application__program__operator", "outcome__application__applicant").get(
            pk=agreement.pk)
        report_services.schedule_reports(agreement=agreement, by=operator)
        member_services.admit_selected_startup(
            agency=operator_org, organisation=agreement.outcome.application.applicant,
            by=agreement.accepted_by, now=agreement.accepted_at)


def _seed_reports(operator: User, operator_org: Organisation, rng: random.Random,
                  today: dt.date, now: dt.datetime) -> None:
    """Fill, submit and review every report whose due day has passed, with figures drawn per
    firm; then release the tranches their approvals unlock."""
    from kbridge.selection.models import Agreement

    reports = list(MilestoneReport.objects.filter(
        agreement__outcome__application__program__operator=operator_org, due_on__lte=today)
        .select_related("agreement__outcome__application__applicant")
        .order_by("agreement_id", "sequence"))
    firms = {}
    for report in reports:
        org = report.agreement.outcome.application.applicant
        if org.pk not in firms:
            firms[org.pk] = {"rep": _representative(org), "overseas": rng.random(),
                             "rounds": rng.choice([0, 1, 1, 2]) if rng.random() < 0.55
                             else 0, "employees": rng.randint(5, 40),
                             "scale": rng.uniform(0.1, 3.0)}
    # The firms that raise: a round lands in one of their reports, at random.
    raising = {pk: sorted(rng.sample([r.pk for r in reports if
                                      r.agreement.outcome.application.applicant_id == pk],
                                     k=min(f["rounds"], 2)))
               for pk, f in firms.items() if f["rounds"]}
    last_of = {}
    for report in reports:
        last_of[report.agreement_id] = report
    # The special cases: the last past report of two agreements of last year's cohort.
    latest = [r for r in last_of.values()
              if r.agreement.outcome.application.program.year == today.year - 1]
    latest = (latest if len(latest) >= 3 else list(last_of.values())) + [None] * 3
    submitted, returned, merger = latest[:3]
    for report in reports:
        org = report.agreement.outcome.application.applicant
        firm = firms[org.pk]
        days = (report.period_ends_on - report.period_starts_on).days + 1
        share = days / 365
        year_index = report.period_ends_on.year - (today.year - 3)
        overseas = firm["overseas"] < 0.2 + 0.035 * year_index
        revenue = int(firm["scale"] * share * 1_000_000_000) // 1_000_000 * 1_000_000
        firm["employees"] += (jobs := max(1, round(rng.randint(3, 15) * share)))
        investments = []
        submitted_on = min(max(report.period_ends_on, report.due_on - dt.timedelta(days=3)),
                           today)
        span = (min(report.period_ends_on, submitted_on) - report.period_starts_on).days + 1
        for n, _pk in enumerate(p for p in raising.get(org.pk, []) if p == report.pk):
            closed = report.period_starts_on + dt.timedelta(days=rng.randrange(max(1, span)))
            investments.append({"round": ROUNDS[min(n + rng.randrange(3), 3)],
                                "amount_krw": rng.randint(3, 50) * 100_000_000,
                                "investor": rng.choice(INVESTORS), "closed_on": closed})
        values = {"jobs_created": jobs, "employees": firm["employees"], "revenue_krw": revenue,
                  "overseas_revenue_krw": revenue * rng.randint(10, 40) // 100 if overseas
                  else 0,
                  "patents_filed": rng.choice([0, 0, 1, 1, 2, 3]),
                  "patents_granted": rng.choice([0, 0, 0, 1]),
                  "narrative": (SUBMITTED_NARRATIVE if report is submitted else
                                f"{org.name_ko}: 제품 고도화와 고객 확대를 진행했습니다. "
                                f"{org.name_en}: product development and new customers.")}
        if report is merger:
            values.update(merger_acquisition="acquirer",
                          merger_detail="국내 AI 데이터 라벨링 스타트업 인수 (지분 100%)")
        report_services.save_report(report=report, by=firm["rep"], values=values,
                                    investments=investments)
        submitted_at = min(_kst(submitted_on), now)
        report_services.submit_report(report=report, by=firm["rep"], now=submitted_at)
        if report is submitted:
            continue
        if report is returned:
            report_services.return_report(report=report, by=operator, comment=RETURN_COMMENT,
                                          now=min(submitted_at + dt.timedelta(days=2), now))
            continue
        report_services.approve_report(report=report, by=operator,
                                       now=min(submitted_at + dt.timedelta(days=4), now))
    for agreement in Agreement.objects.filter(
            outcome__application__program__operator=operator_org,
            status=Agreement.Status.ACCEPTED).order_by("pk"):
        states = report_services.tranche_states(agreement, list(agreement.milestone_reports.all()),
                                                list(agreement.tranche_releases.all()))
        for state in states:
            if state.state == "ready":
                report_services.release_tranche(agreement=agreement, tranche=state.number,
                                                by=operator)


def _seed_collaborations(operator_org: Organisation, rng: random.Random, today: dt.date,
                         now: dt.datetime) -> None:
    """One or two collaborations per selected startup with its track's partner (or another
    partner of the program), at every stage; a few 2023 meeting follow-ups moved on."""
    from kbridge.selection.models import Agreement

    kinds = [(Collaboration.Kind.POC, "공동 PoC", "joint PoC"),
             (Collaboration.Kind.CREDITS, "클라우드 크레딧", "cloud credits"),
             (Collaboration.Kind.MENTORING, "기술 멘토링", "technical mentoring"),
             (Collaboration.Kind.MARKET_ENTRY, "해외 시장 진출", "market entry")]
    stages = ["proposed", "agreed", "running", "done", "done", "running", "dropped"]
    agreements = (Agreement.objects.filter(outcome__application__program__operator=operator_org,
                                           status=Agreement.Status.ACCEPTED)
                  .select_related("outcome__application__applicant",
                                  "outcome__application__track__partner__program",
                                  "outcome__application__track__partner__organisation")
                  .order_by("pk"))
    staff = {}
    for n, agreement in enumerate(agreements):
        application = agreement.outcome.application
        partner = application.track.partner
        org_id = partner.organisation_id
        if org_id not in staff:
            staff[org_id] = (Membership.objects.filter(organisation_id=org_id,
                                                       role=Membership.Role.PARTNER_ADMIN)
                             .select_related("user").order_by("user_id").first().user)
        for k in range(1 + (n % 3 == 0)):
            kind, title_ko, title_en = kinds[(n + k) % len(kinds)]
            amount = (rng.randint(3, 10) * 10_000_000 if kind == Collaboration.Kind.POC else
                      rng.choice([30, 50, 100]) * 1_000_000
                      if kind == Collaboration.Kind.CREDITS else None)
            proposed = min(agreement.starts_on + dt.timedelta(days=rng.randint(20, 200)),
                           today - dt.timedelta(days=40))
            collaboration = collaboration_services.create_collaboration(
                partner=partner, startup=application.applicant, kind=kind, by=staff[org_id],
                title=f"{partner.organisation.name_ko} × {application.applicant.name_ko} "
                      f"{title_ko} / {title_en}",
                amount_krw=amount, proposed_on=proposed, now=now)
            _move_to(collaboration, stages[(n * 2 + k) % len(stages)], staff[org_id],
                     proposed, today, now)
    for n, collaboration in enumerate(Collaboration.objects.filter(
            meeting_outcome__isnull=False, program__operator=operator_org).select_related(
            "partner__organisation").order_by("pk")[:8]):
        person = (Membership.objects.filter(organisation_id=collaboration.partner.organisation_id,
                                            role=Membership.Role.PARTNER_ADMIN)
                  .select_related("user").order_by("user_id").first().user)
        _move_to(collaboration, ["agreed", "running", "done", "dropped"][n % 4], person,
                 collaboration.proposed_on, today, now)


def _move_to(collaboration, stage: str, by: User, proposed: dt.date, today: dt.date,
             now: dt.datetime) -> None:
    path = {"proposed": [], "agreed": ["agreed"], "running": ["agreed", "running"],
            "done": ["agreed", "running", "done"], "dropped": ["agreed", "dropped"]}[stage]
    day = proposed
    for step in path:
        day = min(day + dt.timedelta(days=14), today)
        collaboration_services.MOVES[step](collaboration=collaboration, on=day, by=by, now=now)


def _seed_directory(operator_org: Organisation, rng: random.Random) -> None:
    """The partners join and are listed; every second selected startup lists itself with a
    profile in Korean and English."""
    from kbridge.alliance.models import Sector
    from kbridge.portal.demo import PARTNERS, SECTORS

    sector_of = {"AI chips": Sector.SEMICONDUCTORS, "LLM applications": Sector.AI,
                 "Platform development": Sector.CLOUD, "Robotics": Sector.ROBOTICS,
                 "Bio and healthcare": Sector.HEALTH, "Fintech": Sector.FINTECH,
                 "Mobility": Sector.MOBILITY, "Climate tech": Sector.CLIMATE,
                 "Edtech": Sector.EDUCATION, "Content and media": Sector.CONTENT}
    for spec in PARTNERS:
        org = Organisation.objects.get(name_en=spec["en"], agency=operator_org)
        admin = User.objects.get(email=f"{spec['en'].lower()}@kbridge.demo")
        member = member_services.join_alliance(agency=operator_org, organisation=org, by=admin)
        member_services.update_profile(
            member=member, by=admin, listed=True,
            headline_ko=f"{spec['ko']}: {spec['sub_ko']}", headline_en=f"{spec['en']}: {spec['sub_en']}",
            description_ko=f"{josa(spec['ko'], '은')} 창업진흥원과 함께 국내 스타트업의 기술 검증과 해외 진출을 돕습니다.",
            description_en=f"{spec['en']} works with KISED to help Korean startups prove their "
                           "technology and go abroad.",
            sectors=[Sector.AI, Sector.CLOUD], technologies=list(spec["tracks"][0]["keywords"][:3]))
    members = (AllianceMember.objects.filter(agency=operator_org, kind=AllianceMember.Kind.SELECTED,
                                             status=AllianceMember.Status.ACTIVE)
               .select_related("organisation").order_by("pk"))
    for n, member in enumerate(members):
        if n % 2:
            continue
        org = member.organisation
        sector = next((s for s in SECTORS if s.en == org.sector), SECTORS[0])
        member_services.update_profile(
            member=member, by=_representative(org), listed=True,
            headline_ko=f"{sector.ko} · {org.name_ko}", headline_en=f"{sector.en} · {org.name_en}",
            description_ko=org.description_ko, description_en=org.description_en,
            sectors=[sector_of.get(org.sector, Sector.OTHER)],
            technologies=list(org.keywords[:3]))


def alliance_logins() -> dict[str, str]:
    """The logins that show the alliance demo, read from the database as the seed left it.
    Empty without it."""
    logins: dict[str, str] = {}
    reports = MilestoneReport.objects.select_related("agreement__outcome__application__applicant")
    today = timezone.localdate()
    for label, report in (
            ("startup (report returned)", reports.filter(status="returned").order_by("pk").first()),
            ("startup (report in review)", reports.filter(status="submitted").order_by("pk").first()),
            ("startup (report due soon)", reports.filter(
                status="due", due_on__gt=today, due_on__lte=today + dt.timedelta(days=30))
             .order_by("due_on", "pk").first())):
        if report is not None:
            logins[label] = _representative(report.agreement.outcome.application.applicant).email
    return logins
