"""A research topic's life: one per leader per campaign, registered with theme, contact point and plan,
progress on a dated timeline, a report with findings and countermeasures, accepted or returned by the office."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.models import AuditEntry, Notification
from taolun.problems.tests.helpers import PDF_BYTES, disguised, entries, pdf, plan_campaign, stored_files
from taolun.research import services
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate
from taolun.research.services import TRANSITIONS
from tests.factories import PersonFactory, make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

T = TopicStatus


def today(n: int = 0) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def reload(topic: ResearchTopic) -> ResearchTopic:
    return ResearchTopic.objects.get(pk=topic.pk)


def state(topic: ResearchTopic) -> dict[str, Any]:
    row = reload(topic)
    return {
        "topic": model_to_dict(row),
        "updated_at": row.updated_at,
        "updates": TopicUpdate.objects.filter(topic=row).count(),
        "audit": AuditEntry.objects.count(),
    }


def walk(make_topic, leader, status: str) -> ResearchTopic:
    if status in (T.DRAFT, T.REGISTERED, T.IN_PROGRESS, T.REPORTED):
        return make_topic(leader, status=status)
    topic = make_topic(leader, status=T.REPORTED)
    if status == T.ACCEPTED:
        return services.topic_accept(topic=topic, by=None)
    if status == T.RETURNED:
        return services.topic_return(topic=topic, reason="对策建议不够具体", by=None)
    raise ValueError(status)


# —— creating ——


def test_a_leader_starts_their_topic_as_a_draft(org, campaign, leader, owner):
    theme = campaign.themes.first()
    topic = services.topic_create(
        campaign=campaign,
        leader=leader,
        title="  优化营商环境调研 ",
        theme=theme,
        contact_unit=org.community_a,
        members=[owner],
        other_members="外聘专家老刘",
        plan="走访企业20家",
        by=org.user("leader"),
    )
    stored = reload(topic)
    assert (stored.status, stored.title, stored.unit, stored.created_by) == (
        T.DRAFT,
        "优化营商环境调研",
        org.street_a,
        org.user("leader"),
    )
    assert list(stored.members.all()) == [owner]
    (entry,) = entries(topic, "research.create")
    assert entry.after["title"] == "优化营商环境调研" and entry.after["members"] == [owner.pk]
    assert entry.after["contact_unit"] == org.community_a.pk and entry.unit_path == org.street_a.path


def test_a_second_topic_for_the_same_leader_is_refused_in_words(campaign, leader, make_topic):
    first = make_topic(leader)
    with pytest.raises(ValidationError) as caught:
        services.topic_create(campaign=campaign, leader=leader, title="第二个课题", by=None)
    message = caught.value.message_dict["leader"][0]
    assert "王局长" in message and first.title in message and "牵头 1 项" in message
    assert ResearchTopic.objects.count() == 1


def test_only_active_leading_cadres_lead_topics(org, campaign):
    for person in (
        org.person_a,  # a cadre, not a leading one
        PersonFactory(unit=org.street_a, name="退休局长", is_leading_cadre=True, is_active=False),
    ):
        with pytest.raises(ValidationError) as caught:
            services.topic_create(campaign=campaign, leader=person, title="课题", by=None)
        assert "leader" in caught.value.message_dict
    assert ResearchTopic.objects.count() == 0


def test_units_themes_and_members_must_belong_to_the_campaign(org, campaign, leader):
    elsewhere = make_unit("外区", kind="district", code="D-X")
    stranger = PersonFactory(unit=elsewhere, name="外区干部")
    other_theme = plan_campaign(org, key="other-plan").themes.first()
    for fields, field in (
        ({"contact_unit": elsewhere}, "contact_unit"),
        ({"theme": other_theme}, "theme"),
        ({"members": [stranger]}, "members"),
        ({"members": [PersonFactory(unit=org.street_a) for _ in range(51)]}, "members"),
        ({"title": "  "}, "title"),
        ({"title": "题" * 201}, "title"),
    ):
        kwargs = {"title": "课题", **fields}
        with pytest.raises(ValidationError) as caught:
            services.topic_create(campaign=campaign, leader=leader, by=None, **kwargs)
        assert field in caught.value.message_dict, fields
    outsider = PersonFactory(unit=elsewhere, name="外区领导", is_leading_cadre=True)
    with pytest.raises(ValidationError) as caught:
        services.topic_create(campaign=campaign, leader=outsider, title="课题", by=None)
    assert "leader" in caught.value.message_dict
    assert ResearchTopic.objects.count() == 0


def test_who_may_register_a_topic_for_whom(org, campaign, leader):
    with pytest.raises(PermissionDenied):
        services.topic_create(campaign=campaign, leader=leader, title="课题", by=org.user("liaison_b"))
    with pytest.raises(PermissionDenied):
        services.topic_create(campaign=campaign, leader=org.person_b, title="课题", by=org.user("leader"))
    assert ResearchTopic.objects.count() == 0
    services.topic_create(campaign=campaign, leader=org.person_b, title="课题", by=org.user("liaison_b"))
    services.topic_create(campaign=campaign, leader=leader, title="课题", by=org.user("leader"))
    assert ResearchTopic.objects.count() == 2


# —— every allowed move ——

SERVICE_MOVES = {
    "register": lambda t, by: services.topic_register(topic=t, by=by),
    "report": lambda t, by: services.topic_report(
        topic=t, findings="企业反映审批慢", countermeasures="一网通办", by=by
    ),
    "accept": lambda t, by: services.topic_accept(topic=t, by=by),
    "return": lambda t, by: services.topic_return(topic=t, reason="对策建议不够具体", by=by),
}
ALLOWED = {(frm, action) for frm, moves in TRANSITIONS.items() for action in moves.values()}
MOVER = {"register": "leader", "report": "leader", "accept": "office", "return": "office"}


def test_every_transition_has_a_service_or_is_the_first_progress():
    assert {action for _frm, action in ALLOWED} == {*SERVICE_MOVES, "start"}
    assert set(TRANSITIONS) == set(T.values)


@pytest.mark.parametrize(("frm", "action"), sorted(a for a in ALLOWED if a[1] != "start"), ids=str)
def test_each_allowed_move_works_and_is_audited(org, leader, make_topic, frm, action):
    topic = walk(make_topic, leader, frm)
    if (frm, action) == (T.REGISTERED, "report"):
        # The first progress update moves a topic on; one recorded another way (an import) leaves it registered.
        TopicUpdate.objects.create(topic=topic, happened_on=today(), content="走访企业")
    to = next(to for to, a in TRANSITIONS[frm].items() if a == action)
    by = org.user(MOVER[action])
    SERVICE_MOVES[action](topic, by)
    assert reload(topic).status == to
    entry = entries(topic, f"research.{action}")[-1]
    assert entry.before == {"status": frm}
    assert entry.after["status"] == to
    assert entry.actor == by


def test_the_first_progress_starts_the_research(org, leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    services.topic_progress(topic=topic, happened_on=today(), content="召开座谈会", by=org.user("leader"))
    assert reload(topic).status == T.IN_PROGRESS
    (entry,) = entries(topic, "research.start")
    assert (entry.before, entry.after) == ({"status": "registered"}, {"status": "in_progress"})
    services.topic_progress(topic=topic, happened_on=today(), content="走访企业", by=None)
    assert len(entries(topic, "research.start")) == 1


def refusal(status: str) -> str:
    return f"课题当前状态为“{T(status).label}”"


@pytest.mark.parametrize(
    ("frm", "action"), [(s, a) for s in T.values for a in SERVICE_MOVES if (s, a) not in ALLOWED], ids=str
)
def test_each_refused_move_says_why_and_changes_nothing(leader, make_topic, frm, action):
    topic = walk(make_topic, leader, frm)
    before = state(topic)
    with pytest.raises(ValidationError) as caught:
        SERVICE_MOVES[action](topic, None)
    assert refusal(frm) in " ".join(caught.value.messages)
    assert state(topic) == before


# —— registering ——


@pytest.mark.parametrize(
    ("missing", "label"), [("theme", "讨论主题"), ("contact_unit", "联系点"), ("plan", "调研计划")]
)
def test_register_names_what_is_missing(org, campaign, leader, make_topic, missing, label):
    topic = make_topic(leader)
    services.topic_update(topic=topic, by=None, **{missing: "" if missing == "plan" else None})
    before = state(topic)
    with pytest.raises(ValidationError) as caught:
        services.topic_register(topic=topic, by=None)
    assert label in caught.value.messages[0]
    assert state(topic) == before


def test_register_names_everything_missing(campaign, leader):
    topic = services.topic_create(campaign=campaign, leader=leader, title="课题", by=None)
    with pytest.raises(ValidationError) as caught:
        services.topic_register(topic=topic, by=None)
    assert all(label in caught.value.messages[0] for label in ("讨论主题", "联系点", "调研计划"))
    assert reload(topic).status == T.DRAFT


def test_register_stamps_the_time(leader, make_topic):
    topic = make_topic(leader)
    assert topic.registered_at is None
    services.topic_register(topic=topic, by=None)
    assert reload(topic).registered_at is not None


# —— progress ——


@pytest.mark.parametrize("status", [T.DRAFT, T.REPORTED, T.ACCEPTED])
def test_progress_only_while_registered_in_progress_or_returned(leader, make_topic, status):
    topic = walk(make_topic, leader, status)
    before = state(topic)
    with pytest.raises(ValidationError):
        services.topic_progress(topic=topic, happened_on=today(), content="走访", by=None)
    assert state(topic) == before


def test_progress_on_a_returned_topic_keeps_it_returned(leader, make_topic):
    topic = walk(make_topic, leader, T.RETURNED)
    services.topic_progress(topic=topic, happened_on=today(), content="补充调研", by=None)
    stored = reload(topic)
    assert stored.status == T.RETURNED and stored.updated_at > topic.updated_at
    assert stored.updates.count() == 2


def test_progress_dates_lie_between_the_campaign_start_and_today(campaign, leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    for day, field in ((today(1), "happened_on"), (campaign.start_date - dt.timedelta(days=1), "happened_on")):
        with pytest.raises(ValidationError) as caught:
            services.topic_progress(topic=topic, happened_on=day, content="走访", by=None)
        assert field in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.topic_progress(topic=topic, happened_on=today(), content=" ", by=None)
    assert "content" in caught.value.message_dict
    assert TopicUpdate.objects.count() == 0
    update = services.topic_progress(topic=topic, happened_on=campaign.start_date, content="启动", by=None)
    assert update.happened_on == campaign.start_date


def test_progress_keeps_a_checked_file(org, leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    update = services.topic_progress(
        topic=topic, happened_on=today(), content="座谈会纪要", upload=pdf("座谈会纪要.pdf"), by=org.user("leader")
    )
    stored = TopicUpdate.objects.get(pk=update.pk)
    assert (stored.original_name, stored.content_type, stored.size) == (
        "座谈会纪要.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert stored.file.name.startswith(f"research/{topic.pk}/") and "纪要" not in stored.file.name
    with stored.file.open("rb") as f:
        assert f.read() == PDF_BYTES
    entry = entries(topic, "research.progress")[-1]
    assert entry.after == {
        "update": update.pk,
        "on": today().isoformat(),
        "content": "座谈会纪要",
        "file": "座谈会纪要.pdf",
    }


def test_a_disguised_file_is_refused_and_nothing_is_kept(leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    before = state(topic)
    with pytest.raises(ValidationError) as caught:
        services.topic_progress(topic=topic, happened_on=today(), content="纪要", upload=disguised(), by=None)
    assert "file" in caught.value.message_dict
    assert state(topic) == before
    assert stored_files() == []


def test_a_file_written_before_the_transaction_failed_is_removed(leader, make_topic, monkeypatch):
    topic = make_topic(leader, status=T.REGISTERED)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "topic_audit", audit_fails)
    with pytest.raises(RuntimeError):
        services.topic_progress(topic=topic, happened_on=today(), content="纪要", upload=pdf(), by=None)
    assert stored_files() == []
    assert TopicUpdate.objects.count() == 0
    assert reload(topic).status == T.REGISTERED


# —— reporting ——


def test_report_needs_findings_and_countermeasures(leader, make_topic):
    topic = make_topic(leader, status=T.IN_PROGRESS)
    before = state(topic)
    for findings, countermeasures, field in (("", "一网通办", "findings"), ("审批慢", "  ", "countermeasures")):
        with pytest.raises(ValidationError) as caught:
            services.topic_report(topic=topic, findings=findings, countermeasures=countermeasures, by=None)
        assert field in caught.value.message_dict
    assert state(topic) == before


def test_report_needs_at_least_one_progress_update(leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    before = state(topic)
    with pytest.raises(ValidationError) as caught:
        services.topic_report(topic=topic, findings="审批慢", countermeasures="一网通办", by=None)
    assert "至少记录一次调研进展" in caught.value.messages[0]
    assert state(topic) == before


def test_a_report_is_kept_audited_and_sent_to_the_office(org, leader, make_topic):
    topic = make_topic(leader, status=T.IN_PROGRESS)
    services.topic_report(
        topic=topic, findings="企业反映审批慢", countermeasures="推行一网通办", report="全文", by=org.user("leader")
    )
    stored = reload(topic)
    assert (stored.status, stored.findings, stored.countermeasures, stored.report) == (
        T.REPORTED,
        "企业反映审批慢",
        "推行一网通办",
        "全文",
    )
    assert stored.reported_at is not None and not stored.is_editable
    entry = entries(topic, "research.report")[-1]
    assert entry.after == {
        "status": "reported",
        "findings": "企业反映审批慢",
        "countermeasures": "推行一网通办",
        "report": "全文",
    }
    assert Notification.objects.filter(recipient=org.user("office"), title__contains="请验收").exists()


# —— the office decides ——


@pytest.mark.parametrize("role", ["liaison", "leader", "owner", "liaison_b", "office_b"])
def test_only_the_office_accepts_or_returns(org, leader, owner, make_topic, role):
    topic = make_topic(leader, status=T.REPORTED)
    if role == "office_b":
        from taolun.accounts.models import Role, RoleAssignment
        from tests.factories import UserFactory

        user = UserFactory(username="office_b")
        RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=org.street_b)
        org.users[role] = user
    before = state(topic)
    with pytest.raises(PermissionDenied):
        services.topic_accept(topic=topic, by=org.user(role))
    with pytest.raises(PermissionDenied):
        services.topic_return(topic=topic, reason="不够具体", by=org.user(role))
    assert state(topic) == before


def test_accepting_tells_the_leader(org, leader, make_topic):
    topic = make_topic(leader, status=T.REPORTED)
    services.topic_accept(topic=topic, note="很好", by=org.user("office"))
    stored = reload(topic)
    assert (stored.status, stored.decided_by) == (T.ACCEPTED, org.user("office"))
    assert stored.decided_at is not None and not stored.is_editable
    assert entries(topic, "research.accept")[-1].note == "很好"
    assert Notification.objects.filter(recipient=org.user("leader"), title__contains="通过验收").exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_return_needs_a_reason(org, leader, make_topic, reason):
    topic = make_topic(leader, status=T.REPORTED)
    before = state(topic)
    with pytest.raises(ValidationError) as caught:
        services.topic_return(topic=topic, reason=reason, by=org.user("office"))
    assert "reason" in caught.value.message_dict
    assert state(topic) == before


def test_a_returned_topic_is_reported_again(org, leader, make_topic):
    topic = make_topic(leader, status=T.REPORTED)
    services.topic_return(topic=topic, reason="对策建议不够具体", by=org.user("office"))
    stored = reload(topic)
    assert (stored.status, stored.return_reason) == (T.RETURNED, "对策建议不够具体")
    assert stored.is_editable
    notice = Notification.objects.get(recipient=org.user("leader"), title__contains="退回")
    assert notice.body == "对策建议不够具体"
    services.topic_report(topic=stored, findings="补充发现", countermeasures="具体对策", by=org.user("leader"))
    again = reload(topic)
    assert (again.status, again.return_reason, again.countermeasures) == (T.REPORTED, "", "具体对策")
    services.topic_accept(topic=again, by=org.user("office"))
    assert reload(topic).status == T.ACCEPTED


# —— editing ——


def test_an_update_records_only_what_changed(org, leader, owner, make_topic):
    topic = make_topic(leader)
    services.topic_update(topic=topic, plan="走访企业30家", members=[owner], title=topic.title, by=org.user("leader"))
    entry = entries(topic, "research.update")[-1]
    assert entry.before == {"plan": "走访企业20家，召开座谈会2次", "members": []}
    assert entry.after == {"plan": "走访企业30家", "members": [owner.pk]}
    count = AuditEntry.objects.count()
    services.topic_update(topic=topic, plan="走访企业30家", members=[owner], by=None)
    assert AuditEntry.objects.count() == count


def test_fields_outside_the_plan_are_not_edited_here(leader, make_topic):
    topic = make_topic(leader)
    with pytest.raises(ValidationError):
        services.topic_update(topic=topic, status=T.ACCEPTED, findings="x", by=None)
    assert reload(topic).status == T.DRAFT


@pytest.mark.parametrize("status", [T.REPORTED, T.ACCEPTED])
def test_a_topic_with_the_office_is_not_edited(leader, make_topic, status):
    topic = walk(make_topic, leader, status)
    before = state(topic)
    with pytest.raises(ValidationError):
        services.topic_update(topic=topic, plan="改计划", by=None)
    assert state(topic) == before


def test_strangers_cannot_edit_or_post_progress(org, leader, make_topic):
    topic = make_topic(leader, status=T.REGISTERED)
    before = state(topic)
    for role in ("liaison_b", "cadre", "citizen"):
        with pytest.raises(PermissionDenied):
            services.topic_update(topic=topic, plan="改", by=org.user(role))
        with pytest.raises(PermissionDenied):
            services.topic_progress(topic=topic, happened_on=today(), content="走访", by=org.user(role))
    assert state(topic) == before
