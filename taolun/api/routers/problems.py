"""The problem ledger (问题清单 / 整改台账): file problems, set measures, report progress, extend, verify and close.

Who: the office and liaisons covering the responsible unit file problems and keep the five clarities and
the measures (``problems.change_problem``); the problem's and the measures' owners report progress, upload
evidence and ask for extensions (``problems.report_progress``); the office verifies, closes (销号), reopens,
publishes and decides extensions. Leading cadres see and file their own unit's problems. A problem,
measure, piece of evidence or extension outside all of these answers 404, the same as an id that does not
exist; a body naming a unit or a person outside the caller's reach is refused with 400 on that field.

Leaders' self-examinations (:mod:`.self_examinations`) and the public ledger (:mod:`.public_ledger`) live in
their own modules, mounted on this router.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from taolun.campaigns.models import Campaign
from taolun.orgs.models import Person, Unit
from taolun.problems import history, selectors, services
from taolun.problems.lights import FINISHED, LIGHT_LABELS, measure_light
from taolun.problems.models import (
    EvidenceFile,
    Extension,
    Measure,
    MeasureUpdate,
    Problem,
    ProblemSource,
    ProblemStatus,
)
from taolun.research.selectors import topics_visible_to

from ..errors import FieldError
from ..schemas.common import PageParams
from ..schemas.problems import (
    EvidenceForm,
    EvidenceOut,
    ExtensionDecisionIn,
    ExtensionIn,
    ExtensionOut,
    HistoryOut,
    MeasureIn,
    MeasureOut,
    MeasurePatchIn,
    MeasureProgressIn,
    ProblemCreateIn,
    ProblemDetailOut,
    ProblemFilters,
    ProblemPage,
    ProblemPatchIn,
    PublicIn,
    SummaryOut,
    SummaryParams,
    TransitionIn,
)
from .activities import OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _filter_campaign, _page, _referenced_campaign
from .public_ledger import router as public_ledger_router
from .research import _fields_as, _filter_unit, _person, _unit, _user_name
from .self_examinations import router as self_examinations_router

router = Router(tags=["problems"])
# Leaders' self-examinations and the public ledger live in their own modules, mounted here.
router.add_router("", self_examinations_router)
router.add_router("", public_ledger_router)

PROBLEM = "/problems/{int:problem_id}"
MEASURE = "/problems/measures/{int:measure_id}"

# Each action of the transitions endpoint: the rule it needs and what the service is given.
TRANSITION_PERMS = {
    "confirm": "problems.confirm_problem",
    "dismiss": "problems.confirm_problem",
    "restore": "problems.confirm_problem",
    "finish": "problems.change_problem",
    "close": "problems.verify_problem",
    "reject": "problems.verify_problem",
    "reopen": "problems.verify_problem",
}
PERFORM: dict[str, Callable[..., Problem]] = {
    "confirm": lambda problem, body, by: services.problem_confirm(problem=problem, by=by),
    "dismiss": lambda problem, body, by: services.problem_dismiss(problem=problem, reason=body.reason, by=by),
    "restore": lambda problem, body, by: services.problem_restore(problem=problem, by=by),
    "finish": lambda problem, body, by: services.problem_finish(problem=problem, result=body.result, by=by),
    "close": lambda problem, body, by: services.problem_close(
        problem=problem, note=body.note, publish=body.publish, by=by
    ),
    "reject": lambda problem, body, by: services.problem_reject(problem=problem, reason=body.reason, by=by),
    "reopen": lambda problem, body, by: services.problem_reopen(problem=problem, reason=body.reason, by=by),
}
# The action each status move of ``services.TRANSITIONS`` is asked for by (``start`` happens by itself).
MOVE_ACTIONS: dict[tuple[str, str], str] = {
    (ProblemStatus.FOUND, ProblemStatus.CONFIRMED): "confirm",
    (ProblemStatus.FOUND, ProblemStatus.DISMISSED): "dismiss",
    (ProblemStatus.DISMISSED, ProblemStatus.FOUND): "restore",
    (ProblemStatus.CONFIRMED, ProblemStatus.DONE): "finish",
    (ProblemStatus.RECTIFYING, ProblemStatus.DONE): "finish",
    (ProblemStatus.DONE, ProblemStatus.CLOSED): "close",
    (ProblemStatus.DONE, ProblemStatus.RECTIFYING): "reject",
    (ProblemStatus.CLOSED, ProblemStatus.RECTIFYING): "reopen",
}


# --- who and which problem ----------------------------------------------------------------
def _visible_ids(user: Any) -> Any:
    return selectors.problems_visible_to(user).values("pk")


def _visible(user: Any, pk: int) -> Problem:
    if not selectors.problems_visible_to(user).filter(pk=pk).exists():
        raise Http404
    return selectors.problem_for_page(pk)


def _allowed(user: Any, perm: str, obj: Any, message: str) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message)


def _changeable(request: HttpRequest, pk: int) -> tuple[Any, Problem]:
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, pk)
    _allowed(user, "problems.change_problem", problem, _("只有负责该单位的办公室和联络员可以修改问题和整改措施。"))
    return user, problem


def _measure(request: HttpRequest, pk: int) -> tuple[Any, Measure]:
    user = request.auth  # type: ignore[attr-defined]
    measure = (
        Measure.objects.select_related("problem__unit", "problem__campaign", "owner")
        .filter(pk=pk, problem__in=_visible_ids(user))
        .first()
    )
    if measure is None:
        raise Http404
    return user, measure


def _changeable_measure(request: HttpRequest, pk: int) -> tuple[Any, Measure]:
    user, measure = _measure(request, pk)
    _allowed(user, "problems.change_problem", measure.problem, _("只有负责该单位的办公室和联络员可以修改整改措施。"))
    return user, measure


# --- what a body or a filter refers to ----------------------------------------------------
def _filing_unit(user: Any, campaign: Campaign, pk: int) -> Unit:
    unit = selectors.units_for_filing(user, campaign).filter(pk=pk).first()
    if unit is None:
        raise FieldError(
            "unit",
            _("找不到编号为 %(id)s 的单位，或该单位不在您的范围内、不属于本次大讨论。") % {"id": pk},
        )
    return unit


def _owner(unit: Unit, pk: int | None, field: str = "owner") -> Person | None:
    """A person on the roster of ``unit`` (or below it): the only people a problem or measure can be given to."""
    if pk is None:
        return None
    person = (
        Person.objects.select_related("unit").filter(pk=pk, is_active=True, unit__path__startswith=unit.path).first()
    )
    if person is None:
        raise FieldError(
            field,
            _("找不到编号为 %(id)s 的人员，或其不在责任单位“%(unit)s”的名册中。") % {"id": pk, "unit": unit.name},
        )
    return person


def _item(campaign: Campaign, kind: str, key: str | None) -> Any:
    if not key:
        return None
    related: Any
    related, label = {
        "category": (campaign.shortcomings, _("短板类别")),
        "theme": (campaign.themes, _("讨论主题")),
        "dimension": (campaign.dimensions, _("高质量维度")),
    }[kind]
    item = related.filter(key=key).first()
    if item is None:
        raise FieldError(kind, _("本次大讨论没有%(label)s“%(key)s”。") % {"label": label, "key": key})
    return item


def _topic(user: Any, campaign: Campaign, pk: int | None) -> Any:
    if pk is None:
        return None
    topic = topics_visible_to(user).filter(pk=pk, campaign=campaign).first()
    if topic is None:
        raise FieldError(
            "research_topic", _("找不到编号为 %(id)s 的调研课题，或您无权查看、不属于本次大讨论。") % {"id": pk}
        )
    return topic


def _ledger_filter(user: Any, filters: ProblemFilters) -> tuple[selectors.LedgerFilter, bool]:
    campaign, campaign_ok = _filter_campaign(user, filters.campaign)
    unit, unit_ok = _filter_unit(filters.unit)
    ledger = selectors.LedgerFilter(
        campaign=campaign,
        unit=unit,
        status=filters.status or "",
        source=filters.source or "",
        category=filters.category,
        theme=filters.theme,
        dimension=filters.dimension,
        owner=filters.owner,
        light=filters.light or "",
        q=filters.q.strip(),
        sort=filters.sort,
    )
    return ledger, campaign_ok and unit_ok


def _ledger(user: Any, filters: ProblemFilters) -> QuerySet[Problem]:
    ledger, ok = _ledger_filter(user, filters)
    qs = selectors.problems_visible_to(user) if ok else Problem.objects.none()
    return selectors.filter_problems(qs, ledger)


# --- shapes -------------------------------------------------------------------------------
def _ref(item: Any) -> dict[str, Any] | None:
    return None if item is None else {"id": item.pk, "key": item.key, "title": item.title}


def _base(problem: Problem) -> dict[str, Any]:
    light = problem.light  # type: ignore[attr-defined]
    return {
        "id": problem.pk,
        "number": problem.number,
        "campaign": problem.campaign.slug,
        "content": problem.content,
        "source": problem.source,
        "source_label": str(problem.get_source_display()),
        "category": _ref(problem.category),
        "theme": _ref(problem.theme),
        "unit": _unit(problem.unit),
        "owner": _person(problem.owner),
        "deadline": problem.deadline,
        "status": problem.status,
        "status_label": str(problem.get_status_display()),
        "progress": problem.progress,
        "measure_count": problem.measure_count,
        "due_on": problem.due_on,
        "light": light,
        "light_label": str(LIGHT_LABELS[light]),
        "closed_at": problem.closed_at,
        "updated_at": problem.updated_at,
    }


def _update_out(update: MeasureUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "date": update.happened_on,
        "progress": update.progress,
        "note": update.note,
        "created_at": update.created_at,
        "created_by": _user_name(update.created_by),
    }


def _measure_out(measure: Measure, updates: list[MeasureUpdate], *, problem_finished: bool) -> dict[str, Any]:
    light = measure_light(measure, problem_finished=problem_finished)
    return {
        "id": measure.pk,
        "problem": measure.problem_id,
        "content": measure.content,
        "owner": _person(measure.owner),
        "owner_name": measure.owner_name,
        "owner_label": measure.owner_label,
        "starts_on": measure.starts_on,
        "deadline": measure.deadline,
        "weight": measure.weight,
        "progress": measure.progress,
        "light": light,
        "light_label": str(LIGHT_LABELS[light]),
        "done_at": measure.done_at,
        "order": measure.order,
        "updates": [_update_out(update) for update in updates],
    }


def _measure_detail(pk: int) -> dict[str, Any]:
    """A measure as it is now, with its updates (after a write)."""
    measure = Measure.objects.select_related("owner", "problem").get(pk=pk)
    updates = list(measure.updates.select_related("created_by").order_by("-happened_on", "-id"))
    return _measure_out(measure, updates, problem_finished=measure.problem.status in FINISHED)


def _extension_out(extension: Extension) -> dict[str, Any]:
    return {
        "id": extension.pk,
        "problem": extension.problem_id,
        "old_deadline": extension.old_deadline,
        "new_deadline": extension.new_deadline,
        "reason": extension.reason,
        "status": extension.status,
        "status_label": str(extension.get_status_display()),
        "requested_at": extension.requested_at,
        "requested_by": _user_name(extension.requested_by),
        "decided_at": extension.decided_at,
        "decided_by": _user_name(extension.decided_by),
        "decision_note": extension.decision_note,
    }


def _evidence_out(item: EvidenceFile) -> dict[str, Any]:
    return {
        "id": item.pk,
        "measure": item.measure_id,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "caption": item.caption,
        "uploaded_at": item.uploaded_at,
        "uploaded_by": _user_name(item.uploaded_by),
        "url": reverse("problems:evidence_file", args=[item.pk]),
    }


def _actions(user: Any, problem: Problem) -> list[str]:
    moves = services.TRANSITIONS.get(problem.status, {})
    actions = [MOVE_ACTIONS[(problem.status, to)] for to in moves if (problem.status, to) in MOVE_ACTIONS]
    return [action for action in actions if user.has_perm(TRANSITION_PERMS[action], problem)]


def _detail(user: Any, problem: Problem) -> dict[str, Any]:
    finished = problem.status in FINISHED
    topic = problem.research_topic
    if topic is not None and not topics_visible_to(user).filter(pk=topic.pk).exists():
        topic = None
    evidence = [_evidence_out(item) for item in selectors.evidence_of(problem)]
    return {
        **_base(problem),
        "source_note": problem.source_note,
        "research_topic": None if topic is None else {"id": topic.pk, "title": topic.title},
        "opinion": problem.opinion_id,
        "dimension": _ref(problem.dimension),
        "standard": problem.standard,
        "original_deadline": problem.original_deadline,
        "result": problem.result,
        "found_at": problem.found_at,
        "confirmed_at": problem.confirmed_at,
        "done_at": problem.done_at,
        "closed_by": _user_name(problem.closed_by),
        "closed_on_time": problem.closed_on_time,
        "verification_note": problem.verification_note,
        "reopen_count": problem.reopen_count,
        "is_public": problem.is_public,
        "missing": services.missing_clarities(problem) if problem.status == ProblemStatus.FOUND else [],
        "measures": [
            _measure_out(measure, list(measure.updates.all()), problem_finished=finished)
            for measure in selectors.measures_of(problem)
        ],
        "evidence": evidence,
        "extensions": [_extension_out(extension) for extension in selectors.extensions_of(problem)],
        "actions": _actions(user, problem),
        "can_change": user.has_perm("problems.change_problem", problem),
        "can_report": user.has_perm("problems.report_progress", problem),
        "can_verify": user.has_perm("problems.verify_problem", problem),
    }


def _fresh(user: Any, pk: int) -> dict[str, Any]:
    return _detail(user, selectors.problem_for_page(pk))


# --- the ledger ---------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get("/problems", response={200: ProblemPage, **READ_ERRORS}, summary="问题清单")
def problem_list(request: HttpRequest, filters: Query[ProblemFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您可查看的问题：办公室和联络员范围内单位的问题、领导干部本单位的问题，以及您本人负责的问题或措施，
    每条附红黄绿灯、整改进度、最早到期日和措施数。campaign 或 unit 指向不存在的对象时返回空页。"""
    user = request.auth  # type: ignore[attr-defined]
    qs = _ledger(user, filters)
    total = qs.count()
    rows = selectors.page_rows(qs, paging.offset, paging.limit)
    return _page(total, paging, [_base(problem) for problem in rows])


