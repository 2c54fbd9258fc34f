"""A topic's life through its pages, and bad input: errors next to the fields, nothing changed.

The full path: the leader registers the topic, posts progress with a PDF, reports; the office returns it
with a reason the leader then sees; the leader reports again and the office accepts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import shared_org
from taolun.core.history import entries_of
from taolun.research import forms as research_forms
from taolun.research import services
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def pdf(name: str = "走访记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def errors_of(response, field: str) -> list[str]:
    form = response.context["form"]
    return [str(e) for e in form.errors.get(field, [])]


def topic_data(campaign, **overrides):
    data = {
        "title": "优化营商环境调研",
        "theme": campaign.themes.order_by("order").first().pk,
        "contact_unit": "C-A1",
        "other_members": "区发改局 周某",
        "plan": "走访企业20家，召开座谈会2次",
    }
    return {**data, **overrides}


def test_leader_registers_reports_is_returned_and_accepted(org, campaign, leader, owner, login, media):
    client = login(org.user("leader"))
    # The leader starts from "my topic": a prompt and the form.
    assert client.get(reverse("research:mine")).context["form"] is not None
    response = client.post(
        reverse("research:create"),
        {**topic_data(campaign), "leader": leader.pk, "members": [owner.pk], "campaign": campaign.slug},
    )
    topic = ResearchTopic.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("research:detail", args=[topic.pk])
    assert (topic.leader, topic.unit, topic.contact_unit, topic.status) == (
        leader,
        org.street_a,
        org.community_a,
        TopicStatus.DRAFT,
    )
    assert list(topic.members.all()) == [owner]
    assert client.get(reverse("research:mine"))["Location"] == reverse("research:detail", args=[topic.pk])

    assert client.post(reverse("research:register", args=[topic.pk])).status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REGISTERED

    response = client.post(
        reverse("research:progress", args=[topic.pk]),
        {"happened_on": timezone.localdate().isoformat(), "content": "走访企业5家，召开座谈会1次", "file": pdf()},
    )
    assert response.status_code == 302 and response["Location"].endswith("#timeline")
    update = TopicUpdate.objects.get()
    assert update.original_name == "走访记录.pdf" and update.content_type == "application/pdf"
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS
    page = client.get(reverse("research:detail", args=[topic.pk])).content.decode()
    assert "走访企业5家" in page and reverse("research:update_file", args=[update.pk]) in page
    download = login(org.user("office")).get(reverse("research:update_file", args=[update.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")

    client = login(org.user("leader"))
    report = {"findings": "企业反映审批慢", "countermeasures": "推行一网通办", "report": "报告全文"}
    assert client.post(reverse("research:report", args=[topic.pk]), report).status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REPORTED
    # Reported: the leader can no longer edit it and the report page sends them back.
    assert client.get(reverse("research:edit", args=[topic.pk])).status_code == 302
    assert client.post(reverse("research:edit", args=[topic.pk]), topic_data(campaign, title="改")).status_code == 302
    topic.refresh_from_db()
    assert topic.title == "优化营商环境调研"

    office = login(org.user("office"))
    page = office.get(reverse("research:detail", args=[topic.pk])).content.decode()
    assert "企业反映审批慢" in page and "推行一网通办" in page
    response = office.post(
        reverse("research:decide", args=[topic.pk]), {"decision": "return", "reason": "对策建议不够具体"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.RETURNED and topic.return_reason == "对策建议不够具体"

    client = login(org.user("leader"))
    page = client.get(reverse("research:detail", args=[topic.pk])).content.decode()
    assert "对策建议不够具体" in page
    form_page = client.get(reverse("research:report", args=[topic.pk]))
    assert form_page.context["form"].initial["findings"] == "企业反映审批慢"
    assert "对策建议不够具体" in form_page.content.decode()
    report["countermeasures"] = "推行一网通办，审批时限压缩一半"
    assert client.post(reverse("research:report", args=[topic.pk]), report).status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REPORTED and topic.return_reason == ""

    office = login(org.user("office"))
    assert office.post(reverse("research:decide", args=[topic.pk]), {"decision": "accept"}).status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.ACCEPTED and topic.decided_by == org.user("office")
    actions = list(entries_of(topic).values_list("action", flat=True))
    assert actions == [
        "research.create",
        "research.register",
        "research.progress",
        "research.start",
        "research.report",
        "research.return",
        "research.report",
        "research.accept",
    ]
    history = office.get(reverse("research:history", args=[topic.pk])).content.decode()
    assert "对策建议不够具体" in history and "甲一社区" in history


def test_office_registers_a_topic_for_a_leader_in_scope(org, campaign, leader, login):
    client = login(org.user("liaison"))
    page = client.get(reverse("research:create"), {"leader": leader.pk})
    assert page.context["form"].initial["leader"] == leader
    response = client.post(reverse("research:create"), {**topic_data(campaign), "leader": leader.pk})
    assert response.status_code == 302
    topic = ResearchTopic.objects.get()
    assert topic.leader == leader and topic.created_by == org.user("liaison")


def test_a_liaison_cannot_register_for_a_leader_of_another_street(org, campaign, leader, login):
    client = login(org.user("liaison"))
    response = client.post(reverse("research:create"), {**topic_data(campaign), "leader": org.person_b.pk})
    assert response.status_code == 400
    assert errors_of(response, "leader")
    assert not ResearchTopic.objects.exists()
    # Nor does the form offer them, even when asked to.
    page = client.get(reverse("research:create"), {"leader": org.person_b.pk})
    assert "leader" not in page.context["form"].initial
    assert [label for _v, label in page.context["form"].fields["leader"].widget.choices[1:]] == ["王局长（甲街道）"]


def test_a_second_topic_is_refused_next_to_the_leader_field(org, campaign, leader, make_topic, login):
    make_topic(leader, title="第一项课题")
    response = login(org.user("office")).post(
        reverse("research:create"), {**topic_data(campaign, title="第二项课题"), "leader": leader.pk}
    )
    assert response.status_code == 400
    (error,) = errors_of(response, "leader")
    assert "第一项课题" in error and "1 项" in error
    assert 'id="id_leader_error"' in response.content.decode()
    assert list(ResearchTopic.objects.values_list("title", flat=True)) == ["第一项课题"]


def test_the_leader_is_refused_a_second_topic_too(org, campaign, leader, make_topic, login):
    make_topic(leader, title="第一项课题")
    response = login(org.user("leader")).post(
        reverse("research:create"), {**topic_data(campaign, title="第二项课题"), "leader": leader.pk}
    )
    assert response.status_code == 400
    assert "第一项课题" in errors_of(response, "leader")[0]
    assert ResearchTopic.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "长" * 201),
        ("theme", "999999"),
        ("contact_unit", "NOPE"),
        ("members", "999999"),
        ("leader", ""),
    ],
)
def test_bad_topic_input_shows_errors_next_to_fields(org, campaign, leader, login, field, value):
    data = {**topic_data(campaign), "leader": leader.pk, field: value}
    response = login(org.user("office")).post(reverse("research:create"), data)
    assert response.status_code == 400
    assert errors_of(response, field)
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ResearchTopic.objects.exists()


def test_a_contact_point_outside_the_campaign_is_refused(org, campaign, leader, login):
    from tests.factories import make_unit

    elsewhere = make_unit("外区", code="X-1")
    response = login(org.user("office")).post(
        reverse("research:create"), {**topic_data(campaign, contact_unit=elsewhere.code), "leader": leader.pk}
    )
    assert response.status_code == 400 and errors_of(response, "contact_unit")
    assert not ResearchTopic.objects.exists()


def test_edit_changes_the_topic_and_its_team(org, campaign, leader, owner, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    client = login(org.user("liaison"))
    page = client.get(reverse("research:edit", args=[topic.pk]))
    assert page.status_code == 200 and page.context["form"].initial["title"] == topic.title
    data = topic_data(campaign, title="优化营商环境专题调研", plan="新计划")
    response = client.post(reverse("research:edit", args=[topic.pk]), {**data, "members": [owner.pk, org.person_a.pk]})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.title == "优化营商环境专题调研" and topic.plan == "新计划"
    assert set(topic.members.all()) == {owner, org.person_a}
    response = client.post(reverse("research:edit", args=[topic.pk]), {**data, "title": ""})
    assert response.status_code == 400 and errors_of(response, "title")
    topic.refresh_from_db()
    assert topic.title == "优化营商环境专题调研"


def test_large_scopes_choose_team_members_by_code(org, campaign, leader, make_topic, login, monkeypatch):
    monkeypatch.setattr(research_forms, "PEOPLE_SELECT_LIMIT", 1)
    topic = make_topic(leader)
    no_code = PersonFactory(unit=org.community_a, name="无编号", code=None)
    services.topic_update(topic=topic, members=[no_code], by=None)
    client = login(org.user("office"))
    page = client.get(reverse("research:edit", args=[topic.pk])).content.decode()
    assert "无编号" in page  # named in the help: kept as they are
    data = topic_data(campaign, members=f"{org.person_a.code}，{org.person_b.code}")
    assert client.post(reverse("research:edit", args=[topic.pk]), data).status_code == 302
    assert set(topic.members.all()) == {org.person_a, org.person_b, no_code}
    response = client.post(reverse("research:edit", args=[topic.pk]), topic_data(campaign, members="NOBODY-1"))
    assert response.status_code == 400 and "NOBODY-1" in errors_of(response, "members")[0]
    assert set(topic.members.all()) == {org.person_a, org.person_b, no_code}


def test_register_lists_what_is_missing_and_changes_nothing(org, campaign, leader, login):
    topic = services.topic_create(campaign=campaign, leader=leader, title="只有标题", by=None)
    client = login(org.user("leader"))
    response = client.post(reverse("research:register", args=[topic.pk]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "讨论主题" in body and "联系点" in body and "调研计划" in body
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DRAFT


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"happened_on": "", "content": "走访"}, "happened_on"),
        ({"happened_on": "not-a-date", "content": "走访"}, "happened_on"),
        ({"content": "走访"}, "happened_on"),
        ({"happened_on": "TODAY", "content": ""}, "content"),
        ({"happened_on": "TOMORROW", "content": "未来的进展"}, "happened_on"),
        ({"happened_on": "1999-01-01", "content": "开始之前"}, "happened_on"),
    ],
)
def test_bad_progress_shows_errors_next_to_fields(org, campaign, leader, make_topic, login, data, field):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    today = timezone.localdate()
    named = {"TODAY": today, "TOMORROW": today + dt.timedelta(days=1)}
    data = {k: named.get(v, v) for k, v in data.items()}
    response = login(org.user("leader")).post(reverse("research:progress", args=[topic.pk]), data)
    assert response.status_code == 400
    assert errors_of(response, field)
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not topic.updates.exists()
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REGISTERED


def test_a_file_that_is_not_what_it_says_is_refused(org, campaign, leader, make_topic, login, media):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    fake = SimpleUploadedFile("报告.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = login(org.user("leader")).post(
        reverse("research:progress", args=[topic.pk]),
        {"happened_on": timezone.localdate().isoformat(), "content": "走访", "file": fake},
    )
    assert response.status_code == 400
    assert "文件内容与允许的类型不符" in errors_of(response, "file")[0]
    assert not topic.updates.exists()
    assert not (media.exists() and any(p.is_file() for p in media.rglob("*")))


@pytest.mark.parametrize("field", ["findings", "countermeasures"])
def test_a_report_needs_findings_and_countermeasures(org, campaign, leader, make_topic, login, field):
    topic = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    data = {"findings": "发现", "countermeasures": "建议", field: "  "}
    response = login(org.user("leader")).post(reverse("research:report", args=[topic.pk]), data)
    assert response.status_code == 400 and errors_of(response, field)
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS and topic.findings == ""


def test_a_report_needs_progress_first(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REGISTERED)
    response = login(org.user("leader")).post(
        reverse("research:report", args=[topic.pk]), {"findings": "发现", "countermeasures": "建议"}
    )
    assert response.status_code == 400
    assert "至少记录一次调研进展" in " ".join(response.context["form"].non_field_errors())
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REGISTERED


def test_returning_without_a_reason_shows_the_error_and_changes_nothing(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    client = login(org.user("office"))
    response = client.post(reverse("research:decide", args=[topic.pk]), {"decision": "return", "reason": " "})
    assert response.status_code == 400
    assert response.context["decide_form"].errors["reason"]
    assert "退回时请写明原因" in response.content.decode()
    response = client.post(reverse("research:decide", args=[topic.pk]), {"decision": "approve-all"})
    assert response.status_code == 400 and response.context["decide_form"].errors["decision"]
    topic.refresh_from_db()
    assert topic.status == TopicStatus.REPORTED and topic.return_reason == ""


def test_deciding_a_topic_not_yet_reported_is_refused(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.IN_PROGRESS)
    response = login(org.user("office")).post(reverse("research:decide", args=[topic.pk]), {"decision": "accept"})
    assert response.status_code == 400
    assert "不能改为" in " ".join(response.context["decide_form"].non_field_errors())
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS


def test_pages_for_a_stage_already_passed_send_back_to_the_topic(org, campaign, leader, make_topic, login):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    client = login(org.user("leader"))
    for name in ("research:register", "research:progress", "research:report", "research:edit"):
        response = client.get(reverse(name, args=[topic.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("research:detail", args=[topic.pk])
    before = TopicUpdate.objects.count()
    client.post(reverse("research:progress", args=[topic.pk]), {"happened_on": timezone.localdate(), "content": "x"})
    assert TopicUpdate.objects.count() == before
