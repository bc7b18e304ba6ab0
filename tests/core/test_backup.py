"""Backups (issue 9, item 6): the restore drill on the suite's database engine (SQLite, or
PostgreSQL when DATABASE_URL points at it, as in CI's second run).

A small world with a submitted application and uploaded files is backed up with
``python -m kbridge backup``, restored by ``python -m kbridge restore`` in a fresh process into
a fresh empty database (a scratch PostgreSQL database created and dropped here) and a fresh
MEDIA_ROOT, and compared with the original: row counts of every table and every file's bytes.
Tampered, truncated and mismatching archives, a non-empty target and an existing file are
refused with a message and a non-zero exit."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import connection

from kbridge.applications import services
from kbridge.applications.models import Attachment, Question
from kbridge.applications.uploads import CheckedPDF
from kbridge.core import backup
from tests.applications.conftest import complete_answers, make_pdf
from tests.factories import ApplicationFactory, StartupProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def _pdf(data: bytes, name: str) -> CheckedPDF:
    return CheckedPDF(data=data, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                      pages=3, original_name=name)


@pytest.fixture
def seeded(world, personas, media):
    """A submitted application with two PDFs, then one slot uploaded again after the
    submission (both files kept: the submitted version refers to the first)."""
    questions = services.add_standard_questions(call=world.call, by=personas.operator)
    StartupProfileFactory(organisation=personas.startup_a_org, representative=personas.startup_a)
    draft = ApplicationFactory(track=world.track_a, applicant=personas.startup_a_org,
                               created_by=personas.startup_a)
    services.save_draft(application=draft, by=personas.startup_a,
                        answers=complete_answers(questions),
                        declarations={"declares_government_support": False,
                                      "declares_no_tax_arrears": True},
                        base_version=draft.version)
    files = [q for q in questions if q.kind == Question.Kind.FILE]
    for index, question in enumerate(files):
        services.attach_file(application=draft, question=question, by=personas.startup_a,
                             checked=_pdf(make_pdf(2 + index), f"deck-{index}.pdf"))
    draft.refresh_from_db()
    services.submit_application(application=draft, by=personas.startup_a,
                                draft_version=draft.version)
    services.attach_file(application=draft, question=files[0], by=personas.startup_a,
                         checked=_pdf(make_pdf(9), "deck-new.pdf"))
    assert Attachment.objects.count() == len(files) + 1
    return draft


def _source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


class Target:
    """A fresh, empty database of the suite's engine, and a fresh MEDIA_ROOT."""

    def __init__(self, tmp_path: Path, label: str):
        self.media = tmp_path / f"restored-{label}" / "private"
        self.var = tmp_path / f"restored-{label}" / "var"
        if connection.vendor == "sqlite":
            self.path = tmp_path / f"restored-{label}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            import psycopg

            self.name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(**self._params("postgres"), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            parts = urlsplit(os.environ["DATABASE_URL"])
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def _params(self, dbname: str) -> dict:
        return {**backup._pg_params(connection.settings_dict), "dbname": dbname}

    def restore(self, archive: Path, *extra: str) -> subprocess.CompletedProcess:
        """``python -m kbridge restore`` in a new process configured for this target."""
        env = {**os.environ, "DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media),
               "KBRIDGE_VAR_DIR": str(self.var), "KBRIDGE_ENV": "development"}
        return subprocess.run([sys.executable, "-m", "kbridge", "restore", str(archive), *extra],
                              env=env, capture_output=True, text=True, timeout=300, check=False)

    def counts(self) -> dict[str, int]:
        if connection.vendor == "sqlite":
            db = sqlite3.connect(self.path)
            try:
                tables = [r[0] for r in db.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' "
                    "AND name NOT LIKE 'sqlite%'")]
                return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                        for t in tables}
            finally:
                db.close()
        import psycopg

        with psycopg.connect(**self._params(self.name)) as db:
            tables = [r[0] for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608
                    for t in tables}

    def drop(self) -> None:
        if connection.vendor == "postgresql":
            import psycopg

            with psycopg.connect(**self._params("postgres"), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    made = []

    def _target(label: str = "a") -> Target:
        made.append(Target(tmp_path, label))
        return made[-1]

    yield _target
    for t in made:
        t.drop()


@pytest.fixture
def archive(seeded, tmp_path) -> Path:
    path = tmp_path / "kbridge.tar.gz"
    call_command("backup", output=path, stdout=io.StringIO())
    return path


def _manifest(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _rewrite(source: Path, dest: Path, change) -> None:
    """Copy an archive member by member, passing (name, bytes) through ``change``."""
    with tarfile.open(source) as old, tarfile.open(dest, "w:gz") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))


def test_drill_restores_every_row_and_file(archive, seeded, media, target):
    source_counts, source_files = _source_counts(), _hashes(media)
    manifest = _manifest(archive)
    assert manifest["engine"] == connection.vendor
    assert manifest["created_at"].endswith("Z")
    assert manifest["kbridge_version"] and manifest["format_version"] == 1
    assert "0002_auditlog_append_only" in manifest["migrations"]["core"]
    assert manifest["tables"] == source_counts
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == source_files
    assert len(source_files) == 3 and manifest["missing_files"] == []

    restored = target()
    result = restored.restore(archive)
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout
    assert restored.counts() == source_counts
    assert _hashes(restored.media) == source_files
    # The bytes are the ones each upload recorded.
    for attachment in Attachment.objects.all():
        path = restored.media / services.storage_path(attachment)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == attachment.sha256


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL only")
def test_the_audit_trigger_survives_a_postgresql_restore(archive, target):
    import psycopg

    restored = target()
    assert restored.restore(archive).returncode == 0
    with psycopg.connect(**restored._params(restored.name)) as db:
        assert db.execute("SELECT count(*) FROM core_auditlog").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            db.execute("UPDATE core_auditlog SET action = 'rewritten'")


