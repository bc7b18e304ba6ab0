"""The selection rules of a call (``SelectionPolicy``): stated before the deadline.

The rules that decide between applications — the tie-break criterion, the lottery at the
funding line and the waitlist's length — may change only until the call's deadline: after
it, applicants have applied under them. The announcement instant and the day counts may
change until the announcement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.accounts.models import User
from kbridge.core import audit
from kbridge.core.text import clean_text
from kbridge.programs.models import Call
from kbridge.selection.models import SelectionPolicy

#: Fields that decide between applications: frozen at the call's deadline.
RULE_FIELDS = ("tie_break_criterion", "lottery_at_line", "waitlist_length")
#: Fields that only say when: editable until the announcement.
TIMING_FIELDS = ("announcement_at", "appeal_working_days", "offer_working_days",
                 "agreement_months")
FIELDS = RULE_FIELDS + TIMING_FIELDS


def policy_of(call: Call) -> SelectionPolicy:
    """The call's rules (the defaults, unsaved, when none were stated yet)."""
    try:
        return call.selection_policy
    except SelectionPolicy.DoesNotExist:
        return SelectionPolicy(call=call)


def rules_frozen(call: Call, now: datetime | None = None) -> bool:
    """Whether the deciding rules are frozen (the call's deadline has passed)."""
    return (now or timezone.now()) >= call.deadline_at


def announced(policy: SelectionPolicy, now: datetime | None = None) -> bool:
    return policy.announcement_at is not None and (now or timezone.now()) >= policy.announcement_at


@transaction.atomic
def save_policy(*, call: Call, by: User, values: dict[str, Any],
                now: datetime | None = None) -> SelectionPolicy:
    """Store the call's rules from ``values`` (field name → value; fields not named keep
    theirs). Raises ValidationError keyed by field: a deciding rule changed after the
    deadline, a timing changed after the announcement, an announcement before the deadline.
    """
    now = now or timezone.now()
    policy = policy_of(call)
    if policy.pk:
        policy = SelectionPolicy.objects.select_for_update().get(pk=policy.pk)
    before = audit.snapshot(policy, list(FIELDS)) if policy.pk else {}
    values = dict(values)
    if "tie_break_criterion" in values:
        values["tie_break_criterion"] = clean_text(str(values["tie_break_criterion"] or ""))
    problems: dict[str, list[str]] = {}
    for name, value in values.items():
        if name not in FIELDS or getattr(policy, name) == value:
            continue
        if name in RULE_FIELDS and rules_frozen(call, now):
            problems[name] = [_("The call's deadline has passed: applicants applied under "
                                "this rule, so it can no longer change.")]
        elif name in TIMING_FIELDS and policy.pk and announced(policy, now):
            problems[name] = [_("The results have been announced: this can no longer "
                                "change.")]
        else:
            setattr(policy, name, value)
    if "announcement_at" not in problems and policy.announcement_at is not None \
            and policy.announcement_at <= call.deadline_at:
        problems["announcement_at"] = [_("The announcement must come after the call's "
                                         "deadline.")]
    if problems:
        raise ValidationError(problems)
    policy.full_clean(exclude=["call"])
    policy.save()
    after = audit.snapshot(policy, list(FIELDS))
    if after != before:
        changed_before, changed_after = audit.diff(before, after)
        audit.record("selection.rules_saved", policy, before=changed_before,
                     after=changed_after, actor=by)
    return policy
