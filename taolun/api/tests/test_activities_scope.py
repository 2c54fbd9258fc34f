"""Who may do what to which activity: role × own/other street × action, as a matrix.

"Own" is street S-A's activity (held by community C-A1, 张三 invited: the cadre's own roster entry),
"other" is street S-B's (李四 invited). An activity outside the caller's scope answers 404 exactly like
a missing id; an invitee sees their activity but may change nothing (403); roles that plan nothing
get 403 on the lists. A body naming people or units of another street is refused with 400 on the field.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools

import pytest
from django.utils import timezone

from conftest import MATRIX_ROLES, add_mixed_roles, make_org, module_rows
from taolun.activities import checkin
from taolun.activities.models import Activity, Attendance, Invitation
from taolun.core.models import AuditEntry
from tests.factories import PersonFactory

from .test_activities import URL, make_activity, make_campaign, post

pytestmark = pytest.mark.django_db

SIDES = ["own", "other"]
ACTIONS = [
    "detail",
    "patch",
    "participants",
    "code",
    "invite",
    "attendance",
    "minutes",
    "speeches",
    "confirm",
    "cancel",
]
VIEW_ACTIONS = {"detail"}
OFFICE_ONLY = {"confirm"}
SCOPE_OF = {
    "liaison": "own",
    "liaison_b": "other",
    "liaison_reviewer": "own",
    "liaison_publicity": "own",
    "office_a": "own",
}
# The cadre's roster entry (张三) is invited to the own side's activity only.
INVITEE_OF = {"cadre": "own"}
EVERYWHERE = {"admin", "office"}


def expected_status(role: str, side: str, action: str) -> int:
    if role == "anonymous":
        return 401
    if role in EVERYWHERE or SCOPE_OF.get(role) == side:
        if action in OFFICE_ONLY and role not in EVERYWHERE and role != "office_a":
            return 403
        return 200
    if INVITEE_OF.get(role) == side:
        return 200 if action in VIEW_ACTIONS else 403
    return 404


@module_rows
def _world():
    org = add_mixed_roles(make_org())
    campaign = make_campaign(org)
    org.activities = {
        "own": make_activity(campaign, org.community_a, title="甲街道研讨", invite=[org.person_a]),
        "other": make_activity(campaign, org.community_b, title="乙街道研讨", invite=[org.person_b]),
    }
    org.newcomers = {
        "own": PersonFactory(unit=org.community_a, name="甲新人"),
        "other": PersonFactory(unit=org.community_b, name="乙新人"),
    }
    return org


@pytest.fixture
def world(_world, db):
    return copy.deepcopy(_world)


def perform(client, org, side: str, action: str):
    activity = org.activities[side]
    invitee = org.person_a if side == "own" else org.person_b
    base = f"{URL}/{activity.pk}"
    if action == "detail":
        return client.get(base)
    if action == "participants":
        return client.get(f"{base}/participants")
    if action == "code":
        return client.get(f"{base}/code")
    if action == "patch":
        return client.patch(base, {"title": "改名"}, content_type="application/json")
    if action == "minutes":
        return client.put(f"{base}/minutes", {"minutes": "纪要"}, content_type="application/json")
    body = {
        "invite": ("invitations", {"people": [org.newcomers[side].pk]}),
        "attendance": ("attendance", {"present": [invitee.pk]}),
        "speeches": ("speeches", {"person": invitee.pk, "content": "发言"}),
        "confirm": ("confirm", {}),
        "cancel": ("cancel", {"reason": "取消"}),
    }
    path, payload = body[action]
    return post(client, f"{base}/{path}", payload)


def state() -> tuple:
    return (
        sorted(Activity.objects.values_list("pk", "title", "minutes", "status")),
        Invitation.objects.count(),
        Attendance.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(("role", "side", "action"), list(itertools.product(MATRIX_ROLES, SIDES, ACTIONS)))
def test_activity_scope_matrix(world, as_user, role, side, action):
    before = state()
    response = perform(as_user(world.user(role)), world, side, action)
    expected = expected_status(role, side, action)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"detail"}
        text = response.content.decode()
        assert "甲街道研讨" not in text
        assert "乙街道研讨" not in text
        assert state() == before
    elif action not in VIEW_ACTIONS | {"participants", "code"}:
        assert state() != before


def test_guessing_another_streets_activity_ids_gives_404_and_never_data(world, as_user):
    client = as_user(world.user("liaison_b"))
    foreign = world.activities["own"].pk
    missing_id = Activity.objects.order_by("-pk").first().pk + 100
    before = state()
    for pk in (foreign, missing_id):
        for method, suffix, body in [
            ("get", "", None),
            ("patch", "", {"place": "x"}),
            ("get", "/participants", None),
            ("get", "/code", None),
            ("get", "/speeches", None),
            ("get", "/opinions", None),
            ("get", "/attachments", None),
            ("post", "/invitations", {"units": [world.community_b.pk]}),
            ("post", "/attendance", {"present": [world.person_a.pk]}),
            ("post", "/leave/decide", {"person": world.person_a.pk, "approve": True}),
            ("put", "/minutes", {"minutes": "x"}),
            ("put", "/inspection", {"places_visited": ["x"]}),
            ("post", "/opinions", {"content": "x"}),
            ("post", "/speeches", {"person": world.person_a.pk, "content": "x"}),
            ("delete", f"/speeches/{world.person_a.pk}", None),
            ("post", "/confirm", {}),
            ("post", "/unlock", {"reason": "x"}),
            ("post", "/cancel", {"reason": "x"}),
            ("post", "/checkin", {"code": "123456"}),
            ("post", "/leave", {"reason": "x"}),
        ]:
            url = f"{URL}/{pk}{suffix}"
            if body is None:
                response = getattr(client, method)(url)
            else:
                response = getattr(client, method)(url, body, content_type="application/json")
            if method == "post" and suffix in {"/checkin", "/leave"}:
                # liaison_b has no roster entry: refused before any activity is looked up, the same for both ids.
                assert response.status_code == 400, (url, response.content)
                continue
            assert response.status_code == 404, (url, response.content)
            assert response.json() == {"detail": "未找到：对象不存在，或不在您的可见范围内。"}
    assert state() == before


def test_a_liaison_cannot_invite_people_or_units_of_another_street(world, as_user):
    client = as_user(world.user("liaison_b"))
    own = world.activities["other"]
    before = state()
    people = post(client, f"{URL}/{own.pk}/invitations", {"people": [world.person_a.pk, world.newcomers["other"].pk]})
    assert people.status_code == 400
    assert people.json()["detail"][0]["field"] == "people"
    assert str(world.person_a.pk) in people.json()["detail"][0]["message"]
    units = post(client, f"{URL}/{own.pk}/invitations", {"units": [world.community_a.pk]})
    assert units.status_code == 400
    assert units.json()["detail"][0]["field"] == "units"
    assert state() == before
    # Criteria alone never reach outside the caller's scope either.
    everyone = post(client, f"{URL}/{own.pk}/invitations", {"roles": ["party_member", "cadre", "leading_cadre"]})
    assert everyone.status_code == 200
    assert set(Invitation.objects.filter(activity=own).values_list("person__unit__path", flat=True)) == {
        world.community_b.path
    }


def test_a_walk_in_checkin_does_not_reach_another_streets_activity(world, as_user):
    """The cadre (community A1) cannot check in to street B's activity even when it admits walk-ins."""
    campaign = world.activities["own"].campaign
    foreign = make_activity(campaign, world.street_b, allow_walk_in=True)
    response = post(
        as_user(world.user("cadre")), f"{URL}/{foreign.pk}/checkin", {"code": checkin.current_code(foreign)[0]}
    )
    assert response.status_code == 404
    assert not Attendance.objects.filter(activity=foreign).exists()


