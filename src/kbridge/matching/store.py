"""The engine's embedding cache, kept in the web database, and the model that fills it.

Which model: ``KBRIDGE_EMBEDDING_MODEL`` (empty = the packaged default, else any
sentence-transformers name or local path, with ``KBRIDGE_EMBEDDING_PREFIX``). Which vectors
pages read: those of the *serving* :class:`~kbridge.matching.models.VectorSpace`, which is
not necessarily the configured model: after the setting changes, workers re-embed every
document into the new space (``matching.services.start_switch``) and only then make it the
serving one, so pages keep ranking with the old vectors meanwhile. Pages never load a model
(:func:`model` and ``cached_embedder(live=False)`` only carry a space's identity); workers
build one per process and keep it (:func:`build`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from kbridge.engine.matching import (
    CachedEmbedder,
    E5SmallEmbedder,
    Embedder,
    SentenceTransformerEmbedder,
    UniversalSentenceEncoderEmbedder,
    default_embedder,
)
from kbridge.matching.models import Embedding, VectorSpace


class DatabaseStore:
    """``EmbeddingStore`` on the ``Embedding`` table (float32 bytes)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            for key, blob in Embedding.objects.filter(
                    key__in=keys[start:start + 500]).values_list("key", "vector"):
                found[key] = np.frombuffer(bytes(blob), dtype=np.float32)
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        Embedding.objects.bulk_create(
            [Embedding(key=k, vector=np.asarray(v, dtype=np.float32).tobytes())
             for k, v in items.items()],
            ignore_conflicts=True, batch_size=500)


class NotCached(Exception):  # noqa: N818 - reads as the situation it reports
    """A page needed a vector that no background task has computed yet."""


class CacheOnlyEmbedder:
    """The real model's identity (name, version, dimension) without ever running it.

    Pages use it so they never wait on a model: a missing vector raises ``NotCached``, the page
    falls back to lexical ranking and a task computes the vectors for the next visit.
    """

    def __init__(self, real: Embedder | Space):
        self.name = real.name
        self.version = real.version
        self.dim = real.dim
        self.max_words = real.max_words

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        raise NotCached(f"{len(texts)} text(s) not embedded yet")


