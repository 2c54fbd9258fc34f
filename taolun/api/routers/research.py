"""Research topics (调研课题): register a leader's topic, post progress, hand in the report; the office decides.

Who: the leader themself, and the office and liaisons covering the leader's unit, write the topic
(``research.change_topic``); the office covering it accepts or returns the report
(``research.decide_topic``); team members see it. A topic outside all of these answers 404, the same as
an id that does not exist. A body that names a leader or a team member outside the caller's reach is
refused with 400 on that field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from taolun.campaigns.models import Campaign, Theme
from taolun.core.paths import paths_q
from taolun.orgs.models import Person, Unit
from taolun.research import selectors, services
from taolun.research.models import ResearchTopic, TopicUpdate

from ..errors import FieldError
from ..schemas.common import PageParams
from ..schemas.research import (
    TopicAcceptIn,
    TopicCreateIn,
    TopicDetailOut,
    TopicFilters,
    TopicPage,
    TopicPatchIn,
    TopicProgressForm,
    TopicProgressIn,
    TopicReportIn,
    TopicReturnIn,
    TopicUpdateOut,
)
from .activities import OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _filter_campaign, _page, _referenced_campaign

router = Router(tags=["research"])

TOPIC = "/research/topics/{int:topic_id}"


# --- who and which topic ------------------------------------------------------------------
def _visible(user: Any, pk: int) -> ResearchTopic:
    if not selectors.topics_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.topic_for_page(pk)


def _changeable(request: HttpRequest, pk: int) -> tuple[Any, ResearchTopic]:
    user = request.auth  # type: ignore[attr-defined]
    topic = _visible(user, pk)
    if not user.has_perm("research.change_topic", topic):
        raise PermissionDenied(_("只有牵头领导本人和负责该单位的办公室、联络员可以修改课题、记录进展和报送。"))
    return user, topic


def _decidable(request: HttpRequest, pk: int) -> tuple[Any, ResearchTopic]:
    user = request.auth  # type: ignore[attr-defined]
    topic = _visible(user, pk)
    if not user.has_perm("research.decide_topic", topic):
        raise PermissionDenied(_("只有负责该单位的办公室可以验收或退回调研课题。"))
    return user, topic


@contextmanager
def _fields_as(names: dict[str, str]) -> Iterator[None]:
    """Errors the services raise on their own field names, reported under the names the API uses."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()}) from exc


# --- what a body or a filter refers to ----------------------------------------------------
def _filter_unit(pk: int | None) -> tuple[Unit | None, bool]:
    """Any unit: the list is scoped already, so a unit outside the caller's reach gives an empty page."""
    if pk is None:
        return None, True
    unit = Unit.objects.filter(pk=pk).first()
    return unit, unit is not None


def _leader(user: Any, campaign: Campaign, pk: int) -> Person:
    leader = selectors.leaders_for_topics(user, campaign).select_related("unit").filter(pk=pk).first()
    if leader is None:
        raise FieldError(
            "leader",
            _("找不到编号为 %(id)s 的领导干部，或其不在您的范围内、不属于本次大讨论。") % {"id": pk},
        )
    return leader


def _theme(campaign: Campaign, key: str | None) -> Theme | None:
    if not key:
        return None
    theme = campaign.themes.filter(key=key).first()
    if theme is None:
        raise FieldError("theme", _("本次大讨论没有讨论主题“%(key)s”。") % {"key": key})
    return theme


def _contact_unit(campaign: Campaign, pk: int | None) -> Unit | None:
    """A contact point may lie anywhere in the campaign's organisation (包扶 often crosses units)."""
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, is_active=True, path__startswith=campaign.root_unit.path).first()
    if unit is None:
        raise FieldError("contact_unit", _("找不到编号为 %(id)s 的单位，或它不属于本次大讨论。") % {"id": pk})
    return unit


def _members(user: Any, leader: Person, ids: Iterable[int], current: Iterable[int] = ()) -> list[Person]:
    """Team members from the caller's scope or the leader's unit (and whoever is on the team already)."""
    wanted = list(dict.fromkeys(ids))
    reach = (
        paths_q("unit__path", selectors.manager_paths(user))
        | Q(unit__path__startswith=leader.unit.path)
        | Q(pk__in=list(current))
    )
    found = {p.pk: p for p in Person.objects.filter(reach, pk__in=wanted, is_active=True).select_related("unit")}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise FieldError(
            "members",
            _("找不到这些人员，或他们不在您的范围内、也不在牵头领导的单位：%(ids)s。")
            % {"ids": ", ".join(str(pk) for pk in missing)},
        )
    return [found[pk] for pk in wanted]


# --- shapes -------------------------------------------------------------------------------
def _unit(unit: Unit | None) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "name": unit.name, "code": unit.code}


