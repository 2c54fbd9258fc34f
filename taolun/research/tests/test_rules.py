"""Research topic rules as a matrix: every ``research.*`` rule × role × own scope (street S-A) / other (S-B).

- "own": the topic of 王局长 (``leader``, a leading cadre of S-A), whose team 赵科长 (``owner``) is on;
  to register a topic, 王局长's roster entry;
- "other": the topic of 李四 (a leading cadre of community B1 under S-B, without an account); his roster entry.

A rule added to ``research/rules.py`` without a row here fails ``test_every_registered_rule_has_a_row``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rules.permissions import permissions

from conftest import shared_org
from taolun.accounts.models import User
from taolun.research import services
from tests.factories import PersonFactory

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]
TARGETS = ["own", "other"]

Y, N = True, False
EVERYWHERE, OWN, OTHER, NOWHERE = (Y, Y), (Y, N), (N, Y), (N, N)
NONE = dict.fromkeys(ROLES, NOWHERE)
MANAGERS = {**NONE, "admin": EVERYWHERE, "office": EVERYWHERE, "office_a": OWN, "liaison": OWN, "liaison_b": OTHER}
OFFICES = {**NONE, "admin": EVERYWHERE, "office": EVERYWHERE, "office_a": OWN}

EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "browse_topics": {**NONE, **dict.fromkeys(["admin", "office", "office_a", "liaison", "liaison_b"], EVERYWHERE)},
    "lead_topic": {**NONE, "leader": EVERYWHERE},
    "add_topic": {**MANAGERS, "leader": OWN},
    "view_topic": {**MANAGERS, "leader": OWN, "owner": OWN},
    "change_topic": {**MANAGERS, "leader": OWN},
    "decide_topic": OFFICES,
}
OBJECT = {"browse_topics": None, "lead_topic": None, "add_topic": "person"}


def test_every_registered_rule_has_a_row():
    registered = {name.split(".", 1)[1] for name in permissions if name.startswith("research.")}
    assert registered == set(EXPECTED)
    for rule, row in EXPECTED.items():
        assert set(row) == set(ROLES), rule


@pytest.fixture
def targets(org_mixed_roles, campaign, leader, owner, make_topic):
    org = org_mixed_roles
    own = make_topic(leader)
    services.topic_update(topic=own, members=[owner], by=None)
    other = make_topic(org.person_b, title="乡村振兴调研")
    return {
        "own": {None: None, "topic": own, "person": leader},
        "other": {None: None, "topic": other, "person": org.person_b},
    }


def fresh(org, role: str):
    user = org.users.get(role)
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_rule_matrix(org_mixed_roles, targets, role, target):
    user = fresh(org_mixed_roles, role)
    got = {rule: user.has_perm(f"research.{rule}", targets[target][OBJECT.get(rule, "topic")]) for rule in EXPECTED}
    want = {rule: EXPECTED[rule][role][TARGETS.index(target)] for rule in EXPECTED}
    assert got == want


@pytest.mark.django_db
def test_a_leader_registers_only_their_own_topic(org, leader):
    colleague = PersonFactory(unit=org.street_a, name="副局长", is_leading_cadre=True)
    user = fresh(org, "leader")
    assert user.has_perm("research.add_topic", leader)
    assert not user.has_perm("research.add_topic", colleague)


@pytest.mark.django_db
def test_a_team_member_reads_but_does_not_write(org, leader, owner, make_topic):
    topic = make_topic(leader)
    user = fresh(org, "owner")
    assert not user.has_perm("research.view_topic", topic)
    services.topic_update(topic=topic, members=[owner], by=None)
    user = fresh(org, "owner")
    assert user.has_perm("research.view_topic", topic)
    assert not user.has_perm("research.change_topic", topic)
    assert not user.has_perm("research.decide_topic", topic)
