"""The online grand discussion (网上大讨论): suggestions, comments, votes, answers and moderation.

A campaign's public site holds **suggestions** (建言献策) under its themes. Anyone may read; a
participant (a citizen signed up with a one-time code, or a cadre with their own account) posts
suggestions and threaded comments, supports or opposes a suggestion once, and follows it.

Every published suggestion is **answered**, the 12345 / 领导留言板 way: routed to a responsible
department (by the theme's rule or by the office), given a reply deadline by its kind, reminded before
the deadline, chased (催办) the day after it and escalated to the office after more days; the reply is
published and the author rates it (满意 / 基本满意 / 不满意); 不满意 reopens it.

Everything posted is **moderated**: before publication (先审后发) or after (先发后审) as the campaign
chooses. Text with a sensitive word (``SensitiveWord``, matched by ``taolun.text.screen``) is held for
a moderator whatever the mode; users report content, and content reported by enough people is hidden
until a moderator decides. Status moves go through the transition tables in ``services``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from taolun.core.models import TimeStampedModel


class ModerationMode(models.TextChoices):
    PRE = "pre", _("先审后发：内容经审核后公开")
    POST = "post", _("先发后审：内容即时公开，事后审核")


class Forum(TimeStampedModel):
    """A campaign's discussion settings: open or closed, moderation, real names, deadlines, thresholds."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="forum"
    )
    is_open = models.BooleanField(_("开放发言"), default=True, help_text=_("关闭后仍可浏览，但不能发帖、评论和投票。"))
    moderation = models.CharField(
        _("审核方式"), max_length=10, choices=ModerationMode.choices, default=ModerationMode.POST
    )
    require_real_name = models.BooleanField(
        _("后台实名"), default=False, help_text=_("参与者须在后台登记真实姓名后才能发言；前台只显示昵称。")
    )
    hide_after_reports = models.PositiveSmallIntegerField(
        _("自动隐藏举报数"), default=3, help_text=_("被这么多人举报的内容自动隐藏，等待审核。")
    )
    remind_days = models.PositiveSmallIntegerField(_("到期前提醒天数"), default=2)
    escalate_days = models.PositiveSmallIntegerField(
        _("逾期升级天数"), default=3, help_text=_("答复期限过后再过这么多天仍未答复的，提请办公室督办。")
    )
    days_suggest = models.PositiveSmallIntegerField(_("建议类答复时限（天）"), default=15)
    days_ask = models.PositiveSmallIntegerField(_("咨询类答复时限（天）"), default=5)
    days_help = models.PositiveSmallIntegerField(_("求助类答复时限（天）"), default=7)
    days_complain = models.PositiveSmallIntegerField(_("投诉类答复时限（天）"), default=10)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("讨论区设置")
        verbose_name_plural = _("讨论区设置")

    def __str__(self) -> str:
        return str(self.campaign)

    def reply_days(self, kind: str) -> int:
        return int(getattr(self, f"days_{kind}", self.days_suggest))

    def reply_due(self, kind: str, start: dt.datetime) -> dt.datetime:
        """When a suggestion of ``kind`` routed (or reopened) at ``start`` must be answered."""
        return start + dt.timedelta(days=self.reply_days(kind))


