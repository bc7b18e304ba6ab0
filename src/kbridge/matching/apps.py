from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "kbridge.matching"
    label = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        from kbridge.matching import checks, documents, signals  # noqa: F401

        # Matching's own kinds; apps above matching register theirs (matching/registry.py).
        documents.register_kinds()
