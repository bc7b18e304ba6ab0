from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "kbridge.selection"
    label = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        from kbridge.selection import rules  # noqa: F401