class Participant(TimeStampedModel):
    """A person who takes part: the nickname shown in front, the real name held in the back (后台实名)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="participant"
    )
    nickname = models.CharField(_("昵称"), max_length=30)
    real_name = models.CharField(_("真实姓名"), max_length=60, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    verified_at = models.DateTimeField(_("实名登记时间"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("封禁时间"), null=True, blank=True)
    blocked_reason = models.CharField(_("封禁原因"), max_length=500, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("参与者")
        verbose_name_plural = _("参与者")

    def __str__(self) -> str:
        return self.nickname

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Kind(models.TextChoices):
    SUGGEST = "suggest", _("建议")
    ASK = "ask", _("咨询")
    HELP = "help", _("求助")
    COMPLAIN = "complain", _("投诉")


class Source(models.TextChoices):
    ONLINE = "online", _("网上留言")
    PAPER = "paper", _("书面意见")
    INSPECTION = "inspection", _("走访调研")
    HOTLINE = "hotline", _("12345热线")
    MEETING = "meeting", _("座谈会")
    OTHER = "other", _("其他渠道")


class Visibility(models.TextChoices):
    """Moderation status of a suggestion or comment."""

    PENDING = "pending", _("待审核")
    PUBLISHED = "published", pgettext_lazy("discussion", "已公开")
    HIDDEN = "hidden", _("已隐藏")
    REJECTED = "rejected", _("未通过")


class AnswerState(models.TextChoices):
    """Where a published suggestion is in the answer loop."""

    UNROUTED = "unrouted", _("待分办")
    ASSIGNED = "assigned", _("办理中")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已办结")
    REOPENED = "reopened", _("重新办理")


# The states in which a department owes an answer.
AWAITING = (AnswerState.UNROUTED, AnswerState.ASSIGNED, AnswerState.REOPENED)
ANSWERED = (AnswerState.REPLIED, AnswerState.CLOSED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Posted(TimeStampedModel):
    """What suggestions and comments share: author, text fingerprint, moderation and reports."""

    status = models.CharField(
        _("审核状态"), max_length=10, choices=Visibility.choices, default=Visibility.PENDING, db_index=True
    )
    screen_hits = models.JSONField(_("敏感词"), default=list, blank=True)
    report_count = models.PositiveIntegerField(_("举报数"), default=0)
    content_hash = models.CharField(max_length=40, editable=False, db_index=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderation_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_public(self) -> bool:
        return self.status == Visibility.PUBLISHED


class Suggestion(Posted):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="suggestions"
    )
    theme = models.ForeignKey(
        "campaigns.Theme", verbose_name=_("讨论主题"), on_delete=models.PROTECT, related_name="suggestions"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SUGGEST)
    title = models.CharField(_("标题"), max_length=60)
    body = models.TextField(_("内容"))
    author = models.ForeignKey(
        Participant,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    # Offline input (书面意见, 走访, 12345): where it came from and who gave it (held in the back end).
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.ONLINE)
    source_ref = models.CharField(_("来源编号"), max_length=60, blank=True)
    submitter_name = models.CharField(_("反映人"), max_length=60, blank=True)
    submitter_phone = models.CharField(_("反映人电话"), max_length=20, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The answer loop.
    answer_state = models.CharField(
        _("办理状态"), max_length=10, choices=AnswerState.choices, default=AnswerState.UNROUTED, db_index=True
    )
    department = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="discussion_suggestions",
    )
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    urged_at = models.DateTimeField(_("催办时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # Kept by the services in the same transaction as the rows they count.
    supports_count = models.PositiveIntegerField(_("支持数"), default=0)
    opposes_count = models.PositiveIntegerField(_("反对数"), default=0)
    comments_count = models.PositiveIntegerField(_("评论数"), default=0)
    follows_count = models.PositiveIntegerField(_("关注数"), default=0)
    last_activity_at = models.DateTimeField(_("最近动态"), default=timezone.now)

    class Meta:
        verbose_name = _("建言")
        verbose_name_plural = _("建言")
        indexes = [
            # The theme page's sorts: each reads one index range and stops after a page.
            models.Index(fields=["theme", "status", "-published_at"], name="disc_sugg_theme_new_idx"),
            models.Index(fields=["theme", "status", "-supports_count"], name="disc_sugg_theme_top_idx"),
            models.Index(fields=["theme", "status", "-comments_count"], name="disc_sugg_theme_talk_idx"),
            models.Index(fields=["theme", "status", "answer_state"], name="disc_sugg_theme_answer_idx"),
            models.Index(fields=["campaign", "status", "-published_at"], name="disc_sugg_campaign_new_idx"),
            models.Index(fields=["department", "answer_state"], name="disc_sugg_department_idx"),
            models.Index(fields=["answer_state", "due_at"], name="disc_sugg_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_awaiting(self) -> bool:
        return self.answer_state in AWAITING

    @property
    def is_overdue(self) -> bool:
        return self.is_awaiting and self.due_at is not None and self.due_at < timezone.now()

    @property
    def shown_name(self) -> str:
        """The name shown in front: the nickname, or for offline input its source."""
        if self.author_id:
            return self.author.nickname if self.author else ""
        return str(self.get_source_display())


class Comment(Posted):
    """A comment on a suggestion, threaded: a reply names its parent (at most ``MAX_DEPTH`` deep)."""

    MAX_DEPTH = 3

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("建言"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("回复对象"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(_("层级"), default=0)
    author = models.ForeignKey(Participant, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        indexes = [models.Index(fields=["suggestion", "status", "created_at"], name="disc_comment_thread_idx")]

    def __str__(self) -> str:
        return self.body[:40]


class Vote(models.Model):
    """One participant's support (+1) or opposition (−1) of one suggestion; the database keeps it to one."""

    SUPPORT = 1
    OPPOSE = -1

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(_("态度"), choices=[(1, _("支持")), (-1, _("反对"))])
    created_at = models.DateTimeField(_("投票时间"), default=timezone.now)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "participant"], name="disc_vote_once"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="disc_vote_value"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.value:+d} #{self.suggestion_id}"


