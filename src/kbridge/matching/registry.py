"""Kinds of documents matching can embed and rank, registered by the apps that own them.

A document is named by a *key* ``"<prefix>:<pk>"`` (``track:5``, ``startup:12``,
``application:40``): the ``Embedding`` cache, the model switch's key list, the
``embed_documents`` task and the pages' corpora all speak in keys. How a key becomes text is
the kind's business, not matching's: each kind is a :class:`DocumentKind` in this registry,
and matching reads every document through it (:func:`documents_for`, :func:`resolve`,
:func:`all_keys`, the ``post_save`` hooks of ``matching.signals``).

Who registers what
    ``matching`` registers ``track``, ``startup`` and ``application`` itself, from
    ``MatchingConfig.ready()`` (``matching/documents.py``): programs, accounts and applications
    sit *below* matching in the layer order (docs/architecture.md, "Layers") and may not import
    it, while matching may import them. An app *above* matching (evaluation: ``evaluator``,
    an evaluator's expertise) registers its own kind from its ``AppConfig.ready()``, so matching
    never imports it::

        class EvaluationConfig(AppConfig):
            name = "kbridge.evaluation"

            def ready(self):
                from kbridge.evaluation import documents, models
                from kbridge.matching import registry

                registry.register(registry.DocumentKind(
                    prefix="evaluator",
                    fetch=documents.evaluators_by_pk,       # [pk] -> {pk: profile}, few queries
                    documents=documents.evaluator_documents,  # [profile] -> [Document]
                    all_pks=documents.active_evaluator_pks,  # re-embedded on a model switch
                    watch=((models.EvaluatorProfile, lambda p: [p.pk]),),
                ))

    It then ranks with ``matching.selectors.kind_corpus("evaluator", pks, key=...)`` and
    ``matching.selectors.rank`` (or embeds with ``tasks.embed_documents(["evaluator:7"])``),
    exactly as matching ranks its own kinds.

Rules for a kind
    * Document ids are the keys: ``documents`` returns, for each object given, a
      ``Document`` whose ``id`` is ``f"{prefix}:{pk}"``, bounded with
      ``matching.documents.bounded`` (the model's input limits).
    * ``fetch`` and ``documents`` work in batches with a constant number of queries (a model
      switch resolves thousands of keys), and ``fetch`` leaves out pks that no longer exist.
    * ``all_pks`` (optional) lists every object whose vector the pages need at once in the
      serving space; a model switch re-embeds exactly these. ``None``: embedded on demand only.
    * ``watch`` (optional): ``(model class, instance -> pks of this kind)`` pairs; after a
      saved instance commits, those keys are re-embedded (once per waiting task).
    * Prefixes are unique, lower-case words without ``:``; registering a prefix again
      replaces it (a reloaded app does not register twice).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kbridge.engine.matching import Document

PREFIX = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document (see the module doc for the rules).

    ``prefix``: the key prefix, e.g. ``"track"``.
    ``fetch(pks) -> {pk: object}``: the objects that still exist, with what ``documents`` reads.
    ``documents(objects) -> [Document]``: one bounded document per object, in the same order.
    ``all_pks() -> pks``: what a model switch re-embeds (``None``: nothing).
    ``watch``: ``(model, instance -> pks)`` pairs whose saves re-embed those keys.
    """

    prefix: str
    fetch: Callable[[Sequence[int]], dict[int, Any]]
    documents: Callable[[Sequence[Any]], list[Document]]
    all_pks: Callable[[], Iterable[int]] | None = None
    watch: tuple[tuple[type, Callable[[Any], Iterable[int]]], ...] = ()

    def key(self, pk: int) -> str:
        return f"{self.prefix}:{pk}"


_KINDS: dict[str, DocumentKind] = {}
_listeners: list[Callable[[DocumentKind], None]] = []


def register(kind: DocumentKind) -> None:
    """Add a kind (or replace the one with its prefix). Raises ValueError for a prefix that is
    not a lower-case word."""
    if not PREFIX.match(kind.prefix):
        raise ValueError(f"a document kind's prefix is a lower-case word, not {kind.prefix!r}")
    _KINDS[kind.prefix] = kind
    for listener in list(_listeners):
        listener(kind)


def unregister(prefix: str) -> None:
    """Remove a kind (tests that register a throwaway one). Its ``watch`` hooks stay
    connected but find no kind and do nothing."""
    _KINDS.pop(prefix, None)


def on_register(listener: Callable[[DocumentKind], None]) -> None:
    """Call ``listener(kind)`` for every kind registered so far and every later one (matching's
    signals connect the ``watch`` hooks this way, whichever app's ``ready()`` runs first)."""
    _listeners.append(listener)
    for kind in list(_KINDS.values()):
        listener(kind)


def kind(prefix: str) -> DocumentKind:
    """The kind registered under ``prefix``; KeyError if none is."""
    return _KINDS[prefix]


def get(prefix: str) -> DocumentKind | None:
    """The kind registered under ``prefix``, or None."""
    return _KINDS.get(prefix)


def kinds() -> list[DocumentKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def parse(key: str) -> tuple[DocumentKind, int] | None:
    """``(kind, pk)`` of a key such as ``track:5``; None for an unknown kind or a bad pk."""
    prefix, sep, pk = str(key).partition(":")
    found = _KINDS.get(prefix)
    if found is None or not sep or not pk.isdigit():
        return None
    return found, int(pk)


def documents_for(keys: Iterable[str]) -> dict[str, Document]:
    """The current document behind each key that still names something, by key (two calls per
    kind present, whatever the number of keys). Unknown kinds and gone objects are absent."""
    by_kind: dict[str, list[int]] = {}
    for key in keys:
        parsed = parse(key)
        if parsed is not None:
            by_kind.setdefault(parsed[0].prefix, []).append(parsed[1])
    found: dict[str, Document] = {}
    for prefix, pks in by_kind.items():
        k = _KINDS[prefix]
        objects = k.fetch(list(dict.fromkeys(pks)))
        for document in k.documents(list(objects.values())):
            found[document.id] = document
    return found


def resolve(key: str) -> Document | None:
    """The current document behind one key (None if its kind is unknown or it is gone)."""
    return documents_for([key]).get(key)


def ordered_documents(keys: Sequence[str]) -> list[Document]:
    """:func:`documents_for` in the order of ``keys``, the missing left out."""
    found = documents_for(keys)
    return [found[k] for k in keys if k in found]


def all_keys() -> list[str]:
    """Every document a model switch re-embeds: each kind's ``all_pks`` in registration order
    (``track``, ``startup``, ``application``, then the kinds of upper apps)."""
    keys: list[str] = []
    for k in _KINDS.values():
        if k.all_pks is not None:
            keys += [k.key(pk) for pk in k.all_pks()]
    return keys
