"""The problem ledger (问题清单 / 整改台账): problems found, their rectification measures, and their closing.

A problem is found (by self-examination, a research topic, an inspection opinion, the online
discussion or a spot check), confirmed once it has the "five clarities" (问题内容, 责任主体, 整改标准,
整改措施, 办结时限), rectified through its measures, declared done with evidence, verified by the office
and closed (销号); a closed problem can be reopened. A deadline moves only through an extension request
filed before it and approved.

Progress rolls up: a measure's percentage is set by its dated updates; a problem's is the weighted mean
of its measures' (kept on the problem by ``rollup.problem_refresh``, together with the dates the traffic
light is computed from, so that ledgers of a province filter and sort by light in SQL).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from taolun.core.models import TimeStampedModel


class ProblemSource(models.TextChoices):
    SELF_EXAMINATION = "self_examination", _("自查")
    RESEARCH_TOPIC = "research_topic", pgettext_lazy("problem source", "调研课题")
    INSPECTION = "inspection", _("视察意见")
    DISCUSSION = "discussion", _("网上大讨论")
    SPOT_CHECK = "spot_check", _("督导检查")
    OTHER = "other", _("其他")


class ProblemStatus(models.TextChoices):
    FOUND = "found", _("已查摆")
    CONFIRMED = "confirmed", _("已确认")
    RECTIFYING = "rectifying", _("整改中")
    DONE = "done", _("已完成待核验")
    CLOSED = "closed", _("已销号")
    DISMISSED = "dismissed", _("不予认定")


# Statuses whose measures are still being worked on: they carry a traffic light.
OPEN_STATUSES = (ProblemStatus.FOUND, ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING)


class ProblemQuerySet(models.QuerySet["Problem"]):
    def within_paths(self, paths: list[str]) -> ProblemQuerySet:
        """Problems of units under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        from taolun.core.paths import paths_q

        return self.filter(paths_q("unit__path", paths))


