"""Rows of the API permission matrix, one module per area, each with a ``ROWS`` list of
``(method, path with {ids}, JSON body or None, personas that get through)`` (see
tests/api/test_permission_matrix.py). Every module here is read; add a module per area."""

from __future__ import annotations

import importlib
import pkgutil

from tests.conftest import PERSONA_NAMES

ALL = set(PERSONA_NAMES)
SIGNED_IN = ALL - {"anonymous"}
NOBODY: set[str] = set()


def all_rows() -> list[tuple]:
    rows = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        rows += importlib.import_module(f"{__name__}.{info.name}").ROWS
    return rows
