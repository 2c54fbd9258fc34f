"""Every permission of ``rules.py`` for every viewer of the matrices (``MATRIX_ROLES`` of
``org_mixed_roles``), the district department's liaison and the author, on objects inside and outside
their scope: the district's campaign (the built-in plan), one over street A and one over street B.

Then the selectors are held to the same rules: what a viewer may open, answer or moderate is what the
lists give them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import MATRIX_ROLES
from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services as campaign_services
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.discussion import selectors, services
from taolun.discussion.models import Reply, Visibility
from taolun.discussion.tests.conftest import campaign_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = [*MATRIX_ROLES, "dept_liaison", "author"]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
MODERATORS = {"admin", "office", "publicity", "liaison_publicity"}  # over every campaign
OFFICE = {"admin", "office"}  # runs every campaign
STREET_A_OFFICE = {"office_a"}  # moderates and runs street A's campaign only
STREET_A_LIAISONS = {"liaison", "liaison_reviewer", "liaison_publicity"}
SPAM = "这里有人在卖假药"
ANSWER = "经核查，已安排工作人员周末轮班，服务大厅周六上午开放。"


def new_campaign(root, *, key: str):
    plan = campaign_services.plan_load(source=plan_yaml(plan_data(key=key)), by=None)
    created = campaign_services.campaign_create(
        plan=plan, root_unit=root, slug=key, start_date=campaign_start(), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


class World:
    """The viewers by role name and the objects by name."""

    def __init__(self, users: dict[str, Any], objects: dict[str, Any]) -> None:
        self.users = users
        self.objects = objects

    def allowed(self, perm: str, obj_name: str | None) -> set[str]:
        obj = self.objects[obj_name] if obj_name else None
        return {role for role, user in self.users.items() if user.has_perm(f"discussion.{perm}", obj)}


@pytest.fixture
def world(org_mixed_roles, campaign, dept_liaison, words) -> World:
    org = org_mixed_roles
    author = UserFactory(username="author", display_name="作者")
    RoleAssignment.objects.create(user=author, role=Role.CITIZEN, unit=None)
    services.participant_ensure(user=author, nickname="建言人")
    words("假药")
    counter = iter(range(1, 100))

    def suggest(on, **kw):
        n = next(counter)
        return services.suggestion_create(
            campaign=on,
            theme=on.themes.order_by("order", "id").first(),
            title=kw.pop("title", f"第{n}条建言的标题"),
            body=kw.pop("body", f"建议社区在周末延长服务大厅的开放时间，第{n}条。"),
            by=author,
        )

    def route(suggestion, unit):
        return services.suggestion_route(suggestion=suggestion, department=unit, by=None)

    street_a = new_campaign(org.street_a, key="disc-street-a")
    street_b = new_campaign(org.street_b, key="disc-street-b")

    s_d = route(suggest(campaign), org.department)
    held_d = suggest(campaign, body=f"{SPAM}，请有关部门查处。")
    assert held_d.status == Visibility.PENDING
    comment_d = services.comment_create(suggestion=s_d, body="作者自己的补充说明", by=author)
    held_comment_d = services.comment_create(suggestion=s_d, body=SPAM, by=author)
    assert held_comment_d.status == Visibility.PENDING

    s_a = route(suggest(street_a), org.community_a)
    hidden_a = route(suggest(street_a), org.community_a)
    comment_hidden_a = services.comment_create(suggestion=hidden_a, body="隐藏前的评论", by=author)
    services.moderate(item=hidden_a, action="hide", note="待核实", by=None)
    hidden_a.refresh_from_db()
    s_b = route(suggest(street_b), org.community_b)

    users = {role: org.users.get(role) or AnonymousUser() for role in MATRIX_ROLES}
    users["dept_liaison"] = dept_liaison
    users["author"] = author
    objects = {
        "campaign_d": campaign,
        "campaign_a": street_a,
        "campaign_b": street_b,
        "s_d": s_d,
        "held_d": held_d,
        "comment_d": comment_d,
        "held_comment_d": held_comment_d,
        "s_a": s_a,
        "hidden_a": hidden_a,
        "comment_hidden_a": comment_hidden_a,
        "s_b": s_b,
        # Replies are checked unsaved: the rule reads only whose suggestion they answer.
        "reply_d": Reply(suggestion=s_d, department=org.department, body=ANSWER),
        "reply_a": Reply(suggestion=s_a, department=org.community_a, body=ANSWER),
    }
    return World(users, objects)


MODERATE_D = MODERATORS
MODERATE_A = MODERATORS | STREET_A_OFFICE
ANSWER_A = OFFICE | STREET_A_OFFICE | STREET_A_LIAISONS

EXPECTED: dict[str, dict[str | None, set[str]]] = {
    "participate": {None: SIGNED_IN},
    "moderation_queue": {None: MODERATORS | STREET_A_OFFICE},
    "inbox": {None: OFFICE | STREET_A_OFFICE | STREET_A_LIAISONS | {"liaison_b", "publicity", "dept_liaison"}},
    "moderate": {
        "campaign_d": MODERATE_D,
        "s_d": MODERATE_D,
        "held_d": MODERATE_D,
        "comment_d": MODERATE_D,
        "held_comment_d": MODERATE_D,
        "campaign_a": MODERATE_A,
        "s_a": MODERATE_A,
        "hidden_a": MODERATE_A,
        "comment_hidden_a": MODERATE_A,
        "campaign_b": MODERATORS,
        "s_b": MODERATORS,
    },
    "view_identity": {
        "campaign_d": MODERATE_D,
        "s_d": MODERATE_D,
        "campaign_a": MODERATE_A,
        "s_a": MODERATE_A,
        "campaign_b": MODERATORS,
        "s_b": MODERATORS,
    },
    "manage_forum": {"campaign_d": OFFICE, "campaign_a": OFFICE | STREET_A_OFFICE, "campaign_b": OFFICE},
    "route": {"s_d": OFFICE, "held_d": OFFICE, "s_a": OFFICE | STREET_A_OFFICE, "s_b": OFFICE},
    "reply": {
        "s_d": OFFICE | {"dept_liaison"},
        "held_d": OFFICE,  # not routed: no department answers it yet
        "s_a": ANSWER_A,
        "hidden_a": ANSWER_A,
        "s_b": OFFICE | {"liaison_b"},
    },
    "rate": {"reply_d": {"author"}, "reply_a": {"author"}},
    "view_item": {
        "s_d": EVERYONE,
        "comment_d": EVERYONE,
        "s_a": EVERYONE,
        "s_b": EVERYONE,
        "held_d": {"author"} | MODERATORS | OFFICE,
        "held_comment_d": {"author"} | MODERATORS | OFFICE | {"dept_liaison"},
        "hidden_a": {"author"} | MODERATE_A | STREET_A_LIAISONS,
        "comment_hidden_a": {"author"} | MODERATE_A | STREET_A_LIAISONS,
    },
}


def test_every_rule_of_rules_py_is_in_the_matrix():
    import rules

    from taolun.discussion import rules as _discussion_rules  # noqa: F401  (registers the rules)

    registered = {name.split(".", 1)[1] for name in rules.permissions.permissions if name.startswith("discussion.")}
    assert registered == set(EXPECTED)


@pytest.mark.parametrize("perm", list(EXPECTED))
def test_permission_matrix(world, perm):
    wrong = {}
    for obj_name, expected in EXPECTED[perm].items():
        got = world.allowed(perm, obj_name)
        if got != expected:
            wrong[obj_name] = {"missing": sorted(expected - got), "extra": sorted(got - expected)}
    assert wrong == {}


def test_the_suggestions_a_viewer_may_open_are_those_the_rule_allows(world):
    suggestions = [name for name in world.objects if name.startswith(("s_", "held_d", "hidden_"))]
    for role, user in world.users.items():
        visible = set(selectors.visible_suggestions(user).values_list("pk", flat=True))
        for name in suggestions:
            obj = world.objects[name]
            assert (obj.pk in visible) == user.has_perm("discussion.view_item", obj), (role, name)


def test_the_inbox_holds_what_the_viewer_may_answer(world):
    routed = [world.objects[name] for name in ("s_d", "s_a", "s_b")]
    for role, user in world.users.items():
        if not user.is_authenticated:
            continue
        inbox = set(selectors.inbox(user, state="all").values_list("pk", flat=True))
        for suggestion in routed:
            assert (suggestion.pk in inbox) == user.has_perm("discussion.reply", suggestion), (role, suggestion.title)


def test_the_moderated_campaigns_are_those_the_rule_allows(world):
    campaigns = [world.objects[name] for name in ("campaign_d", "campaign_a", "campaign_b")]
    for role, user in world.users.items():
        listed = set(selectors.moderated_campaigns(user).values_list("pk", flat=True))
        for campaign in campaigns:
            allowed = user.has_perm("discussion.moderate", campaign)
            assert (campaign.pk in listed) == allowed, (role, campaign.slug)
            queued, _comments = selectors.moderation_queue(user, campaign, "hidden")
            assert queued.exists() == (allowed and campaign == world.objects["campaign_a"]), (role, campaign.slug)


def test_the_office_list_is_for_those_who_run_the_campaign(world):
    for role, user in world.users.items():
        for name in ("campaign_d", "campaign_a", "campaign_b"):
            campaign = world.objects[name]
            listed = selectors.office_suggestions(user, campaign).exists()
            assert listed == user.has_perm("discussion.manage_forum", campaign), (role, name)


def test_the_services_refuse_what_the_rules_refuse(world):
    """A sample through the services: moderating, routing and replying outside one's scope."""
    from django.core.exceptions import PermissionDenied

    s_b = world.objects["s_b"]
    office_a = world.users["office_a"]
    liaison = world.users["liaison"]
    with pytest.raises(PermissionDenied):
        services.moderate(item=s_b, action="hide", note="越权", by=office_a)
    with pytest.raises(PermissionDenied):
        services.suggestion_route(suggestion=s_b, department=s_b.department, by=office_a)
    with pytest.raises(PermissionDenied):
        services.forum_update(forum=services.forum_of(s_b.campaign), by=office_a, days_ask=3)
    with pytest.raises(PermissionDenied):
        services.participant_block(
            participant=world.users["author"].participant, reason="越权", by=liaison, campaign=s_b.campaign
        )
    s_a = world.objects["s_a"]
    services.suggestion_route(suggestion=s_a, department=s_a.department, by=office_a)
    services.moderate(item=s_a, action="hide", note="本街道的活动", by=office_a)
