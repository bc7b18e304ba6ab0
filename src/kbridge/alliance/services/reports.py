"""Milestone reports (issue 16, part 3): the schedule an accepted agreement sets, the startup's
draft and submission, the operator's review, the funding tranches held until a report is
approved, and the reminders 30 and 14 days before a report is due (docs/alliance.md,
"Milestone reports").

States of a report (``MilestoneReport.Status``): due → submitted → approved, or → returned
(with the operator's comment) → submitted again → …; only approved reports count in the
KPIs. A tranche after the first is *held* until the report with ``unlocks_tranche`` = its
number is approved; the first may be released once the agreement is accepted.

One function per state change: keyword-only arguments, one transaction, an audit row
(``alliance.*``) in the program's agency, e-mails (Korean and English in one message, to the
startup's representatives) through the outbox with idempotency keys, tasks after commit.
Errors are ``ValidationError`` with translated messages (a dict by field name for what a
report lacks).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kbridge.accounts.models import Membership
from kbridge.accounts.selectors import organisation_ids
from kbridge.alliance import report_schedule
from kbridge.alliance.models import (
    FollowOnInvestment,
    MilestoneReport,
    ReportReview,
    TrancheRelease,
)
from kbridge.core import audit
from kbridge.core.i18n import format_date
from kbridge.core.mail import queue_email
from kbridge.core.site import absolute
from kbridge.core.text import clean_text
from kbridge.selection.models import Agreement
from kbridge.selection.services.agreements import parse_tranches, representatives

Status = MilestoneReport.Status
#: The statuses in which the startup may change a report and submit it.
OPEN_STATUSES = (Status.DUE, Status.RETURNED)
#: The figures of a report, as the form and the service name them.
REPORT_FIELDS = ("jobs_created", "employees", "revenue_krw", "overseas_revenue_krw",
                 "patents_filed", "patents_granted", "merger_acquisition", "merger_detail",
                 "narrative")
#: The figures a report must have before it is submitted (0 is an answer; empty is not).
REQUIRED_TO_SUBMIT = ("jobs_created", "employees", "revenue_krw", "overseas_revenue_krw",
                      "patents_filed", "patents_granted", "narrative")
#: Most follow-on investments one report declares.
MAX_INVESTMENTS = 20
#: Longest review comment, in characters (``MilestoneReport.review_comment``).
MAX_COMMENT_CHARS = 4000

_REPORT_RELATED = ("agreement__outcome__selection__track__call__program__operator",
                   "agreement__outcome__application__applicant")


def _tenant(agreement: Agreement) -> int:
    return agreement.outcome.selection.track.call.program.operator_id


def _operator(agreement: Agreement):
    return agreement.outcome.selection.track.call.program.operator


def _locked(report: MilestoneReport) -> MilestoneReport:
    return (MilestoneReport.objects.select_for_update(of=("self",))
            .select_related(*_REPORT_RELATED).get(pk=report.pk))


def _snapshot(report: MilestoneReport) -> dict:
    return {"status": report.status, **{name: getattr(report, name) for name in REPORT_FIELDS},
            "follow_on_investments": [_investment_snapshot(i)
                                      for i in report.investments.all()]}


def _investment_snapshot(investment) -> dict:
    return {"round": investment.round, "amount_krw": investment.amount_krw,
            "investor": investment.investor, "closed_on": investment.closed_on.isoformat()}


def kst_today(now: dt.datetime | None = None) -> dt.date:
    """The KST calendar day of ``now`` (default: the current time)."""
    return timezone.localdate(now or timezone.now())


def is_overdue(report: MilestoneReport, today: dt.date | None = None) -> bool:
    """Still due or returned after its ``due_on`` (a KST day)."""
    return report.status in OPEN_STATUSES and report.due_on < (today or kst_today())


def report_kind(report: MilestoneReport) -> str:
    """``"interim"`` (releases a tranche), ``"final"`` (the rest of the agreement) or
    ``"outcome"`` (a year after the agreement), from the report's dates."""
    if report.unlocks_tranche is not None:
        return "interim"
    return "outcome" if report.period_starts_on > report.agreement.ends_on else "final"


