"""Activities as the API shows and accepts them: the plan, participants, check-in and the records."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime

from taolun.activities.models import ActivityStatus, AttachmentKind, CheckinMethod, InvitationStatus, OpinionSource
from taolun.activities.records import MAX_PLACES, MAX_TEXT
from taolun.orgs.models import PersonRole

from .common import Input, PageOut, PatchInput, UnitRef
from .orgs import PersonOut

MAX_IDS = 5000


def _reason() -> Any:
    return Field("", max_length=500, description="活动记录经办公室确认后，修改须填写原因（记入审计日志）。")


class KeyTitle(Schema):
    key: str
    title: str


class ActivityBase(Schema):
    id: int
    campaign: str = Field(description="所属大讨论活动的 slug。")
    unit: UnitRef = Field(description="举办单位。")
    kind: str = Field(description="活动类型的 key（见大讨论活动的 activity_kinds）。")
    kind_label: str
    title: str
    batch: int | None = Field(description="分期分批举办时，本期是第几批。")
    start_at: dt.datetime
    end_at: dt.datetime
    place: str
    host: str
    status: ActivityStatus
    status_label: str
    is_locked: bool = Field(description="记录已经办公室确认：此后的修改须填写原因。")


class ActivityOut(ActivityBase):
    invited_count: int
    excused_count: int = Field(description="已准假人数。")
    present_count: int = Field(description="实到人数：受邀且未准假的人员中已签到的人数。")
    attendance_count: int = Field(description="已签到人数（含未受邀而签到的人员）。")
    speech_count: int


class ActivityPage(PageOut):
    items: list[ActivityOut]


class ActivityFilters(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug 或编号。")
    unit: int | None = Field(None, description="该单位及其下级单位举办的活动；单位不在您范围内时返回空页。")
    kind: str = Field("", max_length=60, description="活动类型的 key。")
    status: ActivityStatus | None = None
    since: dt.date | None = Field(None, description="开始日期不早于该日。")
    until: dt.date | None = Field(None, description="开始日期不晚于该日。")
    q: str = Field("", max_length=100, description="名称、地点或主持人包含。")


class StatsOut(Schema):
    invited: int
    leave_requested: int = Field(description="请假待批人数。")
    excused: int = Field(description="已准假人数。")
    present: int = Field(description="签到人数（含未受邀人员）。")
    present_invited: int = Field(description="受邀且签到（未准假）的人数。")
    walk_ins: int = Field(description="未受邀而签到的人数。")
    speeches: int
    expected: int = Field(description="应到人数：受邀人数减去已准假人数。")
    absent: int
    rate: float | None = Field(description="出席率 present_invited / expected；无应到人员时为 null。")


class ActivityDetailOut(ActivityBase):
    agenda: str
    themes: list[KeyTitle]
    dimensions: list[KeyTitle]
    allow_walk_in: bool
    checkin_opens_at: dt.datetime
    checkin_closes_at: dt.datetime
    checkin_state: Literal["early", "open", "closed"] = Field(description="签到尚未开始、进行中或已结束。")
    minutes: str
    places_visited: list[str]
    evaluation: str
    proposals: str
    cancel_reason: str
    confirmed_at: dt.datetime | None
    stats: StatsOut
    can_change: bool = Field(description="当前用户可以修改活动、邀请人员、登记出席和填写记录。")
    can_confirm: bool = Field(description="当前用户可以确认（或重新开放）活动记录。")


class ActivityCreateIn(Input):
    campaign: str = Field(max_length=60, description="大讨论活动的 slug。")
    unit: int = Field(description="举办单位编号（须在您的范围内）。")
    kind: str = Field(max_length=60, description="活动类型的 key，须是该大讨论活动的类型之一。")
    title: str = Field(max_length=200)
    start_at: AwareDatetime
    end_at: AwareDatetime
    place: str = Field("", max_length=200)
    host: str = Field("", max_length=100)
    agenda: str = Field("", max_length=MAX_TEXT)
    batch: int | None = Field(None, ge=0, le=32767, description="分期分批举办时，本期是第几批。")
    themes: list[str] = Field(default_factory=list, description="讨论主题的 key。")
    dimensions: list[str] = Field(default_factory=list, description="视察维度的 key。")
    allow_walk_in: bool = Field(False, description="举办单位及其下级单位的人员凭签到码也可签到。")
    checkin_opens_at: AwareDatetime | None = Field(None, description="不填为开始前 30 分钟。")
    checkin_closes_at: AwareDatetime | None = Field(None, description="不填为结束时间。")


class ActivityPatchIn(PatchInput):
    nullable = frozenset({"batch"})

    kind: str | None = Field(None, max_length=60)
    title: str | None = Field(None, max_length=200)
    batch: int | None = Field(None, ge=0, le=32767)
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    place: str | None = Field(None, max_length=200)
    host: str | None = Field(None, max_length=100)
    agenda: str | None = Field(None, max_length=MAX_TEXT)
    checkin_opens_at: AwareDatetime | None = None
    checkin_closes_at: AwareDatetime | None = None
    allow_walk_in: bool | None = None
    themes: list[str] | None = Field(None, description="替换全部讨论主题（key）。")
    dimensions: list[str] | None = Field(None, description="替换全部视察维度（key）。")
    reason: str | None = Field(None, max_length=500, description="记录已确认时必填，记入审计日志。")


class MyActivityOut(ActivityBase):
    invitation_status: InvitationStatus
    invitation_status_label: str
    checked_in: bool


class MyActivityPage(PageOut):
    items: list[MyActivityOut]


class MyActivityFilters(Schema):
    since: dt.date | None = Field(None, description="开始日期不早于该日。")
    until: dt.date | None = Field(None, description="开始日期不晚于该日。")


# --- invitations and participants ---------------------------------------------------------------
class InviteIn(Input):
    units: list[int] = Field(default_factory=list, max_length=MAX_IDS, description="这些单位的人员。")
    include_subunits: bool = Field(True, description="包括下级单位的人员。")
    roles: list[PersonRole] = Field(default_factory=list, description="只邀请具有其中任一身份的人员。")
    batch: int | None = Field(None, ge=0, le=32767, description="只邀请该培训批次的人员。")
    people: list[int] = Field(default_factory=list, max_length=MAX_IDS, description="另外逐个指定的人员编号。")


class InviteResultOut(Schema):
    invited: int = Field(description="新邀请的人数。")
    already: int = Field(description="符合条件但此前已邀请的人数。")
    notified: int = Field(description="已发送站内通知的人数。")
    without_account: int = Field(description="新邀请中没有账号、需另行通知的人数。")


class ParticipantOut(Schema):
    person: PersonOut = Field(description="人员信息，手机号、身份证号按角色掩码，与人员接口一致。")
    status: InvitationStatus
    status_label: str
    invited_at: dt.datetime
    leave_reason: str
    leave_requested_at: dt.datetime | None
    leave_decided_at: dt.datetime | None
    leave_note: str
    checked_in_at: dt.datetime | None
    checkin_method: CheckinMethod | None
    has_speech: bool


class ParticipantPage(PageOut):
    items: list[ParticipantOut]


class InvitationOut(Schema):
    activity: int
    person: int
    status: InvitationStatus
    status_label: str
    leave_reason: str
    leave_requested_at: dt.datetime | None
    leave_decided_at: dt.datetime | None
    leave_note: str


class LeaveIn(Input):
    reason: str = Field(max_length=500, description="请假事由。")


class LeaveDecideIn(Input):
    person: int = Field(description="请假人员编号。")
    approve: bool
    note: str = Field("", max_length=500, description="审批意见。")
    reason: str = Field("", max_length=500, description="记录已确认时必填：修改原因。")


# --- check-in and attendance --------------------------------------------------------------------
CheckinRefusal = Literal[
    "no_person",
    "too_many_attempts",
    "not_on_roster",
    "already_checked_in",
    "not_invited",
    "cancelled",
    "not_open_yet",
    "closed",
    "malformed",
    "other_activity",
    "expired",
    "wrong_code",
]


class CheckinIn(Input):
    code: str = Field(max_length=20, description="签到屏幕上的 6 位签到码。")


class CheckinOut(Schema):
    activity: int
    person: int
    checked_in_at: dt.datetime
    method: CheckinMethod


class CheckinRefusedOut(Schema):
    detail: str = Field(description="不能签到的原因和处理办法。")
    reason: CheckinRefusal = Field(
        description=(
            "no_person：账号未关联在册人员；too_many_attempts：尝试过多；not_on_roster：不在在册人员中；"
            "already_checked_in：已签到；not_invited：不在参加人员名单中；cancelled：活动已取消；"
            "not_open_yet：签到尚未开始；closed：签到已结束；malformed：签到码格式不对；"
            "other_activity：另一场活动的签到码；expired：签到码已过期；wrong_code：签到码不正确。"
        )
    )


class CheckinCodeOut(Schema):
    code: str = Field(description="当前的签到码；上一个签到码在换码后仍可使用一个周期。")
    seconds_left: int = Field(description="距下次换码的秒数。")
    period: int = Field(description="换码周期（秒）。")
    checkin_state: Literal["early", "open", "closed"]
    checkin_opens_at: dt.datetime
    checkin_closes_at: dt.datetime


class AttendanceIn(Input):
    present: list[int] = Field(default_factory=list, max_length=MAX_IDS, description="登记为出席的人员编号。")
    absent: list[int] = Field(default_factory=list, max_length=MAX_IDS, description="撤销签到的人员编号。")
    reason: str = _reason()


class AttendanceOut(Schema):
    added: int = Field(description="新登记出席的人数。")
    removed: int = Field(description="撤销签到的人数。")
    stats: StatsOut


# --- records ------------------------------------------------------------------------------------
class PersonRef(Schema):
    id: int
    name: str
    unit_id: int
    unit_name: str


class MinutesIn(Input):
    minutes: str = Field(max_length=MAX_TEXT)
    reason: str = _reason()


class SpeechIn(Input):
    person: int = Field(description="发言人编号：须是本次活动的受邀或签到人员。")
    content: str = Field(max_length=MAX_TEXT)
    reason: str = _reason()


class SpeechOut(Schema):
    person: PersonRef
    content: str
    order: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SpeechPage(PageOut):
    items: list[SpeechOut]


class OpinionIn(Input):
    content: str = Field(max_length=MAX_TEXT)
    dimension: str | None = Field(None, max_length=60, description="高质量维度的 key。")
    source_kind: OpinionSource = OpinionSource.PUBLIC
    source_name: str = Field("", max_length=100, description="提出人：个人姓名或单位名称。")
    place: str = Field("", max_length=200)
    reason: str = _reason()


class OpinionOut(Schema):
    id: int
    content: str
    dimension: KeyTitle | None
    source_kind: OpinionSource
    source_kind_label: str
    source_name: str
    place: str
    created_at: dt.datetime
    link_type: str = Field(description="已转办为何种对象；未转办为空。")
    link_id: int | None


class OpinionPage(PageOut):
    items: list[OpinionOut]


class InspectionIn(Input):
    places_visited: list[str] = Field(default_factory=list, max_length=MAX_PLACES)
    evaluation: str = Field("", max_length=MAX_TEXT, description="视察评议。")
    proposals: str = Field("", max_length=MAX_TEXT, description="对策建议。")
    reason: str = _reason()


class ReasonIn(Input):
    reason: str = Field(max_length=500)


class AttachmentForm(Schema):
    kind: AttachmentKind = Field(
        description="photo：照片（JPEG、PNG、WebP）；document：附件（PDF、Word、Excel、PowerPoint 或图片）。"
    )
    caption: str = Field("", max_length=200, description="说明。")
    reason: str = _reason()


class AttachmentOut(Schema):
    id: int
    kind: AttachmentKind
    kind_label: str
    original_name: str
    content_type: str = Field(description="按文件内容识别的类型（不采信文件名和浏览器声明）。")
    size: int
    caption: str
    uploaded_at: dt.datetime
    url: str = Field(description="文件地址：登录后、可查看本活动的用户可以打开。")
    thumbnail_url: str | None = Field(description="照片的缩略图地址；附件为 null。")


class AttachmentPage(PageOut):
    items: list[AttachmentOut]
