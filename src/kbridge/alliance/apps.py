from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllianceConfig(AppConfig):
    name = "kbridge.alliance"
    label = "alliance"
    verbose_name = _("Alliance and outcomes")

    def ready(self) -> None:
        # --- members and directory: selected startups join; members are matching documents ---
        from kbridge.alliance import (
            rules,  # noqa: F401  (registers the permissions)
            selectors_members,
            tasks_reports,
        )
        from kbridge.alliance.services import members as member_services
        from kbridge.selection import signals as selection_signals

        selection_signals.agreement_accepted.connect(
            member_services.on_agreement_accepted, dispatch_uid="alliance.selected_startup_joins")
        selectors_members.register_document_kind()

        # --- collaborations: a 1:1 meeting's "follow-up wanted" proposes one ---
        from kbridge.alliance.services import collaborations as collaboration_services
        from kbridge.events import signals as event_signals

        event_signals.meeting_followup.connect(
            collaboration_services.on_meeting_followup,
            dispatch_uid="alliance.meeting_followup_proposes")

        # --- milestone reports: scheduled on acceptance; reminders caught up at worker start
        from kbridge.alliance.services import reports

        reports.connect_signals()
        tasks_reports.connect_worker_start()
