"""Turning our objects into the engine's documents.

Every document is bounded before the model sees it, whatever was stored: at most
``MAX_KEYWORDS`` distinct keywords of ``MAX_KEYWORD_CHARS`` each, a title of
``MAX_TITLE_CHARS`` and a description of ``MAX_DESCRIPTION_CHARS`` characters. One startup
saving 10,000 keywords once made an embedding task run 132 s; bounded, a document is a few
dozen model chunks at most.

The three kinds matching ranks today (``track``, ``startup``, ``application``) are registered
here with ``matching.registry`` (:func:`register_kinds`, called from ``MatchingConfig.ready()``);
apps above matching register theirs the same way from their own ``ready()``.
"""

from __future__ import annotations

from dataclasses import replace

from kbridge.accounts.models import Organisation
from kbridge.applications.models import Application, Question, Submission
from kbridge.engine.matching import Document
from kbridge.programs.models import Track

MAX_KEYWORDS = 50
MAX_KEYWORD_CHARS = 100
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 12_000


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _unique(items) -> tuple[str, ...]:
    """Distinct non-empty keywords in their first order, each clipped, at most MAX_KEYWORDS."""
    clipped = (str(i).strip()[:MAX_KEYWORD_CHARS].strip() for i in items if i)
    return tuple(dict.fromkeys(k for k in clipped if k))[:MAX_KEYWORDS]


def bounded(document: Document) -> Document:
    """The document within the limits above (unchanged if it already is)."""
    return replace(document, title=(document.title or "")[:MAX_TITLE_CHARS],
                   keywords=_unique(document.keywords),
                   description=(document.description or "")[:MAX_DESCRIPTION_CHARS])


def track_document(track: Track) -> Document:
    partner = track.partner
    return bounded(Document(
        id=f"track:{track.pk}",
        title=_join(f"{partner.organisation.name_en} {track.name_en}", track.name_ko,
                    partner.sub_program_en, partner.sub_program_ko),
        keywords=_unique(track.interest_keywords),
        description=_join(track.description_ko, track.description_en),
    ))


def _startup_fields(pk, data) -> Document:
    """A startup's document from anything with its fields: the organisation and profile,
    or the profile snapshot a submission froze (``applications.services.profile_snapshot``)."""
    get = data.get if isinstance(data, dict) else (lambda k, d=None: getattr(data, k, d))
    keywords = list(get("keywords") or []) + list(get("technology_keywords") or [])
    keywords.append(get("sector") or "")
    return bounded(Document(
        id=f"startup:{pk}",
        title=_join(get("name_ko") or "", get("name_en") or ""),
        keywords=_unique(keywords),
        description=_join(get("description_ko") or "", get("description_en") or ""),
    ))


def startup_document(organisation: Organisation) -> Document:
    profile = getattr(organisation, "profile", None)
    doc = _startup_fields(organisation.pk, organisation)
    if profile is not None and profile.technology_keywords:
        doc = bounded(Document(doc.id, doc.title, _unique(
            [*(organisation.keywords or []), *profile.technology_keywords, organisation.sector]),
            doc.description))
    return doc


def application_document(application: Application, questions: list[Question],
                         submission: Submission | None = None) -> Document:
    """What the track's fit is judged on: the startup's profile plus its text answers *as
    submitted* (the latest submission's frozen snapshot), so editing the company profile or
    the draft after submitting changes neither the ranking nor what partners read. Without
    a submission (a draft), the live profile and draft answers."""
    if submission is not None:
        base = _startup_fields(application.applicant_id, submission.profile)
        answers_of = submission.answers or {}
    else:
        base = startup_document(application.applicant)
        answers_of = application.answers or {}
    answers = [str(answers_of.get(str(q.pk), "")) for q in questions
               if q.kind == Question.Kind.TEXT]
    return bounded(Document(id=f"application:{application.pk}", title=base.title,
                            keywords=base.keywords,
                            description=_join(base.description, *answers)))


def latest_submissions(applications) -> dict[int, Submission]:
    """The latest submission of each application, by application id (one query)."""
    latest: dict[int, Submission] = {}
    for sub in Submission.objects.filter(application__in=applications).order_by(
            "application_id", "-number"):
        latest.setdefault(sub.application_id, sub)
    return latest


def query_document(text: str) -> Document:
    return Document(id="query", title=text.strip()[:MAX_TITLE_CHARS])


# -- the kinds of documents of the apps below matching (matching.registry) ------------------

RANKED_STATUSES = ("submitted", "selected")


def tracks_by_pk(pks) -> dict[int, Track]:
    return Track.objects.select_related("partner__organisation").in_bulk(list(pks))


def startups_by_pk(pks) -> dict[int, Organisation]:
    return Organisation.objects.select_related("profile").in_bulk(list(pks))


def applications_by_pk(pks) -> dict[int, Application]:
    return Application.objects.select_related("applicant__profile").in_bulk(list(pks))


def application_documents(applications) -> list[Document]:
    """``application_document`` of each application, as submitted (the latest submission),
    with the questions of its call: two queries for any number of applications."""
    applications = list(applications)
    questions: dict[int, list[Question]] = {}
    for question in Question.objects.filter(call_id__in={a.call_id for a in applications}):
        questions.setdefault(question.call_id, []).append(question)
    latest = latest_submissions(applications)
    return [application_document(a, questions.get(a.call_id, []), latest.get(a.pk))
            for a in applications]


def register_kinds() -> None:
    """Register ``track``, ``startup`` and ``application`` (matching's own: the apps that own
    those models sit below matching and cannot import its registry)."""
    from kbridge.applications.models import StartupProfile
    from kbridge.matching import registry

    registry.register(registry.DocumentKind(
        prefix="track", fetch=tracks_by_pk,
        documents=lambda tracks: [track_document(t) for t in tracks],
        all_pks=lambda: Track.objects.order_by("pk").values_list("pk", flat=True),
        watch=((Track, lambda track: [track.pk]),)))
    registry.register(registry.DocumentKind(
        prefix="startup", fetch=startups_by_pk,
        documents=lambda orgs: [startup_document(o) for o in orgs],
        all_pks=lambda: Organisation.objects.filter(kind=Organisation.Kind.STARTUP)
        .order_by("pk").values_list("pk", flat=True),
        # save_profile writes both rows: two hooks, one waiting task (matching.signals).
        watch=((StartupProfile, lambda profile: [profile.organisation_id]),
               (Organisation, lambda org: [org.pk] if org.kind == Organisation.Kind.STARTUP
                else []))))
    registry.register(registry.DocumentKind(
        prefix="application", fetch=applications_by_pk, documents=application_documents,
        all_pks=lambda: Application.objects.filter(status__in=RANKED_STATUSES)
        .order_by("pk").values_list("pk", flat=True)))