def test_a_tampered_file_is_refused_before_anything_is_written(archive, target, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"
    name = "files/" + _manifest(archive)["files"][0]["path"]
    _rewrite(archive, tampered,
             lambda n, data: data.replace(b"%%EOF", b"%%EOX") if n == name else data)
    restored = target()
    result = restored.restore(tampered)
    assert result.returncode == 1
    assert f"{name}: size or SHA-256 differs from the manifest" in result.stderr
    assert restored.counts() == {}
    assert not restored.media.exists() or _hashes(restored.media) == {}


def test_a_truncated_or_foreign_archive_is_refused(archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(backup.BackupError, match="corrupt or truncated"):
        backup.verify_archive(truncated)
    no_manifest = tmp_path / "no-manifest.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(no_manifest, "w:gz") as new:
        for member in old:
            if member.name != "manifest.json":
                new.addfile(member, old.extractfile(member))
    with pytest.raises(backup.BackupError, match="not a K-Bridge backup or is truncated"):
        backup.verify_archive(no_manifest)
    extra = tmp_path / "extra.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(extra, "w:gz") as new:
        for member in old:
            new.addfile(member, old.extractfile(member))
        info = tarfile.TarInfo("files/../../evil")
        new.addfile(info, io.BytesIO(b""))
    with pytest.raises(backup.BackupError, match="unsafe path"):
        backup.verify_archive(extra)


def test_a_document_changed_together_with_its_manifest_line_fails_the_restore(
        archive, target, tmp_path):
    """The manifest is not signed: an attacker can change a file and its manifest hash
    together. The hash the attachment row recorded at upload (the one receipts carry) still
    catches it (the outside tester's finding)."""
    entry = _manifest(archive)["files"][0]
    name = "files/" + entry["path"]
    changed = {}

    def swap(member, data):
        if member == name:
            changed["data"] = data.replace(b"%%EOF", b"%%EOX")
            return changed["data"]
        if member == "manifest.json":
            manifest = json.loads(data)
            for item in manifest["files"]:
                if item["path"] == entry["path"]:
                    item["sha256"] = hashlib.sha256(changed["data"]).hexdigest()
            return json.dumps(manifest).encode()
        return data

    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive) as old:  # the manifest comes last: the file is seen first
        assert old.getnames()[-1] == "manifest.json"
    _rewrite(archive, forged, swap)
    result = target().restore(forged)
    assert result.returncode == 1
    assert f"file {entry['path']}: SHA-256 differs from the one its attachment recorded" in (
        result.stderr)
    assert "drop and recreate the database" in result.stderr


def test_restored_rows_that_differ_from_the_manifest_fail_the_restore(archive, target,
                                                                       tmp_path):
    """The check after the restore is real: a manifest claiming one more user fails it."""
    def more_users(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["tables"]["accounts_user"] += 1
        return json.dumps(manifest).encode()

    lying = tmp_path / "lying.tar.gz"
    _rewrite(archive, lying, more_users)
    result = target().restore(lying)
    assert result.returncode == 1
    assert "does not match the manifest" in result.stderr
    assert "table accounts_user:" in result.stderr


def test_a_non_empty_database_or_an_existing_file_is_refused(archive, target):
    restored = target("full")
    assert restored.restore(archive).returncode == 0
    before = _hashes(restored.media)
    again = restored.restore(archive)
    assert again.returncode == 1 and "is not empty" in again.stderr

    clash = target("clash")
    existing = clash.media / _manifest(archive)["files"][0]["path"]
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"someone's file")
    result = clash.restore(archive)
    assert result.returncode == 1 and "would be overwritten" in result.stderr
    assert existing.read_bytes() == b"someone's file"
    assert clash.counts() == {}
    assert _hashes(restored.media) == before


def test_a_file_missing_from_media_root_is_reported(seeded, media, tmp_path):
    lost = services.storage_path(Attachment.objects.first())
    (media / lost).unlink()
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", output=tmp_path / "b.tar.gz", stdout=out, stderr=err)
    assert _manifest(tmp_path / "b.tar.gz")["missing_files"] == [lost]
    assert f"a row refers to {lost}, which is not in MEDIA_ROOT" in err.getvalue()


def test_backup_never_overwrites_an_archive(archive):
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.create_backup(output=archive)


def test_verify_only_checks_the_archive_and_writes_nothing(archive, target):
    restored = target()
    result = restored.restore(archive, "--verify-only")
    assert result.returncode == 0 and "is intact" in result.stdout
    assert restored.counts() == {}


def test_missing_postgresql_tools_fail_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    for tool in ("pg_dump", "pg_restore"):
        with pytest.raises(backup.BackupError, match=f"{tool} was not found.*postgresql-client"):
            backup._require_tool(tool)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite backups need no external program")
def test_backup_without_pg_dump_exits_with_a_message(seeded, tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "MEDIA_ROOT": str(tmp_path / "m"),
           "DATABASE_URL": urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(
               path=f"/{connection.settings_dict['NAME']}"))}
    result = subprocess.run([sys.executable, "-m", "kbridge", "backup", "-o",
                             str(tmp_path / "b.tar.gz")], env=env, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert "pg_dump was not found" in result.stderr
    assert not (tmp_path / "b.tar.gz").exists()
