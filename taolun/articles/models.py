"""Reflection articles (心得体会文章): one per party cadre per campaign, reviewed, scored and published.

An article is written as a draft (saved automatically, every revision kept), submitted before the
campaign's deadline, and reviewed by a reviewer assigned by unit or from the pool: returned for
revision with comments, or approved with a score on the plan's three dimensions (思想认识、实践感悟、
意见建议). Approved articles may be marked excellent; the publicity staff publish excellent articles on
the public site when the author has consented. Status moves go through ``services.TRANSITIONS``.

Every submission is checked for copied passages (``detection``) against every other submitted article
(of this and earlier campaigns) and the reference library of official texts (``ReferenceText``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from taolun.core.models import TimeStampedModel


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审阅")
    RETURNED = "returned", pgettext_lazy("article status", "退回修改")
    APPROVED = "approved", _("审核通过")
    EXCELLENT = "excellent", _("优秀")
    PUBLISHED = "published", _("已发布")


# Statuses in which the text has been handed in (and is a source for checking others).
HANDED_IN = (
    ArticleStatus.SUBMITTED,
    ArticleStatus.RETURNED,
    ArticleStatus.APPROVED,
    ArticleStatus.EXCELLENT,
    ArticleStatus.PUBLISHED,
)
# Statuses the author may still edit.
EDITABLE = (ArticleStatus.DRAFT, ArticleStatus.RETURNED)
# Statuses in which the office may still (re)assign the reviewer: before the review is decided.
ASSIGNABLE = (ArticleStatus.DRAFT, ArticleStatus.SUBMITTED, ArticleStatus.RETURNED)
# Statuses that carry the reviewer's scores.
SCORED = (ArticleStatus.APPROVED, ArticleStatus.EXCELLENT, ArticleStatus.PUBLISHED)


class AssignMode(models.TextChoices):
    UNIT = "unit", _("按单位：由覆盖作者单位的最近一级审阅人审阅")
    POOL = "pool", _("审阅池：在所有覆盖作者单位的审阅人中轮流分配")


class ArticleCall(TimeStampedModel):
    """The campaign's call for articles (征文要求): deadline, length, scoring and the copy threshold."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="article_call"
    )
    deadline = models.DateTimeField(_("提交截止时间"))
    min_chars = models.PositiveIntegerField(_("最少字数"), default=300)
    max_chars = models.PositiveIntegerField(_("最多字数"), default=20000)
    flag_threshold = models.DecimalField(
        _("重复率警示线"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.30"),
        help_text=_("重复率达到或超过这一比例的文章标为疑似抄袭（0–1）。"),
    )
    assign_mode = models.CharField(_("审阅分配"), max_length=10, choices=AssignMode.choices, default=AssignMode.UNIT)
    thought_max = models.PositiveSmallIntegerField(_("思想认识满分"), default=40)
    practice_max = models.PositiveSmallIntegerField(_("实践感悟满分"), default=30)
    suggestions_max = models.PositiveSmallIntegerField(_("意见建议满分"), default=30)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("征文要求")
        verbose_name_plural = _("征文要求")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_chars__lte=models.F("max_chars")), name="articles_call_chars"
            ),
            models.CheckConstraint(
                condition=models.Q(flag_threshold__gte=0, flag_threshold__lte=1), name="articles_call_threshold"
            ),
        ]

    def __str__(self) -> str:
        return str(self.campaign)

    @property
    def full_score(self) -> int:
        return int(self.thought_max + self.practice_max + self.suggestions_max)


