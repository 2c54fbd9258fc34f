"""Units and people, scoped and masked exactly as the organisation pages show them.

Who: admins, the office and unit liaisons (``orgs.browse_units``); everyone else gets 403 before any
object is looked up. Objects outside the viewer's scope answer 404, the same as ids that do not
exist, so ids cannot be probed. A body that refers to such a unit is refused with 400 on its field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from taolun.orgs import services
from taolun.orgs.models import Person, Unit
from taolun.orgs.selectors import (
    filter_units,
    people_visible_to,
    person_row,
    pii_checker,
    search_people,
    subtree_summary,
    tree_nodes,
    units_visible_to,
)

from ..errors import FieldError
from ..schemas.common import FieldErrors, Message, PageParams
from ..schemas.orgs import (
    PersonCreateIn,
    PersonFilters,
    PersonOut,
    PersonPage,
    PersonPatchIn,
    UnitCreateIn,
    UnitDetailOut,
    UnitFilters,
    UnitPage,
    UnitPatchIn,
)

router = Router(tags=["orgs"])

READ_ERRORS: dict[int, Any] = {401: Message, 403: Message}
OBJECT_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: Message}
WRITE_ERRORS: dict[int, Any] = {**OBJECT_ERRORS, 400: FieldErrors}


# --- helpers ------------------------------------------------------------------------------
def _viewer(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("orgs.browse_units"):
        raise PermissionDenied(_("只有系统管理员、办公室和单位联络员可以使用组织和人员接口。"))
    return user


def _visible_unit(user: Any, pk: int) -> Unit:
    unit = units_visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _referenced_unit(user: Any, pk: int, field: str) -> Unit:
    unit = units_visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise FieldError(field, _("找不到编号为 %(id)s 的单位，或该单位不在您的范围内。") % {"id": pk})
    return unit


def _filter_unit(user: Any, pk: int | None) -> tuple[Unit | None, bool]:
    """A unit named in a query filter; ``(None, False)`` when it is not visible (the result is empty)."""
    if pk is None:
        return None, True
    unit = units_visible_to(user).filter(pk=pk).first()
    return unit, unit is not None


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.pk,
        "name": unit.name,
        "short_name": unit.short_name,
        "code": unit.code,
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "parent_id": unit.parent_id,
        "depth": unit.depth,
        "tags": [tag.name for tag in unit.tags.all()],
        "sort_order": unit.sort_order,
        "is_active": unit.is_active,
        "child_count": unit.child_count,  # type: ignore[attr-defined]
        "people_count": unit.people_count,  # type: ignore[attr-defined]
    }


def _unit_page(qs: QuerySet[Unit], paging: PageParams) -> dict[str, Any]:
    """One page in a fixed number of queries: the count, the page's ids, then the rows with their counts."""
    total = qs.count()
    ids = list(qs.values_list("pk", flat=True)[paging.offset : paging.offset + paging.limit])
    nodes = {unit.pk: unit for unit in tree_nodes(Unit.objects.filter(pk__in=ids))} if ids else {}
    items = [_unit_out(nodes[pk]) for pk in ids]
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": items}


def _unit_detail(unit: Unit) -> dict[str, Any]:
    node = tree_nodes(Unit.objects.filter(pk=unit.pk)).get()
    return {**_unit_out(node), "summary": subtree_summary(unit)}


def _visible_person(user: Any, pk: int) -> Person:
    person = people_visible_to(user).select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _person_out(user: Any, person: Person) -> dict[str, Any]:
    return person_row(person, unmasked=pii_checker(user)(person))


