import rules

from kbridge.accounts.rules import is_operator, is_partner_staff, is_startup_member
from kbridge.programs.rules import is_program_operator, is_track_partner

rules.add_perm("matching.view_recommendations", is_startup_member)
rules.add_perm("matching.view_track_applicants", is_program_operator | is_track_partner)
rules.add_perm("matching.search_startups", is_partner_staff | is_operator)

# The embedding model is one for the whole platform: only its administrators see and switch it.
rules.add_perm("matching.manage_model", rules.is_superuser)
