"""The online discussion (网上大讨论): read the public site, take part, answer, moderate and keep the settings.

Who: anyone reads the published suggestions, comments and replies, without signing in; a signed-in
caller also sees their own held suggestion. Any signed-in user takes part (posts, comments, votes,
follows, reports, rates the reply to their own suggestion) unless blocked: the refusal says why.
Liaisons covering the responsible department and the office answer (``discussion.reply``); the office
routes and keeps the settings (``discussion.route``, ``discussion.manage_forum``); the office, publicity
staff and admins covering the campaign moderate (``discussion.moderate``). A suggestion the caller may
not open answers 404, the same as an id that does not exist.

Nicknames are all the public sees. Real names, phone numbers, ID numbers and addresses appear only in
``identity``, only for the campaign's moderators (``discussion.view_identity``), and masked.
Participants' writes are counted against the discussion's rate limits by the caller's address
(``client_ip``); over a limit the answer is 429 with ``Retry-After``. Lists over the public tables are
paged without counting them: a page says ``has_more`` instead of a total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import Throttled

from taolun.campaigns.http import campaign_named
from taolun.campaigns.models import Campaign, Theme
from taolun.core.middleware import client_ip
from taolun.discussion import selectors, services
from taolun.discussion.models import (
    AnswerState,
    Comment,
    Kind,
    ModerationMode,
    Participant,
    Rating,
    Reply,
    Report,
    ReportReason,
    RoutingRule,
    SearchKind,
    Suggestion,
    Visibility,
)
from taolun.discussion.search import highlight
from taolun.discussion.selectors import ThreadNode
from taolun.orgs.masking import mask_email, mask_id_number, mask_ip, mask_name, mask_phone
from taolun.orgs.models import Unit

from ..auth import token_auth
from ..errors import FieldError
from ..schemas.common import FieldErrors, Input, Message, PageParams, PatchInput
from .activities import OBJECT_ERRORS, WRITE_ERRORS

router = Router(tags=["discussion"])

BASE = "/discussion"
SUGGESTION = f"{BASE}/suggestions/{{int:suggestion_id}}"
PUBLIC_ERRORS: dict[int, Any] = {400: FieldErrors, 404: Message}
# Participants' writes: also 429 when over a rate limit.
TAKING_PART_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 429: Message}
# The code the services give a refusal for being over a rate limit (``services._rate_limit``).
RATE_LIMITED = "rate_limited"
# Request bodies are bounded here; the services refuse what is longer than the discussion allows, by field.
TEXT_MAX = 20_000
NOTE_MAX = 500
EXCERPT = 120
SEARCH_EXCERPT = 160
SEARCH_LEAD = 40
BULK_MAX = 200

# The names of ``selectors.SORTS`` and ``selectors.QUEUES`` (the tests keep them in step).
SortName = Literal["new", "top", "talk", "answered", "awaiting"]
QueueName = Literal["pending", "reported", "hidden", "rejected"]


# --- shapes ---------------------------------------------------------------------------------------
class Ref(Schema):
    id: int
    name: str


class ThemeRef(Schema):
    id: int
    title: str


class CampaignOut(Schema):
    slug: str
    title: str
    short_title: str
    status: str
    start_date: dt.date
    end_date: dt.date
    is_open: bool = Field(description="现在可以发言、评论和投票（活动进行中且讨论区开放）。")
    moderation: ModerationMode = Field(description="pre：先审后发；post：先发后审。")
    require_real_name: bool = Field(description="要求后台实名：参与者须先登记真实姓名，前台只显示昵称。")


class FiguresOut(Schema):
    suggestions: int = Field(description="已公开的建言数。")
    answered: int = Field(description="其中已答复或已办结的数目。")
    participants: int = Field(description="发表过已公开建言的参与者人数。")


class ThemeOut(Schema):
    id: int
    key: str
    title: str
    question: str = Field(description="讨论题目。")
    description: str
    suggestion_count: int = Field(description="该主题下已公开的建言数。")
    answered_count: int = Field(description="其中已答复或已办结的数目。")


class ThemesOut(Schema):
    campaign: CampaignOut
    figures: FiguresOut
    themes: list[ThemeOut]


class SuggestionRowOut(Schema):
    id: int
    theme: ThemeRef
    kind: Kind = Field(description="suggest：建议；ask：咨询；help：求助；complain：投诉。")
    kind_label: str
    title: str
    excerpt: str = Field(description=f"内容的前 {EXCERPT} 个字符（纯文本）。")
    author: str = Field(description="发布人的昵称；线下收集的意见为其来源（如“12345热线”）。")
    source: str
    source_label: str
    answer_state: str = Field(
        description="unrouted 待分办、assigned 办理中、replied 已答复、closed 已办结、reopened 重新办理。"
    )
    answer_state_label: str
    department: Ref | None = Field(description="承办单位；尚未交办为 null。")
    published_at: dt.datetime | None
    due_at: dt.datetime | None = Field(description="答复期限。")
    replied_at: dt.datetime | None
    supports_count: int
    opposes_count: int
    comments_count: int
    follows_count: int


class ListedSuggestionOut(SuggestionRowOut):
    my_vote: int | None = Field(description="您的投票：1 支持、-1 反对、0 未投票；未登录为 null。")


class SuggestionPage(Schema):
    limit: int
    offset: int
    has_more: bool = Field(description="后面还有（不统计总数：表可能很大）。")
    items: list[ListedSuggestionOut]


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int
    author: str = Field(description="发布人的昵称。")
    body: str = Field(description="纯文本，原样返回；显示时请按文本处理，不要当作 HTML。")
    status: Visibility = Field(description="published 已公开；pending 待审核（只有本人能看到自己的）。")
    mine: bool = Field(description="是您本人发表的。")
    created_at: dt.datetime
    children: list[CommentOut] = Field(description="对这条评论的回复（最多三层）。")


class ReplyOut(Schema):
    id: int
    suggestion_id: int
    department: Ref
    body: str
    created_at: dt.datetime
    rating: str = Field(description="satisfied 满意、basic 基本满意、unsatisfied 不满意；未评价为空。")
    rating_label: str
    rating_note: str
    rated_at: dt.datetime | None
    answer_state: str = Field(description="建言当前的办理状态（答复或评价之后）。")


class StandingOut(Schema):
    vote: int = Field(description="1 支持、-1 反对、0 未投票。")
    following: bool
    reported: bool


class AllowedOut(Schema):
    take_part: bool = Field(description="讨论区开放，可以评论、投票（封禁和实名要求在提交时判断）。")
    reply: bool = Field(description="您可以以承办单位名义答复。")
    route: bool = Field(description="您可以交办或改办。")
    moderate: bool = Field(description="您可以审核（通过、驳回、隐藏、恢复）。")
    rate: bool = Field(description="您可以评价最新的答复（建言的发布人，答复尚未评价）。")


class IdentityOut(Schema):
    participant_id: int | None = Field(description="参与者编号（封禁时用）；线下收集的意见为 null。")
    nickname: str
    real_name: str = Field(description="后台登记的真实姓名（掩码）。")
    verified: bool = Field(description="已后台实名。")
    blocked: bool
    phone: str = Field(description="账号手机号（掩码）。")
    email: str = Field(description="账号邮箱（掩码）。")
    id_number: str = Field(description="身份证号（掩码）。")
    ip: str = Field(description="发布时的来源地址（掩码）。")
    submitter_name: str = Field(description="线下意见的反映人（掩码）。")
    submitter_phone: str = Field(description="线下意见的反映人电话（掩码）。")


class SuggestionDetailOut(SuggestionRowOut):
    campaign: str = Field(description="所属大讨论活动的 slug。")
    body: str = Field(description="纯文本，原样返回；显示时请按文本处理，不要当作 HTML。")
    status: Visibility = Field(
        description="published 已公开；pending 待审核、hidden 已隐藏、rejected 未通过（只有本人和审核人员能看到）。"
    )
    status_label: str
    moderation_note: str = Field(description="审核意见：只给发布人本人和审核人员，其他人为空。")
    screen_hits: list[str] = Field(description="命中的敏感词：只给审核人员，其他人为空列表。")
    assigned_at: dt.datetime | None
    is_overdue: bool
    reopen_count: int
    replies: list[ReplyOut] = Field(description="承办单位的答复，从早到晚。")
    comments: list[CommentOut] = Field(description="评论树：已公开的评论，以及您本人待审核的评论，从早到晚。")
    viewer: StandingOut | None = Field(description="您与这条建言的关系；未登录为 null。")
    allowed: AllowedOut
    identity: IdentityOut | None = Field(description="发布人的身份信息（掩码）：只给审核人员，其他人为 null。")


class MarkedTitleOut(Schema):
    id: int
    title: str
    title_marks: list[list[int]] = Field(description="标题中与搜索词匹配的位置，每段 [起点, 终点)，按字符计。")


class SearchHitOut(Schema):
    kind: SearchKind = Field(description="suggestion 建言、comment 评论、reply 答复。")
    kind_label: str
    id: int = Field(description="命中的建言、评论或答复的编号。")
    suggestion: MarkedTitleOut = Field(description="所属的建言。")
    text: str = Field(description=f"命中文本的片段（最多 {SEARCH_EXCERPT} 个字符，纯文本）。")
    offset: int = Field(description="片段在全文中的起点（字符）。")
    marks: list[list[int]] = Field(
        description="片段中要标出的位置，每段 [起点, 终点)，相对于片段，按字符计；不含 HTML。"
    )


class SearchPage(Schema):
    q: str
    limit: int
    offset: int
    has_more: bool
    items: list[SearchHitOut]


class VoteOut(Schema):
    value: int = Field(description="您现在的投票：1 支持、-1 反对、0 未投票。")
    supports_count: int
    opposes_count: int


class FollowOut(Schema):
    following: bool
    follows_count: int


class ReportOut(Schema):
    id: int
    kind: Literal["suggestion", "comment"]
    target_id: int
    reason: ReportReason
    reason_label: str
    created_at: dt.datetime


class InboxRowOut(SuggestionRowOut):
    campaign_id: int
    assigned_at: dt.datetime | None
    is_overdue: bool
    reopen_count: int


class InboxPage(Schema):
    limit: int
    offset: int
    has_more: bool
    items: list[InboxRowOut]


class QueueItemOut(Schema):
    kind: Literal["suggestion", "comment"]
    id: int
    suggestion: ThemeRef = Field(description="所属的建言（建言本身时为它自己）。")
    body: str
    status: Visibility
    status_label: str
    created_at: dt.datetime
    screen_hits: list[str] = Field(description="命中的敏感词。")
    report_count: int
    report_reasons: list[str] = Field(description="尚未处理的举报的原因。")
    moderation_note: str
    identity: IdentityOut | None = Field(description="发布人的身份信息（掩码）。")


class QueueCountsOut(Schema):
    pending: int
    reported: int
    hidden: int
    rejected: int


class QueuePage(Schema):
    campaign: str
    queue: QueueName
    counts: QueueCountsOut = Field(description="各个待办列表的条数。")
    limit: int
    offset: int
    has_more: bool
    items: list[QueueItemOut] = Field(description="建言和评论，从早到晚。")


class ModeratedItemOut(Schema):
    kind: Literal["suggestion", "comment"]
    id: int
    status: Visibility


class ModeratedOut(Schema):
    done: int
    items: list[ModeratedItemOut]


class ParticipantOut(Schema):
    id: int
    nickname: str
    blocked: bool
    blocked_at: dt.datetime | None
    blocked_reason: str
    identity: IdentityOut


class RuleOut(Schema):
    theme: ThemeRef | None = Field(description="主题；null 为默认规则（其他主题）。")
    department: Ref


class SettingsOut(Schema):
    campaign: str
    is_open: bool
    moderation: ModerationMode
    require_real_name: bool
    hide_after_reports: int
    remind_days: int
    escalate_days: int
    days_suggest: int
    days_ask: int
    days_help: int
    days_complain: int
    routing: list[RuleOut] = Field(description="分办规则：按主题交办给承办单位。")


# --- inputs ---------------------------------------------------------------------------------------
class CampaignParam(Schema):
    campaign: str = Field("", max_length=80, description="大讨论活动的 slug；不传为您当前的大讨论。")


class SuggestionFilters(CampaignParam):
    theme: int | None = Field(None, description="只看这个主题（编号）；不属于该大讨论时返回 404。")
    sort: SortName = Field(
        "new",
        description="new 最新；top 支持最多；talk 评论最多；answered 已答复（按答复时间）；awaiting 待答复。",
    )
    kind: Kind | None = Field(None, description="只看一种类型。")


class SearchParams(CampaignParam):
    q: str = Field(min_length=1, max_length=100, description="搜索词（中文按字词匹配，多个词同时出现）。")


class InboxFilters(Schema):
    campaign: str = Field("", max_length=80, description="只看这次大讨论（slug）；不传为所有大讨论。")
    state: Literal["awaiting", "overdue", "answered", "all"] = Field(
        "awaiting", description="awaiting 待答复（按期限）；overdue 已超期；answered 已答复；all 全部。"
    )


class QueueFilters(CampaignParam):
    queue: QueueName = Field("pending", description="pending 待审核；reported 被举报；hidden 已隐藏；rejected 未通过。")


class SuggestionIn(Input):
    campaign: str = Field("", max_length=80, description="大讨论活动的 slug（可选）；给出时 theme 须属于它。")
    theme: int = Field(description="讨论主题的编号（见“讨论主题”）。")
    kind: Kind = Field(Kind.SUGGEST, description="suggest 建议、ask 咨询、help 求助、complain 投诉。")
    title: str = Field(max_length=TEXT_MAX, description="标题，4–60 字。")
    body: str = Field(max_length=TEXT_MAX, description="内容（纯文本），至少 10 字。")


class CommentIn(Input):
    body: str = Field(max_length=TEXT_MAX, description="评论（纯文本），至少 2 字。")
    parent: int | None = Field(None, description="回复的评论编号；不传为直接评论建言。")


class VoteIn(Input):
    value: Literal[1, -1] = Field(description="1 支持，-1 反对。")


class ReportIn(Input):
    reason: ReportReason = Field(
        description="spam 垃圾广告、abuse 辱骂攻击、illegal 违法违规、privacy 泄露隐私、false 不实信息、other 其他。"
    )
    note: str = Field("", max_length=NOTE_MAX, description="补充说明（可选）。")


class RatingIn(Input):
    rating: Rating = Field(
        description="satisfied 满意、basic 基本满意、unsatisfied 不满意（须说明理由，建言退回重办）。"
    )
    note: str = Field("", max_length=NOTE_MAX, description="评价说明；不满意时必填。")


class ReplyIn(Input):
    body: str = Field(max_length=TEXT_MAX, description="答复内容（纯文本），至少 10 字；随即公开。")


class RouteIn(Input):
    department: int | str = Field(
        description="承办单位：编号（数字）或单位代码（字符串），须在本次大讨论的组织范围内。"
    )
    note: str = Field("", max_length=NOTE_MAX, description="交办说明（可选），记入办理记录。")


class ItemRef(Input):
    kind: Literal["suggestion", "comment"]
    id: int


class ModerateIn(Input):
    items: list[ItemRef] = Field(
        min_length=1, max_length=BULK_MAX, description=f"要处理的建言和评论，最多 {BULK_MAX} 项。"
    )
    action: Literal["approve", "reject", "hide", "restore", "dismiss"] = Field(
        description="approve 通过（待审核的）；reject 驳回；hide 隐藏（已公开的）；restore 恢复公开；"
        "dismiss 举报不成立（关闭已公开内容的待处理举报，内容保持公开）。"
    )
    note: str = Field("", max_length=NOTE_MAX, description="审核意见：驳回和隐藏时必填，会告知发布人。")


class BlockIn(Input):
    campaign: str = Field("", max_length=80, description="您负责审核的大讨论（slug）；不传为您当前的大讨论。")
    reason: str = Field(max_length=NOTE_MAX, description="封禁原因：参与者尝试发言时会看到。")


class UnblockIn(Input):
    campaign: str = Field("", max_length=80, description="您负责审核的大讨论（slug）；不传为您当前的大讨论。")


class SettingsPatchIn(PatchInput):
    is_open: bool | None = Field(None, description="开放发言；关闭后仍可浏览。")
    moderation: ModerationMode | None = Field(None, description="pre 先审后发；post 先发后审。")
    require_real_name: bool | None = None
    hide_after_reports: int | None = Field(None, ge=1, le=10_000, description="被这么多人举报的内容自动隐藏。")
    remind_days: int | None = Field(None, ge=0, le=365, description="到期前几天提醒承办单位。")
    escalate_days: int | None = Field(None, ge=0, le=365, description="逾期几天后提请办公室督办。")
    days_suggest: int | None = Field(None, description="建议类答复时限（天，1–365）。")
    days_ask: int | None = Field(None, description="咨询类答复时限（天，1–365）。")
    days_help: int | None = Field(None, description="求助类答复时限（天，1–365）。")
    days_complain: int | None = Field(None, description="投诉类答复时限（天，1–365）。")


class RoutingIn(Input):
    theme: int | None = Field(None, description="主题编号；null 为默认规则（没有单独规则的主题）。")
    department: int | str | None = Field(description="承办单位：编号（数字）或单位代码（字符串）；null 删除这条规则。")


# --- who is asking, and which objects --------------------------------------------------------------
def _viewer(request: HttpRequest) -> Any:
    """Who reads a public operation: the bearer of a valid token (a wrong one is refused with 401, as
    everywhere), else the browser session's user, else anonymous."""
    user = token_auth(request)
    return user if user is not None else request.user


