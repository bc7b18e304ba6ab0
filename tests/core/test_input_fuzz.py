"""Every form of the product, fuzzed through its page: never a 500, nothing typed lost.

``test_every_form_is_covered`` enumerates the form classes of every ``kbridge.*.forms``
module: a new form fails it until it inherits the input-cleaning layer
(``kbridge.core.forms.CleanInputMixin``) and gets a scenario here.

Each scenario posts what hypothesis types into the form's text fields (control characters,
NUL, CR LF, LINE SEPARATOR, decomposed Hangul, text over the limits…) through the test
client, as the browser would, and then:

* the answer is never a 500;
* when the page comes back (200, 409, 422) it shows what was typed, cleaned
  (``kbridge.core.text.clean_text``);
* when the form was accepted (a redirect), what is stored is what was typed, cleaned.

The same tests run on SQLite and, in CI, on PostgreSQL (which refuses NUL in text and JSON,
and integers out of range, where SQLite is lenient).
"""

from __future__ import annotations

import importlib
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.core.forms import BaseForm, BaseModelForm, CleanInputMixin
from kbridge.core.text import MAX_TEXT_CHARS, clean_text
from tests.applications.conftest import draft, profile_a, questions  # noqa: F401 (fixtures)

EXAMPLES = int(os.environ.get("KBRIDGE_FUZZ_EXAMPLES", "25"))
#: Fixed examples by default (CI stays reproducible); KBRIDGE_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = not os.environ.get("KBRIDGE_FUZZ_RANDOM")

NASTY = [
    "\x00", "a\x00b", "\r\n", "첫 줄\r\n둘째 줄", "\u2028", "\x85", "\x1b[31m", "\x7f",
    "e\u0301", "\u1100\u1161\u11a8",  # decomposed é and 각
    "\u202etxt.exe", "\ufeff", "<script>alert(1)</script>", "' OR 1=1 --", "&amp;",
    " ", "\t", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀", "가" * 301, "x" * 1_001,
]
#: Any text a browser can send (no lone surrogates: they cannot be encoded as UTF-8; the
#: unit tests of core.text cover them).
TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(NASTY),
    st.lists(st.sampled_from(NASTY), min_size=2, max_size=4).map("".join),
)
LONG = st.sampled_from(["답" * (MAX_TEXT_CHARS + 1), "x" * MAX_TEXT_CHARS])


@dataclass
class Scenario:
    """How to reach one form: who, where, a valid POST, and which fields take fuzzed text."""

    persona: str | None
    url: Callable
    data: Callable
    text_fields: list[str]
    #: Where an accepted value is stored: ``stored(ctx, field_name) -> str``; None when the
    #: form stores nothing we can read back (login, password reset).
    stored: Callable | None = None
    #: Fields whose stored value is not stripped (draft answers are kept as typed).
    unstripped: set[str] = field(default_factory=set)
    #: Fields shown again only as a password field would be (never echoed).
    no_echo: set[str] = field(default_factory=set)
    #: Fields the form rightly rewrites when it accepts them (a URL gains its scheme, a
    #: registration number its dashes, JSON is parsed): echoed, not compared when stored.
    transformed: set[str] = field(default_factory=set)
    htmx: bool = False
    #: ``prepare(client, ctx) -> url`` for forms reached through a first request.
    prepare: Callable | None = None


def _form_classes() -> set[type]:
    found = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("kbridge."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, forms.BaseForm)
                    and obj.__module__ == module.__name__ and not name.startswith("_")
                    and obj not in (BaseForm, BaseModelForm)):
                found.add(obj)
    return found


# --- Context: the objects each scenario needs ------------------------------------------------
@dataclass
class Ctx:
    world: object
    personas: object
    draft: object
    questions: list
    invitation_token: str
    reset_path: str


@pytest.fixture
def ctx(world, personas, draft, questions):  # noqa: F811
    from kbridge.accounts.models import Invitation, Membership

    token, token_hash = Invitation.new_token()
    from django.utils import timezone

    Invitation.objects.create(email="new@openai.example", organisation=personas.partner_a_org,
                              role=Membership.Role.PARTNER, token_hash=token_hash,
                              invited_by=personas.operator,
                              expires_at=timezone.now() + timezone.timedelta(days=7))
    user = personas.startup_b
    reset = (f"/accounts/password-reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
             f"{default_token_generator.make_token(user)}/")
    return Ctx(world, personas, draft, questions, token, reset)


