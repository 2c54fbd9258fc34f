"""The ledger's rules as a matrix: every ``problems.*`` rule × role × an object in the role's own scope
(street S-A) or another (street S-B), asked of the rules directly.

- "own": a problem of S-A with a measure owned by 赵科长 (``owner``, community A1 under S-A); the unit S-A;
  the self-examination and roster entry of 王局长 (``leader``, a leading cadre of S-A);
- "other": a problem of S-B; the unit S-B; the self-examination and roster entry of 李四 (a leading
  cadre of community B1, without an account).

The liaison works for S-A, liaison_b for S-B, office_a is an office scoped to S-A; cadre is 张三's
account (community A1, not a leading cadre). A rule added to ``problems/rules.py`` without a row here
fails ``test_every_registered_rule_has_a_row``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from rules.permissions import permissions

from conftest import shared_org
from taolun.accounts.models import User
from taolun.problems import services
from taolun.problems.selfexam import self_examination_save

from .conftest import days

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]
TARGETS = ["own", "other"]

Y, N = True, False
EVERYWHERE, OWN, OTHER, NOWHERE = (Y, Y), (Y, N), (N, Y), (N, N)
NONE = dict.fromkeys(ROLES, NOWHERE)
MANAGERS = {**NONE, "admin": EVERYWHERE, "office": EVERYWHERE, "office_a": OWN, "liaison": OWN, "liaison_b": OTHER}
OFFICES = {**NONE, "admin": EVERYWHERE, "office": EVERYWHERE, "office_a": OWN}

# EXPECTED[rule][role] = (own, other)
EXPECTED: dict[str, dict[str, tuple[bool, bool]]] = {
    "browse_ledger": {
        **NONE,
        **dict.fromkeys(["admin", "office", "office_a", "liaison", "liaison_b", "leader"], EVERYWHERE),
    },
    "work_on_tasks": {**NONE, **dict.fromkeys(["leader", "owner", "cadre"], EVERYWHERE)},
    "examine_self": {**NONE, "leader": EVERYWHERE},
    "add_problem": {**MANAGERS, "leader": OWN},
    "import_ledger": MANAGERS,
    "view_problem": {**MANAGERS, "leader": OWN, "owner": OWN},
    "change_problem": MANAGERS,
    "confirm_problem": MANAGERS,
    "report_progress": {**MANAGERS, "owner": OWN},
    "verify_problem": OFFICES,
    "decide_extension": OFFICES,
    "view_self_examination": {**OFFICES, "leader": OWN},
    "change_self_examination": {**NONE, "leader": OWN},
}
# What each rule is asked about.
OBJECT = {
    "browse_ledger": None,
    "work_on_tasks": None,
    "examine_self": None,
    "add_problem": "unit",
    "import_ledger": "unit",
    "view_self_examination": "examination",
    "change_self_examination": "person",
}


def test_every_registered_rule_has_a_row():
    registered = {name.split(".", 1)[1] for name in permissions if name.startswith("problems.")}
    assert registered == set(EXPECTED)
    for rule, row in EXPECTED.items():
        assert set(row) == set(ROLES), rule


@pytest.fixture
def targets(org_mixed_roles, campaign, leader, owner, make_problem):
    org = org_mixed_roles
    own = make_problem()
    services.measure_add(problem=own, content="整改措施", deadline=days(10), owner=owner, by=None)
    other = make_problem(unit=org.street_b)
    items = [{"aspect": "政治定力", "gap": "学习不深", "measure": "每周自学"}]
    return {
        "own": {
            None: None,
            "problem": own,
            "unit": org.street_a,
            "person": leader,
            "examination": self_examination_save(campaign=campaign, person=leader, items=items, by=None),
        },
        "other": {
            None: None,
            "problem": other,
            "unit": org.street_b,
            "person": org.person_b,
            "examination": self_examination_save(campaign=campaign, person=org.person_b, items=items, by=None),
        },
    }


def fresh(org, role: str):
    """The user as a new request would load it (no remembered roles or roster entry)."""
    user = org.users.get(role)
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ROLES)
def test_rule_matrix(org_mixed_roles, targets, role, target):
    user = fresh(org_mixed_roles, role)
    got = {rule: user.has_perm(f"problems.{rule}", targets[target][OBJECT.get(rule, "problem")]) for rule in EXPECTED}
    want = {rule: EXPECTED[rule][role][TARGETS.index(target)] for rule in EXPECTED}
    assert got == want


@pytest.mark.django_db
def test_progress_is_asked_of_a_measure_too(org, targets):
    own_measure = targets["own"]["problem"].measures.get()
    other_measure = services.measure_add(
        problem=targets["other"]["problem"], content="措施", deadline=days(10), by=None
    )
    assert fresh(org, "owner").has_perm("problems.report_progress", own_measure)
    assert not fresh(org, "owner").has_perm("problems.report_progress", other_measure)
    assert fresh(org, "liaison_b").has_perm("problems.report_progress", other_measure)
    assert not fresh(org, "liaison").has_perm("problems.report_progress", other_measure)


@pytest.mark.django_db
def test_the_problems_own_owner_may_see_it_and_report(org, make_problem, owner):
    problem = make_problem(owner=owner)  # no measures: ownership of the problem itself
    user = fresh(org, "owner")
    assert user.has_perm("problems.view_problem", problem)
    assert user.has_perm("problems.report_progress", problem)
    assert not user.has_perm("problems.change_problem", problem)


@pytest.mark.django_db
def test_a_leader_reaches_down_their_units_subtree_but_not_up(org, leader, make_problem):
    below = make_problem(unit=org.community_a)
    above = make_problem(unit=org.district)
    user = fresh(org, "leader")
    assert user.has_perm("problems.view_problem", below)
    assert user.has_perm("problems.add_problem", org.community_a)
    assert not user.has_perm("problems.view_problem", above)
    assert not user.has_perm("problems.add_problem", org.district)


@pytest.mark.django_db
def test_a_leader_taken_off_the_roster_loses_the_leaders_rights(org, leader, make_problem):
    problem = make_problem()
    leader.is_active = False
    leader.save()
    user = fresh(org, "leader")
    assert not user.has_perm("problems.view_problem", problem)
    assert not user.has_perm("problems.add_problem", org.street_a)
    assert not user.has_perm("problems.examine_self")
    assert not user.has_perm("problems.work_on_tasks")
