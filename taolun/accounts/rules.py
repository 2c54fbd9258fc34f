"""Named permission rules for accounts."""

import rules

from .predicates import is_admin, is_office

# Assigning login roles and scopes: the office (within its own scope, checked by the service) and admins.
rules.add_perm("accounts.assign_roles", is_admin | is_office)
rules.add_perm("accounts.manage_own_tokens", rules.is_authenticated)
rules.add_perm("core.view_audit", is_admin | is_office)
