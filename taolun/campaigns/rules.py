"""Named permission rules for campaigns. Campaign objects are scoped by their root unit's path."""

import rules

from taolun.accounts.predicates import is_admin, is_global_office, is_office, office_covers

from .models import CampaignStatus


@rules.predicate
def is_published(user, campaign) -> bool:  # type: ignore[no-untyped-def]
    """Started or finished campaigns are public; a draft is seen only by those preparing it."""
    return campaign is not None and campaign.status != CampaignStatus.DRAFT


rules.add_perm("campaigns.view_campaign", is_published | is_admin | office_covers)
# Whether the campaign management pages are reachable at all.
rules.add_perm("campaigns.manage_campaigns", is_admin | is_office)
# Uploading a plan: plans are shared by every campaign, so only the whole organisation's office (held
# without a unit) or an admin. Built-in plans need only manage_campaigns (see plan_load_builtin).
rules.add_perm("campaigns.load_plan", is_admin | is_global_office)
rules.add_perm("campaigns.create_campaign", is_admin | office_covers)  # object: the root unit
rules.add_perm("campaigns.change_campaign", is_admin | office_covers)  # object: the campaign
