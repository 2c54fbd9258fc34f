"""Campaigns: the list the viewer may see, and one campaign with its plan, stages and requirements."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from taolun.campaigns import selectors
from taolun.campaigns.models import Campaign

from ..schemas.campaigns import CampaignDetailOut, CampaignPage
from ..schemas.common import Message, PageParams

router = Router(tags=["campaigns"])


def _campaign_out(campaign: Campaign, *, current_id: int | None, requirement_count: int) -> dict[str, Any]:
    return {
        "slug": campaign.slug,
        "title": campaign.title,
        "short_title": campaign.short_title,
        "issuer": campaign.issuer,
        "status": campaign.status,
        "status_label": str(campaign.get_status_display()),
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "root_unit": {"id": campaign.root_unit.pk, "name": campaign.root_unit.name, "code": campaign.root_unit.code},
        "plan": {"key": campaign.plan.key, "version": campaign.plan.version, "title": campaign.plan.title},
        "requirement_count": requirement_count,
        "is_current": campaign.pk == current_id,
    }


def _item(item: Any) -> dict[str, Any]:
    return {"key": item.key, "order": item.order, "title": item.title, "description": item.description}


def _current_id(viewer: Any) -> int | None:
    """The campaign the viewer's home page shows (see :func:`~taolun.campaigns.selectors.current_campaign`)."""
    current = selectors.current_campaign(viewer=viewer)
    return current.pk if current is not None else None


@router.get("/campaigns", response={200: CampaignPage, 401: Message}, summary="大讨论活动列表")
def campaign_list(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """已开始和已结束的活动；筹备中的活动仅对负责其组织范围的办公室可见。"""
    user = request.auth  # type: ignore[attr-defined]
    qs = selectors.campaign_list(user)
    total = qs.count()
    page = list(qs[paging.offset : paging.offset + paging.limit])
    current_id = _current_id(user)
    items = [
        _campaign_out(c, current_id=current_id, requirement_count=c.requirement_count)  # type: ignore[attr-defined]
        for c in page
    ]
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": items}


@router.get("/campaigns/{slug}", response={200: CampaignDetailOut, 401: Message, 404: Message}, summary="活动详情")
def campaign_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """一个活动：方案的讨论主题、短板类别、高质量维度、各阶段及其状态、全部工作要求与截止日期，
    以及对当前用户的要求。看不到的筹备中活动与不存在的一样返回 404。"""
    user = request.auth  # type: ignore[attr-defined]
    campaign = selectors.campaign_for_viewer(slug, user)
    today = timezone.localdate()
    page = selectors.campaign_page(campaign, user=user, today=today, with_rows=True)
    asked = page.asked
    return {
        **_campaign_out(campaign, current_id=_current_id(user), requirement_count=len(page.rows)),
        "basis": campaign.basis,
        "preamble": campaign.preamble,
        "principles": campaign.principles,
        "themes_intro": campaign.themes_intro,
        "stages_intro": campaign.stages_intro,
        "safeguards": campaign.safeguards,
        "day_number": campaign.day_number(today),
        "duration_days": campaign.duration_days,
        "themes": [{**_item(theme), "question": theme.question} for theme in campaign.themes.all()],
        "shortcomings": [_item(item) for item in campaign.shortcomings.all()],
        "dimensions": [_item(item) for item in campaign.dimensions.all()],
        "stages": [
            {
                **_item(view.stage),
                "start_date": view.stage.start_date,
                "end_date": view.stage.end_date,
                "state": view.state,
                "state_label": str(view.state.label),
            }
            for view in page.stages
        ],
        "current_stage": page.current_stage.key if page.current_stage is not None else None,
        "requirements": [
            {
                **_item(row.requirement),
                "stage": row.requirement.stage.key,
                "subject": row.requirement.subject,
                "applies_to": row.requirement.applies_to,
                "applies_to_text": row.applies_to,
                "evidence": row.requirement.evidence,
                "evidence_text": row.evidence,
                "due_date": row.requirement.due_date,
                "weight": row.requirement.weight,
                "matched": row.matched,
            }
            for row in page.rows
        ],
        "deadlines": [
            {
                "requirement": d.requirement.key,
                "title": d.requirement.title,
                "due_date": d.requirement.due_date,
                "days_left": d.days_left,
            }
            for d in page.deadlines
        ],
        "asked_of_you": (
            {
                "person_id": asked.person.pk if asked.person is not None else None,
                "person_requirements": [r.key for r in asked.person_requirements],
                "units": [
                    {
                        "unit": {"id": ask.unit.pk, "name": ask.unit.name, "code": ask.unit.code},
                        "requirements": [r.key for r in ask.requirements],
                    }
                    for ask in asked.units
                ],
            }
            if asked is not None
            else None
        ),
    }
