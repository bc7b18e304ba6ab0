from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionConfig(AppConfig):
    name = "kbridge.selection"
    label = "selection"
    verbose_name = _("Selection")

    def ready(self) -> None:
        # The deciding stage's reasons wait for the announcement (evaluation's feedback page).
        from kbridge.evaluation.ranking import REASON_HOLDS
        from kbridge.selection import rules  # noqa: F401
        from kbridge.selection.services.results import reasons_held_until_announcement

        if reasons_held_until_announcement not in REASON_HOLDS:
            REASON_HOLDS.append(reasons_held_until_announcement)
        # --- agreements ---
        self.ready_agreements()
        # --- results: a worker that starts catches up on announcements it missed ---
        from kbridge.selection import tasks_results

        tasks_results.connect_worker_start()

    def ready_agreements(self) -> None:
        """Backups learn which files the agreement documents' rows name."""
        from kbridge.core import backup
        from kbridge.selection.services import agreements

        backup.register_files("selection.agreements", agreements.stored_files)
        # Agreement uploads pass the same early guard as application uploads (declared size,
        # number of files, names as sent).
        from django.urls import reverse

        from kbridge.applications.middleware import guard_uploads_of

        guard_uploads_of("selection:agreement_upload", lambda kwargs: reverse(
            "selection:my_agreement", kwargs={"application_id": kwargs["application_id"]}))
