"""A campaign created from a plan: its themes, categories, dimensions, stages and requirements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.core.models import TimeStampedModel

from .plan import AppliesTo, evidence_adapter


class Plan(TimeStampedModel):
    """A plan file as loaded: the source text is kept so a campaign can always show what it came from."""

    key = models.SlugField(_("方案标识"), max_length=80)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("标题"), max_length=200)
    source = models.TextField(_("方案文件"))
    checksum = models.CharField(_("校验和"), max_length=64)
    is_builtin = models.BooleanField(_("内置"), default=False)

    class Meta:
        verbose_name = _("实施方案")
        verbose_name_plural = _("实施方案")
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="campaigns_plan_key_version")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(TimeStampedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("实施方案"), on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(_("标识"), max_length=80, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    short_title = models.CharField(_("简称"), max_length=80, blank=True)
    issuer = models.CharField(_("发文单位"), max_length=120, blank=True)
    basis = models.TextField(_("制定依据"), blank=True)
    preamble = models.TextField(_("总体要求"), blank=True)
    principles = models.JSONField(_("基本原则"), default=list, blank=True)
    themes_intro = models.TextField(_("讨论内容说明"), blank=True)
    stages_intro = models.TextField(_("重点环节说明"), blank=True)
    safeguards = models.JSONField(_("保障措施"), default=list, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    root_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("组织范围"), on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, db_index=True
    )
    yellow_days = models.PositiveSmallIntegerField(
        _("临期提醒天数"), default=7, help_text=_("距截止日期不足该天数时显示黄灯。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("大讨论活动")
        verbose_name_plural = _("大讨论活动")
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_path(self) -> str:
        return self.root_unit.path

    def day_number(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.start_date).days + 1

    @property
    def duration_days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class OrderedItem(models.Model):
    key = models.SlugField(_("标识"), max_length=60)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Theme(OrderedItem):
    """One of the plan's discussion themes (六个“紧紧围绕”) with its guiding question."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="themes")
    question = models.TextField(_("讨论题目"))

    class Meta(OrderedItem.Meta):
        verbose_name = _("讨论主题")
        verbose_name_plural = _("讨论主题")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_theme_key")]


class Shortcoming(OrderedItem):
    """A problem category (四个短板)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="shortcomings")

    class Meta(OrderedItem.Meta):
        verbose_name = _("短板类别")
        verbose_name_plural = _("短板类别")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_shortcoming_key")]


class Dimension(OrderedItem):
    """A dimension of inspection findings (六个高质量)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="dimensions")

    class Meta(OrderedItem.Meta):
        verbose_name = _("高质量维度")
        verbose_name_plural = _("高质量维度")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_dimension_key")]


class ActivityKind(OrderedItem):
    """A kind of activity this campaign holds: the four built-in kinds, then any the plan adds."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="activity_kinds")
    is_builtin = models.BooleanField(_("内置"), default=False)

    class Meta(OrderedItem.Meta):
        verbose_name = _("活动类型")
        verbose_name_plural = _("活动类型")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_activitykind_key")]

    @property
    def label(self) -> str:
        """The built-in kinds in the viewer's language; a plan's own kinds as the plan names them."""
        if self.is_builtin:
            from .describe import ACTIVITY_KIND_TITLES

            return str(ACTIVITY_KIND_TITLES.get(self.key, self.title))
        return self.title


class StageState(models.TextChoices):
    UPCOMING = "upcoming", _("未开始")
    CURRENT = "current", _("进行中")
    FINISHED = "finished", _("已结束")


class Stage(OrderedItem):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stages")
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))

    class Meta(OrderedItem.Meta):
        verbose_name = _("阶段")
        verbose_name_plural = _("阶段")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_stage_key")]

    def state(self, today: dt.date | None = None) -> StageState:
        """The one place a stage's state is derived from its window."""
        today = today or timezone.localdate()
        if today < self.start_date:
            return StageState.UPCOMING
        if today > self.end_date:
            return StageState.FINISHED
        return StageState.CURRENT


class RequirementSubject(models.TextChoices):
    UNIT = "unit", _("单位")
    PERSON = "person", _("个人")


class Requirement(OrderedItem):
    """Who must do what by when. ``applies_to`` and ``evidence`` keep the plan's validated spec."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="requirements")
    stage = models.ForeignKey(Stage, verbose_name=_("阶段"), on_delete=models.PROTECT, related_name="requirements")
    subject = models.CharField(_("对象"), max_length=10, choices=RequirementSubject.choices)
    applies_to = models.JSONField(_("适用范围"))
    evidence = models.JSONField(_("完成依据"))
    due_date = models.DateField(_("截止日期"))
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=1)

    class Meta(OrderedItem.Meta):
        verbose_name = _("工作要求")
        verbose_name_plural = _("工作要求")
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="campaigns_requirement_key")]

    @property
    def applies_spec(self) -> AppliesTo:
        """``applies_to`` read back through the plan schema (units or people selector)."""
        return AppliesTo.model_validate(self.applies_to)

    @property
    def evidence_spec(self) -> Any:
        """``evidence`` read back through the plan schema (one of the typed evidence specs)."""
        return evidence_adapter().validate_python(self.evidence)
