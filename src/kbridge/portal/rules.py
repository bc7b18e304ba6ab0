"""Who may see the cross-app pages. The permission names keep the ``core.`` prefix: they are
about core's models (the audit log, the outbox), named where roles are known."""

import rules

from kbridge.accounts.rules import is_operator
from kbridge.accounts.tenancy import agency_ids

rules.add_perm("core.view_auditlog", is_operator)


@rules.predicate
def is_delivery_operator(user, delivery) -> bool:
    """The e-mail concerns a program of an operator organisation the user is staff of."""
    return delivery is not None and delivery.organisation_id is not None and (
        delivery.organisation_id in agency_ids(user))


# The list page: operators (who see their own organisations' mail) and administrators.
rules.add_perm("core.view_deliveries", is_operator | rules.is_superuser)
# One delivery: its program's operator staff; account mail (no organisation) admins only.
rules.add_perm("core.resend_delivery", is_delivery_operator | rules.is_superuser)
