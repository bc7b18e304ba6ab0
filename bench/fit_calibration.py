"""Choose the calibrated fit on data (issue 12, item 2) and print the tables of
docs/benchmarks/matching.md ("Fit that discriminates").

    KBRIDGE_VAR_DIR=/tmp/kbvar-fit PYTHONPATH=src python bench/fit_calibration.py [--store PATH]

Labelled pairs: every product of the demo's ten sectors (kbridge.portal.demo.SECTORS), written
as a short Korean profile and a short English profile with three of the sector's keywords,
against the demo's six open tracks. ``RELATED`` / ``UNRELATED`` below say which tracks a
programme officer would call a fit or clearly not one; the remaining pairs are ambiguous and
left out. For each candidate score the script reports ROC AUC (related above unrelated) with
leave-one-sector-out cross-validation for the fitted ones, and prints the logistic
coefficients that kbridge.engine.matching.calibration uses.

Scores compared: the raw cosine; ``z`` (cosine against the query's cosines to the reference
documents); the BM25 share; ``z + share`` (logistic regression).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")

RELATED = {
    "ai_chips": {"OpenAI Collaboration track", "NVIDIA Accelerated computing track"},
    "llm_apps": {"OpenAI API track", "Google AI-first track", "AWS Generative AI on cloud track"},
    "platform": {"OpenAI API track"},
    "robotics": {"NVIDIA Accelerated computing track"},
    "bio": {"Microsoft Azure AI track"},
    "fintech": {"AWS Generative AI on cloud track"},
    "mobility": {"NVIDIA Accelerated computing track"},
    "climate": {"Microsoft Azure AI track"},
    "edtech": {"Google AI-first track"},
}
UNRELATED = {
    "ai_chips": {"Microsoft Azure AI track", "AWS Generative AI on cloud track"},
    "llm_apps": {"NVIDIA Accelerated computing track", "OpenAI Collaboration track"},
    "platform": {"OpenAI Collaboration track"},
    "robotics": {"OpenAI API track", "AWS Generative AI on cloud track"},
    "bio": {"OpenAI Collaboration track", "OpenAI API track"},
    "fintech": {"NVIDIA Accelerated computing track", "OpenAI Collaboration track"},
    "mobility": {"OpenAI API track", "Google AI-first track"},
    "climate": {"OpenAI API track", "OpenAI Collaboration track"},
    "edtech": {"NVIDIA Accelerated computing track", "OpenAI Collaboration track"},
}


def logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> np.ndarray:
    """Weights (last one the intercept) of an L2-regularised logistic regression (Newton)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x1 @ w))
        grad = x1.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (x1.T * (p * (1 - p))) @ x1 + l2 * np.diag(np.r_[np.ones(len(w) - 1), 0])
        w -= np.linalg.solve(hess, grad)
    return w


def auc(score: np.ndarray, y: np.ndarray) -> float:
    pos, neg = score[y == 1], score[y == 0]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/kbvar-fit/vectors.sqlite")
    args = parser.parse_args()
    import django

    django.setup()
    from kbridge.engine.matching import (
        CachedEmbedder,
        Document,
        Matcher,
        SQLiteStore,
        default_embedder,
    )
    from kbridge.engine.matching.calibration import lexical_share, reference_z
    from kbridge.portal.demo import PARTNERS, SECTORS

    os.makedirs(os.path.dirname(args.store), exist_ok=True)
    tracks = [Document(id=f"{p['en']} {t['name_en']}",
                       title="\n".join([f"{p['en']} {t['name_en']}", t["name_ko"], p["sub_en"], p["sub_ko"]]),
                       keywords=tuple(t["keywords"]), description="\n".join([t["desc_ko"], t["desc_en"]]))
              for p in PARTNERS for t in p["tracks"]]
    matcher = Matcher(CachedEmbedder(default_embedder(), SQLiteStore(args.store)))
    index = matcher.index(tracks)
    reference = matcher.reference_vectors()
    weights = sum(matcher.config.field_weights.as_dict().values())
    rows = []  # sector, cos, z, share, label
    for sector in SECTORS:
        if sector.key not in RELATED:
            continue
        for n, (product_ko, product_en) in enumerate(sector.products):
            keywords = tuple(sector.keywords[n % 3: n % 3 + 3])
            for text in (f"{product_ko}을 개발하는 {sector.ko} 스타트업입니다.",
                         f"A {sector.en.lower()} startup building {product_en}."):
                query = Document("q", "", keywords, text)
                qv = matcher.embed([query])[0]
                dense = index.vectors @ qv
                z = reference_z(dense, reference @ qv)
                lex = index.lexical.scores(matcher.query_terms(query))
                share = lexical_share(lex, [index.lexical.idf(t) for t in set(matcher.query_terms(query))],
                                      weights)
                for tid, c, zz, sh in zip(index.ids, dense, z, share, strict=True):
                    label = 1 if tid in RELATED[sector.key] else 0 if tid in UNRELATED[sector.key] else None
                    if label is not None:
                        rows.append((sector.key, float(c), float(zz), float(sh), label))
    sectors = np.array([r[0] for r in rows])
    data = np.array([r[1:] for r in rows])
    y = data[:, 3]
    print(f"model {matcher.embedder.embedder.name} ({matcher.embedder.embedder.version}); "
          f"{int(y.sum())} related and {int((1 - y).sum())} unrelated pairs\n")
    print("| score | ROC AUC | related median | unrelated median |")
    print("|---|---|---|---|")
    for name, col in (("raw cosine", 0), ("z vs reference", 1), ("BM25 share", 2)):
        v = data[:, col]
        print(f"| {name} | {auc(v, y):.3f} | {np.median(v[y == 1]):.3f} | {np.median(v[y == 0]):.3f} |")
    for name, cols in (("fit from z (logistic)", [1]), ("fit from z + share (logistic)", [1, 2])):
        cv = np.zeros(len(y))
        for s in sorted(set(sectors)):  # leave one sector out
            w = logistic(data[sectors != s][:, cols], y[sectors != s])
            x1 = np.hstack([data[sectors == s][:, cols], np.ones(((sectors == s).sum(), 1))])
            cv[sectors == s] = 100 / (1 + np.exp(-x1 @ w))
        print(f"| {name}, leave-one-sector-out | {auc(cv, y):.3f} | {np.median(cv[y == 1]):.0f} | "
              f"{np.median(cv[y == 0]):.0f} |")
    w = logistic(data[:, [1, 2]], y)
    print(f"\ncoefficients on all pairs: z {w[0]:.3f}, share {w[1]:.3f}, intercept {w[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
