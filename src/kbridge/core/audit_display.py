"""Reading the audit log: translated action names and changes as "field: before → after".

Audit rows store codes and JSON (``application.submitted``, ``{"status": "draft"}``) so they
stay stable and searchable; this module turns them into sentences in the page's language
for the audit log page and the application's audit trail. Field names come from the model's
translated ``verbose_name``; choice values from the field's choices; related objects are
looked up (in one query per model for a whole page) and named in the page's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import ForeignObjectRel
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kbridge.core import i18n

ACTION_LABELS = {
    "account.registered": gettext_lazy("Account registered"),
    "account.email_verified": gettext_lazy("E-mail address verified"),
    "account.login_limits_lifted": gettext_lazy("Sign-in limits lifted"),
    "account.deleted": gettext_lazy("Account deleted at the person's request"),
    "consent.given": gettext_lazy("Consent given to the personal data notice"),
    "application.deleted": gettext_lazy("Unsubmitted draft deleted"),
    "invitation.created": gettext_lazy("Invitation sent"),
    "invitation.accepted": gettext_lazy("Invitation accepted"),
    "invitation.revoked": gettext_lazy("Invitation revoked"),
    "organisation.created": gettext_lazy("Organisation created"),
    "program.created": gettext_lazy("Program created"),
    "program.updated": gettext_lazy("Program changed"),
    "partner.added": gettext_lazy("Partner added"),
    "partner.updated": gettext_lazy("Partner changed"),
    "call.created": gettext_lazy("Call created"),
    "call.updated": gettext_lazy("Call changed"),
    "call.published": gettext_lazy("Call published"),
    "call.unpublished": gettext_lazy("Call unpublished"),
    "call.deadline_extended": gettext_lazy("Deadline extended"),
    "call.questions_changed": gettext_lazy("Application questions changed"),
    "track.created": gettext_lazy("Track created"),
    "track.updated": gettext_lazy("Track changed"),
    "track.package_changed": gettext_lazy("Support package changed"),
    "profile.updated": gettext_lazy("Company profile changed"),
    "application.started": gettext_lazy("Application started"),
    "application.file_uploaded": gettext_lazy("File uploaded"),
    "application.submitted": gettext_lazy("Application submitted"),
    "application.withdrawn": gettext_lazy("Application withdrawn"),
    "email.resent": gettext_lazy("E-mail sent again"),
    "embedding_model.switch_started": gettext_lazy("Embedding model switch started"),
    "embedding_model.switched": gettext_lazy("Embedding model switched"),
    "embedding_model.switch_failed": gettext_lazy("Embedding model switch failed"),
    # evaluation: pool, pledge and conflicts
    "evaluation.profile.saved": gettext_lazy("Evaluator profile saved"),
    "evaluation.evaluator.invited": gettext_lazy("Evaluator invited to a stage"),
    "evaluation.evaluator.removed": gettext_lazy("Evaluator removed from a stage"),
    "evaluation.pledge.signed": gettext_lazy("Evaluator's pledge signed"),
    "evaluation.conflict.detected": gettext_lazy("Conflict of interest detected"),
    "evaluation.conflict.declared": gettext_lazy("Conflict of interest declared by the evaluator"),
    "evaluation.conflict.added": gettext_lazy("Conflict of interest recorded by an operator"),
    "evaluation.conflict.overridden": gettext_lazy("Conflict of interest set aside"),
    "evaluation.conflict.reinstated": gettext_lazy("Conflict of interest back in force"),
    "evaluation.assignment.dropped_for_conflict": gettext_lazy(
        "Assignment removed because of a conflict of interest"),
    "evaluation.stage_created": gettext_lazy("Evaluation stage set up"),
    "evaluation.stage_updated": gettext_lazy("Evaluation stage changed"),
    "evaluation.stage_closed": gettext_lazy("Evaluation stage closed"),
    "evaluation.rubric_changed": gettext_lazy("Rubric changed"),
    "evaluation.shortlist_confirmed": gettext_lazy("Shortlist confirmed"),
    "evaluation.assignment_notified": gettext_lazy("Assignment notices sent"),
    "evaluation.reasons_rated": gettext_lazy("Usefulness of reasons rated"),
    "evaluation.reasons_rating_changed": gettext_lazy("Rating of reasons changed"),
    "scoresheet.submitted": gettext_lazy("Scoresheet submitted"),
    # Selection: the operator's decisions.
    "selection.rules_saved": gettext_lazy("Selection rules saved"),
    "selection.funding_list_imported": gettext_lazy("Funding list imported"),
    "selection.proposed": gettext_lazy("Selection proposed"),
    "selection.award_changed": gettext_lazy("Award changed"),
    "selection.confirmed": gettext_lazy("Selection confirmed"),
    "selection.draw_committed": gettext_lazy("Draw committed"),
    "selection.drawn": gettext_lazy("Drawn"),
    "scoresheet.resubmitted": gettext_lazy("Scoresheet submitted again while unlocked"),
    "scoresheet.unlocked": gettext_lazy("Scoresheet unlocked"),
    # selection: waitlist
    "selection.outcome_dropped": gettext_lazy("Selected startup dropped out"),
    "selection.offer_made": gettext_lazy("Place offered to a waitlisted startup"),
    "selection.offer_accepted": gettext_lazy("Offered place accepted"),
    "selection.offer_declined": gettext_lazy("Offered place declined"),
    "selection.offer_expired": gettext_lazy("Offered place expired"),
    # Selection: agreements
    "selection.agreement_sent": gettext_lazy("Agreement sent"),
    "selection.agreement_document_uploaded": gettext_lazy("Agreement document uploaded"),
    "selection.agreement_accepted": gettext_lazy("Agreement accepted"),
    "selection.agreement_lapsed": gettext_lazy("Agreement lapsed"),
    # Alliance: milestone reports and tranches
    "alliance.reports_scheduled": gettext_lazy("Milestone reports scheduled"),
    "alliance.report_saved": gettext_lazy("Milestone report draft saved"),
    "alliance.report_submitted": gettext_lazy("Milestone report submitted"),
    "alliance.report_returned": gettext_lazy("Milestone report returned for changes"),
    "alliance.report_approved": gettext_lazy("Milestone report approved"),
    "alliance.report_reminded": gettext_lazy("Milestone report reminder sent"),
    "alliance.tranche_released": gettext_lazy("Funding tranche released"),
    # Selection: appeals
    "selection.appeal_filed": gettext_lazy("Appeal filed"),
    "selection.appeal_answered": gettext_lazy("Appeal answered"),
    "selection.reranked_after_appeal": gettext_lazy("Track re-ranked after an upheld appeal"),
    "selection.outcome_reranked": gettext_lazy("Rank changed after an upheld appeal"),
    # Selection: results and partners
    "selection.results_announced": gettext_lazy("Results e-mailed to the applicants"),
    "selection.publish_consent_given": gettext_lazy(
        "Startup agreed to appear on the public results page"),
    "selection.publish_consent_withdrawn": gettext_lazy(
        "Startup withdrew from the public results page"),
    "selection.interest_recorded": gettext_lazy("Partner's interest recorded"),
    "selection.interest_changed": gettext_lazy("Partner's interest note changed"),
    "selection.interest_removed": gettext_lazy("Partner's interest removed"),
    # Events: tickets and check-in
    # Events: the event itself (events/services/events.py)
    "event.created": gettext_lazy("Event created"),
    "event.updated": gettext_lazy("Event changed"),
    "event.published": gettext_lazy("Event published"),
    "event.unpublished": gettext_lazy("Event taken back to draft"),
    "event.cancelled": gettext_lazy("Event cancelled"),
    "event.programme_saved": gettext_lazy("Event speakers and agenda saved"),
    "event.fit_questions_saved": gettext_lazy("Event fit questions saved"),
    "event.ticket_issued": gettext_lazy("Event ticket issued"),
    "event.ticket_revoked": gettext_lazy("Event ticket revoked"),
    "event.checked_in": gettext_lazy("Attendee checked in"),
    # Events: registration and choosing attendees
    "event.registered": gettext_lazy("Company registered for the event"),
    "event.registration_withdrawn": gettext_lazy("Event registration withdrawn"),
    "event.fit_reviewed": gettext_lazy("Fit review mark saved"),
    "event.review_confirmed": gettext_lazy("Fit review confirmed"),
    "event.registration_chosen": gettext_lazy("Company chosen to attend"),
    "event.registration_waitlisted": gettext_lazy("Company put on the event's waitlist"),
    "event.registration_not_chosen": gettext_lazy("Company not chosen to attend"),
    "event.lottery_committed": gettext_lazy("Event lottery committed"),
    "event.lottery_drawn": gettext_lazy("Event lottery drawn"),
    "event.offer_made": gettext_lazy("Event place offered from the waitlist"),
    "event.offer_accepted": gettext_lazy("Offered event place accepted"),
    "event.offer_declined": gettext_lazy("Offered event place declined"),
    "event.offer_expired": gettext_lazy("Offered event place expired"),
    # Events: 1:1 meetings
    "event.meeting_session_saved": gettext_lazy("Meeting times saved"),
    "event.meeting_availability_set": gettext_lazy("Meeting availability changed"),
    "event.meeting_requested": gettext_lazy("Meeting requested"),
    "event.meeting_accepted": gettext_lazy("Meeting accepted"),
    "event.meeting_declined": gettext_lazy("Meeting request declined"),
    "event.meeting_withdrawn": gettext_lazy("Meeting request withdrawn"),
    "event.meeting_cancelled": gettext_lazy("Meeting cancelled"),
    "event.meeting_must_meet": gettext_lazy("Must-meet changed"),
    "event.meetings_scheduled": gettext_lazy("Meetings scheduled"),
    "event.meeting_outcome": gettext_lazy("Meeting outcome recorded"),
    # Alliance: members and directory
    "alliance.member_joined": gettext_lazy("Joined the alliance"),
    "alliance.member_invited": gettext_lazy("Startup invited into the alliance"),
    "alliance.member_left": gettext_lazy("Left the alliance"),
    "alliance.invitation_declined": gettext_lazy("Alliance invitation declined"),
    "alliance.member_profile_changed": gettext_lazy("Alliance profile changed"),
    # Alliance: collaborations
    "alliance.collaboration_created": gettext_lazy("Collaboration recorded"),
    "alliance.collaboration_updated": gettext_lazy("Collaboration changed"),
    "alliance.collaboration_agreed": gettext_lazy("Collaboration agreed"),
    "alliance.collaboration_running": gettext_lazy("Collaboration started"),
    "alliance.collaboration_done": gettext_lazy("Collaboration done"),
    "alliance.collaboration_dropped": gettext_lazy("Collaboration dropped"),
    # Events: live Q&A
    "qna.question_approved": gettext_lazy("Q&A question approved"),
    "qna.question_hidden": gettext_lazy("Q&A question hidden"),
    "qna.question_answered": gettext_lazy("Q&A question answered"),
    "qna.question_highlighted": gettext_lazy("Q&A question highlighted"),
    "qna.question_unhighlighted": gettext_lazy("Q&A question no longer highlighted"),
    "qna.questions_merged": gettext_lazy("Duplicate Q&A question merged"),
    "qna.settings_changed": gettext_lazy("Q&A settings changed"),
    # API tokens and webhooks
    "api.token_created": gettext_lazy("API token made"),
    "api.token_revoked": gettext_lazy("API token revoked"),
    "api.webhook_created": gettext_lazy("Webhook created"),
    "api.webhook_updated": gettext_lazy("Webhook changed"),
    "api.webhook_enabled": gettext_lazy("Webhook enabled"),
    "api.webhook_disabled": gettext_lazy("Webhook disabled"),
    "api.webhook_secret_rotated": gettext_lazy("Webhook signing secret replaced"),
    "api.webhook_test_sent": gettext_lazy("Webhook test event sent"),
    "api.webhook_redelivered": gettext_lazy("Webhook delivery sent again"),
}

# Keys of audit payloads that are not fields of the audited model: their label, and the
# model whose field (for choices) or rows (for ids) they refer to.
EXTRA_KEYS: dict[str, tuple[Any, str | None]] = {
    "role": (gettext_lazy("role"), "accounts.membership.role"),
    "organisation": (gettext_lazy("organisation"), "accounts.organisation"),
    "applicant": (gettext_lazy("company"), "accounts.organisation"),
    "user": (gettext_lazy("account"), "accounts.user"),
    "track": (gettext_lazy("track"), "programs.track"),
    "question": (gettext_lazy("question"), "applications.question"),
    "email": (gettext_lazy("e-mail address"), None),
    "reason": (gettext_lazy("reason"), None),
    "counters": (gettext_lazy("limits lifted"), None),
    "receipt": (gettext_lazy("receipt number"), None),
    "version": (gettext_lazy("version"), None),
    "answers_sha256": (gettext_lazy("SHA-256 of the answers"), None),
    "files": (gettext_lazy("files"), None),
    "file": (gettext_lazy("file"), None),
    "sha256": (gettext_lazy("SHA-256"), None),
    "size": (gettext_lazy("size (bytes)"), None),
    "pages": (gettext_lazy("pages"), None),
    "replaced": (gettext_lazy("replaced file"), None),
    "deadline_at": (gettext_lazy("deadline"), None),
    "questions": (gettext_lazy("questions"), None),
    "added_standard_questions": (gettext_lazy("standard questions added"),
                                 "applications.question"),
    "support_items": (gettext_lazy("support package"), None),
    "attempts": (gettext_lazy("attempts"), None),
    "recipients": (gettext_lazy("recipients"), None),
    "emails": (gettext_lazy("e-mails sent"), None),
    # Events: attendees (event.review_confirmed)
    "chosen": (gettext_lazy("chosen (registration codes)"), None),
    "tied_at_line": (gettext_lazy("tied at the last place"), None),
    # Alliance: milestone reports and tranches
    "follow_on_investments": (gettext_lazy("follow-on investments"), None),
    "reports": (gettext_lazy("milestone reports"), None),
    "report": (gettext_lazy("report number"), None),
    "comment": (gettext_lazy("comment"), None),
    "days": (gettext_lazy("days before the due date"), None),
    "tranche": (gettext_lazy("tranche"), None),
    "amount_krw": (gettext_lazy("amount (KRW)"), None),
}
# Codes of upper apps that payloads keep in lists or plain fields (webhook event types):
# key → function from code to its translated label, registered from the app's ready().
VALUE_LABELS: dict[str, Any] = {}


def register_value_labels(key: str, label) -> None:
    """Show the values recorded under ``key`` through ``label(code) -> str``."""
    VALUE_LABELS[key] = label


# Bookkeeping columns that say nothing to a reader.
HIDDEN_KEYS = {"id", "created_at", "updated_at", "password", "exclusivity_key", "editor",
               "editor_since", "last_login"}
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# Models whose fields other models' payloads borrow (a profile change lists the company's
# name and description next to the profile's own fields).
_ALSO_LOOK_IN = ("accounts.organisation",)


@dataclass
class Change:
    label: str
    before: str | None  # None: the value was only recorded once (created, submitted …)
    after: str


@dataclass
class Entry:
    log: Any
    action_label: str
    object_type_label: str
    object_label: str
    changes: list[Change] = field(default_factory=list)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_choices() -> list[tuple[str, str]]:
    """``(code, label)`` of every known action, sorted by label, for the filter form."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()),
                  key=lambda pair: pair[1])


