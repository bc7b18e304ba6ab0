"""``{% evaluation_reasons_link application %}``: a link from the applicant's application page to
the reasons of its evaluation, shown only when a stage has ended with reasons to read.

A template tag so that the applications app links here without importing evaluation (the
layer order: applications sits below evaluation). One query.
"""

from __future__ import annotations

from django import template

from kbridge.evaluation.ranking import has_published_reasons

register = template.Library()


@register.inclusion_tag("evaluation/ranking/_reasons_link.html", takes_context=True)
def evaluation_reasons_link(context, application) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = bool(application is not None and user is not None
                and user.has_perm("evaluation.view_feedback", application)
                and has_published_reasons(application.pk))
    return {"application": application, "show": show}
