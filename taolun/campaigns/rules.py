"""Named permission rules for campaigns."""

import rules

from taolun.accounts.predicates import is_admin, is_office, office_covers

rules.add_perm("campaigns.view_campaign", rules.always_allow)
rules.add_perm("campaigns.manage_campaigns", is_admin | is_office)
rules.add_perm("campaigns.create_campaign", is_admin | is_office)  # object: the root unit
rules.add_perm("campaigns.change_campaign", is_admin | office_covers)
