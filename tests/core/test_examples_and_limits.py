"""Limits people discover too late (issue 11, item 5).

* Every example value the product shows (help texts, placeholders: every user-facing string
  is in the catalogues) passes the product's own checks: the profile's help suggested
  ``123-45-67890``, which ``eligibility.valid_brn`` refuses.
* Every limited text field shows its limit and carries ``data-maxlength`` for the live
  counter, without ``maxlength`` (Chromium cut a pasted 2,000-character company name to 200
  without a word); a value over the limit gets our own message in the page's language,
  never Django's stock "Ensure this value has at most …".
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

import kbridge
from kbridge.applications.eligibility import valid_brn
from kbridge.applications.forms import ProfileForm

LOCALE = Path(kbridge.__file__).parent / "locale"
BRN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{5}(?![\d-])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\d-])0\d{1,2}-\d{3,4}-\d{4}(?![\d-])")
RECEIPT = re.compile(r"\bKB\d+-\d+-\d+\b")


def _strings() -> list[str]:
    found = []
    for path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        for entry in polib.pofile(str(path)):
            found += [entry.msgid, entry.msgstr, entry.msgid_plural,
                      *entry.msgstr_plural.values()]
    return [s for s in found if s]


def test_the_catalogues_are_read():
    assert any("사업자등록번호" in s for s in _strings())


def test_every_example_business_registration_number_is_valid():
    examples = {m for s in _strings() for m in BRN.findall(s)}
    assert examples, "the profile's help text gives an example"
    assert {e for e in examples if not valid_brn(e.replace("-", ""))} == set()


def test_every_example_email_and_phone_number_is_valid():
    invalid = []
    for text in _strings():
        for address in EMAIL.findall(text):
            try:
                validate_email(address)
            except ValidationError:
                invalid.append(address)
        invalid += [p for p in PHONE.findall(text)
                    if not re.fullmatch(r"0(2|[3-6][1-5]|10|70)-\d{3,4}-\d{4}", p)]
    assert invalid == []


def test_every_example_receipt_number_has_the_receipts_format():
    examples = {m for s in _strings() for m in RECEIPT.findall(s)}
    assert {e for e in examples if not re.fullmatch(r"KB\d{4}-\d{6}-\d{2}", e)} == set()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_profile_help_example_is_accepted_by_the_profile_form(language, personas):
    with translation.override(language):
        form = ProfileForm(organisation=personas.startup_a_org)
        example = BRN.search(str(form["business_registration_number"].help_text)).group()
        bound = ProfileForm({"name_ko": "엣지엔피유", "business_registration_number": example,
                             "founded_on": "2023-04-03"}, organisation=personas.startup_a_org)
        bound.is_valid()
    assert "business_registration_number" not in bound.errors


@pytest.mark.parametrize(("language", "message"), [
    ("ko", "200자 이내로 줄여 주세요. 지금 2,000자로, 1,800자 넘습니다."),
    ("en", "Keep this to 200 characters or fewer: it has 2,000, 1,800 too many."),
])
def test_a_too_long_company_name_gets_our_message(language, message, personas):
    with translation.override(language):
        form = ProfileForm({"name_ko": "가" * 2000, "is_pre_founder": "on"},
                           organisation=personas.startup_a_org)
        assert not form.is_valid()
        assert form.errors["name_ko"] == [message]


def test_limits_are_shown_and_never_enforced_by_cutting(personas):
    with translation.override("ko"):
        html = str(ProfileForm(organisation=personas.startup_a_org)["name_ko"].as_field_group())
    assert 'data-maxlength="200"' in html
    assert "maxlength=" not in html.replace("data-maxlength=", "")
    assert "최대 200자까지 입력할 수 있습니다." in html


def test_every_limited_text_input_on_the_profile_page_shows_its_limit(personas, client):
    client.force_login(personas.startup_a)
    page = client.get("/startup/profile/").content.decode()
    inputs = re.findall(r"<input [^>]*type=\"(?:text|email|url)\"[^>]*>", page)
    assert len(inputs) >= 5
    assert "최대 200자까지 입력할 수 있습니다." in page and "키워드는 최대 30개" in page
    # Keywords are a list: their help text gives their own limits (count and length each);
    # money inputs are numbers typed as text (their bound is a value, not a length).
    assert [i for i in inputs if "data-maxlength" not in i
            and 'name="technology_keywords"' not in i and "data-money" not in i] == []
    assert [i for i in inputs if re.search(r"\smaxlength=", i)] == []
