from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kbridge.api"
    label = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        from kbridge.api import rules  # noqa: F401  (registers the permissions)
        from kbridge.api.services_webhooks import queue_fan_out
        from kbridge.core.signals import audit_recorded

        # Decisions become webhook events (api/webhook_events.py).
        audit_recorded.connect(queue_fan_out, dispatch_uid="kbridge.api.webhooks")