class ZeroEmbedder(CacheOnlyEmbedder):
    """Zero vectors: with a dense weight of 0 the ranking is purely lexical."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)



# -- which model --------------------------------------------------------------------------

#: Models that ship inside a package, by name: a space recorded as ``packaged:<name>`` can be
#: built again even after the default changed to another model.
PACKAGED: dict[str, Callable[[], Embedder]] = {
    E5SmallEmbedder.name: E5SmallEmbedder,
    UniversalSentenceEncoderEmbedder.name: UniversalSentenceEncoderEmbedder,
}


def packaged() -> dict[str, Callable[[], Embedder]]:
    """:data:`PACKAGED` and the current packaged default (the fused model), by name."""
    return {**PACKAGED, default_embedder().name: default_embedder}
PACKAGED_PREFIX = "packaged:"
#: ``Embedding.key`` holds 200 characters: 64 for the digest, two bars, the rest for
#: name and version. Longer names (deep paths) are shortened with a digest of the whole.
MAX_NAME_CHARS = 100


class ModelUnavailable(Exception):  # noqa: N818 - reads as the situation it reports
    """A model cannot be built in this process; the message says why (shown to operators)."""


@dataclass(frozen=True)
class Space:
    """A vector space's identity and recipe: what ``CacheOnlyEmbedder`` needs, and how a
    worker builds the model again (``spec``, ``prefix``; see ``VectorSpace``)."""

    spec: str
    prefix: str
    name: str
    version: str
    dim: int
    max_words: int

    @property
    def identity(self) -> tuple[str, str]:
        return (self.name, self.version)

    @classmethod
    def of(cls, row: VectorSpace) -> Space:
        return cls(row.spec, row.prefix, row.name, row.version, row.dim, row.max_words)


def configured() -> tuple[str, str]:
    """``(KBRIDGE_EMBEDDING_MODEL, KBRIDGE_EMBEDDING_PREFIX)`` as set ("" = packaged default)."""
    return (settings.KBRIDGE_EMBEDDING_MODEL or "").strip(), settings.KBRIDGE_EMBEDDING_PREFIX or ""


def st_identity(spec: str, prefix: str) -> tuple[str, str]:
    """(name, version) of a sentence-transformers model, known without loading it.

    The name is the setting itself (a hub name or a path: a different model needs a
    different name or path); the version is ``st``, plus a digest of the prefix when there is
    one, since a prefix changes every vector. The library's own version is left out on
    purpose: upgrading sentence-transformers does not re-embed everything.
    """
    name = spec
    if len(name) > MAX_NAME_CHARS:
        digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
        name = f"{spec[:MAX_NAME_CHARS - 20]}...{digest}"
    version = "st"
    if prefix:
        version += "+p" + hashlib.sha256(prefix.encode()).hexdigest()[:12]
    return name, version


def looks_like_path(spec: str) -> bool:
    """A local path rather than a hub name such as ``sentence-transformers/LaBSE``."""
    return spec.startswith(("/", "./", "../", "~")) or Path(spec).exists()


def sentence_transformers_installed() -> bool:
    return importlib.util.find_spec("sentence_transformers") is not None


_BUILT: dict[tuple[str, str], Embedder] = {}
_BUILD_LOCK = threading.Lock()


def build(spec: str, prefix: str = "") -> Embedder:
    """The model for a setting, built once per process (weights load here for
    sentence-transformers, lazily on first use for the packaged models).

    ``spec``: ``""`` the packaged default, ``packaged:<name>`` one of :data:`PACKAGED`,
    anything else a sentence-transformers name or path. Raises :class:`ModelUnavailable`
    (sentence-transformers missing, a path that is not a model, a name that cannot be
    downloaded); failures are not remembered, so a model put in place later is found.
    """
    key = (spec, prefix)
    with _BUILD_LOCK:
        if key in _BUILT:
            return _BUILT[key]
        if spec == "":
            embedder = default_embedder()
        elif spec.startswith(PACKAGED_PREFIX):
            cls = packaged().get(spec[len(PACKAGED_PREFIX):])
            if cls is None:
                raise ModelUnavailable(f"No packaged model is called {spec[len(PACKAGED_PREFIX):]!r}.")
            embedder = cls()
        else:
            if not sentence_transformers_installed():
                raise ModelUnavailable(
                    f"KBRIDGE_EMBEDDING_MODEL={spec!r} needs sentence-transformers, which is not "
                    "installed: pip install 'kbridge[st]' (or torch and sentence-transformers).")
            if looks_like_path(spec) and not Path(spec).expanduser().is_dir():
                raise ModelUnavailable(
                    f"The model {spec!r} could not be loaded: no directory is there.")
            name, version = st_identity(spec, prefix)
            try:
                embedder = SentenceTransformerEmbedder(spec, name=name, version=version,
                                                       prefix=prefix)
            except Exception as exc:  # the library raises OSError, ValueError, HTTP errors …
                raise ModelUnavailable(
                    f"The model {spec!r} could not be loaded ({type(exc).__name__}: "
                    f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no detail'})."
                ) from exc
        _BUILT[key] = embedder
        return embedder


def space_of(spec: str, prefix: str, embedder: Embedder) -> Space:
    """The space a built model embeds into. The packaged default is recorded by its own
    name (``packaged:<name>``) when it has one, so it stays buildable after an upgrade
    changes the default."""
    if spec == "" and embedder.name in packaged():
        spec = PACKAGED_PREFIX + embedder.name
    return Space(spec, prefix, embedder.name, embedder.version, int(embedder.dim),
                 int(embedder.max_words))


def default_space() -> Space:
    """The packaged default's space (cheap: the packaged models load weights on first use)."""
    return space_of("", "", build(""))


