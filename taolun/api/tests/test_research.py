"""/api/research/topics: a leader's research topic from draft to accepted, through the API.

The fixtures come from the ledger's own tests: leader 王局长 (street A, user ``leader``) and the
built-in plan's campaign ``xihu`` running around today.
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import shared_org
from taolun.core.models import AuditEntry
from taolun.problems.tests import conftest as ledger
from taolun.problems.tests.conftest import days
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate
from tests.factories import PersonFactory

from .test_activities import errors_by_field, post

pytestmark = pytest.mark.django_db

# The ledger's fixtures, shared with taolun/problems/tests.
campaign, leader, make_topic = ledger.campaign, ledger.leader, ledger.make_topic

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

URL = "/api/research/topics"


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def state() -> tuple:
    return (
        sorted(ResearchTopic.objects.values_list("pk", "title", "status", "plan", "theme_id", "contact_unit_id")),
        sorted(ResearchTopic.members.through.objects.values_list("researchtopic_id", "person_id")),
        TopicUpdate.objects.count(),
        AuditEntry.objects.count(),
    )


def create_body(org, leader_id, **overrides):
    return {
        "campaign": "xihu",
        "leader": leader_id,
        "title": "  优化营商环境调研  ",
        "theme": "benchmarking",
        "contact_unit": org.community_a.pk,
        "members": [org.person_a.pk],
        "other_members": "专家甲、专家乙",
        "plan": "走访企业20家",
        **overrides,
    }


# --- the whole path -------------------------------------------------------------------------
def test_a_leader_registers_reports_and_the_office_accepts(org, campaign, leader, as_user):
    client = as_user(org.user("leader"))
    created = post(client, URL, create_body(org, leader.pk))
    assert created.status_code == 201, created.content
    body = created.json()
    topic = ResearchTopic.objects.get(pk=body["id"])
    assert (topic.title, topic.leader, topic.unit, topic.status) == ("优化营商环境调研", leader, org.street_a, "draft")
    assert body["leader"] == {"id": leader.pk, "name": "王局长"}
    assert body["theme"]["key"] == "benchmarking"
    assert body["contact_unit"] == {"id": org.community_a.pk, "name": "甲一社区", "code": "C-A1"}
    assert body["members"] == [{"id": org.person_a.pk, "name": "张三"}]
    assert (body["can_change"], body["can_decide"]) == (True, False)
    assert "phone" not in str(body)

    registered = post(client, f"{URL}/{topic.pk}/register")
    assert registered.json()["status"] == "registered", registered.content
    progress = post(client, f"{URL}/{topic.pk}/progress", {"date": days(0).isoformat(), "content": "走访企业5家"})
    assert progress.status_code == 201, progress.content
    assert progress.json()["content"] == "走访企业5家"
    assert (progress.json()["file_url"], progress.json()["created_by"]) == (None, "王局长")
    reported = post(client, f"{URL}/{topic.pk}/report", {"findings": "审批慢", "countermeasures": "一网通办"})
    assert reported.status_code == 200, reported.content
    assert reported.json()["status"] == "reported"
    assert post(client, f"{URL}/{topic.pk}/accept").status_code == 403

    accepted = post(as_user(org.user("office")), f"{URL}/{topic.pk}/accept", {"note": "成果扎实"})
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert (body["status"], body["status_label"], body["decided_by"]) == ("accepted", "已验收", "office")
    assert [(u["date"], u["content"]) for u in body["timeline"]] == [(days(0).isoformat(), "走访企业5家")]
    assert body["update_count"] == 1
    actions = AuditEntry.objects.filter(object_id=str(topic.pk), object_type="research.ResearchTopic")
    assert {"research.create", "research.register", "research.progress", "research.report", "research.accept"} <= set(
        actions.values_list("action", flat=True)
    )


def test_a_second_topic_for_the_same_leader_is_refused_on_leader(org, campaign, leader, make_topic, as_user):
    make_topic(leader)
    before = state()
    response = post(as_user(org.user("office")), URL, create_body(org, leader.pk, title="第二个课题"))
    assert response.status_code == 400
    assert "每名领导干部牵头 1 项" in errors_by_field(response)["leader"]
    assert state() == before


def test_a_liaison_registers_a_topic_for_a_leader_of_their_street_only(org, campaign, leader, as_user):
    client = as_user(org.user("liaison"))
    before = state()
    # 李四 leads in street B.
    refused = post(client, URL, create_body(org, org.person_b.pk, members=[]))
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"leader"}
    assert "李四" not in refused.content.decode()
    assert state() == before
    assert post(client, URL, create_body(org, leader.pk)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"campaign": "nope"}, "campaign"),
        ({"title": "  "}, "title"),
        ({"theme": "no-such"}, "theme"),
        ({"contact_unit": 999999}, "contact_unit"),
        ({"members": ["张三"]}, "members.0"),
        ({"leader": 999999}, "leader"),
        ({"plan": "x" * 20001}, "plan"),
        ({"findings": "x"}, "findings"),
    ],
)
def test_bad_input_on_create_names_the_field_and_writes_nothing(org, campaign, leader, as_user, overrides, field):
    before = state()
    response = post(as_user(org.user("office")), URL, create_body(org, leader.pk, **overrides))
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_team_members_come_from_the_callers_reach_or_the_leaders_unit(org, campaign, leader, as_user):
    before = state()
    # 李四 (street B) is outside the liaison's street and outside the leader's unit.
    response = post(as_user(org.user("liaison")), URL, create_body(org, leader.pk, members=[org.person_b.pk]))
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {"members"}
    assert "李四" not in response.content.decode()
    assert state() == before


def test_roles_that_lead_nothing_cannot_create(org, campaign, leader, as_user):
    for role in ("reviewer", "publicity", "citizen", "cadre"):
        assert post(as_user(org.user(role)), URL, create_body(org, leader.pk)).status_code == 403, role
    assert not ResearchTopic.objects.exists()


# --- list, detail, patch --------------------------------------------------------------------
def test_the_list_holds_the_callers_topics_and_filters(org, campaign, leader, make_topic, as_user):
    own = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    other = make_topic(org.person_b, title="乡村振兴调研")
    liaison = as_user(org.user("liaison")).get(URL).json()
    assert [item["id"] for item in liaison["items"]] == [own.pk]
    item = liaison["items"][0]
    assert (item["title"], item["status"], item["update_count"], item["campaign"]) == (
        "优化营商环境调研",
        "in_progress",
        1,
        "xihu",
    )
    assert item["unit"]["code"] == "S-A"
    client = as_user(org.user("office"))

    def ids(query: str) -> set[int]:
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return {i["id"] for i in response.json()["items"]}

    assert ids("") == {own.pk, other.pk}
    assert ids("status=draft") == {other.pk}
    assert ids("q=乡村") == {other.pk}
    assert ids("q=王局长") == {own.pk}
    assert ids(f"unit={org.street_b.pk}") == {other.pk}
    assert ids(f"theme={own.theme_id}") == {own.pk, other.pk}
    assert ids("campaign=xihu") == {own.pk, other.pk}
    assert ids("campaign=nope") == set()
    assert ids("limit=1") | ids("limit=1&offset=1") == {own.pk, other.pk}
    assert as_user(org.user("leader")).get(URL).json()["count"] == 1
    assert as_user(org.user("citizen")).get(URL).json()["count"] == 0


def test_a_team_member_sees_the_topic_but_may_not_change_it(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader)
    topic.members.add(org.person_a)
    client = as_user(org.user("cadre"))
    body = client.get(f"{URL}/{topic.pk}").json()
    assert (body["title"], body["can_change"], body["can_decide"]) == ("优化营商环境调研", False, False)
    before = state()
    assert patch(client, f"{URL}/{topic.pk}", {"title": "改"}).status_code == 403
    assert post(client, f"{URL}/{topic.pk}/register").status_code == 403
    assert state() == before


def test_patch_changes_only_what_is_sent(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader)
    newcomer = PersonFactory(unit=org.street_a, name="街道干部")
    response = patch(
        as_user(org.user("leader")),
        f"{URL}/{topic.pk}",
        {"plan": " 新计划 ", "members": [newcomer.pk, org.person_a.pk], "theme": None},
    )
    assert response.status_code == 200, response.content
    topic.refresh_from_db()
    assert (topic.plan, topic.title, topic.theme) == ("新计划", "优化营商环境调研", None)
    assert set(topic.members.values_list("name", flat=True)) == {"街道干部", "张三"}
    entry = AuditEntry.objects.get(action="research.update")
    assert entry.after["plan"] == "新计划"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"title": ""}, "title"),
        ({"theme": "nope"}, "theme"),
        ({"contact_unit": 999999}, "contact_unit"),
        ({"status": "accepted"}, "status"),
        ({"members": [999999]}, "members"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(org, campaign, leader, make_topic, as_user, body, field):
    topic = make_topic(leader)
    before = state()
    response = patch(as_user(org.user("office")), f"{URL}/{topic.pk}", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_a_reported_topic_waits_for_the_office_and_cannot_be_changed(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    client = as_user(org.user("leader"))
    before = state()
    assert patch(client, f"{URL}/{topic.pk}", {"title": "改"}).status_code == 400
    progress = post(client, f"{URL}/{topic.pk}/progress", {"date": days(0).isoformat(), "content": "x"})
    assert progress.status_code == 400
    assert state() == before


# --- steps ----------------------------------------------------------------------------------
def test_registering_needs_theme_contact_point_and_plan(org, campaign, leader, as_user):
    client = as_user(org.user("leader"))
    created = post(client, URL, create_body(org, leader.pk, theme=None, plan=""))
    before = state()
    response = post(client, f"{URL}/{created.json()['id']}/register")
    assert response.status_code == 400
    message = response.json()["detail"][0]["message"]
    assert "讨论主题" in message
    assert "调研计划" in message
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": days(1).isoformat(), "content": "x"}, "date"),
        ({"date": days(-400).isoformat(), "content": "x"}, "date"),
        ({"date": "昨天", "content": "x"}, "date"),
        ({"date": days(0).isoformat(), "content": " "}, "content"),
        ({"content": "x"}, "date"),
        ({"date": days(0).isoformat(), "content": "x", "file": "a.pdf"}, "file"),
    ],
)
def test_bad_progress_names_the_field_and_records_nothing(org, campaign, leader, make_topic, as_user, body, field):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    before = state()
    response = post(as_user(org.user("leader")), f"{URL}/{topic.pk}/progress", body)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response)
    assert state() == before


def test_reporting_needs_findings_countermeasures_and_some_progress(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = as_user(org.user("leader"))
    before = state()
    empty = post(client, f"{URL}/{topic.pk}/report", {"findings": " ", "countermeasures": "x"})
    assert "findings" in errors_by_field(empty)
    no_progress = post(client, f"{URL}/{topic.pk}/report", {"findings": "x", "countermeasures": "y"})
    assert no_progress.status_code == 400
    assert "进展" in no_progress.json()["detail"][0]["message"]
    assert state() == before


def test_the_office_returns_a_report_with_a_reason_and_it_comes_back(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    office = as_user(org.user("office"))
    before = state()
    missing = post(office, f"{URL}/{topic.pk}/return", {"reason": " "})
    assert missing.status_code == 400
    assert "reason" in errors_by_field(missing)
    assert state() == before
    returned = post(office, f"{URL}/{topic.pk}/return", {"reason": "对策不够具体"})
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "对策不够具体")
    leader_client = as_user(org.user("leader"))
    again = post(
        leader_client, f"{URL}/{topic.pk}/report", {"findings": "审批慢", "countermeasures": "一网通办，限时办结"}
    )
    assert again.status_code == 200, again.content
    assert (again.json()["status"], again.json()["return_reason"]) == ("reported", "")


def test_a_liaison_may_not_accept_or_return(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    client = as_user(org.user("liaison"))
    before = state()
    assert post(client, f"{URL}/{topic.pk}/accept").status_code == 403
    assert post(client, f"{URL}/{topic.pk}/return", {"reason": "x"}).status_code == 403
    assert state() == before


def test_accepting_a_topic_that_was_not_reported_is_refused(org, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    response = post(as_user(org.user("office")), f"{URL}/{topic.pk}/accept")
    assert response.status_code == 400
    assert "不能改为" in response.json()["detail"][0]["message"]


# --- authentication -------------------------------------------------------------------------
def test_a_token_of_the_leader_writes_their_topic(org, campaign, leader, make_topic, token_client):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = token_client(org.user("leader"))
    response = post(client, f"{URL}/{topic.pk}/progress", {"date": days(0).isoformat(), "content": "座谈会一次"})
    assert response.status_code == 201, response.content
    assert client.get(URL).json()["count"] == 1


def test_a_session_write_without_the_csrf_token_is_refused(org, campaign, leader, make_topic):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("leader"))
    before = state()
    for url, body in [
        (f"{URL}/{topic.pk}/progress", {"date": days(0).isoformat(), "content": "x"}),
        (URL, create_body(org, leader.pk)),
    ]:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 403
        assert "X-CSRFToken" in response.json()["detail"]
    response = client.patch(f"{URL}/{topic.pk}", {"title": "改"}, content_type="application/json")
    assert response.status_code == 403
    assert state() == before
    assert client.get(f"{URL}/{topic.pk}").status_code == 200


def test_anonymous_callers_are_asked_to_sign_in(org, campaign, leader, make_topic):
    topic = make_topic(leader)
    assert Client().get(URL).status_code == 401
    assert Client().get(f"{URL}/{topic.pk}").status_code == 401
