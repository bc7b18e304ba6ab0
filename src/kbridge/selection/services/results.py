"""Results with reasons (issue 14, item 4) and the partners' interest (item 7): the writes.

**Announced.** A track's selection is *announced* when it is confirmed and its call's
``SelectionPolicy.announcement_at`` has come (``announcement_at <= now``, UTC; shown in KST).
Before that instant applicants learn nothing of their outcome: the result page only says when
the results will be announced, no e-mail is sent, and the public results page answers 404.

**E-mails.** At the announcement instant every member of each applicant startup of the
selection (representative and members) gets one e-mail, in Korean and English in the same
message, whose subject and body state the result and link to the result page. Scheduling:
:func:`schedule_announcement` (called when a selection is confirmed, or its announcement
instant changes) queues a durable task (``tasks_results.announce_results``) to run at
``announcement_at``; the task runs :func:`announce_due`, which sends whatever is due and not
yet sent for *every* announced selection, so a run that was missed (the worker was down, the
task row lost) is caught up by the next one. Each e-mail has the idempotency key
``selection:result:<selection>:<outcome>:<user>`` (``core.mail.queue_email``): a second run, a
second task or a re-run after a lost worker never sends it twice. The outcome mailed is the
one in force when the run happens.

**Consent.** A selected startup's representative decides whether its name may appear on the
public results page (:func:`set_publish_consent`, audited).

**Partners' interest.** Staff of a partner company record interest in an application of their
own track, with an optional note of at most ``INTEREST_NOTE_MAX_CHARS`` characters; one per
partner company and application, editable and removable (:func:`record_interest`,
:func:`remove_interest`, audited). The program's operators read them on the track's selection
page (``selectors.interests_for_selection``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kbridge.accounts.models import Membership, User
from kbridge.accounts.tenancy import STARTUP_ROLES
from kbridge.core import audit
from kbridge.core.mail import queue_email
from kbridge.core.models import EmailDelivery
from kbridge.core.site import absolute
from kbridge.core.text import clean_text
from kbridge.selection.models import Outcome, PartnerInterest, Selection

logger = logging.getLogger("kbridge.selection")

#: The longest note a partner may keep with its interest (characters, after cleaning).
INTEREST_NOTE_MAX_CHARS = 500


def tenant_of(selection: Selection) -> int:
    """The agency (operator organisation id) whose staff read the selection's audit rows."""
    return selection.track.call.program.operator_id


# --- announced -----------------------------------------------------------------------------


def announcement_at(selection: Selection) -> datetime | None:
    """The announcement instant of the selection's call (UTC), or None when not set."""
    policy = getattr(selection.track.call, "selection_policy", None)
    return policy.announcement_at if policy is not None else None


def is_announced(selection: Selection | None, now: datetime | None = None) -> bool:
    """Whether ``selection`` is confirmed and its announcement instant has come (inclusive:
    at ``announcement_at`` exactly, it is announced)."""
    if selection is None or not selection.is_confirmed:
        return False
    at = announcement_at(selection)
    return at is not None and at <= (now or timezone.now())


def announced_selections(now: datetime | None = None):
    """Queryset of the confirmed selections whose announcement instant has come."""
    return Selection.objects.filter(
        status=Selection.Status.CONFIRMED,
        track__call__selection_policy__announcement_at__lte=now or timezone.now())


# --- rank bands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankBand:
    """Where an application stands in its track without naming anyone else's rank.

    ``key`` is stable ("top10", "10-25", "25-50", "50-75", "75-100"); ``label`` is shown."""

    key: str
    label: str


#: (upper bound of the share of the track's applications ranked above, key, label), in order.
#: The bounds are exclusive: an application with exactly 10 % above it is in "10–25 %".
RANK_BANDS = (
    (0.10, "top10", gettext_lazy("Top 10 %")),
    (0.25, "10-25", gettext_lazy("Top 10–25 %")),
    (0.50, "25-50", gettext_lazy("Top 25–50 %")),
    (0.75, "50-75", gettext_lazy("Top 50–75 %")),
    (1.01, "75-100", gettext_lazy("Bottom 25 %")),
)


def rank_band(rank: int, ranked: int) -> RankBand:
    """The band of competition rank ``rank`` (1 = best) among ``ranked`` applications of a
    track: by the share of applications ranked strictly above it, ``(rank − 1) / ranked``.
    Rank 1 is always "Top 10 %"; tied applications share a band. Raises ``ValueError`` for
    ``rank`` outside 1…``ranked``."""
    if ranked < 1 or not 1 <= rank <= ranked:
        raise ValueError(f"rank {rank} of {ranked}")
    above = (rank - 1) / ranked
    for bound, key, label in RANK_BANDS:
        if above < bound:
            return RankBand(key, str(label))
    raise AssertionError("unreachable")  # pragma: no cover


