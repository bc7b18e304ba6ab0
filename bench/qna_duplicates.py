"""Near-duplicate questions of the live Q&A: precision and recall of the default embedder's
cosine on the labelled pairs of tests/engine/data/qna_duplicates.json, across thresholds,
and the embedding speed per question (what the task that embeds a new question costs).

    PYTHONPATH=src python bench/qna_duplicates.py

Prints a Markdown table (docs/benchmarks.md, "Live Q&A: near-duplicate questions").
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kbridge.engine.matching import default_embedder  # noqa: E402
from kbridge.engine.matching.duplicates import (  # noqa: E402
    CROSS_LANGUAGE_THRESHOLD,
    SAME_LANGUAGE_THRESHOLD,
    is_korean,
    precision_recall,
    threshold_for,
)


def main() -> None:
    pairs = json.loads((ROOT / "tests/engine/data/qna_duplicates.json").read_text())["pairs"]
    embedder = default_embedder()
    started = time.perf_counter()
    embedder.embed(["warm-up"])
    load = time.perf_counter() - started
    texts = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    timings = []
    vectors = {}
    for text in texts:
        t0 = time.perf_counter()
        vectors[text] = embedder.embed([text])[0]
        timings.append(time.perf_counter() - t0)
    scores = [float(vectors[p["a"]] @ vectors[p["b"]]) for p in pairs]
    labels = [bool(p["dup"]) for p in pairs]
    print(f"{len(pairs)} pairs ({sum(labels)} duplicates), {len(texts)} texts; model load "
          f"{load:.1f} s; one question embedded in median "
          f"{statistics.median(timings) * 1000:.0f} ms (max {max(timings) * 1000:.0f} ms)\n")
    cross = [is_korean(p["a"]) != is_korean(p["b"]) for p in pairs]
    for name, keep in (("same language", False), ("Korean–English", True)):
        sub = [(s, label) for s, label, c in zip(scores, labels, cross, strict=True)
               if c == keep]
        chosen = CROSS_LANGUAGE_THRESHOLD if keep else SAME_LANGUAGE_THRESHOLD
        print(f"\n{name}: {len(sub)} pairs, {sum(lab for _, lab in sub)} duplicates\n")
        print("| threshold | precision | recall |")
        print("|---|---|---|")
        for threshold in (0.55, 0.58, 0.60, 0.62, 0.65, 0.70, 0.74, 0.77, 0.80, 0.85):
            precision, recall = precision_recall([s for s, _ in sub], [lab for _, lab in sub],
                                                 threshold)
            mark = " (chosen)" if abs(threshold - chosen) < 1e-9 else ""
            print(f"| {threshold:.2f}{mark} | {precision:.2f} | {recall:.2f} |")
    limits = [threshold_for(is_korean(p["a"]), is_korean(p["b"])) for p in pairs]
    predicted = [s >= t for s, t in zip(scores, limits, strict=True)]
    precision, recall = precision_recall([float(x) for x in predicted], labels, 1.0)
    print(f"\nBoth thresholds together: precision {precision:.2f}, recall {recall:.2f}")
    print("\nErrors at the chosen thresholds:")
    for p, s, label, hit in zip(pairs, scores, labels, predicted, strict=True):
        if hit != label:
            print(f"  {'missed' if label else 'false'} {s:.3f}  {p['a']} | {p['b']}")


if __name__ == "__main__":
    main()