class Problem(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="problems"
    )
    number = models.PositiveIntegerField(_("编号"), help_text=_("本次大讨论内的问题编号。"))
    # 问题内容
    content = models.TextField(_("问题内容"))
    source = models.CharField(_("问题来源"), max_length=20, choices=ProblemSource.choices, db_index=True)
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    research_topic = models.ForeignKey(
        "research.ResearchTopic",
        verbose_name=_("来源调研课题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    opinion = models.ForeignKey(
        "activities.Opinion",
        verbose_name=_("来源视察意见"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    category = models.ForeignKey(
        "campaigns.Shortcoming",
        verbose_name=_("短板类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    theme = models.ForeignKey(
        "campaigns.Theme",
        verbose_name=_("讨论主题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    dimension = models.ForeignKey(
        "campaigns.Dimension",
        verbose_name=_("高质量维度"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    # 责任主体: the responsible unit and person.
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="problems")
    owner = models.ForeignKey(
        "orgs.Person",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_problems",
    )
    # 整改标准
    standard = models.TextField(_("整改标准"), blank=True)
    # 办结时限 (after approved extensions); the first one stays for the record.
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    original_deadline = models.DateField(_("原定时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.FOUND, db_index=True
    )
    # Rolled up from the measures (``rollup.problem_refresh``).
    progress = models.PositiveSmallIntegerField(_("整改进度（%）"), default=0)
    measure_count = models.PositiveSmallIntegerField(_("措施数"), default=0)
    due_on = models.DateField(
        _("最早到期"), null=True, blank=True, help_text=_("未完成措施与问题本身的办结时限中最早的一个。")
    )
    behind_from = models.DateField(
        _("落后于计划起"), null=True, blank=True, help_text=_("按直线进度，从这一天起实际进度落后于计划。")
    )
    result = models.TextField(_("完成情况"), blank=True)
    found_at = models.DateTimeField(_("查摆时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_on_time = models.BooleanField(_("按期销号"), null=True, blank=True)
    verification_note = models.CharField(_("核验意见"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新整改次数"), default=0)
    is_public = models.BooleanField(_("公开"), default=False, help_text=_("销号后在公开台账中展示（只展示公开字段）。"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题清单")
        ordering = ["campaign_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="problems_number_unique"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="problems_progress_max"),
        ]
        indexes = [
            # due_on last: a unit's ledger filtered by status and light is answered inside the index.
            models.Index(fields=["unit", "campaign", "status", "due_on"], name="problems_unit_status_due_idx"),
            models.Index(fields=["campaign", "status", "due_on"], name="problems_campaign_due_idx"),
            models.Index(fields=["owner", "campaign"], name="problems_owner_idx"),
            models.Index(fields=["campaign", "category"], name="problems_category_idx"),
            models.Index(fields=["campaign", "theme"], name="problems_theme_idx"),
            models.Index(fields=["campaign", "is_public", "closed_at"], name="problems_public_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.content[:40]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("problems:detail", args=[self.pk])

    @property
    def scope_path(self) -> str:
        return self.unit.path

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Measure(TimeStampedModel):
    """One rectification measure (整改措施) of a problem: owner, deadline, weight, progress and its updates."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures")
    content = models.TextField(_("整改措施"))
    owner = models.ForeignKey(
        "orgs.Person",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_measures",
    )
    owner_name = models.CharField(
        _("责任人姓名"), max_length=60, blank=True, help_text=_("责任人不在名册中时填写姓名。")
    )
    starts_on = models.DateField(_("开始日期"), default=timezone.localdate)
    deadline = models.DateField(_("完成时限"))
    weight = models.PositiveSmallIntegerField(_("权重"), default=1, help_text=_("汇总问题进度时这项措施所占的分量。"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    behind_from = models.DateField(_("落后于计划起"), null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["problem_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="problems_measure_progress_max"),
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="problems_measure_weight_min"),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("starts_on")), name="problems_measure_dates"
            ),
        ]
        indexes = [
            models.Index(fields=["problem", "order"], name="problems_measure_problem_idx"),
            models.Index(fields=["owner", "deadline"], name="problems_measure_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.content[:40]

    @property
    def scope_path(self) -> str:
        return self.problem.unit.path

    @property
    def owner_label(self) -> str:
        return self.owner.name if self.owner_id and self.owner else self.owner_name


class MeasureUpdate(models.Model):
    """A dated progress report on one measure: the new percentage and what was done."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="updates")
    happened_on = models.DateField(_("日期"))
    progress = models.PositiveSmallIntegerField(_("进度（%）"))
    note = models.TextField(_("进展情况"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["measure_id", "-happened_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="problems_update_progress_max"),
        ]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.progress}%"


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the checked extension.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"problems/{instance.problem_id}/{secrets.token_hex(12)}.{ext}"


class EvidenceFile(models.Model):
    """A piece of evidence (佐证材料) of a problem or one of its measures. Served only after a permission check."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    measure = models.ForeignKey(
        Measure, verbose_name=_("整改措施"), null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)
    thumbnail = models.FileField(_("缩略图"), upload_to=evidence_path, max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["problem_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Extension(models.Model):
    """A request to move a problem's deadline (延期申请): filed before the deadline, decided by the office."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="extensions")
    old_deadline = models.DateField(_("原时限"))
    new_deadline = models.DateField(_("申请延至"))
    reason = models.CharField(_("申请理由"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["problem_id", "-requested_at", "-id"]
        constraints = [
            # At most one request waits for a decision per problem.
            models.UniqueConstraint(
                fields=["problem"], condition=models.Q(status="pending"), name="problems_one_pending_extension"
            ),
            models.CheckConstraint(
                condition=models.Q(new_deadline__gt=models.F("old_deadline")), name="problems_extension_later"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.old_deadline} → {self.new_deadline}"

    @property
    def scope_path(self) -> str:
        return self.problem.unit.path


class SelfExamination(TimeStampedModel):
    """A leading cadre's own self-examination (领导带头，把自己摆进去): one per leader per campaign."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="self_examinations"
    )
    person = models.ForeignKey(
        "orgs.Person", verbose_name=_("领导干部"), on_delete=models.PROTECT, related_name="self_examinations"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("自我剖析")
        verbose_name_plural = _("自我剖析")
        ordering = ["campaign_id", "unit_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="problems_one_self_exam_per_leader"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.campaign_id}"

    @property
    def scope_path(self) -> str:
        return self.unit.path


class SelfExaminationItem(models.Model):
    """One gap a leader finds in themself (on an aspect the plan names) and the measure they take."""

    examination = models.ForeignKey(SelfExamination, on_delete=models.CASCADE, related_name="items")
    aspect = models.CharField(_("方面"), max_length=60, help_text=_("如：政治定力、工作思路、能力素质。"))
    gap = models.TextField(_("存在差距"))
    measure = models.TextField(_("整改措施"))
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("剖析事项")
        verbose_name_plural = _("剖析事项")
        ordering = ["examination_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.aspect}: {self.gap[:30]}"
