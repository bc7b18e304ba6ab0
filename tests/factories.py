"""Factories for tests: realistic defaults, every object valid on its own."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from kbridge.accounts.models import Membership, Organisation, User
from kbridge.programs.models import Call, Partner, Program, SupportItem, Track

KST = ZoneInfo("Asia/Seoul")
PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.kr")
    full_name = factory.Sequence(lambda n: f"사용자{n}")
    password = _PASSWORD_HASH
    email_verified_at = factory.LazyFunction(timezone.now)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.STARTUP
    name_ko = factory.Sequence(lambda n: f"조직{n}")
    name_en = factory.Sequence(lambda n: f"Org {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.STARTUP_REPRESENTATIVE


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    operator = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.OPERATOR)
    year = 2026
    name_ko = "2026 글로벌 기업 협업 프로그램"
    name_en = "2026 Global Company Collaboration Program"
    budget_krw = 45_000_000_000


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    program = factory.SubFactory(ProgramFactory)
    # A partner company's record is managed by the agency running the program (tenancy).
    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.PARTNER,
                                      agency=factory.SelfAttribute("..program.operator"))
    sub_program_ko = "협업 프로그램"
    sub_program_en = "Collaboration program"


def kst(year, month, day, hour=0, minute=0, second=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=KST)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    program = factory.SubFactory(ProgramFactory)
    title_ko = "2026년 글로벌 기업 협업 프로그램 참여기업 모집 공고"
    title_en = "2026 Global Company Collaboration Program: call for startups"
    summary_ko = "글로벌 기업과 협업할 창업기업을 모집합니다."
    summary_en = "Startups to collaborate with global companies."
    status = Call.Status.PUBLISHED
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    deadline_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    document_evaluation_start = factory.LazyAttribute(
        lambda o: timezone.localtime(o.deadline_at).date() + dt.timedelta(days=2))
    document_evaluation_end = factory.LazyAttribute(
        lambda o: o.document_evaluation_start + dt.timedelta(days=10))
    presentation_evaluation_start = factory.LazyAttribute(
        lambda o: o.document_evaluation_end + dt.timedelta(days=5))
    presentation_evaluation_end = factory.LazyAttribute(
        lambda o: o.presentation_evaluation_start + dt.timedelta(days=2))
    announcement_on = factory.LazyAttribute(
        lambda o: o.presentation_evaluation_end + dt.timedelta(days=10))


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    call = factory.SubFactory(CallFactory)
    partner = factory.SubFactory(PartnerFactory, program=factory.SelfAttribute("..call.program"))
    name_ko = "API 트랙"
    name_en = "API track"
    description_ko = "API로 서비스를 만드는 기업"
    description_en = "Companies building on the API"
    quota = 7
    funding_cap_krw = 200_000_000
    interest_keywords = factory.LazyFunction(lambda: ["LLM", "platform developers"])
    max_company_age_years = 7


class SupportItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportItem

    track = factory.SubFactory(TrackFactory)
    kind = SupportItem.Kind.CLOUD_CREDITS
    description_ko = "API 크레딧"
    description_en = "API credits"


# --- applications ---------------------------------------------------------------------------

from kbridge.applications.models import Application, Question, StartupProfile  # noqa: E402


class StartupProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StartupProfile

    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.STARTUP)
    business_registration_number = "220-81-62517"
    founded_on = dt.date(2022, 3, 2)
    representative = factory.SubFactory(UserFactory)
    technology_keywords = factory.LazyFunction(lambda: ["NPU", "edge AI"])
    team_size = 12


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    call = factory.SubFactory(CallFactory)
    kind = Question.Kind.TEXT
    label_ko = "사업 개요"
    label_en = "Business summary"
    max_length = 500


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    track = factory.SubFactory(TrackFactory)
    call = factory.SelfAttribute("track.call")
    program = factory.SelfAttribute("track.call.program")
    applicant = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.STARTUP)
    created_by = factory.SubFactory(UserFactory)
    exclusivity_key = factory.LazyAttribute(lambda o: f"program:{o.program.pk}")
    declares_government_support = False
    declares_no_tax_arrears = True