class ArticleQuerySet(models.QuerySet["Article"]):
    def within_paths(self, paths: list[str]) -> ArticleQuerySet:
        """Articles of authors whose unit lies under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        from taolun.core.paths import paths_q

        return self.filter(paths_q("unit__path", paths))


class Article(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="articles"
    )
    author = models.ForeignKey("orgs.Person", verbose_name=_("作者"), on_delete=models.PROTECT, related_name="articles")
    # The author's unit when the article was started: scoped rules and lists read it without a join.
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"), blank=True)
    themes = models.ManyToManyField("campaigns.Theme", verbose_name=_("讨论主题"), blank=True, related_name="articles")
    chars = models.PositiveIntegerField(_("字数"), default=0)
    status = models.CharField(
        _("状态"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_to_review",
    )
    saved_at = models.DateTimeField(_("最近保存"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    thought_score = models.PositiveSmallIntegerField(_("思想认识"), null=True, blank=True)
    practice_score = models.PositiveSmallIntegerField(_("实践感悟"), null=True, blank=True)
    suggestions_score = models.PositiveSmallIntegerField(
        pgettext_lazy("article score", "意见建议"), null=True, blank=True
    )
    score = models.PositiveSmallIntegerField(_("总分"), null=True, blank=True, db_index=True)
    consent_public = models.BooleanField(
        _("同意公开"), default=False, help_text=_("作者同意在公开网站刊发本文（仅优秀文章会被刊发）。")
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The copy check of the latest submission.
    ratio = models.FloatField(_("重复率"), null=True, blank=True)
    flagged = models.BooleanField(_("疑似抄袭"), default=False)
    checked_at = models.DateTimeField(_("检测时间"), null=True, blank=True)
    # The revision whose text is in the detection library (None: not in it).
    indexed_revision = models.ForeignKey(
        "ArticleRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("心得体会文章")
        verbose_name_plural = _("心得体会文章")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # 每名党员干部撰写一篇: one per author per campaign, whatever the form says.
            models.UniqueConstraint(fields=["campaign", "author"], name="articles_one_per_author"),
            models.CheckConstraint(
                condition=models.Q(ratio__isnull=True) | models.Q(ratio__gte=0, ratio__lte=1), name="articles_ratio"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="articles_campaign_status_idx"),
            models.Index(fields=["unit", "campaign"], name="articles_unit_campaign_idx"),
            models.Index(fields=["reviewer", "status"], name="articles_reviewer_idx"),
            models.Index(fields=["campaign", "ratio"], name="articles_campaign_ratio_idx"),
            models.Index(fields=["campaign", "published_at"], name="articles_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title or str(_("（无标题）"))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("articles:detail", args=[self.pk])

    @property
    def scope_path(self) -> str:
        return self.unit.path

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_handed_in(self) -> bool:
        return self.status in HANDED_IN

    @property
    def check_pending(self) -> bool:
        """Handed in, and the copy check of its latest submission has not come back yet (a submission
        clears ``checked_at``; only the latest submission's check sets it)."""
        return self.is_handed_in and self.checked_at is None


class RevisionKind(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMISSION = "submission", _("提交稿")


class ArticleRevision(models.Model):
    """One kept version of the text. Saves in one sitting fold into the latest draft revision."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("版本号"))
    kind = models.CharField(_("类型"), max_length=12, choices=RevisionKind.choices, default=RevisionKind.DRAFT)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"), blank=True)
    chars = models.PositiveIntegerField(_("字数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    saved_at = models.DateTimeField(_("保存时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        ordering = ["article_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="articles_revision_number")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ReviewAction(models.TextChoices):
    RETURN = "return", _("退回修改")
    APPROVE = "approve", _("审核通过")
    EXCELLENT = "excellent", _("评为优秀")


class ArticleReview(models.Model):
    """What a reviewer said: return comments the author sees, an approval with its scores."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(
        ArticleRevision, verbose_name=_("审阅版本"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("审阅结果"), max_length=12, choices=ReviewAction.choices)
    comment = models.TextField(_("审阅意见"), blank=True)
    score = models.PositiveSmallIntegerField(_("总分"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("审阅时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审阅意见")
        verbose_name_plural = _("审阅意见")
        ordering = ["article_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.action}"


class CheckResult(models.Model):
    """The copy check of one submitted revision: its ratio, its sources and the copied passages.

    ``matches``: ``[{"source": key, "kind": "article"|"reference", "id", "revision", "title", "label",
    "ratio", "spans": [[start, end, source_start, source_end], …]}]`` with offsets in characters of the
    revision's body and of the source's text.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="checks")
    revision = models.ForeignKey(ArticleRevision, on_delete=models.CASCADE, related_name="checks")
    ratio = models.FloatField(_("重复率"))
    flagged = models.BooleanField(_("疑似抄袭"), default=False)
    threshold = models.FloatField(_("警示线"))
    matches = models.JSONField(_("相似来源"), default=list)
    sources = models.PositiveIntegerField(_("比对文本数"), default=0)
    checked_at = models.DateTimeField(_("检测时间"), default=timezone.now)

    class Meta:
        verbose_name = _("重复率检测")
        verbose_name_plural = _("重复率检测")
        ordering = ["article_id", "-checked_at", "-id"]
        indexes = [models.Index(fields=["article", "-checked_at"], name="articles_check_latest_idx")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.ratio:.0%}"


class ReferenceCollection(TimeStampedModel):
    """A named set of official texts articles are checked against (讲话、报告、社论…)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    description = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("比对文库")
        verbose_name_plural = _("比对文库")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReferenceText(models.Model):
    collection = models.ForeignKey(
        ReferenceCollection, verbose_name=_("文库"), on_delete=models.CASCADE, related_name="texts"
    )
    title = models.CharField(_("标题"), max_length=200)
    source_name = models.CharField(_("文件名"), max_length=255, blank=True)
    body = models.TextField(_("正文"))
    chars = models.PositiveIntegerField(_("字数"), default=0)
    digest = models.CharField(_("摘要值"), max_length=64, help_text=_("正文的 SHA-256，同一文库内不重复。"))
    indexed = models.BooleanField(_("已入索引"), default=False)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("比对文本")
        verbose_name_plural = _("比对文本")
        ordering = ["collection_id", "title", "id"]
        constraints = [models.UniqueConstraint(fields=["collection", "digest"], name="articles_reference_unique")]

    def __str__(self) -> str:
        return self.title


class RecheckStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("检测中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class RecheckRun(models.Model):
    """A bulk re-check of a campaign's handed-in articles, with its progress."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="article_rechecks")
    status = models.CharField(
        _("状态"), max_length=10, choices=RecheckStatus.choices, default=RecheckStatus.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(_("文章数"), default=0)
    done = models.PositiveIntegerField(_("已检测"), default=0)
    flagged = models.PositiveIntegerField(_("疑似抄袭"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    # When the run last showed it was alive (queued, claimed, progress): a run silent for long was lost
    # with its worker and no longer blocks a new one (``checks.RECHECK_STALE``).
    heartbeat_at = models.DateTimeField(_("最近进展"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("批量检测")
        verbose_name_plural = _("批量检测")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
