"""Roster export and the template: same sheets and headers as the import, masked by role, round-trips."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, Unit
from taolun.orgs.roster import roster_export, roster_template

from .roster_files import ID_1, PERSON_HEADERS, UNIT_HEADERS, db_counts, messages, run

pytestmark = pytest.mark.django_db


def sheets(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def people_by_name(data: bytes) -> dict[str, dict]:
    rows = sheets(data)["人员"]
    width = len(rows[0])
    return {r[1]: dict(zip(rows[0], (*r, *[None] * (width - len(r))), strict=True)) for r in rows[1:]}


def test_export_has_the_import_sheets_and_headers(org):
    book = sheets(roster_export(root=org.district, by=org.user("office")))
    assert list(book) == ["单位", "人员"]
    assert list(book["单位"][0]) == UNIT_HEADERS and list(book["人员"][0]) == PERSON_HEADERS
    units = {r[0]: r for r in book["单位"][1:]}
    assert set(units) == {"D001", "S-A", "S-B", "C-A1", "C-B1", "DEP-FG"}
    assert units["S-A"][2:4] == ("D001", "街道乡镇") and units["S-A"][5] == "街道"
    assert units["D001"][2] is None  # top level: blank parent


def test_office_export_shows_phone_and_id_number_in_clear(org):
    people = people_by_name(roster_export(root=org.district, by=org.user("office")))
    assert people["张三"]["手机号"] == "13800001234" and people["张三"]["身份证号"] == ID_1
    assert people["张三"]["党员"] == "是" and people["李四"]["领导干部"] == "是"


def test_liaison_export_masks_phone_and_id_number(org):
    people = people_by_name(roster_export(root=org.street_a, by=org.user("liaison")))
    assert set(people) == {"张三"}
    assert people["张三"]["手机号"] == "138****1234" and people["张三"]["身份证号"] == "1101**********002X"


def test_command_line_export_is_masked_unless_asked_unmasked(org):
    masked = people_by_name(roster_export(root=org.district, by=None))
    clear = people_by_name(roster_export(root=org.district, by=None, unmasked=True))
    assert masked["李四"]["手机号"] == "139****5678" and clear["李四"]["手机号"] == "13900005678"


def test_liaison_cannot_export_another_street(org):
    with pytest.raises(PermissionDenied):
        roster_export(root=org.street_b, by=org.user("liaison"))


def test_export_is_recorded_in_the_audit_log(org):
    roster_export(root=org.street_a, by=org.user("liaison"))
    entry = AuditEntry.objects.get(action="orgs.roster.export")
    assert entry.after == {"units": 2, "people": 1, "masked": 1} and entry.unit_path == org.street_a.path


def test_export_reads_with_a_fixed_number_of_queries(org, django_assert_num_queries):
    for i in range(30):
        Person.objects.create(name=f"人{i}", unit=org.community_b, code=f"Q{i}")
    office = org.user("office")
    roster_export(root=org.street_a, by=office)  # warm the role cache
    # tags, units, people, then the audit entry's savepoint, insert and release
    with django_assert_num_queries(6):
        roster_export(root=org.district, by=office)


def test_export_then_import_leaves_everything_unchanged(org):
    data = roster_export(root=org.district, by=org.user("office"))
    before = db_counts()
    report = run(data, filename="export.xlsx", under=org.district, by=org.user("office"))
    assert report.ok, messages(report)
    assert (report.units.unchanged, report.people.unchanged) == (6, 2)
    assert (report.units.created + report.units.updated, report.people.created + report.people.updated) == (0, 0)
    assert db_counts()[:2] == before[:2]


def test_a_liaisons_masked_export_imports_back_unchanged(org):
    data = roster_export(root=org.street_a, by=org.user("liaison"))
    report = run(data, filename="masked.xlsx", under=org.street_a, by=org.user("liaison"))
    assert report.ok, messages(report)
    assert (report.units.unchanged, report.people.unchanged) == (2, 1)
    person = Person.objects.get(pk=org.person_a.pk)
    assert (person.phone, person.id_number) == ("13800001234", ID_1)


def test_template_has_headers_an_example_and_a_note_sheet(org):
    book = sheets(roster_template())
    assert list(book) == ["单位", "人员", "说明"]
    assert list(book["单位"][0]) == UNIT_HEADERS and list(book["人员"][0]) == PERSON_HEADERS
    notes = "\n".join(str(c) for row in book["说明"] for c in row if c)
    for header in UNIT_HEADERS + PERSON_HEADERS:
        assert header in notes
    assert "不会写入任何数据" in notes


def test_the_template_example_imports_cleanly(org):
    report = run(roster_template(), filename="模板.xlsx", under=org.street_a, by=org.user("liaison"))
    assert report.ok, messages(report)
    assert Unit.objects.get(code="C-001").parent.code == "S-001"
    assert Person.objects.get(code="P0001").unit.code == "C-001"
