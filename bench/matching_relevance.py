"""Does the right track come first? Relevance of track recommendations on a labelled set.

Data: ``bench/data/matching_relevance.json`` (ours, committed): the 16 tracks of the real
programme's partners (the six demo tracks verbatim, one written track for each other partner
named in PRODUCT.md) and 88 startup profiles, 44 written in Korean and 44 in English, each
labelled with its one correct track (``label``) and optionally other acceptable tracks
(``also``). See docs/decisions.md (labelled relevance set).

Documents are built with the web layer's field mapping (``kbridge.matching.documents``):
track title = "<partner> <track>" + Korean name + sub-programme names, keywords = interest
keywords, description = Korean + English description; startup title = names, keywords =
keywords + sector, description = the profile text. Every profile ranks all 16 tracks.

Metrics, per profile, on the one ``label`` track (shapes: scores (n_profiles, n_tracks)):

* hit@1, hit@3 - the label is ranked first / in the first three;
* MRR          - mean of 1 / rank of the label;
* ok@1         - the first track is the label or one of the ``also`` tracks.

Tied scores (BM25 gives 0 to every track that shares no term with the profile) are counted as
the expectation over a random order of the tied tracks, so no variant profits from the id order.

Variants in one run, from the same vectors and BM25 scores:

* ``default``   - ``MatchingIndex.search`` of a ``Matcher`` with the default ``MatchingConfig``
                  (checked to give the same ranking as the score matrices);
* ``bm25``      - lexical alone (dense_weight 0);
* ``dense``     - the embedding model alone (dense_weight 1);
* ``previous default`` - linear z-score fusion at dense_weight 0.6 (the default until issue 12);
* a sweep of the linear fusion weight, of RRF and of coverage fusion
  (``kbridge.engine.matching.fusion.coverage_fusion``, the default since issue 12), and the
  weight chosen by stratified cross-validation over the profiles (choose on k-1 folds, score
  the held-out fold), so the reported number for a *chosen* weight is not fitted on the
  profiles it is scored on.

Usage:
    nice /work/main/.venv/bin/python bench/matching_relevance.py [--model default|e5|use|e5+use|st:PATH]
        [--cache /tmp/kbridge_relevance_cache.sqlite] [--folds 4] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kbridge.engine.matching import (  # noqa: E402
    CachedEmbedder,
    Document,
    Matcher,
    MatchingConfig,
    SQLiteStore,
    default_embedder,
)
from kbridge.engine.matching.fusion import (  # noqa: E402
    LINEAR_DENSE_WEIGHT,
    coverage_fusion,
    linear_fusion,
    rrf_fusion,
)

DATA = Path(__file__).resolve().parent / "data" / "matching_relevance.json"
WEIGHTS = [round(x * 0.1, 1) for x in range(11)]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")


# -- the labelled set ------------------------------------------------------------------------
def load(path: Path = DATA) -> dict:
    """The labelled set as a dict with ``tracks`` and ``profiles`` lists (see the JSON file)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def hangul_share(text: str) -> float:
    """Share of Hangul syllables among the letters of ``text`` (0.0 for a text with no letters)."""
    hangul = len(HANGUL.findall(text))
    letters = hangul + len(LATIN.findall(text))
    return hangul / letters if letters else 0.0


def detected_language(profile: dict) -> str:
    """``ko`` if most letters of the profile's description and keywords are Hangul, else ``en``."""
    text = " ".join([profile["description"], *profile["keywords"], profile["sector"]])
    return "ko" if hangul_share(text) > 0.5 else "en"


def _join(*parts: str) -> str:
    # Same as kbridge.matching.documents._join (that module imports Django models).
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(i).strip() for i in items if i and str(i).strip()))


def track_document(track: dict) -> Document:
    """A track record as the web layer's ``documents.track_document`` builds it."""
    return Document(
        id=f"track:{track['id']}",
        title=_join(f"{track['partner_en']} {track['name_en']}", track["name_ko"],
                    track["sub_program_en"], track["sub_program_ko"]),
        keywords=_unique(track["interest_keywords"]),
        description=_join(track["description_ko"], track["description_en"]),
    )


def profile_document(profile: dict) -> Document:
    """A profile record as ``documents.startup_document`` builds it: the sector is a keyword,
    the description goes into the field of its language (both are joined anyway)."""
    ko = profile["description"] if profile["lang"] == "ko" else ""
    en = profile["description"] if profile["lang"] == "en" else ""
    return Document(
        id=f"startup:{profile['id']}",
        title=_join(profile.get("name_ko", ""), profile.get("name_en", "")),
        keywords=_unique([*profile["keywords"], profile["sector"]]),
        description=_join(ko, en),
    )


