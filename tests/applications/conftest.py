"""A call with the standard questions and startup A's draft application to OpenAI's track."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter

from kbridge.applications import services
from kbridge.applications.models import Question
from tests.factories import ApplicationFactory, StartupProfileFactory


def make_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def questions(world, personas):
    return services.add_standard_questions(call=world.call, by=personas.operator)


@pytest.fixture
def profile_a(personas):
    return StartupProfileFactory(organisation=personas.startup_a_org,
                                 representative=personas.startup_a)


@pytest.fixture
def draft(world, personas, questions, profile_a):
    return ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                              created_by=personas.startup_a)


def complete_answers(questions) -> dict[str, object]:
    answers = {}
    for q in questions:
        if q.kind == Question.Kind.TEXT:
            answers[str(q.pk)] = "엣지 디바이스용 저전력 NPU를 개발합니다. We build low-power NPUs."
        elif q.kind == Question.Kind.NUMBER:
            answers[str(q.pk)] = "1,500,000,000"
        elif q.kind == Question.Kind.CHOICE:
            answers[str(q.pk)] = q.choices[0]["value"]
    return answers


@pytest.fixture
def complete_draft(draft, questions, personas):
    """A draft with every answer and both PDFs: ready to submit."""
    from kbridge.applications.uploads import CheckedPDF

    services.save_draft(application=draft, by=personas.startup_a,
                        answers=complete_answers(questions),
                        declarations={"declares_government_support": False,
                                      "declares_no_tax_arrears": True},
                        base_version=draft.version)
    import hashlib

    for q in questions:
        if q.kind == Question.Kind.FILE:
            data = make_pdf(3)
            services.attach_file(application=draft, question=q, by=personas.startup_a,
                                 checked=CheckedPDF(data=data,
                                                    sha256=hashlib.sha256(data).hexdigest(),
                                                    size=len(data), pages=3,
                                                    original_name=f"{q.label_en}.pdf"))
    draft.refresh_from_db()
    return draft
