"""``python -m kbridge embeddings status|switch``: which embedding model serves, and switching.

``status`` prints the serving model, the configured one (``KBRIDGE_EMBEDDING_MODEL``) and the
latest switch with its progress. ``switch`` starts the switch to the configured model (or
resumes it, or does nothing when it already serves) — what every worker also does when it
starts; the re-embedding itself runs in the worker, batch by batch. It loads the model here
first, so a model that cannot be loaded is reported at once (exit status 1), and the
serving model stays.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kbridge.matching import services, store


class Command(BaseCommand):
    help = ("Show which embedding model serves (status) or switch to KBRIDGE_EMBEDDING_MODEL "
            "(switch: re-embeds every document in the worker, then serves the new model).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "switch"])

    def handle(self, *args, action, **options):
        if action == "switch":
            switch = services.start_switch()
            if switch is None:
                self.stdout.write("The configured model already serves; nothing to do.")
            elif switch.status == switch.Status.FAILED:
                raise CommandError(switch.error)
            elif switch.status == switch.Status.RUNNING:
                self.stdout.write(f"Re-embedding {switch.total} documents in the worker "
                                  "(python -m kbridge worker); pages use the serving model "
                                  "until it is done.")
        for line in store.status_lines(store.model_status()):
            self.stdout.write(line)
