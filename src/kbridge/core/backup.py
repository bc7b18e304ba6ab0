"""Backups: one archive holding a consistent copy of the database and the private files.

An archive is a gzip-compressed tar file::

    database/kbridge.sqlite3   SQLite: a copy made with the online backup API, or
    database/kbridge.pgdump    PostgreSQL: ``pg_dump --format=custom`` (for ``pg_restore``)
    files/<path>               every file under ``settings.MEDIA_ROOT``, path kept
    manifest.json              written last: what the archive must contain (see below)

The manifest records the format, the K-Bridge version, the engine, the creation time (UTC),
the applied migrations, the row count of every table, and the size and SHA-256 of the
database dump and of every file. Row counts come from the same snapshot as the dump: on SQLite
they are counted in the copy itself; on PostgreSQL a REPEATABLE READ transaction exports its
snapshot, counts in it and ``pg_dump --snapshot`` dumps exactly that snapshot.

The database is copied first and the files after it. Uploaded files are never changed by the
application (a new upload is a new file) and a replaced draft file's bytes outlive its row by
``KBRIDGE_REPLACED_FILE_GRACE_SECONDS``, so every file a copied row refers to is still there
when the files are copied; a file uploaded in between is archived without
a row (harmless). Rows whose file is missing are reported (``missing_files``), never hidden.

``restore_backup`` refuses a database that has any table and any file that already exists,
checks every hash before it writes anything, restores, and then checks the restored row counts
and file hashes against the manifest. Errors are :class:`BackupError` with a message for the
operator. See docs/decisions.md ("Backups").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connections

FORMAT = "kbridge-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
DATABASE_MEMBER = {"sqlite": "database/kbridge.sqlite3", "postgresql": "database/kbridge.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason for the operator."""


@dataclass
class RestoreReport:
    """What ``restore_backup`` restored and checked (all verified against the manifest)."""

    manifest: dict[str, Any]
    tables: int = 0
    rows: int = 0
    files: int = 0
    pending_migrations: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------

def _quote(name: str) -> str:
    """An SQL identifier, quoted the same way for SQLite and PostgreSQL."""
    return '"' + name.replace('"', '""') + '"'


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Reads a file for tarfile while computing its SHA-256 (the bytes are read once)."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _engine(connection) -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return connection.vendor


def _require_tool(name: str) -> str:
    """The path of a PostgreSQL client program; a missing one stops the command loudly."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs of the "
            f"server's major version (Debian: apt-get install postgresql-client).")
    return path


def _kbridge_version() -> str:
    try:
        return importlib.metadata.version("kbridge")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _media_files(root: Path) -> list[tuple[str, Path]]:
    """(archive-relative POSIX path, absolute path) of every regular file under ``root``."""
    if not root.exists():
        return []
    found = []
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def _safe_relative(name: str) -> PurePosixPath:
    """A member path that stays inside its folder (no absolute path, no ``..``)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive contains an unsafe path: {name!r}.")
    return path


# --- what the snapshot holds -----------------------------------------------------------------

def _table_names(cursor, engine: str) -> list[str]:
    if engine == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    else:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition ORDER BY c.relname")
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor, engine: str) -> dict[str, int]:
    counts = {}
    for table in _table_names(cursor, engine):
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 (quoted name)
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor, tables: dict[str, int]) -> dict[str, list[str]]:
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


# --- files that rows refer to -----------------------------------------------------------------
#
# core sits below every domain app (docs/architecture.md, "Layers") and cannot know which of
# their tables name stored files. Each app that stores files under MEDIA_ROOT registers, from
# its ``AppConfig.ready()``, a *file source*: ``files(cursor, tables) -> {path: sha256}`` reads
# the database the DB-API ``cursor`` is connected to (a snapshot copy, or the restored
# database) and returns the MEDIA_ROOT-relative path of every file its rows refer to, with the
# SHA-256 (hex) the row recorded at upload ("" when the app records none). ``tables`` maps
# every table of that database to its row count; a source returns {} when its table is absent.
# Sources read with plain SQL on the given cursor (never the ORM: it would read the live
# database, not the snapshot). The applications app registers its attachments.

FileSource = Callable[[Any, dict[str, int]], dict[str, str]]

_FILE_SOURCES: dict[str, FileSource] = {}


