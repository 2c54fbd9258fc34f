"""Named permission rules for reflection articles. The object is an Article (to start one: the author's Person;
for the call, the re-check and the office list: the Campaign).

- writing, submitting, withdrawing: the author themself (a party member or cadre on the roster);
- seeing an article: the author, its assigned reviewer, the office and liaisons covering the author's unit,
  and publicity staff covering it once it is excellent or published;
- reviewing (return, approve, mark excellent) and seeing the copy check: the assigned reviewer and the office;
- assigning reviewers, setting the call, re-checking a campaign: the office covering it;
- publishing on the public site: publicity staff covering the author's unit (and admins);
- the reference library: the office and admins.
"""

from __future__ import annotations

from typing import Any

import rules

from taolun.accounts.models import Role
from taolun.accounts.predicates import is_admin, liaison_covers, object_path, office_covers
from taolun.accounts.selectors import covers, has_role
from taolun.problems.rules import own_person


def _eligible(person: Any) -> bool:
    return bool(person.is_active and (person.is_party_member or person.is_cadre or person.is_leading_cadre))


@rules.predicate
def is_author(user: Any, obj: Any) -> bool:
    """``obj`` is an article ``user`` wrote, or ``user``'s own roster entry as a party member or cadre."""
    person = own_person(user)
    if person is None or obj is None:
        return False
    if hasattr(obj, "author_id"):
        return bool(obj.author_id == person.pk)
    return bool(obj.pk == person.pk and _eligible(person))


@rules.predicate
def writes_articles(user: Any) -> bool:
    person = own_person(user)
    return person is not None and _eligible(person)


@rules.predicate
def is_assigned_reviewer(user: Any, article: Any) -> bool:
    if article is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(article, "reviewer_id", None) == user.pk and has_role(user, Role.REVIEWER))


@rules.predicate
def publicity_covers(user: Any, obj: Any) -> bool:
    return covers(user, [Role.PUBLICITY], object_path(obj))


@rules.predicate
def is_excellent(user: Any, article: Any) -> bool:
    return getattr(article, "status", None) in ("excellent", "published")


@rules.predicate
def reviews_articles(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE, Role.REVIEWER)


@rules.predicate
def browses_articles(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE, Role.LIAISON)


@rules.predicate
def publishes_articles(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.PUBLICITY)


@rules.predicate
def manages_references(user: Any) -> bool:
    return has_role(user, Role.ADMIN, Role.OFFICE)


rules.add_perm("articles.write", writes_articles)
rules.add_perm("articles.add_article", is_author)  # object: the author's Person
rules.add_perm("articles.change_article", is_author)
rules.add_perm(
    "articles.view_article",
    is_author | is_assigned_reviewer | office_covers | liaison_covers | (publicity_covers & is_excellent),
)
rules.add_perm("articles.review_queue", reviews_articles)
rules.add_perm("articles.review_article", is_assigned_reviewer | office_covers)
rules.add_perm("articles.view_check", is_assigned_reviewer | office_covers)
rules.add_perm("articles.browse_articles", browses_articles)
rules.add_perm("articles.assign_reviewer", office_covers)
rules.add_perm("articles.manage_call", office_covers)  # object: the Campaign
rules.add_perm("articles.recheck", office_covers)  # object: the Campaign
rules.add_perm("articles.publish_queue", publishes_articles)
rules.add_perm("articles.publish_article", (publicity_covers | is_admin) & is_excellent)
rules.add_perm("articles.manage_references", manages_references)
