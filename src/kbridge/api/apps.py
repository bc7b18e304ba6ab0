from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kbridge.api"
    label = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        from kbridge.api import rules  # noqa: F401  (registers the permissions)
