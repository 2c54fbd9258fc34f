"""Activities: study sessions, seminars, trainings in batches, inspection visits and any kind a plan adds.

An activity belongs to the unit that holds it and to a campaign. People are invited; they check in
with the activity's rotating code (or the liaison marks them), or ask for leave. Its records are the
minutes, each participant's speech, photos and attachments, and for an inspection the places visited,
the opinions gathered, the team's evaluation and its proposals. Once the office confirms the records
they are locked: a later change needs a reason, and the reason is kept in the audit log.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.core.models import TimeStampedModel


def new_checkin_secret() -> str:
    return secrets.token_hex(16)


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("已安排")
    CONFIRMED = "confirmed", _("记录已确认")
    CANCELLED = "cancelled", _("已取消")


class ActivityQuerySet(models.QuerySet["Activity"]):
    def within_paths(self, paths: list[str]) -> ActivityQuerySet:
        """Activities held by units under any of ``paths`` (``[""]``: all, ``[]``: none)."""
        from taolun.core.paths import paths_q

        return self.filter(paths_q("unit__path", paths))

    def live(self) -> ActivityQuerySet:
        return self.exclude(status=ActivityStatus.CANCELLED)


class Activity(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("大讨论活动"), on_delete=models.CASCADE, related_name="activities"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("举办单位"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("类型"), max_length=60, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    themes = models.ManyToManyField(
        "campaigns.Theme", verbose_name=_("讨论主题"), blank=True, related_name="activities"
    )
    dimensions = models.ManyToManyField(
        "campaigns.Dimension", verbose_name=_("视察维度"), blank=True, related_name="activities"
    )
    batch = models.PositiveSmallIntegerField(
        _("批次"), null=True, blank=True, help_text=_("分期分批举办时，本期是第几批。")
    )
    start_at = models.DateTimeField(_("开始时间"))
    end_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.CharField(_("主持人"), max_length=100, blank=True)
    agenda = models.TextField(_("议程"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED, db_index=True
    )
    checkin_opens_at = models.DateTimeField(_("签到开始"))
    checkin_closes_at = models.DateTimeField(_("签到截止"))
    checkin_secret = models.CharField(max_length=32, default=new_checkin_secret, editable=False)
    allow_walk_in = models.BooleanField(
        _("允许未受邀人员签到"), default=False, help_text=_("举办单位及其下级单位的人员凭签到码也可签到。")
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    places_visited = models.JSONField(_("视察地点"), default=list, blank=True)
    evaluation = models.TextField(_("视察评议"), blank=True)
    proposals = models.TextField(_("对策建议"), blank=True)
    # Kept by ``activities.counts.counts_refresh`` whenever invitations, leave or attendance change, so
    # that lists and rates over a district's activities sum columns instead of counting millions of rows.
    invited_count = models.PositiveIntegerField(_("邀请人数"), default=0, editable=False)
    excused_count = models.PositiveIntegerField(_("准假人数"), default=0, editable=False)
    present_count = models.PositiveIntegerField(
        _("实到人数"), default=0, editable=False, help_text=_("受邀且未准假的人中已签到的人数。")
    )
    attendance_count = models.PositiveIntegerField(_("签到人数"), default=0, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-start_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-start_at"], name="act_unit_start_idx"),
            # end_at beside start_at: a calendar's overlap test is answered inside the index.
            models.Index(fields=["start_at", "end_at"], name="act_start_end_idx"),
            models.Index(fields=["campaign", "kind", "unit"], name="act_campaign_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_at__gt=models.F("start_at")), name="act_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:detail", args=[self.pk])

    @property
    def scope_path(self) -> str:
        return self.unit.path

    @property
    def is_locked(self) -> bool:
        return self.status == ActivityStatus.CONFIRMED

    @property
    def is_inspection(self) -> bool:
        return self.kind == "inspection"

    def checkin_state(self, now: object = None) -> str:
        """``"early"``, ``"open"`` or ``"closed"``: the one place the check-in window is read."""
        now = now or timezone.now()
        if self.status == ActivityStatus.CANCELLED or now > self.checkin_closes_at:  # type: ignore[operator]
            return "closed"
        if now < self.checkin_opens_at:  # type: ignore[operator]
            return "early"
        return "open"


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("已邀请")
    LEAVE_REQUESTED = "leave_requested", _("请假待批")
    LEAVE_APPROVED = "leave_approved", _("已准假")
    LEAVE_REJECTED = "leave_rejected", _("请假未准")


class Invitation(models.Model):
    """One person asked to take part. A leave request (请假) and its decision live on the invitation."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        "orgs.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="activity_invitations"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.INVITED, db_index=True
    )
    invited_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_reason = models.CharField(_("请假事由"), max_length=500, blank=True)
    leave_requested_at = models.DateTimeField(_("请假时间"), null=True, blank=True)
    leave_decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    leave_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("参加邀请")
        verbose_name_plural = _("参加邀请")
        ordering = ["activity_id", "person_id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="act_invitation_unique")]
        indexes = [models.Index(fields=["person", "activity"], name="act_invitation_person_idx")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}"

    @property
    def scope_path(self) -> str:
        return self.activity.unit.path


class CheckinMethod(models.TextChoices):
    CODE = "code", _("扫码签到")
    MANUAL = "manual", _("联络员登记")
    IMPORT = "import", _("批量导入")


class Attendance(models.Model):
    """One person present at one activity: at most one row per pair, enforced by the database."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        "orgs.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="activity_attendances"
    )
    checked_in_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    method = models.CharField(_("签到方式"), max_length=10, choices=CheckinMethod.choices, default=CheckinMethod.CODE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["activity_id", "checked_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="act_attendance_unique")]
        indexes = [models.Index(fields=["person", "activity"], name="act_attendance_person_idx")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}"


class Speech(TimeStampedModel):
    """What one participant said at a seminar (发言): the plan wants every participant seen."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="speeches")
    person = models.ForeignKey(
        "orgs.Person", verbose_name=_("发言人"), on_delete=models.PROTECT, related_name="activity_speeches"
    )
    content = models.TextField(_("发言内容"))
    order = models.PositiveIntegerField(_("顺序"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("发言记录")
        verbose_name_plural = _("发言记录")
        ordering = ["activity_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="act_speech_unique")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}"


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("附件")


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the uploader: a random name with the checked extension.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"activities/{instance.activity_id}/{secrets.token_hex(12)}.{ext}"


class Attachment(models.Model):
    """A photo or a document of an activity. Served only through a view that checks the viewer."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类别"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    thumbnail = models.FileField(_("缩略图"), upload_to=attachment_path, max_length=255, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("照片和附件")
        verbose_name_plural = _("照片和附件")
        ordering = ["activity_id", "uploaded_at", "id"]
        indexes = [models.Index(fields=["activity", "kind"], name="act_attachment_kind_idx")]

    def __str__(self) -> str:
        return self.original_name


class OpinionSource(models.TextChoices):
    PUBLIC = "public", _("群众")
    ENTERPRISE = "enterprise", _("企业")
    DEPUTY = "deputy", _("人大代表、政协委员")
    EXPERT = "expert", _("专家学者")
    ORGANISATION = "organisation", _("社会组织")
    CADRE = "cadre", _("基层干部")
    OTHER = "other", _("其他")


class Opinion(TimeStampedModel):
    """An opinion or suggestion gathered on an inspection visit: from whom, where, what, on which dimension.

    ``link_type``/``link_id`` keep what the opinion was turned into (a problem in the ledger, a public
    suggestion) once that has been done.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="opinions")
    dimension = models.ForeignKey(
        "campaigns.Dimension",
        verbose_name=_("高质量维度"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opinions",
    )
    source_kind = models.CharField(
        _("意见来源"), max_length=20, choices=OpinionSource.choices, default=OpinionSource.PUBLIC
    )
    source_name = models.CharField(_("提出人"), max_length=100, blank=True, help_text=_("个人姓名或单位名称"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    content = models.TextField(_("意见内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_type = models.CharField(_("转办为"), max_length=40, blank=True)
    link_id = models.PositiveBigIntegerField(_("转办对象编号"), null=True, blank=True)
    linked_at = models.DateTimeField(_("转办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("视察意见")
        verbose_name_plural = _("视察意见")
        ordering = ["activity_id", "id"]

    def __str__(self) -> str:
        return self.content[:40]


class CalendarFeed(models.Model):
    """A secret address for a user's iCal feed: calendar apps cannot sign in, so the token is the key."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return f"{self.user_id}"
