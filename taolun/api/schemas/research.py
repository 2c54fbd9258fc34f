"""Research topics (调研课题) as the API shows and accepts them: the topic, its team and its timeline."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from taolun.research.models import TopicStatus

from .common import Input, PageOut, PatchInput, UnitRef

MAX_MEMBERS = 50


class ItemRef(Schema):
    """A plan item of the campaign (讨论主题、短板类别、高质量维度)."""

    id: int
    key: str
    title: str


class PersonBrief(Schema):
    id: int
    name: str = Field(description="姓名（接口不返回手机号、身份证号）。")


class TopicOut(Schema):
    id: int
    campaign: str = Field(description="所属大讨论活动的 slug。")
    leader: PersonBrief = Field(description="牵头领导干部。")
    unit: UnitRef = Field(description="牵头领导所在单位（课题登记时）。")
    title: str
    theme: ItemRef | None
    contact_unit: UnitRef | None = Field(description="联系点单位。")
    status: TopicStatus
    status_label: str
    update_count: int = Field(description="已记录的调研进展条数。")
    registered_at: dt.datetime | None
    reported_at: dt.datetime | None
    decided_at: dt.datetime | None
    updated_at: dt.datetime


class TopicPage(PageOut):
    items: list[TopicOut]


class TopicFilters(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug 或编号。")
    unit: int | None = Field(None, description="该单位及其下级单位领导干部牵头的课题；单位不在您范围内时返回空页。")
    status: TopicStatus | None = None
    theme: int | None = Field(None, description="讨论主题的编号。")
    q: str = Field("", max_length=100, description="课题名称或牵头领导姓名包含。")


class TopicUpdateOut(Schema):
    id: int
    date: dt.date = Field(description="进展发生的日期。")
    content: str
    file_name: str = Field(description="附件的原文件名；没有附件为空。")
    file_url: str | None = Field(description="附件地址：登录后、可查看本课题的用户可以打开；没有附件为 null。")
    created_at: dt.datetime
    created_by: str = Field(description="记录人。")


class TopicDetailOut(TopicOut):
    members: list[PersonBrief] = Field(description="课题组成员（名册中的人员）。")
    other_members: str = Field(description="不在名册中的成员。")
    plan: str
    findings: str = Field(description="调研发现。")
    countermeasures: str = Field(description="对策建议。")
    report: str = Field(description="调研报告全文。")
    return_reason: str = Field(description="最近一次退回的原因；重新报送后清空。")
    decided_by: str = Field(description="验收或退回的人；尚未验收为空。")
    created_at: dt.datetime
    timeline: list[TopicUpdateOut] = Field(description="调研进展，按日期从近到远。")
    can_change: bool = Field(description="当前用户可以修改课题、登记、记录进展和报送。")
    can_decide: bool = Field(description="当前用户可以验收或退回报送的课题。")


class TopicCreateIn(Input):
    campaign: str = Field(max_length=60, description="大讨论活动的 slug。")
    leader: int = Field(description="牵头领导干部（在册人员）编号：本人，或您范围内的领导干部。每人每次大讨论 1 项。")
    title: str = Field(max_length=200)
    theme: str | None = Field(None, max_length=60, description="讨论主题的 key。")
    contact_unit: int | None = Field(None, description="联系点单位编号（本次大讨论范围内的单位）。")
    members: list[int] = Field(
        default_factory=list,
        max_length=MAX_MEMBERS,
        description="课题组成员编号：您范围内或牵头领导所在单位的在册人员。",
    )
    other_members: str = Field("", max_length=500, description="不在名册中的成员，用顿号或逗号分隔。")
    plan: str = Field("", max_length=20000, description="调研计划。")


class TopicPatchIn(PatchInput):
    nullable = frozenset({"theme", "contact_unit"})

    title: str | None = Field(None, max_length=200)
    theme: str | None = Field(None, max_length=60, description="讨论主题的 key；null 为清除。")
    contact_unit: int | None = Field(None, description="联系点单位编号；null 为清除。")
    members: list[int] | None = Field(None, max_length=MAX_MEMBERS, description="替换全部课题组成员。")
    other_members: str | None = Field(None, max_length=500)
    plan: str | None = Field(None, max_length=20000)


class TopicProgressIn(Input):
    date: dt.date = Field(description="进展发生的日期：不晚于今天，不早于大讨论开始日期。")
    content: str = Field(max_length=5000, description="进展情况。附件请在页面上传。")


class TopicReportIn(Input):
    findings: str = Field(max_length=20000, description="调研发现。")
    countermeasures: str = Field(max_length=20000, description="对策建议。")
    report: str = Field("", max_length=100000, description="调研报告全文（可选）。")


class TopicAcceptIn(Input):
    note: str = Field("", max_length=500, description="验收意见（可选），通知牵头领导。")


class TopicReturnIn(Input):
    reason: str = Field(max_length=500, description="退回原因，通知牵头领导以便修改。")


class TopicProgressForm(Schema):
    """The multipart form of a progress update with a file (``file`` is sent beside these fields)."""

    date: dt.date = Field(description="进展发生的日期：不晚于今天，不早于大讨论开始日期。")
    content: str = Field(max_length=5000, description="进展情况。")
