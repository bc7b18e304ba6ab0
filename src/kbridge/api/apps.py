from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kbridge.api"
    label = "api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        from kbridge.accounts import personal_data
        from kbridge.api import (
            rules,  # noqa: F401  (registers the permissions)
            selectors,
            webhook_events,
        )
        from kbridge.api.services_webhooks import erase_personal_data, queue_fan_out
        from kbridge.core.audit_display import register_value_labels
        from kbridge.core.signals import audit_recorded

        # Decisions become webhook events (api/webhook_events.py).
        audit_recorded.connect(queue_fan_out, dispatch_uid="kbridge.api.webhooks")
        # The audit log shows event types by their labels.
        register_value_labels("event_types", webhook_events.label)
        # Tokens and webhooks in the my-data export and account deletion.
        personal_data.register("api", export=selectors.personal_data_of,
                               erase=erase_personal_data)
