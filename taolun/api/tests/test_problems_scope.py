"""Who may do what to which problem and research topic: role × own/other street × action, as matrices.

"Own" is street S-A's side (community C-A1's problems; the topic of 王局长, a leading cadre of S-A),
"other" is street S-B's (community C-B1's problems; the topic of 李四, a leading cadre of C-B1). The
cadre's roster entry (张三) owns a measure of each own-side problem and is on the own topic's team:
they see those, report progress and ask for extensions, and may change nothing else (403). Anything
outside a caller's scope answers 404 exactly like a missing id, and never data.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from conftest import MATRIX_ROLES, shared_org
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import Extension, Measure, MeasureUpdate, Problem
from taolun.problems.tests import conftest as ledger
from taolun.problems.tests.conftest import days
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate

from .test_activities import post

pytestmark = pytest.mark.django_db

# The ledger's fixtures, shared with taolun/problems/tests.
campaign, leader, owner, make_problem, make_topic = (
    ledger.campaign,
    ledger.leader,
    ledger.owner,
    ledger.make_problem,
    ledger.make_topic,
)

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(mixed_roles=True, campaign=True))

SIDES = ["own", "other"]
SCOPE_OF = {
    "liaison": "own",
    "liaison_b": "other",
    "liaison_reviewer": "own",
    "liaison_publicity": "own",
    "office_a": "own",
}
OFFICES = {"admin", "office", "office_a"}
EVERYWHERE = {"admin", "office"}
NOT_FOUND = {"detail": "未找到：对象不存在，或不在您的可见范围内。"}


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Each cell of a matrix sees the same data: whatever a request changed is undone afterwards (a savepoint),
    so a role's whole row of the matrix shares one prepared world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def expected(role: str, side: str, action: str, ok: dict[str, int], office_only: set[str], cadre_may: set[str]) -> int:
    if role == "anonymous":
        return 401
    if role in EVERYWHERE or SCOPE_OF.get(role) == side:
        if action in office_only and role not in OFFICES:
            return 403
        return ok.get(action, 200)
    if role == "cadre" and side == "own":
        return ok.get(action, 200) if action in cadre_may else 403
    return 404


# --- problems -------------------------------------------------------------------------------
PROBLEM_ACTIONS = [
    "detail",
    "history",
    "patch",
    "measure_add",
    "measure_patch",
    "measure_delete",
    "progress",
    "extension",
    "close",
    "decide",
]
PROBLEM_OK = {"measure_add": 201, "measure_delete": 204, "extension": 201}
PROBLEM_OFFICE_ONLY = {"close", "decide"}
PROBLEM_CADRE_MAY = {"detail", "history", "progress", "extension"}


@pytest.fixture
def ledger_world(org_mixed_roles, campaign, owner, make_problem):
    """Per side: a confirmed problem with two measures (one of them the cadre's on the own side), and a
    problem done and awaiting verification with an extension request still waiting."""
    org = org_mixed_roles
    org.problems, org.cadre_measures, org.done, org.extensions = {}, {}, {}, {}
    for side, unit, responsible in (("own", org.community_a, owner), ("other", org.community_b, org.person_b)):
        cadre = org.person_a if side == "own" else None
        problem = make_problem(unit=unit, content=f"{side}-问题：审批慢", owner=responsible)
        problem = services.problem_update(problem=problem, standard="限期办结", deadline=days(30), by=None)
        services.measure_add(problem=problem, content=f"{side}-措施一", deadline=days(20), by=None)
        measure = services.measure_add(
            problem=problem, content=f"{side}-措施二", deadline=days(20), owner=cadre, by=None
        )
        services.problem_confirm(problem=problem, by=None)
        org.problems[side], org.cadre_measures[side] = problem, measure

        done = make_problem(unit=unit, content=f"{side}-已完成的问题", confirmed=True, owner=responsible)
        services.measure_add(problem=done, content=f"{side}-措施三", deadline=days(20), owner=cadre, by=None)
        org.extensions[side] = services.extension_request(problem=done, new_deadline=days(40), reason="需要", by=None)
        for item in done.measures.all():
            services.measure_progress(measure=item, progress=100, note="完成", by=None)
        services.evidence_add(problem=done, upload=pdf(), by=None)
        org.done[side] = services.problem_finish(problem=done, result="已完成", by=None)
    return org


def perform_problem(client, org, side: str, action: str):
    problem, measure = org.problems[side], org.cadre_measures[side]
    base = f"/api/problems/{problem.pk}"
    measure_url = f"/api/problems/measures/{measure.pk}"
    if action == "detail":
        return client.get(base)
    if action == "history":
        return client.get(f"{base}/history")
    if action == "patch":
        return client.patch(base, {"standard": "改标准"}, content_type="application/json")
    if action == "measure_patch":
        return client.patch(measure_url, {"content": "改措施"}, content_type="application/json")
    if action == "measure_delete":
        return client.delete(measure_url)
    url, body = {
        "measure_add": (f"{base}/measures", {"content": "新措施", "deadline": days(10).isoformat()}),
        "progress": (f"{measure_url}/progress", {"progress": 30, "note": "推进中"}),
        "extension": (f"{base}/extensions", {"new_deadline": days(50).isoformat(), "reason": "需要上级协调"}),
        "close": (f"/api/problems/{org.done[side].pk}/transitions", {"action": "close", "note": "属实"}),
        # The problem has been done meanwhile: the request can only be refused now.
        "decide": (
            f"/api/problems/extensions/{org.extensions[side].pk}/decision",
            {"approve": False, "note": "已整改完成，无需延期"},
        ),
    }[action]
    return post(client, url, body)


def ledger_state() -> tuple:
    return (
        sorted(Problem.objects.values_list("pk", "standard", "status", "deadline", "progress")),
        sorted(Measure.objects.values_list("pk", "content", "progress")),
        MeasureUpdate.objects.count(),
        sorted(Extension.objects.values_list("pk", "status")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_problem_scope_matrix(ledger_world, as_user, role):
    for side, action in itertools.product(SIDES, PROBLEM_ACTIONS):
        with rolled_back():
            before = ledger_state()
            response = perform_problem(as_user(ledger_world.user(role)), ledger_world, side, action)
            status = expected(role, side, action, PROBLEM_OK, PROBLEM_OFFICE_ONLY, PROBLEM_CADRE_MAY)
            assert response.status_code == status, (side, action, response.content)
            if status >= 400:
                assert set(response.json()) == {"detail"}, (side, action)
                text = response.content.decode()
                assert "own-" not in text, (side, action)
                assert "other-" not in text, (side, action)
                assert ledger_state() == before, (side, action)
            elif action not in {"detail", "history"}:
                assert ledger_state() != before, (side, action)


CREATE_ROLES_WITHOUT_A_LEDGER = {"reviewer", "publicity", "citizen", "cadre"}


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_filing_a_problem_by_role_and_unit(ledger_world, as_user, role):
    org = ledger_world
    for side in SIDES:
        with rolled_back():
            unit = org.community_a if side == "own" else org.community_b
            before = ledger_state()
            body = {"campaign": "xihu", "unit": unit.pk, "content": "新问题", "source": "spot_check"}
            response = post(as_user(org.user(role)), "/api/problems", body)
            if role == "anonymous":
                status = 401
            elif role in CREATE_ROLES_WITHOUT_A_LEDGER:
                status = 403
            elif role in EVERYWHERE or SCOPE_OF[role] == side:
                status = 201
            else:
                status = 400  # a body naming a unit out of scope is an input error on that field
            assert response.status_code == status, (side, response.content)
            if status == 400:
                assert [e["field"] for e in response.json()["detail"]] == ["unit"]
            if status != 201:
                assert ledger_state() == before, side


@pytest.mark.parametrize("role", [r for r in MATRIX_ROLES if r != "anonymous"])
def test_the_ledger_and_its_summary_hold_only_the_viewers_problems(ledger_world, as_user, role):
    org = ledger_world
    client = as_user(org.user(role))
    body = client.get("/api/problems?limit=200").json()
    seen = {item["id"] for item in body["items"]}
    own = {org.problems["own"].pk, org.done["own"].pk}
    other = {org.problems["other"].pk, org.done["other"].pk}
    if role in EVERYWHERE:
        wanted = own | other
    elif role in SCOPE_OF:
        wanted = own if SCOPE_OF[role] == "own" else other
    elif role == "cadre":
        wanted = own
    else:
        wanted = set()
    assert seen == wanted
    assert body["count"] == len(wanted)
    summary = client.get("/api/problems/summary?by=status").json()
    assert summary["totals"]["total"] == len(wanted)


def test_guessing_another_streets_ids_gives_404_and_never_data(ledger_world, as_user):
    org = ledger_world
    client = as_user(org.user("liaison_b"))
    problem, measure, extension = org.problems["own"], org.cadre_measures["own"], org.extensions["own"]
    missing = {
        "problem": Problem.objects.order_by("-pk").first().pk + 100,
        "measure": Measure.objects.order_by("-pk").first().pk + 100,
        "extension": Extension.objects.order_by("-pk").first().pk + 100,
    }
    before = ledger_state()
    for ids in ({"problem": problem.pk, "measure": measure.pk, "extension": extension.pk}, missing):
        p, m, e = ids["problem"], ids["measure"], ids["extension"]
        for method, url, body in [
            ("get", f"/api/problems/{p}", None),
            ("patch", f"/api/problems/{p}", {"standard": "x"}),
            ("get", f"/api/problems/{p}/history", None),
            ("post", f"/api/problems/{p}/transitions", {"action": "dismiss", "reason": "x"}),
            ("post", f"/api/problems/{p}/measures", {"content": "x", "deadline": days(5).isoformat()}),
            ("post", f"/api/problems/{p}/extensions", {"new_deadline": days(50).isoformat(), "reason": "x"}),
            ("patch", f"/api/problems/measures/{m}", {"content": "x"}),
            ("delete", f"/api/problems/measures/{m}", None),
            ("post", f"/api/problems/measures/{m}/progress", {"progress": 10, "note": "x"}),
            ("post", f"/api/problems/extensions/{e}/decision", {"approve": True}),
        ]:
            if body is None:
                response = getattr(client, method)(url)
            else:
                response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 404, (url, response.content)
            assert response.json() == NOT_FOUND
    assert ledger_state() == before


def test_a_token_carries_exactly_the_scope_of_its_user(ledger_world, token_client):
    org = ledger_world
    client = token_client(org.user("liaison"))
    assert {item["id"] for item in client.get("/api/problems").json()["items"]} == {
        org.problems["own"].pk,
        org.done["own"].pk,
    }
    assert client.get(f"/api/problems/{org.problems['other'].pk}").status_code == 404
    response = client.patch(
        f"/api/problems/{org.problems['own'].pk}", {"standard": "令牌修改"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(action="problems.update").latest("id")
    assert entry.actor == org.user("liaison")


# --- research topics ------------------------------------------------------------------------
TOPIC_ACTIONS = ["detail", "patch", "register", "progress", "report", "accept", "return"]
TOPIC_STATUS = {
    "register": TopicStatus.DRAFT,
    "progress": TopicStatus.REGISTERED,
    "report": TopicStatus.IN_PROGRESS,
    "accept": TopicStatus.REPORTED,
    "return": TopicStatus.REPORTED,
}
TOPIC_OK = {"progress": 201}
TOPIC_OFFICE_ONLY = {"accept", "return"}
TOPIC_CADRE_MAY = {"detail"}


def topics_for(org, make_topic, leader, action: str) -> dict[str, ResearchTopic]:
    status = TOPIC_STATUS.get(action, TopicStatus.DRAFT)
    topics = {
        "own": make_topic(leader, status=status, title="own-营商环境调研"),
        "other": make_topic(org.person_b, status=status, title="other-乡村振兴调研"),
    }
    topics["own"].members.add(org.person_a)
    return topics


def perform_topic(client, topic: ResearchTopic, action: str):
    base = f"/api/research/topics/{topic.pk}"
    if action == "detail":
        return client.get(base)
    if action == "patch":
        return client.patch(base, {"plan": "改计划"}, content_type="application/json")
    body = {
        "register": {},
        "progress": {"date": days(0).isoformat(), "content": "座谈会一次"},
        "report": {"findings": "审批慢", "countermeasures": "一网通办"},
        "accept": {"note": "好"},
        "return": {"reason": "再具体些"},
    }[action]
    return post(client, f"{base}/{action}", body)


def topic_state() -> tuple:
    return (
        sorted(ResearchTopic.objects.values_list("pk", "title", "status", "plan", "findings")),
        TopicUpdate.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_topic_scope_matrix(org_mixed_roles, campaign, leader, make_topic, as_user, role):
    org = org_mixed_roles
    for side, action in itertools.product(SIDES, TOPIC_ACTIONS):
        with rolled_back():
            topics = topics_for(org, make_topic, leader, action)
            before = topic_state()
            response = perform_topic(as_user(org.user(role)), topics[side], action)
            status = expected(role, side, action, TOPIC_OK, TOPIC_OFFICE_ONLY, TOPIC_CADRE_MAY)
            assert response.status_code == status, (side, action, response.content)
            if status >= 400:
                assert set(response.json()) == {"detail"}, (side, action)
                text = response.content.decode()
                assert "营商环境" not in text, (side, action)
                assert "乡村振兴" not in text, (side, action)
                assert topic_state() == before, (side, action)
            elif action != "detail":
                assert topic_state() != before, (side, action)


@pytest.mark.parametrize("role", [r for r in MATRIX_ROLES if r != "anonymous"])
def test_the_topic_list_holds_only_the_viewers_topics(org_mixed_roles, campaign, leader, make_topic, as_user, role):
    org = org_mixed_roles
    topics = topics_for(org, make_topic, leader, "detail")
    seen = {item["id"] for item in as_user(org.user(role)).get("/api/research/topics").json()["items"]}
    if role in EVERYWHERE:
        wanted = {topics["own"].pk, topics["other"].pk}
    elif role in SCOPE_OF:
        wanted = {topics[SCOPE_OF[role]].pk}
    elif role == "cadre":
        wanted = {topics["own"].pk}
    else:
        wanted = set()
    assert seen == wanted


def test_guessing_another_streets_topic_ids_gives_404(org_mixed_roles, campaign, leader, make_topic, as_user):
    org = org_mixed_roles
    topics = topics_for(org, make_topic, leader, "accept")
    client = as_user(org.user("liaison_b"))
    before = topic_state()
    for pk in (topics["own"].pk, ResearchTopic.objects.order_by("-pk").first().pk + 100):
        for action in TOPIC_ACTIONS:
            response = perform_topic(client, ResearchTopic(pk=pk), action)
            assert response.status_code == 404, (pk, action, response.content)
            assert response.json() == NOT_FOUND
    assert topic_state() == before
