from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "kbridge.applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # accounts sits below applications: this app adds its part of a person's data export
        # and of account deletion (accounts.personal_data).
        from kbridge.accounts import personal_data
        from kbridge.applications import selectors, services
        from kbridge.core import backup

        personal_data.register("applications", export=selectors.personal_data_of,
                               erase=services.erase_personal_data)
        # core sits below too: backups learn from here which files the attachment rows name.
        backup.register_files("applications", services.stored_files)
