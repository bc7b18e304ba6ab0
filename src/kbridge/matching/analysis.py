"""The analysed fields of documents, shared by every process through the database.

:func:`field_terms` returns the BM25 input of each document (``LexicalIndex.field_terms``),
reading what another process or a background task has already analysed and storing what it
had to analyse itself, so Kiwi runs once per distinct text, not once per process.
"""

from __future__ import annotations

import hashlib
import json

from kbridge.engine.matching import Document, LexicalIndex
from kbridge.matching.models import Analysis

BATCH = 500


def analysis_key(analyzer_version: str, document: Document) -> str:
    """(analyser version, SHA-256 of the document's fields): the id does not matter."""
    text = json.dumps([document.title, list(document.keywords), document.description],
                      ensure_ascii=False)
    return f"{analyzer_version}|{hashlib.sha256(text.encode()).hexdigest()}"


def field_terms(lexical: LexicalIndex, docs: list[Document]) -> list[dict[str, list[str]]]:
    """Each document's field terms, in order: from the database where known, else analysed
    now and stored (a cache write; concurrent writers of the same key are harmless)."""
    version = lexical.analyzer.version
    keys = [analysis_key(version, d) for d in docs]
    found: dict[str, dict[str, list[str]]] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), BATCH):
        found.update(Analysis.objects.filter(key__in=unique[start:start + BATCH])
                     .values_list("key", "terms"))
    new = {}
    for key, doc in zip(keys, docs, strict=True):
        if key not in found:
            found[key] = new[key] = lexical.field_terms(doc)
    if new:
        Analysis.objects.bulk_create([Analysis(key=k, terms=v) for k, v in new.items()],
                                     ignore_conflicts=True, batch_size=BATCH)
    return [found[k] for k in keys]
