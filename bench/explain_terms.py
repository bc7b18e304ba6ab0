"""Numbers behind explanations in whole terms (issue 12, item 3); tables in
docs/benchmarks/matching.md ("Explanations in whole terms").

    KBRIDGE_VAR_DIR=/tmp/kbvar-terms PYTHONPATH=src python bench/explain_terms.py [--store PATH]

1. Domain stop-words: the share of the demo's documents (its seven track texts and 120 startup
   profiles, as kbridge.portal.demo writes them) that contain each listed word, beside a few
   content words for contrast.
2. The cross-lingual threshold on the labelled term list (kbridge.engine.matching.term_pairs)
   for the default model: ROC AUC of true vs wrong pairs on raw cosines, after removing one
   common centre, and after removing each language's centre (what the engine does); the
   measured threshold and the share of true pairs above it.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kbridge.settings")


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    return float((pos[:, None] > neg[None, :]).mean())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="/tmp/kbvar-terms/vectors.sqlite")
    args = parser.parse_args()
    import django

    django.setup()
    from kbridge.engine.matching import (
        CachedEmbedder,
        SQLiteStore,
        default_analyzer,
        default_embedder,
    )
    from kbridge.engine.matching.explain import centred_terms, measure_term_threshold, term_centre
    from kbridge.engine.matching.term_pairs import CENTRING_TERMS, LABELLED_TERM_PAIRS
    from kbridge.engine.matching.text import has_hangul
    from kbridge.portal.demo import PARTNERS, SECTORS

    texts = [f"{t['name_ko']} {t['name_en']} {t['desc_ko']} {t['desc_en']} {' '.join(t['keywords'])}"
             for p in PARTNERS for t in p["tracks"]]
    for i in range(120):  # the demo's startup profiles (demo.seed), without names and years
        sector = SECTORS[i % len(SECTORS)]
        product_ko, product_en = sector.products[i % len(sector.products)]
        texts.append(f"{product_ko}을 개발하는 {sector.ko} 스타트업입니다. "
                     f"A {sector.en.lower()} startup building {product_en}. {' '.join(sector.keywords)}")
    analyzer = default_analyzer()
    keys = [{u.key for c in analyzer.chunks(t) for u in c} for t in texts]
    print(f"1. Share of the {len(texts)} demo documents containing a word\n")
    print("| word | key | share |")
    print("|---|---|---|")
    for word in ("AI", "개발", "기술", "플랫폼", "platform", "서비스", "기업", "startup", "스타트업",
                 "데이터", "data", "solution", "반도체", "자율주행", "NPU", "payments"):
        key = analyzer.chunks(word)[0][0].key
        share = sum(key in k for k in keys) / len(keys)
        print(f"| {word} | {key} | {share:.0%} |")

    os.makedirs(os.path.dirname(args.store), exist_ok=True)
    embedder = CachedEmbedder(default_embedder(), SQLiteStore(args.store))
    embed = embedder.embed_texts
    truth = np.array([ok for *_, ok in LABELLED_TERM_PAIRS])
    ko_texts = [k for k, _, _ in LABELLED_TERM_PAIRS]
    en_texts = [e for _, e, _ in LABELLED_TERM_PAIRS]
    raw = np.sum(embed(ko_texts) * embed(en_texts), axis=1)
    common = np.asarray(embed(list(CENTRING_TERMS))).mean(axis=0)
    one = {"ko": common, "en": common}
    joint = np.sum(centred_terms(embed, ko_texts, one) * centred_terms(embed, en_texts, one), axis=1)
    centre = term_centre(embed)
    per_lang = np.sum(centred_terms(embed, ko_texts, centre) * centred_terms(embed, en_texts, centre),
                      axis=1)
    threshold = measure_term_threshold(embed)
    print(f"\n2. {embedder.embedder.name} ({embedder.embedder.version}): {int(truth.sum())} true and "
          f"{int((~truth).sum())} wrong pairs; {sum(has_hangul(t) for t in CENTRING_TERMS)} Korean and "
          f"{sum(not has_hangul(t) for t in CENTRING_TERMS)} English centring terms\n")
    print("| similarity | ROC AUC | true pairs above the largest wrong one |")
    print("|---|---|---|")
    for name, sims in (("raw cosine", raw), ("one centre", joint), ("centre per language (used)", per_lang)):
        print(f"| {name} | {auc(sims[truth], sims[~truth]):.3f} | "
              f"{(sims[truth] > sims[~truth].max()).mean():.0%} |")
    print(f"\nmeasured threshold {threshold:.3f}: {(per_lang[truth] >= threshold).mean():.0%} of true "
          f"pairs shown, {(per_lang[~truth] >= threshold).mean():.0%} of wrong pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