def _text_q(ctx):
    return next(q for q in ctx.questions if q.kind == "text")


def _draft_data(ctx):
    ctx.draft.refresh_from_db()
    return {"version": ctx.draft.version, "editor": "fuzz", "declarations_present": "1",
            f"q_{_text_q(ctx).pk}": "", "government_support_detail": ""}


def _draft_stored(ctx, name):
    ctx.draft.refresh_from_db()
    if name == "government_support_detail":
        return ctx.draft.government_support_detail
    return ctx.draft.answers.get(name[2:], "")


def _signup(extra):
    def data(ctx):
        return {"email": "", "full_name": "", "password1": "a-long-enough-pass-42",
                "password2": "a-long-enough-pass-42", "privacy_consent": "on", **extra}
    return data


def _profile_data(ctx):
    return {"name_ko": "뉴로칩스", "name_en": "", "founded_on": "2022-03-02",
            "business_registration_number": "220-81-62517", "sector": "", "website": "",
            "technology_keywords": "", "description_ko": "", "description_en": ""}


def _profile_stored(ctx, name):
    from kbridge.accounts.models import Organisation

    org = Organisation.objects.select_related("profile").get(pk=ctx.personas.startup_a_org.pk)
    if name == "technology_keywords":
        return ", ".join(org.profile.technology_keywords)
    return getattr(org, name)


def _program_stored(ctx, name):
    ctx.world.program.refresh_from_db()
    return getattr(ctx.world.program, name)


def _partner_stored(ctx, name):
    ctx.world.partner_a.refresh_from_db()
    return getattr(ctx.world.partner_a, name)


def _call_stored(ctx, name):
    ctx.world.call.refresh_from_db()
    return getattr(ctx.world.call, name)


def _track_stored(ctx, name):
    track = ctx.world.track_a
    track.refresh_from_db()
    if name == "interest_keywords":
        return ", ".join(track.interest_keywords)
    if name.startswith("package-0-"):
        item = track.support_items.order_by("pk").first()
        return getattr(item, name.removeprefix("package-0-"))
    return getattr(track, name)


def _question_stored(ctx, name):
    from kbridge.applications.models import Question

    question = Question.objects.filter(call=ctx.world.call).order_by("-pk").first()
    return getattr(question, name.removeprefix("questions-0-"))


def _track_data(full):
    def data(ctx):
        # As the page sends it: the stored items are the initial forms.
        items = ctx.world.track_a.support_items.count()
        base = {"name_ko": "API 트랙", "name_en": "API track", "description_ko": "",
                "description_en": "", "interest_keywords": "",
                "package-TOTAL_FORMS": str(max(items, 1)),
                "package-INITIAL_FORMS": str(items),
                "package-0-kind": "poc", "package-0-description_ko": "공동 PoC",
                "package-0-description_en": "Joint PoC"}
        if full:
            base.update({"partner": ctx.world.partner_a.pk, "quota": "7",
                         "funding_cap_krw": "200000000", "position": "0",
                         "exclude_duplicate_funding": "on"})
        return base
    return data


def _call_data(ctx):
    return {"title_ko": "공고", "title_en": "Call", "summary_ko": "", "summary_en": "",
            "opens_at": "2026-11-01T09:00", "deadline_at": "2030-12-15T16:00",
            "document_evaluation_start": "2030-12-16", "document_evaluation_end": "2030-12-20",
            "presentation_evaluation_start": "2030-12-21",
            "presentation_evaluation_end": "2030-12-22", "announcement_on": "2030-12-23"}


def _event(ctx):
    """An event of the world's program nobody registered for (its questions can change)."""
    if getattr(ctx, "event", None) is None:
        from tests.events.world import make_event

        ctx.event = make_event(ctx.world)
    return ctx.event


def _event_data(ctx):
    from kbridge.core.i18n import KST

    event = _event(ctx)

    def local(value):
        return value.astimezone(KST).strftime("%Y-%m-%dT%H:%M")

    return {"host": ctx.world.partner_a.pk, "title_ko": "행사", "title_en": "Event",
            "summary_ko": "", "summary_en": "", "starts_at": local(event.starts_at),
            "ends_at": local(event.ends_at), "venue_ko": "코엑스", "venue_en": "COEX",
            "address": "", "capacity": "100", "review_places": "20",
            "waitlist_length": "20", "waitlist_offer_hours": "48",
            "registration_opens_at": local(event.registration_opens_at),
            "registration_closes_at": local(event.registration_closes_at)}


