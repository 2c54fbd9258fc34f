"""Taking part through the services: participants, posting a suggestion, comments, votes and follows.

Every refusal is checked for what it says (the field it names, or the reason in words), and every
accepted write for what it leaves behind: the row, its counters, the follow, the audit entry.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns import services as campaign_services
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import selectors, services
from taolun.discussion.models import (
    AnswerState,
    Comment,
    Follow,
    Kind,
    Participant,
    SearchEntry,
    Suggestion,
    Visibility,
    Vote,
)
from taolun.discussion.tests.conftest import campaign_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BODY = "建议社区在周末延长服务大厅的开放时间，方便上班族办理各类事务。"
VALID_ID = "11010519491231002X"


def new_campaign(root, *, key: str, activate: bool = True):
    """A campaign of a small plan over ``root`` (two themes), active unless told otherwise."""
    plan = campaign_services.plan_load(source=plan_yaml(plan_data(key=key)), by=None)
    created = campaign_services.campaign_create(
        plan=plan, root_unit=root, slug=key, start_date=campaign_start(), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None) if activate else created


def new_citizen(username: str, nickname: str = ""):
    user = UserFactory(username=username, display_name=username)
    RoleAssignment.objects.create(user=user, role=Role.CITIZEN, unit=None)
    services.participant_ensure(user=user, nickname=nickname or username)
    return user


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


def post(campaign, theme, by, *, title="关于延长服务大厅开放时间的建议", body=BODY, **kw):
    return services.suggestion_create(campaign=campaign, theme=theme, title=title, body=body, by=by, **kw)


# --- participants ---------------------------------------------------------------------------------


def test_participant_is_made_once_with_the_users_name_by_default(org):
    cadre = org.user("cadre")
    first = services.participant_ensure(user=cadre)
    again = services.participant_ensure(user=cadre, nickname="别的名字")
    assert first.pk == again.pk
    assert first.nickname == cadre.display_name
    assert Participant.objects.filter(user=cadre).count() == 1
    assert AuditEntry.objects.filter(action="discussion.participant_create", object_id=str(first.pk)).count() == 1


def test_nickname_with_a_sensitive_word_is_refused(org, words):
    words("法轮功")
    user = UserFactory(username="newcomer")
    with pytest.raises(ValidationError) as refused:
        services.participant_ensure(user=user, nickname="法輪功學員")
    assert "nickname" in field_errors(refused)
    assert not Participant.objects.filter(user=user).exists()
    participant = services.participant_ensure(user=user, nickname="普通居民")
    with pytest.raises(ValidationError) as refused:
        services.participant_update(participant=participant, nickname="法 轮 功", by=user)
    assert "nickname" in field_errors(refused)
    participant.refresh_from_db()
    assert participant.nickname == "普通居民"


def test_only_the_participant_changes_their_nickname_and_it_is_limited(org, citizen, citizen2):
    participant = citizen.participant
    with pytest.raises(PermissionDenied):
        services.participant_update(participant=participant, nickname="冒名顶替", by=citizen2)
    with pytest.raises(ValidationError) as refused:
        services.participant_update(participant=participant, nickname="长" * 31, by=citizen)
    assert "nickname" in field_errors(refused)
    services.participant_update(participant=participant, nickname="  新昵称  ", by=citizen)
    participant.refresh_from_db()
    assert participant.nickname == "新昵称"
    entry = AuditEntry.objects.get(action="discussion.participant_update", object_id=str(participant.pk))
    assert entry.before == {"nickname": "热心市民"} and entry.after == {"nickname": "新昵称"}


# --- suggestion_create: what is accepted and what it leaves behind ---------------------------------


def test_a_suggestion_is_published_at_once_followed_by_its_author_and_audited(org, campaign, theme, citizen):
    suggestion = post(campaign, theme, citizen, ip="203.0.113.9")
    suggestion.refresh_from_db()
    assert suggestion.status == Visibility.PUBLISHED
    assert suggestion.published_at is not None
    assert suggestion.author == citizen.participant
    assert suggestion.ip_address == "203.0.113.9"
    assert suggestion.screen_hits == []
    assert suggestion.answer_state == AnswerState.UNROUTED  # no routing rule
    assert Follow.objects.filter(suggestion=suggestion, user=citizen).count() == 1
    assert suggestion.follows_count == 1
    entry = AuditEntry.objects.get(action="discussion.suggestion_create", object_id=str(suggestion.pk))
    assert entry.actor == citizen
    assert entry.unit_path == org.district.path
    assert entry.after["status"] == Visibility.PUBLISHED
    assert SearchEntry.objects.get(kind="suggestion", object_id=suggestion.pk).is_public


def test_pre_moderation_holds_the_suggestion_and_post_moderation_publishes_it(
    org, campaign, theme, citizen, route_to_department
):
    forum = services.forum_of(campaign)
    services.forum_update(forum=forum, by=org.user("office"), moderation="pre")
    held = post(campaign, theme, citizen)
    held.refresh_from_db()
    assert held.status == Visibility.PENDING
    assert held.published_at is None
    assert held.answer_state == AnswerState.UNROUTED and held.department is None  # routed only once public
    assert not SearchEntry.objects.get(kind="suggestion", object_id=held.pk).is_public
    assert not selectors.public_suggestions(campaign).filter(pk=held.pk).exists()

    services.forum_update(forum=forum, by=org.user("office"), moderation="post")
    shown = post(campaign, theme, citizen, title="关于增设公交站点的建议")
    shown.refresh_from_db()
    assert shown.status == Visibility.PUBLISHED
    assert shown.department == org.department and shown.answer_state == AnswerState.ASSIGNED
    assert selectors.public_suggestions(campaign).filter(pk=shown.pk).exists()


@pytest.mark.parametrize(
    ("word", "title", "body"),
    [
        ("法轮功", "关于小区宣传品的反映", "有人在小区门口宣传法 轮·功，请有关部门关注并依法处理。"),
        ("法轮功", "关于小区宣传品的反映", "有人在小区门口宣传法輪功，请有关部门关注并依法处理。"),
        ("flg", "关于小区宣传品的反映", "有人在小区门口散发ＦＬＧ的传单，请有关部门关注并依法处理。"),
        ("法轮功", "法—轮—功传单的反映", "有人在小区门口散发传单，请有关部门关注并依法处理。"),
    ],
    ids=["filler-symbols", "traditional", "full-width", "in-the-title"],
)
def test_a_sensitive_word_holds_the_suggestion_however_disguised(
    campaign, theme, citizen, route_to_department, words, word, title, body
):
    words(word)
    suggestion = post(campaign, theme, citizen, title=title, body=body)
    suggestion.refresh_from_db()
    assert suggestion.status == Visibility.PENDING  # held, not dropped, in a post-moderated campaign
    assert suggestion.screen_hits == [word]
    assert suggestion.department is None
    assert not SearchEntry.objects.get(kind="suggestion", object_id=suggestion.pk).is_public


def test_a_held_suggestion_waits_in_the_moderators_queue(org, campaign, theme, citizen, words):
    words("法轮功")
    held = post(campaign, theme, citizen, body="有人在小区门口宣传法 轮·功，请有关部门关注并依法处理。")
    queued, _comments = selectors.moderation_queue(org.user("office"), campaign, "pending")
    assert list(queued) == [held]
    assert selectors.moderation_queue(org.user("liaison"), campaign, "pending")[0].count() == 0


def test_text_without_a_listed_word_is_not_held(campaign, theme, citizen, words):
    words("法轮功")
    suggestion = post(campaign, theme, citizen, body="法律服务进社区轮流坐班，功能齐全，建议推广到各个社区。")
    assert suggestion.status == Visibility.PUBLISHED
    assert suggestion.screen_hits == []


# --- suggestion_create: refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "field", "says"),
    [
        ("", BODY, "title", "请填写标题"),
        ("   ", BODY, "title", "请填写标题"),
        ("建议", BODY, "title", "标题至少 4 个字"),
        ("【建议！】", BODY, "title", "标题至少 4 个字"),  # punctuation does not count
        ("题" * 61, BODY, "title", "标题最多 60 字"),
        ("关于延长开放时间的建议", "", "body", "请填写内容"),
        ("关于延长开放时间的建议", "太短了不行", "body", "内容至少 10 个字"),
        ("关于延长开放时间的建议", "……！！！？？？" * 5 + "九个字也不够行吗", "body", "内容至少 10 个字"),
        ("关于延长开放时间的建议", "字" * 3001, "body", "内容最多 3000 字"),
    ],
    ids=[
        "no-title",
        "blank-title",
        "short-title",
        "punctuation-title",
        "long-title",
        "no-body",
        "short-body",
        "punctuation-body",
        "long-body",
    ],
)
def test_size_limits_name_the_field(campaign, theme, citizen, title, body, field, says):
    with pytest.raises(ValidationError) as refused:
        post(campaign, theme, citizen, title=title, body=body)
    assert says in " ".join(field_errors(refused)[field])
    assert not Suggestion.objects.exists()


def test_the_longest_title_and_body_allowed_are_accepted(campaign, theme, citizen):
    suggestion = post(campaign, theme, citizen, title="题" * 60, body="字" * 3000)
    assert len(suggestion.title) == 60 and len(suggestion.body) == 3000
    assert post(campaign, theme, citizen, title="四个字的", body="一二三四五六七八九十").pk


def test_the_body_limit_follows_the_setting(settings, campaign, theme, citizen):
    settings.DISCUSSION_TEXT_LIMITS = {"suggestion": 50, "comment": 20, "reply": 100}
    with pytest.raises(ValidationError) as refused:
        post(campaign, theme, citizen, body="字" * 51)
    assert "内容最多 50 字" in field_errors(refused)["body"][0]
    suggestion = post(campaign, theme, citizen, body="字" * 50)
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=suggestion, body="评" * 21, by=citizen)
    assert "评论最多 20 字" in field_errors(refused)["body"][0]


def test_a_theme_of_another_campaign_is_refused(org, campaign, citizen, make_campaign):
    other = make_campaign()
    with pytest.raises(ValidationError) as refused:
        post(campaign, other.themes.first(), citizen)
    assert "theme" in field_errors(refused)


def test_an_unknown_kind_is_refused(campaign, theme, citizen):
    with pytest.raises(ValidationError) as refused:
        post(campaign, theme, citizen, kind="rumour")
    assert "kind" in field_errors(refused)


def test_nobody_posts_without_signing_in(campaign, theme):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="请先登录"):
        post(campaign, theme, AnonymousUser())
    with pytest.raises(PermissionDenied, match="请先登录"):
        post(campaign, theme, None)


def test_a_closed_forum_takes_no_posts_comments_or_votes(org, campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    services.forum_update(forum=services.forum_of(campaign), by=org.user("office"), is_open=False)
    with pytest.raises(ValidationError, match="网上讨论已关闭"):
        post(campaign, theme, citizen, title="关于增设公交站点的建议")
    with pytest.raises(ValidationError, match="网上讨论已关闭"):
        services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen2)
    with pytest.raises(ValidationError, match="网上讨论已关闭"):
        services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    assert Suggestion.objects.count() == 1 and not Comment.objects.exists() and not Vote.objects.exists()
    assert selectors.is_open_for_posts(campaign) is False


def test_a_draft_or_closed_campaign_takes_no_posts(org, campaign, citizen):
    draft = new_campaign(org.district, key="disc-draft", activate=False)
    with pytest.raises(ValidationError, match="未在进行中"):
        post(draft, draft.themes.first(), citizen)
    closed = new_campaign(org.district, key="disc-closed")
    campaign_services.campaign_close(campaign=closed, by=None)
    with pytest.raises(ValidationError, match="未在进行中"):
        post(closed, closed.themes.first(), citizen)
    assert not Suggestion.objects.exists()
    assert selectors.is_open_for_posts(draft) is False and selectors.is_open_for_posts(closed) is False


def test_the_same_suggestion_twice_is_refused_also_when_spaced_or_full_width(campaign, theme, citizen, citizen2):
    post(campaign, theme, citizen, title="关于增设公交站点的建议", body="建议在第3小区门口增设公交站点，方便老人出行。")
    variations = [
        ("关于增设公交站点的建议", "建议在第3小区门口增设公交站点，方便老人出行。"),
        ("关于 增设 公交站点 的建议", "建议在第 3 小区门口增设公交站点，方便老人出行"),
        ("关于增设公交站点的建议！", "建议在第３小区门口增设公交站點，方便老人出行。"),
    ]
    for title, body in variations:
        with pytest.raises(ValidationError, match="请勿重复提交"):
            post(campaign, theme, citizen, title=title, body=body)
    assert Suggestion.objects.count() == 1
    # Someone else may say the same.
    assert post(
        campaign, theme, citizen2, title="关于增设公交站点的建议", body="建议在第3小区门口增设公交站点，方便老人出行。"
    )


def test_a_rejected_suggestion_may_be_posted_again(org, campaign, theme, citizen):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    first = post(campaign, theme, citizen)
    with pytest.raises(ValidationError, match="请勿重复提交"):
        post(campaign, theme, citizen)
    services.moderate(item=first, action="reject", note="请补充具体地点", by=org.user("office"))
    again = post(campaign, theme, citizen)
    assert again.pk != first.pk
    assert again.status == Visibility.PENDING


def test_real_names_are_required_before_posting_when_the_campaign_asks(org, campaign, theme, citizen):
    services.forum_update(forum=services.forum_of(campaign), by=org.user("office"), require_real_name=True)
    with pytest.raises(ValidationError, match="后台实名"):
        post(campaign, theme, citizen)
    participant = citizen.participant
    with pytest.raises(ValidationError) as refused:
        services.participant_register_name(
            participant=participant, real_name="王五", id_number="110105194912310021", by=citizen
        )
    assert "校验位" in field_errors(refused)["id_number"][0]
    with pytest.raises(ValidationError) as refused:
        services.participant_register_name(
            participant=participant, real_name="王五", id_number="1101051949", by=citizen
        )
    assert "格式不正确" in field_errors(refused)["id_number"][0]
    with pytest.raises(ValidationError) as refused:
        services.participant_register_name(participant=participant, real_name="王五", id_number="", by=citizen)
    assert "id_number" in field_errors(refused)
    with pytest.raises(ValidationError) as refused:
        services.participant_register_name(participant=participant, real_name=" ", id_number=VALID_ID, by=citizen)
    assert "real_name" in field_errors(refused)
    participant.refresh_from_db()
    assert not participant.is_verified
    with pytest.raises(ValidationError, match="后台实名"):
        post(campaign, theme, citizen)

    services.participant_register_name(
        participant=participant, real_name="王五", id_number=VALID_ID.lower(), by=citizen
    )
    participant.refresh_from_db()
    assert participant.is_verified and participant.real_name == "王五" and participant.id_number == VALID_ID
    suggestion = post(campaign, theme, citizen)
    assert suggestion.author.nickname == "热心市民"  # the front shows the nickname
    entry = AuditEntry.objects.get(action="discussion.participant_real_name", object_id=str(participant.pk))
    assert VALID_ID not in f"{entry.before}{entry.after}{entry.note}{entry.object_repr}"


def test_only_the_participant_registers_their_real_name(org, citizen, citizen2):
    with pytest.raises(PermissionDenied):
        services.participant_register_name(
            participant=citizen.participant, real_name="王五", id_number=VALID_ID, by=citizen2
        )


def test_a_blocked_participant_is_refused_with_the_reason_until_unblocked(org, campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen2)
    office = org.user("office")
    participant = citizen.participant
    with pytest.raises(ValidationError) as refused:
        services.participant_block(participant=participant, reason="  ", by=office, campaign=campaign)
    assert "reason" in field_errors(refused)
    with pytest.raises(PermissionDenied):
        services.participant_block(
            participant=participant, reason="发布广告", by=org.user("liaison"), campaign=campaign
        )
    services.participant_block(participant=participant, reason="多次发布商业广告", by=office, campaign=campaign)
    with pytest.raises(ValidationError, match="已被封禁"):
        services.participant_block(participant=participant, reason="再次封禁", by=office, campaign=campaign)

    refusals = [
        lambda: post(campaign, theme, citizen, title="关于增设公交站点的建议"),
        lambda: services.comment_create(suggestion=suggestion, body="同意这个建议", by=citizen),
        lambda: services.vote_cast(suggestion=suggestion, value=1, by=citizen),
        lambda: services.vote_withdraw(suggestion=suggestion, by=citizen),
        lambda: services.report_create(suggestion=suggestion, reason="spam", by=citizen),
    ]
    for attempt in refusals:
        with pytest.raises(PermissionDenied, match="多次发布商业广告"):
            attempt()
    assert Suggestion.objects.count() == 1 and not Comment.objects.exists() and not Vote.objects.exists()
    entry = AuditEntry.objects.get(action="discussion.participant_block", object_id=str(participant.pk))
    assert entry.actor == office and entry.note == "多次发布商业广告"

    services.participant_unblock(participant=participant, by=office, campaign=campaign)
    participant.refresh_from_db()
    assert not participant.is_blocked and participant.blocked_reason == "" and participant.blocked_by is None
    with pytest.raises(ValidationError, match="未被封禁"):
        services.participant_unblock(participant=participant, by=office, campaign=campaign)
    assert post(campaign, theme, citizen, title="关于增设公交站点的建议").pk


# --- comments ---------------------------------------------------------------------------------------


def test_comments_thread_no_deeper_than_max_depth(campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    top = services.comment_create(suggestion=suggestion, body="第一层评论", by=citizen2)
    chain = [top]
    for level in range(1, Comment.MAX_DEPTH + 1):
        chain.append(
            services.comment_create(suggestion=suggestion, body=f"第{level + 1}层回复", by=citizen, parent=chain[-1])
        )
    assert [c.depth for c in chain] == list(range(Comment.MAX_DEPTH + 1))
    deepest = chain[-1]
    beyond = services.comment_create(suggestion=suggestion, body="再往下回复一层", by=citizen2, parent=deepest)
    assert beyond.depth == Comment.MAX_DEPTH
    assert beyond.parent_id == deepest.parent_id  # answers beside the deepest comment
    assert max(Comment.objects.values_list("depth", flat=True)) == Comment.MAX_DEPTH

    roots = selectors.comment_thread(suggestion, None)
    assert [n.comment.pk for n in roots] == [top.pk]
    node = roots[0]
    for expected in chain[1:-1]:
        (node,) = node.children
        assert node.comment.pk == expected.pk
    assert sorted(child.comment.pk for child in node.children) == sorted([deepest.pk, beyond.pk])
    suggestion.refresh_from_db()
    assert suggestion.comments_count == Comment.MAX_DEPTH + 2


def test_a_parent_of_another_suggestion_or_not_public_is_refused(org, campaign, theme, citizen, citizen2, words):
    first = post(campaign, theme, citizen)
    second = post(campaign, theme, citizen, title="关于增设公交站点的建议")
    elsewhere = services.comment_create(suggestion=first, body="这是另一条建言下的评论", by=citizen2)
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=second, body="回复错了地方", by=citizen2, parent=elsewhere)
    assert "parent" in field_errors(refused)
    words("法轮功")
    held = services.comment_create(suggestion=first, body="有人宣传法轮功", by=citizen2)
    assert held.status == Visibility.PENDING
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=first, body="回复一条待审评论", by=citizen, parent=held)
    assert "parent" in field_errors(refused)


def test_a_held_suggestion_takes_no_comments(campaign, theme, citizen, citizen2, words):
    words("法轮功")
    held = post(campaign, theme, citizen, body="有人在小区门口宣传法轮功，请有关部门关注处理。")
    with pytest.raises(ValidationError, match="尚未公开"):
        services.comment_create(suggestion=held, body="我也看到了", by=citizen2)


def test_comment_size_and_repeats(campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=suggestion, body="好", by=citizen2)
    assert "评论至少 2 个字" in field_errors(refused)["body"][0]
    with pytest.raises(ValidationError) as refused:
        services.comment_create(suggestion=suggestion, body="评" * 1001, by=citizen2)
    assert "评论最多 1000 字" in field_errors(refused)["body"][0]
    services.comment_create(suggestion=suggestion, body="完全同意这个建议", by=citizen2)
    with pytest.raises(ValidationError, match="请勿重复提交"):
        services.comment_create(suggestion=suggestion, body="完全 同意这个建议！", by=citizen2)
    # The same words by someone else, or under another suggestion, are not repeats.
    services.comment_create(suggestion=suggestion, body="完全同意这个建议", by=citizen)
    other = post(campaign, theme, citizen, title="关于增设公交站点的建议")
    services.comment_create(suggestion=other, body="完全同意这个建议", by=citizen2)
    assert Comment.objects.count() == 3


def test_a_held_comment_is_not_counted_and_tells_no_follower(campaign, theme, citizen, citizen2, words):
    suggestion = post(campaign, theme, citizen)
    words("法轮功")
    held = services.comment_create(suggestion=suggestion, body="有人宣传法 轮 功", by=citizen2)
    assert held.status == Visibility.PENDING and held.screen_hits == ["法轮功"]
    suggestion.refresh_from_db()
    assert suggestion.comments_count == 0
    assert not Notification.objects.filter(recipient=citizen).exists()
    assert not SearchEntry.objects.get(kind="comment", object_id=held.pk).is_public
    # The author sees their own held comment in the thread; others do not.
    assert [n.comment.pk for n in selectors.comment_thread(suggestion, citizen2)] == [held.pk]
    assert selectors.comment_thread(suggestion, citizen) == []


def test_followers_hear_of_a_new_comment_but_not_its_writer(org, campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    office = org.user("office")
    services.follow_set(suggestion=suggestion, by=office, on=True)
    services.comment_create(suggestion=suggestion, body="完全同意这个建议", by=citizen2)
    for follower in (citizen, office):
        (notice,) = Notification.objects.filter(recipient=follower)
        assert suggestion.title in notice.title and notice.kind == "discussion"
        assert notice.url.endswith(f"/{suggestion.pk}/") or str(suggestion.pk) in notice.url
    assert not Notification.objects.filter(recipient=citizen2).exists()
    # The author commenting on their own suggestion is not told of it.
    services.comment_create(suggestion=suggestion, body="谢谢大家的支持", by=citizen)
    assert Notification.objects.filter(recipient=citizen).count() == 1
    assert Notification.objects.filter(recipient=office).count() == 2


def test_a_comment_is_audited_and_counted(org, campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    comment = services.comment_create(suggestion=suggestion, body="完全同意这个建议", by=citizen2, ip="198.51.100.7")
    suggestion.refresh_from_db()
    assert suggestion.comments_count == 1
    assert comment.ip_address == "198.51.100.7"
    entry = AuditEntry.objects.get(action="discussion.comment_create", object_id=str(comment.pk))
    assert entry.actor == citizen2 and entry.unit_path == org.district.path
    assert entry.after == {"status": Visibility.PUBLISHED, "suggestion": suggestion.pk}


# --- votes ------------------------------------------------------------------------------------------


def counts(suggestion) -> tuple[int, int]:
    suggestion.refresh_from_db()
    return suggestion.supports_count, suggestion.opposes_count


def test_votes_cast_switch_and_withdraw_keep_exact_counts(campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    third = new_citizen("citizen3")
    assert services.vote_cast(suggestion=suggestion, value=1, by=citizen) == 1
    assert services.vote_cast(suggestion=suggestion, value=1, by=citizen2) == 1
    assert services.vote_cast(suggestion=suggestion, value=-1, by=third) == -1
    assert counts(suggestion) == (2, 1)
    for _replay in range(3):
        services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    assert counts(suggestion) == (2, 1)
    assert Vote.objects.filter(suggestion=suggestion).count() == 3
    services.vote_cast(suggestion=suggestion, value=-1, by=citizen2)
    assert counts(suggestion) == (1, 2)
    assert Vote.objects.get(suggestion=suggestion, participant=citizen2.participant).value == -1
    services.vote_withdraw(suggestion=suggestion, by=third)
    services.vote_withdraw(suggestion=suggestion, by=third)  # nothing left to withdraw
    assert counts(suggestion) == (1, 1)
    services.vote_withdraw(suggestion=suggestion, by=citizen)
    services.vote_withdraw(suggestion=suggestion, by=citizen2)
    assert counts(suggestion) == (0, 0)
    assert not Vote.objects.exists()
    audited = list(
        AuditEntry.objects.filter(object_id=str(suggestion.pk), action__startswith="discussion.vote")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert audited == ["discussion.vote"] * 4 + ["discussion.vote_withdraw"] * 3
    assert selectors.standing(suggestion, citizen).vote == 0


def test_a_vote_must_be_support_or_oppose(campaign, theme, citizen):
    suggestion = post(campaign, theme, citizen)
    for value in (0, 2, -2):
        with pytest.raises(ValidationError) as refused:
            services.vote_cast(suggestion=suggestion, value=value, by=citizen)
        assert "value" in field_errors(refused)
    assert not Vote.objects.exists()


def test_a_held_suggestion_takes_no_votes(org, campaign, theme, citizen, citizen2):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = post(campaign, theme, citizen)
    with pytest.raises(ValidationError, match="尚未公开"):
        services.vote_cast(suggestion=held, value=1, by=citizen2)
    assert counts(held) == (0, 0) and not Vote.objects.exists()


def test_the_viewers_votes_are_read_for_a_page(campaign, theme, citizen, citizen2):
    first = post(campaign, theme, citizen)
    second = post(campaign, theme, citizen, title="关于增设公交站点的建议")
    services.vote_cast(suggestion=first, value=1, by=citizen2)
    services.vote_cast(suggestion=second, value=-1, by=citizen2)
    assert selectors.votes_of(citizen2, [first.pk, second.pk]) == {first.pk: 1, second.pk: -1}
    assert selectors.votes_of(citizen, [first.pk, second.pk]) == {}
    assert selectors.standing(second, citizen2).vote == -1


# --- follows ----------------------------------------------------------------------------------------


def test_following_is_counted_once_and_can_stop(org, campaign, theme, citizen, citizen2):
    suggestion = post(campaign, theme, citizen)
    assert services.follow_set(suggestion=suggestion, by=citizen2, on=True) is True
    services.follow_set(suggestion=suggestion, by=citizen2, on=True)
    suggestion.refresh_from_db()
    assert suggestion.follows_count == 2
    assert selectors.standing(suggestion, citizen2).following
    services.follow_set(suggestion=suggestion, by=citizen2, on=False)
    services.follow_set(suggestion=suggestion, by=citizen2, on=False)
    suggestion.refresh_from_db()
    assert suggestion.follows_count == 1
    assert list(selectors.followed_suggestions(citizen)) == [suggestion]
    assert list(selectors.followed_suggestions(citizen2)) == []


def test_a_held_suggestion_cannot_be_followed_by_others(campaign, theme, citizen, citizen2):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = post(campaign, theme, citizen)
    with pytest.raises(PermissionDenied):
        services.follow_set(suggestion=held, by=citizen2, on=True)
    assert services.follow_set(suggestion=held, by=citizen, on=True) is True  # the author already does


def test_kinds_are_kept(campaign, theme, citizen):
    for n, kind in enumerate(Kind.values):
        suggestion = post(campaign, theme, citizen, title=f"第{n}条不同类型的留言", kind=kind)
        assert suggestion.kind == kind
