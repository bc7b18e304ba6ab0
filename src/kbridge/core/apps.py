from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kbridge.core"
    verbose_name = _("Core")

    def ready(self):
        from kbridge.core import site  # noqa: F401 - registers the SITE_URL deploy check