def _event_stored(ctx, name):
    event = _event(ctx)
    event.refresh_from_db()
    return getattr(event, name)


def _programme_data(ctx):
    from kbridge.core.i18n import KST

    event = _event(ctx)
    start = event.starts_at.astimezone(KST).strftime("%Y-%m-%dT%H:%M")
    return {"speakers-TOTAL_FORMS": "1", "speakers-INITIAL_FORMS": "0",
            "speakers-0-name_ko": "연사", "speakers-0-name_en": "Speaker",
            "speakers-0-role_ko": "", "speakers-0-role_en": "",
            "agenda-TOTAL_FORMS": "1", "agenda-INITIAL_FORMS": "0",
            "agenda-0-starts_at": start, "agenda-0-ends_at": start,  # refused: shown again
            "agenda-0-title_ko": "세션", "agenda-0-title_en": "Session", "agenda-0-speaker": ""}


def _fit_question_data(ctx):
    return {"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
            "questions-0-text_ko": "질문", "questions-0-text_en": "Question",
            "questions-0-options": "", "questions-0-required": "on",
            "questions-0-max_chars": "500"}


def _fit_question_stored(ctx, name):
    question = _event(ctx).fit_questions.order_by("-pk").first()
    return getattr(question, name.removeprefix("questions-0-"))


def _webhook_page(client, ctx):
    from kbridge.api.services_webhooks import create_subscription

    hook, _secret = create_subscription(
        by=ctx.personas.operator, organisation=ctx.personas.operator_org, name="CRM",
        url="http://127.0.0.1:9/hook", event_types=["application.submitted"])
    return f"/webhooks/{hook.pk}/edit/"


