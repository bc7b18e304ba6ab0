"""Writes of the feedback on evaluators: an applicant rates how useful a scoresheet's reasons were.

One rating per scoresheet (``ReasonRating``), shared by the startup's members: the latest
rating given stands. A rating may be given and changed while the stage's rating window is open
(``ranking.RATING_WINDOW_DAYS`` days after the stage ended); then it is final.

Anonymity: the rating stores no rater, and its audit row neither names the person who rated
(no actor) nor belongs to the agency (no tenant): operators, who may read their agency's audit
log, would otherwise read single ratings there, which they must only see averaged over at
least ``ReasonRating.MIN_RATINGS_SHOWN`` (issue 13, item 8). Only superusers read the row, in
the admin.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kbridge.core import audit
from kbridge.evaluation.models import ReasonRating, Scoresheet
from kbridge.evaluation.ranking import counted_scoresheets, rating_window_is_open

USEFULNESS_LEVELS = range(1, 6)


def rate_reasons(*, scoresheet: Scoresheet, usefulness: int, by) -> ReasonRating:
    """Rate (or re-rate) the usefulness of ``scoresheet``'s reasons, 1 (useless) to 5.

    ``by`` must belong to the startup whose application was scored (the view checks the
    permission ``evaluation.rate_reasons``); it is not stored. Idempotent: the same value
    again changes nothing and writes no audit row.

    Raises ``ValidationError`` when the value is not 1–5, the scoresheet does not count (a
    draft, or its pair has a conflict of interest in force) or the rating window is not open.
    """
    if isinstance(usefulness, bool) or usefulness not in USEFULNESS_LEVELS:
        raise ValidationError(_("Choose how useful the reasons were, from 1 to 5."),
                              code="usefulness")
    with transaction.atomic():
        sheet = (counted_scoresheets().select_related("assignment__stage")
                 .select_for_update(of=("self",)).filter(pk=scoresheet.pk).first())
        if sheet is None:
            raise ValidationError(_("These reasons cannot be rated."), code="not_counted")
        if not rating_window_is_open(sheet.assignment.stage):
            raise ValidationError(_("Ratings of these reasons are closed."), code="closed")
        rating = ReasonRating.objects.filter(scoresheet=sheet).first()
        if rating is not None and rating.usefulness == usefulness:
            return rating
        before = audit.snapshot(rating, ["usefulness"]) if rating else None
        if rating is None:
            rating = ReasonRating.objects.create(scoresheet=sheet, usefulness=usefulness)
            action = "evaluation.reasons_rated"
        else:
            rating.usefulness = usefulness
            rating.rated_on = timezone.localdate()
            rating.save(update_fields=["usefulness", "rated_on"])
            action = "evaluation.reasons_rating_changed"
        audit.record(action, rating, before=before,
                     after=audit.snapshot(rating, ["usefulness"]), actor=AnonymousUser())
    return rating