# --- the announcement e-mails ----------------------------------------------------------------


def schedule_announcement(selection: Selection) -> None:
    """Queue the task that e-mails the selection's results at its announcement instant (at
    once if that has passed), in the caller's transaction. For the service that confirms a
    selection, and for any change of ``SelectionPolicy.announcement_at`` (call it for each
    confirmed selection of the call). Does nothing for a draft selection or a call without an
    announcement instant. A task that finds nothing due sends nothing; a stale one (the instant
    was moved later) is harmless, as its run only sends what is due then."""
    from kbridge.selection.tasks_results import announce_results

    at = announcement_at(selection)
    if not selection.is_confirmed or at is None:
        return
    announce_results.using(run_after=max(at, timezone.now())).enqueue(
        selection.pk, at.isoformat())


def result_key(selection_id: int, outcome_id: int, user_id: int) -> str:
    return f"selection:result:{selection_id}:{outcome_id}:{user_id}"


def _recipients(outcomes: list[Outcome]) -> dict[int, list[User]]:
    """applicant organisation id → its active members (representative and staff), by id."""
    org_ids = {o.application.applicant_id for o in outcomes}
    result: dict[int, list[User]] = {pk: [] for pk in org_ids}
    memberships = (Membership.objects.filter(organisation_id__in=org_ids, role__in=STARTUP_ROLES,
                                             user__is_active=True)
                   .select_related("user").order_by("user_id", "pk"))
    for membership in memberships:
        members = result[membership.organisation_id]
        if membership.user not in members:
            members.append(membership.user)
    return result


def _render(outcome: Outcome, language: str, link: str) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string("selection/results/mail/result.txt",
                                {"outcome": outcome, "application": outcome.application,
                                 "track": outcome.selection.track,
                                 "call": outcome.selection.track.call, "link": link})
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def result_message(outcome: Outcome, user: User) -> EmailMessage:
    """The result e-mail of ``outcome`` to ``user``: Korean first, then English, in one
    message (subject "<Korean> / <English>")."""
    link = absolute(reverse("selection:result", args=[outcome.application_id]))
    ko_subject, ko_body = _render(outcome, "ko", link)
    en_subject, en_body = _render(outcome, "en", link)
    return EmailMessage(f"{ko_subject} / {en_subject}",
                        f"{ko_body}\n\n— English —\n\n{en_body}\n",
                        settings.DEFAULT_FROM_EMAIL, [user.email])


def announce_selection(selection: Selection, now: datetime | None = None) -> int:
    """E-mail the results of one selection if it is announced at ``now`` and not yet mailed.
    Returns how many e-mails were queued (0 when not announced, or all already sent).
    Side effect: audit ``selection.results_announced`` (with the count) when any was queued."""
    if not is_announced(selection, now):
        return 0
    prefix = f"selection:result:{selection.pk}:"
    done = set(EmailDelivery.objects.filter(idempotency_key__startswith=prefix)
               .values_list("idempotency_key", flat=True))
    outcomes = list(selection.outcomes.select_related("application__applicant",
                                                      "application__track"))
    recipients = _recipients(outcomes)
    operator = selection.track.call.program.operator
    sent = 0
    with transaction.atomic():
        for outcome in outcomes:
            outcome.selection = selection
            for user in recipients.get(outcome.application.applicant_id, []):
                key = result_key(selection.pk, outcome.pk, user.pk)
                if key in done:
                    continue
                queue_email(result_message(outcome, user), idempotency_key=key,
                            organisation=operator)
                sent += 1
        if sent:
            audit.record("selection.results_announced", selection, after={"emails": sent},
                         actor=None, tenant_id=tenant_of(selection))
    return sent


def announce_due(now: datetime | None = None) -> int:
    """Send the result e-mails of every announced selection that are not sent yet (a missed
    run catches up). Idempotent; returns how many e-mails were queued."""
    now = now or timezone.now()
    selections = announced_selections(now).select_related(
        "track__call__program__operator", "track__call__selection_policy",
        "track__partner__organisation")
    return sum(announce_selection(selection, now) for selection in selections)


# --- consent to the public results page ------------------------------------------------------