SCENARIOS: dict[str, Scenario] = {
    # API tokens and webhooks (issue 17). The token form is sent without a scope, so it always
    # comes back with what was typed (a made token is shown on a page of its own).
    "TokenForm": Scenario(
        "startup_a", lambda c: "/api-tokens/",
        lambda c: {"name": "", "expires_on": "", "organisation": ""}, ["name", "expires_on"]),
    "WebhookForm": Scenario(
        "operator", None,
        lambda c: {"name": "", "url": "http://127.0.0.1:9/hook",
                   "event_types": ["application.submitted"]}, ["name", "url"],
        prepare=_webhook_page),
    # Events (issue 15)
    "EventForm": Scenario(
        "operator", lambda c: f"/manage/events/{_event(c).pk}/edit/", _event_data,
        ["title_ko", "summary_ko", "venue_en", "address", "capacity", "starts_at"],
        stored=_event_stored),
    "SpeakerForm": Scenario(
        "operator", lambda c: f"/manage/events/{_event(c).pk}/programme/", _programme_data,
        ["speakers-0-name_ko", "speakers-0-role_en"]),
    "AgendaItemForm": Scenario(
        "operator", lambda c: f"/manage/events/{_event(c).pk}/programme/", _programme_data,
        ["agenda-0-title_ko", "agenda-0-title_en", "agenda-0-speaker"]),
    "FitQuestionForm": Scenario(
        "operator", lambda c: f"/manage/events/{_event(c).pk}/questions/", _fit_question_data,
        ["questions-0-text_ko", "questions-0-text_en", "questions-0-options",
         "questions-0-max_chars"], stored=_fit_question_stored,
        transformed={"questions-0-options"}),

    "LoginForm": Scenario(
        None, lambda c: "/accounts/login/",
        lambda c: {"username": "", "password": "wrong-password-1"}, ["username", "password"],
        no_echo={"password"}),
    "StartupSignupForm": Scenario(
        None, lambda c: "/accounts/signup/startup/",
        _signup({"company_name_ko": "", "company_name_en": ""}),
        ["email", "full_name", "company_name_ko", "company_name_en", "password1"],
        no_echo={"password1"}),
    "EvaluatorSignupForm": Scenario(
        None, lambda c: "/accounts/signup/evaluator/",
        _signup({"affiliation_name": "", "affiliation_type": "university"}),
        ["email", "full_name", "affiliation_name"]),
    "InvitationForm": Scenario(
        "operator", lambda c: "/accounts/invitations/",
        lambda c: {"email": "", "organisation": c.personas.partner_a_org.pk,
                   "role": "partner"}, ["email"]),
    "AcceptInvitationForm": Scenario(
        None, lambda c: f"/accounts/invitation/{c.invitation_token}/",
        # The passwords differ: the form always comes back, so the link stays usable.
        lambda c: {"full_name": "", "password1": "a-long-enough-pass-42",
                   "password2": "another-long-pass-43", "privacy_consent": "on"},
        ["full_name", "password1"],
        no_echo={"password1"}),
    "DeleteAccountForm": Scenario(
        # A wrong password: the form comes back (never echoing the password) and nothing is
        # deleted.
        "startup_b", lambda c: "/accounts/my-data/delete/",
        lambda c: {"password": "", "confirm": "on"}, ["password"], no_echo={"password"}),
    "MemberInvitationForm": Scenario(
        "startup_a", lambda c: "/startup/members/", lambda c: {"email": ""}, ["email"]),
    "ResetPasswordForm": Scenario(
        None, lambda c: "/accounts/password-reset/", lambda c: {"email": ""}, ["email"]),
    "NewPasswordForm": Scenario(
        None, lambda c: c.reset_path,
        lambda c: {"new_password1": "", "new_password2": "different-pass-44"},
        ["new_password1"], no_echo={"new_password1"},
        # The link from the e-mail stores its token in the session and redirects.
        prepare=lambda client, c: client.get(c.reset_path)["Location"]),
    "ProfileForm": Scenario(
        "startup_a", lambda c: "/startup/profile/", _profile_data,
        ["name_ko", "name_en", "sector", "description_ko", "technology_keywords",
         "business_registration_number", "website"],
        stored=_profile_stored, transformed={"business_registration_number", "website"}),
    "DraftForm": Scenario(
        "startup_a", lambda c: f"/applications/{c.draft.pk}/", _draft_data,
        ["q_TEXT", "government_support_detail"], stored=_draft_stored,
        unstripped={"q_TEXT", "government_support_detail"}),
    "ExtensionForm": Scenario(
        "operator", lambda c: f"/manage/calls/{c.world.call.pk}/extensions/",
        lambda c: {"applicant": "", "deadline_at": "2031-01-10T16:00", "reason": ""},
        ["reason", "deadline_at"]),
    "QuestionForm": Scenario(
        "operator", lambda c: f"/manage/calls/{c.world.call.pk}/questions/",
        lambda c: {"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "0",
                   "questions-0-position": "9", "questions-0-kind": "text",
                   "questions-0-label_ko": "", "questions-0-label_en": "Question",
                   "questions-0-help_ko": "", "questions-0-help_en": "",
                   "questions-0-required": "on", "questions-0-max_length": "",
                   "questions-0-choices": "[]"},
        ["questions-0-label_ko", "questions-0-help_ko", "questions-0-choices",
         "questions-0-max_length"], stored=_question_stored,
        transformed={"questions-0-choices"}),
    "ProgramForm": Scenario(
        "operator", lambda c: f"/manage/programs/{c.world.program.pk}/edit/",
        lambda c: {"operator": c.personas.operator_org.pk, "year": "2026", "name_ko": "",
                   "name_en": "Program", "description_ko": "", "description_en": "",
                   "budget_krw": "45000000000", "one_application_per_program": "on"},
        ["name_ko", "description_ko", "budget_krw", "year"], stored=_program_stored),
    "PartnerForm": Scenario(
        "operator", lambda c: f"/manage/programs/partners/{c.world.partner_a.pk}/edit/",
        lambda c: {"organisation": c.personas.partner_a_org.pk, "sub_program_ko": "",
                   "sub_program_en": "Program"},
        ["sub_program_ko", "sub_program_en"], stored=_partner_stored),
    "CallForm": Scenario(
        "operator", lambda c: f"/manage/programs/calls/{c.world.call.pk}/edit/", _call_data,
        ["title_ko", "summary_ko", "opens_at", "announcement_on"], stored=_call_stored),
    "TrackForm": Scenario(
        "operator", lambda c: f"/manage/programs/tracks/{c.world.track_a.pk}/edit/",
        _track_data(full=True),
        ["name_ko", "description_ko", "interest_keywords", "quota", "funding_cap_krw",
         "package-0-description_ko"], stored=_track_stored),
    "PartnerTrackForm": Scenario(
        "partner_a", lambda c: f"/manage/programs/tracks/{c.world.track_a.pk}/edit/",
        _track_data(full=False), ["name_en", "description_en", "interest_keywords"],
        stored=_track_stored),
    "SupportItemForm": Scenario(
        "partner_a", lambda c: f"/manage/programs/tracks/{c.world.track_a.pk}/edit/",
        _track_data(full=False), ["package-0-description_ko", "package-0-description_en"],
        stored=_track_stored),
}
#: The draft's autosave (HTMX): not a form page, but the path that lost drafts.
AUTOSAVE = Scenario(
    "startup_a", lambda c: f"/applications/{c.draft.pk}/autosave/", _draft_data,
    ["q_TEXT", "government_support_detail"], stored=_draft_stored, unstripped={"q_TEXT", "government_support_detail"},
    htmx=True)


