from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top floor (docs/architecture.md, "Layers"): pages that span apps (the dashboard that
    sends each person to their console, the audit log and the outbox pages, which need to know
    who is an operator of which agency) and the demo seed, which writes through every app.
    It may import every other app; none imports it."""

    name = "kbridge.portal"
    verbose_name = _("Portal")
