"""Pages for the organisation tree and the people in it. Thin: check the rule, call a selector or a
service, render (an htmx partial when the request comes from htmx)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from taolun.accounts.models import Role
from taolun.accounts.selectors import covers, scope_paths
from taolun.core.http import is_htmx, no_store
from taolun.core.pagination import paginate

from . import selectors, services
from .forms import PersonAccountForm, PersonFilterForm, PersonForm, UnitForm, UnitSearchForm, add_service_errors
from .models import Person, Unit

CHILDREN_LIMIT = 200
SEARCH_LIMIT = 50


def _require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("您没有权限查看或修改这一对象。"))


# --- units ----------------------------------------------------------------------------------
@login_required
@permission_required("orgs.browse_units", raise_exception=True)
def unit_tree(request: HttpRequest) -> HttpResponse:
    """The tree from the viewer's scope roots, expanded lazily; a search lists matches with their place."""
    form = UnitSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context: dict[str, Any] = {
        "form": form,
        "q": q,
        "can_add_unit": bool(scope_paths(request.user, selectors.EDITOR_ROLES)),
    }
    if q:
        results, more = selectors.unit_search_results(request.user, q, limit=SEARCH_LIMIT)
        context.update(results=results, more_results=more)
    else:
        context["roots"] = list(selectors.tree_nodes(selectors.scope_roots(request.user)))
    template = "orgs/_unit_tree_body.html" if is_htmx(request, "tree-body") else "orgs/unit_tree.html"
    return render(request, template, context)


@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    _require(request, "orgs.view_unit", unit)
    if not is_htmx(request):
        return redirect("orgs:unit_detail", pk=unit.pk)
    children = list(selectors.tree_nodes(Unit.objects.filter(parent=unit))[: CHILDREN_LIMIT + 1])
    return render(
        request,
        "orgs/_unit_children.html",
        {"unit": unit, "nodes": children[:CHILDREN_LIMIT], "more_children": len(children) > CHILDREN_LIMIT},
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.prefetch_related("tags"), pk=pk)
    _require(request, "orgs.view_unit", unit)
    page, base = paginate(request, selectors.people_of_unit(unit))
    check = selectors.pii_checker(request.user)
    rows = [selectors.person_row(p, unmasked=check(p)) for p in page]
    context: dict[str, Any] = {"unit": unit, "page_obj": page, "querystring_base": base, "rows": rows}
    if is_htmx(request, "unit-people"):
        return render(request, "orgs/_unit_people.html", context)
    children = list(selectors.tree_nodes(Unit.objects.filter(parent=unit))[: CHILDREN_LIMIT + 1])
    user = request.user
    context.update(
        summary=selectors.subtree_summary(unit),
        ancestors=[(a, user.has_perm("orgs.view_unit", a)) for a in selectors.unit_ancestors(unit)],
        children=children[:CHILDREN_LIMIT],
        more_children=len(children) > CHILDREN_LIMIT,
        can_edit=user.has_perm("orgs.change_unit", unit),
        can_add_unit=user.has_perm("orgs.add_unit", unit),
        can_add_person=user.has_perm("orgs.change_person", unit),
        can_browse=user.has_perm("orgs.browse_units"),
    )
    return render(request, "orgs/unit_detail.html", context)


def _may_create_top_level(user: Any) -> bool:
    return covers(user, [Role.ADMIN, Role.OFFICE], "")


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest) -> HttpResponse:
    """A new unit under a parent within the editor's scope (top level only for a global office)."""
    user = request.user
    if not scope_paths(user, selectors.EDITOR_ROLES):
        raise PermissionDenied(_("您没有新增单位的权限。"))
    initial: dict[str, Any] = {}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        parent = get_object_or_404(Unit, pk=int(parent_id))
        _require(request, "orgs.add_unit", parent)
        initial["parent"] = parent
    form = UnitForm(
        request.POST or None,
        initial=initial,
        parents=selectors.units_editable_by(user),
        parent_required=not _may_create_top_level(user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = services.unit_create(
                name=data["name"],
                short_name=data["short_name"],
                code=data["code"],
                kind=data["kind"],
                parent=data["parent"],
                tags=data["tags"],
                sort_order=data["sort_order"],
                by=user,  # type: ignore[arg-type]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增单位“%(name)s”。") % {"name": unit.name})
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "unit": None, "parent": initial.get("parent")})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("parent").prefetch_related("tags"), pk=pk)
    _require(request, "orgs.change_unit", unit)
    user = request.user
    # A unit whose parent lies outside the editor's scope (their own top unit) cannot be moved by them.
    parent_locked = (unit.parent is None and not _may_create_top_level(user)) or (
        unit.parent is not None and not user.has_perm("orgs.add_unit", unit.parent)
    )
    form = UnitForm(
        request.POST or None,
        unit=unit,
        parents=selectors.units_editable_by(user),
        parent_required=not _may_create_top_level(user),
        parent_locked=parent_locked,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in ("name", "short_name", "code", "kind", "sort_order", "is_active")}
        if not parent_locked:
            fields["parent"] = data["parent"]
        try:
            unit = services.unit_update(unit=unit, by=user, tags=data["tags"], **fields)  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存单位“%(name)s”。") % {"name": unit.name})
            return redirect("orgs:unit_detail", pk=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "unit": unit, "parent": unit.parent})