def test_every_form_is_covered():
    classes = _form_classes()
    assert {c.__name__ for c in classes} == set(SCENARIOS), (
        "every form needs a fuzz scenario (and every scenario a form)")
    for form_class in classes:
        assert issubclass(form_class, CleanInputMixin), form_class


def _client(ctx, persona):
    client = Client()
    if persona:
        client.force_login(getattr(ctx.personas, persona))
    return client


def _expected_stored(name: str, cleaned: str, scenario: Scenario) -> str:
    if name in scenario.unstripped:
        return cleaned
    if name in {"interest_keywords", "technology_keywords"}:
        words = (" ".join(w.split()) for w in cleaned.replace("\n", ",").split(","))
        return ", ".join(dict.fromkeys(w for w in words if w))
    return cleaned.strip()


def _run(ctx, scenario: Scenario, typed: dict[str, str]):
    data = scenario.data(ctx)
    names = {}
    for name, value in typed.items():
        real = f"q_{_text_q(ctx).pk}" if name == "q_TEXT" else name
        names[name] = real
        data[real] = value
    headers = {"HTTP_HX_REQUEST": "true"} if scenario.htmx else {}
    client = _client(ctx, scenario.persona)
    url = scenario.prepare(client, ctx) if scenario.prepare else scenario.url(ctx)
    version = ctx.draft.version
    response = client.post(url, data, **headers)
    assert response.status_code < 500
    assert response.status_code in {200, 302, 409, 422, 429}, response.status_code
    page = response.content.decode()
    for name, value in typed.items():
        cleaned = clean_text(value)
        if scenario.htmx:
            if "save-status-error" in page:  # not saved, and the status says so
                ctx.draft.refresh_from_db()
                assert ctx.draft.version == version, (name, value)
            else:
                stored = scenario.stored(ctx, names[name])
                assert stored == _expected_stored(name, cleaned, scenario), (name, value)
        elif response.status_code == 302:
            if scenario.stored is None or name in scenario.transformed:
                continue
            stored = scenario.stored(ctx, names[name])
            if isinstance(stored, str):
                assert stored == _expected_stored(name, cleaned, scenario), (
                    name, value, stored)
        elif name not in scenario.no_echo and response.status_code != 429:
            assert escape(cleaned) in page, (name, value)


def _make_test(scenario_name: str, scenario: Scenario):
    text_fields = scenario.text_fields

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(text_fields, TEXT)))
    def test(ctx, typed):
        _run(ctx, scenario, typed)

    test.__name__ = f"test_{scenario_name}_never_500_and_keeps_what_was_typed"
    return test


for _name, _scenario in {**SCENARIOS, "Autosave": AUTOSAVE}.items():
    globals()[f"test_{_name}_never_500_and_keeps_what_was_typed"] = _make_test(_name, _scenario)


@pytest.mark.parametrize("scenario", ["DraftForm", "Autosave"])
@given(text=LONG)
@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
def test_long_answers_are_kept_or_refused_never_cut(ctx, scenario, text):
    chosen = AUTOSAVE if scenario == "Autosave" else SCENARIOS["DraftForm"]
    _run(ctx, chosen, {"q_TEXT": text})