# --- the schedule ----------------------------------------------------------------------------


def schedule_reports(*, agreement: Agreement, by=None) -> list[MilestoneReport]:
    """Create the reports of an accepted agreement (``report_schedule.plan_reports``) that do
    not exist yet; returns those created (empty when the schedule was there already, so it is
    safe to run twice: the acceptance signal, the demo and ``python -m kbridge
    schedule_reports`` all call it).

    Reports are numbered by ``sequence``; a sequence that exists is left as it is (a report
    the startup already filed is never rewritten). Raises ``ValidationError`` for an
    agreement that is not accepted. Side effects: audit ``alliance.reports_scheduled`` (what
    was created), and for each new report its reminder runs queued after commit
    (``tasks_reports.send_report_reminders`` at each reminder moment still ahead).
    """
    from kbridge.alliance.tasks_reports import queue_reminders

    with transaction.atomic():
        agreement = (Agreement.objects.select_for_update(of=("self",))
                     .select_related("outcome__selection__track__call__program")
                     .get(pk=agreement.pk))
        if agreement.status != Agreement.Status.ACCEPTED:
            raise ValidationError(_("Reports are scheduled once the agreement is accepted."),
                                  code="state")
        plan = report_schedule.plan_reports(
            agreement.starts_on, agreement.ends_on,
            [t["due_on"] for t in parse_tranches(agreement.tranches)])
        existing = set(agreement.milestone_reports.values_list("sequence", flat=True))
        created = [MilestoneReport.objects.create(
            agreement=agreement, sequence=planned.sequence,
            period_starts_on=planned.period_starts_on, period_ends_on=planned.period_ends_on,
            due_on=planned.due_on, unlocks_tranche=planned.unlocks_tranche)
            for planned in plan if planned.sequence not in existing]
        if created:
            audit.record("alliance.reports_scheduled", agreement, after={"reports": [
                {"sequence": r.sequence, "due_on": r.due_on.isoformat(),
                 "period": [r.period_starts_on.isoformat(), r.period_ends_on.isoformat()],
                 "unlocks_tranche": r.unlocks_tranche} for r in created]},
                actor=by, tenant_id=_tenant(agreement))
            due_dates = [r.due_on for r in created]
            transaction.on_commit(lambda: queue_reminders(due_dates))
    return created


def on_agreement_accepted(sender, agreement: Agreement, by=None, **kwargs) -> None:
    """``selection.signals.agreement_accepted`` receiver: schedule the agreement's reports in
    the transaction that accepted it."""
    schedule_reports(agreement=agreement, by=by)


def connect_signals() -> None:
    from kbridge.selection.signals import agreement_accepted

    agreement_accepted.connect(on_agreement_accepted, dispatch_uid="alliance.reports.schedule")


# --- the startup: draft and submission -------------------------------------------------------


def _is_member(user, agreement: Agreement, *roles: str) -> bool:
    roles = roles or (Membership.Role.STARTUP_REPRESENTATIVE, Membership.Role.STARTUP_MEMBER)
    return agreement.outcome.application.applicant_id in organisation_ids(user, *roles)


def save_report(*, report: MilestoneReport, by, values: dict, investments: list[dict],
                now: dt.datetime | None = None) -> MilestoneReport:
    """Store what the startup typed as the report's draft, complete or not.

    ``values``: the figures by name (``REPORT_FIELDS``; missing names are left empty, amounts
    whole won); ``investments``: ``[{"round", "amount_krw", "investor", "closed_on"}, …]``
    (at most ``MAX_INVESTMENTS``), replacing those stored. Nothing here checks that the
    report is complete or consistent: :func:`submit_report` does, so a half-filled draft is
    never refused. Raises ``ValidationError`` when ``by`` is not a member of the startup or
    the report is neither due nor returned. Side effects: audit ``alliance.report_saved``
    (the figures before and after) when something changed.
    """
    if len(investments) > MAX_INVESTMENTS:
        raise ValidationError(_("A report lists at most %(n)s investments.") % {
            "n": MAX_INVESTMENTS}, code="too_many")
    with transaction.atomic():
        report = _locked(report)
        if not _is_member(by, report.agreement):
            raise ValidationError(_("Only the startup's people can write its reports."),
                                  code="not_member")
        if report.status not in OPEN_STATUSES:
            raise ValidationError(_("This report was submitted and can no longer be "
                                    "changed."), code="state")
        before = _snapshot(report)
        for name in REPORT_FIELDS:
            value = values.get(name)
            if name in ("merger_acquisition", "merger_detail", "narrative"):
                value = clean_text(value or "").strip()
            setattr(report, name, value)
        report.save()
        report.investments.all().delete()
        FollowOnInvestment.objects.bulk_create([FollowOnInvestment(
            report=report, round=row["round"], amount_krw=row["amount_krw"],
            investor=clean_text(row["investor"]).strip(), closed_on=row["closed_on"])
            for row in investments])
        after = _snapshot(report)
        if after != before:
            audit.record("alliance.report_saved", report, before=before, after=after,
                         actor=by, tenant_id=_tenant(report.agreement))
    return report


