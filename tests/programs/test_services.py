"""Programs, calls and tracks change only through services, and every change is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kbridge.core.models import AuditLog
from kbridge.programs import services
from kbridge.programs.models import Call, Program, Track
from tests.factories import kst


def test_create_program_writes_an_audit_row(personas):
    program = services.create_program(
        by=personas.operator, operator=personas.operator_org, year=2026,
        name_ko="2026 글로벌 기업 협업 프로그램", name_en="2026 Global Company Collaboration Program",
        budget_krw=45_000_000_000,
    )
    row = AuditLog.objects.get(action="program.created")
    assert (row.actor, row.object_type, row.object_id) == (
        personas.operator, "programs.program", str(program.pk))
    assert row.after["budget_krw"] == 45_000_000_000
    assert row.before is None


def test_update_records_only_the_changed_fields(world, personas):
    services.update_track(track=world.track_a, by=personas.operator, quota=9)
    row = AuditLog.objects.get(action="track.updated")
    assert (row.before, row.after) == ({"quota": 7}, {"quota": 9})


def test_saving_without_changes_writes_no_audit_row(world, personas):
    services.update_track(track=world.track_a, by=personas.operator, quota=world.track_a.quota)
    assert not AuditLog.objects.filter(action="track.updated").exists()


def test_partner_may_change_only_text_fields(world, personas):
    services.update_track(track=world.track_a, by=personas.partner_a, partner_only=True,
                          description_en="Build with our newest models")
    with pytest.raises(PermissionError):
        services.update_track(track=world.track_a, by=personas.partner_a, partner_only=True,
                              quota=50)
    with pytest.raises(PermissionError):
        services.update_track(track=world.track_a, by=personas.partner_a, partner_only=True,
                              max_company_age_years=20)
    world.track_a.refresh_from_db()
    assert (world.track_a.quota, world.track_a.max_company_age_years) == (7, 7)
    assert world.track_a.description_en == "Build with our newest models"


def test_call_timeline_must_be_in_order(world, personas):
    with pytest.raises(ValidationError) as exc:
        services.create_call(
            by=personas.operator, program=world.program, title_ko="공고", title_en="Call",
            opens_at=kst(2026, 12, 20, 9), deadline_at=kst(2026, 12, 10, 16),
            document_evaluation_start=dt.date(2026, 12, 5),
            document_evaluation_end=dt.date(2026, 12, 1),
            presentation_evaluation_start=dt.date(2026, 12, 20),
            presentation_evaluation_end=dt.date(2026, 12, 21),
            announcement_on=dt.date(2026, 12, 30),
        )
    assert set(exc.value.message_dict) == {
        "deadline_at", "document_evaluation_start", "document_evaluation_end"}
    assert Call.objects.count() == 2  # only the world's calls


def test_deadline_is_an_exact_instant_stored_in_utc(world, personas):
    call = services.create_call(
        by=personas.operator, program=world.program, title_ko="공고", title_en="Call",
        opens_at=kst(2026, 12, 1, 9), deadline_at=kst(2026, 12, 15, 16),
        document_evaluation_start=dt.date(2026, 12, 16),
        document_evaluation_end=dt.date(2026, 12, 26),
        presentation_evaluation_start=dt.date(2027, 1, 5),
        presentation_evaluation_end=dt.date(2027, 1, 6),
        announcement_on=dt.date(2027, 1, 15),
    )
    call.refresh_from_db()
    assert call.deadline_at == dt.datetime(2026, 12, 15, 7, 0, tzinfo=dt.UTC)


def test_a_call_without_tracks_cannot_be_published(world, personas):
    empty = services.create_call(
        by=personas.operator, program=world.program, title_ko="빈 공고", title_en="Empty call",
        opens_at=kst(2026, 12, 1, 9), deadline_at=kst(2026, 12, 15, 16),
        document_evaluation_start=dt.date(2026, 12, 16),
        document_evaluation_end=dt.date(2026, 12, 26),
        presentation_evaluation_start=dt.date(2027, 1, 5),
        presentation_evaluation_end=dt.date(2027, 1, 6),
        announcement_on=dt.date(2027, 1, 15),
    )
    with pytest.raises(ValidationError):
        services.publish_call(call=empty, by=personas.operator)
    services.publish_call(call=world.draft_call, by=personas.operator)
    assert AuditLog.objects.filter(action="call.published").count() == 1


def test_track_partner_must_belong_to_the_calls_program(world, personas):
    from tests.factories import PartnerFactory

    stranger = PartnerFactory()  # a partner of some other program
    with pytest.raises(ValidationError):
        services.create_track(by=personas.operator, call=world.call, partner=stranger,
                              name_ko="트랙", name_en="Track", quota=1, funding_cap_krw=1)
    assert Track.objects.filter(partner=stranger).count() == 0


def test_support_package_replacement_is_audited(world, personas):
    services.replace_support_items(track=world.track_a, by=personas.partner_a, items=[
        {"kind": "mentoring", "description_ko": "멘토링", "description_en": "Mentoring"},
        {"kind": "demo_day", "description_ko": "데모데이", "description_en": "Demo day"},
    ])
    assert [i.kind for i in world.track_a.support_items.all()] == ["mentoring", "demo_day"]
    row = AuditLog.objects.get(action="track.package_changed")
    assert [i["kind"] for i in row.before["support_items"]] == ["cloud_credits"]
    assert Program.objects.count() == 1