def _auth(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _public_campaign(viewer: Any, slug: str) -> Campaign:
    return selectors.discussion_campaign(slug.strip() or None, viewer)


def _staff_campaign(user: Any, slug: str) -> Campaign:
    campaign = campaign_named(user, slug)
    if campaign is None:
        raise Http404
    return campaign


def _suggestion(user: Any, pk: int) -> Suggestion:
    return selectors.suggestion_for(pk, user)


def _comment(user: Any, pk: int) -> Comment:
    """A comment the caller may see: published on a suggestion they may open, or their own."""
    shown = Q(status=Visibility.PUBLISHED)
    if getattr(user, "is_authenticated", False):
        shown |= Q(author__user=user)
    comment = (
        Comment.objects.filter(shown, pk=pk, suggestion__in=selectors.visible_suggestions(user).values("pk"))
        .select_related("suggestion__campaign__root_unit", "author")
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def _reply(user: Any, pk: int) -> Reply:
    reply = (
        Reply.objects.filter(pk=pk, suggestion__in=selectors.visible_suggestions(user).values("pk"))
        .select_related("suggestion__author", "suggestion__campaign__root_unit", "department")
        .first()
    )
    if reply is None:
        raise Http404
    return reply


def _department(campaign: Campaign, value: int | str) -> Unit:
    """A unit of the campaign's organisation, by id (a number) or code (a string)."""
    units = Unit.objects.within_paths([campaign.root_unit.path]).filter(is_active=True)
    unit = units.filter(pk=value).first() if isinstance(value, int) else units.filter(code=value.strip()).first()
    if unit is None:
        raise FieldError(
            "department",
            _("找不到单位“%(value)s”，或它不在本次大讨论的组织范围内：请用单位编号（数字）或单位代码。")
            % {"value": value},
        )
    return unit


def _theme_for_post(campaign_slug: str, pk: int) -> Theme:
    theme = selectors.public_theme(pk, campaign_slug.strip())
    if theme is None:
        raise FieldError("theme", _("找不到编号为 %(id)s 的讨论主题：请用“讨论主题”接口列出的主题编号。") % {"id": pk})
    return theme


class DiscussionThrottled(Throttled):
    def __init__(self, message: str, wait: int) -> None:
        super().__init__(wait=wait)
        self.message = message


@contextmanager
def _limited(action: str) -> Iterator[None]:
    """A service's refusal for being over a rate limit answers 429 with ``Retry-After``; others stay 400."""
    try:
        yield
    except ValidationError as error:
        if getattr(error, "code", None) != RATE_LIMITED:
            raise
        spec = settings.DISCUSSION_RATE_LIMITS.get(action) or (0, 0, 3600)
        raise DiscussionThrottled(" ".join(error.messages), wait=int(spec[2])) from error


# --- masking --------------------------------------------------------------------------------------
def _identity(participant: Participant | None, item: Suggestion | Comment | None = None) -> dict[str, Any]:
    """Who is behind a nickname (or an offline opinion), every field masked: for moderators only."""
    user = participant.user if participant is not None else None
    return {
        "participant_id": participant.pk if participant else None,
        "nickname": participant.nickname if participant else "",
        "real_name": mask_name(participant.real_name) if participant else "",
        "verified": bool(participant and participant.is_verified),
        "blocked": bool(participant and participant.is_blocked),
        "phone": mask_phone(user.phone) if user else "",
        "email": mask_email(user.email) if user else "",
        "id_number": mask_id_number(participant.id_number) if participant else "",
        "ip": mask_ip(item.ip_address) if item is not None else "",
        "submitter_name": mask_name(item.submitter_name) if isinstance(item, Suggestion) else "",
        "submitter_phone": mask_phone(item.submitter_phone) if isinstance(item, Suggestion) else "",
    }


# --- shapes ---------------------------------------------------------------------------------------
def _ref(unit: Unit | None) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "name": unit.name}


def _row(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "id": suggestion.pk,
        "theme": {"id": suggestion.theme_id, "title": suggestion.theme.title},
        "kind": suggestion.kind,
        "kind_label": str(suggestion.get_kind_display()),
        "title": suggestion.title,
        "excerpt": suggestion.body[:EXCERPT],
        "author": suggestion.shown_name,
        "source": suggestion.source,
        "source_label": str(suggestion.get_source_display()),
        "answer_state": suggestion.answer_state,
        "answer_state_label": str(suggestion.get_answer_state_display()),
        "department": _ref(suggestion.department) if suggestion.department_id else None,
        "published_at": suggestion.published_at,
        "due_at": suggestion.due_at,
        "replied_at": suggestion.replied_at,
        "supports_count": suggestion.supports_count,
        "opposes_count": suggestion.opposes_count,
        "comments_count": suggestion.comments_count,
        "follows_count": suggestion.follows_count,
    }


def _inbox_row(suggestion: Suggestion) -> dict[str, Any]:
    return {
        **_row(suggestion),
        "campaign_id": suggestion.campaign_id,
        "assigned_at": suggestion.assigned_at,
        "is_overdue": suggestion.is_overdue,
        "reopen_count": suggestion.reopen_count,
    }


def _node(node: ThreadNode, viewer_id: int | None) -> dict[str, Any]:
    comment = node.comment
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": comment.author.nickname,
        "body": comment.body,
        "status": comment.status,
        "mine": viewer_id is not None and comment.author.user_id == viewer_id,
        "created_at": comment.created_at,
        "children": [_node(child, viewer_id) for child in node.children],
    }