@router.get("/problems/summary", response={200: SummaryOut, **READ_ERRORS}, summary="问题汇总")
def problem_summary(
    request: HttpRequest, params: Query[SummaryParams], filters: Query[ProblemFilters]
) -> dict[str, Any]:
    """按责任单位、责任人、短板类别、讨论主题、问题来源或状态汇总您可查看的问题（筛选条件同问题清单）：
    问题数、未完成、待核验、已销号、按期销号、红灯和黄灯数、平均进度。"""
    user = request.auth  # type: ignore[attr-defined]
    qs = _ledger(user, filters)
    labels: dict[str, dict[Any, str]] = {
        "status": {value: str(label) for value, label in ProblemStatus.choices},
        "source": {value: str(label) for value, label in ProblemSource.choices},
    }

    def tally(item: selectors.Tally) -> dict[str, Any]:
        label = labels.get(params.by, {}).get(item.key, item.label)
        return {
            "key": item.key,
            "label": label if item.key is not None else _("（未指定）"),
            "total": item.total,
            "open": item.open,
            "done": item.done,
            "closed": item.closed,
            "on_time": item.on_time,
            "red": item.red,
            "yellow": item.yellow,
            "progress": item.progress,
            "closed_share": item.closed_share,
            "on_time_share": item.on_time_share,
        }

    totals = tally(selectors.totals(qs))
    totals["label"] = _("合计")
    items = [tally(item) for item in selectors.summary(qs, params.by, limit=params.limit)]
    return {"by": params.by, "totals": totals, "items": items}


