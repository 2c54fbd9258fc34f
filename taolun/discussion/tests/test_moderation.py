"""Moderation and reports through the services: every move of ``MODERATION`` allowed or refused, notes,
bulk decisions all or nothing, counters and search following the decision, reports and automatic hiding.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.accounts.models import Role, RoleAssignment
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import selectors, services
from taolun.discussion.models import AnswerState, Comment, Report, Suggestion, Visibility
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

V = Visibility
ACTIONS = ["approve", "reject", "hide", "restore", "dismiss"]
NOTE = "含有不实信息"

# Where each action leads from each status; None: refused. Written out rather than read from
# services.MODERATION, so that a change of the table shows here. ``dismiss`` (reports found
# unfounded) is refused here because these items have no open report; see the report tests.
EXPECTED = {
    V.PENDING: {"approve": V.PUBLISHED, "reject": V.REJECTED, "hide": None, "restore": None, "dismiss": None},
    V.PUBLISHED: {"approve": None, "reject": None, "hide": V.HIDDEN, "restore": None, "dismiss": None},
    V.HIDDEN: {"approve": None, "reject": V.REJECTED, "hide": None, "restore": V.PUBLISHED, "dismiss": None},
    V.REJECTED: {"approve": None, "reject": None, "hide": None, "restore": V.PUBLISHED, "dismiss": None},
}


@pytest.fixture
def office(org):
    return org.user("office")


@pytest.fixture
def reporters(org):
    """Five citizens who take part."""
    people = []
    for n in range(5):
        user = UserFactory(username=f"reporter{n}", display_name=f"举报人{n}")
        RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
        services.participant_ensure(user=user, nickname=f"居民{n}")
        people.append(user)
    return people


@pytest.fixture
def in_status(campaign, make_suggestion, office):
    """A suggestion brought to ``status`` through the services."""

    def _make(status: str) -> Suggestion:
        forum = services.forum_of(campaign)
        services.forum_update(forum=forum, by=None, moderation="pre" if status != V.PUBLISHED else "post")
        suggestion = make_suggestion()
        if status == V.HIDDEN:
            suggestion = services.moderate(item=suggestion, action="approve", by=office)
            suggestion = services.moderate(item=suggestion, action="hide", note=NOTE, by=office)
        elif status == V.REJECTED:
            suggestion = services.moderate(item=suggestion, action="reject", note=NOTE, by=office)
        suggestion.refresh_from_db()
        assert suggestion.status == status
        return suggestion

    return _make


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_moderation_move_is_allowed_or_refused_as_the_table_says(in_status, office, status, action):
    item = in_status(status)
    to = EXPECTED[status][action]
    before = AuditEntry.objects.filter(action=f"discussion.{action}").count()
    if to is None:
        with pytest.raises(ValidationError, match=r"不能执行此操作|没有待处理的举报"):
            services.moderate(item=item, action=action, note=NOTE, by=office)
        item.refresh_from_db()
        assert item.status == status
        assert AuditEntry.objects.filter(action=f"discussion.{action}").count() == before
        return
    moved = services.moderate(item=item, action=action, note=NOTE, by=office)
    item.refresh_from_db()
    assert moved.status == item.status == to
    assert item.moderated_by == office and item.moderation_note == NOTE and item.moderated_at is not None
    entry = AuditEntry.objects.filter(action=f"discussion.{action}", object_id=str(item.pk)).latest("id")
    assert entry.before == {"status": status} and entry.after == {"status": to} and entry.actor == office
    if to == V.PUBLISHED:
        assert item.published_at is not None


def test_an_unknown_action_is_refused(in_status, office):
    item = in_status(V.PENDING)
    with pytest.raises(ValidationError):
        services.moderate(item=item, action="delete", note=NOTE, by=office)
    item.refresh_from_db()
    assert item.status == V.PENDING


@pytest.mark.parametrize("action", ["reject", "hide"])
def test_reject_and_hide_need_a_note(in_status, office, make_suggestion, action):
    item = in_status(V.PENDING if action == "reject" else V.PUBLISHED)
    for note in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.moderate(item=item, action=action, note=note, by=office)
        assert "note" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            services.moderate_many(suggestions=[item], action=action, note=note, by=office)
        assert "note" in refused.value.message_dict
    item.refresh_from_db()
    assert item.moderation_note == "" and item.moderated_at is None


def test_approve_and_restore_need_no_note(in_status, office):
    assert services.moderate(item=in_status(V.PENDING), action="approve", by=office).status == V.PUBLISHED
    assert services.moderate(item=in_status(V.REJECTED), action="restore", by=office).status == V.PUBLISHED


def test_only_moderators_of_the_campaign_moderate(org_mixed_roles, in_status, make_campaign):
    org = org_mixed_roles
    item = in_status(V.PENDING)
    for role in ("liaison", "liaison_b", "reviewer", "cadre", "citizen", "office_a", "liaison_reviewer"):
        with pytest.raises(PermissionDenied):
            services.moderate(item=item, action="approve", by=org.user(role))
        with pytest.raises(PermissionDenied):
            services.moderate_many(suggestions=[item], action="approve", by=org.user(role))
    item.refresh_from_db()
    assert item.status == V.PENDING
    services.moderate(item=item, action="approve", by=org.user("liaison_publicity"))


def test_moderate_many_is_all_or_nothing(org, campaign, make_suggestion, office, route_to_department, citizen2):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = [make_suggestion() for _ in range(3)]
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="post")
    public = make_suggestion()
    comment = services.comment_create(suggestion=public, body="同意这个建议", by=citizen2)
    notices = Notification.objects.count()
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError, match="不能执行此操作"):
        services.moderate_many(suggestions=[*held[:2], public, held[2]], action="approve", by=office)
    with pytest.raises(ValidationError, match="不能执行此操作"):
        services.moderate_many(suggestions=held, comments=[comment], action="approve", by=office)
    for item in held:
        item.refresh_from_db()
        assert item.status == V.PENDING and item.published_at is None
        assert item.department is None and item.answer_state == AnswerState.UNROUTED
    assert AuditEntry.objects.count() == audits
    assert Notification.objects.count() == notices
    with pytest.raises(ValidationError):
        services.moderate_many(suggestions=[], comments=[], action="approve", by=office)

    assert services.moderate_many(suggestions=held, action="approve", by=office) == 3
    for item in held:
        item.refresh_from_db()
        assert item.status == V.PUBLISHED and item.department == org.department  # routed on approval
    assert services.moderate_many(suggestions=[public], comments=[comment], action="hide", note=NOTE, by=office) == 2
    public.refresh_from_db()
    comment.refresh_from_db()
    assert public.status == V.HIDDEN and comment.status == V.HIDDEN


def test_comments_count_follows_every_moderation_move(campaign, make_suggestion, office, citizen2):
    suggestion = make_suggestion()
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    comment = services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen2)
    other = services.comment_create(suggestion=suggestion, body="另一条待审评论", by=citizen2)

    def count() -> int:
        suggestion.refresh_from_db()
        return suggestion.comments_count

    assert count() == 0
    steps = [
        ("approve", 1),
        ("hide", 0),
        ("restore", 1),
        ("hide", 0),
        ("reject", 0),
        ("restore", 1),
    ]
    for action, expected in steps:
        comment = services.moderate(item=comment, action=action, note=NOTE, by=office)
        assert count() == expected, action
        assert count() == Comment.objects.filter(suggestion=suggestion, status=V.PUBLISHED).count()
    services.moderate(item=other, action="reject", note=NOTE, by=office)
    assert count() == 1
    services.moderate(item=other, action="restore", by=office)
    assert count() == 2


def test_search_follows_moderation_of_a_suggestion_and_its_comments(
    campaign, make_suggestion, office, citizen2, dept_liaison, route_to_department
):
    suggestion = make_suggestion(
        title="关于菜市场噪音扰民的建议", body="凌晨三点菜市场卸货噪音很大，影响周边居民休息。"
    )
    services.comment_create(suggestion=suggestion, body="菜市场卸货确实吵闹，附近楼栋都能听到", by=citizen2)
    services.reply_create(suggestion=suggestion, body="已责成市场管理方调整卸货时间，改到早上六点以后。", by=None)

    def found(query: str) -> set[str]:
        return set(selectors.search_entries(campaign, query).values_list("kind", flat=True))

    assert found("卸货") == {"suggestion", "comment", "reply"}
    services.moderate(item=suggestion, action="hide", note=NOTE, by=office)
    assert found("卸货") == set()
    assert found("卸货时间") == set()
    services.moderate(item=suggestion, action="restore", by=office)
    assert found("卸货") == {"suggestion", "comment", "reply"}

    comment = Comment.objects.get()
    services.moderate(item=comment, action="hide", note=NOTE, by=office)
    assert found("吵闹") == set()
    assert found("卸货") == {"suggestion", "reply"}
    # Hiding and restoring the suggestion does not bring back a comment hidden on its own.
    services.moderate(item=suggestion, action="hide", note=NOTE, by=office)
    services.moderate(item=suggestion, action="restore", by=office)
    assert found("吵闹") == set()
    services.moderate(item=comment, action="restore", by=office)
    assert found("吵闹") == {"comment"}


def test_the_author_is_told_of_approval_rejection_and_hiding_with_the_note(campaign, make_suggestion, office, citizen):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    first = make_suggestion()
    second = make_suggestion()
    services.moderate(item=first, action="approve", by=office)
    services.moderate(item=second, action="reject", note="内容与主题无关", by=office)
    services.moderate(item=first, action="hide", note="涉及他人隐私", by=office)
    services.moderate(item=first, action="restore", by=office)  # not told
    titles = list(Notification.objects.filter(recipient=citizen).order_by("id").values_list("title", "body"))
    assert titles == [
        ("您的建言已通过审核并公开", ""),
        ("您的建言未通过审核", "内容与主题无关"),
        ("您的建言已被隐藏", "涉及他人隐私"),
    ]


def test_the_comments_author_is_told_too(campaign, make_suggestion, office, citizen2):
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen2)
    services.moderate(item=comment, action="hide", note="重复刷屏", by=office)
    (notice,) = Notification.objects.filter(recipient=citizen2)
    assert notice.title == "您的评论已被隐藏" and notice.body == "重复刷屏"
    assert str(suggestion.pk) in notice.url


def test_followers_hear_of_a_held_comment_once_it_is_approved(
    campaign, make_suggestion, office, citizen, citizen2, django_capture_on_commit_callbacks
):
    suggestion = make_suggestion()
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    comment = services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen2)
    assert not Notification.objects.filter(recipient=citizen).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(item=comment, action="approve", by=office)
    assert Notification.objects.filter(recipient=citizen, title__contains="新评论").count() == 1
    assert not Notification.objects.filter(recipient=citizen2, title__contains="新评论").exists()
    # Restored later, it is not news again.
    with django_capture_on_commit_callbacks(execute=True):
        services.moderate(item=comment, action="hide", note=NOTE, by=office)
        services.moderate(item=comment, action="restore", by=office)
    assert Notification.objects.filter(recipient=citizen, title__contains="新评论").count() == 1


# --- reports ----------------------------------------------------------------------------------------


def test_own_content_cannot_be_reported(make_suggestion, citizen, citizen2):
    suggestion = make_suggestion()
    with pytest.raises(ValidationError, match="不能举报自己"):
        services.report_create(suggestion=suggestion, reason="spam", by=citizen)
    comment = services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen2)
    with pytest.raises(ValidationError, match="不能举报自己"):
        services.report_create(comment=comment, reason="spam", by=citizen2)
    assert not Report.objects.exists()


def test_a_report_needs_one_target_a_known_reason_and_public_content(campaign, make_suggestion, citizen, citizen2):
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen)
    with pytest.raises(ValidationError):
        services.report_create(reason="spam", by=citizen2)
    with pytest.raises(ValidationError):
        services.report_create(suggestion=suggestion, comment=comment, reason="spam", by=citizen2)
    with pytest.raises(ValidationError) as refused:
        services.report_create(suggestion=suggestion, reason="boring", by=citizen2)
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.report_create(suggestion=suggestion, reason="other", note="说" * 501, by=citizen2)
    assert "note" in refused.value.message_dict
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = make_suggestion()
    with pytest.raises(ValidationError, match="未公开"):
        services.report_create(suggestion=held, reason="spam", by=citizen2)
    assert not Report.objects.exists()


def test_reporting_twice_is_refused(make_suggestion, citizen2):
    suggestion = make_suggestion()
    report = services.report_create(suggestion=suggestion, reason="false", note="数据不实", by=citizen2, ip="192.0.2.1")
    assert (report.reason, report.note, report.reporter) == ("false", "数据不实", citizen2.participant)
    with pytest.raises(ValidationError, match="已举报过"):
        services.report_create(suggestion=suggestion, reason="spam", by=citizen2)
    suggestion.refresh_from_db()
    assert suggestion.report_count == 1
    assert Report.objects.count() == 1
    assert selectors.standing(suggestion, citizen2).reported


def test_enough_reports_hide_the_suggestion_with_a_system_audit_entry(
    org, campaign, make_suggestion, reporters, office
):
    services.forum_update(forum=services.forum_of(campaign), by=office, hide_after_reports=3)
    suggestion = make_suggestion()
    for n, reporter in enumerate(reporters[:2], start=1):
        services.report_create(suggestion=suggestion, reason="abuse", by=reporter)
        suggestion.refresh_from_db()
        assert suggestion.status == V.PUBLISHED and suggestion.report_count == n
    queued, _comments = selectors.moderation_queue(office, campaign, "reported")
    assert list(queued) == [suggestion]
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[2])
    suggestion.refresh_from_db()
    assert suggestion.status == V.HIDDEN and suggestion.report_count == 3
    assert suggestion.moderated_by is None and "3" in suggestion.moderation_note
    (entry,) = AuditEntry.objects.filter(action="discussion.hide", object_id=str(suggestion.pk))
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.before == {"status": V.PUBLISHED} and entry.after == {"status": V.HIDDEN}
    assert not selectors.search_entries(campaign, "服务大厅").exists()
    assert list(selectors.moderation_queue(office, campaign, "hidden")[0]) == [suggestion]
    # The reports wait for the moderator; later reports add to them but hide nothing twice.
    assert Report.objects.filter(resolved_at__isnull=True).count() == 3
    with pytest.raises(ValidationError, match="未公开"):
        services.report_create(suggestion=suggestion, reason="abuse", by=reporters[3])
    assert AuditEntry.objects.filter(action="discussion.hide", object_id=str(suggestion.pk)).count() == 1


def test_enough_reports_hide_a_comment_and_uncount_it(campaign, make_suggestion, reporters, citizen2, office):
    services.forum_update(forum=services.forum_of(campaign), by=office, hide_after_reports=2)
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="这条评论会被举报", by=citizen2)
    services.report_create(comment=comment, reason="spam", by=reporters[0])
    services.report_create(comment=comment, reason="spam", by=reporters[1])
    comment.refresh_from_db()
    suggestion.refresh_from_db()
    assert comment.status == V.HIDDEN and comment.report_count == 2
    assert suggestion.comments_count == 0
    assert AuditEntry.objects.filter(action="discussion.hide", object_id=str(comment.pk), actor=None).count() == 1


def test_a_moderators_decision_resolves_the_reports(campaign, make_suggestion, reporters, office):
    services.forum_update(forum=services.forum_of(campaign), by=office, hide_after_reports=2)
    suggestion = make_suggestion()
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[0])
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[1])
    services.moderate(item=suggestion, action="restore", by=office)
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert not selectors.moderation_queue(office, campaign, "reported")[0].exists()
    assert not selectors.moderation_queue(office, campaign, "hidden")[0].exists()


def test_after_a_restore_it_takes_enough_new_reports_to_hide_again(campaign, make_suggestion, reporters, office):
    services.forum_update(forum=services.forum_of(campaign), by=office, hide_after_reports=2)
    suggestion = make_suggestion()
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[0])
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[1])
    services.moderate(item=suggestion, action="restore", by=office)
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[2])
    suggestion.refresh_from_db()
    assert suggestion.status == V.PUBLISHED
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[3])
    suggestion.refresh_from_db()
    assert suggestion.status == V.HIDDEN
    assert AuditEntry.objects.filter(action="discussion.hide", object_id=str(suggestion.pk)).count() == 2


def test_a_moderator_finds_reports_unfounded_and_the_content_stays_public(
    campaign, make_suggestion, reporters, office, citizen
):
    services.forum_update(forum=services.forum_of(campaign), by=office, hide_after_reports=2)
    suggestion = make_suggestion()
    services.report_create(suggestion=suggestion, reason="false", by=reporters[0])
    assert list(selectors.moderation_queue(office, campaign, "reported")[0]) == [suggestion]
    assert selectors.queue_counts(office, campaign)["reported"] == 1
    notices = Notification.objects.filter(recipient=citizen).count()
    kept = services.moderate(item=suggestion, action="dismiss", note="举报不实", by=office)
    suggestion.refresh_from_db()
    assert kept.status == suggestion.status == V.PUBLISHED
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert not selectors.moderation_queue(office, campaign, "reported")[0].exists()
    assert selectors.queue_counts(office, campaign)["reported"] == 0
    entry = AuditEntry.objects.get(action="discussion.dismiss_reports", object_id=str(suggestion.pk))
    assert entry.actor == office and entry.after == {"reports_dismissed": 1} and entry.note == "举报不实"
    assert Notification.objects.filter(recipient=citizen).count() == notices  # the author is not told
    with pytest.raises(ValidationError, match="没有待处理的举报"):
        services.moderate(item=suggestion, action="dismiss", by=office)
    # Dismissed reports no longer count towards hiding: it takes two new ones.
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[1])
    suggestion.refresh_from_db()
    assert suggestion.status == V.PUBLISHED
    services.report_create(suggestion=suggestion, reason="abuse", by=reporters[2])
    suggestion.refresh_from_db()
    assert suggestion.status == V.HIDDEN


def test_reports_on_comments_are_dismissed_in_bulk_all_or_nothing(
    campaign, make_suggestion, reporters, office, citizen2
):
    suggestion = make_suggestion()
    first = services.comment_create(suggestion=suggestion, body="第一条被举报的评论", by=citizen2)
    second = services.comment_create(suggestion=suggestion, body="第二条被举报的评论", by=citizen2)
    clean = services.comment_create(suggestion=suggestion, body="没有被举报的评论", by=citizen2)
    services.report_create(comment=first, reason="spam", by=reporters[0])
    services.report_create(comment=second, reason="spam", by=reporters[0])
    with pytest.raises(ValidationError, match="没有待处理的举报"):
        services.moderate_many(comments=[first, second, clean], action="dismiss", by=office)
    assert Report.objects.filter(resolved_at__isnull=True).count() == 2
    assert services.moderate_many(comments=[first, second], action="dismiss", by=office) == 2
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert not selectors.moderation_queue(office, campaign, "reported")[1].exists()
    suggestion.refresh_from_db()
    assert suggestion.comments_count == 3


def test_the_actions_offered_are_those_the_services_take(in_status, reporters):
    offered = {status: services.moderation_actions(in_status(status), open_reports=False) for status in EXPECTED}
    for status, actions in offered.items():
        assert set(actions) == {a for a, to in EXPECTED[status].items() if to is not None}, status
    public = in_status(V.PUBLISHED)
    services.report_create(suggestion=public, reason="spam", by=reporters[0])
    assert set(services.moderation_actions(public, open_reports=True)) == {"hide", "dismiss"}
