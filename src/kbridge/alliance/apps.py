from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "kbridge.alliance"
    label = "alliance"
    verbose_name = _("Alliance and outcomes")

    def ready(self) -> None:
        # --- milestone reports: scheduled on acceptance; reminders caught up at worker start
        from kbridge.alliance import (
            rules,  # noqa: F401  (registers the permissions)
            tasks_reports,
        )
        from kbridge.alliance.services import reports

        reports.connect_signals()
        tasks_reports.connect_worker_start()