def _reply_out(reply: Reply, answer_state: str) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "suggestion_id": reply.suggestion_id,
        "department": _ref(reply.department),
        "body": reply.body,
        "created_at": reply.created_at,
        "rating": reply.rating,
        "rating_label": str(reply.get_rating_display()) if reply.rating else "",
        "rating_note": reply.rating_note,
        "rated_at": reply.rated_at,
        "answer_state": answer_state,
    }


def _detail(user: Any, suggestion: Suggestion) -> dict[str, Any]:
    signed_in = bool(getattr(user, "is_authenticated", False))
    moderates = signed_in and user.has_perm("discussion.moderate", suggestion)
    sees_identity = signed_in and user.has_perm("discussion.view_identity", suggestion)
    is_author = signed_in and suggestion.author is not None and suggestion.author.user_id == user.pk
    replies = selectors.replies_of(suggestion)
    latest = replies[-1] if replies else None
    may_rate = (
        signed_in
        and latest is not None
        and not latest.rating
        and suggestion.answer_state == AnswerState.REPLIED
        and user.has_perm("discussion.rate", latest)
    )
    standing = selectors.standing(suggestion, user) if signed_in else None
    return {
        **_row(suggestion),
        "campaign": suggestion.campaign.slug,
        "body": suggestion.body,
        "status": suggestion.status,
        "status_label": str(suggestion.get_status_display()),
        "moderation_note": suggestion.moderation_note if (is_author or moderates) else "",
        "screen_hits": list(suggestion.screen_hits or []) if moderates else [],
        "assigned_at": suggestion.assigned_at,
        "is_overdue": suggestion.is_overdue,
        "reopen_count": suggestion.reopen_count,
        "replies": [_reply_out(reply, suggestion.answer_state) for reply in replies],
        "comments": [
            _node(node, user.pk if signed_in else None) for node in selectors.comment_thread(suggestion, user)
        ],
        "viewer": None if standing is None else asdict(standing),
        "allowed": {
            "take_part": suggestion.status == Visibility.PUBLISHED and selectors.is_open_for_posts(suggestion.campaign),
            "reply": signed_in and user.has_perm("discussion.reply", suggestion),
            "route": signed_in and user.has_perm("discussion.route", suggestion),
            "moderate": moderates,
            "rate": may_rate,
        },
        "identity": _identity(suggestion.author, suggestion) if sees_identity else None,
    }


