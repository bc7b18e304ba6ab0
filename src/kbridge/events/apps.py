from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "kbridge.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from kbridge.events import rules  # noqa: F401  (registers the permissions)
        from kbridge.events.services import tickets  # noqa: F401  (connects its receivers)