@router.post("/problems", response={201: ProblemDetailOut, **WRITE_ERRORS}, summary="登记问题")
def problem_create(request: HttpRequest, payload: ProblemCreateIn) -> Status[dict[str, Any]]:
    """为您范围内的单位登记一个问题（状态“已查摆”），编号在本次大讨论内顺延。
    category、theme、dimension 为该大讨论方案中的 key；owner 须在责任单位（含下级）的名册中。"""
    user = request.auth  # type: ignore[attr-defined]
    if not (user.has_perm("problems.browse_ledger") or user.has_perm("problems.examine_self")):
        raise PermissionDenied(_("只有办公室、联络员和领导干部可以登记问题。"))
    campaign = _referenced_campaign(user, payload.campaign)
    unit = _filing_unit(user, campaign, payload.unit)
    problem = services.problem_create(
        campaign=campaign,
        unit=unit,
        content=payload.content,
        source=payload.source,
        source_note=payload.source_note,
        owner=_owner(unit, payload.owner),
        category=_item(campaign, "category", payload.category),
        theme=_item(campaign, "theme", payload.theme),
        dimension=_item(campaign, "dimension", payload.dimension),
        standard=payload.standard,
        deadline=payload.deadline,
        research_topic=_topic(user, campaign, payload.research_topic),
        by=user,
    )
    return Status(201, _fresh(user, problem.pk))