def _excerpt(text: str, marks: list[tuple[int, int]]) -> tuple[str, int, list[list[int]]]:
    """A window of ``text`` around the first mark, with the marks that fall in it, relative to it."""
    start = max(0, marks[0][0] - SEARCH_LEAD) if marks else 0
    end = min(len(text), start + SEARCH_EXCERPT)
    shown = [[max(a, start) - start, min(b, end) - start] for a, b in marks if a < end and b > start]
    return text[start:end], start, shown


def _vote_out(suggestion_id: int, value: int) -> dict[str, Any]:
    counts = Suggestion.objects.filter(pk=suggestion_id).values("supports_count", "opposes_count").get()
    return {"value": value, **counts}


def _queue_item(item: Suggestion | Comment, *, sees_identity: bool) -> dict[str, Any]:
    is_suggestion = isinstance(item, Suggestion)
    owner = item if isinstance(item, Suggestion) else item.suggestion
    return {
        "kind": "suggestion" if is_suggestion else "comment",
        "id": item.pk,
        "suggestion": {"id": owner.pk, "title": owner.title},
        "body": item.body,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "created_at": item.created_at,
        "screen_hits": list(item.screen_hits or []),
        "report_count": item.report_count,
        "report_reasons": sorted({str(report.get_reason_display()) for report in item.open_reports}),  # type: ignore[union-attr]
        "moderation_note": item.moderation_note,
        "identity": _identity(item.author, item) if sees_identity else None,
    }


