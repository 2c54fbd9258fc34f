"""The streaming .xlsx reader: the cell types and layouts Excel and WPS write."""

from __future__ import annotations

import io
import zipfile

import pytest

from taolun.orgs.roster_xlsx import NotAWorkbook, open_workbook

from .roster_files import PERSON_HEADERS, messages, person_row, run, xlsx_bytes

CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<x:sheets><x:sheet name="人员" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
)
WORKBOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="/xl/worksheets/data.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"'
    ' Target="strings.xml"/></Relationships>'
)
# Shared strings as Excel writes them for Chinese text: rich-text runs and phonetic guides (rPh).
STRINGS = (
    '<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    + "".join(f"<x:si><x:t>{h}</x:t></x:si>" for h in PERSON_HEADERS)
    + "<x:si><x:r><x:t>欧阳</x:t></x:r><x:r><x:t>娜娜</x:t></x:r><x:rPh sb='0' eb='2'><x:t>ōuyáng</x:t></x:rPh></x:si>"
    + "<x:si><x:t>C-A1</x:t></x:si></x:sst>"
)


def sheet_xml(rows: str) -> str:
    return (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:J9"/>'
        f"<x:sheetData>{rows}</x:sheetData></x:worksheet>"
    )


HEADER_ROW = '<x:row r="1">' + "".join(f'<x:c t="s"><x:v>{i}</x:v></x:c>' for i in range(10)) + "</x:row>"


def package(rows: str, *, sheet: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/strings.xml", STRINGS)
        archive.writestr("xl/worksheets/data.xml", sheet if sheet is not None else sheet_xml(HEADER_ROW + rows))
    return out.getvalue()


def rows_of(data: bytes) -> list[tuple[int, tuple]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = open_workbook(archive)
        ((title, member),) = workbook.sheets
        assert title == "人员"
        return list(workbook.rows(member))


def test_prefixed_namespaces_rich_text_phonetics_and_sparse_cells_are_read():
    data = package(
        '<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>P-1</x:t></x:is></x:c>'
        '<x:c r="B4" t="s"><x:v>10</x:v></x:c><x:c r="C4" t="s"><x:v>11</x:v></x:c>'
        '<x:c r="F4" t="b"><x:v>1</x:v></x:c><x:c r="H4"><x:v>13800001234</x:v></x:c>'
        '<x:c r="J4"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
    )
    header, row = rows_of(data)
    assert header == (1, tuple(PERSON_HEADERS))
    assert row == (4, ("P-1", "欧阳娜娜", "C-A1", None, None, True, None, 13800001234, None, 2))


def test_a_hand_made_workbook_imports_with_its_real_row_numbers(org):
    data = package(
        '<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:t>P-7</x:t></x:is></x:c>'
        '<x:c r="B7" t="s"><x:v>10</x:v></x:c><x:c r="C7" t="s"><x:v>11</x:v></x:c>'
        '<x:c r="H7" t="str"><x:v>12</x:v></x:c></x:row>'
    )
    report = run(data, under=org.street_a)
    assert not report.ok
    (error,) = report.errors
    assert (error.row, error.column) == (7, "手机号")


def test_numbers_stored_in_exponent_form_come_back_as_floats():
    data = package('<x:row r="2"><x:c r="I2"><x:v>1.10105194912310E+17</x:v></x:c></x:row>')
    assert rows_of(data)[1] == (2, (None,) * 8 + (1.1010519491231e17,))


def test_a_workbook_without_sheets_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", "<workbook><sheets/></workbook>")
    with zipfile.ZipFile(out) as archive, pytest.raises(NotAWorkbook):
        open_workbook(archive)


def test_broken_sheet_xml_is_reported_as_not_an_excel_file(org):
    report = run(package("", sheet="<x:worksheet><x:sheetData><x:row>"), under=org.street_a)
    assert "这不是 Excel .xlsx 文件" in messages(report)


def test_openpyxl_written_workbooks_with_shared_strings_read_the_same(org):
    report = run(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone=13800001234)]), under=org.street_a)
    assert report.ok, messages(report)
    assert report.preview_people[0].values[:3] == ["P-1", "王五", "C-A1"]
