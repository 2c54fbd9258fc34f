"""Reflection articles (心得体会文章) as the API shows and accepts them: the article, its review, its copy
check, its revisions, the re-check of a campaign, the reference library and the public list."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from taolun.articles.models import ArticleStatus, RecheckStatus, ReviewAction, RevisionKind

from .common import FieldErrorOut, Input, PageOut, PatchInput, UnitRef

MAX_THEMES = 20
# The longest text a request may carry (the services refuse more than the call's max_chars, by name).
MAX_BODY = 200_000
COMMENT_MAX = 5000
REASON_MAX = 500


class Named(Schema):
    id: int
    name: str = Field(description="姓名或显示名称（接口不返回手机号、身份证号）。")


class ThemeRef(Schema):
    id: int
    key: str
    title: str


class ArticleOut(Schema):
    id: int
    campaign: str = Field(description="所属大讨论活动的 slug。")
    title: str
    author: Named = Field(description="作者（名册中的人员）。")
    unit: UnitRef = Field(description="作者开始撰写时所在的单位。")
    status: ArticleStatus
    status_label: str
    chars: int = Field(description="正文字数（不计空白）。")
    reviewer: Named | None = Field(description="审阅人（用户）；尚未分配为 null。")
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None = Field(description="最近一次退回或审核通过的时间。")
    published_at: dt.datetime | None
    score: int | None = Field(description="总分（审核通过后）。")
    ratio: float | None = Field(
        description="最近一次提交稿的重复率（0–1）。只对可查看检测结果的用户（被分配的审阅人、负责的办公室）给出，"
        "其他人或尚未检测为 null。"
    )
    flagged: bool | None = Field(description="是否达到警示线（疑似抄袭）；与 ratio 同样只对可查看检测结果的用户给出。")
    updated_at: dt.datetime


class ArticlePage(PageOut):
    items: list[ArticleOut]


class ArticleFilters(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug 或编号；不存在时返回空页。")
    unit: int | None = Field(None, description="该单位及其下级单位作者的文章；单位不在您范围内时返回空页。")
    status: ArticleStatus | None = None
    flagged: bool | None = Field(
        None, description="只看疑似抄袭（true）或未达警示线（false）的文章；只在您可查看检测结果的文章中筛选。"
    )
    min_ratio: float | None = Field(
        None, ge=0, le=1, description="重复率不低于此值（0–1）；只在您可查看检测结果的文章中筛选。"
    )
    q: str = Field("", max_length=100, description="标题或作者姓名包含。")
    sort: Literal["ratio", "-ratio", "submitted", "score", "unit"] = Field(
        "ratio",
        description="ratio：重复率从高到低（未检测的在后）；-ratio：从低到高；submitted：提交时间从近到远；"
        "score：总分从高到低；unit：按单位和作者。您看不到检测结果的文章按未检测排列。",
    )


class CampaignParam(Schema):
    campaign: str = Field("", max_length=60, description="大讨论活动的 slug；不传为您当前的大讨论。")


class ReviewOut(Schema):
    id: int
    action: ReviewAction
    action_label: str
    comment: str
    score: int | None
    reviewer: str = Field(description="审阅人的显示名称。")
    revision: int | None = Field(description="所审阅的版本号。")
    created_at: dt.datetime


class CallOut(Schema):
    deadline: dt.datetime = Field(description="提交截止时间。")
    min_chars: int
    max_chars: int
    thought_max: int = Field(description="思想认识满分。")
    practice_max: int = Field(description="实践感悟满分。")
    suggestions_max: int = Field(description="意见建议满分。")


class ArticleDetailOut(ArticleOut):
    body: str
    themes: list[ThemeRef]
    consent_public: bool = Field(description="作者同意在公开网站刊发（仅优秀文章会被刊发）。")
    saved_at: dt.datetime | None
    thought_score: int | None
    practice_score: int | None
    suggestions_score: int | None
    checked_at: dt.datetime | None = Field(
        description="最近一次检测的时间；与 ratio 同样只对可查看检测结果的用户给出。"
    )
    call: CallOut = Field(description="本次大讨论的征文要求。")
    reviews: list[ReviewOut] | None = Field(
        description="审阅意见，从近到远：只对作者本人、被分配的审阅人和负责的办公室给出，其他人为 null。"
    )
    can_change: bool = Field(description="当前用户可以修改、提交、撤回文章和更改公开同意（作者本人）。")
    can_review: bool = Field(description="当前用户可以退回、审核通过、评为优秀。")
    can_view_check: bool = Field(description="当前用户可以查看重复率检测结果。")
    can_assign: bool = Field(description="当前用户可以分配审阅人。")
    can_publish: bool = Field(description="当前用户可以在公开网站发布或撤下。")


class RevisionOut(Schema):
    number: int
    kind: RevisionKind
    kind_label: str
    title: str
    chars: int
    created_at: dt.datetime
    saved_at: dt.datetime
    created_by: str = Field(description="保存人的显示名称。")


class RevisionPage(PageOut):
    items: list[RevisionOut]


class RevisionDetailOut(RevisionOut):
    body: str


class CheckSourceOut(Schema):
    key: str = Field(description="来源的标识：article:<文章>:<版本> 或 ref:<比对文本>。")
    kind: Literal["article", "reference"] = Field(description="article：其他文章；reference：比对文库中的文本。")
    id: int = Field(description="来源文章或比对文本的编号。")
    title: str
    label: str = Field(description="文章的作者、单位和大讨论，或比对文本所在的文库。")
    ratio: float = Field(description="本文与这一来源重复的比例（0–1）。")
    spans: list[list[int]] = Field(
        description="重复的段落，每段为 [本文起点, 本文终点, 来源起点, 来源终点]，按字符计（终点不含）。"
    )


class CheckOut(Schema):
    revision: int = Field(description="所检测的提交稿版本号。")
    ratio: float = Field(description="重复率（0–1）。")
    flagged: bool = Field(description="是否达到警示线。")
    threshold: float = Field(description="检测时的警示线。")
    checked_at: dt.datetime
    compared: int = Field(description="比对库中的文本数。")
    sources: list[CheckSourceOut] = Field(description="相似来源，重复比例从高到低。")


class RecheckOut(Schema):
    id: int
    campaign: str
    status: RecheckStatus
    status_label: str
    total: int = Field(description="要检测的文章数。")
    done: int = Field(description="已检测的文章数。")
    flagged: int = Field(description="其中疑似抄袭的文章数。")
    percent: int = Field(description="进度百分比。")
    message: str = Field(description="失败时的说明。")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class CollectionOut(Schema):
    id: int
    name: str
    description: str
    text_count: int
    char_count: int = Field(description="文库中文本的总字数。")
    created_at: dt.datetime


class CollectionPage(PageOut):
    items: list[CollectionOut]


class ReferenceTextOut(Schema):
    id: int
    title: str
    source_name: str = Field(description="导入时的文件名。")
    chars: int
    indexed: bool = Field(description="已加入检测库。")
    imported_at: dt.datetime
    imported_by: str


class ReferenceTextPage(PageOut):
    items: list[ReferenceTextOut]


class TextFilters(Schema):
    q: str = Field("", max_length=100, description="标题包含。")


class ImportOut(Schema):
    added: int = Field(description="新导入的文本数。")
    skipped: int = Field(description="文库中已有相同内容、因而跳过的文件数。")
    ids: list[int] = Field(description="新导入文本的编号。")


class FileErrorOut(Schema):
    name: str = Field(description="文件名；为空表示不属于某一文件。")
    message: str


class ImportErrorsOut(Schema):
    detail: list[FieldErrorOut] = Field(description="每个有问题的文件一条（字段 files）。")
    files: list[FileErrorOut] = Field(description="同样的问题按文件列出。")


class PublishedArticleOut(Schema):
    id: int
    campaign: str
    title: str
    author: str = Field(description="作者姓名。")
    unit: str = Field(description="作者单位名称。")
    published_at: dt.datetime | None
    body: str


class PublishedPage(PageOut):
    items: list[PublishedArticleOut]


# --- inputs ---------------------------------------------------------------------------------------
class ArticleStartIn(Input):
    campaign: str = Field(max_length=60, description="大讨论活动的 slug。")
    title: str = Field("", max_length=200)
    body: str = Field("", max_length=MAX_BODY, description="正文（纯文本）；字数上限见征文要求。")
    themes: list[int] = Field(default_factory=list, max_length=MAX_THEMES, description="讨论主题的编号。")
    consent_public: bool = Field(False, description="同意在公开网站刊发（仅优秀文章会被刊发）。")


class ArticlePatchIn(PatchInput):
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=MAX_BODY)
    themes: list[int] | None = Field(None, max_length=MAX_THEMES, description="替换全部讨论主题（编号）。")
    consent_public: bool | None = None


class CommentIn(Input):
    comment: str = Field(max_length=COMMENT_MAX, description="退回修改的意见，作者会看到。")


class ApproveIn(Input):
    thought: int = Field(description="思想认识得分：0 到征文要求中的满分。")
    practice: int = Field(description="实践感悟得分：0 到征文要求中的满分。")
    suggestions: int = Field(description="意见建议得分：0 到征文要求中的满分。")
    comment: str = Field("", max_length=COMMENT_MAX, description="审阅意见（可选），作者会看到。")


class ExcellentIn(Input):
    comment: str = Field("", max_length=COMMENT_MAX, description="推荐理由（可选）。")


class ReasonIn(Input):
    reason: str = Field(max_length=REASON_MAX, description="原因，记入文章的变更记录。")


class AssignIn(Input):
    reviewer: int = Field(description="审阅人的用户编号：持有覆盖作者单位的审阅人角色，且不是作者本人。")


class ConsentIn(Input):
    consent: bool = Field(description="true：同意公开；false：撤回同意（已发布的文章随即撤下）。")


class CollectionIn(Input):
    name: str = Field(max_length=100)
    description: str = Field("", max_length=500)
