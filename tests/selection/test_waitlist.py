"""The waitlist (예비) of a confirmed selection: drop-outs, offers, answers and expiries.

The decided world (tests/selection/world.py): track A has 2 places, a cap of ₩200M and a
budget of ₩400M; ranks 1–2 are selected with the cap, ranks 3–4 waitlisted (positions 1–2),
ranks 5–6 not selected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbridge.core.models import AuditLog, EmailDelivery
from kbridge.core.workdays import add_working_days
from kbridge.selection.models import Offer, Outcome, Selection
from kbridge.selection.services import waitlist as services
from tests.selection.world import applicant


def fresh(obj):
    obj.refresh_from_db()
    return obj


def rep(application):
    return application.applicant.profile.representative


def pending_offers(selection):
    return Offer.objects.filter(outcome__selection=selection, status=Offer.Status.PENDING)


def test_a_drop_out_frees_the_award_and_offers_the_place_to_the_first_waitlisted(
        decided, personas):
    first, second, third = decided.outcomes[0], decided.outcomes[1], decided.outcomes[2]
    before = timezone.now()
    offer = services.drop_out(second, personas.operator, "withdrew", "  회사 사정으로 포기  ")

    second = fresh(second)
    assert (second.status, second.reason_code, second.award_krw) == ("dropped", "withdrew", None)
    assert second.detail == "회사 사정으로 포기"
    assert offer.outcome == third and offer.status == "pending"
    assert offer.award_krw == decided.selection.track.funding_cap_krw
    assert add_working_days(before, 3) <= offer.respond_by <= add_working_days(timezone.now(), 3)
    assert offer.offered_by == personas.operator
    assert fresh(first).status == "selected"  # nobody else moves
    assert fresh(third).status == "waitlisted"  # until the startup accepts
    assert list(AuditLog.objects.filter(action__startswith="selection.").values_list(
        "action", flat=True).order_by("pk")) == ["selection.outcome_dropped", "selection.offer_made"]


def test_the_offer_is_mailed_to_the_representative_in_korean_then_english(decided, personas):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    delivery = EmailDelivery.objects.get(idempotency_key=f"selection:offer:{offer.pk}")
    assert delivery.recipients == [rep(decided.applications[2]).email]
    body = delivery.payload["body"]
    assert body.index("답변 기한") < body.index("Answer by")
    assert f"/applications/{decided.applications[2].pk}/offer/" in body
    assert "2억 원" in body
    dropped = EmailDelivery.objects.get(idempotency_key=f"selection:dropped:{decided.outcomes[1].pk}")
    assert dropped.recipients == [rep(decided.applications[1]).email]
    assert "Withdrew." in dropped.payload["body"]


def test_the_expiry_task_is_queued_for_the_offer_deadline(decided, personas):
    offer = services.drop_out(decided.outcomes[0], personas.operator, "duplicate_funding")
    [task] = DBTaskResult.objects.filter(task_path__endswith="selection.tasks.expire_offers")
    assert task.run_after == offer.respond_by


@pytest.mark.parametrize(("reason", "detail", "code"), [
    ("promoted", "", "reason"),
    ("", "", "reason"),
    ("withdrew", "가" * 501, "detail_length"),
])
def test_a_drop_out_needs_a_known_reason_and_a_note_within_the_limit(
        decided, personas, reason, detail, code):
    with pytest.raises(ValidationError) as error:
        services.drop_out(decided.outcomes[0], personas.operator, reason, detail)
    assert error.value.code == code
    assert fresh(decided.outcomes[0]).status == "selected"


def test_only_a_selected_outcome_of_a_confirmed_selection_drops_out(decided, personas):
    with pytest.raises(ValidationError):
        services.drop_out(decided.outcomes[2], personas.operator, "withdrew")
    services.drop_out(decided.outcomes[0], personas.operator, "withdrew")
    with pytest.raises(ValidationError):  # twice: the second is refused under the lock
        services.drop_out(decided.outcomes[0], personas.operator, "withdrew")
    assert pending_offers(decided.selection).count() == 1


def test_accepting_makes_the_outcome_selected_with_the_offer_award(decided, personas):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    outcome = services.accept_offer(offer, rep(decided.applications[2]))
    assert (outcome.status, outcome.reason_code, outcome.award_krw, outcome.waitlist_position) == (
        "selected", "promoted", offer.award_krw, None)
    offer = fresh(offer)
    assert offer.status == "accepted" and offer.responded_by == rep(decided.applications[2])
    assert pending_offers(decided.selection).count() == 0  # the track is full again
    with pytest.raises(ValidationError) as error:
        services.accept_offer(offer, rep(decided.applications[2]))
    assert error.value.code == "not_pending"


def test_declining_passes_the_place_down_the_waitlist(decided, personas):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    following = services.decline_offer(offer, rep(decided.applications[2]))
    assert fresh(decided.outcomes[2]).reason_code == "declined_offer"
    assert fresh(decided.outcomes[2]).status == "dropped"
    assert following.outcome == decided.outcomes[3]
    assert services.decline_offer(following, rep(decided.applications[3])) is None  # waitlist empty
    assert Selection.objects.get(pk=decided.selection.pk).outcomes.filter(
        status="selected").count() == 1


def test_an_offer_past_its_deadline_expires_and_the_place_passes_down(decided, personas,
                                                                      time_machine):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "agreement_lapsed")
    assert services.expire_offers(offer.respond_by) == 0  # due at that instant, not before
    later = offer.respond_by + timedelta(seconds=1)
    time_machine.move_to(later)
    assert services.expire_offers() == 1
    assert fresh(offer).status == "expired"
    outcome = fresh(decided.outcomes[2])
    assert (outcome.status, outcome.reason_code) == ("dropped", "offer_expired")
    [following] = pending_offers(decided.selection)
    assert following.outcome == decided.outcomes[3]
    assert services.expire_offers() == 0  # idempotent
    assert AuditLog.objects.get(action="selection.offer_expired").actor is None


def test_an_offer_cannot_be_answered_after_its_deadline(decided, personas, time_machine):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    time_machine.move_to(offer.respond_by + timedelta(minutes=1))
    for answer in (services.accept_offer, services.decline_offer):
        with pytest.raises(ValidationError) as error:
            answer(offer, rep(decided.applications[2]))
        assert error.value.code == "expired"
    assert fresh(offer).status == "pending"  # until the expiry task runs


def test_an_award_that_does_not_fit_the_budget_left_is_passed_over(decided, personas):
    cap = decided.selection.track.funding_cap_krw
    Selection.objects.filter(pk=decided.selection.pk).update(budget_krw=cap + cap // 2)
    Outcome.objects.filter(pk=decided.outcomes[1].pk).update(award_krw=cap // 2)
    Outcome.objects.filter(pk=decided.outcomes[3].pk).update(award_krw=cap // 4)
    offer = services.drop_out(fresh(decided.outcomes[1]), personas.operator, "withdrew")
    assert offer.outcome == decided.outcomes[3] and offer.award_krw == cap // 4
    assert fresh(decided.outcomes[2]).status == "waitlisted"  # still waiting for a place


def test_the_program_budget_caps_offers_across_tracks(decided, personas, world):
    """Track B's confirmed selection holds ₩100M of a ₩400M program budget: when a startup
    of track A frees ₩200M, only ₩100M is left for an offer, and the waitlisted applications
    ask ₩200M."""
    cap = decided.selection.track.funding_cap_krw
    program = world.program
    program.budget_krw = 2 * cap
    program.save(update_fields=["budget_krw"])
    other = Selection.objects.create(track=world.track_b, stage=decided.stage,
                                     status="confirmed", budget_krw=cap,
                                     created_by=personas.operator)
    Outcome.objects.create(selection=other, application=applicant(world, 70, track=world.track_b),
                           rank=1, score=90, status="selected", reason_code="within_quota",
                           award_krw=cap // 2)
    assert services.drop_out(decided.outcomes[0], personas.operator, "withdrew") is None
    assert services.limits_for(fresh(decided.selection)).budget_krw == cap + cap // 2
    assert pending_offers(decided.selection).count() == 0


def test_nothing_is_offered_in_a_draft_selection(decided, personas):
    Selection.objects.filter(pk=decided.selection.pk).update(status="draft")
    assert services.offer_next(decided.selection, personas.operator) is None


def test_the_expiry_task_expires_due_offers_in_the_worker(decided, personas, run_tasks,
                                                          time_machine):
    offer = services.drop_out(decided.outcomes[1], personas.operator, "withdrew")
    time_machine.move_to(offer.respond_by + timedelta(minutes=5))
    run_tasks()
    assert fresh(offer).status == "expired"
    assert pending_offers(decided.selection).get().outcome == decided.outcomes[3]


# --- any sequence of drop-outs, declines, acceptances and expiries ---------------------------

EVENTS = st.lists(st.tuples(st.sampled_from(["drop", "decline", "accept", "expire"]),
                            st.integers(0, 9), st.sampled_from(services.DROP_REASONS)),
                  min_size=1, max_size=12)


def _invariants(selection, places, budget):
    selected = list(selection.outcomes.filter(status="selected").values_list("award_krw",
                                                                               flat=True))
    pending = list(pending_offers(selection).values_list("award_krw", flat=True))
    assert len(selected) + len(pending) <= places
    assert sum(selected) + sum(pending) <= budget
    assert pending_offers(selection).values("outcome").distinct().count() == len(pending)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=EVENTS)
def test_no_sequence_of_events_exceeds_the_quota_or_the_budget(decided, personas, events):
    """The waitlist is longer here (ranks 3–6, asking ₩200M, ₩100M, ₩150M, ₩50M) and the
    budget tighter (₩350M: rank 2 holds ₩150M) so that awards often do not fit."""
    selection = decided.selection
    cap = selection.track.funding_cap_krw
    budget = cap + cap * 3 // 4
    with transaction.atomic():
        Selection.objects.filter(pk=selection.pk).update(budget_krw=budget)
        Outcome.objects.filter(pk=decided.outcomes[1].pk).update(award_krw=cap * 3 // 4)
        for position, (outcome, award) in enumerate(
                zip(decided.outcomes[2:], [cap, cap // 2, cap * 3 // 4, cap // 4],
                    strict=True), 1):
            Outcome.objects.filter(pk=outcome.pk).update(
                status="waitlisted", waitlist_position=position, award_krw=award)
        now = timezone.now()
        for kind, index, reason in events:
            selected = list(selection.outcomes.filter(status="selected").order_by("pk"))
            pending = list(pending_offers(selection).order_by("pk"))
            try:
                if kind == "drop" and selected:
                    services.drop_out(selected[index % len(selected)], personas.operator, reason)
                elif kind == "accept" and pending:
                    offer = pending[index % len(pending)]
                    services.accept_offer(offer, rep(offer.outcome.application))
                elif kind == "decline" and pending:
                    offer = pending[index % len(pending)]
                    services.decline_offer(offer, rep(offer.outcome.application))
                elif kind == "expire" and pending:
                    offer = pending[index % len(pending)]
                    Offer.objects.filter(pk=offer.pk).update(respond_by=now - timedelta(days=1))
                    services.expire_offers(now)
            except ValidationError:
                raise AssertionError(f"{kind} was refused in a valid state") from None
            _invariants(selection, selection.track.quota, budget)
        transaction.set_rollback(True)


# --- concurrency (PostgreSQL: SQLite serialises every write anyway) -------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs real concurrent transactions (runs on PostgreSQL in CI)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_drop_outs_never_overfill(decided, personas):
    """Both selected startups drop out at the same moment, twice each, while the budget only
    has room for one ₩200M offer (rank 2 holds no award here): the locks serialise them, each outcome drops
    once, and a single offer is made."""
    import threading

    from django.db import connections

    cap = decided.selection.track.funding_cap_krw
    Selection.objects.filter(pk=decided.selection.pk).update(budget_krw=cap)
    Outcome.objects.filter(pk=decided.outcomes[1].pk).update(award_krw=0)
    barrier = threading.Barrier(4)
    errors, refused = [], []

    def drop(outcome):
        try:
            barrier.wait()
            services.drop_out(outcome, personas.operator, "withdrew")
        except ValidationError:
            refused.append(outcome.pk)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drop, args=(o,))
               for o in (decided.outcomes[0], decided.outcomes[0],
                         decided.outcomes[1], decided.outcomes[1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(refused) == sorted([decided.outcomes[0].pk, decided.outcomes[1].pk])
    assert pending_offers(decided.selection).count() == 1
    assert AuditLog.objects.filter(action="selection.outcome_dropped").count() == 2
    _invariants(decided.selection, 2, cap)
