"""Named permission rules for the online discussion.

Objects: a Campaign (the site's settings, routing, the moderation queue, the inbox), a Suggestion,
a Comment or a Reply.

- reading: anyone, signed in or not, reads published suggestions and comments; authors also see their
  own held ones; moderators and the answering department see everything they handle;
- taking part (posting, commenting, voting, following, reporting): any signed-in user; blocking and
  real-name checks are the services' business, so that a refusal says why;
- moderating (approve, reject, hide, restore, block, the word list): the office, publicity staff and
  admins covering the campaign's organisation;
- routing suggestions, the discussion settings and offline import: the office covering the campaign;
- replying: liaisons covering the responsible department, and the office covering the campaign;
- rating a reply: the suggestion's author;
- seeing who is behind a nickname (real name, phone, address): moderators only.
"""

from __future__ import annotations

from typing import Any

import rules

from taolun.accounts.models import Role
from taolun.accounts.selectors import covers, has_role

MODERATORS = (Role.ADMIN, Role.OFFICE, Role.PUBLICITY)
OFFICE = (Role.ADMIN, Role.OFFICE)


def _campaign_path(obj: Any) -> str | None:
    """The campaign's organisation path for a Campaign, Suggestion, Comment or Reply."""
    if obj is None:
        return None
    if hasattr(obj, "root_unit_id"):
        return str(obj.root_unit.path)
    if hasattr(obj, "suggestion_id"):
        obj = obj.suggestion
    campaign = getattr(obj, "campaign", None)
    return None if campaign is None else str(campaign.root_unit.path)


def _suggestion(obj: Any) -> Any:
    return obj.suggestion if hasattr(obj, "suggestion_id") else obj


@rules.predicate
def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@rules.predicate
def moderates(user: Any, obj: Any) -> bool:
    return covers(user, MODERATORS, _campaign_path(obj))


@rules.predicate
def runs_campaign(user: Any, obj: Any) -> bool:
    return covers(user, OFFICE, _campaign_path(obj))


@rules.predicate
def answers_for(user: Any, obj: Any) -> bool:
    """``user`` is a liaison covering the department the suggestion is routed to."""
    suggestion = _suggestion(obj)
    department = getattr(suggestion, "department", None)
    return department is not None and covers(user, [Role.LIAISON], department.path)


@rules.predicate
def is_author(user: Any, obj: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or obj is None:
        return False
    suggestion = _suggestion(obj) if obj.__class__.__name__ == "Reply" else obj
    author = getattr(suggestion, "author", None)
    return author is not None and author.user_id == user.pk


@rules.predicate
def is_public(user: Any, obj: Any) -> bool:
    if obj is None or getattr(obj, "status", None) != "published":
        return False
    if obj.__class__.__name__ == "Comment":
        return bool(obj.suggestion.status == "published")
    return True


@rules.predicate
def handles_discussion(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE, Role.PUBLICITY, Role.LIAISON)


@rules.predicate
def moderates_somewhere(user: Any) -> bool:
    return has_role(user, *MODERATORS)


rules.add_perm("discussion.participate", signed_in)
rules.add_perm("discussion.view_item", is_public | is_author | moderates | runs_campaign | answers_for)
rules.add_perm("discussion.moderate", moderates)  # object: a Campaign, Suggestion or Comment
rules.add_perm("discussion.moderation_queue", moderates_somewhere)
rules.add_perm("discussion.view_identity", moderates)
rules.add_perm("discussion.manage_forum", runs_campaign)  # object: the Campaign
rules.add_perm("discussion.route", runs_campaign)  # object: the Suggestion
rules.add_perm("discussion.reply", answers_for | runs_campaign)  # object: the Suggestion
rules.add_perm("discussion.inbox", handles_discussion)
rules.add_perm("discussion.rate", is_author)  # object: the Reply