def report_errors(report: MilestoneReport, investments: list, today: dt.date) -> dict:
    """What keeps the stored report from being submitted, by field name (``investments`` for
    the rows; ``__all__`` for the rest); empty when it may go.

    Every figure of ``REQUIRED_TO_SUBMIT`` is filled (0 counts); overseas revenue is part
    of revenue, so at most it; an M&A is described; each investment (objects with
    ``round``, ``amount_krw``, ``investor``, ``closed_on``) closed within the report's period
    and not after ``today`` (KST), since it is counted in the period it closed.
    """
    errors: dict[str, list[str]] = {}
    labels = {f.name: f.verbose_name for f in MilestoneReport._meta.fields}
    for name in REQUIRED_TO_SUBMIT:
        value = getattr(report, name)
        if value is None or value == "":
            errors.setdefault(name, []).append(
                _("Enter %(field)s (0 if there is nothing to report).") % {
                    "field": labels[name]} if name != "narrative" else
                _("Describe the company's progress during the period."))
    revenue, overseas = report.revenue_krw, report.overseas_revenue_krw
    if revenue is not None and overseas is not None and overseas > revenue:
        errors.setdefault("overseas_revenue_krw", []).append(
            _("Overseas revenue is part of revenue, so it cannot be more than revenue."))
    if report.merger_acquisition and not report.merger_detail:
        errors.setdefault("merger_detail", []).append(
            _("Say which company and when (M&A details)."))
    latest = min(report.period_ends_on, today)
    for number, investment in enumerate(investments, 1):
        closed_on = investment.closed_on
        if closed_on > today:
            errors.setdefault("investments", []).append(
                _("Investment %(n)s closed on %(date)s, which is in the future: report it "
                  "once it has closed.") % {"n": number, "date": format_date(closed_on)})
        elif not report.period_starts_on <= closed_on <= latest:
            errors.setdefault("investments", []).append(
                _("Investment %(n)s closed on %(date)s, outside this report's period "
                  "(%(start)s – %(end)s): report it with the period it closed in.") % {
                    "n": number, "date": format_date(closed_on),
                    "start": format_date(report.period_starts_on),
                    "end": format_date(report.period_ends_on)})
    return errors