@router.get(PROBLEM, response={200: ProblemDetailOut, **OBJECT_ERRORS}, summary="问题详情")
def problem_detail(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    """一个问题：“五个明确”、整改措施及其进展、佐证材料（元数据）、延期申请，以及您可执行的状态变更。"""
    user = request.auth  # type: ignore[attr-defined]
    return _detail(user, _visible(user, problem_id))


@router.patch(PROBLEM, response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="修改问题")
def problem_update(request: HttpRequest, problem_id: int, payload: ProblemPatchIn) -> dict[str, Any]:
    """只修改传入的字段。责任单位只能在确认前改派；确认后办结时限只能通过延期申请调整；
    已销号和不予认定的问题不能修改。note 为修改说明，记入变更历史。"""
    user, problem = _changeable(request, problem_id)
    changes = payload.changes()
    note = changes.pop("note", None) or ""
    campaign = problem.campaign
    if "unit" in changes:
        changes["unit"] = _filing_unit(user, campaign, changes["unit"])
    if "owner" in changes:
        changes["owner"] = _owner(changes.get("unit") or problem.unit, changes["owner"])
    for kind in ("category", "theme", "dimension"):
        if kind in changes:
            changes[kind] = _item(campaign, kind, changes[kind])
    services.problem_update(problem=problem, by=user, note=note, **changes)
    return _fresh(user, problem.pk)


@router.post(f"{PROBLEM}/transitions", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="变更问题状态")
def problem_transition(request: HttpRequest, problem_id: int, payload: TransitionIn) -> dict[str, Any]:
    """按 action 变更问题状态：confirm、dismiss、restore 由办公室和联络员执行；finish 由办公室和联络员在措施全部完成、
    已有佐证材料后执行；close（销号）、reject、reopen 由办公室执行。当前状态不允许时返回 400。"""
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, problem_id)
    _allowed(user, TRANSITION_PERMS[payload.action], problem, _("您没有权限对这个问题执行该操作。"))
    PERFORM[payload.action](problem, payload, user)
    return _fresh(user, problem.pk)


