"""Campaigns as the API shows them: the plan's themes, stages with their state, and requirements."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from ninja import Field, Schema

from taolun.campaigns.models import CampaignStatus, RequirementSubject, StageState

from .common import PageOut, UnitRef


class PlanRef(Schema):
    key: str
    version: int
    title: str


class CampaignOut(Schema):
    slug: str
    title: str
    short_title: str
    issuer: str
    status: CampaignStatus
    status_label: str
    start_date: dt.date
    end_date: dt.date
    root_unit: UnitRef = Field(description="组织范围：该单位及其全部下级。")
    plan: PlanRef
    requirement_count: int
    is_current: bool = Field(description="首页展示的当前活动。")


class CampaignPage(PageOut):
    items: list[CampaignOut]


class TextItem(Schema):
    title: str
    text: str


class ItemOut(Schema):
    key: str
    order: int
    title: str
    description: str


class ThemeOut(ItemOut):
    question: str = Field(description="讨论题目。")


class StageOut(ItemOut):
    start_date: dt.date
    end_date: dt.date
    state: StageState
    state_label: str


class RequirementOut(ItemOut):
    stage: str = Field(description="所属阶段的 key。")
    subject: RequirementSubject
    applies_to: dict[str, Any] = Field(description="适用范围（方案原文结构）。")
    applies_to_text: str
    evidence: dict[str, Any] = Field(description="完成依据（方案原文结构）。")
    evidence_text: str
    due_date: dt.date
    weight: decimal.Decimal
    matched: int | None = Field(description="当前适用的单位或人员数。")


class DeadlineOut(Schema):
    requirement: str = Field(description="工作要求的 key。")
    title: str
    due_date: dt.date
    days_left: int


class UnitAskOut(Schema):
    unit: UnitRef
    requirements: list[str] = Field(description="对该单位的工作要求 key。")


class AskedOfYouOut(Schema):
    person_id: int | None
    person_requirements: list[str] = Field(description="对您本人的工作要求 key。")
    units: list[UnitAskOut] = Field(description="您作为联络员负责的单位，以及对它们的工作要求。")


class CampaignDetailOut(CampaignOut):
    basis: str
    preamble: str
    principles: list[TextItem]
    themes_intro: str
    stages_intro: str
    safeguards: list[TextItem]
    day_number: int = Field(description="今天是活动第几天（开始前为 0 或负数）。")
    duration_days: int
    themes: list[ThemeOut]
    shortcomings: list[ItemOut]
    dimensions: list[ItemOut]
    stages: list[StageOut]
    current_stage: str | None = Field(description="当前阶段的 key；不在任何阶段窗口内时为 null。")
    requirements: list[RequirementOut]
    deadlines: list[DeadlineOut] = Field(description="即将到期的工作要求。")
    asked_of_you: AskedOfYouOut | None = Field(description="对当前用户（本人及其负责的单位）的要求。")