def register_files(name: str, files: FileSource) -> None:
    """Add (or replace, so a reloaded app does not register twice) one app's file source."""
    _FILE_SOURCES[name] = files


def quote_name(name: str) -> str:
    """A table or column name quoted for SQL on SQLite and PostgreSQL (for file sources)."""
    return _quote(name)


def _recorded_hashes(cursor, tables: dict[str, int]) -> dict[str, str]:
    """MEDIA_ROOT-relative path -> the SHA-256 its row recorded at upload (the hash receipts
    carry), for the files rows of the database the cursor reads refer to ("" = none recorded)."""
    recorded: dict[str, str] = {}
    for files in _FILE_SOURCES.values():
        recorded.update(files(cursor, tables))
    return recorded


def _referenced_files(cursor, tables: dict[str, int]) -> set[str]:
    """MEDIA_ROOT-relative paths that rows of the snapshot refer to (uploaded attachments)."""
    return set(_recorded_hashes(cursor, tables))


@dataclass
class _Snapshot:
    dump: Path
    tables: dict[str, int]
    migrations: dict[str, list[str]]
    referenced: set[str]
    details: dict[str, str]


def _snapshot_sqlite(connection, workdir: Path) -> _Snapshot:
    dump = workdir / "kbridge.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(dump)
    try:
        # One step (pages=-1): the whole database is copied under one read lock, so the copy
        # is a consistent snapshot while the site keeps writing (WAL lets writers proceed).
        connection.connection.backup(copy)
        cursor = copy.cursor()
        tables = _row_counts(cursor, "sqlite")
        migrations = _applied_migrations(cursor, tables)
        referenced = _referenced_files(cursor, tables)
    finally:
        copy.close()
    return _Snapshot(dump, tables, migrations, referenced,
                     {"sqlite_version": sqlite3.sqlite_version})


def _pg_params(settings_dict: dict[str, Any]) -> dict[str, str]:
    options = settings_dict.get("OPTIONS") or {}
    params = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST"),
        "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
    }
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        params[key] = options.get(key)
    return {key: str(value) for key, value in params.items() if value}


def _pg_env(params: dict[str, str]) -> dict[str, str]:
    """The libpq environment for pg_dump/pg_restore (keeps the password off the command line).

    Other ``PG*`` variables stay: libpq reads them for Django's own connection too."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD",
             "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE",
             "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY"}
    env = dict(os.environ)
    env.update({names[key]: value for key, value in params.items()})
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _snapshot_postgresql(connection, workdir: Path) -> _Snapshot:
    import psycopg

    pg_dump = _require_tool("pg_dump")
    params = _pg_params(connection.settings_dict)
    dump = workdir / "kbridge.pgdump"
    with psycopg.connect(**params) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cursor:
            # The exported snapshot is the one this transaction sees; pg_dump --snapshot dumps
            # exactly it while the transaction stays open, so the counts below match the dump.
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            tables = _row_counts(cursor, "postgresql")
            migrations = _applied_migrations(cursor, tables)
            referenced = _referenced_files(cursor, tables)
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot_id}", "--no-password",
                  f"--file={dump}"], _pg_env(params), "pg_dump")
        conn.rollback()
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True,  # noqa: S603
                             check=False).stdout.strip()
    return _Snapshot(dump, tables, migrations, referenced,
                     {"server_version": server_version, "pg_dump": version})


# --- backup ----------------------------------------------------------------------------------

def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    stat = path.stat()
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"size": stat.st_size, "sha256": reader.digest.hexdigest()}


def create_backup(*, output: Path, using: str = "default") -> dict[str, Any]:
    """Write one archive of the database and ``MEDIA_ROOT`` to ``output``; return the manifest.

    ``output`` must not exist (an existing backup is never overwritten); the archive is
    written to ``<output>.partial`` and renamed only when complete. Raises
    :class:`BackupError` (unsupported engine, missing ``pg_dump``, a failing dump, an
    existing ``output``).
    """
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; choose another file name.")
    connection = connections[using]
    engine = _engine(connection)
    media_root = Path(settings.MEDIA_ROOT)
    created_at = dt.datetime.now(dt.UTC)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="kbridge-backup-") as workdir:
        snap = (_snapshot_sqlite if engine == "sqlite" else _snapshot_postgresql)(
            connection, Path(workdir))
        try:
            with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
                database = {"path": DATABASE_MEMBER[engine], **snap.details,
                            **_add(tar, DATABASE_MEMBER[engine], snap.dump)}
                files = []
                for relative, path in _media_files(media_root):
                    try:
                        entry = _add(tar, FILES + relative, path)
                    except FileNotFoundError:
                        continue  # removed since it was listed: no row of the snapshot needs it
                    files.append({"path": relative, **entry})
                archived = {f["path"] for f in files}
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "kbridge_version": _kbridge_version(),
                    "created_at": created_at.isoformat(timespec="seconds").replace(
                        "+00:00", "Z"),
                    "engine": engine,
                    "database": database,
                    "migrations": snap.migrations,
                    "tables": snap.tables,
                    "files": files,
                    "missing_files": sorted(snap.referenced - archived),
                }
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(created_at.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


# --- restore ---------------------------------------------------------------------------------

@contextlib.contextmanager
def _reading(archive: Path):
    """The archive's members in order; a corrupt or truncated archive is a BackupError."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            yield _members(tar)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(f"{archive} is corrupt or truncated ({exc}).") from exc