@router.get(f"{PROBLEM}/history", response={200: HistoryOut, **OBJECT_ERRORS}, summary="问题变更历史")
def problem_history(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    """问题的每一次变更（含措施、进展、佐证材料、延期和状态），从早到晚；每版列出变更前后的值，
    编号已换成名称。"""
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, problem_id)
    versions = [
        {
            "at": version.entry.at,
            "actor": version.entry.actor_label,
            "action": version.entry.action,
            "action_label": history.action_label(version.entry.action),
            "note": version.entry.note,
            "changes": [
                {"field": change.name, "label": change.label, "before": change.before, "after": change.after}
                for change in version.changes
            ],
        }
        for version in history.problem_versions(problem)
    ]
    return {"problem": problem.pk, "versions": versions}


@router.post(f"{PROBLEM}/public", response={200: ProblemDetailOut, **WRITE_ERRORS}, summary="公开或撤下问题")
def problem_publish(request: HttpRequest, problem_id: int, payload: PublicIn) -> dict[str, Any]:
    """办公室把已销号的问题在公开台账中公布（public=true），或撤下（false）。公开台账只列选定的字段，
    不含任何人的姓名；未销号的问题不能公开，重新整改时自动撤下。"""
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, problem_id)
    _allowed(user, "problems.verify_problem", problem, _("只有负责该单位的办公室可以公开或撤下问题。"))
    services.problem_set_public(problem=problem, public=payload.public, by=user)
    return _fresh(user, problem.pk)


