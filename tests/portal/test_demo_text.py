"""The demo's generated sentences read as written English and Korean."""

from kbridge.portal.demo import sector_phrase


def test_sector_names_keep_their_acronyms_inside_a_sentence():
    assert sector_phrase("LLM applications") == "LLM applications"
    assert sector_phrase("AI chips") == "AI chips"
    assert sector_phrase("Bio and healthcare") == "bio and healthcare"
