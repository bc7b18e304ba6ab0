"""A decided world for the selection tests, made directly through the ORM (the services that
make it are tested on their own): an ended presentation stage of the world's call with five
evaluators' submitted scoresheets for six applications of partner A's track, the call's
selection rules, and a confirmed, announced selection of the track.

``decided(world, personas, submitted)`` returns a ``Decided``; ranks follow the totals
(startup A's application first). Track A has 2 places here (cap ₩200M, budget ₩400M) and a
waitlist of 2: ranks 1–2 selected, 3–4 waitlisted, 5–6 not selected.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kbridge.accounts.models import Organisation
from kbridge.applications import services as application_services
from kbridge.applications.uploads import CheckedPDF
from kbridge.evaluation.models import Stage
from kbridge.selection.models import Outcome, Selection, SelectionPolicy
from tests.applications.conftest import complete_answers, make_pdf
from tests.evaluation.feedback_world import ended_stage, submitted_sheet
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    OrganisationFactory,
    StartupProfileFactory,
    UserFactory,
)

TOTALS = [  # per application (rank order), the five evaluators' weighted totals
    [92, 90, 88, 91, 89],
    [85, 86, 84, 83, 87],
    [80, 82, 79, 81, 78],
    [75, 77, 74, 76, 73],
    [70, 68, 71, 69, 72],
    [60, 62, 61, 59, 58],
]


def applicant(world, n: int, *, track=None, brn: str | None = None):
    """A submitted application of a new startup ``지원기업{n}`` (representative
    ``ceo{n}@applicant{n}.example``) to ``track`` (default: partner A's track)."""
    org = OrganisationFactory(kind=Organisation.Kind.STARTUP, name_ko=f"지원기업{n}",
                              name_en=f"Applicant {n}")
    rep = MembershipFactory(organisation=org, role="startup_rep",
                            user=UserFactory(email=f"ceo{n}@applicant{n}.example")).user
    profile = StartupProfileFactory(organisation=org, representative=rep)
    if brn is not None:
        profile.business_registration_number = brn
        profile.save(update_fields=["business_registration_number"])
    track = track or world.track_a
    questions = list(track.call.questions.all())
    application = ApplicationFactory(track=track, applicant=org, created_by=rep)
    application_services.save_draft(application=application, by=rep,
                                    answers=complete_answers(questions), declarations={},
                                    base_version=1)
    for q in questions:
        if q.kind == "file":
            data = make_pdf(2)
            application_services.attach_file(
                application=application, question=q, by=rep,
                checked=CheckedPDF(data=data, size=len(data), pages=2,
                                   sha256=hashlib.sha256(data).hexdigest(),
                                   original_name="deck.pdf"))
    application.refresh_from_db()
    application_services.submit_application(application=application, by=rep,
                                            draft_version=application.version)
    return application


@dataclass
class Decided:
    stage: Stage
    policy: SelectionPolicy
    selection: Selection
    applications: list  # rank order; [0] is startup A's
    outcomes: list      # rank order
    evaluators: list = field(default_factory=list)

    def outcome_of(self, application) -> Outcome:
        return Outcome.objects.get(application=application)


def decided(world, personas, submitted, *, announced: bool = True) -> Decided:
    """See the module docstring. ``announced=False`` puts the announcement a day ahead."""
    now = timezone.now()
    track = world.track_a
    track.quota = 2
    track.save(update_fields=["quota"])
    applications = [submitted] + [applicant(world, n) for n in range(1, len(TOTALS))]
    stage = (Stage.objects.filter(call=world.call, kind=Stage.Kind.PRESENTATION).first()
             or ended_stage(world.call))
    evaluators = [personas.evaluator] + [UserFactory(email=f"panel{i}@eval.example")
                                         for i in range(1, 5)]
    for application, totals in zip(applications, TOTALS, strict=True):
        for evaluator, total in zip(evaluators, totals, strict=True):
            submitted_sheet(stage, application, evaluator, total)
    policy = SelectionPolicy.objects.create(
        call=world.call, tie_break_criterion="시장성", waitlist_length=2,
        announcement_at=now - timedelta(hours=1) if announced else now + timedelta(days=1))
    selection = Selection.objects.create(
        track=track, stage=stage, status=Selection.Status.CONFIRMED,
        budget_krw=2 * track.funding_cap_krw, created_by=personas.operator,
        confirmed_by=personas.operator, confirmed_at=now - timedelta(hours=2),
        cutoff_score=Decimal("85.00"))
    outcomes = []
    for rank, (application, totals) in enumerate(zip(applications, TOTALS, strict=True), 1):
        score = Decimal(sum(sorted(totals)[1:-1]) / 3).quantize(Decimal("0.01"))
        if rank <= 2:
            status, reason, award, position = "selected", "within_quota", track.funding_cap_krw, None
        elif rank <= 4:
            status, reason, award, position = "waitlisted", "below_line", None, rank - 2
        else:
            status, reason, award, position = "not_selected", "below_line", None, None
        outcomes.append(Outcome.objects.create(
            selection=selection, application=application, rank=rank, score=score,
            status=status, reason_code=reason, award_krw=award, waitlist_position=position))
    return Decided(stage, policy, selection, applications, outcomes, evaluators)


def matrix_ids(d: Decided) -> dict[str, int]:
    """The ids the permission matrix's selection rows name (with a committed draw)."""
    from kbridge.engine import lottery
    from kbridge.selection.models import LotteryDraw

    seed = lottery.new_seed()
    draw = LotteryDraw.objects.create(selection=d.selection, entrants=["R-1", "R-2"], places=1,
                                      seed=seed, seed_sha256=lottery.commitment(seed),
                                      committed_by=d.selection.created_by)
    return {"selection": d.selection.pk, "outcome": d.outcomes[0].pk,
            "waitlisted_outcome": d.outcomes[2].pk, "not_selected_outcome": d.outcomes[4].pk,
            "draw": draw.pk}