# --- evidence (佐证材料) ---------------------------------------------------------------------
@router.post(f"{PROBLEM}/evidence", response={201: EvidenceOut, **WRITE_ERRORS}, summary="上传佐证材料")
def evidence_add(
    request: HttpRequest, problem_id: int, form: Form[EvidenceForm], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """以 multipart/form-data 上传：file 为文件，可附 caption（说明）和 measure（所属整改措施的编号）。
    问题或措施的责任人和负责该单位的办公室、联络员可以上传；已销号和不予认定的问题不能再上传。
    文件类型按内容识别（PDF、Word、Excel、PowerPoint 或图片），改扩展名无效；空文件、超过大小上限或
    类型不符时返回 400（字段 file）。返回的 url 在下载时再次检查权限。"""
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, problem_id)
    _allowed(
        user,
        "problems.report_progress",
        problem,
        _("只有问题或措施的责任人和负责该单位的办公室、联络员可以上传佐证材料。"),
    )
    measure = None
    if form.measure is not None:
        measure = Measure.objects.filter(pk=form.measure, problem=problem).first()
        if measure is None:
            raise FieldError("measure", _("编号为 %(id)s 的整改措施不属于这个问题。") % {"id": form.measure})
    item = services.evidence_add(problem=problem, upload=file, measure=measure, caption=form.caption, by=user)
    return Status(201, _evidence_out(item))


@router.delete("/problems/evidence/{int:evidence_id}", response={204: None, **WRITE_ERRORS}, summary="删除佐证材料")
def evidence_delete(request: HttpRequest, evidence_id: int) -> Status[None]:
    """删除一份佐证材料（负责该单位的办公室和联络员）；问题已完成待核验或已销号时不能删除。"""
    user = request.auth  # type: ignore[attr-defined]
    item = (
        EvidenceFile.objects.select_related("problem__unit")
        .filter(pk=evidence_id, problem__in=_visible_ids(user))
        .first()
    )
    if item is None:
        raise Http404
    _allowed(user, "problems.change_problem", item.problem, _("只有负责该单位的办公室和联络员可以删除佐证材料。"))
    services.evidence_delete(item=item, by=user)
    return Status(204, None)


# --- measures -----------------------------------------------------------------------------
@router.post(f"{PROBLEM}/measures", response={201: MeasureOut, **WRITE_ERRORS}, summary="新增整改措施")
def measure_add(request: HttpRequest, problem_id: int, payload: MeasureIn) -> Status[dict[str, Any]]:
    """为问题增加一项整改措施：完成时限不晚于问题的办结时限；owner 须在责任单位的名册中，
    否则在 owner_name 中写姓名。已完成、已销号和不予认定的问题不能再改措施。"""
    user, problem = _changeable(request, problem_id)
    measure = services.measure_add(
        problem=problem,
        content=payload.content,
        deadline=payload.deadline,
        owner=_owner(problem.unit, payload.owner),
        owner_name=payload.owner_name,
        weight=payload.weight,
        starts_on=payload.starts_on,
        by=user,
    )
    return Status(201, _measure_detail(measure.pk))