# --- units --------------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get("/units", response={200: UnitPage, **READ_ERRORS}, summary="单位列表")
def unit_list(request: HttpRequest, filters: Query[UnitFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您范围内的单位，自上而下排列。parent 或 under 指向范围外的单位时返回空页。"""
    user = _viewer(request)
    parent, parent_ok = _filter_unit(user, filters.parent)
    under, under_ok = _filter_unit(user, filters.under)
    qs = units_visible_to(user) if parent_ok and under_ok else Unit.objects.none()
    qs = filter_units(qs, q=filters.q, kind=filters.kind or "", tag=filters.tag.strip(), parent=parent, under=under)
    return _unit_page(qs, paging)


@router.get("/units/{int:unit_id}", response={200: UnitDetailOut, **OBJECT_ERRORS}, summary="单位详情")
def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    """一个单位及其子树的人数汇总。范围外的单位与不存在的一样返回 404，无法通过猜测编号探知。"""
    return _unit_detail(_visible_unit(_viewer(request), unit_id))


@router.get("/units/{int:unit_id}/children", response={200: UnitPage, **OBJECT_ERRORS}, summary="下级单位")
def unit_children(request: HttpRequest, unit_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """一个单位的直接下级单位，按显示顺序。范围外的单位返回 404。"""
    unit = _visible_unit(_viewer(request), unit_id)
    return _unit_page(Unit.objects.filter(parent=unit).order_by("sort_order", "name", "id"), paging)


@router.post("/units", response={201: UnitDetailOut, **WRITE_ERRORS}, summary="新建单位")
def unit_create(request: HttpRequest, payload: UnitCreateIn) -> Status[dict[str, Any]]:
    """在 parent 之下新建单位（需负责该上级单位的办公室或联络员）；
    不填 parent 为顶级单位（仅全局办公室或系统管理员）。"""
    user = _viewer(request)
    parent = _referenced_unit(user, payload.parent, "parent") if payload.parent is not None else None
    unit = services.unit_create(
        name=payload.name,
        code=payload.code,
        kind=payload.kind,
        parent=parent,
        short_name=payload.short_name,
        tags=payload.tags,
        sort_order=payload.sort_order,
        by=user,
    )
    return Status(201, _unit_detail(unit))


@router.patch("/units/{int:unit_id}", response={200: UnitDetailOut, **WRITE_ERRORS}, summary="修改单位")
def unit_update(request: HttpRequest, unit_id: int, payload: UnitPatchIn) -> dict[str, Any]:
    """只修改传入的字段；新的 parent 会移动整棵子树。范围外的单位返回 404。"""
    user = _viewer(request)
    unit = _visible_unit(user, unit_id)
    changes = payload.changes()
    if changes.get("parent") is not None:
        changes["parent"] = _referenced_unit(user, changes["parent"], "parent")
    tags = changes.pop("tags", None)
    unit = services.unit_update(unit=unit, by=user, tags=tags, **changes)
    return _unit_detail(unit)


# --- people -------------------------------------------------------------------------------
@router.get("/people", response={200: PersonPage, **READ_ERRORS}, summary="人员列表")
def person_list(request: HttpRequest, filters: Query[PersonFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您范围内的人员。手机号、身份证号仅对范围内的办公室（及本人）完整显示，其他角色为掩码。"""
    user = _viewer(request)
    unit, unit_ok = _filter_unit(user, filters.unit)
    qs = people_visible_to(user) if unit_ok else Person.objects.none()
    qs = search_people(qs, q=filters.q.strip(), unit=unit, role=filters.role or "", batch=filters.batch)
    total = qs.count()
    page = list(qs[paging.offset : paging.offset + paging.limit])
    unmasked = pii_checker(user)
    items = [person_row(person, unmasked=unmasked(person)) for person in page]
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": items}


@router.get("/people/{int:person_id}", response={200: PersonOut, **OBJECT_ERRORS}, summary="人员详情")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """一名人员，掩码规则同列表。范围外的人员与不存在的一样返回 404。"""
    user = _viewer(request)
    return _person_out(user, _visible_person(user, person_id))


@router.post("/people", response={201: PersonOut, **WRITE_ERRORS}, summary="新增人员")
def person_create(request: HttpRequest, payload: PersonCreateIn) -> Status[dict[str, Any]]:
    """在您范围内的单位新增人员；手机号、身份证号会校验并规范化。"""
    user = _viewer(request)
    unit = _referenced_unit(user, payload.unit, "unit")
    fields = payload.model_dump(exclude={"unit", "name"})
    person = services.person_create(unit=unit, name=payload.name, by=user, **fields)
    return Status(201, _person_out(user, person))


@router.patch("/people/{int:person_id}", response={200: PersonOut, **WRITE_ERRORS}, summary="修改人员")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatchIn) -> dict[str, Any]:
    """只修改传入的字段；unit 把人员调到您范围内的另一单位。范围外的人员返回 404。"""
    user = _viewer(request)
    person = _visible_person(user, person_id)
    changes = payload.changes()
    if "unit" in changes:
        changes["unit"] = _referenced_unit(user, changes["unit"], "unit")
    person = services.person_update(person=person, by=user, **changes)
    return _person_out(user, person)
