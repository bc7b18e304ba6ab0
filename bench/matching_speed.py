"""Speed of the matching engine on 20,000 synthetic bilingual startup profiles.

Measures, with medians over several repeats:

* embedding throughput of the default model (documents/s, cold cache);
* index build time from cached embeddings (tokenisation + field BM25 + vector matrix);
* search latency p50/p95 for the top 20 (query embeddings served from the cache, as in the
  product where a background task embeds every profile when it changes);
* peak resident memory of the process;

and, in the same run, a baseline: TF-IDF cosine (scipy sparse, regex tokens) build and query.

Embeddings go to an on-disk cache (default /tmp/kbridge_matching_speed.sqlite) so only the
first run pays for embedding 20,000 profiles; run it under ``nice`` on a shared machine.

Usage:
    nice .venv/bin/python bench/matching_speed.py [--n 20000] [--queries 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kbridge.engine.matching import (  # noqa: E402
    Analyzer,
    CachedEmbedder,
    Document,
    E5SmallEmbedder,
    InMemoryStore,
    Matcher,
    SQLiteStore,
    UniversalSentenceEncoderEmbedder,
)

SECTORS = [
    ("AI 반도체", "AI semiconductors", ["NPU", "칩 설계", "추론 가속기", "저전력"], ["NPU", "chip design", "inference accelerator", "low power"]),
    ("스마트팜", "smart farming", ["드론", "작물 모니터링", "센서", "수확량 예측"], ["drones", "crop monitoring", "sensors", "yield prediction"]),
    ("에듀테크", "edtech", ["수학 학습", "초등학생", "적응형 학습", "튜터링"], ["math learning", "elementary students", "adaptive learning", "tutoring"]),
    ("디지털 헬스", "digital health", ["의료 영상", "진단 보조", "원격 진료", "웨어러블"], ["medical imaging", "diagnosis support", "telemedicine", "wearables"]),
    ("핀테크", "fintech", ["해외 송금", "결제", "신용 평가", "소상공인"], ["remittance", "payments", "credit scoring", "small merchants"]),
    ("모빌리티", "mobility", ["자율주행", "라이다", "전기차 충전", "물류 로봇"], ["autonomous driving", "lidar", "EV charging", "delivery robots"]),
    ("기후테크", "climate tech", ["탄소 포집", "배터리 재활용", "태양광", "에너지 관리"], ["carbon capture", "battery recycling", "solar", "energy management"]),
    ("바이오", "biotech", ["신약 개발", "유전체 분석", "단백질 설계", "진단 키트"], ["drug discovery", "genomics", "protein design", "diagnostic kits"]),
    ("보안", "cybersecurity", ["제로 트러스트", "침입 탐지", "개인정보 보호", "양자 암호"], ["zero trust", "intrusion detection", "privacy", "quantum cryptography"]),
    ("콘텐츠", "content", ["웹툰", "K-pop 팬덤", "게임 엔진", "메타버스"], ["webtoons", "K-pop fandom", "game engines", "metaverse"]),
]
KO_SENTENCES = [
    "저희는 {k0} 기반의 {s} 솔루션을 개발하는 스타트업입니다.",
    "{k1}와 {k2} 기술로 고객의 비용을 {n}% 절감했습니다.",
    "현재 {n}개 기업과 실증 사업을 진행하고 있으며 해외 진출을 준비합니다.",
    "{k3} 분야에서 특허 {m}건을 보유하고 있습니다.",
]
EN_SENTENCES = [
    "We are a startup building {s} products based on {k0}.",
    "Our {k1} and {k2} technology cut customer costs by {n}%.",
    "We run pilots with {n} companies and are preparing to expand abroad.",
    "We hold {m} patents in {k3}.",
]


def synthetic_profiles(n: int, seed: int = 7) -> list[Document]:
    """Deterministic bilingual profiles: ~45% Korean, ~45% English, ~10% mixed."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        ko_name, en_name, ko_kw, en_kw = SECTORS[rng.randrange(len(SECTORS))]
        lang = rng.choices(["ko", "en", "mixed"], weights=[45, 45, 10])[0]
        kws = rng.sample(range(4), 4)
        fill = {"n": rng.randint(2, 90), "m": rng.randint(1, 30)}
        if lang == "ko":
            kw, sentences, s = ko_kw, KO_SENTENCES, ko_name
        else:
            kw, sentences, s = en_kw, EN_SENTENCES, en_name
        fill.update({f"k{j}": kw[kws[j]] for j in range(4)}, s=s)
        body = [sentences[j].format(**fill) for j in rng.sample(range(4), 3)]
        if lang == "mixed":
            body.append(KO_SENTENCES[0].format(**{**fill, "k0": ko_kw[kws[0]], "s": ko_name}))
        title = f"{s} #{i}" if lang != "ko" else f"{s} 스타트업 {i}호"
        docs.append(Document(f"p{i}", title, tuple(kw[k] for k in kws[:2]), " ".join(body)))
    return docs


_WORD = re.compile(r"\w+")


