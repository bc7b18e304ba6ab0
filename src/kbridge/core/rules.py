import rules

from kbridge.accounts.rules import is_operator

rules.add_perm("core.view_auditlog", is_operator)
