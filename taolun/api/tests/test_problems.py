"""/api/problems: file problems, keep the five clarities and measures, report progress, extend, verify, close.

The fixtures come from the ledger's own tests: street A's problems, owner 赵科长 (community A1, user
``owner``) and the built-in plan's campaign ``xihu`` running around today.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import shared_org
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import Extension, Measure, MeasureUpdate, Problem, ProblemStatus
from taolun.problems.tests import conftest as ledger
from taolun.problems.tests.conftest import days

from .test_activities import errors_by_field, post

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
globals().update(shared_org(campaign=True))

URL = "/api/problems"


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def state() -> tuple:
    return (
        sorted(Problem.objects.values_list("pk", "content", "status", "deadline", "owner_id", "standard", "unit_id")),
        sorted(Measure.objects.values_list("pk", "content", "progress", "deadline")),
        MeasureUpdate.objects.count(),
        sorted(Extension.objects.values_list("pk", "status")),
        AuditEntry.objects.count(),
    )


def create_body(org, person, **overrides):
    return {
        "campaign": "xihu",
        "unit": org.street_a.pk,
        "content": "  审批环节多，企业反映办事难  ",
        "source": "inspection",
        "source_note": "视察组意见",
        "owner": person.pk if person else None,
        "category": "institutions",
        "theme": "confidence",
        "dimension": "economy",
        "standard": "审批时限压缩一半",
        "deadline": days(30).isoformat(),
        **overrides,
    }


def finished(make):
    """A confirmed problem whose one measure is done and which has evidence: ready to be declared done."""
    problem = make(confirmed=True)
    services.measure_progress(measure=problem.measures.get(), progress=100, note="已完成", by=None)
    services.evidence_add(problem=problem, upload=pdf(), by=None)
    problem.refresh_from_db()
    return problem


# --- create ---------------------------------------------------------------------------------
def test_a_liaison_files_a_problem_with_the_five_clarities(org, campaign, owner, as_user):
    response = post(as_user(org.user("liaison")), URL, create_body(org, owner))
    assert response.status_code == 201, response.content
    body = response.json()
    problem = Problem.objects.get(pk=body["id"])
    assert problem.content == "审批环节多，企业反映办事难"
    assert (problem.unit, problem.owner, problem.status) == (org.street_a, owner, ProblemStatus.FOUND)
    assert problem.created_by == org.user("liaison")
    assert (body["number"], body["campaign"], body["status"], body["status_label"]) == (1, "xihu", "found", "已查摆")
    assert body["category"]["key"] == "institutions"
    assert body["theme"]["key"] == "confidence"
    assert body["dimension"]["key"] == "economy"
    assert body["owner"] == {"id": owner.pk, "name": "赵科长"}
    assert body["unit"] == {"id": org.street_a.pk, "name": "甲街道", "code": "S-A"}
    assert body["missing"] == ["整改措施"]
    assert body["light"] == "green"
    assert body["actions"] == ["confirm", "dismiss"]
    assert (body["can_change"], body["can_report"], body["can_verify"]) == (True, True, False)
    assert AuditEntry.objects.filter(action="problems.create", object_id=str(problem.pk)).count() == 1
    second = post(as_user(org.user("office")), URL, create_body(org, owner, content="第二个问题"))
    assert second.json()["number"] == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"campaign": "nope"}, "campaign"),
        ({"source": "rumour"}, "source"),
        ({"category": "no-such"}, "category"),
        ({"theme": "no-such"}, "theme"),
        ({"dimension": "no-such"}, "dimension"),
        ({"content": "   "}, "content"),
        ({"deadline": "2000-01-01"}, "deadline"),
        ({"deadline": "明天"}, "deadline"),
        ({"unit": "甲街道"}, "unit"),
        ({"research_topic": 999999}, "research_topic"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_on_create_names_the_field_and_writes_nothing(org, campaign, owner, as_user, overrides, field):
    before = state()
    response = post(as_user(org.user("liaison")), URL, create_body(org, owner, **overrides))
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_a_liaison_cannot_file_for_another_street_nor_name_its_people(org, campaign, owner, as_user):
    client = as_user(org.user("liaison"))
    before = state()
    other_unit = post(client, URL, create_body(org, None, unit=org.community_b.pk))
    assert other_unit.status_code == 400
    assert set(errors_by_field(other_unit)) == {"unit"}
    # 李四 belongs to street B: refused on owner, without his name in the answer.
    other_person = post(client, URL, create_body(org, org.person_b))
    assert other_person.status_code == 400
    assert set(errors_by_field(other_person)) == {"owner"}
    assert "李四" not in other_person.content.decode()
    assert state() == before


def test_a_problem_can_name_a_visible_research_topic_as_its_source(org, campaign, owner, leader, make_topic, as_user):
    topic = make_topic(leader)
    response = post(
        as_user(org.user("liaison")), URL, create_body(org, owner, source="research_topic", research_topic=topic.pk)
    )
    assert response.status_code == 201, response.content
    assert response.json()["research_topic"] == {"id": topic.pk, "title": "优化营商环境调研"}
    refused = post(
        as_user(org.user("liaison_b")),
        URL,
        create_body(org, None, unit=org.street_b.pk, research_topic=topic.pk),
    )
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"research_topic"}


def test_roles_without_a_ledger_cannot_file(org, campaign, owner, as_user):
    for role in ("reviewer", "publicity", "citizen", "cadre"):
        response = post(as_user(org.user(role)), URL, create_body(org, owner))
        assert response.status_code == 403, role
    assert not Problem.objects.exists()


def test_a_leading_cadre_files_for_their_own_unit(org, campaign, owner, leader, as_user):
    client = as_user(org.user("leader"))
    assert post(client, URL, create_body(org, owner)).status_code == 201
    refused = post(client, URL, create_body(org, None, unit=org.street_b.pk))
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"unit"}


# --- list and filters -----------------------------------------------------------------------
def test_the_ledger_lists_visible_problems_with_light_progress_and_due_date(org, campaign, make_problem, as_user):
    late = make_problem(confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20))
    fresh = make_problem(content="新问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    body = as_user(org.user("liaison")).get(URL).json()
    assert body["count"] == 2
    items = {item["id"]: item for item in body["items"]}
    assert set(items) == {late.pk, fresh.pk}
    row = items[late.pk]
    assert (row["light"], row["light_label"], row["progress"], row["measure_count"]) == ("red", "逾期", 0, 1)
    assert row["due_on"] == days(-1).isoformat()
    assert row["deadline"] == days(10).isoformat()
    assert items[fresh.pk]["light"] == "none"
    assert {i["content"] for i in as_user(org.user("office")).get(URL).json()["items"]} >= {"乙街道的问题", "新问题"}


def test_the_ledger_filters(org, campaign, make_problem, owner, as_user):
    late = make_problem(confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20))
    category = campaign.shortcomings.get(key="mindset")
    other = make_problem(content="观念落后", source="discussion", category=category, unit=org.community_a)
    make_problem(unit=org.street_b, content="乙街道的问题")
    client = as_user(org.user("office"))

    def ids(query: str) -> set[int]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids("light=red") == {late.pk}
    assert ids("status=confirmed") == {late.pk}
    assert ids("source=discussion") == {other.pk}
    assert ids(f"category={category.pk}") == {other.pk}
    assert ids(f"unit={org.community_a.pk}") == {other.pk}
    assert ids(f"owner={owner.pk}") == {late.pk}
    assert ids("q=观念") == {other.pk}
    assert ids(f"q=%23{late.number}") == {late.pk}
    assert ids("campaign=xihu") == ids("") == ids(f"campaign={campaign.pk}")
    assert ids("campaign=nope") == set()
    assert ids("unit=999999") == set()
    ordered = [i["id"] for i in client.get(f"{URL}?sort=due&light=red").json()["items"]]
    assert ordered == [late.pk]
    bad = client.get(f"{URL}?light=purple")
    assert bad.status_code == 400
    assert "light" in errors_by_field(bad)


def test_an_owner_sees_only_the_problems_they_answer_for(org, campaign, make_problem, owner, as_user):
    mine = make_problem(confirmed=True)
    make_problem(content="别人的问题")
    body = as_user(org.user("owner")).get(URL).json()
    assert [item["id"] for item in body["items"]] == [mine.pk]
    assert as_user(org.user("citizen")).get(URL).json()["count"] == 0


# --- detail ---------------------------------------------------------------------------------
def test_the_detail_shows_measures_updates_evidence_and_extensions(org, campaign, make_problem, owner, as_user):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    services.measure_progress(measure=measure, progress=40, note="已梳理清单", by=org.user("owner"), files=[pdf()])
    services.extension_request(problem=problem, new_deadline=days(60), reason="涉及上级审批", by=org.user("owner"))
    body = as_user(org.user("liaison")).get(f"{URL}/{problem.pk}").json()
    assert body["status"] == "rectifying"
    assert body["progress"] == 40
    assert body["standard"] == "审批时限压缩一半，群众满意度达到90%"
    (m,) = body["measures"]
    assert (m["id"], m["progress"], m["owner"], m["owner_label"]) == (
        measure.pk,
        40,
        {"id": owner.pk, "name": "赵科长"},
        "赵科长",
    )
    assert [(u["progress"], u["note"], u["created_by"]) for u in m["updates"]] == [(40, "已梳理清单", "赵科长")]
    (evidence,) = body["evidence"]
    assert (evidence["original_name"], evidence["content_type"], evidence["measure"]) == (
        "证明.pdf",
        "application/pdf",
        measure.pk,
    )
    # Only the guarded download address, never a storage URL.
    assert evidence["url"] == f"/problems/evidence/{evidence['id']}/"
    assert "/media/" not in str(body)
    (extension,) = body["extensions"]
    assert (extension["status"], extension["new_deadline"], extension["requested_by"]) == (
        "pending",
        days(60).isoformat(),
        "赵科长",
    )
    assert body["actions"] == ["finish"]
    assert "phone" not in str(body)


def test_an_owner_may_report_but_not_change_the_problem(org, campaign, make_problem, owner, as_user):
    problem = make_problem(confirmed=True)
    client = as_user(org.user("owner"))
    body = client.get(f"{URL}/{problem.pk}").json()
    assert (body["can_change"], body["can_report"], body["can_verify"], body["actions"]) == (False, True, False, [])
    before = state()
    assert patch(client, f"{URL}/{problem.pk}", {"standard": "改"}).status_code == 403
    assert post(client, f"{URL}/{problem.pk}/transitions", {"action": "finish", "result": "完成"}).status_code == 403
    assert (
        post(client, f"{URL}/{problem.pk}/measures", {"content": "x", "deadline": days(5).isoformat()}).status_code
        == 403
    )
    assert state() == before


# --- patch ----------------------------------------------------------------------------------
def test_patch_changes_only_what_is_sent_and_is_recorded(org, campaign, make_problem, owner, as_user):
    problem = make_problem()
    response = patch(
        as_user(org.user("liaison")),
        f"{URL}/{problem.pk}",
        {"standard": "  两周内办结 ", "owner": owner.pk, "category": "mindset", "note": "补充标准"},
    )
    assert response.status_code == 200, response.content
    problem.refresh_from_db()
    assert (problem.standard, problem.owner, problem.category.key) == ("两周内办结", owner, "mindset")
    assert problem.content.startswith("问题")
    entry = AuditEntry.objects.get(action="problems.update")
    assert entry.after["standard"] == "两周内办结"
    assert entry.note == "补充标准"
    cleared = patch(as_user(org.user("liaison")), f"{URL}/{problem.pk}", {"category": None, "owner": None})
    assert cleared.status_code == 200
    assert (cleared.json()["category"], cleared.json()["owner"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": None}, "content"),
        ({"content": " "}, "content"),
        ({"deadline": days(90).isoformat()}, "deadline"),
        ({"unit": "S-B"}, "unit"),
        ({"theme": "nope"}, "theme"),
        ({"status": "closed"}, "status"),
        ({"progress": 100}, "progress"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(org, campaign, make_problem, as_user, body, field):
    problem = make_problem(confirmed=True)
    before = state()
    response = patch(as_user(org.user("office")), f"{URL}/{problem.pk}", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_the_unit_moves_only_within_the_callers_reach(org, campaign, make_problem, as_user):
    problem = make_problem()
    client = as_user(org.user("liaison"))
    refused = patch(client, f"{URL}/{problem.pk}", {"unit": org.community_b.pk})
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"unit"}
    moved = patch(client, f"{URL}/{problem.pk}", {"unit": org.community_a.pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["unit"]["code"] == "C-A1"


# --- transitions ----------------------------------------------------------------------------
def test_the_problem_goes_from_found_to_closed(org, campaign, make_problem, owner, as_user):
    problem = make_problem()
    liaison = as_user(org.user("liaison"))
    refused = post(liaison, f"{URL}/{problem.pk}/transitions", {"action": "confirm"})
    assert refused.status_code == 400
    assert "五个明确" in refused.json()["detail"][0]["message"]
    assert (
        patch(liaison, f"{URL}/{problem.pk}", {"owner": owner.pk, "deadline": days(20).isoformat()}).status_code == 200
    )
    assert patch(liaison, f"{URL}/{problem.pk}", {"standard": "限时办结"}).status_code == 200
    measure = post(liaison, f"{URL}/{problem.pk}/measures", {"content": "精简流程", "deadline": days(15).isoformat()})
    assert measure.status_code == 201, measure.content
    confirmed = post(liaison, f"{URL}/{problem.pk}/transitions", {"action": "confirm"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["original_deadline"] == days(20).isoformat()

    progress = post(
        as_user(org.user("owner")),
        f"{URL}/measures/{measure.json()['id']}/progress",
        {"progress": 100, "note": "流程已精简"},
    )
    assert progress.status_code == 200, progress.content
    assert progress.json()["progress"] == 100
    liaison = as_user(org.user("liaison"))
    no_evidence = post(liaison, f"{URL}/{problem.pk}/transitions", {"action": "finish", "result": "已完成"})
    assert no_evidence.status_code == 400
    services.evidence_add(problem=problem, upload=pdf(), by=None)
    done = post(liaison, f"{URL}/{problem.pk}/transitions", {"action": "finish", "result": "审批时限压缩到8天"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert post(liaison, f"{URL}/{problem.pk}/transitions", {"action": "close"}).status_code == 403

    office = as_user(org.user("office"))
    closed = post(office, f"{URL}/{problem.pk}/transitions", {"action": "close", "note": "核验属实", "publish": True})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["status"], body["light"], body["closed_on_time"], body["is_public"]) == ("closed", "done", True, True)
    assert body["verification_note"] == "核验属实"
    assert body["closed_by"] == "office"
    assert body["actions"] == ["reopen"]
    reopened = post(office, f"{URL}/{problem.pk}/transitions", {"action": "reopen", "reason": "群众再次反映"})
    assert reopened.json()["status"] == "rectifying"
    assert reopened.json()["reopen_count"] == 1


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("dismiss", {}, "reason"),
        ("finish", {"result": " "}, "result"),
    ],
)
def test_a_transition_without_what_it_needs_names_the_field(org, campaign, make_problem, as_user, action, body, field):
    problem = make_problem(confirmed=action == "finish")
    before = state()
    response = post(as_user(org.user("office")), f"{URL}/{problem.pk}/transitions", {"action": action, **body})
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_a_move_the_status_does_not_allow_is_refused_and_changes_nothing(org, campaign, make_problem, as_user):
    problem = make_problem()
    client = as_user(org.user("office"))
    before = state()
    for body in ({"action": "close"}, {"action": "reopen", "reason": "x"}, {"action": "restore"}):
        response = post(client, f"{URL}/{problem.pk}/transitions", body)
        assert response.status_code == 400, (body, response.content)
        assert set(response.json()) == {"detail"}
    unknown = post(client, f"{URL}/{problem.pk}/transitions", {"action": "delete"})
    assert unknown.status_code == 400
    assert "action" in errors_by_field(unknown)
    assert state() == before


def test_dismissing_and_restoring(org, campaign, make_problem, as_user):
    problem = make_problem()
    client = as_user(org.user("liaison"))
    dismissed = post(client, f"{URL}/{problem.pk}/transitions", {"action": "dismiss", "reason": "不属实"})
    assert (dismissed.json()["status"], dismissed.json()["light"]) == ("dismissed", "none")
    assert dismissed.json()["actions"] == ["restore"]
    assert post(client, f"{URL}/{problem.pk}/transitions", {"action": "restore"}).json()["status"] == "found"


def test_the_office_rejects_a_done_problem_with_a_reason(org, campaign, make_problem, as_user):
    problem = finished(make_problem)
    services.problem_finish(problem=problem, result="完成", by=None)
    client = as_user(org.user("office"))
    missing = post(client, f"{URL}/{problem.pk}/transitions", {"action": "reject"})
    assert "reason" in errors_by_field(missing)
    rejected = post(client, f"{URL}/{problem.pk}/transitions", {"action": "reject", "reason": "佐证不足"})
    assert rejected.json()["status"] == "rectifying"
    assert rejected.json()["verification_note"] == "佐证不足"


# --- measures -------------------------------------------------------------------------------
def test_measures_are_added_changed_and_deleted(org, campaign, make_problem, owner, as_user):
    problem = make_problem(confirmed=True)
    client = as_user(org.user("liaison"))
    added = post(
        client,
        f"{URL}/{problem.pk}/measures",
        {"content": "建立回访制度", "deadline": days(20).isoformat(), "owner_name": "外聘专家", "weight": 3},
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["owner"], body["owner_name"], body["owner_label"], body["weight"]) == (None, "外聘专家", "外聘专家", 3)
    assert (body["light"], body["updates"]) == ("green", [])
    changed = patch(client, f"{URL}/measures/{body['id']}", {"owner": owner.pk, "deadline": days(25).isoformat()})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["owner"]["name"], changed.json()["owner_name"]) == ("赵科长", "")
    assert changed.json()["deadline"] == days(25).isoformat()
    problem.refresh_from_db()
    assert problem.measure_count == 2
    deleted = client.delete(f"{URL}/measures/{body['id']}")
    assert deleted.status_code == 204
    assert problem.measures.count() == 1
    last = client.delete(f"{URL}/measures/{problem.measures.get().pk}")
    assert last.status_code == 400
    assert problem.measures.count() == 1
    actions = list(AuditEntry.objects.filter(object_id=str(problem.pk)).values_list("action", flat=True))
    assert {"problems.measure.add", "problems.measure.change", "problems.measure.delete"} <= set(actions)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "x", "deadline": days(90).isoformat()}, "deadline"),
        ({"content": "x", "deadline": days(5).isoformat(), "weight": 0}, "weight"),
        ({"content": " ", "deadline": days(5).isoformat()}, "content"),
        ({"content": "x"}, "deadline"),
        ({"content": "x", "deadline": days(5).isoformat(), "starts_on": days(6).isoformat()}, "deadline"),
    ],
)
def test_a_bad_measure_names_the_field(org, campaign, make_problem, as_user, body, field):
    problem = make_problem(confirmed=True)
    before = state()
    response = post(as_user(org.user("liaison")), f"{URL}/{problem.pk}/measures", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_a_measure_owner_from_another_street_is_refused_on_owner(org, campaign, make_problem, as_user):
    problem = make_problem(confirmed=True)
    before = state()
    response = post(
        as_user(org.user("office")),
        f"{URL}/{problem.pk}/measures",
        {"content": "x", "deadline": days(5).isoformat(), "owner": org.person_b.pk},
    )
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"owner"}
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress": 101, "note": "x"}, "progress"),
        ({"progress": 50, "note": " "}, "note"),
        ({"progress": 50, "note": "x", "date": days(1).isoformat()}, "date"),
        ({"progress": 50, "note": "x", "date": days(-400).isoformat()}, "date"),
        ({"progress": "half", "note": "x"}, "progress"),
    ],
)
def test_bad_progress_names_the_field_and_records_nothing(org, campaign, make_problem, as_user, body, field):
    problem = make_problem(confirmed=True)
    before = state()
    response = post(as_user(org.user("owner")), f"{URL}/measures/{problem.measures.get().pk}/progress", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_progress_rolls_up_into_the_problem(org, campaign, make_problem, as_user):
    problem = make_problem(confirmed=True)
    services.measure_add(problem=problem, content="第二项", deadline=days(20), weight=3, by=None)
    first = problem.measures.order_by("order").first()
    response = post(
        as_user(org.user("owner")),
        f"{URL}/measures/{first.pk}/progress",
        {"progress": 80, "note": "进展顺利", "date": days(0).isoformat()},
    )
    assert response.status_code == 200, response.content
    assert [u["progress"] for u in response.json()["updates"]] == [80]
    detail = as_user(org.user("owner")).get(f"{URL}/{problem.pk}").json()
    assert (detail["progress"], detail["status"]) == (20, "rectifying")


# --- extensions -----------------------------------------------------------------------------
def test_an_owner_asks_for_an_extension_and_the_office_approves_it(org, campaign, make_problem, as_user):
    problem = make_problem(confirmed=True)
    asked = post(
        as_user(org.user("owner")),
        f"{URL}/{problem.pk}/extensions",
        {"new_deadline": days(45).isoformat(), "reason": "需上级审批"},
    )
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert (body["status"], body["old_deadline"], body["requested_by"]) == ("pending", days(30).isoformat(), "赵科长")
    again = post(
        as_user(org.user("owner")),
        f"{URL}/{problem.pk}/extensions",
        {"new_deadline": days(50).isoformat(), "reason": "再延"},
    )
    assert again.status_code == 400
    liaison = post(as_user(org.user("liaison")), f"{URL}/extensions/{body['id']}/decision", {"approve": True})
    assert liaison.status_code == 403
    decided = post(
        as_user(org.user("office")), f"{URL}/extensions/{body['id']}/decision", {"approve": True, "note": "同意"}
    )
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["decided_by"], decided.json()["requested_by"]) == (
        "approved",
        "office",
        "赵科长",
    )
    problem.refresh_from_db()
    assert problem.deadline == days(45)
    twice = post(
        as_user(org.user("office")), f"{URL}/extensions/{body['id']}/decision", {"approve": False, "note": "x"}
    )
    assert twice.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"new_deadline": days(10).isoformat(), "reason": "x"}, "new_deadline"),
        ({"new_deadline": days(45).isoformat(), "reason": " "}, "reason"),
        ({"reason": "x"}, "new_deadline"),
    ],
)
def test_a_bad_extension_request_names_the_field(org, campaign, make_problem, as_user, body, field):
    problem = make_problem(confirmed=True)
    before = state()
    response = post(as_user(org.user("owner")), f"{URL}/{problem.pk}/extensions", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_refusing_an_extension_needs_a_note(org, campaign, make_problem, as_user):
    problem = make_problem(confirmed=True)
    extension = services.extension_request(problem=problem, new_deadline=days(45), reason="需要", by=None)
    client = as_user(org.user("office"))
    before = state()
    response = post(client, f"{URL}/extensions/{extension.pk}/decision", {"approve": False})
    assert response.status_code == 400
    assert "note" in errors_by_field(response)
    assert state() == before
    refused = post(client, f"{URL}/extensions/{extension.pk}/decision", {"approve": False, "note": "理由不充分"})
    assert refused.json()["status"] == "rejected"
    problem.refresh_from_db()
    assert problem.deadline == days(30)


# --- summary and history --------------------------------------------------------------------
def test_the_summary_groups_the_visible_ledger(org, campaign, make_problem, as_user):
    make_problem(confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20))
    make_problem()
    make_problem(unit=org.community_a)
    make_problem(unit=org.street_b)
    body = as_user(org.user("liaison")).get(f"{URL}/summary?by=unit").json()
    assert body["by"] == "unit"
    assert {(i["label"], i["total"], i["red"]) for i in body["items"]} == {("甲街道", 2, 1), ("甲一社区", 1, 0)}
    assert (body["totals"]["label"], body["totals"]["total"], body["totals"]["open"]) == ("合计", 3, 3)
    by_status = as_user(org.user("office")).get(f"{URL}/summary?by=status").json()
    assert {(i["key"], i["label"], i["total"]) for i in by_status["items"]} == {
        ("found", "已查摆", 3),
        ("confirmed", "已确认", 1),
    }
    by_owner = as_user(org.user("office")).get(f"{URL}/summary?by=owner&status=found").json()
    assert [(i["key"], i["label"]) for i in by_owner["items"]] == [(None, "（未指定）")]
    assert as_user(org.user("office")).get(f"{URL}/summary?by=phone").status_code == 400


def test_history_lists_each_version_with_names(org, campaign, make_problem, owner, as_user):
    problem = make_problem()
    client = as_user(org.user("liaison"))
    patch(client, f"{URL}/{problem.pk}", {"owner": owner.pk, "standard": "限期办结", "note": "补充"})
    services.measure_add(problem=problem, content="建立台账", deadline=days(10), by=None)
    body = client.get(f"{URL}/{problem.pk}/history").json()
    assert body["problem"] == problem.pk
    actions = [(v["action"], v["action_label"]) for v in body["versions"]]
    assert actions == [
        ("problems.create", "查摆登记"),
        ("problems.update", "修改问题"),
        ("problems.measure.add", "新增整改措施"),
    ]
    update = body["versions"][1]
    assert (update["actor"], update["note"]) == ("liaison", "补充")
    changes = {c["field"]: c for c in update["changes"]}
    assert (changes["owner"]["label"], changes["owner"]["before"], changes["owner"]["after"]) == (
        "责任人",
        None,
        "赵科长",
    )
    assert (changes["standard"]["label"], changes["standard"]["after"]) == ("整改标准", "限期办结")
    measure = {c["field"]: c for c in body["versions"][2]["changes"]}
    assert (measure["content"]["label"], measure["content"]["after"]) == ("整改措施", "建立台账")
    assert measure["deadline"]["label"] == "完成时限"
    created = {c["field"]: c for c in body["versions"][0]["changes"]}
    assert (created["unit"]["after"], created["status"]["after"], created["source"]["after"]) == (
        "甲街道",
        "已查摆",
        "自查",
    )


# --- authentication -------------------------------------------------------------------------
def test_a_token_files_and_reads_problems(org, campaign, owner, token_client):
    client = token_client(org.user("liaison"))
    created = post(client, URL, create_body(org, owner))
    assert created.status_code == 201, created.content
    assert client.get(f"{URL}/{created.json()['id']}").status_code == 200
    assert client.get(URL).json()["count"] == 1


def test_a_session_write_without_the_csrf_token_is_refused_and_changes_nothing(org, campaign, make_problem, owner):
    problem = make_problem(confirmed=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    before = state()
    for method, url, body in [
        ("post", URL, create_body(org, owner)),
        ("patch", f"{URL}/{problem.pk}", {"standard": "改"}),
        ("post", f"{URL}/{problem.pk}/transitions", {"action": "dismiss", "reason": "x"}),
        ("post", f"{URL}/measures/{problem.measures.get().pk}/progress", {"progress": 10, "note": "x"}),
        ("delete", f"{URL}/measures/{problem.measures.get().pk}", None),
    ]:
        if body is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 403, url
        assert "X-CSRFToken" in response.json()["detail"]
    assert state() == before
    assert client.get(f"{URL}/{problem.pk}").status_code == 200


def test_anonymous_callers_are_asked_to_sign_in(org, campaign, make_problem):
    problem = make_problem()
    for url in (URL, f"{URL}/{problem.pk}", f"{URL}/summary", f"{URL}/{problem.pk}/history"):
        assert Client().get(url).status_code == 401