# -- metrics ---------------------------------------------------------------------------------
def label_rank_distribution(scores: np.ndarray, label: int) -> tuple[int, int]:
    """The positions the label can take: (best, worst) rank, 1-based, over random tie orders.

    ``scores`` is one profile's row (n_tracks,); tracks within 1e-9 of the label's score tie.
    """
    scores = np.asarray(scores, dtype=np.float64)
    target = scores[label]
    above = int(np.sum(scores > target + 1e-9))
    tied = int(np.sum(np.abs(scores - target) <= 1e-9))  # includes the label itself
    return above + 1, above + tied


def metrics(scores: np.ndarray, labels: Sequence[int], acceptable: Sequence[Sequence[int]] | None = None) -> dict[str, float]:
    """hit@1, hit@3, MRR (and ok@1 if ``acceptable`` is given) for a (n_profiles, n_tracks)
    score matrix, higher = better, ``labels[i]`` = column of profile i's correct track.

    With ties, the label's rank is uniform over its tie group (expected values are returned).
    ``acceptable[i]`` are the columns that count for ok@1 (the label is always acceptable).
    Raises ``ValueError`` on an empty matrix or a label outside the columns.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[0] == 0 or scores.shape[0] != len(labels):
        raise ValueError("scores must be (n_profiles, n_tracks) with one label per profile")
    hit1 = hit3 = rr = ok1 = 0.0
    for i, label in enumerate(labels):
        if not 0 <= label < scores.shape[1]:
            raise ValueError(f"label {label} is not a column")
        best, worst = label_rank_distribution(scores[i], label)
        ranks = np.arange(best, worst + 1)
        hit1 += float(np.mean(ranks <= 1))
        hit3 += float(np.mean(ranks <= 3))
        rr += float(np.mean(1.0 / ranks))
        if acceptable is not None:
            good = {label, *acceptable[i]}
            top = float(scores[i].max())
            top_group = np.flatnonzero(np.abs(scores[i] - top) <= 1e-9)
            ok1 += sum(1 for j in top_group if j in good) / len(top_group)
    n = len(labels)
    out = {"hit@1": hit1 / n, "hit@3": hit3 / n, "MRR": rr / n}
    if acceptable is not None:
        out["ok@1"] = ok1 / n
    return out


# -- scoring ---------------------------------------------------------------------------------
class ConcatEmbedder:
    """Two models' L2-normalised vectors side by side, divided by sqrt(2): the cosine of two
    such vectors is the mean of the two models' cosines (the "concatenated" variant of issue 12,
    item 5). Bench-only; the product's default embedder is ``default_embedder()``."""

    def __init__(self, *models):
        self.models = models
        self.name = "concat(" + ",".join(m.name for m in models) + ")"
        self.version = "+".join(m.version for m in models)
        self.dim = sum(m.dim for m in models)
        self.max_words = min(m.max_words for m in models)  # chunk for the shorter window

    def embed(self, texts):
        parts = [np.asarray(m.embed(texts), dtype=np.float32) for m in self.models]
        return np.hstack(parts) / np.float32(np.sqrt(len(parts)))


def make_embedder(model: str):
    """``default`` = whatever ``default_embedder()`` is; ``e5``, ``use``, ``e5+use`` (the two
    concatenated) or ``st:PATH``."""
    if model == "e5+use":
        return ConcatEmbedder(make_embedder("e5"), make_embedder("use"))
    if model == "default":
        return default_embedder()
    if model == "e5":
        from kbridge.engine.matching import E5SmallEmbedder

        return E5SmallEmbedder(threads=2)
    if model == "use":
        from kbridge.engine.matching import UniversalSentenceEncoderEmbedder

        return UniversalSentenceEncoderEmbedder(threads=2)
    if model.startswith("st:"):
        from kbridge.engine.matching import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model[3:])
    raise SystemExit(f"unknown model {model!r} (default, e5, use, e5+use or st:PATH)")


def component_scores(matcher: Matcher, tracks: list[Document], profiles: list[Document]):
    """(index, dense, lexical): cosine and weighted BM25 of every profile x track."""
    index = matcher.index(tracks)
    dense = matcher.embed(profiles) @ index.vectors.T
    lexical = np.vstack([index.lexical.scores(matcher.query_terms(p)) for p in profiles])
    return index, dense.astype(np.float64), lexical


METHODS = ("linear", "rrf", "coverage")


def fused(config: MatchingConfig, dense: np.ndarray, lexical: np.ndarray, weight: float | None = None,
          method: str | None = None) -> np.ndarray:
    """Fused (n_profiles, n_tracks) scores; the default config's method and weight unless given."""
    w = config.dense_weight if weight is None else weight
    method = method or config.fusion
    if method == "rrf":
        return rrf_fusion(dense, lexical, w, axis=1)
    if method == "coverage":
        return coverage_fusion(dense, lexical, w, axis=1)
    if method == "linear":
        return linear_fusion(dense, lexical, w, axis=1)
    raise ValueError(f"unknown fusion {method!r}")


