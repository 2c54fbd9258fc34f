"""User text written into spreadsheets stays text: a leading "=" never becomes a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from taolun.core.xlsx import text_cell


def written(*values: object) -> list[object]:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("s")
    ws.append([text_cell(ws, v) for v in values])
    out = io.BytesIO()
    workbook.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    return [(cell.value, cell.data_type) for cell in next(sheet.iter_rows())]


def test_text_that_looks_like_a_formula_is_kept_as_text():
    assert written('=HYPERLINK("http://x","点我")', "张三", 7) == [
        ('=HYPERLINK("http://x","点我")', "s"),
        ("张三", "s"),
        (7, "n"),
    ]


def test_control_characters_xml_cannot_hold_are_dropped():
    assert written("甲\x01乙") == [("甲乙", "s")]
