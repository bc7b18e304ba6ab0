"""Turning our objects into the engine's documents.

Every document is bounded before the model sees it, whatever was stored: at most
``MAX_KEYWORDS`` distinct keywords of ``MAX_KEYWORD_CHARS`` each, a title of
``MAX_TITLE_CHARS`` and a description of ``MAX_DESCRIPTION_CHARS`` characters. One startup
saving 10,000 keywords once made an embedding task run 132 s; bounded, a document is a few
dozen model chunks at most.
"""

from __future__ import annotations

from dataclasses import replace

from kbridge.accounts.models import Organisation
from kbridge.applications.models import Application, Question
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


def startup_document(organisation: Organisation) -> Document:
    profile = getattr(organisation, "profile", None)
    keywords = list(organisation.keywords or [])
    if profile is not None:
        keywords += list(profile.technology_keywords or [])
    keywords.append(organisation.sector)
    return bounded(Document(
        id=f"startup:{organisation.pk}",
        title=_join(organisation.name_ko, organisation.name_en),
        keywords=_unique(keywords),
        description=_join(organisation.description_ko, organisation.description_en),
    ))


def application_document(application: Application, questions: list[Question]) -> Document:
    """The startup's profile plus its text answers: what the track's fit is judged on."""
    base = startup_document(application.applicant)
    answers = [str(application.answers.get(str(q.pk), "")) for q in questions
               if q.kind == Question.Kind.TEXT]
    return bounded(Document(id=f"application:{application.pk}", title=base.title,
                            keywords=base.keywords,
                            description=_join(base.description, *answers)))


def query_document(text: str) -> Document:
    return Document(id="query", title=text.strip()[:MAX_TITLE_CHARS])