def trap_weights(matcher: Matcher) -> dict[str, list[float]]:
    """The weights of each method that pass the engine's cross-lingual cases (the five Korean
    profiles and five English tracks both ways, and the acronym traps of
    tests/engine/matching/test_engine.py): a constraint from data outside this set."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.engine.matching.test_engine import ACRONYM_TRAPS, EXPECTED, STARTUPS_KO, TRACKS_EN

    track_ids = [d.id for d in TRACKS_EN]
    startup_ids = [d.id for d in STARTUPS_KO]
    queries = STARTUPS_KO + [q for _, q in ACRONYM_TRAPS]
    want = [track_ids.index(EXPECTED[d.id]) for d in STARTUPS_KO] + [track_ids.index(e) for e, _ in ACRONYM_TRAPS]
    _, d1, l1 = component_scores(matcher, TRACKS_EN, queries)
    inverse = {v: k for k, v in EXPECTED.items()}
    _, d2, l2 = component_scores(matcher, STARTUPS_KO, TRACKS_EN)
    want2 = [startup_ids.index(inverse[t.id]) for t in TRACKS_EN]
    out: dict[str, list[float]] = {}
    for method in METHODS:
        out[method] = [
            w for w in WEIGHTS
            if all(metrics(fused(matcher.config, d, lx, w, method), lab)["hit@1"] == 1.0
                   for d, lx, lab in ((d1, l1, want), (d2, l2, want2)))
        ]
    return out


def search_matrix(index, profiles: list[Document], track_ids: list[str]) -> np.ndarray:
    """Scores from ``MatchingIndex.search`` itself (what the pages show), as a matrix of
    reversed ranks so the metric code reads them like scores."""
    col = {t: j for j, t in enumerate(track_ids)}
    out = np.zeros((len(profiles), len(track_ids)))
    for i, p in enumerate(profiles):
        for m in index.search(p, k=len(track_ids)):
            out[i, col[m.doc_id]] = len(track_ids) - m.rank + 1
    return out


def folds_for(langs: Sequence[str], k: int) -> list[np.ndarray]:
    """k folds of profile indices, stratified by language (alternating within each language)."""
    folds: list[list[int]] = [[] for _ in range(k)]
    for lang in sorted(set(langs)):
        members = [i for i, x in enumerate(langs) if x == lang]
        for pos, i in enumerate(members):
            folds[pos % k].append(i)
    return [np.array(sorted(f)) for f in folds]


def cross_validated(dense, lexical, labels, langs, k: int, method: str, config: MatchingConfig,
                    allowed: Sequence[float] = WEIGHTS):
    """Choose the weight among ``allowed`` on k-1 folds (best MRR, ties to the weight nearest
    the default), score the held-out fold; returns the pooled held-out metrics and the weight
    chosen per fold."""
    labels = np.asarray(labels)
    held_out = np.zeros(len(labels))  # reciprocal ranks
    hit1 = np.zeros(len(labels))
    hit3 = np.zeros(len(labels))
    chosen = []
    for test in folds_for(langs, k):
        train = np.setdiff1d(np.arange(len(labels)), test)

        def mrr(w, rows=train):
            return metrics(fused(config, dense[rows], lexical[rows], w, method), labels[rows])["MRR"]

        best = max(allowed, key=lambda w: (round(mrr(w), 9), -abs(w - config.dense_weight)))
        chosen.append(best)
        scores = fused(config, dense[test], lexical[test], best, method)
        for row, i in enumerate(test):
            m = metrics(scores[row : row + 1], [int(labels[i])])
            held_out[i], hit1[i], hit3[i] = m["MRR"], m["hit@1"], m["hit@3"]
    return {"hit@1": hit1.mean(), "hit@3": hit3.mean(), "MRR": held_out.mean()}, chosen


# -- report ----------------------------------------------------------------------------------
def _row(name: str, scores: np.ndarray, labels, acceptable, langs) -> str:
    cells = []
    for subset in ("all", "ko", "en"):
        rows = [i for i, x in enumerate(langs) if subset == "all" or x == subset]
        m = metrics(scores[rows], [labels[i] for i in rows], [acceptable[i] for i in rows])
        cells.append(f"{m['hit@1']:.3f} {m['hit@3']:.3f} {m['MRR']:.3f}")
        if subset == "all":
            cells[-1] += f" {m['ok@1']:.3f}"
    return f"| {name:<30} | " + " | ".join(cells) + " |"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="default", help="default | e5 | use | e5+use | st:PATH")
    parser.add_argument("--cache", default="/tmp/kbridge_relevance_cache.sqlite")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--misses", action="store_true", help="list the default's misses")
    args = parser.parse_args(argv)

    data = load(args.data)
    track_recs, profile_recs = data["tracks"], data["profiles"]
    tracks = [track_document(t) for t in track_recs]
    profiles = [profile_document(p) for p in profile_recs]
    track_ids = [d.id for d in tracks]
    col = {t["id"]: j for j, t in enumerate(track_recs)}
    labels = [col[p["label"]] for p in profile_recs]
    acceptable = [[col[a] for a in p.get("also", [])] for p in profile_recs]
    langs = [p["lang"] for p in profile_recs]

    embedder = make_embedder(args.model)
    matcher = Matcher(CachedEmbedder(embedder, SQLiteStore(args.cache)))
    config = matcher.config
    t0 = time.perf_counter()
    index, dense, lexical = component_scores(matcher, tracks, profiles)
    t_scores = time.perf_counter() - t0
    t0 = time.perf_counter()
    searched = search_matrix(index, profiles, track_ids)
    t_search = time.perf_counter() - t0
    default = fused(config, dense, lexical)
    # The matrix fusion must rank exactly like the engine's search (ties broken by id there).
    for i in range(len(profiles)):
        if np.argmax(searched[i]) != int(np.lexsort((np.arange(len(track_ids)), -np.round(default[i], 9)))[0]):
            raise SystemExit(f"matrix fusion and MatchingIndex.search disagree on {profiles[i].id}")

    stats = matcher.embedder.stats
    n_ko, n_en = langs.count("ko"), langs.count("en")
    print(f"model: {embedder.name} ({embedder.version}); default config: {config.fusion}, "
          f"dense_weight={config.dense_weight}")
    print(f"{len(tracks)} tracks, {len(profiles)} profiles ({n_ko} ko, {n_en} en); "
          f"embedding cache {stats.hits} hits / {stats.misses} misses; scoring {t_scores:.1f} s, "
          f"{len(profiles)} searches {t_search:.1f} s")
    print()
    print("| variant | all: hit@1 hit@3 MRR ok@1 | ko: hit@1 hit@3 MRR | en: hit@1 hit@3 MRR |")
    print("|---|---|---|---|")
    print(_row("default (MatchingIndex.search)", searched, labels, acceptable, langs))
    print(_row("BM25 alone (w=0)", fused(config, dense, lexical, 0.0, "linear"), labels, acceptable, langs))
    print(_row("dense alone (w=1)", fused(config, dense, lexical, 1.0, "linear"), labels, acceptable, langs))
    print(_row(f"previous default (linear, w={LINEAR_DENSE_WEIGHT})",
               fused(config, dense, lexical, LINEAR_DENSE_WEIGHT, "linear"), labels, acceptable, langs))

    allowed = trap_weights(matcher)
    print("\nfusion weight sweep (in-sample MRR all/ko/en; * = fails the engine's cross-lingual cases):")
    for method in METHODS:
        line = []
        for w in WEIGHTS:
            s = fused(config, dense, lexical, w, method)
            m = [metrics(s[[i for i, x in enumerate(langs) if sub in ("all", x)]],
                         [labels[i] for i, x in enumerate(langs) if sub in ("all", x)])["MRR"]
                 for sub in ("all", "ko", "en")]
            line.append(f"{w}{'' if w in allowed[method] else '*'} {m[0]:.3f}/{m[1]:.3f}/{m[2]:.3f}")
        print(f"  {method:<8} " + "; ".join(line))

    print(f"\n{args.folds}-fold cross-validation over profiles (stratified by language); the weight is"
          " chosen on the other folds by MRR, among the weights that pass the cross-lingual cases:")
    print("| fusion | held-out hit@1 | hit@3 | MRR | weight chosen per fold |")
    print("|---|---|---|---|---|")
    for method in METHODS:
        # With a model that fails the cross-lingual cases at every weight, choose among all
        # weights (flagged), so the held-out comparison of the fusions is still reported.
        weights, note = (allowed[method], "") if allowed[method] else (WEIGHTS, " (none passes; chosen among all)")
        m, chosen = cross_validated(dense, lexical, labels, langs, args.folds, method, config, weights)
        print(f"| {method} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['MRR']:.3f} | {chosen}{note} |")

    if args.misses:
        print("\ndefault's misses at rank 1 (profile, label, first three):")
        for i, p in enumerate(profile_recs):
            order = np.argsort(-searched[i], kind="stable")
            if order[0] != labels[i]:
                top = ", ".join(track_recs[j]["id"] for j in order[:3])
                rank = int(np.flatnonzero(order == labels[i])[0]) + 1
                hard = f"  [{p['hard']}]" if p.get("hard") else ""
                print(f"  {p['id']} {p['label']} (rank {rank}): {top}{hard}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
