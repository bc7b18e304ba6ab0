from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "kbridge.alliance"
    label = "alliance"
    verbose_name = _("Alliance and outcomes")

    def ready(self) -> None:
        from kbridge.alliance import rules  # noqa: F401  (registers the permissions)
