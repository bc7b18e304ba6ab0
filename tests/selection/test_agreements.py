"""Agreements (협약), services: terms that add up, documents before acceptance, who accepts,
and lapse (docs/selection.md, "Agreements")."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
import types
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone, translation

from kbridge.core.backup import _row_counts
from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.core.workdays import add_working_days
from kbridge.selection.models import Agreement, AgreementDocument
from kbridge.selection.services import agreements as services
from tests.selection.agreement_world import (
    checked_pdf,
    default_terms,
    offered,
    upload,
    upload_all,
)
from tests.selection.world import decided as make_decided

M = 1_000_000


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the Korean ones are checked by the view tests)."""
    with translation.override("en"):
        yield


# --- terms -----------------------------------------------------------------------------------


def test_the_default_period_starts_next_month_and_lasts_the_policy_months():
    assert services.default_period(dt.date(2026, 12, 1), 10) == (
        dt.date(2027, 1, 1), dt.date(2027, 10, 31))
    assert services.default_period(dt.date(2027, 1, 31), 1) == (
        dt.date(2027, 2, 1), dt.date(2027, 2, 28))


def test_the_default_tranches_are_70_percent_at_signing_and_the_rest_after_mid_term():
    tranches = services.default_tranches(200 * M, dt.date(2027, 1, 1), dt.date(2027, 10, 31))
    assert tranches == [{"due_on": dt.date(2027, 1, 1), "amount_krw": 140 * M},
                        {"due_on": dt.date(2027, 6, 1), "amount_krw": 60 * M}]


def test_an_odd_award_is_split_in_thousands_with_the_rest_in_the_last_tranche():
    tranches = services.default_tranches(123_456_789, dt.date(2027, 1, 1), dt.date(2027, 10, 31))
    assert [t["amount_krw"] for t in tranches] == [86_419_000, 37_037_789]


def test_tranches_must_add_up_exactly_to_the_award():
    period = {"starts_on": dt.date(2027, 1, 1), "ends_on": dt.date(2027, 10, 31)}
    errors = services.terms_errors(award_krw=200 * M, **period, tranches=[
        {"due_on": dt.date(2027, 1, 1), "amount_krw": 140 * M},
        {"due_on": dt.date(2027, 6, 1), "amount_krw": 50 * M}])
    assert errors == {"tranches": ["The tranches add up to ₩190,000,000 but the award is "
                                   "₩200,000,000: ₩10,000,000 is missing."]}
    errors = services.terms_errors(award_krw=200 * M, **period, tranches=[
        {"due_on": dt.date(2027, 1, 1), "amount_krw": 210 * M}])
    assert "₩10,000,000 too much" in errors["tranches"][0]


def test_tranches_must_fall_within_the_period_which_must_end_after_it_starts():
    errors = services.terms_errors(
        award_krw=200 * M, starts_on=dt.date(2027, 1, 1), ends_on=dt.date(2027, 10, 31),
        tranches=[{"due_on": dt.date(2026, 12, 31), "amount_krw": 200 * M}])
    assert errors["tranches"] == ["Tranche 1 is due on Thu 31 Dec 2026, outside the agreement "
                                  "period (Fri 1 Jan 2027 – Sun 31 Oct 2027)."]
    errors = services.terms_errors(award_krw=200 * M, starts_on=dt.date(2027, 1, 1),
                                   ends_on=dt.date(2027, 1, 1), tranches=[])
    assert errors["ends_on"] == ["The agreement must end after it starts."]
    assert errors["tranches"] == ["Enter at least one tranche: a date and an amount."]


# --- sending ---------------------------------------------------------------------------------


def test_sending_offers_the_agreement_with_ten_working_days_to_accept(decided, personas):
    now = timezone.now()
    agreement = offered(decided, personas, now=now)
    assert agreement.status == Agreement.Status.OFFERED
    assert agreement.accept_by == add_working_days(now, 10)
    assert sum(t["amount_krw"] for t in agreement.tranches) == decided.outcomes[0].award_krw
    row = AuditLog.objects.get(action="selection.agreement_sent")
    assert row.actor == personas.operator
    assert row.tenant_id == personas.operator_org.pk
    assert row.after["award_krw"] == 200 * M


