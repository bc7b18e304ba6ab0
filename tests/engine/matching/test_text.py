"""The text pipeline: normalisation, Korean/English tokens, sentences, chunks."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kbridge.engine.matching import chunk_text, normalize, split_sentences
from kbridge.engine.matching.text import word_cost


def test_normalize_folds_width_case_and_space():
    assert normalize("ＡＩ　반도체  Chip") == "ai 반도체 chip"


def test_normalize_composes_decomposed_hangul():
    decomposed = unicodedata.normalize("NFD", "반도체")  # as pasted from macOS / PDFs
    assert len(decomposed) == 7
    assert normalize(decomposed) == "반도체"


def test_korean_sentence_keeps_content_morphemes_only(analyzer):
    # Particles (는, 를), endings (-고 있습니다) and the pronoun 저희 are dropped.
    assert analyzer.terms("저희 회사는 저전력 NPU 반도체를 설계하고 있습니다.") == [
        "회사", "전력", "npu", "반도체", "설계",
    ]


def test_korean_service_description(analyzer):
    assert analyzer.terms("농업용 드론으로 작물의 생육 상태를 모니터링하는 서비스를 제공합니다.") == [
        "농업", "드론", "작물", "생육", "상태", "모니터링", "서비스", "제공",
    ]


def test_verb_and_adjective_roots_are_content(analyzer):
    tokens = analyzer.tokens("데이터를 분석하여 아름답게 시각화한다")
    assert [t.term for t in tokens] == ["데이터", "분석", "아름답", "시각"]
    assert tokens[2].surface == "아름답다"


def test_mixed_script_inside_one_word(analyzer):
    assert analyzer.terms("AI반도체 스타트업") == ["ai", "반도체", "스타트업"]


def test_latin_inside_korean_word_equals_english_token(analyzer):
    assert analyzer.terms("5G칩") == ["5g", "칩"]
    assert analyzer.terms("5G chips") == ["5g", "chip"]


def test_english_is_stemmed_and_stopwords_removed(analyzer):
    assert analyzer.terms("Designing low-power accelerators for the neural networks") == [
        "design", "low", "power", "acceler", "neural", "network",
    ]


def test_surface_form_is_kept_for_display(analyzer):
    assert [(t.term, t.surface, t.lang) for t in analyzer.tokens("Chips 반도체")] == [
        ("chip", "chips", "en"),
        ("반도체", "반도체", "ko"),
    ]


def test_empty_and_blank_inputs(analyzer):
    assert analyzer.terms("") == []
    assert analyzer.terms("   \n\t ") == []
    assert split_sentences("") == []
    assert chunk_text("", 10) == []


def test_split_sentences_in_both_languages():
    assert split_sentences("저전력 칩을 만듭니다. We sell to OEMs! 다음 단계는?  Done") == [
        "저전력 칩을 만듭니다.", "We sell to OEMs!", "다음 단계는?", "Done",
    ]


def test_long_sentence_is_windowed_not_cut():
    text = " ".join(f"w{i}" for i in range(25))
    assert chunk_text(text, 10) == [
        " ".join(f"w{i}" for i in range(0, 10)),
        " ".join(f"w{i}" for i in range(10, 20)),
        " ".join(f"w{i}" for i in range(20, 25)),
    ]


def test_korean_words_cost_more_budget():
    assert word_cost("반도체") == 2
    assert word_cost("chip") == 1
    assert chunk_text("반도체 설계 회사 입니다", 4) == ["반도체 설계", "회사 입니다"]


_words = st.lists(
    st.sampled_from(["chip", "반도체", "AI", "설계합니다.", "design.", "NPU!", "저전력", "edge"]),
    max_size=120,
)


# Per-test settings (not a global profile: the whole suite shares one hypothesis config).
@settings(derandomize=True, deadline=None, max_examples=60)
@given(_words, st.integers(min_value=2, max_value=40))
def test_chunks_keep_every_word_and_respect_the_budget(words, budget):
    text = " ".join(words)
    chunks = chunk_text(text, budget)
    assert " ".join(chunks).split() == text.split()
    assert all(sum(word_cost(w) for w in c.split()) <= budget for c in chunks)


def test_chunks_keep_korean_compounds_whole(analyzer):
    chunks = analyzer.chunks("라이다 없는 카메라 기반 자율주행 소프트웨어를 개발하는 물류창고용 자율이동로봇")
    assert [[u.surface for u in c] for c in chunks] == [
        ["라이다"], ["카메라", "기반", "자율주행", "소프트웨어"], ["개발"], ["물류창고"], ["자율이동로봇"]]
    # The index terms (what BM25 sees) are unchanged: still the morphemes.
    assert analyzer.terms("자율주행") == ["자율", "주행"]


def test_chunks_end_at_particles_punctuation_and_lines(analyzer):
    chunks = analyzer.chunks("LLM API 기반 음성 에이전트를 만듭니다.\nOpenAI API track, voice agents (beta)")
    assert [[u.surface for u in c] for c in chunks] == [
        ["LLM", "API", "기반", "음성", "에이전트"], ["OpenAI", "API", "track"], ["voice", "agents"],
        ["beta"]]
    assert chunks[2][1].key == "agent"  # English keys are stems; surfaces keep the case


def test_chunk_offsets_point_into_the_display_text(analyzer):
    from kbridge.engine.matching.text import display_text

    text = "ＡＩ반도체   설계\n저전력 NPU"
    shown = display_text(text)
    for chunk in analyzer.chunks(text):
        for unit in chunk:
            assert shown[unit.start:unit.end] == unit.surface
    assert [[u.surface for u in c] for c in analyzer.chunks(text)] == [["AI반도체", "설계"],
                                                                       ["저전력", "NPU"]]
