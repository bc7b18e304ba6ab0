"""``python -m kbridge backup [--output FILE]``: archive the database and the private files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kbridge.core import backup


class Command(BaseCommand):
    help = ("Write one archive with a consistent copy of the database (SQLite online backup or "
            "pg_dump) and every private file, with a manifest of row counts and SHA-256 hashes.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", type=Path,
            help="archive to write (default: kbridge-backup-<UTC time>.tar.gz here); "
                 "an existing file is never overwritten")

    def handle(self, *args, **options):
        output = options["output"] or Path(
            f"kbridge-backup-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.tar.gz")
        try:
            manifest = backup.create_backup(output=output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        size = sum(f["size"] for f in manifest["files"])
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {output}: {manifest['engine']} database, "
            f"{len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} files "
            f"({size} bytes)."))
        for path in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(
                f"Warning: a row refers to {path}, which is not in MEDIA_ROOT."))
