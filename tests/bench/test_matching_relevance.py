"""The labelled relevance set (bench/data/matching_relevance.json) and the metric code of
bench/matching_relevance.py: fast checks, no model is loaded."""

from __future__ import annotations

import importlib.util
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from kbridge.accounts.models import Organisation
from kbridge.matching import documents
from kbridge.portal.demo import PARTNERS
from kbridge.programs.models import Partner, Track

BENCH = Path(__file__).resolve().parents[2] / "bench" / "matching_relevance.py"
_spec = importlib.util.spec_from_file_location("matching_relevance", BENCH)
mr = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mr)

DATA = mr.load()
TRACKS = DATA["tracks"]
PROFILES = DATA["profiles"]
TRACK_IDS = {t["id"] for t in TRACKS}


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


# -- the labelled set --------------------------------------------------------------------------
def test_at_least_80_profiles_half_korean_half_english_by_detected_script():
    assert len(PROFILES) >= 80
    detected = Counter(mr.detected_language(p) for p in PROFILES)
    assert abs(detected["ko"] - detected["en"]) <= 2, detected
    for p in PROFILES:
        assert mr.detected_language(p) == p["lang"], p["id"]


def test_every_label_is_an_existing_track_and_every_track_is_labelled_in_both_languages():
    for p in PROFILES:
        assert p["label"] in TRACK_IDS, p["id"]
        assert set(p.get("also", [])) <= TRACK_IDS - {p["label"]}, p["id"]
    for track in TRACK_IDS:
        langs = Counter(p["lang"] for p in PROFILES if p["label"] == track)
        assert langs["ko"] >= 1 and langs["en"] >= 1, track


def test_no_duplicate_profiles_or_tracks():
    assert len({p["id"] for p in PROFILES}) == len(PROFILES)
    assert len(TRACK_IDS) == len(TRACKS)
    for field in ("description", "name_en"):
        values = [_norm(p[field]) for p in PROFILES if p.get(field)]
        assert len(set(values)) == len(values), field
    for p in PROFILES:
        assert len(p["description"]) >= 80 and p["keywords"] and p["sector"], p["id"]


def test_hard_cases_are_present():
    hard = [p for p in PROFILES if p.get("hard")]
    assert len(hard) >= 10
    assert {p["lang"] for p in hard} == {"ko", "en"}
    assert any("robotics" in p["hard"] and p["label"] == "openai-api" for p in hard)
    assert any("chip" in p["hard"] and p["label"] == "openai-collab" for p in hard)


def test_the_demo_tracks_are_copied_verbatim():
    demo = {(spec["en"], t["name_en"]): (spec, t) for spec in PARTNERS for t in spec["tracks"]}
    copied = [t for t in TRACKS if t["source"] == "demo"]
    assert len(copied) == len(demo)
    for t in copied:
        spec, track = demo[(t["partner_en"], t["name_en"])]
        assert (t["name_ko"], t["description_ko"], t["description_en"], t["interest_keywords"],
                t["sub_program_en"], t["sub_program_ko"]) == (
            track["name_ko"], track["desc_ko"], track["desc_en"], track["keywords"],
            spec["sub_en"], spec["sub_ko"])


# -- documents are built like the web layer's ---------------------------------------------------
def test_track_documents_match_the_web_layer():
    for t in TRACKS:
        org = Organisation(kind=Organisation.Kind.PARTNER, name_ko=t["partner_ko"], name_en=t["partner_en"])
        partner = Partner(organisation=org, sub_program_ko=t["sub_program_ko"], sub_program_en=t["sub_program_en"])
        track = Track(partner=partner, name_ko=t["name_ko"], name_en=t["name_en"],
                      description_ko=t["description_ko"], description_en=t["description_en"],
                      interest_keywords=t["interest_keywords"])
        web, ours = documents.track_document(track), mr.track_document(t)
        assert (web.title, web.keywords, web.description) == (ours.title, ours.keywords, ours.description)


def test_profile_documents_match_the_web_layer():
    for p in PROFILES:
        org = Organisation(kind=Organisation.Kind.STARTUP, name_ko=p["name_ko"], name_en=p["name_en"],
                           sector=p["sector"], keywords=p["keywords"],
                           description_ko=p["description"] if p["lang"] == "ko" else "",
                           description_en=p["description"] if p["lang"] == "en" else "")
        web, ours = documents.startup_document(org), mr.profile_document(p)
        assert (web.title, web.keywords, web.description) == (ours.title, ours.keywords, ours.description)


# -- metrics ------------------------------------------------------------------------------------
def test_metrics_on_a_hand_made_ranking():
    scores = np.array([[0.9, 0.5, 0.1],    # label 0 ranked 1st
                       [0.2, 0.8, 0.3],    # label 0 ranked 3rd
                       [0.3, 0.9, 0.1]])   # label 0 ranked 2nd
    m = mr.metrics(scores, [0, 0, 0], acceptable=[[], [], [1]])
    assert m["hit@1"] == pytest.approx(1 / 3)
    assert m["hit@3"] == pytest.approx(1.0)
    assert m["MRR"] == pytest.approx((1 + 1 / 3 + 1 / 2) / 3)
    assert m["ok@1"] == pytest.approx(2 / 3)  # the third profile's first track is acceptable
    assert mr.metrics(scores[:, [1, 0, 2]], [1, 1, 1])["MRR"] == pytest.approx(m["MRR"])


def test_ties_count_as_a_random_order_not_the_column_order():
    scores = np.zeros((1, 4))  # no evidence at all: the label is equally likely at ranks 1-4
    m = mr.metrics(scores, [2])
    assert m["hit@1"] == pytest.approx(0.25)
    assert m["hit@3"] == pytest.approx(0.75)
    assert m["MRR"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
    assert mr.label_rank_distribution(np.array([0.5, 0.9, 0.5, 0.1]), 0) == (2, 3)


def test_metrics_refuse_bad_input():
    with pytest.raises(ValueError):
        mr.metrics(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError):
        mr.metrics(np.zeros((2, 3)), [0])


def test_folds_partition_the_profiles_and_balance_languages():
    langs = [p["lang"] for p in PROFILES]
    folds = mr.folds_for(langs, 4)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(langs)))
    for fold in folds:
        counts = Counter(langs[i] for i in fold)
        assert abs(counts["ko"] - counts["en"]) <= 1


def test_hangul_detection():
    assert mr.hangul_share("GPT-4o Realtime API 위에 음성 에이전트") < 0.5 < mr.hangul_share(
        "GPT-4o Realtime API 위에 예약 시스템 연동을 붙여 음성 에이전트를 만듭니다")
    assert mr.hangul_share("") == 0.0