class TfidfBaseline:
    """TF-IDF cosine with scipy sparse matrices: the classic lexical baseline."""

    def __init__(self, docs: list[Document]):
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        df: Counter = Counter()
        counts = []
        for d in docs:
            c = Counter(_WORD.findall(d.full_text().lower()))
            counts.append(c)
            df.update(c.keys())
        for i, c in enumerate(counts):
            for w, tf in c.items():
                j = vocab.setdefault(w, len(vocab))
                rows.append(i)
                cols.append(j)
                vals.append(1 + np.log(tf))
        self.vocab = vocab
        self.idf = np.zeros(len(vocab))
        for w, j in vocab.items():
            self.idf[j] = np.log((1 + len(docs)) / (1 + df[w]))
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)))
        m = m.multiply(self.idf).tocsr()
        norms = np.sqrt(m.multiply(m).sum(axis=1)).A1
        norms[norms == 0] = 1
        self.matrix = sparse.diags(1 / norms) @ m

    def search(self, doc: Document, k: int = 20) -> np.ndarray:
        c = Counter(w for w in _WORD.findall(doc.full_text().lower()) if w in self.vocab)
        q = np.zeros(len(self.vocab))
        for w, tf in c.items():
            q[self.vocab[w]] = (1 + np.log(tf)) * self.idf[self.vocab[w]]
        scores = self.matrix @ q
        top = np.argpartition(-scores, k)[:k]
        return top[np.argsort(-scores[top])]


class SyntheticVectors:
    """Stands in for the model when only the *shape* of the vectors matters.

    Index build and search time depend on the number and dimension of the vectors, not on
    their values. Embedding 20,000 profiles with E5 on a shared 2-core machine takes hours, so
    by default the cache is pre-filled with deterministic random unit vectors of the real
    model's dimension, under a version tag that can never collide with real vectors. Pass
    ``--vectors model`` to fill the cache with the real model instead (run it overnight).
    """

    def __init__(self, real):
        self.name = real.name
        self.version = real.version + "+synthetic-random"
        self.dim = real.dim
        self.max_words = real.max_words

    def embed(self, texts):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.array(values), p))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--throughput-docs", type=int, default=128)
    parser.add_argument("--model", default="e5", choices=["e5", "use"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", default="/tmp/kbridge_matching_speed.sqlite")
    parser.add_argument("--vectors", default="synthetic", choices=["synthetic", "model"])
    args = parser.parse_args(argv)

    def model():
        if args.model == "e5":
            return E5SmallEmbedder(threads=args.threads)
        return UniversalSentenceEncoderEmbedder(threads=args.threads)

    docs = synthetic_profiles(args.n)
    rng = random.Random(11)
    queries = [docs[i] for i in rng.sample(range(len(docs)), args.queries)]

    # 1. Embedding throughput, cold cache (fresh in-memory store per repeat).
    sample = [Document(d.id, d.title + " (sample)", d.keywords, d.description) for d in docs[: args.throughput_docs]]
    rates = []
    for _ in range(args.repeats):
        cached = CachedEmbedder(model(), InMemoryStore())
        t0 = time.perf_counter()
        cached.embed_documents([d.full_text() for d in sample])
        rates.append(len(sample) / (time.perf_counter() - t0))

    # 2. Fill the on-disk cache once (first run only), then time index builds from it.
    index_model = model() if args.vectors == "model" else SyntheticVectors(model())
    matcher = Matcher(CachedEmbedder(index_model, SQLiteStore(args.cache)))
    t0 = time.perf_counter()
    matcher.embed(docs)
    first_fill = time.perf_counter() - t0
    fill_misses = matcher.embedder.stats.misses
    builds = []
    index = None
    for _ in range(args.repeats):
        # A fresh analyser each time (its Korean memo starts empty), model already loaded.
        fresh = Matcher(matcher.embedder, Analyzer(), matcher.config)
        fresh.analyzer.terms("모델 로드")
        t0 = time.perf_counter()
        index = fresh.index(docs)
        builds.append(time.perf_counter() - t0)

    # 3. Query latency, top 20, query vectors from the cache.
    for q in queries[:10]:  # warm-up (Kiwi model load, allocator)
        index.search(q, k=20)
    latencies = []
    for _ in range(args.repeats):
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, k=20)
            latencies.append((time.perf_counter() - t0) * 1000)

    # 4. Baseline in the same run.
    base_builds, base_lat = [], []
    base = None
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        base = TfidfBaseline(docs)
        base_builds.append(time.perf_counter() - t0)
    for _ in range(args.repeats):
        for q in queries:
            t0 = time.perf_counter()
            base.search(q, k=20)
            base_lat.append((time.perf_counter() - t0) * 1000)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emb = matcher.embedder.embedder
    print(f"profiles: {len(docs)}  queries: {len(queries)} x {args.repeats}  model: {emb.name} ({emb.version}), threads={args.threads}")
    print(f"throughput measured with the real model on {len(sample)} profiles; index vectors: {args.vectors}")
    print(f"cache fill this run: {fill_misses} texts embedded in {first_fill:.1f} s (0 when the cache was warm)")
    print()
    print(f"{'measure':<46} {'engine':>10} {'tf-idf baseline':>16}")
    print(f"{'embedding throughput, cold cache (docs/s)':<46} {statistics.median(rates):>10.1f} {'-':>16}")
    print(f"{'index build, cached embeddings (s, median)':<46} {statistics.median(builds):>10.2f} {statistics.median(base_builds):>16.2f}")
    print(f"{'search top-20 p50 (ms)':<46} {pct(latencies, 50):>10.2f} {pct(base_lat, 50):>16.2f}")
    print(f"{'search top-20 p95 (ms)':<46} {pct(latencies, 95):>10.2f} {pct(base_lat, 95):>16.2f}")
    print(f"{'peak RSS of the process (MiB)':<46} {peak_mib:>10.0f} {'(same process)':>16}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
