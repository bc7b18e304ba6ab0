"""``python -m kbridge restore ARCHIVE``: restore a backup into an empty database and check it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kbridge.core import backup


class Command(BaseCommand):
    help = ("Restore an archive written by `backup` into an EMPTY database and MEDIA_ROOT, "
            "then check every table's row count and every file's SHA-256 against its "
            "manifest. Refuses a non-empty database and never overwrites a file.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--verify-only", action="store_true",
                            help="only check the archive against its manifest; write nothing")

    def handle(self, *args, **options):
        try:
            if options["verify_only"]:
                manifest = backup.verify_archive(options["archive"])
                self.stdout.write(self.style.SUCCESS(
                    f"{options['archive']} is intact: {manifest['engine']} database made "
                    f"{manifest['created_at']} by K-Bridge {manifest['kbridge_version']}, "
                    f"{len(manifest['files'])} files."))
                return
            report = backup.restore_backup(archive=options["archive"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = report.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created_at']} (K-Bridge "
            f"{manifest['kbridge_version']}) and verified it: {report.tables} tables, "
            f"{report.rows} rows, {report.files} files match the manifest."))
        for path in manifest.get("missing_files", []):
            self.stderr.write(self.style.WARNING(
                f"Warning: the backup recorded that {path} was already missing."))
        if report.pending_migrations:
            self.stdout.write(
                f"This K-Bridge has {len(report.pending_migrations)} newer migrations: run "
                "`python -m kbridge migrate` next.")