def _person(person: Person | None) -> dict[str, Any] | None:
    return None if person is None else {"id": person.pk, "name": person.name}


def _user_name(user: Any) -> str:
    return user.get_full_name() if user is not None else ""


def _base(topic: ResearchTopic, update_count: int) -> dict[str, Any]:
    theme = topic.theme
    return {
        "id": topic.pk,
        "campaign": topic.campaign.slug,
        "leader": _person(topic.leader),
        "unit": _unit(topic.unit),
        "title": topic.title,
        "theme": None if theme is None else {"id": theme.pk, "key": theme.key, "title": theme.title},
        "contact_unit": _unit(topic.contact_unit),
        "status": topic.status,
        "status_label": str(topic.get_status_display()),
        "update_count": update_count,
        "registered_at": topic.registered_at,
        "reported_at": topic.reported_at,
        "decided_at": topic.decided_at,
        "updated_at": topic.updated_at,
    }


def _update_out(update: TopicUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "date": update.happened_on,
        "content": update.content,
        "file_name": update.original_name if update.file else "",
        "file_url": reverse("research:update_file", args=[update.pk]) if update.file else None,
        "created_at": update.created_at,
        "created_by": _user_name(update.created_by),
    }


def _detail(user: Any, topic: ResearchTopic) -> dict[str, Any]:
    timeline = [_update_out(update) for update in selectors.timeline(topic)]
    members = topic.members.order_by("name", "id")
    return {
        **_base(topic, len(timeline)),
        "members": [_person(member) for member in members],
        "other_members": topic.other_members,
        "plan": topic.plan,
        "findings": topic.findings,
        "countermeasures": topic.countermeasures,
        "report": topic.report,
        "return_reason": topic.return_reason,
        "decided_by": _user_name(topic.decided_by),
        "created_at": topic.created_at,
        "timeline": timeline,
        "can_change": user.has_perm("research.change_topic", topic),
        "can_decide": user.has_perm("research.decide_topic", topic),
    }


def _topics(user: Any, filters: TopicFilters) -> QuerySet[ResearchTopic]:
    campaign, campaign_ok = _filter_campaign(user, filters.campaign)
    unit, unit_ok = _filter_unit(filters.unit)
    qs = selectors.topics_visible_to(user) if campaign_ok and unit_ok else ResearchTopic.objects.none()
    return selectors.filter_topics(
        qs, campaign=campaign, unit=unit, status=filters.status or "", theme=filters.theme, q=filters.q
    ).select_related("campaign")


