"""The ticket's codes: the signed QR payload and the typed code (kbridge.events.ticket_codes)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from kbridge.events import ticket_codes as codes
from kbridge.events.ticket_codes import ALPHABET, CodeError

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def test_payload_round_trip_names_the_event_and_ticket():
    code = codes.new_code()
    payload = codes.sign_payload(42, code)
    assert payload.startswith("KBT1:42:")
    assert codes.read_payload(payload) == codes.Payload(42, code)


@pytest.mark.parametrize("edit", [
    lambda p: p.replace("KBT1:42:", "KBT1:43:"),  # another event, same signature
    lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),  # signature edited
    lambda p: p.rsplit(":", 1)[0] + ":",  # signature removed
    lambda p: p.replace(p.split(":")[2], "x" * 32),  # another ticket code
])
def test_an_edited_payload_is_refused_for_its_signature(edit):
    payload = codes.sign_payload(42, codes.new_code())
    with pytest.raises(CodeError) as refused:
        codes.read_payload(edit(payload))
    assert refused.value.reason == "signature"


def test_a_payload_signed_with_another_key_is_refused():
    with override_settings(SECRET_KEY="another-key-" + "x" * 40):
        forged = codes.sign_payload(42, codes.new_code())
    with pytest.raises(CodeError) as refused:
        codes.read_payload(forged)
    assert refused.value.reason == "signature"


def test_another_salt_does_not_verify():
    """A value Django signed elsewhere with the same key (another salt) is not a ticket."""
    from django.core import signing

    other = signing.Signer(salt="kbridge.something-else").sign("KBT1:42:abc")
    with pytest.raises(CodeError):
        codes.read_payload(other)


@pytest.mark.parametrize("text", ["", "hello", "https://example.com/", "KBT1", "KBT2:1:a:b",
                                  "KBT1:" + "a" * 400])
def test_something_that_is_not_a_ticket_is_malformed(text):
    with pytest.raises(CodeError) as refused:
        codes.read_payload(text)
    assert refused.value.reason in {"malformed", "signature"}
    if not text.startswith("KBT1:"):
        assert refused.value.reason == "malformed"


def test_a_new_short_code_has_ten_characters_and_a_valid_check_character():
    for _ in range(200):
        short = codes.new_short_code()
        assert len(short) == 10 and set(short) <= set(ALPHABET)
        assert luhn.is_valid(short, alphabet=ALPHABET)
        assert codes.normalize_typed_code(short) == short


def test_the_alphabet_has_no_look_alikes_and_reads_them_as_digits():
    assert not set("ILOU") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 32
    short = "0" * 4 + "1" * 5
    short += luhn.calc_check_digit(short, alphabet=ALPHABET)
    assert codes.normalize_typed_code("oOoO-IiLlI" + short[-1].lower() + " ") == short


short_codes = st.builds(
    lambda body: body + luhn.calc_check_digit(body, alphabet=ALPHABET),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9))


@settings(derandomize=True, deadline=None)
@given(short=short_codes, data=st.data())
def test_typed_codes_are_case_space_hyphen_and_width_insensitive(short, data):
    """However it is typed — lower case, hyphens and spaces anywhere, full-width forms — the
    code normalises to itself."""
    chars = []
    for char in short:
        if data.draw(st.booleans()):
            char = char.lower()
        if data.draw(st.booleans()):
            char = FULL_WIDTH.get(char, char)
        chars.append(char)
        chars.append(data.draw(st.sampled_from(["", "", " ", "-", "－", "\u3000", " - "])))
    typed = data.draw(st.sampled_from(["", " "])) + "".join(chars)
    assert codes.normalize_typed_code(typed) == short


@settings(derandomize=True, deadline=None)
@given(short=short_codes, position=st.integers(0, 9), data=st.data())
def test_one_mistyped_character_is_caught_by_the_check_character(short, position, data):
    wrong = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != short[position]))
    typo = short[:position] + wrong + short[position + 1:]
    with pytest.raises(CodeError) as refused:
        codes.normalize_typed_code(typo)
    assert refused.value.reason == "check"


@pytest.mark.parametrize("typed", ["", "ABCDE", "ABCDEFGHJKM", "ABCDE-FGHUK", "가나다라마바사아자차"])
def test_wrong_length_or_characters_are_malformed(typed):
    with pytest.raises(CodeError) as refused:
        codes.normalize_typed_code(typed)
    assert refused.value.reason == "malformed"


def test_display_splits_the_code_in_two():
    assert codes.display_short_code("ABCDEFGHJK") == "ABCDE-FGHJK"


def test_qr_images_decode_to_the_payload_matrix():
    payload = codes.sign_payload(7, codes.new_code())
    svg = codes.qr_svg(payload)
    assert svg.startswith("<svg") and "viewBox" in svg and "style" not in svg
    assert 'class="ticket-qr"' in svg
    png = codes.qr_png(payload)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert codes.qr(payload).designator.endswith("-M") or codes.qr(payload).error in "MQH"