@router.patch(MEASURE, response={200: MeasureOut, **WRITE_ERRORS}, summary="修改整改措施")
def measure_update(request: HttpRequest, measure_id: int, payload: MeasurePatchIn) -> dict[str, Any]:
    """只修改传入的字段；设置 owner 时清空 owner_name。"""
    user, measure = _changeable_measure(request, measure_id)
    changes = payload.changes()
    if "owner" in changes:
        changes["owner"] = _owner(measure.problem.unit, changes["owner"])
    services.measure_change(measure=measure, by=user, **changes)
    return _measure_detail(measure.pk)


@router.delete(MEASURE, response={204: None, **WRITE_ERRORS}, summary="删除整改措施")
def measure_delete(request: HttpRequest, measure_id: int) -> Status[None]:
    """删除一项整改措施；已确认的问题至少保留一项。"""
    user, measure = _changeable_measure(request, measure_id)
    services.measure_delete(measure=measure, by=user)
    return Status(204, None)


@router.post(f"{MEASURE}/progress", response={200: MeasureOut, **WRITE_ERRORS}, summary="报告整改进展")
def measure_progress(request: HttpRequest, measure_id: int, payload: MeasureProgressIn) -> dict[str, Any]:
    """报告措施的新进度和进展情况（措施或问题的责任人，或办公室、联络员），问题进度随之汇总；
    已确认的问题转为“整改中”。佐证材料用“上传佐证材料”接口上传（measure 填本措施的编号）。"""
    user, measure = _measure(request, measure_id)
    _allowed(
        user,
        "problems.report_progress",
        measure,
        _("只有措施或问题的责任人和负责该单位的办公室、联络员可以报告整改进展。"),
    )
    with _fields_as({"happened_on": "date"}):
        services.measure_progress(
            measure=measure, progress=payload.progress, note=payload.note, happened_on=payload.date, by=user
        )
    return _measure_detail(measure.pk)


# --- extensions ---------------------------------------------------------------------------
@router.post(f"{PROBLEM}/extensions", response={201: ExtensionOut, **WRITE_ERRORS}, summary="申请延期")
def extension_request(request: HttpRequest, problem_id: int, payload: ExtensionIn) -> Status[dict[str, Any]]:
    """在办结时限到期前申请延期（问题或措施的责任人，或办公室、联络员），由办公室审批；
    同一问题同时只能有一份待审批的申请。"""
    user = request.auth  # type: ignore[attr-defined]
    problem = _visible(user, problem_id)
    _allowed(
        user,
        "problems.report_progress",
        problem,
        _("只有问题或措施的责任人和负责该单位的办公室、联络员可以申请延期。"),
    )
    extension = services.extension_request(
        problem=problem, new_deadline=payload.new_deadline, reason=payload.reason, by=user
    )
    return Status(201, _extension_out(extension))


@router.post(
    "/problems/extensions/{int:extension_id}/decision",
    response={200: ExtensionOut, **WRITE_ERRORS},
    summary="审批延期申请",
)
def extension_decide(request: HttpRequest, extension_id: int, payload: ExtensionDecisionIn) -> dict[str, Any]:
    """办公室批准（approve=true，办结时限随之改为申请的日期）或不批准（须写 note）一份待审批的延期申请。"""
    user = request.auth  # type: ignore[attr-defined]
    extension = (
        Extension.objects.select_related("problem__unit", "requested_by")
        .filter(pk=extension_id, problem__in=_visible_ids(user))
        .first()
    )
    if extension is None:
        raise Http404
    _allowed(user, "problems.decide_extension", extension.problem, _("只有负责该单位的办公室可以审批延期申请。"))
    decided = services.extension_decide(extension=extension, approve=payload.approve, note=payload.note, by=user)
    decided.requested_by = extension.requested_by  # the service reloads the row without its relations
    return _extension_out(decided)
