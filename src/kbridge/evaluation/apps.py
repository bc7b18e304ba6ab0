from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "kbridge.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        # The evaluator's pool profile, ties, invitations and declared conflicts in the
        # my-data export and account deletion (accounts.personal_data).
        from kbridge.accounts import personal_data
        from kbridge.evaluation import rules, selectors  # noqa: F401
        from kbridge.evaluation.services import pool

        personal_data.register("evaluation", export=selectors.personal_data_of,
                               erase=pool.erase_personal_data)
        # Evaluator expertise documents in matching's registry (affinities for assignment).
        from kbridge.evaluation import affinity

        affinity.register_kind()