def _settings_out(campaign: Campaign) -> dict[str, Any]:
    # Read without creating: the settings row is made by the first change (forum_update).
    forum = selectors.forum_settings(campaign)
    rules = RoutingRule.objects.filter(campaign=campaign).select_related("theme", "department")
    ordered = sorted(rules, key=lambda rule: (rule.theme is None, rule.theme.order if rule.theme else 0, rule.pk))
    return {
        "campaign": campaign.slug,
        **{name: getattr(forum, name) for name in services.FORUM_FIELDS},
        "routing": [
            {
                "theme": {"id": rule.theme.pk, "title": rule.theme.title} if rule.theme else None,
                "department": _ref(rule.department),
            }
            for rule in ordered
        ],
    }


def _page_of(rows: list[Any], paging: PageParams) -> tuple[list[Any], bool]:
    """One more row than the page was read: whether there is a next page, without counting."""
    return rows[: paging.limit], len(rows) > paging.limit


# --- the public site ------------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get(f"{BASE}/themes", auth=None, response={200: ThemesOut, **PUBLIC_ERRORS}, summary="讨论主题")
def discussion_themes(request: HttpRequest, params: Query[CampaignParam]) -> dict[str, Any]:
    """无需登录：大讨论活动（是否开放发言、审核方式）、总体数字，以及各讨论主题和它们的讨论题目，
    附已公开和已答复的建言数。campaign 不存在或尚未开始时返回 404。"""
    campaign = _public_campaign(_viewer(request), params.campaign)
    forum = selectors.forum_settings(campaign)
    return {
        "campaign": {
            "slug": campaign.slug,
            "title": campaign.title,
            "short_title": campaign.short_title,
            "status": campaign.status,
            "start_date": campaign.start_date,
            "end_date": campaign.end_date,
            "is_open": selectors.is_open_for_posts(campaign),
            "moderation": forum.moderation,
            "require_real_name": forum.require_real_name,
        },
        "figures": selectors.campaign_figures(campaign),
        "themes": [
            {
                "id": theme.pk,
                "key": theme.key,
                "title": theme.title,
                "question": theme.question,
                "description": theme.description,
                "suggestion_count": theme.suggestion_count,  # type: ignore[attr-defined]
                "answered_count": theme.answered_count,  # type: ignore[attr-defined]
            }
            for theme in selectors.themes_with_counts(campaign)
        ],
    }