# --- people ---------------------------------------------------------------------------------
@login_required
@permission_required("orgs.browse_units", raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PersonFilterForm(request.GET or None, units=selectors.units_visible_to(user))
    people = selectors.people_visible_to(user)
    if form.is_bound and not form.is_valid():
        people = people.none()
        filters: dict[str, Any] = {}
    else:
        filters = form.cleaned_data if form.is_bound else {}
    people = selectors.search_people(
        people,
        q=(filters.get("q") or "").strip(),
        unit=filters.get("unit"),
        role=filters.get("role") or "",
        batch=filters.get("batch"),
    )
    page, base = paginate(request, people)
    check = selectors.pii_checker(user)
    rows = [selectors.person_row(p, unmasked=check(p)) for p in page]
    context = {
        "form": form,
        "page_obj": page,
        "querystring_base": base,
        "rows": rows,
        "can_add_person": bool(scope_paths(user, selectors.EDITOR_ROLES)),
    }
    template = "orgs/_person_rows.html" if is_htmx(request, "person-rows") else "orgs/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit", "user"), pk=pk)
    _require(request, "orgs.view_person", person)
    user = request.user
    can_edit = user.has_perm("orgs.change_person", person)
    can_create_account = can_edit and person.user_id is None and user.has_perm("accounts.assign_roles")
    context = {
        "person": person,
        "row": selectors.person_row(person, unmasked=user.has_perm("orgs.view_person_pii", person)),
        "ancestors": [
            (a, user.has_perm("orgs.view_unit", a)) for a in [*selectors.unit_ancestors(person.unit), person.unit]
        ],
        "can_view_unit": user.has_perm("orgs.view_unit", person.unit),
        "can_edit": can_edit,
        "can_create_account": can_create_account,
        "account_form": PersonAccountForm(initial={"username": person.code or f"p{person.pk}"})
        if can_create_account
        else None,
    }
    return render(request, "orgs/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not scope_paths(user, selectors.EDITOR_ROLES):
        raise PermissionDenied(_("您没有新增人员的权限。"))
    initial: dict[str, Any] = {"is_cadre": True}
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = get_object_or_404(Unit, pk=int(unit_id))
        _require(request, "orgs.change_person", unit)
        initial["unit"] = unit
    form = PersonForm(request.POST or None, initial=initial, units=selectors.units_editable_by(user))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                unit=form.cleaned_data["unit"],
                name=form.cleaned_data["name"],
                by=user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增人员“%(name)s”。") % {"name": person.name})
            return redirect("orgs:person_detail", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit"), pk=pk)
    _require(request, "orgs.change_person", person)
    user = request.user
    form = PersonForm(
        request.POST or None,
        person=person,
        show_pii=user.has_perm("orgs.view_person_pii", person),
        units=selectors.units_editable_by(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_update(
                person=Person.objects.select_related("unit").get(pk=person.pk),
                by=user,  # type: ignore[arg-type]
                unit=form.cleaned_data["unit"],
                name=form.cleaned_data["name"],
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存人员“%(name)s”。") % {"name": person.name})
            return redirect("orgs:person_detail", pk=person.pk)
    return render(request, "orgs/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_account_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a login account (role: cadre) for a person; the initial password is shown once."""
    person = get_object_or_404(Person.objects.select_related("unit", "user"), pk=pk)
    _require(request, "orgs.change_person", person)
    _require(request, "accounts.assign_roles")
    form = PersonAccountForm(request.POST or None, initial={"username": person.code or f"p{person.pk}"})
    if person.user_id is not None:
        form.add_error(None, _("%(name)s 已有登录账号。") % {"name": person.name})
    elif request.method == "POST" and form.is_valid():
        try:
            account, password = services.person_account_create(
                person=person,
                username=form.cleaned_data["username"],
                by=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return no_store(
                render(
                    request,
                    "orgs/person_account_created.html",
                    {"person": person, "account": account, "password": password},
                )
            )
    return render(request, "orgs/person_account_form.html", {"form": form, "person": person})
