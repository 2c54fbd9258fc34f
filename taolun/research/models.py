"""Research topics (调研课题): every leading cadre leads one key topic per campaign, tied to a contact point.

A topic is registered with its title, theme, contact-point unit (联系点), team and plan; the leader posts
dated progress updates (the timeline) and finally a report with findings and countermeasures
(对策建议); the office accepts the report or returns it with a reason. One topic per leader per
campaign is enforced by the database.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.core.models import TimeStampedModel


class TopicStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REGISTERED = "registered", _("已登记")
    IN_PROGRESS = "in_progress", _("调研中")
    REPORTED = "reported", _("已报送")
    ACCEPTED = "accepted", _("已验收")
    RETURNED = "returned", _("已退回")


class TopicQuerySet(models.QuerySet["ResearchTopic"]):
    def within_paths(self, paths: list[str]) -> TopicQuerySet:
        """Topics of leaders whose unit lies under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        from taolun.core.paths import paths_q

        return self.filter(paths_q("unit__path", paths))


class ResearchTopic(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="research_topics"
    )
    leader = models.ForeignKey(
        "orgs.Person", verbose_name=_("牵头领导"), on_delete=models.PROTECT, related_name="research_topics"
    )
    # The leader's unit when the topic was created: scoped rules and lists read it without a join.
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="research_topics"
    )
    title = models.CharField(_("课题名称"), max_length=200)
    theme = models.ForeignKey(
        "campaigns.Theme",
        verbose_name=_("讨论主题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="research_topics",
    )
    contact_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("联系点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_topics",
        help_text=_("领导干部包扶的联系点单位。"),
    )
    members = models.ManyToManyField(
        "orgs.Person", verbose_name=_("课题组成员"), blank=True, related_name="research_memberships"
    )
    other_members = models.CharField(
        _("其他成员"), max_length=500, blank=True, help_text=_("不在名册中的成员，用顿号或逗号分隔。")
    )
    plan = models.TextField(_("调研计划"), blank=True)
    findings = models.TextField(_("调研发现"), blank=True)
    countermeasures = models.TextField(_("对策建议"), blank=True)
    report = models.TextField(_("调研报告"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TopicStatus.choices, default=TopicStatus.DRAFT, db_index=True
    )
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("调研课题")
        verbose_name_plural = _("调研课题")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # 每名领导干部牵头主持 1 项重点调研课题: one per leader per campaign, whatever the form says.
            models.UniqueConstraint(fields=["campaign", "leader"], name="research_one_topic_per_leader"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="research_campaign_status_idx"),
            models.Index(fields=["unit", "campaign"], name="research_unit_campaign_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("research:detail", args=[self.pk])

    @property
    def scope_path(self) -> str:
        return self.unit.path

    @property
    def is_editable(self) -> bool:
        """The leader may still change the topic (not while the office holds the report, nor after acceptance)."""
        return self.status not in (TopicStatus.REPORTED, TopicStatus.ACCEPTED)


def topic_file_path(instance: TopicUpdate, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the checked extension.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"research/{instance.topic_id}/{secrets.token_hex(12)}.{ext}"


class TopicUpdate(models.Model):
    """One dated step of the research (a visit, a meeting, a draft): the topic's timeline."""

    topic = models.ForeignKey(ResearchTopic, on_delete=models.CASCADE, related_name="updates")
    happened_on = models.DateField(_("日期"))
    content = models.TextField(_("进展情况"))
    file = models.FileField(_("附件"), upload_to=topic_file_path, max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("调研进展")
        verbose_name_plural = _("调研进展")
        ordering = ["topic_id", "-happened_on", "-id"]
        indexes = [models.Index(fields=["topic", "-happened_on"], name="research_update_topic_idx")]

    def __str__(self) -> str:
        return f"{self.happened_on} {self.content[:30]}"
