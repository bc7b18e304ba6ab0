"""``python -m kbridge api_schema [--check] [--output PATH]``: the committed OpenAPI schema.

Writes the API's schema (``kbridge.api.main.api``) as sorted, indented JSON to
``docs/openapi.json`` of the checkout, or with ``--check`` exits 1 when the file differs from
the code (CI runs this through ``tests/api/test_schema.py``).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kbridge.api.schema_file import DEFAULT_PATH, render_schema


class Command(BaseCommand):
    help = "Write (or --check) the committed OpenAPI schema docs/openapi.json."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="exit 1 when the file differs from the code")
        parser.add_argument("--output", default=str(DEFAULT_PATH))

    def handle(self, *args, check: bool, output: str, **options):
        path = Path(output)
        text = render_schema()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                diff = "".join(list(difflib.unified_diff(
                    current.splitlines(keepends=True), text.splitlines(keepends=True),
                    str(path), "code"))[:80])
                raise CommandError(f"{path} differs from the code; run "
                                   f"`python -m kbridge api_schema`.\n{diff}")
            self.stdout.write(f"{path} matches the code.")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
