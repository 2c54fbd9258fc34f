"""Roster import: good files create, re-imports update instead of duplicating, dry runs write nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, Unit

from .roster_files import (
    ID_1,
    ID_2,
    ID_3,
    PERSON_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    db_counts,
    messages,
    person_row,
    run,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

UNITS = [
    ["S-C", "丙街道", "", "街道乡镇", "丙街", "街道、城区", 3],
    ["C-C1", "丙一社区", "S-C", "社区", "", "社区", ""],
    ["C-C2", "丙二社区", "S-C", "community", "", "", 2],
]
PEOPLE = [
    person_row("P-1", "王五", "C-C1", phone="138 0000 1111", id_number=ID_2, leader="是", party="√", batch="第2批"),
    person_row("P-2", "赵六", "S-C", phone="024-12345678", party="Y"),
    person_row("", "钱七", "C-C2", id_number=ID_3, cadre="否"),
]


def test_good_xlsx_creates_units_under_the_import_root_with_paths_and_tags(org):
    report = run(xlsx_bytes(UNITS, PEOPLE), under=org.district)
    assert report.ok, messages(report)
    assert report.written
    assert (report.units.created, report.people.created) == (3, 3)
    street = Unit.objects.get(code="S-C")
    c1 = Unit.objects.get(code="C-C1")
    assert street.parent == org.district and street.kind == "street" and street.short_name == "丙街"
    assert street.path == f"{org.district.path}{street.pk}/" and street.depth == 1
    assert c1.parent == street and c1.path == f"{street.path}{c1.pk}/" and c1.depth == 2 and c1.kind == "community"
    assert sorted(street.tags.values_list("name", flat=True)) == ["城区", "街道"]
    assert street.sort_order == 3 and c1.sort_order == 0
    wang = Person.objects.get(code="P-1")
    assert (wang.unit, wang.phone, wang.id_number, wang.training_batch) == (c1, "13800001111", ID_2, 2)
    assert wang.is_leading_cadre and wang.is_party_member and wang.is_cadre
    assert Person.objects.get(code="P-2").phone == "024-12345678"
    qian = Person.objects.get(name="钱七")
    assert qian.code is None and not qian.is_cadre


def test_import_writes_one_summary_audit_entry_and_masked_entries_per_object(org):
    before = AuditEntry.objects.count()
    report = run(xlsx_bytes(UNITS, PEOPLE), filename="丙街道.xlsx", under=org.district, by=org.user("office"))
    assert report.ok, messages(report)
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("id")[before:]
    actions = [e.action for e in entries]
    assert actions.count("orgs.unit.create") == 3 and actions.count("orgs.person.create") == 3
    summary = AuditEntry.objects.get(action="orgs.roster.import")
    assert summary.note == "丙街道.xlsx" and summary.actor == org.user("office")
    assert summary.after["people"] == {"created": 3, "updated": 0, "unchanged": 0}
    wang = Person.objects.get(code="P-1")
    entry = AuditEntry.objects.get(action="orgs.person.create", object_id=str(wang.pk))
    assert entry.after["phone"] == "138****1111" and entry.after["id_number"] == "1101**********1233"
    assert entry.unit_path == wang.unit.path and entry.actor == org.user("office")


def test_good_csv_of_people_is_detected_from_its_header(org):
    data = csv_bytes(PERSON_HEADERS, [person_row("P-9", "孙八", "C-A1", phone="13900009999")])
    report = run(data, filename="people.csv", under=org.street_a)
    assert report.ok, messages(report)
    assert Person.objects.get(code="P-9").unit == org.community_a


def test_csv_of_units_is_detected_from_its_header(org):
    data = csv_bytes(UNIT_HEADERS, [["C-A2", "甲二社区", "S-A", "社区村", "", "", ""]])
    report = run(data, filename="units.csv", under=org.street_a)
    assert report.ok, messages(report)
    assert Unit.objects.get(code="C-A2").parent == org.street_a


def test_gbk_csv_saved_by_excel_imports_with_correct_chinese(org):
    data = csv_bytes(PERSON_HEADERS, [person_row("P-G", "欧阳娜娜", "C-A1")], encoding="gbk")
    report = run(data, filename="gbk.csv", under=org.street_a)
    assert report.ok, messages(report)
    assert Person.objects.get(code="P-G").name == "欧阳娜娜"


def test_utf8_csv_with_bom_imports(org):
    data = b"\xef\xbb\xbf" + csv_bytes(PERSON_HEADERS, [person_row("P-B", "周九", "C-A1")])
    report = run(data, filename="bom.csv", under=org.street_a)
    assert report.ok, messages(report)
    assert Person.objects.filter(code="P-B", name="周九").exists()


def test_english_headers_are_accepted(org):
    headers = ["code", "name", "unit_code", "position", "leading_cadre", "party_member", "cadre", "phone"]
    data = csv_bytes(headers, [["P-E", "Li Lei", "C-A1", "clerk", "no", "yes", "1", "13700001111"]])
    report = run(data, filename="en.csv", under=org.street_a)
    assert report.ok, messages(report)
    person = Person.objects.get(code="P-E")
    assert person.is_party_member and person.is_cadre and not person.is_leading_cadre


def test_header_may_sit_below_a_title_row_and_blank_rows_are_skipped(org):
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "人员"
    ws.append(["甲街道人员名单（2018年）"])
    ws.append(PERSON_HEADERS)
    ws.append(person_row("P-T", "吴十", "C-A1"))
    ws.append([None] * 10)
    ws.append(["", "  ", None])
    ws.append(person_row("P-U", "郑一", "C-A1"))
    out = io.BytesIO()
    wb.save(out)
    report = run(out.getvalue(), under=org.street_a)
    assert report.ok, messages(report)
    assert report.people.created == 2
    assert [p.row for p in report.preview_people] == [3, 6]


def test_reimporting_the_same_file_changes_nothing(org):
    data = xlsx_bytes(UNITS, PEOPLE)
    assert run(data, under=org.district).ok
    counts = db_counts()
    report = run(data, under=org.district)
    assert report.ok, messages(report)
    assert (report.units.unchanged, report.people.unchanged) == (3, 3)
    assert (report.units.created, report.units.updated, report.people.created, report.people.updated) == (0, 0, 0, 0)
    assert db_counts()[:2] == counts[:2]
    assert db_counts()[2] == counts[2] + 1  # only the summary entry


def test_reimport_updates_changed_fields_matched_by_code(org):
    assert run(xlsx_bytes(UNITS, PEOPLE), under=org.district).ok
    units = [list(r) for r in UNITS]
    units[1][1] = "丙一社区（新）"
    units[2][5] = "重点"
    people = [list(r) for r in PEOPLE]
    people[0][3] = "书记"
    people[0][2] = "C-C2"
    counts = db_counts()
    report = run(xlsx_bytes(units, people), under=org.district, by=org.user("office"))
    assert report.ok, messages(report)
    assert (report.units.updated, report.units.unchanged) == (2, 1)
    assert (report.people.updated, report.people.unchanged) == (1, 2)
    assert db_counts()[:2] == counts[:2]
    wang = Person.objects.get(code="P-1")
    assert wang.position == "书记" and wang.unit.code == "C-C2"
    assert list(Unit.objects.get(code="C-C2").tags.values_list("name", flat=True)) == ["重点"]
    entry = AuditEntry.objects.get(action="orgs.person.update", object_id=str(wang.pk))
    assert entry.before["position"] == "科员" and entry.after["position"] == "书记"
    assert [p.changes for p in report.preview_people if p.action == "update"] == [["职务", "单位代码"]]


def test_reimport_matches_people_by_id_number_when_the_code_is_new(org):
    assert run(xlsx_bytes(UNITS, PEOPLE), under=org.district).ok
    people = [person_row("NEW-3", "钱七", "C-C2", id_number=ID_3, cadre="否", phone="13500001234")]
    report = run(xlsx_bytes(None, people), under=org.district)
    assert report.ok, messages(report)
    assert (report.people.created, report.people.updated) == (0, 1)
    qian = Person.objects.get(id_number=ID_3)
    assert qian.code == "NEW-3" and qian.phone == "13500001234"
    assert Person.objects.filter(name="钱七").count() == 1


def test_an_existing_persons_id_number_matches_them_even_if_the_code_cell_is_blank(org):
    people = [person_row("", "张三", "C-A1", id_number=ID_1, party="是", phone="13800001234", cadre="是")]
    report = run(xlsx_bytes(None, people), under=org.street_a)
    assert report.ok, messages(report)
    assert report.people.created == 0
    assert Person.objects.get(pk=org.person_a.pk).code == org.person_a.code  # a blank code keeps the old one


def test_people_without_code_or_id_number_are_matched_by_name_within_their_unit(org):
    row = [person_row("", "孙无号", "C-A1", phone="13600001111")]
    assert run(xlsx_bytes(None, row), under=org.street_a).ok
    row[0][3] = "主任"
    report = run(xlsx_bytes(None, row), under=org.street_a)
    assert report.ok, messages(report)
    assert report.people.updated == 1 and Person.objects.filter(name="孙无号").count() == 1


def test_dry_run_counts_and_previews_but_writes_nothing(org):
    counts = db_counts()
    report = run(xlsx_bytes(UNITS, PEOPLE), under=org.district, dry_run=True)
    assert report.ok and not report.written
    assert (report.units.created, report.people.created) == (3, 3)
    assert [p.action for p in report.preview_units] == ["create"] * 3
    assert report.preview_people[0].values[7] == "138****1111"  # the preview masks numbers
    assert db_counts() == counts


def test_import_can_move_a_unit_and_its_subtree_to_a_new_parent(org):
    grandchild = Unit.objects.create(name="甲一小区", code="G-1", parent=org.community_a, path="", depth=3)
    grandchild.path = f"{org.community_a.path}{grandchild.pk}/"
    grandchild.save()
    rows = [["C-A1", "甲一社区", "S-B", "社区村", "", "", 0]]
    report = run(xlsx_bytes(rows, None), under=org.district, by=org.user("office"))
    assert report.ok, messages(report)
    assert report.units.updated == 1
    moved = Unit.objects.get(code="C-A1")
    assert moved.parent == org.street_b and moved.path == f"{org.street_b.path}{moved.pk}/" and moved.depth == 2
    grandchild.refresh_from_db()
    assert grandchild.path == f"{moved.path}{grandchild.pk}/" and grandchild.depth == 3


def test_new_units_may_hang_under_each_other_in_any_row_order(org):
    rows = [
        ["X-3", "三级", "X-2", "", "", "", ""],
        ["X-2", "二级", "X-1", "", "", "", ""],
        ["X-1", "一级", "", "", "", "", ""],
    ]
    report = run(xlsx_bytes(rows, None), under=org.department)
    assert report.ok, messages(report)
    x1, x2, x3 = (Unit.objects.get(code=c) for c in ("X-1", "X-2", "X-3"))
    assert x3.path == f"{org.department.path}{x1.pk}/{x2.pk}/{x3.pk}/" and x3.depth == 4
    assert Unit.objects.subtree(org.department).count() == 4


def test_command_line_import_without_root_puts_blank_parents_at_the_top_level(db):
    report = run(xlsx_bytes([["TOP", "某市", "", "市", "", "", ""]], None))
    assert report.ok, messages(report)
    top = Unit.objects.get(code="TOP")
    assert top.parent is None and top.path == f"{top.pk}/" and top.depth == 0