def test_sending_e_mails_the_representative_in_korean_and_english(decided, personas):
    agreement = offered(decided, personas)
    delivery = EmailDelivery.objects.get(
        idempotency_key=f"agreement-sent:{agreement.pk}:{personas.startup_a.pk}")
    assert delivery.recipients == [personas.startup_a.email]
    assert "협약" in delivery.subject and "agreement" in delivery.subject
    body = delivery.payload["body"]
    assert "사업자등록증" in body and "Business registration certificate" in body
    assert f"/applications/{decided.applications[0].pk}/agreement/" in body


def test_terms_that_do_not_add_up_are_refused_and_nothing_is_sent(decided, personas):
    terms = default_terms(decided.outcomes[0])
    terms["tranches"][1]["amount_krw"] -= 1
    with pytest.raises(ValidationError) as refused:
        services.send_agreement(outcome=decided.outcomes[0], by=personas.operator, **terms)
    assert "₩1 is missing" in refused.value.message_dict["tranches"][0]
    assert not Agreement.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_only_a_selected_outcome_gets_an_agreement_and_only_once(decided, personas):
    waitlisted = decided.outcomes[2]
    with pytest.raises(ValidationError, match="Only a selected startup"):
        services.send_agreement(outcome=waitlisted, by=personas.operator,
                                **default_terms(decided.outcomes[0]))
    offered(decided, personas)
    with pytest.raises(ValidationError, match="already been sent"):
        offered(decided, personas)


def test_no_agreement_before_the_announcement(world, personas, submitted):
    pending = make_decided(world, personas, submitted, announced=False)
    with pytest.raises(ValidationError, match="announced"):
        offered(pending, personas)


# --- documents -------------------------------------------------------------------------------


def test_a_new_upload_of_a_kind_replaces_the_earlier_one(decided, personas):
    agreement = offered(decided, personas)
    first = upload(agreement, "bank_account", personas.startup_a_member, name="old.pdf")
    stored = services.upload_document(agreement=agreement, kind="bank_account",
                                      by=personas.startup_a,
                                      checked=checked_pdf("new.pdf"))
    assert stored.replaced.stored_name == first.stored_name
    assert list(agreement.documents.values_list("original_name", flat=True)) == ["new.pdf"]
    # The old bytes outlive their row for the grace period (a backup may have copied it).
    assert default_storage.exists(services.storage_path(first.stored_name))
    assert services.purge_document_file(stored_name=first.stored_name) is True
    assert services.purge_document_file(stored_name=stored.document.stored_name) is False
    row = AuditLog.objects.filter(action="selection.agreement_document_uploaded").first()
    assert row.after["replaced"] == {"file": "old.pdf", "sha256": first.sha256}


def test_an_unknown_kind_and_a_closed_agreement_refuse_documents(decided, personas):
    agreement = offered(decided, personas)
    with pytest.raises(ValidationError, match="not one of the agreement's documents"):
        upload(agreement, "passport", personas.startup_a)
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.upload_document(agreement=agreement, kind="bank_account",
                                 by=personas.startup_a, now=agreement.accept_by + timedelta(1),
                                 checked=checked_pdf())


def test_backups_know_the_documents_files(decided, personas):
    agreement = offered(decided, personas)
    document = upload(agreement, "signed_agreement", personas.startup_a)
    with connection.cursor() as cursor:
        files = services.stored_files(cursor, _row_counts(cursor, connection.vendor))
    assert files == {f"agreements/{document.stored_name}": document.sha256}


# --- acceptance ------------------------------------------------------------------------------


def test_every_required_document_is_needed_before_acceptance(decided, personas):
    agreement = offered(decided, personas)
    upload(agreement, "business_registration", personas.startup_a)
    with pytest.raises(ValidationError) as refused:
        services.accept_agreement(agreement=agreement, by=personas.startup_a, ip="10.0.0.1")
    assert refused.value.messages == [
        "Upload every required document before accepting. Missing: Copy of the bank "
        "account book, Signed agreement."]
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OFFERED


