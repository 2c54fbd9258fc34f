"""The problem ledger (问题清单 / 整改台账) as the API shows and accepts it: problems, measures, extensions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from taolun.problems.models import ExtensionStatus, ProblemSource, ProblemStatus

from .common import Input, PageOut, PatchInput, UnitRef
from .research import ItemRef, PersonBrief

Light = Literal["red", "yellow", "green", "done", "none"]
Sort = Literal["number", "due", "progress", "-progress", "updated"]
Action = Literal["confirm", "dismiss", "restore", "finish", "close", "reject", "reopen"]
SummaryBy = Literal["unit", "owner", "category", "theme", "source", "status"]

LIGHT_HELP = (
    "red：逾期；yellow：临期（见 PROBLEMS_YELLOW_DAYS）或落后于直线进度；green：正常推进；"
    "done：已完成或已销号；none：未定时限或不予认定。"
)


def _text(limit: int, description: str = "") -> Any:
    return Field("", max_length=limit, description=description)


class ProblemOut(Schema):
    id: int
    number: int = Field(description="本次大讨论内的问题编号。")
    campaign: str = Field(description="所属大讨论活动的 slug。")
    content: str = Field(description="问题内容。")
    source: ProblemSource
    source_label: str
    category: ItemRef | None = Field(description="短板类别。")
    theme: ItemRef | None
    unit: UnitRef = Field(description="责任单位。")
    owner: PersonBrief | None = Field(description="责任人。")
    deadline: dt.date | None = Field(description="办结时限（含已批准的延期）。")
    status: ProblemStatus
    status_label: str
    progress: int = Field(description="整改进度（%），按措施权重汇总。")
    measure_count: int
    due_on: dt.date | None = Field(description="未完成措施与问题本身的办结时限中最早的一个。")
    light: Light = Field(description=LIGHT_HELP)
    light_label: str
    closed_at: dt.datetime | None = Field(description="销号时间。")
    updated_at: dt.datetime


class ProblemPage(PageOut):
    items: list[ProblemOut]


class ProblemFilters(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug 或编号。")
    unit: int | None = Field(None, description="该单位及其下级单位负责的问题。")
    status: ProblemStatus | None = None
    source: ProblemSource | None = None
    category: int | None = Field(None, description="短板类别的编号。")
    theme: int | None = Field(None, description="讨论主题的编号。")
    dimension: int | None = Field(None, description="高质量维度的编号。")
    owner: int | None = Field(None, description="责任人（问题或其任一措施的）的人员编号。")
    light: Light | None = Field(None, description=LIGHT_HELP)
    q: str = Field("", max_length=100, description="问题内容包含，或编号等于（如 12 或 #12）。")
    sort: Sort = Field(
        "number", description="number：编号；due：最早到期；progress / -progress：进度；updated：最近更新。"
    )


class MeasureUpdateOut(Schema):
    id: int
    date: dt.date
    progress: int
    note: str
    created_at: dt.datetime
    created_by: str


class MeasureOut(Schema):
    id: int
    problem: int
    content: str
    owner: PersonBrief | None
    owner_name: str = Field(description="责任人不在名册中时的姓名；有 owner 时为空。")
    owner_label: str = Field(description="显示用的责任人：owner 的姓名或 owner_name。")
    starts_on: dt.date
    deadline: dt.date
    weight: int
    progress: int
    light: Light
    light_label: str
    done_at: dt.datetime | None
    order: int
    updates: list[MeasureUpdateOut] = Field(description="整改进展，按日期从近到远。")


class EvidenceOut(Schema):
    id: int
    measure: int | None = Field(description="所属整改措施；属于问题本身为 null。")
    original_name: str
    content_type: str
    size: int
    caption: str
    uploaded_at: dt.datetime
    uploaded_by: str
    url: str = Field(description="文件地址：打开前再次检查权限，只有可查看本问题的用户能下载。")


class ExtensionOut(Schema):
    id: int
    problem: int
    old_deadline: dt.date
    new_deadline: dt.date
    reason: str
    status: ExtensionStatus
    status_label: str
    requested_at: dt.datetime
    requested_by: str
    decided_at: dt.datetime | None
    decided_by: str
    decision_note: str


class TopicRef(Schema):
    id: int
    title: str


class ProblemDetailOut(ProblemOut):
    source_note: str
    research_topic: TopicRef | None = Field(description="来源调研课题（您可查看时）。")
    opinion: int | None = Field(description="来源视察意见的编号。")
    dimension: ItemRef | None
    standard: str = Field(description="整改标准。")
    original_deadline: dt.date | None = Field(description="确认时的办结时限。")
    result: str = Field(description="完成情况。")
    found_at: dt.datetime
    confirmed_at: dt.datetime | None
    done_at: dt.datetime | None
    closed_by: str
    closed_on_time: bool | None
    verification_note: str = Field(description="核验意见、不予认定或退回的理由。")
    reopen_count: int
    is_public: bool
    missing: list[str] = Field(description="“五个明确”中还缺的项；确认前须补齐。")
    measures: list[MeasureOut]
    evidence: list[EvidenceOut] = Field(description="佐证材料（只有元数据和受权限保护的下载地址）。")
    extensions: list[ExtensionOut]
    actions: list[Action] = Field(description="当前用户在当前状态下可执行的状态变更（见 transitions 接口）。")
    can_change: bool = Field(description="可以修改“五个明确”、设置整改措施。")
    can_report: bool = Field(description="可以报告整改进展、申请延期。")
    can_verify: bool = Field(description="可以核验销号、退回、重新整改。")


class ProblemCreateIn(Input):
    campaign: str = Field(max_length=60, description="大讨论活动的 slug。")
    unit: int = Field(description="责任单位编号（须在您的范围内）。")
    content: str = Field(max_length=5000, description="问题内容。")
    source: ProblemSource
    source_note: str = _text(200, "来源说明。")
    owner: int | None = Field(None, description="责任人编号：责任单位（含下级）名册中的人员。")
    category: str | None = Field(None, max_length=60, description="短板类别的 key。")
    theme: str | None = Field(None, max_length=60, description="讨论主题的 key。")
    dimension: str | None = Field(None, max_length=60, description="高质量维度的 key。")
    standard: str = _text(5000, "整改标准。")
    deadline: dt.date | None = Field(None, description="办结时限。")
    research_topic: int | None = Field(None, description="来源调研课题的编号（您可查看的、同一次大讨论的课题）。")


class ProblemPatchIn(PatchInput):
    nullable = frozenset({"owner", "category", "theme", "dimension", "deadline"})

    content: str | None = Field(None, max_length=5000)
    source_note: str | None = Field(None, max_length=200)
    unit: int | None = Field(None, description="改派责任单位（仅“已查摆”状态）。")
    owner: int | None = Field(None, description="责任人编号；null 为清除。")
    category: str | None = Field(None, max_length=60, description="短板类别的 key；null 为清除。")
    theme: str | None = Field(None, max_length=60)
    dimension: str | None = Field(None, max_length=60)
    standard: str | None = Field(None, max_length=5000)
    deadline: dt.date | None = Field(None, description="办结时限；确认后只能通过延期申请调整。")
    note: str | None = Field(None, max_length=500, description="修改说明，记入变更历史。")


class TransitionIn(Input):
    action: Action = Field(
        description=(
            "confirm：确认（须“五个明确”齐全）；dismiss：不予认定（须 reason）；restore：恢复为已查摆；"
            "finish：整改完成、申请核验（须 result，措施全部完成并有佐证材料）；close：核验销号（可附 note、publish）；"
            "reject：核验未通过、退回整改（须 reason）；reopen：已销号问题重新整改（须 reason）。"
        )
    )
    reason: str = _text(500, "dismiss、reject、reopen 的理由。")
    result: str = _text(5000, "finish 的完成情况。")
    note: str = _text(500, "close 的核验意见。")
    publish: bool = Field(False, description="close 时在公开台账中公开（只公开选定字段）。")


class MeasureIn(Input):
    content: str = Field(max_length=5000, description="整改措施。")
    deadline: dt.date = Field(description="完成时限：不晚于问题的办结时限。")
    owner: int | None = Field(None, description="责任人编号：责任单位（含下级）名册中的人员。")
    owner_name: str = _text(60, "责任人不在名册中时填写姓名。")
    weight: int = Field(1, ge=1, le=100, description="汇总问题进度时的权重。")
    starts_on: dt.date | None = Field(None, description="开始日期；不填为今天。")


class MeasurePatchIn(PatchInput):
    nullable = frozenset({"owner"})

    content: str | None = Field(None, max_length=5000)
    deadline: dt.date | None = None
    owner: int | None = Field(None, description="责任人编号；null 为清除。")
    owner_name: str | None = Field(None, max_length=60)
    weight: int | None = Field(None, ge=1, le=100)
    starts_on: dt.date | None = None


class MeasureProgressIn(Input):
    progress: int = Field(ge=0, le=100, description="措施的新进度（%）。")
    note: str = Field(max_length=5000, description="进展情况。佐证材料用“上传佐证材料”接口上传。")
    date: dt.date | None = Field(None, description="进展日期；不填为今天。")


class ExtensionIn(Input):
    new_deadline: dt.date = Field(description="申请延至：晚于现在的办结时限。须在时限到期前申请。")
    reason: str = Field(max_length=500, description="延期理由。")


class ExtensionDecisionIn(Input):
    approve: bool
    note: str = _text(500, "审批意见；不批准时必填。")


class SummaryParams(Schema):
    by: SummaryBy = Field("unit", description="按责任单位、责任人、短板类别、讨论主题、问题来源或状态汇总。")
    limit: int = Field(200, ge=1, le=1000, description="最多返回的分组数（问题数最多的在前）。")


class TallyOut(Schema):
    key: int | str | None = Field(description="分组的编号或取值；未指定（如无责任人）为 null。")
    label: str
    total: int
    open: int = Field(description="未完成（已查摆、已确认、整改中）。")
    done: int = Field(description="已完成待核验。")
    closed: int = Field(description="已销号。")
    on_time: int = Field(description="按期销号。")
    red: int
    yellow: int
    progress: int = Field(description="平均整改进度（%，不含不予认定）。")
    closed_share: float | None = Field(description="销号率：已销号 / 问题数（不含不予认定）。")
    on_time_share: float | None = Field(description="按期销号率：按期销号 / 已销号。")


class SummaryOut(Schema):
    by: SummaryBy
    totals: TallyOut
    items: list[TallyOut]


class ChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class VersionOut(Schema):
    at: dt.datetime
    actor: str
    action: str = Field(description="动作代码，如 problems.update、problems.measure.progress。")
    action_label: str
    note: str
    changes: list[ChangeOut]


class HistoryOut(Schema):
    problem: int
    versions: list[VersionOut] = Field(description="每次变更一版，从早到晚。")


# --- publishing and evidence --------------------------------------------------------------
class PublicIn(Input):
    public: bool = Field(description="true：在公开台账中公布（只公开选定字段，不含任何人的姓名）；false：撤下。")


class EvidenceForm(Schema):
    caption: str = Field("", max_length=200, description="说明。")
    measure: int | None = Field(None, description="所属整改措施的编号（须是本问题的措施）；不填为问题本身的材料。")


# --- leaders' self-examination (领导带头，把自己摆进去) ---------------------------------------
SelfExamState = Literal["submitted", "missing"]


class SelfExamParams(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug；不填为您当前的大讨论。")


class SelfExamItemIn(Input):
    # The limits are the service's (it names the row that breaks them, under the field items).
    aspect: str = Field("", description="方面，如政治定力、工作思路、能力素质（最多 60 字）。")
    gap: str = Field("", description="存在差距（最多 5000 字）。")
    measure: str = Field("", description="整改措施（最多 5000 字）。")
    deadline: dt.date | None = Field(None, description="完成时限（可选）。")


class SelfExaminationIn(Input):
    items: list[SelfExamItemIn] = Field(
        description="全部剖析事项（替换原有的，最多 30 项）；三项都空的行忽略。每项须写方面、差距和措施。"
    )
    submit: bool = Field(
        False, description="true：提交办公室（要求的每个方面至少一项）。提交后再保存也须满足提交的要求。"
    )


class SelfExamItemOut(Schema):
    aspect: str
    gap: str
    measure: str
    deadline: dt.date | None


class SelfExaminationOut(Schema):
    id: int | None = Field(description="自我剖析的编号；还没有保存过为 null。")
    campaign: str = Field(description="所属大讨论活动的 slug。")
    person: PersonBrief = Field(description="领导干部。")
    unit: UnitRef = Field(description="领导干部所在单位（首次保存时）。")
    items: list[SelfExamItemOut]
    submitted_at: dt.datetime | None = Field(description="提交办公室的时间；未提交为 null。")
    updated_at: dt.datetime | None
    required_aspects: list[str] = Field(description="本次大讨论要求剖析的方面：提交时每个方面至少一项。")
    missing: list[str] = Field(description="要求剖析、但还没有写的方面。")


class SelfExamFilters(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug 或编号；不填为您当前的大讨论。")
    unit: int | None = Field(None, description="该单位及其下级单位的领导干部。")
    state: SelfExamState | None = Field(None, description="submitted：已提交；missing：未提交（含未填写）。")


class SelfExamRowOut(Schema):
    person: PersonBrief
    unit: UnitRef
    examination: int | None = Field(description="自我剖析的编号（见 self-examinations/{id}）；未填写为 null。")
    submitted: bool
    submitted_at: dt.datetime | None
    item_count: int = Field(description="已写的剖析事项数。")


class SelfExamPage(PageOut):
    campaign: str | None = Field(description="所列的大讨论活动；没有可列的为 null。")
    items: list[SelfExamRowOut]


# --- the public ledger --------------------------------------------------------------------
class PublicProblemOut(Schema):
    """A closed problem as the public ledger shows it: only the fields the operator chose
    (``PROBLEMS_PUBLIC_FIELDS``); the others are left out of the response. Never a person's name."""

    number: int | None = Field(None, description="问题编号。")
    content: str | None = Field(None, description="问题内容。")
    unit: UnitRef | None = Field(None, description="责任单位。")
    source: ProblemSource | None = None
    source_label: str | None = None
    category: ItemRef | None = Field(None, description="短板类别。")
    theme: ItemRef | None = Field(None, description="讨论主题。")
    deadline: dt.date | None = Field(None, description="办结时限。")
    measures: list[str] | None = Field(None, description="整改措施（不含责任人）。")
    result: str | None = Field(None, description="完成情况。")
    closed_at: dt.datetime | None = Field(None, description="销号时间。")


class PublicProblemPage(PageOut):
    campaign: str = Field(description="大讨论活动的 slug。")
    fields: list[str] = Field(description="公开的字段；不在其中的字段不出现在 items 中。")
    items: list[PublicProblemOut] = Field(description="已销号并决定公开的问题，按销号时间从近到远。")