def configured_identity() -> tuple[str, str]:
    """(name, version) of the configured model, without loading any weights."""
    spec, prefix = configured()
    return default_space().identity if spec == "" else st_identity(spec, prefix)


def serving_space() -> Space:
    """The space pages read (one query). Before any worker recorded one: the packaged
    default, whose vectors every installation made before this setting existed has."""
    row = VectorSpace.objects.filter(serving=True).first()
    return Space.of(row) if row is not None else default_space()


def embedder_for(space: Space) -> Embedder:
    """The model that embeds into ``space`` (built once per process).

    Raises :class:`ModelUnavailable` when it cannot be built, or when what its recipe builds
    now is another space (e.g. the packaged default changed since the space was recorded).
    """
    embedder = build(space.spec, space.prefix)
    if (embedder.name, embedder.version) != space.identity:
        raise ModelUnavailable(
            f"{space.spec or 'the packaged default'} now builds {embedder.name} "
            f"({embedder.version}), not {space.name} ({space.version}).")
    return embedder


def model() -> CacheOnlyEmbedder:
    """The serving space's identity (name, version, dim, max_words); never loads weights."""
    return CacheOnlyEmbedder(serving_space())


def cached_embedder(*, live: bool, space: Space | None = None) -> CachedEmbedder:
    """The cache in ``space`` (default: the serving one). ``live=True`` (tasks, commands)
    runs the model for missing vectors and may raise :class:`ModelUnavailable`;
    ``live=False`` (pages) raises ``NotCached`` instead."""
    space = space or serving_space()
    real = embedder_for(space) if live else CacheOnlyEmbedder(space)
    return CachedEmbedder(real, DatabaseStore())


@dataclass(frozen=True)
class ModelStatus:
    """What serves, what is configured, and the latest switch (``None`` before any)."""

    serving: Space
    serving_since: object  # datetime, or None while no worker has recorded the space
    configured_spec: str
    configured_prefix: str
    configured_identity: tuple[str, str]
    switch: object  # ModelSwitch without its key list, or None

    @property
    def configured_serves(self) -> bool:
        return self.configured_identity == self.serving.identity

    @property
    def running(self) -> bool:
        return self.switch is not None and self.switch.status == "running"


def model_status() -> ModelStatus:
    """The state shown on the staff page and by ``embeddings status`` (two queries; no model
    is loaded)."""
    from kbridge.matching.models import ModelSwitch

    row = VectorSpace.objects.filter(serving=True).first()
    spec, prefix = configured()
    return ModelStatus(
        serving=Space.of(row) if row is not None else default_space(),
        serving_since=row.serving_since if row is not None else None,
        configured_spec=spec, configured_prefix=prefix,
        configured_identity=configured_identity(),
        switch=ModelSwitch.objects.defer("keys").select_related("target").first())


def status_lines(status: ModelStatus) -> list[str]:
    """The status as lines of plain text (also what the staff page shows)."""
    s = status.serving
    since = f", since {status.serving_since:%Y-%m-%d %H:%M} UTC" if status.serving_since else ""
    lines = [f"serving:    {s.name} ({s.version}), {s.dim} dimensions{since}"]
    configured = status.configured_spec or "(packaged default)"
    if status.configured_prefix:
        configured += f" with prefix {status.configured_prefix!r}"
    lines.append(f"configured: {configured}"
                 + (" — serving" if status.configured_serves else " — not serving yet"))
    switch = status.switch
    if switch is None:
        lines.append("switch:     none yet")
        return lines
    target = f"{switch.target.name} ({switch.target.version})" if switch.target_id else (
        switch.spec or "(packaged default)")
    lines.append(f"switch:     {switch.status} to {target}: {switch.done} of {switch.total} "
                 f"documents ({switch.percent} %), started {switch.started_at:%Y-%m-%d %H:%M} UTC"
                 + (f", finished {switch.finished_at:%Y-%m-%d %H:%M} UTC"
                    if switch.finished_at else ""))
    if switch.error:
        lines.append(f"error:      {switch.error}")
    return lines