def test_the_representative_accepts_recording_who_when_and_from_where(decided, personas):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a_member)
    now = timezone.now()
    services.accept_agreement(agreement=agreement, by=personas.startup_a, ip="203.0.113.9",
                              now=now)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.accepted_by, agreement.accepted_at,
            agreement.accepted_ip) == (Agreement.Status.ACCEPTED, personas.startup_a, now,
                                       "203.0.113.9")
    row = AuditLog.objects.get(action="selection.agreement_accepted")
    assert row.actor == personas.startup_a
    assert set(row.after["documents"]) == set(services.REQUIRED_DOCUMENTS)
    # A double click changes nothing.
    services.accept_agreement(agreement=agreement, by=personas.startup_a, ip="203.0.113.9")
    assert AuditLog.objects.filter(action="selection.agreement_accepted").count() == 1


def test_a_member_may_upload_but_not_accept(decided, personas):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a_member)
    with pytest.raises(ValidationError, match="Only the startup's representative"):
        services.accept_agreement(agreement=agreement, by=personas.startup_a_member, ip=None)
    assert personas.startup_a_member.has_perm("selection.upload_agreement_document", agreement)
    assert not personas.startup_a_member.has_perm("selection.accept_agreement", agreement)
    assert personas.startup_a.has_perm("selection.accept_agreement", agreement)


def test_no_acceptance_after_the_deadline(decided, personas):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a)
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.accept_agreement(agreement=agreement, by=personas.startup_a, ip=None,
                                  now=agreement.accept_by + timedelta(seconds=1))


def test_who_sees_the_agreement(decided, personas):
    agreement = offered(decided, personas)
    can_see = {name for name in ("operator", "operator_b", "partner_admin", "partner_a",
                                 "partner_b", "startup_a", "startup_a_member", "startup_b")
               if getattr(personas, name).has_perm("selection.view_agreement", agreement)}
    assert can_see == {"operator", "partner_admin", "partner_a", "startup_a",
                       "startup_a_member"}


# --- lapse -----------------------------------------------------------------------------------


@pytest.fixture
def drop_outs(monkeypatch):
    """The calls to ``waitlist.drop_out``: the real function is spied on when the waitlist
    module exists; until it is merged, a stand-in module records the call."""
    calls = []
    try:
        waitlist = importlib.import_module(services.WAITLIST_MODULE)
        real = waitlist.drop_out
    except ModuleNotFoundError:
        waitlist = types.ModuleType(services.WAITLIST_MODULE)
        monkeypatch.setitem(sys.modules, services.WAITLIST_MODULE, waitlist)
        real = None

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs) if real else None

    monkeypatch.setattr(waitlist, "drop_out", spy, raising=False)
    return calls


def test_an_agreement_not_accepted_in_time_lapses_and_drops_the_outcome(
        decided, personas, drop_outs):
    agreement = offered(decided, personas)
    upload(agreement, "bank_account", personas.startup_a)
    assert services.expire_agreements(now=agreement.accept_by) == []  # not yet past
    lapsed = services.expire_agreements(now=agreement.accept_by + timedelta(seconds=1))
    assert lapsed == [agreement.pk]
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.LAPSED
    row = AuditLog.objects.get(action="selection.agreement_lapsed")
    assert row.actor is None and row.tenant_id == personas.operator_org.pk
    assert row.after["missing_documents"] == ["business_registration", "signed_agreement"]
    assert drop_outs == [{"outcome": decided.outcomes[0], "by": None,
                          "reason_code": "agreement_lapsed", "detail": ""}]
    # Running again changes nothing.
    assert services.expire_agreements(now=agreement.accept_by + timedelta(days=1)) == []
    assert len(drop_outs) == 1


def test_an_accepted_agreement_never_lapses(decided, personas, drop_outs):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a)
    services.accept_agreement(agreement=agreement, by=personas.startup_a, ip=None)
    assert services.expire_agreements(now=agreement.accept_by + timedelta(days=30)) == []
    assert drop_outs == []


def test_without_the_waitlist_module_the_lapse_is_still_recorded(
        decided, personas, monkeypatch):
    # ``None`` in sys.modules makes the import fail as a missing module does.
    monkeypatch.setitem(sys.modules, services.WAITLIST_MODULE, None)
    agreement = offered(decided, personas)
    services.expire_agreements(now=agreement.accept_by + timedelta(seconds=1))
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.LAPSED
    assert AgreementDocument.objects.count() == 0
