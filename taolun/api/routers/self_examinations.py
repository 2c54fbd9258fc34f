"""Leaders' self-examination (领导带头，把自己摆进去) through the API: a leader writes and submits their own,
the office reads those of the leaders it covers.

Who: a leading cadre reads and writes their own (``problems.examine_self``; everyone else gets 403 there);
the office and admins list the leading cadres in their scope with whether they submitted. One
self-examination is read by its leader and the office covering the leader's unit
(``problems.view_self_examination``); for anyone else it answers 404, the same as an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import campaigns_visible_to, current_campaign
from taolun.orgs.models import Person
from taolun.problems import selectors
from taolun.problems.models import SelfExamination
from taolun.problems.rules import own_person
from taolun.problems.selfexam import required_aspects, self_examination_save

from ..schemas.common import PageParams
from ..schemas.problems import (
    SelfExamFilters,
    SelfExaminationIn,
    SelfExaminationOut,
    SelfExamPage,
    SelfExamParams,
)
from .activities import OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _filter_campaign, _page
from .research import _filter_unit, _person, _unit

router = Router(tags=["problems"])

MINE = "/problems/self-examination"


# --- who, which campaign ------------------------------------------------------------------
def _leader(request: HttpRequest) -> tuple[Any, Person]:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("problems.examine_self"):
        raise PermissionDenied(_("只有在册的领导干部填写自我剖析。"))
    return user, own_person(user)


def _campaign(user: Any, slug: str) -> Campaign:
    """``?campaign=<slug>`` among the campaigns the caller sees, else their current campaign; 404 when there is none."""
    slug = slug.strip()
    campaign = campaigns_visible_to(user).filter(slug=slug).first() if slug else current_campaign(viewer=user)
    if campaign is None:
        raise Http404
    return campaign


# --- shapes -------------------------------------------------------------------------------
def _out(campaign: Campaign, person: Person, examination: SelfExamination | None) -> dict[str, Any]:
    items = list(examination.items.all()) if examination is not None else []
    covered = {item.aspect for item in items}
    aspects = required_aspects(campaign)
    return {
        "id": examination.pk if examination is not None else None,
        "campaign": campaign.slug,
        "person": _person(person),
        "unit": _unit(examination.unit if examination is not None else person.unit),
        "items": [
            {"aspect": item.aspect, "gap": item.gap, "measure": item.measure, "deadline": item.deadline}
            for item in items
        ],
        "submitted_at": examination.submitted_at if examination is not None else None,
        "updated_at": examination.updated_at if examination is not None else None,
        "required_aspects": aspects,
        "missing": [aspect for aspect in aspects if aspect not in covered],
    }


def _row(person: Any) -> dict[str, Any]:
    return {
        "person": _person(person),
        "unit": _unit(person.unit),
        "examination": person.examination_id,
        "submitted": person.submitted_at is not None,
        "submitted_at": person.submitted_at,
        "item_count": person.item_count or 0,
    }


# --- the leader's own ---------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get(MINE, response={200: SelfExaminationOut, **OBJECT_ERRORS}, summary="我的自我剖析")
def self_examination_mine(request: HttpRequest, params: Query[SelfExamParams]) -> dict[str, Any]:
    """领导干部本人在当前（或 campaign 指定的）大讨论中的自我剖析：剖析事项、提交时间，以及方案要求剖析的方面
    和还缺的方面。还没有填写时 id 为 null、items 为空。只有在册的领导干部可以使用（其他人 403）。"""
    user, person = _leader(request)
    campaign = _campaign(user, params.campaign)
    return _out(campaign, person, selectors.self_examination_of(campaign, person))


@router.put(MINE, response={200: SelfExaminationOut, **WRITE_ERRORS}, summary="保存或提交自我剖析")
def self_examination_update(
    request: HttpRequest, params: Query[SelfExamParams], payload: SelfExaminationIn
) -> dict[str, Any]:
    """以 items 替换全部剖析事项（每项：方面、存在差距、整改措施，可附完成时限）；submit=true 时提交办公室，
    要求的每个方面须至少一项。某项不完整、太长或缺少方面时返回 400（字段 items，逐项说明），不作任何修改。"""
    user, person = _leader(request)
    campaign = _campaign(user, params.campaign)
    self_examination_save(
        campaign=campaign,
        person=person,
        items=[item.model_dump() for item in payload.items],
        submit=payload.submit,
        by=user,
    )
    return _out(campaign, person, selectors.self_examination_of(campaign, person))


# --- the office's view --------------------------------------------------------------------
@router.get("/problems/self-examinations", response={200: SelfExamPage, **READ_ERRORS}, summary="自我剖析情况")
def self_examination_list(
    request: HttpRequest, filters: Query[SelfExamFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """办公室范围内的领导干部（按单位和姓名排列），各自是否已提交自我剖析、提交时间和事项数。
    只有办公室和系统管理员可以查看。campaign 或 unit 指向不存在的对象时返回空页。"""
    user = request.auth  # type: ignore[attr-defined]
    if not selectors.office_paths(user):
        raise PermissionDenied(_("只有办公室可以查看领导干部的自我剖析情况。"))
    campaign, campaign_ok = _filter_campaign(user, filters.campaign)
    if campaign_ok and campaign is None:
        campaign = current_campaign(viewer=user)
    unit, unit_ok = _filter_unit(filters.unit)
    if campaign is None or not (campaign_ok and unit_ok):
        return {**_page(0, paging, []), "campaign": None}
    qs = selectors.self_examination_rows(user, campaign)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if filters.state:
        # ``submitted_at`` is an annotation of the selector, unknown to the stubs.
        qs = qs.filter(**{"submitted_at__isnull": filters.state == "missing"})
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return {**_page(total, paging, [_row(person) for person in rows]), "campaign": campaign.slug}


@router.get(
    "/problems/self-examinations/{int:examination_id}",
    response={200: SelfExaminationOut, **OBJECT_ERRORS},
    summary="自我剖析详情",
)
def self_examination_detail(request: HttpRequest, examination_id: int) -> dict[str, Any]:
    """一名领导干部的自我剖析：负责其单位的办公室和本人可以查看。"""
    user = request.auth  # type: ignore[attr-defined]
    examination = (
        SelfExamination.objects.select_related("person", "unit", "campaign__root_unit")
        .prefetch_related("items")
        .filter(pk=examination_id)
        .first()
    )
    if examination is None or not user.has_perm("problems.view_self_examination", examination):
        raise Http404
    return _out(examination.campaign, examination.person, examination)
