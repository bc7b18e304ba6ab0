"""Reading the command-line tools' input files strictly, and naming output files safely.

Shared by ``kbridge-assign`` and ``kbridge-schedule`` (pure Python, no Django). The rules:

* Files are UTF-8; a byte-order mark (Excel's "CSV UTF-8", Notepad) is skipped, not read as data.
* Anything malformed raises :class:`InputError` naming the file and the line, never a guess:
  wrong column counts, non-numbers, empty ids, ids with surrounding white space or invisible
  characters, the same key twice, JSON objects with a repeated key.
* File names derived from ids (:func:`safe_filename`) have no path separators, control
  characters, leading dots or reserved device names, are at most ~100 bytes, are unique
  (case-insensitively) within one folder and always lie inside it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
import sys
import unicodedata
from dataclasses import dataclass
from json.decoder import JSONObject  # type: ignore[attr-defined]
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "InputError",
    "JsonObject",
    "Row",
    "check_id",
    "inside",
    "line_of",
    "parse_finite",
    "parse_int",
    "read_csv",
    "read_json",
    "read_text",
    "safe_filename",
]


class InputError(ValueError):
    """An input file is malformed; ``str()`` is one line: ``file, line N: what is wrong``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = str(path), line, message
        where = self.path if line is None else f"{self.path}, line {line}"
        super().__init__(f"{where}: {message}")


def _line_at(data: bytes | str, offset: int) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return data.count(newline, 0, offset) + 1  # type: ignore[arg-type]


def read_text(path: str | Path) -> str:
    """The file's text as UTF-8 without a leading byte-order mark.

    Errors: :class:`InputError` when the file cannot be read or is not UTF-8 (with the line).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, _line_at(raw, exc.start),
                         "not UTF-8 text (save it as \"CSV UTF-8\" or UTF-8 JSON)") from None


# --- CSV --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Row:
    """One non-blank CSV record: its first line number (1-based) and its cells as written."""

    line: int
    cells: list[str]


def read_csv(path: str | Path) -> list[Row]:
    """Every record of a CSV file that has at least one non-blank cell.

    Blank lines and all-empty records (``,,`` that spreadsheets leave at the end) are skipped;
    cells are returned unstripped so callers can refuse ids with surrounding white space.
    Errors: :class:`InputError` for unreadable, non-UTF-8 or syntactically broken CSV.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    line = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append(Row(line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(path, line, f"broken CSV ({exc})") from None
    return rows


_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def check_id(path: str | Path, line: int | None, value: str, what: str) -> str:
    """``value`` if it is a usable id, else :class:`InputError` saying why.

    Refused: empty ids, surrounding white space (``" app0"`` would be a second application beside
    ``"app0"``), control and invisible format characters (a stray byte-order mark, zero-width
    spaces).
    """
    if not value.strip():
        raise InputError(path, line, f"empty {what} id")
    if value != value.strip():
        raise InputError(path, line, f"{what} id {value!r} has white space around it")
    for ch in value:
        if unicodedata.category(ch) in _INVISIBLE:
            raise InputError(path, line, f"{what} id {value!r} contains the invisible character "
                                         f"U+{ord(ch):04X}")
    return value


def parse_finite(path: str | Path, line: int | None, value: str, what: str) -> float:
    """A finite number written as ``value`` (white space around it is fine)."""
    try:
        number = float(value)
    except ValueError:
        raise InputError(path, line, f"{what} {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise InputError(path, line, f"{what} {value.strip()!r} is not a finite number")
    return number


def parse_int(path: str | Path, line: int | None, value: str, what: str, minimum: int | None = None) -> int:
    """A whole number written as ``value`` (``3`` or ``3.0``), at least ``minimum`` if given."""
    number = parse_finite(path, line, value, what)
    if number != int(number):
        raise InputError(path, line, f"{what} {value.strip()!r} is not a whole number")
    if minimum is not None and number < minimum:
        raise InputError(path, line, f"{what} {value.strip()!r} is below {minimum}")
    return int(number)


# --- JSON -------------------------------------------------------------------------------------

class JsonObject(dict):
    """A JSON object that remembers the line it starts on (for error messages)."""

    __slots__ = ("line",)
    line: int


def line_of(value: Any) -> int | None:
    """The line a JSON object started on, ``None`` for anything else."""
    return getattr(value, "line", None)


def _decoder(text: str, path: str | Path) -> json.JSONDecoder:
    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None,
                     _w=json.decoder.WHITESPACE.match):
        s, start = s_and_end
        pairs, end = JSONObject(s_and_end, strict, scan_once, None, list, memo, _w)
        obj = JsonObject()
        obj.line = _line_at(s, start)
        for key, value in pairs:
            if key in obj:
                raise InputError(path, obj.line, f"the key {key!r} appears twice in one object")
            obj[key] = value
        return obj, end

    def refuse_constant(name: str) -> None:
        raise ValueError(f"{name} is not a number")

    decoder = json.JSONDecoder(parse_constant=refuse_constant)
    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.scan_once = py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path``; objects are :class:`JsonObject` carrying their line.

    Errors: :class:`InputError` for unreadable, non-UTF-8 or invalid JSON, ``NaN``/``Infinity``
    and objects with a repeated key.
    """
    text = read_text(path)
    try:
        return _decoder(text, path).decode(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise InputError(path, None, "JSON nested too deeply") from None
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(path, None, f"not valid JSON ({exc})") from None


# --- file names -------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$", re.I)
MAX_STEM_BYTES = 96


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def safe_filename(ident: str, suffix: str, taken: set[str]) -> str:
    """A file name (``stem + suffix``) for ``ident`` that is safe in any folder; adds it to ``taken``.

    The stem is the id in Unicode NFC with path separators, control characters and characters
    Windows forbids replaced by ``_``, no leading or trailing dots or spaces, no device names
    (``CON``, ``NUL``, ``COM1``, ...), at most :data:`MAX_STEM_BYTES` bytes of UTF-8. When that
    changed the id, or the name is already in ``taken`` (compared case-insensitively, as on
    Windows and macOS), ``-`` and the first 8 hex digits of the id's SHA-256 are appended (more
    digits if still taken), so two ids never share a file. Korean ids are kept as they are.
    """
    stem = unicodedata.normalize("NFC", ident)
    stem = "".join("_" if unicodedata.category(ch) in _INVISIBLE else ch for ch in stem)
    stem = _UNSAFE.sub("_", stem).strip(" .")
    stem = _truncate(stem, MAX_STEM_BYTES).strip(" .")
    if not stem or _RESERVED.match(stem):
        stem = f"_{stem}"
    changed = stem != ident
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()
    name = f"{stem}{suffix}"
    if changed or name.casefold() in taken:
        for width in range(8, len(digest) + 1, 4):
            name = f"{stem}-{digest[:width]}{suffix}"
            if name.casefold() not in taken:
                break
    taken.add(name.casefold())
    return name


def inside(directory: Path, name: str) -> Path:
    """``directory / name``, refusing (ValueError) anything that would land outside ``directory``."""
    target = (directory / name).resolve()
    if target.parent != directory.resolve():
        raise ValueError(f"refusing to write {name!r} outside {directory}")
    return target


class CliParser(argparse.ArgumentParser):
    """An ``argparse`` parser whose usage errors exit with status 1, like every other bad
    input of the command-line tools, leaving status 2 to mean "no solution exists"."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: {message}\n")
