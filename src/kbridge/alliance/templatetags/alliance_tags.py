"""Template helpers of the alliance's pages: ``form|error_summary`` (alliance/errors.py) and
``amount|won_wrapping`` (an amount in a narrow table cell)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from kbridge.alliance.errors import form_entries
from kbridge.core.templatetags.kbridge import won

register = template.Library()


@register.filter
def error_summary(form) -> list:
    """The entries of the error summary of a bound, refused form (empty otherwise)."""
    return form_entries(form)


@register.filter
def won_wrapping(value):
    """``won`` whose two parts (Korean reading, exact figure) may go on two lines, each kept
    whole: "8억 5,000만 원" / "(₩850,000,000)" (the KPI tables' ten columns fit 1280 px)."""
    text = won(value)
    words, sep, figure = text.partition(" (")
    if not sep:
        return format_html('<span class="nowrap">{}</span>', text)
    return format_html('<span class="nowrap">{}</span> <span class="nowrap">({}</span>',
                       words, figure)