def _members(tar: tarfile.TarFile):
    for member in tar:
        if not member.isfile():
            raise BackupError(f"The archive contains a non-file entry: {member.name!r}.")
        yield member, tar.extractfile(member)


def _read_checked(handle: BinaryIO, sink: BinaryIO | None = None) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return size, digest.hexdigest()


def verify_archive(archive: Path) -> dict[str, Any]:
    """Read the whole archive and check it against its manifest; return the manifest.

    Raises :class:`BackupError` for a missing, corrupt or truncated archive, a foreign or
    newer format, and any member that is missing, extra, or whose size or SHA-256 differs.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist.")
    seen: dict[str, tuple[int, str]] = {}
    manifest = None
    with _reading(archive) as members:
        for member, handle in members:
            if member.name == MANIFEST:
                try:
                    manifest = json.loads(handle.read())
                except ValueError as exc:
                    raise BackupError(f"The manifest of {archive} is not valid JSON.") from exc
            else:
                _safe_relative(member.name)
                seen[member.name] = _read_checked(handle)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a K-Bridge backup or is truncated "
                          "(no manifest at its end).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{archive} has format version {manifest.get('format_version')}; "
                          f"this K-Bridge reads version {FORMAT_VERSION}.")
    try:
        expected = {manifest["database"]["path"]: manifest["database"]}
        expected.update({FILES + f["path"]: f for f in manifest["files"]})
        for key in ("engine", "migrations", "tables", "kbridge_version"):
            manifest[key]  # noqa: B018 (presence check)
    except (KeyError, TypeError) as exc:
        raise BackupError(f"The manifest of {archive} is incomplete ({exc!r}).") from exc
    if manifest["database"]["path"] != DATABASE_MEMBER.get(manifest["engine"]):
        raise BackupError(f"The manifest of {archive} names an unknown database dump.")
    problems = []
    for name, entry in expected.items():
        if name not in seen:
            problems.append(f"{name}: missing from the archive")
        elif seen[name] != (entry["size"], entry["sha256"]):
            problems.append(f"{name}: size or SHA-256 differs from the manifest")
    problems += [f"{name}: not in the manifest" for name in sorted(set(seen) - set(expected))]
    if problems:
        raise BackupError(f"{archive} does not match its manifest:\n  " + "\n  ".join(problems))
    return manifest


def _check_migrations(manifest: dict[str, Any]) -> list[str]:
    """Refuse an archive from a newer K-Bridge; return this code's migrations it lacks."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(applied - known)
    if unknown:
        raise BackupError(
            f"The archive was made by K-Bridge {manifest['kbridge_version']} with migrations "
            f"this version does not have ({', '.join(f'{a}.{n}' for a, n in unknown[:5])}); "
            "restore it with that version.")
    return sorted(f"{app}.{name}" for app, name in known - applied)


def _restore_database(connection, engine: str, dump: Path) -> None:
    if engine == "sqlite":
        target = str(connection.settings_dict["NAME"])
        connection.close()
        source, copy = sqlite3.connect(dump), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
    else:
        pg_restore = _require_tool("pg_restore")
        params = _pg_params(connection.settings_dict)
        connection.close()
        # One transaction: a failure leaves the database as empty as it was. Objects belong
        # to the restoring role (the application's), whatever role made the dump.
        _run([pg_restore, "--exit-on-error", "--single-transaction", "--no-owner",
              "--no-privileges", "--no-password", f"--dbname={params['dbname']}", str(dump)],
             _pg_env(params), "pg_restore")