@pytest.mark.parametrize("role", ["reviewer", "publicity", "cadre", "citizen"])
def test_roles_that_plan_nothing_cannot_list_or_create(world, as_user, role):
    client = as_user(world.user(role))
    assert client.get(URL).status_code == 403
    start = timezone.now()
    body = {
        "campaign": "xihu",
        "unit": world.community_a.pk,
        "kind": "seminar",
        "title": "x",
        "start_at": start.isoformat(),
        "end_at": (start + dt.timedelta(hours=1)).isoformat(),
    }
    assert post(client, URL, body).status_code == 403
    assert Activity.objects.count() == 2


@pytest.mark.parametrize(
    ("role", "titles"),
    [
        ("liaison", {"甲街道研讨"}),
        ("liaison_reviewer", {"甲街道研讨"}),
        ("office_a", {"甲街道研讨"}),
        ("liaison_b", {"乙街道研讨"}),
        ("office", {"甲街道研讨", "乙街道研讨"}),
        ("admin", {"甲街道研讨", "乙街道研讨"}),
    ],
)
def test_lists_hold_only_the_callers_subtree(world, as_user, role, titles):
    body = as_user(world.user(role)).get(f"{URL}?limit=200").json()
    assert {item["title"] for item in body["items"]} == titles
    assert body["count"] == len(titles)


def test_a_token_carries_the_scope_of_its_user(world, token_client):
    client = token_client(world.user("liaison"))
    assert client.get(f"{URL}/{world.activities['other'].pk}").status_code == 404
    response = client.patch(
        f"{URL}/{world.activities['own'].pk}", {"place": "令牌修改"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert Activity.objects.get(pk=world.activities["own"].pk).place == "令牌修改"


# --- queries ------------------------------------------------------------------------------
# Session and user (2), the viewer's roles (1); then count, the page's ids, the rows with their counts,
# and the kinds' names (4).
LIST_QUERIES = 2 + 1 + 4
# Session and user (2); the person (1); count, the rows with status and check-in, the kinds' names (3).
MINE_QUERIES = 2 + 1 + 3


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize("role", ["office", "liaison"])
def test_the_list_query_count_is_flat(org, as_user, django_assert_num_queries, role, size):
    campaign = make_campaign(org)
    people = PersonFactory.create_batch(3, unit=org.community_a)
    for i in range(size):
        activity = make_activity(campaign, org.community_a, title=f"活动{i}", invite=people)
        checkin.attendance_mark(activity=activity, present=[people[0].pk], by=None)
    client = as_user(org.user(role))
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(URL)
    items = response.json()["items"]
    assert len(items) == size
    assert {(item["invited_count"], item["present_count"]) for item in items} == {(3, 1)}
    with django_assert_num_queries(LIST_QUERIES + 1):  # the campaign named in the filter
        assert client.get(f"{URL}?campaign=xihu").json()["count"] == size


@pytest.mark.parametrize("size", [1, 12])
def test_mine_query_count_is_flat(org, as_user, django_assert_num_queries, size):
    campaign = make_campaign(org)
    for i in range(size):
        make_activity(campaign, org.community_a, title=f"活动{i}", invite=[org.person_a])
    client = as_user(org.user("cadre"))
    with django_assert_num_queries(MINE_QUERIES):
        response = client.get(f"{URL}/mine")
    assert len(response.json()["items"]) == size
