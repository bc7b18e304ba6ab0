from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kbridge.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from kbridge.accounts import signals  # noqa: F401