def set_publish_consent(*, outcome: Outcome, consent: bool, by) -> Outcome:
    """Record whether the selected startup's name may appear on the public results page.

    ``by`` is the startup's representative (the view checks ``selection.consent_to_publish``).
    The same value again changes nothing and writes no audit row. Raises ``ValidationError``
    when the outcome is not selected or its results are not announced.
    Side effect: audit ``selection.publish_consent_given`` / ``…_withdrawn``."""
    with transaction.atomic():
        current = (Outcome.objects.select_for_update(of=("self",))
                   .select_related("selection__track__call__program").get(pk=outcome.pk))
        if current.status != Outcome.Status.SELECTED or not is_announced(current.selection):
            raise ValidationError(_("Only a selected startup can choose to appear on the "
                                    "public results page, once the results are announced."),
                                  code="not_selected")
        if current.publish_consent == consent:
            return current
        before = audit.snapshot(current, ["publish_consent"])
        current.publish_consent = consent
        current.save(update_fields=["publish_consent", "updated_at"])
        audit.record("selection.publish_consent_given" if consent
                     else "selection.publish_consent_withdrawn", current, before=before,
                     after=audit.snapshot(current, ["publish_consent"]), actor=by,
                     tenant_id=tenant_of(current.selection))
    return current


# --- partners' interest ------------------------------------------------------------------------


def clean_interest_note(note: str | None) -> str:
    """The note cleaned (``core.text.clean_text``, trimmed); ``ValidationError`` when longer
    than ``INTEREST_NOTE_MAX_CHARS`` characters (refused, never cut)."""
    note = clean_text(note or "").strip()
    if len(note) > INTEREST_NOTE_MAX_CHARS:
        raise ValidationError(
            _("The note can be at most %(limit)d characters (it has %(count)d).")
            % {"limit": INTEREST_NOTE_MAX_CHARS, "count": len(note)}, code="too_long")
    return note


def _interest_tenant(application) -> int:
    return application.track.call.program.operator_id


def record_interest(*, application, organisation, note: str = "", by) -> PartnerInterest:
    """Record (or edit) ``organisation``'s interest in ``application``, with ``note``.

    ``organisation`` is the partner company of the application's track and ``by`` one of its
    staff (the view checks ``selection.record_interest``). One row per partner company and
    application: a second call edits its note (audited only when the note changed).
    Raises ``ValidationError`` for a note over the limit or a company that is not the track's
    partner. Side effect: audit ``selection.interest_recorded`` / ``…_changed``."""
    note = clean_interest_note(note)
    if application.track.partner.organisation_id != organisation.pk:
        raise ValidationError(_("Only the partner of the track can record interest."),
                              code="not_partner")
    with transaction.atomic():
        interest = (PartnerInterest.objects.select_for_update()
                    .filter(application=application, organisation=organisation).first())
        if interest is None:
            interest = PartnerInterest.objects.create(application=application,
                                                      organisation=organisation,
                                                      recorded_by=by, note=note)
            audit.record("selection.interest_recorded", interest,
                         after=audit.snapshot(interest, ["note"]), actor=by,
                         tenant_id=_interest_tenant(application))
        elif interest.note != note:
            before = audit.snapshot(interest, ["note"])
            interest.note, interest.recorded_by = note, by
            interest.save(update_fields=["note", "recorded_by", "updated_at"])
            audit.record("selection.interest_changed", interest, before=before,
                         after=audit.snapshot(interest, ["note"]), actor=by,
                         tenant_id=_interest_tenant(application))
    return interest


def remove_interest(*, application, organisation, by) -> bool:
    """Remove ``organisation``'s interest in ``application``; False when there was none.
    Side effect: audit ``selection.interest_removed`` (with the note it had)."""
    with transaction.atomic():
        interest = (PartnerInterest.objects.select_for_update()
                    .filter(application=application, organisation=organisation).first())
        if interest is None:
            return False
        audit.record("selection.interest_removed", interest,
                     before=audit.snapshot(interest, ["note"]), actor=by,
                     tenant_id=_interest_tenant(application))
        interest.delete()
    return True


def reasons_held_until_announcement(now: datetime):
    """``evaluation.ranking.REASON_HOLDS`` entry: the scoresheets of the stage a selection
    decides from (the presentation evaluation, or the document evaluation of a call without
    one) of calls whose selection rules are stated and whose results are not announced yet.
    Their reasons would tell the applicant the basis of a result it may not know yet."""
    from django.db.models import Exists, OuterRef, Q

    from kbridge.evaluation.models import Stage

    policy = "assignment__stage__call__selection_policy"
    presentation = Stage.objects.filter(call_id=OuterRef("assignment__stage__call_id"),
                                        kind=Stage.Kind.PRESENTATION)
    not_announced = Q(**{f"{policy}__isnull": False}) & (
        Q(**{f"{policy}__announcement_at__isnull": True})
        | Q(**{f"{policy}__announcement_at__gt": now}))
    deciding = Q(assignment__stage__kind=Stage.Kind.PRESENTATION) | Q(~Exists(presentation))
    return not_announced & deciding