def restore_backup(*, archive: Path, using: str = "default") -> RestoreReport:
    """Restore ``archive`` into an empty database and ``MEDIA_ROOT``, then verify it.

    Order: verify the archive (every hash); refuse a different engine, a database that has
    any table, any file that already exists under ``MEDIA_ROOT`` and migrations this code
    does not know; restore the database; write the files (never replacing one); count the
    rows of every table and hash every file again against the manifest. Raises
    :class:`BackupError` on any refusal or mismatch (nothing is written before the checks).
    """
    archive = Path(archive)
    manifest = verify_archive(archive)
    connection = connections[using]
    engine = _engine(connection)
    if manifest["engine"] != engine:
        raise BackupError(f"The archive holds a {manifest['engine']} database; the target is "
                          f"{engine}. Restore into the same engine.")
    with connection.cursor():
        existing_tables = connection.introspection.table_names()
    if existing_tables:
        raise BackupError(
            f"The target database {connection.settings_dict['NAME']} is not empty "
            f"({len(existing_tables)} tables, e.g. {existing_tables[0]}). Restore only into a "
            "new, empty database.")
    media_root = Path(settings.MEDIA_ROOT)
    targets = [(FILES + f["path"], media_root / _safe_relative(f["path"]), f)
               for f in manifest["files"]]
    clashes = [str(path) for _name, path, _f in targets if path.exists()]
    if clashes:
        raise BackupError(f"{len(clashes)} private files already exist and would be "
                          f"overwritten, e.g. {clashes[0]}. Restore into an empty MEDIA_ROOT.")
    pending = _check_migrations(manifest)

    by_name = {name: (path, entry) for name, path, entry in targets}
    database_member = manifest["database"]["path"]
    with tempfile.TemporaryDirectory(prefix="kbridge-restore-") as workdir:
        dump = Path(workdir) / PurePosixPath(database_member).name
        with _reading(archive) as members:
            for member, handle in members:
                if member.name == database_member:
                    with dump.open("wb") as sink:
                        digest = _read_checked(handle, sink)[1]
                    if digest != manifest["database"]["sha256"]:
                        raise BackupError(f"{database_member} changed while restoring.")
                    _restore_database(connection, engine, dump)
                elif member.name in by_name:
                    path, _entry = by_name[member.name]
                    path.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        with path.open("xb") as sink:  # never replaces a file
                            _read_checked(handle, sink)
                    except FileExistsError as exc:
                        raise BackupError(f"{path} appeared during the restore; it was "
                                          "left as it is.") from exc
    return _verify_restored(manifest, connection, engine, media_root, pending)


def _verify_restored(manifest, connection, engine, media_root, pending) -> RestoreReport:
    connection.close()
    with connection.cursor() as cursor:
        counts = _row_counts(cursor, engine)
        recorded = _recorded_hashes(cursor, counts)
    problems = [f"table {table}: {counts.get(table, 'missing')} rows, manifest {expected}"
                for table, expected in manifest["tables"].items()
                if counts.get(table) != expected]
    problems += [f"table {table}: not in the manifest"
                 for table in sorted(set(counts) - set(manifest["tables"]))]
    for entry in manifest["files"]:
        path = media_root / entry["path"]
        if not path.is_file():
            problems.append(f"file {entry['path']}: missing after restore")
        else:
            digest = _sha256_file(path)
            if digest != entry["sha256"]:
                problems.append(f"file {entry['path']}: SHA-256 differs from the manifest")
            elif recorded.get(entry["path"]) and digest != recorded[entry["path"]]:
                # The manifest is not signed: a file and its manifest line can be changed
                # together, but not the hash the database recorded at upload (and receipts carry).
                problems.append(f"file {entry['path']}: SHA-256 differs from the one its "
                                "attachment recorded at upload")
    if problems:
        raise BackupError("The restored data does not match the manifest:\n  "
                          + "\n  ".join(problems)
                          + "\nThe restored database and files were left in place for "
                          "inspection; drop and recreate the database and empty MEDIA_ROOT "
                          "before restoring again.")
    return RestoreReport(manifest=manifest, tables=len(counts), rows=sum(counts.values()),
                         files=len(manifest["files"]), pending_migrations=pending)
