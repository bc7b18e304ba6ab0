"""The error summary at the top of the alliance's forms: every message of a refused form (and
of its rows), each pointing to its field, so a refusal deep in a table is seen at once
(template ``alliance/_error_summary.html``, filter ``alliance_tags.error_summary``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SummaryEntry:
    """One message: the field's label (empty for a message about the whole form), the
    message, and the id of the element to go to (empty: none)."""

    label: str
    message: str
    anchor: str


def form_entries(form, *, label=None, row: str = "") -> list[SummaryEntry]:
    """The messages of ``form``: the form's own first (they point to nothing), then each
    field's in the form's order. In a formset, ``label(field_label)`` names a row's field
    and ``row`` the row."""
    if form is None or not form.is_bound or not form.errors:
        return []
    entries = [SummaryEntry(row, str(m), "") for m in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            continue
        name = str(field.label or field.name)
        entries.extend(SummaryEntry(label(name) if label else name, str(m),
                                    field.id_for_label or "") for m in field.errors)
    return entries


def formset_entries(formset, *, row_label, anchor: str = "") -> list[SummaryEntry]:
    """The messages of a formset: its own (pointing to ``anchor``, the table's section),
    then each row's (``row_label(n, field_label)`` names a field of row n, from 1, and
    ``row_label(n, "")`` the row)."""
    if formset is None or not formset.is_bound:
        return []
    entries = [SummaryEntry("", str(m), anchor) for m in formset.non_form_errors()]
    for n, form in enumerate(formset.forms, 1):
        entries.extend(form_entries(form, label=lambda name, n=n: row_label(n, name),
                                    row=row_label(n, "")))
    return entries