def submit_report(*, report: MilestoneReport, by,
                  now: dt.datetime | None = None) -> MilestoneReport:
    """The startup's representative submits the stored draft for review.

    Raises ``ValidationError``: ``code="not_representative"`` for anyone else (members save
    drafts, the representative submits), ``code="state"`` unless the report is due or
    returned (a double click on a submitted report says it was submitted), and a dict by
    field (:func:`report_errors`) when the report is incomplete or inconsistent. Side
    effects: status submitted with who and when, a ``ReportReview`` (submitted), audit
    ``alliance.report_submitted``, a receipt e-mailed to the representatives (key
    ``report-submitted:<id>:<number of submissions>:<user id>``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        report = _locked(report)
        agreement = report.agreement
        if not _is_member(by, agreement, Membership.Role.STARTUP_REPRESENTATIVE):
            raise ValidationError(_("Only the startup's representative can submit a "
                                    "report."), code="not_representative")
        if report.status not in OPEN_STATUSES:
            raise ValidationError(_("This report was already submitted."), code="state")
        errors = report_errors(report, list(report.investments.all()), kst_today(now))
        if errors:
            raise ValidationError(errors)
        before = {"status": report.status}
        report.status = Status.SUBMITTED
        report.submitted_at, report.submitted_by = now, by
        report.save(update_fields=["status", "submitted_at", "submitted_by", "updated_at"])
        ReportReview.objects.create(report=report, action=ReportReview.Action.SUBMITTED,
                                    by=by)
        audit.record("alliance.report_submitted", report, before=before,
                     after=_snapshot(report), actor=by, tenant_id=_tenant(agreement))
        count = report.reviews.filter(action=ReportReview.Action.SUBMITTED).count()
        _mail_startup(report, "submitted", key=f"report-submitted:{report.pk}:{count}")
    return report


# --- the operator: review --------------------------------------------------------------------


def _review(report: MilestoneReport, by) -> MilestoneReport:
    report = _locked(report)
    if _tenant(report.agreement) not in organisation_ids(by, Membership.Role.OPERATOR):
        raise ValidationError(_("Only the program's operators review its reports."),
                              code="not_operator")
    if report.status != Status.SUBMITTED:
        message = {Status.APPROVED: _("This report was already approved."),
                   Status.RETURNED: _("This report was returned to the startup: it can be "
                                      "reviewed again once they submit it again."),
                   }.get(report.status, _("This report has not been submitted yet."))
        raise ValidationError(message, code="state")
    return report


def approve_report(*, report: MilestoneReport, by, comment: str = "",
                   now: dt.datetime | None = None) -> MilestoneReport:
    """The program's operator approves a submitted report: it counts in the KPIs from now on
    and the tranche it unlocks may be released.

    ``comment`` is optional (kept in the history). Raises ``ValidationError`` for anyone but
    an operator of the program's agency, or a report that is not submitted (approved or
    returned already, or never submitted). Side effects: status approved with who and when,
    a ``ReportReview`` (approved), audit ``alliance.report_approved``, an e-mail to the
    representatives (key ``report-approved:<id>``).
    """
    now = now or timezone.now()
    comment = clean_text(comment or "").strip()[:MAX_COMMENT_CHARS]
    with transaction.atomic():
        report = _review(report, by)
        before = {"status": report.status}
        report.status = Status.APPROVED
        report.reviewed_at, report.reviewed_by, report.review_comment = now, by, comment
        report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment",
                                   "updated_at"])
        ReportReview.objects.create(report=report, action=ReportReview.Action.APPROVED,
                                    comment=comment, by=by)
        audit.record("alliance.report_approved", report, before=before,
                     after={"status": report.status, "comment": comment},
                     actor=by, tenant_id=_tenant(report.agreement))
        _mail_startup(report, "approved", key=f"report-approved:{report.pk}")
    return report


def return_report(*, report: MilestoneReport, by, comment: str,
                  now: dt.datetime | None = None) -> MilestoneReport:
    """The program's operator returns a submitted report to the startup with ``comment``
    (required: what to fix), which the startup sees on the report.

    Raises ``ValidationError``: a dict ``{"comment": …}`` for an empty or overlong comment;
    otherwise as :func:`approve_report`. Side effects: status returned with the comment, a
    ``ReportReview`` (returned, with the comment), audit ``alliance.report_returned``, an
    e-mail with the comment to the representatives (key ``report-returned:<id>:<review
    id>``).
    """
    now = now or timezone.now()
    comment = clean_text(comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what the startup should change.")]})
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError({"comment": [_("Keep the comment to %(n)s characters.") % {
            "n": f"{MAX_COMMENT_CHARS:,}"}]})
    with transaction.atomic():
        report = _review(report, by)
        before = {"status": report.status}
        report.status = Status.RETURNED
        report.reviewed_at, report.reviewed_by, report.review_comment = now, by, comment
        report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment",
                                   "updated_at"])
        review = ReportReview.objects.create(report=report, action=ReportReview.Action.RETURNED,
                                             comment=comment, by=by)
        audit.record("alliance.report_returned", report, before=before,
                     after={"status": report.status, "comment": comment},
                     actor=by, tenant_id=_tenant(report.agreement))
        _mail_startup(report, "returned", key=f"report-returned:{report.pk}:{review.pk}")
    return report


# --- tranches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrancheState:
    """One tranche of an agreement and whether it may be paid.

    ``state``: ``"released"`` (a ``TrancheRelease`` exists), ``"ready"`` (may be released:
    the first once the agreement is accepted, a later one once ``report`` is approved) or
    ``"held"`` (waiting for ``report``'s approval, or for the agreement's acceptance).
    """

    number: int
    due_on: dt.date
    amount_krw: int
    state: str
    report: MilestoneReport | None
    release: TrancheRelease | None


def tranche_states(agreement: Agreement, reports, releases) -> list[TrancheState]:
    """The tranches of ``agreement`` in order with their state, from its ``reports`` and
    ``releases`` (already fetched: no query here)."""
    by_tranche = {r.unlocks_tranche: r for r in reports if r.unlocks_tranche is not None}
    released = {r.tranche: r for r in releases}
    accepted = agreement.status == Agreement.Status.ACCEPTED
    states = []
    for number, tranche in enumerate(parse_tranches(agreement.tranches), 1):
        report = by_tranche.get(number)
        if number in released:
            state = "released"
        elif accepted and (number == 1 or (report is not None
                                           and report.status == Status.APPROVED)):
            state = "ready"
        else:
            state = "held"
        states.append(TrancheState(number, tranche["due_on"], tranche["amount_krw"], state,
                                   report, released.get(number)))
    return states


def release_tranche(*, agreement: Agreement, tranche: int, by,
                    now: dt.datetime | None = None) -> TrancheRelease:
    """The program's operator releases tranche ``tranche`` (1 = first) for payment.

    Once only: a tranche already released returns its release unchanged (a double click, two
    tabs). Raises ``ValidationError`` for anyone but an operator of the program's agency, a
    tranche the agreement does not have, or one still held (the agreement not accepted, or
    the report due before it not approved — the message says which). Side effects: a
    ``TrancheRelease`` (unique per agreement and tranche), audit
    ``alliance.tranche_released``, an e-mail to the representatives (key
    ``tranche-released:<agreement id>:<tranche>``).
    """
    with transaction.atomic():
        agreement = (Agreement.objects.select_for_update(of=("self",))
                     .select_related("outcome__selection__track__call__program__operator",
                                     "outcome__application__applicant")
                     .get(pk=agreement.pk))
        if _tenant(agreement) not in organisation_ids(by, Membership.Role.OPERATOR):
            raise ValidationError(_("Only the program's operators release tranches."),
                                  code="not_operator")
        states = tranche_states(agreement, list(agreement.milestone_reports.all()),
                                list(agreement.tranche_releases.all()))
        if not 1 <= tranche <= len(states):
            raise ValidationError(_("This agreement has no such tranche."), code="tranche")
        state = states[tranche - 1]
        if state.release is not None:
            return state.release
        if state.state != "ready":
            if agreement.status != Agreement.Status.ACCEPTED:
                message = _("The agreement has not been accepted: no tranche can be released.")
            elif state.report is None:
                message = _("Tranche %(n)s is held: the report due before it has not been "
                            "scheduled.") % {"n": tranche}
            else:
                message = _("Tranche %(n)s is held until report %(report)s is approved.") % {
                    "n": tranche, "report": state.report.sequence}
            raise ValidationError(message, code="held")
        try:
            with transaction.atomic():
                release = TrancheRelease.objects.create(
                    agreement=agreement, tranche=tranche, amount_krw=state.amount_krw,
                    released_by=by)
        except IntegrityError:  # released between our read and write (no row lock on SQLite)
            return TrancheRelease.objects.get(agreement=agreement, tranche=tranche)
        audit.record("alliance.tranche_released", agreement, after={
            "tranche": tranche, "amount_krw": state.amount_krw,
            "due_on": state.due_on.isoformat(),
            "report": state.report.sequence if state.report else None},
            actor=by, tenant_id=_tenant(agreement))
        _mail_agreement(agreement, "released", key=f"tranche-released:{agreement.pk}:{tranche}",
                        context={"tranche": state})
    return release


# --- reminders -------------------------------------------------------------------------------


def _reminder_candidates(today: dt.date):
    """Open reports due within the longest reminder window with a reminder not yet sent."""
    longest = max(report_schedule.REMINDER_DAYS)
    return MilestoneReport.objects.filter(
        status__in=OPEN_STATUSES, due_on__gte=today,
        due_on__lte=today + dt.timedelta(days=longest)).filter(
        Q(reminded_30_at__isnull=True) | Q(reminded_14_at__isnull=True))


def _reminder_to_send(report: MilestoneReport, now: dt.datetime) -> int | None:
    days = report_schedule.reminder_due(report.due_on, now)
    if days == 30 and report.reminded_30_at is None and report.reminded_14_at is None:
        return 30
    if days == 14 and report.reminded_14_at is None:
        return 14
    return None


def reminders_pending(now: dt.datetime | None = None) -> bool:
    """Whether some reminder is due now and not sent (a starting worker catches up)."""
    now = now or timezone.now()
    return any(_reminder_to_send(r, now) for r in _reminder_candidates(kst_today(now)))


def send_due_reminders(now: dt.datetime | None = None) -> list[tuple[int, int]]:
    """E-mail every reminder due at ``now``: 30 days before a due or returned report's
    ``due_on`` and again 14 days before, from ``REMINDER_HOUR`` KST (see
    ``report_schedule.reminder_due``). Returns ``[(report id, days), …]`` sent.

    Each reminder once: ``reminded_30_at`` / ``reminded_14_at`` are set in the transaction
    that queues the e-mail (key ``report-reminder:<id>:<days>``), so a second run — or a task
    run twice by a worker that was killed — sends nothing more. A 30-day reminder missed until
    the 14-day one is due is not sent late: the 14-day one goes instead. Side effects: audit
    ``alliance.report_reminded`` (no actor).
    """
    now = now or timezone.now()
    sent = []
    for pk in [r.pk for r in _reminder_candidates(kst_today(now)) if _reminder_to_send(r, now)]:
        with transaction.atomic():
            report = _locked(MilestoneReport(pk=pk))
            days = (_reminder_to_send(report, now) if report.status in OPEN_STATUSES
                    else None)
            if days is None:
                continue
            field = f"reminded_{days}_at"
            setattr(report, field, now)
            report.save(update_fields=[field, "updated_at"])
            audit.record("alliance.report_reminded", report, after={
                "days": days, "due_on": report.due_on.isoformat()},
                tenant_id=_tenant(report.agreement))
            _mail_startup(report, "reminder", key=f"report-reminder:{report.pk}:{days}",
                          context={"days": days})
            sent.append((report.pk, days))
    return sent


# --- e-mail ----------------------------------------------------------------------------------


def _mail_startup(report: MilestoneReport, template: str, *, key: str,
                  context: dict | None = None) -> None:
    _mail_agreement(report.agreement, template, key=key,
                    context={"report": report, **(context or {})},
                    url=absolute(reverse("alliance:report_edit", args=[report.pk])))


def _mail_agreement(agreement: Agreement, template: str, *, key: str, context: dict,
                    url: str | None = None) -> None:
    """One message per representative in Korean and English (Korean first), whatever the
    person's language; ``key`` gets ``:<user id>``."""
    context = {"agreement": agreement, "company": agreement.outcome.application.applicant,
               "url": url or absolute(reverse("alliance:reports_mine")), **context}
    for user in representatives(agreement):
        parts, subjects = [], []
        for language in ("ko", "en"):
            with translation.override(language):
                text = render_to_string(f"alliance/reports/mail/{template}.txt",
                                        {**context, "user": user})
                subject, _sep, body = text.strip().partition("\n")
                subjects.append(subject.strip())
                parts.append(body.strip())
        message = EmailMessage(" / ".join(subjects), "\n\n----------\n\n".join(parts) + "\n",
                               settings.DEFAULT_FROM_EMAIL, [user.email])
        queue_email(message, idempotency_key=f"{key}:{user.pk}",
                    organisation=_operator(agreement))
