"""System checks of the embedding model setting (``manage.py check``, ``migrate``, start).

Cheap on purpose (no model is loaded): sentence-transformers must be installed when a model
is named, and a local path must hold a model. They are warnings, not errors: only workers
load the model, so a web host without the model files (or without torch) is configured
correctly, and an error would also stop the e-mail worker and ``migrate``. Whether a hub name can be downloaded is only
known when a worker loads it; a failure then is recorded as a failed switch (staff page,
``python -m kbridge embeddings status``) and the serving model stays.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks

from kbridge.matching import store

MODEL_FILES = ("modules.json", "config.json")


@checks.register()
def embedding_model_setting(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    spec = (settings.KBRIDGE_EMBEDDING_MODEL or "").strip()
    prefix = settings.KBRIDGE_EMBEDDING_PREFIX or ""
    if not spec:
        if prefix:
            return [checks.Warning(
                "KBRIDGE_EMBEDDING_PREFIX is ignored by the packaged default model.",
                hint="Set KBRIDGE_EMBEDDING_MODEL too, or unset the prefix.",
                id="matching.W001")]
        return []
    if spec.startswith(store.PACKAGED_PREFIX):
        if spec[len(store.PACKAGED_PREFIX):] not in store.PACKAGED:
            return [checks.Warning(
                f"KBRIDGE_EMBEDDING_MODEL={spec!r} names no packaged model.",
                hint="Packaged: " + ", ".join(store.PACKAGED), id="matching.W004")]
        return []
    errors = []
    if not store.sentence_transformers_installed():
        errors.append(checks.Warning(
            f"KBRIDGE_EMBEDDING_MODEL={spec!r} needs sentence-transformers, which is not "
            "installed.", hint="pip install 'kbridge[st]' (CPU torch, sentence-transformers).",
            id="matching.W002"))
    if store.looks_like_path(spec):
        path = Path(spec).expanduser()
        if not path.is_dir():
            errors.append(checks.Warning(
                f"KBRIDGE_EMBEDDING_MODEL={spec!r} is a path, and no directory is there.",
                hint="Give the directory of a sentence-transformers model (absolute path), "
                     "or a model name from the Hugging Face hub.", id="matching.W003"))
        elif not any((path / name).is_file() for name in MODEL_FILES):
            errors.append(checks.Warning(
                f"KBRIDGE_EMBEDDING_MODEL={spec!r} holds no model (no modules.json or "
                "config.json).", id="matching.W003"))
    return errors
