"""Roster import scope: a liaison imports only inside their own subtree; the office only under the chosen unit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from taolun.orgs.models import Person, Unit

from .roster_files import ID_1, db_counts, messages, person_row, run, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def unchanged(org):
    before = db_counts()
    yield
    assert db_counts() == before


def test_liaison_imports_into_their_own_street(org):
    units = [["C-A9", "甲九社区", "", "社区村", "", "", ""]]
    rows = [person_row("P-1", "王五", "C-A9"), person_row("P-2", "赵六", "C-A1")]
    report = run(xlsx_bytes(units, rows), under=org.street_a, by=org.user("liaison"))
    assert report.ok, messages(report)
    assert Unit.objects.get(code="C-A9").parent == org.street_a
    assert Person.objects.filter(code__in=["P-1", "P-2"]).count() == 2


def test_liaison_cannot_import_under_another_street(org, unchanged):
    with pytest.raises(PermissionDenied):
        run(xlsx_bytes(None, [person_row("P-1", "王五", "C-B1")]), under=org.street_b, by=org.user("liaison"))


def test_liaison_cannot_import_at_the_top_level(org, unchanged):
    with pytest.raises(PermissionDenied):
        run(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]), under=None, by=org.user("liaison"))


def test_liaison_cannot_create_a_unit_in_another_street(org, unchanged):
    units = [["C-B9", "乙九社区", "S-B", "社区村", "", "", ""]]
    report = run(xlsx_bytes(units, None), under=org.street_a, by=org.user("liaison"))
    assert not report.ok
    (error,) = report.errors
    assert error.column == "上级单位代码" and "导入范围“甲街道”之外" in error.message


def test_liaison_cannot_import_people_into_another_streets_unit(org, unchanged):
    report = run(xlsx_bytes(None, [person_row("P-1", "王五", "C-B1")]), under=org.street_a, by=org.user("liaison"))
    (error,) = report.errors
    assert error.column == "单位代码" and "不在导入范围“甲街道”之内" in error.message


def test_liaison_cannot_change_a_unit_of_another_street_by_its_code(org, unchanged):
    units = [["C-B1", "改名", "S-A", "社区村", "", "", ""]]
    report = run(xlsx_bytes(units, None), under=org.street_a, by=org.user("liaison"))
    (error,) = report.errors
    assert error.column == "单位代码" and "之外的单位使用" in error.message
    assert Unit.objects.get(code="C-B1").name == "乙一社区"


def test_liaison_cannot_pull_a_person_of_another_street_in_by_their_code(org, unchanged):
    rows = [person_row(org.person_b.code, "李四", "C-A1")]
    report = run(xlsx_bytes(None, rows), under=org.street_a, by=org.user("liaison"))
    (error,) = report.errors
    assert error.column == "人员编号" and "之外的人员名下" in error.message
    assert Person.objects.get(pk=org.person_b.pk).unit == org.community_b


def test_liaison_b_cannot_pull_a_person_in_by_their_id_number(org, unchanged):
    rows = [person_row("P-NEW", "张三", "C-B1", id_number=ID_1)]
    report = run(xlsx_bytes(None, rows), under=org.street_b, by=org.user("liaison_b"))
    (error,) = report.errors
    assert error.column == "身份证号" and "之外的人员名下" in error.message


def test_liaison_cannot_move_the_street_itself_out_of_their_scope(org, unchanged):
    units = [["S-A", "甲街道", "S-B", "街道乡镇", "", "街道", 0]]
    report = run(xlsx_bytes(units, None), under=org.street_a, by=org.user("liaison"))
    assert not report.ok and "之外" in messages(report)


def test_office_import_under_a_street_stays_inside_that_street(org, unchanged):
    report = run(xlsx_bytes(None, [person_row("P-1", "王五", "C-B1")]), under=org.street_a, by=org.user("office"))
    assert not report.ok and "导入范围“甲街道”" in report.errors[0].message


def test_office_may_import_at_the_top_level(org):
    report = run(xlsx_bytes([["CITY", "某市", "", "市", "", "", ""]], None), under=None, by=org.user("office"))
    assert report.ok, messages(report)
    assert Unit.objects.get(code="CITY").parent is None
