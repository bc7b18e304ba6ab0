"""One Kiwi model and one analyser per process, whatever number of matchers is built."""

from __future__ import annotations

import threading

import kiwipiepy
import pytest

from kbridge.engine.matching import text
from kbridge.engine.matching.engine import Matcher


@pytest.fixture
def kiwi_constructions(monkeypatch):
    """Forget the process's Kiwi and analyser, and count the Kiwi models built from now on."""
    built = []
    real = kiwipiepy.Kiwi

    def counting_kiwi(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(kiwipiepy, "Kiwi", counting_kiwi)
    monkeypatch.setattr(text, "_KIWI", None, raising=False)
    monkeypatch.setattr(text, "_DEFAULT", None, raising=False)
    return built


def test_matchers_share_one_analyser_and_one_kiwi(kiwi_constructions):
    first, second = Matcher(), Matcher()
    assert first.analyzer is second.analyzer
    first.analyzer.terms("저전력 NPU 반도체를 설계합니다.")
    second.analyzer.terms("농업용 드론을 만듭니다.")
    assert len(kiwi_constructions) == 1


def test_separately_built_analysers_still_share_the_kiwi_model(kiwi_constructions):
    a, b = text.Analyzer(), text.Analyzer()
    assert a.terms("반도체 설계") == b.terms("반도체 설계") == ["반도체", "설계"]
    assert len(kiwi_constructions) == 1


def test_concurrent_first_use_builds_kiwi_once(kiwi_constructions):
    results = []
    barrier = threading.Barrier(4)

    def work():
        barrier.wait()
        results.append(text.default_analyzer().terms("온디바이스 AI 추론"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(kiwi_constructions) == 1
    assert len({tuple(r) for r in results}) == 1
