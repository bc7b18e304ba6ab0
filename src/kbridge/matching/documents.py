"""Turning our objects into the engine's documents."""

from __future__ import annotations

from kbridge.accounts.models import Organisation
from kbridge.applications.models import Application, Question
from kbridge.engine.matching import Document
from kbridge.programs.models import Track


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.strip() for i in items if i and str(i).strip()))


def track_document(track: Track) -> Document:
    partner = track.partner
    return Document(
        id=f"track:{track.pk}",
        title=_join(f"{partner.organisation.name_en} {track.name_en}", track.name_ko,
                    partner.sub_program_en, partner.sub_program_ko),
        keywords=_unique(track.interest_keywords),
        description=_join(track.description_ko, track.description_en),
    )


def startup_document(organisation: Organisation) -> Document:
    profile = getattr(organisation, "profile", None)
    keywords = list(organisation.keywords or [])
    if profile is not None:
        keywords += list(profile.technology_keywords or [])
    keywords.append(organisation.sector)
    return Document(
        id=f"startup:{organisation.pk}",
        title=_join(organisation.name_ko, organisation.name_en),
        keywords=_unique(keywords),
        description=_join(organisation.description_ko, organisation.description_en),
    )


def application_document(application: Application, questions: list[Question]) -> Document:
    """The startup's profile plus its text answers: what the track's fit is judged on."""
    base = startup_document(application.applicant)
    answers = [str(application.answers.get(str(q.pk), "")) for q in questions
               if q.kind == Question.Kind.TEXT]
    return Document(id=f"application:{application.pk}", title=base.title,
                    keywords=base.keywords, description=_join(base.description, *answers))


def query_document(text: str) -> Document:
    return Document(id="query", title=text.strip()[:500])