# --- topics -------------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get("/research/topics", response={200: TopicPage, **READ_ERRORS}, summary="调研课题列表")
def topic_list(request: HttpRequest, filters: Query[TopicFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您可查看的调研课题：办公室和联络员范围内领导干部牵头的课题、您本人牵头的课题和您参加的课题组，
    按单位和牵头领导排列，附进展条数。campaign 或 unit 指向不存在的对象时返回空页。"""
    user = request.auth  # type: ignore[attr-defined]
    qs = _topics(user, filters)
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_base(topic, topic.update_count) for topic in rows])  # type: ignore[attr-defined]


@router.post("/research/topics", response={201: TopicDetailOut, **WRITE_ERRORS}, summary="新建调研课题")
def topic_create(request: HttpRequest, payload: TopicCreateIn) -> Status[dict[str, Any]]:
    """为领导干部（本人，或办公室、联络员范围内的领导干部）新建调研课题（草稿）。
    每名领导干部在每次大讨论中只牵头 1 项：第二项由数据库拒绝，返回 400（字段 leader）。
    theme 为讨论主题的 key，contact_unit 为联系点单位，members 为课题组成员的人员编号。"""
    user = request.auth  # type: ignore[attr-defined]
    if not (user.has_perm("research.browse_topics") or user.has_perm("research.lead_topic")):
        raise PermissionDenied(_("只有领导干部本人和办公室、联络员可以登记调研课题。"))
    campaign = _referenced_campaign(user, payload.campaign)
    leader = _leader(user, campaign, payload.leader)
    topic = services.topic_create(
        campaign=campaign,
        leader=leader,
        title=payload.title,
        theme=_theme(campaign, payload.theme),
        contact_unit=_contact_unit(campaign, payload.contact_unit),
        members=_members(user, leader, payload.members),
        other_members=payload.other_members,
        plan=payload.plan,
        by=user,
    )
    return Status(201, _detail(user, selectors.topic_for_page(topic.pk)))


@router.get(TOPIC, response={200: TopicDetailOut, **OBJECT_ERRORS}, summary="调研课题详情")
def topic_detail(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    """一项调研课题：课题组、调研计划、进展时间线、调研报告和验收情况。"""
    user = request.auth  # type: ignore[attr-defined]
    return _detail(user, _visible(user, topic_id))


@router.patch(TOPIC, response={200: TopicDetailOut, **WRITE_ERRORS}, summary="修改调研课题")
def topic_update(request: HttpRequest, topic_id: int, payload: TopicPatchIn) -> dict[str, Any]:
    """只修改传入的字段；members 替换全部成员。已报送（等待验收）和已验收的课题不能修改。"""
    user, topic = _changeable(request, topic_id)
    changes = payload.changes()
    campaign = topic.campaign
    if "theme" in changes:
        changes["theme"] = _theme(campaign, changes["theme"])
    if "contact_unit" in changes:
        changes["contact_unit"] = _contact_unit(campaign, changes["contact_unit"])
    if "members" in changes:
        current = topic.members.values_list("pk", flat=True)
        changes["members"] = _members(user, topic.leader, changes["members"], current)
    services.topic_update(topic=topic, by=user, **changes)
    return _detail(user, selectors.topic_for_page(topic.pk))


@router.post(f"{TOPIC}/register", response={200: TopicDetailOut, **WRITE_ERRORS}, summary="登记调研课题")
def topic_register(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    """草稿 → 已登记：须已填写讨论主题、联系点和调研计划。"""
    user, topic = _changeable(request, topic_id)
    services.topic_register(topic=topic, by=user)
    return _detail(user, selectors.topic_for_page(topic.pk))


@router.post(f"{TOPIC}/progress", response={201: TopicUpdateOut, **WRITE_ERRORS}, summary="记录调研进展")
def topic_progress(request: HttpRequest, topic_id: int, payload: TopicProgressIn) -> Status[dict[str, Any]]:
    """记录一次调研进展（日期和情况）；已登记课题的第一条进展使其转为“调研中”。
    要附文件时用 multipart 的“记录调研进展（附文件）”接口。"""
    user, topic = _changeable(request, topic_id)
    with _fields_as({"happened_on": "date"}):
        update = services.topic_progress(topic=topic, happened_on=payload.date, content=payload.content, by=user)
    return Status(201, _update_out(update))


@router.post(f"{TOPIC}/progress/file", response={201: TopicUpdateOut, **WRITE_ERRORS}, summary="记录调研进展（附文件）")
def topic_progress_file(
    request: HttpRequest, topic_id: int, form: Form[TopicProgressForm], file: File[UploadedFile | None] = None
) -> Status[dict[str, Any]]:
    """与“记录调研进展”相同，以 multipart/form-data 提交：date、content，可附 file（PDF、Word、Excel、
    PowerPoint 或图片，按内容识别类型，改扩展名无效）。空文件、超过大小上限或类型不符时返回 400（字段 file），
    不记录进展。返回的 file_url 在下载时再次检查权限。"""
    user, topic = _changeable(request, topic_id)
    with _fields_as({"happened_on": "date"}):
        update = services.topic_progress(topic=topic, happened_on=form.date, content=form.content, upload=file, by=user)
    return Status(201, _update_out(update))


@router.post(f"{TOPIC}/report", response={200: TopicDetailOut, **WRITE_ERRORS}, summary="报送调研报告")
def topic_report(request: HttpRequest, topic_id: int, payload: TopicReportIn) -> dict[str, Any]:
    """报送调研发现和对策建议（可附报告全文），通知办公室验收；被退回的课题修改后同样再次报送。
    报送前至少要记录一次调研进展。"""
    user, topic = _changeable(request, topic_id)
    services.topic_report(
        topic=topic,
        findings=payload.findings,
        countermeasures=payload.countermeasures,
        report=payload.report,
        by=user,
    )
    return _detail(user, selectors.topic_for_page(topic.pk))


@router.post(f"{TOPIC}/accept", response={200: TopicDetailOut, **WRITE_ERRORS}, summary="验收调研课题")
def topic_accept(request: HttpRequest, topic_id: int, payload: TopicAcceptIn) -> dict[str, Any]:
    """办公室验收已报送的课题，通知牵头领导；可附验收意见。"""
    user, topic = _decidable(request, topic_id)
    services.topic_accept(topic=topic, note=payload.note, by=user)
    return _detail(user, selectors.topic_for_page(topic.pk))


@router.post(f"{TOPIC}/return", response={200: TopicDetailOut, **WRITE_ERRORS}, summary="退回调研课题")
def topic_return(request: HttpRequest, topic_id: int, payload: TopicReturnIn) -> dict[str, Any]:
    """办公室退回已报送的课题以便修改，须写明原因；原因通知牵头领导。"""
    user, topic = _decidable(request, topic_id)
    services.topic_return(topic=topic, reason=payload.reason, by=user)
    return _detail(user, selectors.topic_for_page(topic.pk))
