"""Agreements (협약), pages: the operator drafts and sends, the startup uploads and accepts, the
partner follows; in Korean and in English."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kbridge.selection.models import Agreement
from kbridge.selection.services import agreements as services
from tests.applications.conftest import make_pdf
from tests.selection.agreement_world import default_terms, offered, upload, upload_all


def draft_url(outcome):
    return f"/manage/selection/outcomes/{outcome.pk}/agreement/"


def page_url(application):
    return f"/applications/{application.pk}/agreement/"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def form_data(terms) -> dict:
    data = {"starts_on": terms["starts_on"].isoformat(), "ends_on": terms["ends_on"].isoformat()}
    for n, tranche in enumerate(terms["tranches"], 1):
        data[f"tranche_{n}_due_on"] = tranche["due_on"].isoformat()
        data[f"tranche_{n}_amount_krw"] = f"{tranche['amount_krw']:,}"
    return data


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(1), content_type="application/pdf")


# --- the operator ----------------------------------------------------------------------------


def test_the_draft_page_is_prefilled_with_the_period_and_a_70_30_split(
        decided, personas, client_for):
    outcome = decided.outcomes[0]
    terms = default_terms(outcome)
    html = client_for(personas.operator).get(draft_url(outcome)).content.decode()
    assert "협약 보내기" in html and "지원금 지급 차수" in html
    assert f'value="{terms["starts_on"].isoformat()}"' in html
    assert 'value="140,000,000"' in html and 'value="60,000,000"' in html
    assert "중간 점검" in html


def test_tranches_that_do_not_add_up_come_back_with_the_typed_values(
        decided, personas, client_for):
    outcome = decided.outcomes[0]
    data = form_data(default_terms(outcome))
    data["tranche_2_amount_krw"] = "5천만"
    data["tranche_3_due_on"] = data["tranche_2_due_on"]
    client = english(client_for(personas.operator))
    response = client.post(draft_url(outcome), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the amount of this tranche." in html  # row 3 has a date but no amount
    assert 'value="5천만"' in html  # what was typed, as typed
    data["tranche_3_due_on"] = ""
    html = client.post(draft_url(outcome), data).content.decode()
    assert ("The tranches add up to ₩190,000,000 but the award is ₩200,000,000: "
            "₩10,000,000 is missing.") in html
    assert not Agreement.objects.exists()


def test_a_tranche_outside_the_period_is_refused_in_korean(decided, personas, client_for):
    outcome = decided.outcomes[0]
    data = form_data(default_terms(outcome))
    data["tranche_2_due_on"] = "2040-01-01"
    html = client_for(personas.operator).post(draft_url(outcome), data).content.decode()
    assert "2차 지급일이 협약 기간" in html
    assert not Agreement.objects.exists()


def test_sending_redirects_to_the_agreement_s_status(decided, personas, client_for):
    outcome = decided.outcomes[0]
    client = client_for(personas.operator)
    response = client.post(draft_url(outcome), form_data(default_terms(outcome)))
    assert response.status_code == 302
    agreement = Agreement.objects.get(outcome=outcome)
    html = client.get(response["Location"]).content.decode()
    assert 'data-agreement-status="offered"' in html and "필요 서류: 3건 중 0건 제출" in html
    assert agreement.accept_by > timezone.now()


def test_the_operator_list_shows_status_deadline_and_documents(decided, personas, client_for):
    agreement = offered(decided, personas)
    upload(agreement, "bank_account", personas.startup_a)
    html = english(client_for(personas.operator)).get(
        "/manage/selection/agreements/").content.decode()
    assert "Waiting for the startup" in html and "1 / 3" in html
    assert "Business registration certificate" in html  # listed as missing
    # The second selected startup still waits for its agreement.
    assert draft_url(decided.outcomes[1]) in html


# --- the startup -----------------------------------------------------------------------------


def test_the_representative_sees_upload_and_acceptance_in_english(decided, personas,
                                                                  client_for):
    agreement = offered(decided, personas)
    html = english(client_for(personas.startup_a)).get(
        page_url(decided.applications[0])).content.decode()
    assert "Your agreement" in html and "Copy of the bank account book" in html
    assert "Upload every required document first." in html
    assert agreement.get_status_display() in html


def test_a_member_is_told_only_the_representative_accepts(decided, personas, client_for):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a_member)
    client = client_for(personas.startup_a_member)
    html = client.get(page_url(decided.applications[0])).content.decode()
    assert "협약은 기업 대표자만 수락할 수 있습니다." in html
    assert 'name="confirm"' not in html
    response = client.post(page_url(decided.applications[0]) + "accept/", {"confirm": "yes"})
    assert response.status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.OFFERED


def test_one_upload_stores_each_good_file_and_names_the_refused_one(decided, personas,
                                                                   client_for):
    agreement = offered(decided, personas)
    client = english(client_for(personas.startup_a_member))
    not_a_pdf = SimpleUploadedFile("bank.pdf", b"PK\x03\x04 not a pdf at all" * 20)
    response = client.post(page_url(decided.applications[0]) + "documents/", {
        "business_registration": pdf("brc.pdf"), "bank_account": not_a_pdf}, follow=True)
    html = response.content.decode()
    assert "Business registration certificate: “brc.pdf” uploaded (1 pages)." in html
    assert "Copy of the bank account book: “bank.pdf” is not a PDF" in html
    assert list(agreement.documents.values_list("kind", flat=True)) == [
        "business_registration"]


def test_re_upload_replaces_and_the_startup_downloads_its_file(decided, personas, client_for):
    agreement = offered(decided, personas)
    client = client_for(personas.startup_a)
    url = page_url(decided.applications[0]) + "documents/"
    client.post(url, {"signed_agreement": pdf("v1.pdf")})
    client.post(url, {"signed_agreement": pdf("v2.pdf")})
    document = agreement.documents.get()
    assert document.original_name == "v2.pdf"
    response = client.get(f"{url}{document.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_representative_accepts_and_the_address_is_recorded(decided, personas,
                                                                client_for):
    agreement = offered(decided, personas)
    upload_all(agreement, personas.startup_a_member)
    client = client_for(personas.startup_a)
    url = page_url(decided.applications[0]) + "accept/"
    response = client.post(url, {}, follow=True)  # the box not ticked
    assert "회사를 대표하여 협약을 수락한다는 상자에 표시해 주세요." in response.content.decode()
    client.post(url, {"confirm": "yes"}, REMOTE_ADDR="198.51.100.7")
    agreement.refresh_from_db()
    assert (agreement.status, agreement.accepted_by, agreement.accepted_ip) == (
        Agreement.Status.ACCEPTED, personas.startup_a, "198.51.100.7")
    html = client.get(page_url(decided.applications[0])).content.decode()
    assert "수락됨" in html or "수락" in html
    assert 'name="confirm"' not in html and 'type="file"' not in html


def test_after_the_deadline_uploads_are_refused_with_a_message(decided, personas, client_for):
    agreement = offered(decided, personas)
    Agreement.objects.filter(pk=agreement.pk).update(
        accept_by=timezone.now() - timezone.timedelta(minutes=1))
    client = english(client_for(personas.startup_a))
    response = client.post(page_url(decided.applications[0]) + "documents/",
                           {"bank_account": pdf("bank.pdf")}, follow=True)
    assert "its deadline has passed" in response.content.decode()
    assert not agreement.documents.exists()


# --- the partner -----------------------------------------------------------------------------


def test_the_track_s_partner_follows_read_only_and_another_partner_sees_nothing(
        decided, personas, client_for):
    agreement = offered(decided, personas)
    document = upload(agreement, "business_registration", personas.startup_a)
    client = client_for(personas.partner_a)
    html = client.get("/partner/selection/agreements/").content.decode()
    assert "뉴로칩스" in html and 'data-agreement-status="offered"' in html
    assert "multipart/form-data" not in html and "/accept/" not in html
    # The partner sees that a document is in, never the file (a bank account copy stays with
    # the agency), nor who accepted by name.
    assert document.original_name not in html
    assert f"/documents/{document.pk}/" not in html
    assert client.get(f"/partner/selection/agreements/{agreement.pk}/documents/{document.pk}/"
                      ).status_code == 404
    other = client_for(personas.partner_b)
    assert "뉴로칩스" not in other.get("/partner/selection/agreements/").content.decode()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_agreement_page_renders_in_both_languages(decided, personas, client_for,
                                                        language):
    agreement = offered(decided, personas)
    upload(agreement, "bank_account", personas.startup_a)
    pages = [(personas.operator, "/manage/selection/agreements/"),
             (personas.operator, draft_url(decided.outcomes[0])),
             (personas.operator, draft_url(decided.outcomes[1])),
             (personas.partner_a, "/partner/selection/agreements/"),
             (personas.startup_a, page_url(decided.applications[0]))]
    for user, url in pages:
        client = client_for(user)
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert ("협약" in html) == (language == "ko"), url


def test_a_lapsed_agreement_says_so_to_the_startup(decided, personas, client_for):
    agreement = offered(decided, personas)
    services.expire_agreements(now=agreement.accept_by + timezone.timedelta(seconds=1))
    html = client_for(personas.startup_a).get(page_url(decided.applications[0])).content.decode()
    assert "협약이 기한 안에 수락되지 않아 효력을 잃었습니다." in html


def test_the_acceptance_address_is_the_client_s_as_the_throttles_read_it(rf, settings):
    from kbridge.selection.views.agreements import acceptance_address

    settings.KBRIDGE_TRUSTED_PROXY_COUNT = 1
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert acceptance_address(request) == "203.0.113.5"
    request = rf.post("/", REMOTE_ADDR="10.0.0.2",
                      HTTP_X_FORWARDED_FOR="2001:db8:1:2:3:4:5:6")
    assert acceptance_address(request) == "2001:db8:1:2::"  # its /64, as throttles count it
    request = rf.post("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not an address")
    assert acceptance_address(request) is None


def test_too_many_files_in_one_agreement_upload_get_a_message_not_a_bare_400(
        decided, personas, client_for, settings):
    # The same early guard as application uploads (applications/middleware.py).
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    offered(decided, personas)
    client = english(client_for(personas.startup_a))
    files = {f"file{i}": pdf(f"{i}.pdf") for i in range(5)}
    response = client.post(page_url(decided.applications[0]) + "documents/", files)
    assert response.status_code == 302
    assert response["Location"] == page_url(decided.applications[0])
    html = client.get(response["Location"]).content.decode()
    assert "Too many files were sent at once: at most 3 files" in html
