"""The organisation tree and the people in it.

Units form a tree of any depth (province → city → district → street/department → unit/community).
Each unit stores its materialised path (``"1/5/23/"``: the ids from the root down), indexed for
prefix search, so a subtree is one indexed range scan at any depth and any size.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.core.models import TimeStampedModel
from taolun.core.paths import paths_q


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道乡镇")
    DEPARTMENT = "department", _("部门")
    UNIT = "unit", _("单位")
    COMMUNITY = "community", _("社区村")
    OTHER = "other", _("其他")


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("单位标签")
        verbose_name_plural = _("单位标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path)

    def within_paths(self, paths: list[str]) -> UnitQuerySet:
        """Units under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        return self.filter(paths_q("path", paths))


class Unit(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=120)
    short_name = models.CharField(_("简称"), max_length=60, blank=True)
    code = models.CharField(_("单位代码"), max_length=64, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices, default=UnitKind.UNIT, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(_("路径"), max_length=255, blank=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="units")
    sort_order = models.IntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort_order", "name"]
        indexes = [
            models.Index(fields=["path"], name="orgs_unit_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "sort_order"], name="orgs_unit_children_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: Unit) -> bool:
        return bool(self.path) and self.path.startswith(other.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]


class PersonQuerySet(models.QuerySet["Person"]):
    def in_subtree(self, unit: Unit) -> PersonQuerySet:
        return self.filter(unit__path__startswith=unit.path)

    def within_paths(self, paths: list[str]) -> PersonQuerySet:
        """People in units under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        return self.filter(paths_q("unit__path", paths))


class PersonRole(models.TextChoices):
    """Roles a person holds in the campaign (what the plan asks of them), not login roles."""

    LEADING_CADRE = "leading_cadre", _("领导干部")
    PARTY_MEMBER = "party_member", _("党员")
    CADRE = "cadre", _("干部")


class Person(TimeStampedModel):
    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    code = models.CharField(_("人员编号"), max_length=64, null=True, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="people")
    position = models.CharField(_("职务"), max_length=120, blank=True)
    is_leading_cadre = models.BooleanField(_("领导干部"), default=False)
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_cadre = models.BooleanField(_("干部"), default=False)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, null=True, blank=True)
    training_batch = models.PositiveSmallIntegerField(_("培训批次"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("在册"), default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["unit_id", "-is_leading_cadre", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(code__isnull=False), name="orgs_person_code_unique"
            ),
            models.UniqueConstraint(
                fields=["id_number"], condition=models.Q(id_number__isnull=False), name="orgs_person_id_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "is_leading_cadre"], name="orgs_person_unit_leader_idx"),
            models.Index(fields=["unit", "is_party_member"], name="orgs_person_unit_party_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        return [
            role
            for role, flag in (
                (PersonRole.LEADING_CADRE, self.is_leading_cadre),
                (PersonRole.PARTY_MEMBER, self.is_party_member),
                (PersonRole.CADRE, self.is_cadre),
            )
            if flag
        ]

    @property
    def scope_path(self) -> str:
        """The unit path that scoped permission rules compare against."""
        return self.unit.path

    def get_roles_display(self) -> str:
        from taolun.core.text import join_list

        return join_list(PersonRole(r).label for r in self.roles)


class RosterJobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("检查中")
    READY = "ready", _("待确认")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("失败")


class RosterImportJob(models.Model):
    """One uploaded roster on its way in: checked in the background (a dry run), shown for confirmation,
    then imported in the background, all or nothing.

    The file waits in a private folder (``upload_path``, relative to ``MEDIA_ROOT``, never served by
    URL) until the import ends or the job expires. Status moves only through
    ``roster_jobs.roster_job_move``, which follows its transition table and writes the audit entry.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="roster_jobs"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("导入到单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roster_jobs",
        help_text=_("留空表示顶级"),
    )
    filename = models.CharField(_("文件名"), max_length=200)
    upload_path = models.CharField(_("上传文件"), max_length=255, blank=True)
    language = models.CharField(_("语言"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RosterJobStatus.choices, default=RosterJobStatus.QUEUED, db_index=True
    )
    counts = models.JSONField(_("数量"), default=dict, blank=True)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误报告"), default=list, blank=True)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    phase = models.CharField(_("阶段"), max_length=20, blank=True)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入任务")
        verbose_name_plural = _("名册导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="orgs_rosterjob_owner_idx")]

    def __str__(self) -> str:
        return self.filename

    @property
    def scope_path(self) -> str | None:
        """The unit path that scoped rules compare against (``""``: the top level)."""
        return self.unit.path if self.unit is not None else ""
