"""The alliance's forms fuzzed through their pages, with the machinery of
tests/core/test_input_fuzz.py (which enumerates ``<app>.forms`` modules only; the alliance's
forms live in ``forms_<part>.py``): never a 500, and what was typed is shown again or stored
cleaned."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.alliance.forms_collaborations import (
    CollaborationEditForm,
    CollaborationForm,
    StageForm,
)
from kbridge.alliance.forms_members import InviteStartupForm, MemberProfileForm
from kbridge.alliance.models import Collaboration, StageChange
from kbridge.core.forms import CleanInputMixin
from tests.alliance import world as alliance_world
from tests.core.test_input_fuzz import DERANDOMIZE, EXAMPLES, TEXT, Scenario, _run


@pytest.fixture
def ctx(world, personas):
    alliance = alliance_world.build(world, personas)
    # ``_run`` compares a draft's version for autosave scenarios; none here.
    return SimpleNamespace(world=world, personas=personas, alliance=alliance,
                           draft=SimpleNamespace(version=0, refresh_from_db=lambda: None))


def _member_stored(ctx, name):
    row = ctx.alliance.member_a
    row.refresh_from_db()
    return getattr(row, name)


def _collaboration_stored(ctx, name):
    return getattr(Collaboration.objects.order_by("-updated_at", "-pk").first(), name)


def _today():
    from kbridge.alliance.services.collaborations import today_kst

    return today_kst().isoformat()


SCENARIOS = {
    MemberProfileForm: Scenario(
        "startup_a", lambda c: f"/alliance/members/{c.alliance.member_a.pk}/edit/",
        lambda c: {"headline_ko": "", "headline_en": "", "description_ko": "",
                   "description_en": "", "technologies": "", "sectors": "ai"},
        ["headline_ko", "headline_en", "description_ko", "description_en", "technologies"],
        stored=_member_stored, transformed={"technologies"}),
    InviteStartupForm: Scenario(
        "operator", lambda c: f"/manage/alliance/{c.personas.operator_org.pk}/members/",
        # A choice: whatever is typed must never be a 500; a select does not echo it.
        lambda c: {"organisation": ""}, ["organisation"], no_echo={"organisation"}),
    CollaborationForm: Scenario(
        "partner_a", lambda c: "/manage/alliance/collaborations/new/",
        lambda c: {"partner": c.world.partner_a.pk, "startup": c.personas.startup_a_org.pk,
                   "kind": "poc", "title": "PoC", "description": "", "amount_krw": "",
                   "proposed_on": _today()},
        ["title", "description", "amount_krw", "proposed_on"], stored=_collaboration_stored,
        transformed={"amount_krw", "proposed_on"}),
    CollaborationEditForm: Scenario(
        "partner_a",
        lambda c: f"/manage/alliance/collaborations/{c.alliance.collaboration_a.pk}/edit/",
        lambda c: {"title": "PoC", "kind": "poc", "description": "", "amount_krw": ""},
        ["title", "description", "amount_krw"], stored=_collaboration_stored,
        transformed={"amount_krw"}),
    StageForm: Scenario(
        "partner_a",
        lambda c: f"/manage/alliance/collaborations/{c.alliance.collaboration_a.pk}/stage/",
        lambda c: {"to": "agreed", "on": _today(), "note": ""}, ["note", "on"],
        stored=lambda c, name: StageChange.objects.order_by("-pk").first().note,
        transformed={"on"}),
}


def test_every_alliance_form_is_covered_and_cleans_its_input():
    import inspect

    from kbridge.alliance import forms_collaborations, forms_members

    found = {obj for module in (forms_members, forms_collaborations)
             for obj in vars(module).values()
             if inspect.isclass(obj) and obj.__module__ == module.__name__}
    assert found == set(SCENARIOS)
    assert all(issubclass(form, CleanInputMixin) for form in found)


def _make_test(scenario: Scenario):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.fixed_dictionaries({}, optional=dict.fromkeys(scenario.text_fields, TEXT)))
    def test(ctx, typed):
        _run(ctx, scenario, typed)

    return test


for _form, _scenario in SCENARIOS.items():
    _test = _make_test(_scenario)
    _test.__name__ = f"test_{_form.__name__}_never_500_and_keeps_what_was_typed"
    globals()[_test.__name__] = _test
