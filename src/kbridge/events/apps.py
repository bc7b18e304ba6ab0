from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "kbridge.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        # --- attendees: a worker that starts expires the waitlist offers it missed ---
        from kbridge.events import (
            rules,  # noqa: F401  (registers the permissions)
            tasks_attendees,
        )

        # --- tickets: issued and revoked from the attendees' signals ---
        from kbridge.events.services import tickets  # noqa: F401  (connects its receivers)

        tasks_attendees.connect_worker_start()
