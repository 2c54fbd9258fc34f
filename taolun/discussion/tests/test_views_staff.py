"""The discussion's staff pages: who reaches which, the moderation queue (one item, many at once, all or
nothing), a participant's identity and blocking, the word list, the inbox and replies, routing and its
deadline, the settings, the offline import, flat query counts and inert markup.

The campaign runs over the district; ``dept_liaison`` answers for its 发展和改革局 (``org.department``), to
which a routing rule sends every suggestion. A suggestion the viewer may not open is not found (404); one
they may read but not act on is refused (403).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import MATRIX_ROLES
from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services as campaign_services
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.core.models import AuditEntry
from taolun.discussion import imports, services
from taolun.discussion.models import (
    AnswerState,
    Forum,
    Kind,
    Reply,
    ReportReason,
    RoutingRule,
    SensitiveWord,
    Source,
    Suggestion,
    Visibility,
)
from taolun.discussion.tests.conftest import campaign_start
from taolun.discussion.views_staff import deadline_light, marked
from tests.factories import UserFactory, make_unit

pytestmark = pytest.mark.django_db

ROLES = [*MATRIX_ROLES, "dept_liaison"]
# discussion.moderation_queue: a moderating role anywhere.
QUEUE = {"admin", "office", "office_a", "publicity", "liaison_publicity"}
# discussion.moderate on the district's campaign.
MODERATORS = {"admin", "office", "publicity", "liaison_publicity"}
# discussion.inbox: anyone who handles the discussion.
HANDLERS = {
    "admin",
    "office",
    "office_a",
    "liaison",
    "liaison_b",
    "liaison_reviewer",
    "liaison_publicity",
    "publicity",
    "dept_liaison",
}
OFFICE = {"admin", "office"}
ANSWERERS = OFFICE | {"dept_liaison"}
HX = {"HTTP_HX_REQUEST": "true"}
WORD = "违禁词"
ROUTED_TITLE = "关于增设公交站点的建议"
HELD_TITLE = "需要审核的一条建言"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.DISCUSSION_RATE_LIMITS = {}


def new_citizen(username: str, nickname: str = ""):
    user = UserFactory(username=username, display_name=username)
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
    services.participant_ensure(user=user, nickname=nickname or username)
    return user


def user_of(org, role: str):
    return None if role == "anonymous" else org.user(role)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/" in response["Location"]


def content(response) -> str:
    return response.content.decode()


@pytest.fixture
def world(org_mixed_roles, dept_liaison, campaign, theme, citizen, route_to_department, make_suggestion, words):
    """A published suggestion routed to the department, and one held for its sensitive word."""
    words(WORD)
    routed = make_suggestion(title=ROUTED_TITLE)
    held = make_suggestion(title=HELD_TITLE, body=f"这条建言含有{WORD}，需要审核后才能公开，谢谢。")
    assert routed.status == Visibility.PUBLISHED and held.status == Visibility.PENDING
    routed.refresh_from_db()
    assert routed.department == org_mixed_roles.department
    return SimpleNamespace(org=org_mixed_roles, campaign=campaign, routed=routed, held=held, citizen=citizen)


@pytest.fixture
def elsewhere(org):
    """A second district with its own campaign, a publicity officer and an office of its own."""
    root = make_unit("另一区", kind="district", code="D002")
    plan = campaign_services.plan_load(source=plan_yaml(plan_data(key="other-plan")), by=None)
    created = campaign_services.campaign_create(
        plan=plan, root_unit=root, slug="other", start_date=campaign_start(), by=None
    )
    other = campaign_services.campaign_activate(campaign=created, by=None)
    users = {}
    for name, role in (("publicity_other", Role.PUBLICITY), ("office_other", Role.OFFICE)):
        users[name] = UserFactory(username=name, display_name=name)
        RoleAssignment.objects.create(user=users[name], role=role, unit=root)
    street = make_unit("另一区丙街道", parent=root, kind="street", code="S-X")
    return SimpleNamespace(root=root, street=street, campaign=other, **users)


def url(name: str, *args, **query) -> str:
    base = reverse(f"discussion:{name}", args=args)
    if query:
        base += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return base


# --- who reaches which page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_moderation_queue_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("moderation"))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in QUEUE else 403)
    # office_a moderates no campaign: the page opens empty.
    assert (HELD_TITLE in content(response)) == (role in MODERATORS)


@pytest.mark.parametrize("role", ROLES)
def test_word_list_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("words"))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in QUEUE else 403)
    assert (WORD in content(response)) == (role in QUEUE)


@pytest.mark.parametrize("role", ROLES)
def test_participant_page_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("participant", world.citizen.participant.pk))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    expected = 200 if role in MODERATORS else 404 if role in QUEUE else 403
    assert response.status_code == expected
    assert ("热心市民" in content(response)) == (role in MODERATORS)


@pytest.mark.parametrize("role", ROLES)
def test_inbox_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("inbox"))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in HANDLERS else 403)
    assert (ROUTED_TITLE in content(response)) == (role in ANSWERERS)


@pytest.mark.parametrize("name", ["office", "settings", "import"])
@pytest.mark.parametrize("role", ROLES)
def test_office_pages_by_role(world, login, role, name):
    response = login(user_of(world.org, role)).get(url(name))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in OFFICE else 403)


@pytest.mark.parametrize("role", ROLES)
def test_reply_page_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("reply", world.routed.pk))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in ANSWERERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_route_page_by_role(world, login, role):
    response = login(user_of(world.org, role)).get(url("route", world.routed.pk))
    if role == "anonymous":
        assert is_login_redirect(response)
        return
    assert response.status_code == (200 if role in OFFICE else 403)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_campaigns_moderators_decide(world, login, role):
    response = login(user_of(world.org, role)).post(url("moderate", "suggestion", world.held.pk), {"action": "approve"})
    world.held.refresh_from_db()
    if role == "anonymous":
        assert is_login_redirect(response)
    elif role in MODERATORS:
        assert response.status_code == 302
    else:
        assert response.status_code == (404 if role in QUEUE else 403)
    assert (world.held.status == Visibility.PUBLISHED) == (role in MODERATORS)


@pytest.mark.parametrize("role", ROLES)
def test_only_those_answering_reply(world, login, role):
    body = "已安排公交公司实地查看，下月增设站点。"
    response = login(user_of(world.org, role)).post(url("reply", world.routed.pk), {"body": body})
    if role == "anonymous":
        assert is_login_redirect(response)
    else:
        assert response.status_code == (302 if role in ANSWERERS else 403)
    assert Reply.objects.filter(suggestion=world.routed).exists() == (role in ANSWERERS)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_office_routes(world, login, role):
    response = login(user_of(world.org, role)).post(
        url("route", world.routed.pk), {"department": world.org.street_a.pk}
    )
    world.routed.refresh_from_db()
    if role == "anonymous":
        assert is_login_redirect(response)
    else:
        assert response.status_code == (302 if role in OFFICE else 403)
    routed_to = world.org.street_a if role in OFFICE else world.org.department
    assert world.routed.department == routed_to


def test_a_held_suggestion_is_not_found_by_those_who_may_not_open_it(world, login):
    held = world.held
    assert login(world.org.user("dept_liaison")).get(url("reply", held.pk)).status_code == 404
    assert login(world.org.user("liaison")).post(url("route", held.pk), {"code": "S-A"}).status_code == 404
    assert login(world.org.user("office")).get(url("reply", 999999)).status_code == 404
    assert login(world.org.user("office")).post(url("moderate", "comment", 999999), {}).status_code == 404
    assert login(world.org.user("office")).post(url("moderate", "article", held.pk), {}).status_code == 404


def test_actions_are_post_only(world, login):
    client = login(world.org.user("office"))
    assert client.get(url("moderate", "suggestion", world.held.pk)).status_code == 405
    assert client.post(url("inbox")).status_code == 405
    assert client.post(url("office")).status_code == 405


def test_another_campaigns_staff_reach_nothing_here_by_guessed_ids(world, elsewhere, login):
    client = login(elsewhere.publicity_other)
    page = client.get(url("moderation"))
    assert page.status_code == 200 and HELD_TITLE not in content(page)
    assert client.get(url("moderation", campaign="xihu")).status_code == 404
    response = client.post(url("moderate", "suggestion", world.held.pk), {"action": "approve"})
    assert response.status_code == 404
    # The bulk form names the other campaign but checks this one's item: refused, nothing changes.
    response = client.post(
        url("moderation"), {"campaign": "other", "action": "approve", "suggestions": [world.held.pk]}
    )
    assert response.status_code == 400
    assert "不属于本次活动" in content(response)
    world.held.refresh_from_db()
    assert world.held.status == Visibility.PENDING
    participant = world.citizen.participant.pk
    assert client.get(url("participant", participant, campaign="other")).status_code == 404
    assert client.get(url("participant", participant, campaign="xihu")).status_code == 404

    office = login(elsewhere.office_other)
    assert office.get(url("office", campaign="xihu")).status_code == 403
    assert office.get(url("settings", campaign="xihu")).status_code == 403
    assert office.post(url("route", world.routed.pk), {"code": "S-X"}).status_code == 403
    assert office.post(url("route", world.held.pk), {"code": "S-X"}).status_code == 404
    assert office.get(url("inbox", campaign="xihu")).status_code == 200
    assert ROUTED_TITLE not in content(office.get(url("inbox", campaign="xihu")))


# --- moderation ---------------------------------------------------------------------------------------------


def test_one_decision_by_htmx_returns_the_item_in_its_new_state(world, login):
    client = login(world.org.user("publicity"))
    response = client.post(
        url("moderate", "suggestion", world.held.pk), {"action": "approve", "queue": "pending"}, **HX
    )
    assert response.status_code == 200
    page = content(response)
    assert f'id="item-suggestion-{world.held.pk}"' in page
    assert "已通过" in page
    world.held.refresh_from_db()
    assert world.held.status == Visibility.PUBLISHED
    entry = AuditEntry.objects.get(action="discussion.approve", object_id=str(world.held.pk))
    assert entry.actor == world.org.user("publicity")


def test_rejecting_needs_a_note_shown_with_the_item(world, login):
    client = login(world.org.user("office"))
    target = url("moderate", "suggestion", world.held.pk)
    response = client.post(target, {"action": "reject", "note": ""}, **HX)
    assert response.status_code == 200
    assert "驳回或隐藏时请写明理由" in content(response)
    response = client.post(target, {"action": "reject", "note": ""}, follow=True)
    assert "驳回或隐藏时请写明理由" in content(response)
    world.held.refresh_from_db()
    assert world.held.status == Visibility.PENDING
    response = client.post(target, {"action": "reject", "note": "含有不实信息", "queue": "pending"})
    assert response.status_code == 302 and response["Location"].endswith("campaign=xihu&queue=pending")
    world.held.refresh_from_db()
    assert (world.held.status, world.held.moderation_note) == (Visibility.REJECTED, "含有不实信息")
    rejected = content(client.get(url("moderation", campaign="xihu", queue="rejected")))
    assert HELD_TITLE in rejected and "含有不实信息" in rejected


def test_bulk_approval_decides_every_checked_item(world, citizen2, make_suggestion, login):
    other = make_suggestion(body=f"又一条提到{WORD}的建言，等待审核处理。")
    comment = services.comment_create(suggestion=world.routed, body=f"评论里也有{WORD}呢", by=citizen2)
    assert comment.status == Visibility.PENDING
    client = login(world.org.user("office"))
    queue = content(client.get(url("moderation")))
    assert HELD_TITLE in queue and f'评论里也有<mark class="hit">{WORD}</mark>呢' in queue
    response = client.post(
        url("moderation"),
        {
            "campaign": "xihu",
            "queue": "pending",
            "action": "approve",
            "suggestions": [world.held.pk, other.pk],
            "comments": [comment.pk],
        },
    )
    assert response.status_code == 302
    assert set(Suggestion.objects.filter(pk__in=[world.held.pk, other.pk]).values_list("status", flat=True)) == {
        Visibility.PUBLISHED
    }
    comment.refresh_from_db()
    assert comment.status == Visibility.PUBLISHED
    world.routed.refresh_from_db()
    assert world.routed.comments_count == 1
    assert AuditEntry.objects.filter(action="discussion.approve").count() == 3


def test_bulk_decision_with_one_bad_item_changes_nothing(world, make_suggestion, login):
    other = make_suggestion(body=f"再一条提到{WORD}的建言，等待审核处理。")
    client = login(world.org.user("office"))
    # The routed suggestion is already public: "approve" cannot apply to it, so the lot is refused.
    response = client.post(
        url("moderation"),
        {"campaign": "xihu", "action": "approve", "suggestions": [world.held.pk, other.pk, world.routed.pk]},
    )
    assert response.status_code == 400
    assert "不能执行此操作" in content(response)
    statuses = dict(Suggestion.objects.values_list("pk", "status"))
    assert statuses[world.held.pk] == statuses[other.pk] == Visibility.PENDING
    assert not AuditEntry.objects.filter(action="discussion.approve").exists()
    # The checked boxes stay checked for another try.
    assert f'value="{world.held.pk}" checked' in content(response)


def test_bulk_form_errors_are_shown_next_to_their_fields(world, login):
    client = login(world.org.user("office"))
    response = client.post(url("moderation"), {"campaign": "xihu", "action": "hide", "note": ""})
    assert response.status_code == 400
    assert "请至少选择一项" in content(response)
    response = client.post(
        url("moderation"), {"campaign": "xihu", "action": "reject", "note": "", "suggestions": [world.held.pk]}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    world.held.refresh_from_db()
    assert world.held.status == Visibility.PENDING


def test_reported_items_wait_in_the_reported_queue_and_enough_reports_hide_them(world, login):
    client = login(world.org.user("publicity"))
    reporters = [new_citizen(f"reporter{i}") for i in range(3)]
    services.report_create(suggestion=world.routed, reason=ReportReason.SPAM, by=reporters[0])
    reported = content(client.get(url("moderation", queue="reported")))
    assert ROUTED_TITLE in reported and "垃圾广告 × 1" in reported
    services.report_create(suggestion=world.routed, reason=ReportReason.SPAM, by=reporters[1])
    services.report_create(suggestion=world.routed, reason=ReportReason.ABUSE, by=reporters[2])
    world.routed.refresh_from_db()
    assert world.routed.status == Visibility.HIDDEN
    response = client.get(url("moderation", queue="hidden"))
    page = content(response)
    assert ROUTED_TITLE in page
    assert "被举报 3 次" in page and "垃圾广告 × 2" in page and "辱骂攻击 × 1" in page
    tabs = {name: n for name, _label, n in response.context["tabs"]}
    assert tabs == {"pending": 1, "reported": 0, "hidden": 1, "rejected": 0}
    # Restoring it resolves the reports: it leaves the queues.
    client.post(url("moderate", "suggestion", world.routed.pk), {"action": "restore"})
    world.routed.refresh_from_db()
    assert world.routed.status == Visibility.PUBLISHED
    assert ROUTED_TITLE not in content(client.get(url("moderation", queue="reported")))


# --- a participant -------------------------------------------------------------------------------------------


def test_participant_page_masks_contact_details(world, login):
    citizen = world.citizen
    citizen.phone, citizen.email = "13812345678", "zhangsan@example.org"
    citizen.save(update_fields=["phone", "email"])
    services.participant_register_name(
        participant=citizen.participant, real_name="张三丰", id_number="11010519491231002X", by=citizen
    )
    response = login(world.org.user("office")).get(url("participant", citizen.participant.pk))
    page = content(response)
    assert response["Cache-Control"] == "no-store"
    assert "138****5678" in page and "13812345678" not in page
    assert "zh***@example.org" in page and "zhangsan@" not in page
    assert "张三丰" in page and "1101**********002X" in page and "11010519491231002X" not in page
    assert ROUTED_TITLE in page and HELD_TITLE in page


def test_blocking_needs_a_reason_is_audited_and_stops_posting(world, theme, login):
    citizen, office = world.citizen, world.org.user("office")
    person = citizen.participant
    page = url("participant", person.pk, campaign="xihu")
    client = login(office)
    response = client.post(page, {"action": "block", "reason": "  "})
    assert response.status_code == 400
    assert "请说明封禁原因。" in content(response)
    person.refresh_from_db()
    assert not person.is_blocked
    assert not AuditEntry.objects.filter(action="discussion.participant_block").exists()

    response = client.post(page, {"action": "block", "reason": "多次发布广告"})
    assert response.status_code == 302 and response["Location"] == page
    person.refresh_from_db()
    assert person.is_blocked and person.blocked_by == office
    entry = AuditEntry.objects.get(action="discussion.participant_block", object_id=str(person.pk))
    assert (entry.note, entry.actor) == ("多次发布广告", office)
    with pytest.raises(PermissionDenied):
        services.suggestion_create(
            campaign=world.campaign,
            theme=theme,
            title="封禁后再发的建言",
            body="封禁之后仍然想要发表的一条建言。",
            by=citizen,
        )
    shown = content(client.get(page))
    assert "多次发布广告" in shown and "解除封禁" in shown

    response = client.post(page, {"action": "unblock"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_blocked
    assert AuditEntry.objects.filter(action="discussion.participant_unblock", object_id=str(person.pk)).exists()
    history = client.get(page).context["history"]
    assert [e.action for e in history] == ["discussion.participant_unblock", "discussion.participant_block"]
    # Unblocking again is refused with the service's words.
    response = client.post(page, {"action": "unblock"})
    assert response.status_code == 400 and "该参与者未被封禁" in content(response)


# --- the word list --------------------------------------------------------------------------------------------


def test_words_added_and_removed_on_the_page_apply_to_the_next_post(campaign, citizen, make_suggestion, org, login):
    client = login(org.user("publicity"))
    response = client.post(
        url("words"), {"action": "add", "words": "测试屏蔽词\n另一个词\n\n测试屏蔽词", "category": "测试"}
    )
    assert response.status_code == 302
    assert set(SensitiveWord.objects.values_list("word", "category")) == {("测试屏蔽词", "测试"), ("另一个词", "测试")}
    held = make_suggestion(body="这条建言里有测试屏蔽词，应当等待审核。")
    assert held.status == Visibility.PENDING and held.screen_hits == ["测试屏蔽词"]

    response = client.post(url("words"), {"action": "remove", "word": ["测试屏蔽词"]})
    assert response.status_code == 302
    assert not SensitiveWord.objects.filter(word="测试屏蔽词").exists()
    published = make_suggestion(body="这条建言里也有测试屏蔽词，现在直接公开。")
    assert published.status == Visibility.PUBLISHED
    assert AuditEntry.objects.filter(action__in=["discussion.words_add", "discussion.words_remove"]).count() == 2


def test_word_list_is_searched_and_counted_and_bad_words_are_refused(org, words, login):
    words("赌博网站", "代开发票")
    services.words_add(words=["刷单返利"], category="诈骗", by=None)
    client = login(org.user("office"))
    response = client.get(url("words"))
    assert response.context["total"] == 3
    found = content(client.get(url("words", q="发票")))
    assert "代开发票" in found and "赌博网站" not in found
    by_category = content(client.get(url("words", category="诈骗")))
    assert "刷单返利" in by_category and "代开发票" not in by_category
    response = client.post(url("words"), {"action": "add", "words": "好" * 41})
    assert response.status_code == 400
    assert response.context["add_form"].errors["words"]
    assert SensitiveWord.objects.count() == 3
    response = client.post(url("words"), {"action": "remove"}, follow=True)
    assert "请先勾选要删除的敏感词" in content(response)


# --- the inbox and replies ----------------------------------------------------------------------------------------


def test_inbox_lights_each_deadline(world, make_suggestion, login):
    soon = make_suggestion(title="即将到期的建言")
    late = make_suggestion(title="已经逾期的建言")
    now = timezone.now()
    # Time passes: one deadline is a day away, another passed yesterday.
    Suggestion.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(days=1))
    Suggestion.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(days=1))
    client = login(world.org.user("dept_liaison"))
    response = client.get(url("inbox"))
    lights = {row.suggestion.title: row.light for row in response.context["rows"]}
    assert lights == {ROUTED_TITLE: "green", "即将到期的建言": "yellow", "已经逾期的建言": "red"}
    tabs = {name: n for name, _label, n in response.context["tabs"]}
    assert tabs == {"awaiting": 3, "overdue": 1, "answered": 0, "all": 3}
    overdue = client.get(url("inbox", state="overdue"))
    assert [row.suggestion.title for row in overdue.context["rows"]] == ["已经逾期的建言"]
    assert "已逾期" in content(overdue)


def test_deadline_light():
    now = timezone.now()
    s = Suggestion(answer_state=AnswerState.ASSIGNED, due_at=now + dt.timedelta(days=10))
    assert deadline_light(s, now, 2) == "green"
    s.due_at = now + dt.timedelta(days=2)
    assert deadline_light(s, now, 2) == "yellow"
    s.due_at = now - dt.timedelta(minutes=1)
    assert deadline_light(s, now, 2) == "red"
    s.answer_state = AnswerState.REPLIED
    assert deadline_light(s, now, 2) == "done"
    assert deadline_light(Suggestion(answer_state=AnswerState.UNROUTED), now, 2) == "none"


def test_liaisons_see_their_departments_and_the_office_its_campaign(world, login):
    org = world.org
    assert ROUTED_TITLE in content(login(org.user("dept_liaison")).get(url("inbox")))
    assert ROUTED_TITLE in content(login(org.user("office")).get(url("inbox")))
    assert ROUTED_TITLE not in content(login(org.user("liaison")).get(url("inbox", state="all")))
    assert ROUTED_TITLE not in content(login(org.user("liaison_b")).get(url("inbox", state="all")))


def test_reply_flow(world, login):
    client = login(world.org.user("dept_liaison"))
    target = url("reply", world.routed.pk)
    response = client.post(target, {"body": "收到"})
    assert response.status_code == 400
    assert response.context["form"].errors["body"] == ["答复内容至少 10 个字。"]
    assert not Reply.objects.exists()
    response = client.post(target, {"body": "已安排公交公司实地查看，将于下月增设站点。"})
    assert response.status_code == 302
    assert response["Location"] == reverse("discussion:suggestion", args=[world.routed.pk])
    world.routed.refresh_from_db()
    assert world.routed.answer_state == AnswerState.REPLIED
    reply = Reply.objects.get(suggestion=world.routed)
    assert (reply.department, reply.author) == (world.org.department, world.org.user("dept_liaison"))
    answered = client.get(url("inbox", state="answered"))
    assert [row.suggestion.pk for row in answered.context["rows"]] == [world.routed.pk]
    assert ROUTED_TITLE not in content(client.get(url("inbox")))
    # Answered: a second reply is refused until the author reopens it.
    response = client.post(target, {"body": "再补充一条答复内容，说明进展情况。"})
    assert response.status_code == 400 and Reply.objects.count() == 1


def test_reply_by_htmx_redirects_the_page(world, login):
    client = login(world.org.user("office"))
    response = client.post(url("reply", world.routed.pk), {"body": "办公室代为答复：已转交公交公司办理。"}, **HX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("discussion:suggestion", args=[world.routed.pk])


# --- routing ---------------------------------------------------------------------------------------------------


def test_office_routes_from_the_list_and_the_deadline_starts(campaign, org, make_suggestion, login):
    suggestion = make_suggestion(title="没有分办规则的建言")
    asked = make_suggestion(title="一条咨询", kind=Kind.ASK)
    assert suggestion.answer_state == AnswerState.UNROUTED
    client = login(org.user("office"))
    office_url = url("office", campaign="xihu")
    listing = content(client.get(office_url))
    assert f'action="{url("route", suggestion.pk)}"' in listing
    before = timezone.now()
    response = client.post(
        url("route", suggestion.pk), {"department": org.street_a.pk, "note": "请甲街道办理", "next": office_url}
    )
    after = timezone.now()
    assert response.status_code == 302 and response["Location"] == office_url
    suggestion.refresh_from_db()
    assert (suggestion.department, suggestion.answer_state) == (org.street_a, AnswerState.ASSIGNED)
    assert before + dt.timedelta(days=15) <= suggestion.due_at <= after + dt.timedelta(days=15)
    entry = AuditEntry.objects.get(action="discussion.route", object_id=str(suggestion.pk))
    assert entry.note == "请甲街道办理"

    response = client.post(url("route", asked.pk), {"code": "DEP-FG", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == office_url
    asked.refresh_from_db()
    assert asked.department == org.department
    assert asked.due_at - asked.assigned_at == dt.timedelta(days=5)


def test_route_errors_are_shown_next_to_the_fields(campaign, org, make_suggestion, elsewhere, login):
    suggestion = make_suggestion()
    client = login(org.user("office"))
    target = url("route", suggestion.pk)
    response = client.post(target, {})
    assert response.status_code == 400
    assert response.context["form"].errors["department"] == ["请选择承办单位，或填写单位代码。"]
    response = client.post(target, {"code": "S-X"})  # a street of the other district
    assert response.status_code == 400
    assert "没有代码为“S-X”" in response.context["form"].errors["code"][0]
    response = client.post(target, {"department": elsewhere.street.pk})
    assert response.status_code == 400 and response.context["form"].errors["department"]
    suggestion.refresh_from_db()
    assert suggestion.department is None and suggestion.answer_state == AnswerState.UNROUTED


def test_office_filters_by_state_theme_and_department(world, make_suggestion, login):
    second_theme = world.campaign.themes.order_by("order", "id")[1]
    other = make_suggestion(title="第二个主题的建言", theme=second_theme)
    client = login(world.org.user("office"))

    def titles(**query):
        return {row.suggestion.title for row in client.get(url("office", **query)).context["rows"]}

    assert titles() == {ROUTED_TITLE, "第二个主题的建言"}
    assert titles(theme=second_theme.pk) == {"第二个主题的建言"}
    assert titles(department=world.org.department.pk) == {ROUTED_TITLE, "第二个主题的建言"}
    assert titles(state="overdue") == set()
    Suggestion.objects.filter(pk=other.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert titles(state="overdue") == {"第二个主题的建言"}
    assert titles(overdue=1) == {"第二个主题的建言"}  # the link of the 督办 notice
    response = client.get(url("office"))
    assert response.context["figures"]["overdue"] == 1


# --- settings and import ---------------------------------------------------------------------------------------


def forum_data(**overrides):
    data = {
        "form": "forum",
        "campaign": "xihu",
        "is_open": "on",
        "moderation": "post",
        "hide_after_reports": 3,
        "remind_days": 2,
        "escalate_days": 3,
        "days_suggest": 15,
        "days_ask": 5,
        "days_help": 7,
        "days_complain": 10,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_settings_errors_are_shown_next_to_fields_and_nothing_changes(campaign, org, login):
    client = login(org.user("office"))
    response = client.post(url("settings"), forum_data(days_suggest=0))
    assert response.status_code == 400
    assert response.context["forum_form"].errors["days_suggest"] == ["答复时限应在 1 至 365 天之间。"]
    response = client.post(url("settings"), forum_data(hide_after_reports=-1, moderation="sometimes"))
    assert response.status_code == 400
    errors = response.context["forum_form"].errors
    assert "hide_after_reports" in errors and "moderation" in errors
    forum = services.forum_of(campaign)
    assert (forum.days_suggest, forum.hide_after_reports, forum.moderation) == (15, 3, "post")
    assert not AuditEntry.objects.filter(action="discussion.forum_update").exists()

    response = client.post(url("settings"), forum_data(moderation="pre", days_ask=3, is_open=None))
    assert response.status_code == 302
    forum = Forum.objects.get(campaign=campaign)
    assert (forum.moderation, forum.days_ask, forum.is_open) == ("pre", 3, False)
    assert AuditEntry.objects.filter(action="discussion.forum_update").exists()


def test_routing_rules_per_theme_and_default(campaign, theme, org, login):
    client = login(org.user("office"))
    field = f"theme_{theme.pk}"
    response = client.post(
        url("settings"),
        {"form": "routing", "campaign": "xihu", field: org.street_a.pk, "default": org.department.pk},
    )
    assert response.status_code == 302
    rules = dict(RoutingRule.objects.filter(campaign=campaign).values_list("theme_id", "department_id"))
    assert rules == {theme.pk: org.street_a.pk, None: org.department.pk}
    response = client.post(url("settings"), {"form": "routing", "campaign": "xihu", field: org.street_a.pk})
    assert response.status_code == 302
    assert dict(RoutingRule.objects.values_list("theme_id", "department_id")) == {theme.pk: org.street_a.pk}
    response = client.post(url("settings"), {"form": "routing", "campaign": "xihu", "default": 999999})
    assert response.status_code == 400
    assert response.context["routing_form"].errors["default"]
    assert RoutingRule.objects.count() == 1


def csv_upload(*rows: list[str]) -> SimpleUploadedFile:
    lines = [",".join(imports.TEMPLATE_HEADER), *(",".join(row) for row in rows)]
    return SimpleUploadedFile("offline.csv", ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def offline_row(body: str, ref: str, **cells: str) -> list[str]:
    values = {"主题": "1", "内容": body, "来源": "书面意见", "来源编号": ref, **cells}
    return [values.get(name, "") for name in imports.TEMPLATE_HEADER]


def test_import_lists_each_bad_row_and_writes_nothing(campaign, org, login):
    client = login(org.user("office"))
    upload = csv_upload(
        offline_row("建议增加社区食堂的供餐时段，方便老年人就餐。", "SM-1"),
        offline_row("", "SM-2"),
        offline_row("建议整治背街小巷的乱停车问题，保障消防通道畅通。", "SM-3", 来源="飞鸽传书"),
    )
    response = client.post(url("import"), {"campaign": "xihu", "file": upload})
    assert response.status_code == 400
    rows = {(e.row, e.field) for e in response.context["errors"]}
    assert {(3, "内容"), (4, "来源")} <= rows
    assert "未导入任何数据" in content(response)
    assert not Suggestion.objects.exists()


def test_import_writes_every_row_and_says_how_many(campaign, org, login):
    client = login(org.user("office"))
    upload = csv_upload(
        offline_row("建议增加社区食堂的供餐时段，方便老年人就餐。", "SM-1"),
        offline_row("建议整治背街小巷的乱停车问题，保障消防通道畅通。", "SM-2"),
    )
    response = client.post(url("import"), {"campaign": "xihu", "file": upload}, follow=True)
    assert response.status_code == 200
    assert "已导入 2 条线下意见。" in content(response)
    assert Suggestion.objects.filter(campaign=campaign, source=Source.PAPER).count() == 2


def test_import_template_is_a_csv_of_the_columns(campaign, org, login):
    response = login(org.user("office")).get(url("import", campaign="xihu", template="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    first = response.content.decode("utf-8-sig").splitlines()[0]
    assert first == ",".join(imports.TEMPLATE_HEADER)


def test_import_refuses_a_missing_file(campaign, org, login):
    response = login(org.user("office")).post(url("import"), {"campaign": "xihu"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


# --- query counts --------------------------------------------------------------------------------------------------


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_staff_lists_take_a_fixed_number_of_queries(
    world, citizen2, make_suggestion, words, login, django_assert_max_num_queries
):
    office = login(world.org.user("office"))
    reporter = new_citizen("reporter")
    paths = {
        "moderation": url("moderation"),
        "inbox": url("inbox"),
        "office": url("office"),
        "words": url("words"),
        "participant": url("participant", world.citizen.participant.pk),
    }
    counter = iter(range(100))

    def add_items(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            held = make_suggestion(body=f"第{i}条提到{WORD}的建言，等待审核处理。")
            services.comment_create(suggestion=world.routed, body=f"第{i}条评论也有{WORD}", by=citizen2)
            published = make_suggestion(title=f"公开的建言{i}")
            services.report_create(suggestion=published, reason=ReportReason.FALSE, by=reporter)
            assert held.status == Visibility.PENDING
        words(*(f"新增词{next(counter)}" for _ in range(n)))

    add_items(1)
    queries(office, paths["moderation"])  # the screen is built once for the new list
    few = {name: queries(office, path) for name, path in paths.items()}
    add_items(15)
    queries(office, paths["moderation"])
    many = {name: queries(office, path) for name, path in paths.items()}
    assert many == few
    # The ceilings: the page's own reads plus the session, the user, their roles and the navigation.
    ceilings = {"moderation": 26, "inbox": 10, "office": 13, "words": 9, "participant": 13}
    for name, ceiling in ceilings.items():
        with django_assert_max_num_queries(ceiling):
            office.get(paths[name])
    with django_assert_max_num_queries(ceilings["moderation"]):
        office.get(url("moderation", queue="reported"))
    liaison = login(world.org.user("dept_liaison"))
    with django_assert_max_num_queries(ceilings["inbox"]):
        response = liaison.get(paths["inbox"])
    assert len(response.context["rows"]) == 17


# --- markup in what people write ---------------------------------------------------------------------------------

PAYLOAD = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"


def test_markup_in_posts_and_nicknames_is_shown_as_text(org, campaign, theme, dept_liaison, words, login):
    words(WORD)
    services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=None)
    author = new_citizen("mallory", nickname=IMG)
    commenter = new_citizen("trudy", nickname=PAYLOAD)
    held = services.suggestion_create(
        campaign=campaign, theme=theme, title=f"{IMG}标题", body=f"<b>{WORD}</b>{PAYLOAD}的正文内容", by=author
    )
    shown = services.suggestion_create(
        campaign=campaign, theme=theme, title=f"{PAYLOAD}公开", body=f"{IMG}公开建言的正文内容", by=author
    )
    comment = services.comment_create(suggestion=shown, body=f"{PAYLOAD}{WORD}", by=commenter)
    assert held.status == comment.status == Visibility.PENDING and shown.status == Visibility.PUBLISHED
    office = login(org.user("office"))
    pages = [
        office.get(url("moderation")),
        office.get(url("participant", author.participant.pk)),
        office.get(url("participant", commenter.participant.pk)),
        office.get(url("inbox")),
        office.get(url("office")),
        office.get(url("reply", shown.pk)),
        office.get(url("route", shown.pk)),
        login(dept_liaison).get(url("inbox")),
    ]
    for response in pages:
        page = content(response)
        assert response.status_code == 200
        assert PAYLOAD not in page and IMG not in page
    moderation = content(pages[0])
    assert "&lt;script&gt;" in moderation and "&lt;img src=x onerror=alert(1)&gt;" in moderation
    assert f'&lt;b&gt;<mark class="hit">{WORD}</mark>&lt;/b&gt;' in moderation


def test_marked_runs_merge_overlaps_and_keep_the_text():
    assert marked("abcdef", [(1, 3), (2, 4)]) == [("a", False), ("bcd", True), ("ef", False)]
    assert marked("abc", []) == [("abc", False)]
    assert "".join(text for text, _hit in marked("敏感词在这里", [(0, 3)])) == "敏感词在这里"
