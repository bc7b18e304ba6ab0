"""Forms of scoring: the scoresheet as posted, and the operator's unlock.

The scoresheet page is drawn from :func:`scoresheet_rows` (the rubric with the levels and
reasons to show); nothing here rejects a draft — the service decides (``services.scoring``).
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kbridge.core.forms import BaseForm
from kbridge.core.i18n import page_language
from kbridge.evaluation.services.scoring import (
    COMMENT_MAX_CHARS,
    REASON_MAX_CHARS,
    UNLOCK_DEFAULT,
    UNLOCK_REASON_MAX_CHARS,
)
from kbridge.programs.forms import DateTimeLocalInput


class ScoresheetInput:
    """What a scoresheet form posted: ``level_<pk>``, ``reason_<pk>``, ``overall_comment``,
    ``version`` and ``editor`` (the page's id, one per browser tab)."""

    def __init__(self, data, criteria):
        self.data = data
        self.criteria = criteria

    def levels(self) -> dict[str, str]:
        return {str(c.pk): self.data.get(f"level_{c.pk}", "") for c in self.criteria
                if f"level_{c.pk}" in self.data}

    def reasons(self) -> dict[str, str]:
        return {str(c.pk): self.data.get(f"reason_{c.pk}", "") for c in self.criteria
                if f"reason_{c.pk}" in self.data}

    def comment(self) -> str | None:
        return self.data.get("overall_comment") if "overall_comment" in self.data else None

    def editor(self) -> str:
        return str(self.data.get("editor", ""))[:32]

    def version(self) -> int:
        raw = str(self.data.get("version", "0"))
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


def _anchor_text(anchor: dict) -> str:
    lang = page_language()
    other = "en" if lang == "ko" else "ko"
    return anchor.get(lang) or anchor.get(other) or ""


def scoresheet_rows(stage, criteria, content: dict, errors: dict | None = None) -> list[dict]:
    """One row per criterion for the page: the criterion, its levels (value, descriptor in the
    page's language, checked), the reason text and the errors of both fields.

    ``content`` is the scoresheet's content (``services.scoring.payload``) or, for a page shown
    again after a refused save or submission, what was posted (nothing typed is lost)."""
    errors = errors or {}
    rows = []
    for c in criteria:
        key = str(c.pk)
        anchors = {int(a.get("level", -1)): a for a in (c.anchors or []) if isinstance(a, dict)}
        chosen = str(content["levels"].get(key) or "")
        rows.append({
            "criterion": c,
            "levels": [{"value": v, "text": _anchor_text(anchors.get(v, {})),
                        "checked": chosen == str(v)}
                       for v in range(stage.scale_min, stage.scale_max + 1)],
            "reason": content["reasons"].get(key, ""),
            "level_errors": errors.get(f"level_{key}", []),
            "reason_errors": errors.get(f"reason_{key}", []),
        })
    return rows


def posted_content(data, criteria, stored: dict) -> dict:
    """The stored content overlaid with what was posted (to show a refused form again)."""
    posted = ScoresheetInput(data, criteria)
    return {"levels": {**stored["levels"], **posted.levels()},
            "reasons": {**stored["reasons"], **posted.reasons()},
            "comment": posted.comment() if posted.comment() is not None else stored["comment"]}


def new_editor_id() -> str:
    return uuid.uuid4().hex


LIMITS = {"reason": REASON_MAX_CHARS, "comment": COMMENT_MAX_CHARS}


class UnlockForm(BaseForm):
    """An operator's unlock of one scoresheet: why, and until when (KST)."""

    reason = forms.CharField(label=_("Reason for the unlock"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=UNLOCK_REASON_MAX_CHARS,
        help_text=_("Kept in the audit log with your name."))
    until = forms.DateTimeField(label=_("Unlocked until"), widget=DateTimeLocalInput(),
                                help_text=_("Korea Standard Time (KST). Default: 24 hours "
                                            "from now."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"until": timezone.localtime() + UNLOCK_DEFAULT})
        super().__init__(*args, **kwargs)