def _model(label: str | None):
    if not label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def model_label(object_type: str) -> str:
    model = _model(object_type)
    return capfirst(str(model._meta.verbose_name)) if model is not None else object_type


def _field(model, name: str) -> models.Field | None:
    """The model's own (forward) field ``name``; a reverse relation (another model's foreign
    key pointing here, e.g. a report's follow-on investments) is not a field of the row and
    has no label of its own (see :func:`_reverse_label`)."""
    for candidate in [model, *(_model(m) for m in _ALSO_LOOK_IN)]:
        if candidate is None:
            continue
        try:
            found = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(found, ForeignObjectRel):
            continue
        return found
    return None


def _reverse_label(model, name: str) -> str | None:
    """The plural name of the rows a reverse relation ``name`` of ``model`` holds."""
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if isinstance(found, ForeignObjectRel) and found.related_model is not None:
        return capfirst(str(found.related_model._meta.verbose_name_plural))
    return None


def _choice_field(ref: str | None) -> models.Field | None:
    """``"accounts.membership.role"`` → that model field (for its choices)."""
    if not ref or ref.count(".") != 2:
        return None
    app_model, name = ref.rsplit(".", 1)
    model = _model(app_model)
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


class _Names:
    """Names of related objects, fetched once per model for a whole page of entries."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[str]] = defaultdict(set)
        self.found: dict[tuple[str, str], str] = {}

    def want(self, model_label_: str, pk: Any) -> None:
        if pk not in (None, "", [], {}) and not isinstance(pk, list | dict | bool):
            self.wanted[model_label_].add(str(pk))

    def fetch(self) -> None:
        for label, pks in self.wanted.items():
            model = _model(label)
            if model is None:
                continue
            ids = [pk for pk in pks if pk.isdigit()] if model._meta.pk.get_internal_type() in {
                "AutoField", "BigAutoField", "IntegerField", "BigIntegerField"} else list(pks)
            for obj in model._default_manager.filter(pk__in=ids):
                self.found[(label, str(obj.pk))] = str(obj)

    def name(self, model_label_: str, pk: Any) -> str:
        return self.found.get((model_label_, str(pk)), f"#{pk}")


def _label_of(model, key: str) -> str | None:
    f = _field(model, key) if model is not None else None
    if f is not None and isinstance(f.verbose_name, Promise):
        return capfirst(str(f.verbose_name))
    if key in EXTRA_KEYS:
        return capfirst(str(EXTRA_KEYS[key][0]))
    return _reverse_label(model, key)


class _Formatter:
    def __init__(self, names: _Names) -> None:
        self.names = names

    def related_label(self, model, key: str) -> str | None:
        """The model label of the rows a key points to, if it holds ids."""
        f = _field(model, key) if model is not None else None
        if f is not None and f.is_relation and f.related_model is not None:
            return f.related_model._meta.label_lower
        extra = EXTRA_KEYS.get(key)
        if extra and extra[1] and extra[1].count(".") == 1:
            return extra[1]
        return None

    def collect(self, model, key: str, value: Any) -> None:
        target = self.related_label(model, key)
        if target is None:
            return
        for v in value if isinstance(value, list) else [value]:
            self.names.want(target, v)

    def value(self, model, key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        target = self.related_label(model, key)
        if target is not None and not isinstance(value, dict):
            values = value if isinstance(value, list) else [value]
            return ", ".join(self.names.name(target, v) for v in values)
        if key in VALUE_LABELS and isinstance(value, str):
            return str(VALUE_LABELS[key](value))
        f = _field(model, key) if model is not None else None
        if f is None and key in EXTRA_KEYS:
            f = _choice_field(EXTRA_KEYS[key][1])
        if f is not None and f.choices and not isinstance(value, list | dict):
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, list):
            return ", ".join(self.value(model, key, v) for v in value)
        if isinstance(value, dict):
            return self.mapping(value)
        if isinstance(value, str):
            return self.text(value)
        return str(value)

    def text(self, value: str) -> str:
        if _ISO_DATETIME.match(value):
            try:
                return i18n.format_datetime(dt.datetime.fromisoformat(value))
            except ValueError:
                return value
        if _ISO_DATE.match(value):
            try:
                return i18n.format_date(dt.date.fromisoformat(value))
            except ValueError:
                return value
        if _SHA256.match(value):
            return f"{value[:12]}…"
        return value

    def mapping(self, value: dict) -> str:
        """A nested record (a question, a file, a support item) named in a few words."""
        for field_name in ("label", "description"):
            if f"{field_name}_ko" in value or f"{field_name}_en" in value:
                text = i18n.pick(_Record(value), field_name)[0]
                kind = value.get("kind")
                if kind and field_name == "description":
                    item = _model("programs.supportitem")
                    kind_field = _field(item, "kind") if item is not None else None
                    if kind_field is not None:
                        kind = dict(kind_field.flatchoices).get(kind, kind)
                    return f"{kind}: {text}"
                return text
        for key in ("name", "file", "email"):
            if key in value:
                return str(value[key])
        return "; ".join(f"{_label_of(None, k) or k}: {self.value(None, k, v)}"
                         for k, v in value.items())


class _Record:
    def __init__(self, data: dict) -> None:
        self.__dict__.update({k: v for k, v in data.items() if isinstance(k, str)})


def present(logs) -> list[Entry]:
    """Entries ready to show, for a page of ``AuditLog`` rows."""
    logs = list(logs)
    names = _Names()
    fmt = _Formatter(names)
    for log in logs:
        model = _model(log.object_type)
        if model is not None:
            names.want(log.object_type, log.object_id)
        for payload in (log.before, log.after):
            if isinstance(payload, dict):
                for key, value in payload.items():
                    fmt.collect(model, key, value)
    names.fetch()
    entries = []
    for log in logs:
        model = _model(log.object_type)
        entry = Entry(
            log=log, action_label=action_label(log.action),
            object_type_label=model_label(log.object_type),
            object_label=names.found.get((log.object_type, str(log.object_id)),
                                         log.object_repr),
        )
        before = log.before if isinstance(log.before, dict) else None
        after = log.after if isinstance(log.after, dict) else {}
        keys = list(after) + [k for k in (before or {}) if k not in after]
        for key in keys:
            if key in HIDDEN_KEYS:
                continue
            label = _label_of(model, key)
            if label is None:
                continue
            new = fmt.value(model, key, after.get(key))
            old = fmt.value(model, key, before.get(key)) if before is not None else None
            entry.changes.append(Change(label, old, new))
        entries.append(entry)
    return entries
