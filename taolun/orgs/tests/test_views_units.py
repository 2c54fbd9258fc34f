"""The unit tree browser, the unit page and the unit forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from taolun.core.models import AuditEntry
from taolun.orgs.models import Unit
from tests.factories import PersonFactory, make_unit

HX = {"HTTP_HX_REQUEST": "true"}


def hx(target: str) -> dict[str, str]:
    return {**HX, "HTTP_HX_TARGET": target}


# --- tree ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_tree_starts_from_the_district_for_the_office(org, login):
    response = login(org.user("office")).get(reverse("orgs:unit_tree"))
    assert response.status_code == 200
    assert [u.code for u in response.context["roots"]] == ["D001"]
    content = response.content.decode()
    assert reverse("orgs:unit_children", args=[org.district.pk]) in content
    assert "下级单位 3 个" in content


@pytest.mark.django_db
def test_tree_starts_from_the_liaisons_own_street(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:unit_tree"))
    assert [u.code for u in response.context["roots"]] == ["S-A"]
    assert "乙街道" not in response.content.decode()


@pytest.mark.django_db
def test_tree_nodes_show_kind_code_tags_and_people_count(org, login):
    PersonFactory(unit=org.street_a)
    PersonFactory(unit=org.street_a, is_active=False)
    response = login(org.user("liaison")).get(reverse("orgs:unit_tree"))
    (node,) = response.context["roots"]
    assert (node.people_count, node.child_count) == (1, 1)
    content = response.content.decode()
    for text in ["甲街道", "街道乡镇", "S-A", '<span class="tag">街道</span>', "1 人"]:
        assert text in content


@pytest.mark.django_db
def test_tree_expands_children_lazily_as_an_htmx_partial(org, login):
    client = login(org.user("office"))
    response = client.get(reverse("orgs:unit_children", args=[org.district.pk]), **HX)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert {u.code for u in response.context["nodes"]} == {"S-A", "S-B", "DEP-FG"}
    # Children that have children of their own can be expanded in turn; leaves cannot.
    assert reverse("orgs:unit_children", args=[org.street_a.pk]) in content
    assert reverse("orgs:unit_children", args=[org.department.pk]) not in content


@pytest.mark.django_db
def test_children_url_without_htmx_sends_to_the_unit_page(org, login):
    response = login(org.user("office")).get(reverse("orgs:unit_children", args=[org.street_a.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:unit_detail", args=[org.street_a.pk])


@pytest.mark.django_db
def test_tree_is_keyboard_and_screen_reader_usable(org, login):
    content = login(org.user("office")).get(reverse("orgs:unit_tree")).content.decode()
    # Native disclosure widgets: focusable, toggled with Enter/Space, announced expanded/collapsed.
    assert "<details" in content and "<summary>" in content
    assert 'role="search"' in content
    assert '<label for="id_q">' in content
    # Without JavaScript the disclosure still leads to the children (via the unit page).
    assert "打开单位页查看下级单位" in content


@pytest.mark.django_db
def test_tree_search_finds_units_by_name_or_code_within_scope_with_their_place(org, login):
    client = login(org.user("liaison"))
    response = client.get(reverse("orgs:unit_tree"), {"q": "社区"})
    assert [u.code for u in response.context["results"]] == ["C-A1"]
    assert "示例区 › 甲街道 › " in response.content.decode()
    response = client.get(reverse("orgs:unit_tree"), {"q": "c-b"})
    assert response.context["results"] == []
    assert "没有找到" in response.content.decode()


@pytest.mark.django_db
def test_tree_search_answers_htmx_with_the_results_partial(org, login):
    response = login(org.user("office")).get(reverse("orgs:unit_tree"), {"q": "DEP"}, **hx("tree-body"))
    content = response.content.decode()
    assert "<html" not in content
    assert "区发展和改革局" in content
    assert 'hx-swap-oob="true"' in content and "找到 1 个单位" in content


@pytest.mark.django_db
def test_tree_search_caps_the_number_of_results(org, login, monkeypatch):
    from taolun.orgs import views

    monkeypatch.setattr(views, "SEARCH_LIMIT", 2)
    for i in range(3):
        make_unit(f"网格{i}", parent=org.community_a, code=f"G{i}")
    response = login(org.user("office")).get(reverse("orgs:unit_tree"), {"q": "网格"})
    assert len(response.context["results"]) == 2
    assert response.context["more_results"] is True


# --- unit page ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_unit_page_shows_summary_children_breadcrumbs_and_people(org, login):
    PersonFactory(unit=org.street_a, name="王五", is_leading_cadre=True)
    response = login(org.user("office")).get(reverse("orgs:unit_detail", args=[org.street_a.pk]))
    assert response.status_code == 200
    ctx = response.context
    assert ctx["summary"]["units"] == 2
    assert ctx["summary"]["total"] == 2
    assert ctx["summary"]["leaders"] == 1
    assert [c.code for c in ctx["children"]] == ["C-A1"]
    assert [a.code for a, _visible in ctx["ancestors"]] == ["D001"]
    assert [r["name"] for r in ctx["rows"]] == ["王五"]
    content = response.content.decode()
    assert reverse("orgs:unit_edit", args=[org.street_a.pk]) in content
    assert reverse("orgs:unit_detail", args=[org.district.pk]) in content


@pytest.mark.django_db
def test_unit_page_breadcrumbs_do_not_link_above_the_liaisons_scope(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:unit_detail", args=[org.community_a.pk]))
    content = response.content.decode()
    assert [(a.code, visible) for a, visible in response.context["ancestors"]] == [("D001", False), ("S-A", True)]
    assert reverse("orgs:unit_detail", args=[org.district.pk]) not in content
    assert reverse("orgs:unit_detail", args=[org.street_a.pk]) in content


@pytest.mark.django_db
def test_unit_page_people_paginate_as_an_htmx_partial(org, login, settings):
    settings.TAOLUN_PAGE_SIZE = 2
    for i in range(3):
        PersonFactory(unit=org.community_a, name=f"人{i}")
    client = login(org.user("office"))
    url = reverse("orgs:unit_detail", args=[org.community_a.pk])
    response = client.get(url, {"page": 2}, **hx("unit-people"))
    content = response.content.decode()
    assert "<html" not in content and "本单位及全部下级" not in content
    assert len(response.context["rows"]) == 2  # 4 people: 张三 and 人0–人2
    assert 'rel="prev"' in content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "publicity"])
def test_reviewers_and_publicity_staff_do_not_see_unit_pages(org, login, role):
    client = login(org.user(role))
    assert client.get(reverse("orgs:unit_detail", args=[org.street_a.pk])).status_code == 403
    assert client.get(reverse("orgs:unit_tree")).status_code == 403


# --- create and edit ----------------------------------------------------------------------
@pytest.mark.django_db
def test_liaison_creates_a_unit_under_their_street(org, login):
    client = login(org.user("liaison"))
    response = client.post(
        reverse("orgs:unit_create") + f"?parent={org.street_a.pk}",
        {"name": "甲二社区", "code": "C-A2", "kind": "community", "parent": "S-A", "tags": "社区，试点 试点"},
    )
    unit = Unit.objects.get(code="C-A2")
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs:unit_detail", args=[unit.pk])
    assert unit.parent == org.street_a
    assert unit.path == f"{org.street_a.path}{unit.pk}/"
    assert sorted(unit.tags.values_list("name", flat=True)) == ["社区", "试点"]
    assert AuditEntry.objects.filter(action="orgs.unit.create", object_id=str(unit.pk)).exists()


@pytest.mark.django_db
def test_unit_create_form_offers_only_parents_within_scope(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:unit_create"))
    field = response.context["form"].fields["parent"]
    assert field.as_select
    codes = [value for value, _label in field.widget.choices if value]
    assert codes == ["S-A", "C-A1"]


@pytest.mark.django_db
def test_unit_create_with_a_parent_outside_scope_is_an_error_next_to_the_field(org, login):
    client = login(org.user("liaison"))
    count = Unit.objects.count()
    response = client.post(
        reverse("orgs:unit_create"), {"name": "越权社区", "code": "X-1", "kind": "community", "parent": "S-B"}
    )
    assert response.status_code == 200
    assert "S-B" in response.context["form"].errors["parent"][0]
    assert "不在您的管理范围内" in response.content.decode()
    assert Unit.objects.count() == count


@pytest.mark.django_db
def test_unit_create_errors_are_shown_next_to_the_fields_and_nothing_is_saved(org, login):
    client = login(org.user("office"))
    count, audits = Unit.objects.count(), AuditEntry.objects.count()
    response = client.post(
        reverse("orgs:unit_create"), {"name": "新单位", "code": "S-A", "kind": "unit", "parent": "D001"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "已存在" in form.errors["code"][0]
    content = response.content.decode()
    assert 'class="field has-error"' in content
    assert 'id="id_code_error"' in content
    response = client.post(
        reverse("orgs:unit_create"), {"name": "新单位", "code": "坏 代码", "kind": "unit", "parent": "D001"}
    )
    assert "只能使用字母、数字" in response.context["form"].errors["code"][0]
    assert (Unit.objects.count(), AuditEntry.objects.count()) == (count, audits)


@pytest.mark.django_db
def test_global_office_may_create_a_top_level_unit_but_a_liaison_must_choose_a_parent(org, login):
    response = login(org.user("office")).post(
        reverse("orgs:unit_create"), {"name": "另一区", "code": "D002", "kind": "district", "parent": ""}
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="D002").parent is None
    response = login(org.user("liaison")).post(
        reverse("orgs:unit_create"), {"name": "另一区", "code": "D003", "kind": "district", "parent": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert not Unit.objects.filter(code="D003").exists()


@pytest.mark.django_db
def test_office_moves_a_unit_to_another_parent_with_its_subtree(org, login):
    grid = make_unit("网格一", parent=org.community_a, code="G-1")
    client = login(org.user("office"))
    response = client.post(
        reverse("orgs:unit_edit", args=[org.community_a.pk]),
        {"name": "甲一社区", "code": "C-A1", "kind": "community", "parent": "S-B", "tags": "", "is_active": "on"},
    )
    assert response.status_code == 302
    community = Unit.objects.get(pk=org.community_a.pk)
    grid.refresh_from_db()
    assert community.parent == org.street_b
    assert community.path == f"{org.street_b.path}{community.pk}/"
    assert grid.path == f"{community.path}{grid.pk}/"
    assert (community.depth, grid.depth) == (2, 3)


@pytest.mark.django_db
def test_moving_a_unit_under_its_own_child_is_an_error_on_the_parent_field(org, login):
    client = login(org.user("office"))
    path = Unit.objects.get(pk=org.street_a.pk).path
    response = client.post(
        reverse("orgs:unit_edit", args=[org.street_a.pk]),
        {"name": "甲街道", "code": "S-A", "kind": "street", "parent": "C-A1", "is_active": "on"},
    )
    assert response.status_code == 200
    # The picker never offers the unit's own subtree, so the code is "not found" there.
    assert response.context["form"].errors["parent"]
    assert Unit.objects.get(pk=org.street_a.pk).path == path


@pytest.mark.django_db
def test_liaison_edits_their_street_but_cannot_move_it(org, login):
    client = login(org.user("liaison"))
    url = reverse("orgs:unit_edit", args=[org.street_a.pk])
    form = client.get(url).context["form"]
    assert form.fields["parent"].disabled
    assert "示例区" in form.fields["parent"].widget.choices[0][1]
    response = client.post(
        url,
        {
            "name": "甲街道（新）",
            "code": "S-A",
            "kind": "street",
            "parent": "S-B",
            "tags": "街道 试点",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    street = Unit.objects.get(pk=org.street_a.pk)
    assert street.name == "甲街道（新）"
    assert street.parent == org.district  # the submitted parent is ignored: the field is locked
    assert sorted(street.tags.values_list("name", flat=True)) == ["街道", "试点"]


@pytest.mark.django_db
def test_unit_edit_errors_change_nothing(org, login):
    client = login(org.user("office"))
    response = client.post(
        reverse("orgs:unit_edit", args=[org.street_a.pk]),
        {"name": "", "code": "S-B", "kind": "street", "parent": "D001", "is_active": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "name" in errors
    assert Unit.objects.get(pk=org.street_a.pk).name == "甲街道"
    response = client.post(
        reverse("orgs:unit_edit", args=[org.street_a.pk]),
        {"name": "甲街道", "code": "S-B", "kind": "street", "parent": "D001", "is_active": "on"},
    )
    assert "已存在" in response.context["form"].errors["code"][0]
    assert Unit.objects.get(pk=org.street_a.pk).code == "S-A"


@pytest.mark.django_db
def test_large_scopes_get_a_code_field_instead_of_a_select(org, login, settings):
    settings.TAOLUN_UNIT_SELECT_LIMIT = 3
    client = login(org.user("office"))
    form = client.get(reverse("orgs:unit_create")).context["form"]
    field = form.fields["parent"]
    assert not field.as_select
    assert "单位代码" in str(field.help_text)
    response = client.post(
        reverse("orgs:unit_create"), {"name": "甲二社区", "code": "C-A2", "kind": "community", "parent": "S-A"}
    )
    assert response.status_code == 302
    assert Unit.objects.get(code="C-A2").parent == org.street_a
    response = client.post(
        reverse("orgs:unit_create"), {"name": "甲三社区", "code": "C-A3", "kind": "community", "parent": "NOPE"}
    )
    assert "NOPE" in response.context["form"].errors["parent"][0]


# --- counted queries ----------------------------------------------------------------------
def grow(org, size: int) -> None:
    """``size`` communities under each street, each with tags, ``size`` people and ``size`` grid units."""
    for street in (org.street_a, org.street_b):
        for i in range(size):
            unit = make_unit(f"{street.code}社区{i}", parent=street, kind="community", tags=["社区", f"片区{i % 3}"])
            for j in range(size):
                PersonFactory(unit=unit)
                make_unit(f"{unit.code}网格{j}", parent=unit)
            PersonFactory.create_batch(size, unit=street)


# Every page: session, user, role scopes, the viewer's roster entry, unread notifications (the nav). Then
# the page's own reads.
TREE_QUERIES = 7  # + scope roots with their counts, their tags
TREE_SEARCH_QUERIES = 8  # + matches with their counts, their tags, the names of their ancestors
CHILDREN_QUERIES = 8  # + the unit, its children with their counts, their tags
# For a liaison: + the unit, its tags, people count and page, children, their tags, subtree units and
# people aggregates, ancestors.
DETAIL_QUERIES = 14


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
def test_unit_tree_query_count_does_not_grow_with_the_tree(org, login, django_assert_num_queries, size):
    grow(org, size)
    client = login(org.user("office"))
    with django_assert_num_queries(TREE_QUERIES):
        client.get(reverse("orgs:unit_tree"))
    with django_assert_num_queries(TREE_SEARCH_QUERIES):
        client.get(reverse("orgs:unit_tree"), {"q": "社区"})


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
def test_unit_children_query_count_does_not_grow_with_the_tree(org, login, django_assert_num_queries, size):
    grow(org, size)
    client = login(org.user("office"))
    with django_assert_num_queries(CHILDREN_QUERIES):
        client.get(reverse("orgs:unit_children", args=[org.street_a.pk]), **HX)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 6])
def test_unit_detail_query_count_does_not_grow_with_the_tree(org, login, django_assert_num_queries, size):
    grow(org, size)
    client = login(org.user("liaison"))
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("orgs:unit_detail", args=[org.street_a.pk]))
    assert len(response.context["children"]) == size + 1