@router.get(f"{BASE}/suggestions", auth=None, response={200: SuggestionPage, **PUBLIC_ERRORS}, summary="建言列表")
def suggestion_list(
    request: HttpRequest, filters: Query[SuggestionFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """无需登录：一次大讨论（或一个主题）已公开的建言，按 sort 排序，用 limit/offset 翻页；
    不给总数，has_more 表示后面还有。已登录时附您的投票。"""
    viewer = _viewer(request)
    campaign = _public_campaign(viewer, filters.campaign)
    theme = selectors.theme_of(campaign, filters.theme) if filters.theme is not None else None
    qs = selectors.public_suggestions(campaign, theme=theme, sort=filters.sort, kind=filters.kind or "")
    rows, has_more = _page_of(list(qs[paging.offset : paging.offset + paging.limit + 1]), paging)
    signed_in = bool(getattr(viewer, "is_authenticated", False))
    votes = selectors.votes_of(viewer, [row.pk for row in rows]) if signed_in and rows else {}
    return {
        "limit": paging.limit,
        "offset": paging.offset,
        "has_more": has_more,
        "items": [{**_row(row), "my_vote": votes.get(row.pk, 0) if signed_in else None} for row in rows],
    }


@router.get(SUGGESTION, auth=None, response={200: SuggestionDetailOut, **PUBLIC_ERRORS}, summary="建言详情")
def suggestion_detail(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    """无需登录：一条建言的全文、承办单位的答复和评论树。待审核、已隐藏或未通过的建言只有发布人本人、
    审核人员和承办单位能看到，其他人得到 404。所有文本都是纯文本，原样返回。"""
    viewer = _viewer(request)
    return _detail(viewer, _suggestion(viewer, suggestion_id))


@router.get(f"{BASE}/search", auth=None, response={200: SearchPage, **PUBLIC_ERRORS}, summary="搜索建言、评论和答复")
def discussion_search(request: HttpRequest, params: Query[SearchParams], paging: Query[PageParams]) -> dict[str, Any]:
    """无需登录：在一次大讨论已公开的建言、评论和答复中全文搜索，从新到旧。每条结果给出命中文本的片段和
    要标出的位置 marks（[起点, 终点) 对，按字符计）；不返回 HTML，由调用方自行标出。"""
    campaign = _public_campaign(_viewer(request), params.campaign)
    query = params.q.strip()
    entries = list(selectors.search_entries(campaign, query)[paging.offset : paging.offset + paging.limit + 1])
    entries, has_more = _page_of(entries, paging)
    items = []
    labels = dict(SearchKind.choices)
    for hit in selectors.search_hits(entries, query):
        text, start, marks = _excerpt(hit.text, hit.marks)
        items.append(
            {
                "kind": hit.kind,
                "kind_label": str(labels[hit.kind]),
                "id": hit.obj.pk,
                "suggestion": {
                    "id": hit.suggestion.pk,
                    "title": hit.suggestion.title,
                    "title_marks": [list(span) for span in highlight(hit.suggestion.title, query)],
                },
                "text": text,
                "offset": start,
                "marks": marks,
            }
        )
    return {"q": query, "limit": paging.limit, "offset": paging.offset, "has_more": has_more, "items": items}


# --- taking part ----------------------------------------------------------------------------------
@router.post(f"{BASE}/suggestions", response={201: SuggestionDetailOut, **TAKING_PART_ERRORS}, summary="发表建言")
def suggestion_create(request: HttpRequest, payload: SuggestionIn) -> Status[dict[str, Any]]:
    """以您本人（昵称）发表一条建言。先发后审的讨论区随即公开；先审后发的，或含有敏感词的，
    进入审核（status 为 pending），只有您和审核人员能看到。被封禁时返回 403 并说明原因；
    讨论区关闭、要求实名而未登记、重复提交时返回 400；发言过于频繁时返回 429。"""
    user = _auth(request)
    theme = _theme_for_post(payload.campaign, payload.theme)
    with _limited("suggestion"):
        suggestion = services.suggestion_create(
            campaign=theme.campaign,
            theme=theme,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            by=user,
            ip=client_ip(request),
        )
    return Status(201, _detail(user, _suggestion(user, suggestion.pk)))


@router.post(f"{SUGGESTION}/comments", response={201: CommentOut, **TAKING_PART_ERRORS}, summary="发表评论")
def comment_create(request: HttpRequest, suggestion_id: int, payload: CommentIn) -> Status[dict[str, Any]]:
    """评论一条已公开的建言，或用 parent 回复其中一条评论（最多三层，更深的回复排在最深一层）。
    含敏感词或先审后发时进入审核。parent 不属于这条建言时返回 400（字段 parent）。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, suggestion=suggestion).first()
        if parent is None:
            raise FieldError("parent", _("这条建言下没有编号为 %(id)s 的评论。") % {"id": payload.parent})
    with _limited("comment"):
        comment = services.comment_create(
            suggestion=suggestion, body=payload.body, by=user, parent=parent, ip=client_ip(request)
        )
    comment = Comment.objects.select_related("author").get(pk=comment.pk)
    return Status(201, _node(ThreadNode(comment), user.pk))


@router.put(f"{SUGGESTION}/vote", response={200: VoteOut, **TAKING_PART_ERRORS}, summary="支持或反对")
def vote_cast(request: HttpRequest, suggestion_id: int, payload: VoteIn) -> dict[str, Any]:
    """支持（1）或反对（-1）一条已公开的建言。每人一票：重复发送同样的请求不会改变任何东西，
    发送另一个值则改投。返回您的投票和最新的支持、反对数。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    with _limited("vote"):
        value = services.vote_cast(suggestion=suggestion, value=payload.value, by=user, ip=client_ip(request))
    return _vote_out(suggestion.pk, value)


@router.delete(f"{SUGGESTION}/vote", response={200: VoteOut, **TAKING_PART_ERRORS}, summary="撤回投票")
def vote_withdraw(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    """撤回您对这条建言的投票；没有投过票时什么也不改变。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    with _limited("vote"):
        services.vote_withdraw(suggestion=suggestion, by=user, ip=client_ip(request))
    return _vote_out(suggestion.pk, 0)


def _follow(request: HttpRequest, suggestion_id: int, on: bool) -> dict[str, Any]:
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    following = services.follow_set(suggestion=suggestion, by=user, on=on)
    count = Suggestion.objects.filter(pk=suggestion.pk).values_list("follows_count", flat=True).get()
    return {"following": following, "follows_count": count}


@router.put(f"{SUGGESTION}/follow", response={200: FollowOut, **WRITE_ERRORS}, summary="关注建言")
def follow_on(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    """关注一条建言：有新评论和答复时通知您。已关注时什么也不改变。"""
    return _follow(request, suggestion_id, True)


@router.delete(f"{SUGGESTION}/follow", response={200: FollowOut, **WRITE_ERRORS}, summary="取消关注")
def follow_off(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    """不再关注这条建言。"""
    return _follow(request, suggestion_id, False)


def _report_out(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "kind": "suggestion" if report.suggestion_id else "comment",
        "target_id": report.suggestion_id or report.comment_id,
        "reason": report.reason,
        "reason_label": str(report.get_reason_display()),
        "created_at": report.created_at,
    }


@router.post(f"{SUGGESTION}/reports", response={201: ReportOut, **TAKING_PART_ERRORS}, summary="举报建言")
def suggestion_report(request: HttpRequest, suggestion_id: int, payload: ReportIn) -> Status[dict[str, Any]]:
    """向审核人员举报一条已公开的建言并说明原因；被足够多的人举报的内容自动隐藏，等待审核。
    每人对同一内容只能举报一次；不能举报自己的内容。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    with _limited("report"):
        report = services.report_create(
            suggestion=suggestion, reason=payload.reason, note=payload.note, by=user, ip=client_ip(request)
        )
    return Status(201, _report_out(report))


@router.post(
    f"{BASE}/comments/{{int:comment_id}}/reports", response={201: ReportOut, **TAKING_PART_ERRORS}, summary="举报评论"
)
def comment_report(request: HttpRequest, comment_id: int, payload: ReportIn) -> Status[dict[str, Any]]:
    """向审核人员举报一条已公开的评论，规则同举报建言。"""
    user = _auth(request)
    comment = _comment(user, comment_id)
    with _limited("report"):
        report = services.report_create(
            comment=comment, reason=payload.reason, note=payload.note, by=user, ip=client_ip(request)
        )
    return Status(201, _report_out(report))


@router.post(f"{BASE}/replies/{{int:reply_id}}/rating", response={200: ReplyOut, **WRITE_ERRORS}, summary="评价答复")
def reply_rate(request: HttpRequest, reply_id: int, payload: RatingIn) -> dict[str, Any]:
    """建言的发布人评价最新的答复：满意或基本满意办结；不满意（须写明理由）退回承办单位重新办理。
    每条答复只能评价一次。"""
    user = _auth(request)
    reply = _reply(user, reply_id)
    if not user.has_perm("discussion.rate", reply):
        raise PermissionDenied(_("只有建言的发布人可以评价答复。"))
    rated = services.reply_rate(reply=reply, rating=payload.rating, note=payload.note, by=user)
    state = Suggestion.objects.filter(pk=reply.suggestion_id).values_list("answer_state", flat=True).get()
    return _reply_out(Reply.objects.select_related("department").get(pk=rated.pk), state)


# --- answers: the departments and the office ------------------------------------------------------
@router.get(f"{BASE}/inbox", response={200: InboxPage, **OBJECT_ERRORS}, summary="待答复的建言")
def discussion_inbox(request: HttpRequest, filters: Query[InboxFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """交办给您负责的承办单位的建言（联络员），或您负责的大讨论的全部已交办建言（办公室），
    按 state 筛选；待答复和已超期的按答复期限排列。不给总数，has_more 表示后面还有。"""
    user = _auth(request)
    if not user.has_perm("discussion.inbox"):
        raise PermissionDenied(_("只有承办单位的联络员、办公室、宣传人员和系统管理员可以查看待答复的建言。"))
    campaign = _staff_campaign(user, filters.campaign) if filters.campaign.strip() else None
    qs = selectors.inbox(user, campaign, state=filters.state)
    rows, has_more = _page_of(list(qs[paging.offset : paging.offset + paging.limit + 1]), paging)
    return {
        "limit": paging.limit,
        "offset": paging.offset,
        "has_more": has_more,
        "items": [_inbox_row(row) for row in rows],
    }


@router.post(f"{SUGGESTION}/replies", response={201: ReplyOut, **WRITE_ERRORS}, summary="答复建言")
def reply_create(request: HttpRequest, suggestion_id: int, payload: ReplyIn) -> Status[dict[str, Any]]:
    """以承办单位名义答复交办的建言，随即公开，并通知发布人和关注者。承办单位的联络员和负责本次大讨论的
    办公室可以答复；尚未交办、已答复待评价或已办结时返回 400。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    if not user.has_perm("discussion.reply", suggestion):
        raise PermissionDenied(_("只有承办单位的联络员和负责本次大讨论的办公室可以答复。"))
    reply = services.reply_create(suggestion=suggestion, body=payload.body, by=user)
    reply = Reply.objects.select_related("department").get(pk=reply.pk)
    state = Suggestion.objects.filter(pk=suggestion.pk).values_list("answer_state", flat=True).get()
    return Status(201, _reply_out(reply, state))


@router.post(f"{SUGGESTION}/route", response={200: SuggestionDetailOut, **WRITE_ERRORS}, summary="交办建言")
def suggestion_route(request: HttpRequest, suggestion_id: int, payload: RouteIn) -> dict[str, Any]:
    """办公室把已公开的建言交办（或改办）给承办单位，答复期限从现在按类型重新计算，并通知承办单位。"""
    user = _auth(request)
    suggestion = _suggestion(user, suggestion_id)
    if not user.has_perm("discussion.route", suggestion):
        raise PermissionDenied(_("只有负责本次大讨论的办公室可以交办建言。"))
    department = _department(suggestion.campaign, payload.department)
    services.suggestion_route(suggestion=suggestion, department=department, by=user, note=payload.note)
    return _detail(user, _suggestion(user, suggestion.pk))


# --- moderation -----------------------------------------------------------------------------------
def _moderator(request: HttpRequest) -> Any:
    user = _auth(request)
    if not user.has_perm("discussion.moderation_queue"):
        raise PermissionDenied(_("只有办公室、宣传人员和系统管理员可以审核讨论内容。"))
    return user


def _moderated(user: Any, slug: str) -> Campaign:
    campaign = _staff_campaign(user, slug)
    if not user.has_perm("discussion.moderate", campaign):
        raise PermissionDenied(_("您不负责这次大讨论的审核：只有覆盖其组织范围的办公室、宣传人员和系统管理员可以。"))
    return campaign


def _open_reports() -> Prefetch:
    unresolved = Report.objects.filter(resolved_at__isnull=True).only("pk", "reason", "suggestion_id", "comment_id")
    return Prefetch("reports", queryset=unresolved, to_attr="open_reports")


@router.get(f"{BASE}/moderation", response={200: QueuePage, **OBJECT_ERRORS}, summary="审核列表")
def discussion_queue(request: HttpRequest, filters: Query[QueueFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """审核人员的待办：待审核、被举报、已隐藏或未通过的建言和评论，从早到晚，附命中的敏感词、举报原因和
    发布人的身份信息（掩码）。您不负责这次大讨论的审核时返回 403。"""
    user = _moderator(request)
    campaign = _moderated(user, filters.campaign)
    suggestions, comments = selectors.moderation_queue(user, campaign, filters.queue)
    wanted = paging.offset + paging.limit + 1
    merged: list[Suggestion | Comment] = [
        *suggestions.select_related("author__user").prefetch_related(_open_reports())[:wanted],
        *comments.select_related("author__user").prefetch_related(_open_reports())[:wanted],
    ]
    merged.sort(key=lambda item: (item.created_at, isinstance(item, Comment), item.pk))
    rows, has_more = _page_of(merged[paging.offset : paging.offset + paging.limit + 1], paging)
    sees_identity = user.has_perm("discussion.view_identity", campaign)
    return {
        "campaign": campaign.slug,
        "queue": filters.queue,
        "counts": selectors.queue_counts(user, campaign),
        "limit": paging.limit,
        "offset": paging.offset,
        "has_more": has_more,
        "items": [_queue_item(item, sees_identity=sees_identity) for item in rows],
    }


def _items(user: Any, refs: Iterable[ItemRef]) -> tuple[list[Suggestion], list[Comment]]:
    """The named items among those ``user`` moderates; any other is refused by id on the ``items`` field."""
    wanted: dict[str, list[int]] = {"suggestion": [], "comment": []}
    for ref in refs:
        if ref.id not in wanted[ref.kind]:
            wanted[ref.kind].append(ref.id)
    found_s, found_c = selectors.moderatable(user, suggestion_ids=wanted["suggestion"], comment_ids=wanted["comment"])
    missing = [_("建言 %(id)s") % {"id": pk} for pk in wanted["suggestion"] if pk not in found_s]
    missing += [_("评论 %(id)s") % {"id": pk} for pk in wanted["comment"] if pk not in found_c]
    if missing:
        raise FieldError(
            "items",
            _("找不到这些内容，或它们不属于您负责审核的大讨论：%(items)s。一项也没有处理。")
            % {"items": "、".join(missing)},
        )
    return [found_s[pk] for pk in wanted["suggestion"]], [found_c[pk] for pk in wanted["comment"]]


@router.post(f"{BASE}/moderation", response={200: ModeratedOut, **WRITE_ERRORS}, summary="批量审核")
def discussion_moderate(request: HttpRequest, payload: ModerateIn) -> dict[str, Any]:
    """对多项建言和评论做同一个决定，全部成功或全部不做：有一项不能这样处理（例如已经公开的不能再“通过”）
    就返回 400，一项也不改变。驳回和隐藏须写明理由，理由会告知发布人。"""
    user = _moderator(request)
    suggestions, comments = _items(user, payload.items)
    done = services.moderate_many(
        suggestions=suggestions, comments=comments, action=payload.action, note=payload.note, by=user
    )
    statuses = {
        ("suggestion", pk): status
        for pk, status in Suggestion.objects.filter(pk__in=[s.pk for s in suggestions]).values_list("pk", "status")
    }
    statuses |= {
        ("comment", pk): status
        for pk, status in Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("pk", "status")
    }
    return {
        "done": done,
        "items": [{"kind": kind, "id": pk, "status": status} for (kind, pk), status in statuses.items()],
    }


def _participant(campaign: Campaign, pk: int) -> Participant:
    """A participant who posted, commented or reported in ``campaign`` (others answer 404 to its moderators)."""
    participant = selectors.participant_in(campaign, pk)
    if participant is None:
        raise Http404
    return participant


def _participant_out(participant: Participant) -> dict[str, Any]:
    participant = Participant.objects.select_related("user").get(pk=participant.pk)
    return {
        "id": participant.pk,
        "nickname": participant.nickname,
        "blocked": participant.is_blocked,
        "blocked_at": participant.blocked_at,
        "blocked_reason": participant.blocked_reason,
        "identity": _identity(participant),
    }


@router.post(
    f"{BASE}/participants/{{int:participant_id}}/block",
    response={200: ParticipantOut, **WRITE_ERRORS},
    summary="封禁参与者",
)
def participant_block(request: HttpRequest, participant_id: int, payload: BlockIn) -> dict[str, Any]:
    """禁止一位参与者再发言、评论、投票和举报（须写明原因，对方会看到）。参与者须在这次大讨论中发表过
    建言、评论或举报，否则返回 404。"""
    user = _moderator(request)
    campaign = _moderated(user, payload.campaign)
    participant = _participant(campaign, participant_id)
    services.participant_block(participant=participant, reason=payload.reason, by=user, campaign=campaign)
    return _participant_out(participant)


@router.post(
    f"{BASE}/participants/{{int:participant_id}}/unblock",
    response={200: ParticipantOut, **WRITE_ERRORS},
    summary="解除封禁",
)
def participant_unblock(request: HttpRequest, participant_id: int, payload: UnblockIn) -> dict[str, Any]:
    """解除对一位参与者的封禁。"""
    user = _moderator(request)
    campaign = _moderated(user, payload.campaign)
    participant = _participant(campaign, participant_id)
    services.participant_unblock(participant=participant, by=user, campaign=campaign)
    return _participant_out(participant)


# --- the discussion's settings --------------------------------------------------------------------
def _manager(request: HttpRequest, slug: str) -> tuple[Any, Campaign]:
    user = _auth(request)
    campaign = _staff_campaign(user, slug)
    if not user.has_perm("discussion.manage_forum", campaign):
        raise PermissionDenied(_("只有负责本次大讨论的办公室可以查看和修改讨论区设置。"))
    return user, campaign


@router.get(f"{BASE}/settings", response={200: SettingsOut, **OBJECT_ERRORS}, summary="讨论区设置")
def discussion_settings(request: HttpRequest, params: Query[CampaignParam]) -> dict[str, Any]:
    """一次大讨论的讨论区设置（开放发言、审核方式、后台实名、自动隐藏举报数、提醒和督办天数、
    各类答复时限）和分办规则。"""
    _user, campaign = _manager(request, params.campaign)
    return _settings_out(campaign)


@router.patch(f"{BASE}/settings", response={200: SettingsOut, **WRITE_ERRORS}, summary="修改讨论区设置")
def discussion_settings_update(
    request: HttpRequest, params: Query[CampaignParam], payload: SettingsPatchIn
) -> dict[str, Any]:
    """只修改传入的设置项；答复时限为 1–365 天，超出时返回 400 并指明字段。修改记入审计日志。"""
    user, campaign = _manager(request, params.campaign)
    changes = payload.changes()
    if changes:
        services.forum_update(forum=services.forum_of(campaign), by=user, **changes)
    return _settings_out(campaign)


@router.put(f"{BASE}/settings/routing", response={200: SettingsOut, **WRITE_ERRORS}, summary="设置分办规则")
def discussion_routing_set(request: HttpRequest, params: Query[CampaignParam], payload: RoutingIn) -> dict[str, Any]:
    """把一个主题（theme 为 null 时为其他所有主题）的新建言自动交办给承办单位；department 为 null 时删除
    这条规则。同一主题再次设置即替换。"""
    user, campaign = _manager(request, params.campaign)
    theme = None
    if payload.theme is not None:
        theme = Theme.objects.filter(campaign=campaign, pk=payload.theme).first()
        if theme is None:
            raise FieldError("theme", _("本次大讨论没有编号为 %(id)s 的讨论主题。") % {"id": payload.theme})
    department = _department(campaign, payload.department) if payload.department is not None else None
    services.routing_rule_set(campaign=campaign, theme=theme, department=department, by=user)
    return _settings_out(campaign)