class Follow(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discussion_follows")
    created_at = models.DateTimeField(_("关注时间"), default=timezone.now)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["suggestion", "user"], name="disc_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → #{self.suggestion_id}"


class Reply(models.Model):
    """The responsible department's published answer; a reopened suggestion gets a new one."""

    suggestion = models.ForeignKey(Suggestion, verbose_name=_("建言"), on_delete=models.CASCADE, related_name="replies")
    department = models.ForeignKey(
        "orgs.Unit", verbose_name=_("答复单位"), on_delete=models.PROTECT, related_name="discussion_replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("答复内容"))
    created_at = models.DateTimeField(_("答复时间"), default=timezone.now)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rating_note = models.CharField(_("评价说明"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["suggestion", "created_at"], name="disc_reply_suggestion_idx")]

    def __str__(self) -> str:
        return self.body[:40]


class ReportReason(models.TextChoices):
    SPAM = "spam", _("垃圾广告")
    ABUSE = "abuse", _("辱骂攻击")
    ILLEGAL = "illegal", _("违法违规")
    PRIVACY = "privacy", _("泄露隐私")
    FALSE = "false", _("不实信息")
    OTHER = "other", _("其他")


class Report(models.Model):
    """A participant's report (举报) of a suggestion or a comment, with a reason."""

    suggestion = models.ForeignKey(Suggestion, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="reports_made")
    reason = models.CharField(_("举报原因"), max_length=10, choices=ReportReason.choices)
    note = models.CharField(_("补充说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("举报时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.CheckConstraint(
                condition=Q(suggestion__isnull=False, comment__isnull=True)
                | Q(suggestion__isnull=True, comment__isnull=False),
                name="disc_report_one_target",
            ),
            models.UniqueConstraint(
                fields=["suggestion", "reporter"], condition=Q(comment__isnull=True), name="disc_report_suggestion_once"
            ),
            models.UniqueConstraint(
                fields=["comment", "reporter"], condition=Q(suggestion__isnull=True), name="disc_report_comment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.suggestion_id or self.comment_id}"


class RoutingRule(models.Model):
    """Which department answers a theme's suggestions (a rule without a theme is the campaign's default)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="routing_rules")
    theme = models.ForeignKey("campaigns.Theme", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("orgs.Unit", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("分办规则")
        verbose_name_plural = _("分办规则")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "theme"], name="disc_route_theme_once"),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(theme__isnull=True), name="disc_route_default_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.theme_id or '*'} → {self.department_id}"


class SensitiveWord(TimeStampedModel):
    """A word that holds a post for a moderator. The screen reloads whenever the list changes."""

    word = models.CharField(_("敏感词"), max_length=40, unique=True)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SearchKind(models.TextChoices):
    SUGGESTION = "suggestion", _("建言")
    COMMENT = "comment", _("评论")
    REPLY = "reply", _("答复")


class SearchEntry(models.Model):
    """The search tokens of one suggestion, comment or reply (``taolun.text.tokens``).

    PostgreSQL matches them through a stored ``tsvector`` column with a GIN index and SQLite through
    an FTS5 table; both are made by this app's migrations, outside the model (see ``search``).
    """

    kind = models.CharField(max_length=10, choices=SearchKind.choices)
    object_id = models.PositiveBigIntegerField()
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    is_public = models.BooleanField(default=False)
    tokens = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="disc_search_once")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"
