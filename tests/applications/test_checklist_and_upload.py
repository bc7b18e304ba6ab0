"""The edit page's order and checklist (issue 11, item 5) and uploads that swap only their own
card (issue 11, item 7), through HTTP."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from kbridge.applications import services
from kbridge.applications.models import Question
from tests.applications.conftest import make_pdf


def _missing(html: str) -> list[str]:
    """The hrefs of the checklist items the server shows (not hidden)."""
    box = html[html.index('id="checklist"'):]
    box = box[:box.index("</section>")]
    return re.findall(r'<li data-check-kind="[a-z]+"[^>]*data-check-missing="1"[^>]*>'
                      r'<a href="([^"]+)"', box)


def test_the_submit_button_comes_after_every_question_and_upload(draft, questions, personas,
                                                                client_for):
    html = client_for(personas.startup_a).get(f"/applications/{draft.pk}/").content.decode()
    last_slot = max(html.index(f'id="slot-{q.pk}"') for q in questions
                    if q.kind == Question.Kind.FILE)
    last_question = max(html.index(f'id="id_q_{q.pk}"') for q in questions
                        if q.kind != Question.Kind.FILE)
    checklist = html.index('id="checklist"')
    submit = html.index(f'formaction="/applications/{draft.pk}/submit/"')
    assert last_question < last_slot < checklist < submit
    assert 'form="draft-form"' in html[checklist:submit + 200]


def test_the_checklist_lists_what_submission_would_refuse(draft, questions, personas,
                                                         client_for):
    draft.declares_government_support, draft.declares_no_tax_arrears = None, False
    draft.save()
    html = client_for(personas.startup_a).get(f"/applications/{draft.pk}/").content.decode()
    errors = services.validate_for_submission(draft)
    expected = {f"#slot-{q.pk}" if q.kind == Question.Kind.FILE else f"#id_q_{q.pk}"
                for q in questions if f"q_{q.pk}" in errors}
    shown = _missing(html)
    assert expected and expected <= set(shown)
    assert "#id_declares_no_tax_arrears" in shown  # not yet declared
    assert "#id_declares_government_support" in shown
    assert "아직 남은 항목" in html and f"<strong data-checklist-count>{len(shown)}<" in html


def test_a_complete_draft_has_nothing_missing(complete_draft, personas, client_for):
    html = client_for(personas.startup_a).get(
        f"/applications/{complete_draft.pk}/").content.decode()
    assert services.validate_for_submission(complete_draft) == {}
    assert _missing(html) == []
    assert re.search(r'<p class="ok" data-checklist-done>\s*빠진 항목이 없습니다', html)


def test_profile_problems_link_to_the_profile(world, personas, questions, client_for):
    from tests.factories import ApplicationFactory

    draft = ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                               created_by=personas.startup_a)  # no profile at all
    html = client_for(personas.startup_a).get(f"/applications/{draft.pk}/").content.decode()
    assert "/startup/profile/" in _missing(html)


def test_an_upload_from_the_page_swaps_only_its_card(draft, questions, personas, client_for):
    client = client_for(personas.startup_a)
    deck = next(q for q in questions if q.kind == Question.Kind.FILE)
    text_q = next(q for q in questions if q.kind == Question.Kind.TEXT)
    client.post(f"/applications/{draft.pk}/autosave/",
                {f"q_{text_q.pk}": "서버에 있는 옛 글", "version": draft.version},
                HTTP_HX_REQUEST="true")
    response = client.post(f"/applications/{draft.pk}/files/{deck.pk}/", {
        "file": SimpleUploadedFile("피치덱.pdf", make_pdf(4), content_type="application/pdf")},
        HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<div class=\"card\"") or f'id="slot-{deck.pk}"' in html
    assert "올렸습니다(4쪽)" in html
    # No field of the draft: the page keeps what is typed there (the server has older text).
    assert "서버에 있는 옛 글" not in html and "<textarea" not in html
    assert f'name="q_{text_q.pk}"' not in html
    draft.refresh_from_db()
    assert f'name="version" value="{draft.version}" id="id_version" hx-swap-oob="true"' in html
    assert 'id="checklist"' in html and 'id="storage-quota"' in html
    assert f"#slot-{deck.pk}" not in _missing(html)
    # The message is in the card, not queued for the next page.
    assert "올렸습니다" not in client.get(f"/applications/{draft.pk}/").content.decode()


def test_a_refused_upload_from_the_page_says_why_in_its_card(draft, questions, personas,
                                                            client_for):
    deck = next(q for q in questions if q.kind == Question.Kind.FILE)
    response = client_for(personas.startup_a).post(
        f"/applications/{draft.pk}/files/{deck.pk}/",
        {"file": SimpleUploadedFile("deck.pdf", b"not a pdf", content_type="application/pdf")},
        HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="message message-error" data-upload-message tabindex="-1" role="alert"' in html
    assert f"#slot-{deck.pk}" in _missing(html)


def test_an_upload_without_javascript_still_returns_to_the_page(draft, questions, personas,
                                                               client_for):
    deck = next(q for q in questions if q.kind == Question.Kind.FILE)
    response = client_for(personas.startup_a).post(
        f"/applications/{draft.pk}/files/{deck.pk}/",
        {"file": SimpleUploadedFile("deck.pdf", make_pdf(2), content_type="application/pdf")})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{draft.pk}/#slot-{deck.pk}"


def test_declaring_on_the_page_swaps_the_checklist_in(draft, questions, personas, client_for):
    response = client_for(personas.startup_a).post(
        f"/applications/{draft.pk}/autosave/",
        {"declares_government_support": "", "declares_no_tax_arrears": "on",
         "declarations_present": "1", "version": draft.version}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="checklist" class="checklist"' in html and 'hx-swap-oob="true"' in html
    assert "#id_declares_government_support" in _missing(html)  # now undeclared
    assert "#id_declares_no_tax_arrears" not in _missing(html)
