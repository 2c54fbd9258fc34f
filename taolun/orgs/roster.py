"""Rosters (名册): import, export and the blank template, in the workbook format offices keep.

The format: an .xlsx workbook with the sheets 单位 and 人员 (or a .csv holding one of them); see
``roster_parse`` for the columns. ``roster_import`` checks every row before writing anything;
``roster_export`` writes the same sheets and headers, so an exported file imports back unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from taolun.core.services import audit_record
from taolun.core.xlsx import clean

from .models import Person, Unit
from .roster_format import COLUMNS, KIND_WORDS, PEOPLE, SHEET_TITLES, UNITS, Column
from .roster_import import ImportReport, KindCounts, PreviewRow, RowError, roster_import
from .selectors import person_row, pii_checker

if TYPE_CHECKING:
    from taolun.accounts.models import User

__all__ = [
    "ImportReport",
    "KindCounts",
    "PreviewRow",
    "RowError",
    "roster_export",
    "roster_import",
    "roster_template",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = {"name": 24, "code": 14, "unit_code": 14, "parent_code": 14, "phone": 16, "id_number": 22, "position": 16}
TEXT_COLUMNS = {"code", "unit_code", "parent_code", "phone", "id_number"}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3EFEC")


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _prepare(ws: Any, columns: tuple[Column, ...], *, write_only: bool) -> None:
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[_letter(i)].width = WIDTHS.get(col.key, 10)
    ws.freeze_panes = "A2"
    if write_only:
        cells = []
        for col in columns:
            cell = WriteOnlyCell(ws, value=col.header)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cells.append(cell)
        ws.append(cells)
    else:
        ws.append([c.header for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _row_cells(ws: Any, columns: tuple[Column, ...], values: list[Any]) -> list[Any]:
    """Codes and numbers go in as text cells, so Excel keeps leading zeros and all 18 ID digits."""
    cells = []
    for col, value in zip(columns, values, strict=True):
        cell = WriteOnlyCell(ws, value=clean(value) if isinstance(value, str) else value)
        if isinstance(cell.value, str):
            cell.data_type = "s"  # user text stays text, even when it starts with "="
        if col.key in TEXT_COLUMNS:
            cell.number_format = "@"
        cells.append(cell)
    return cells


def roster_export(*, root: Unit, by: User | None, unmasked: bool = False) -> bytes:
    """The subtree of ``root`` as a roster workbook.

    Phone and ID numbers are masked unless the viewer may see that person's in clear
    (``orgs.view_person_pii``); from the command line (``by=None``) only with ``unmasked``.
    """
    if by is not None and not by.has_perm("orgs.export_roster", root):
        raise PermissionDenied(_("您没有权限导出该单位的名册。"))
    may_see: Callable[[Person], bool] = pii_checker(by) if by is not None else (lambda person: unmasked)
    workbook = Workbook(write_only=True)
    units_ws = workbook.create_sheet(SHEET_TITLES[UNITS])
    _prepare(units_ws, COLUMNS[UNITS], write_only=True)
    tags: dict[int, list[str]] = {}
    through = Unit.tags.through.objects.filter(unit__path__startswith=root.path)
    for unit_id, name in through.order_by("tag__name").values_list("unit_id", "tag__name").iterator(chunk_size=5000):
        tags.setdefault(unit_id, []).append(name)
    units = (
        Unit.objects.subtree(root)
        .order_by("path")
        .values_list("id", "code", "name", "parent__code", "kind", "short_name", "sort_order")
    )
    unit_count = 0
    for pk, code, name, parent_code, kind, short_name, sort_order in units.iterator(chunk_size=5000):
        values = [
            code,
            name,
            parent_code or "",
            KIND_WORDS.get(kind, kind),
            short_name,
            "、".join(tags.get(pk, [])),
            sort_order,
        ]
        units_ws.append(_row_cells(units_ws, COLUMNS[UNITS], values))
        unit_count += 1

    people_ws = workbook.create_sheet(SHEET_TITLES[PEOPLE])
    _prepare(people_ws, COLUMNS[PEOPLE], write_only=True)
    people = (
        Person.objects.in_subtree(root)
        .filter(is_active=True)
        .select_related("unit")
        .order_by("unit__path", "-is_leading_cadre", "name", "id")
    )
    person_count = masked_count = 0
    for person in people.iterator(chunk_size=5000):
        clear = may_see(person)
        row = person_row(person, unmasked=clear)
        values = [row["code"], row["name"], row["unit_code"], row["position"], _yes(row["is_leading_cadre"])]
        values += [_yes(row["is_party_member"]), _yes(row["is_cadre"]), row["phone"], row["id_number"]]
        values.append(row["training_batch"])
        people_ws.append(_row_cells(people_ws, COLUMNS[PEOPLE], values))
        person_count += 1
        masked_count += 0 if clear else 1
    out = io.BytesIO()
    workbook.save(out)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="orgs.roster.export",
            obj=root,
            after={"units": unit_count, "people": person_count, "masked": masked_count},
            unit_path=root.path,
        )
    return out.getvalue()


TEMPLATE_EXAMPLES = {
    UNITS: [
        ["S-001", "示例街道", "", "街道乡镇", "示例", "街道", 1],
        ["C-001", "示例社区", "S-001", "社区村", "", "社区", 1],
    ],
    PEOPLE: [["P0001", "张三", "C-001", "社区书记", "是", "是", "是", "13800001234", "11010519491231002X", 1]],
}


def roster_template() -> bytes:
    """An empty roster with the headers, example rows and a 说明 sheet explaining every column."""
    workbook = Workbook()
    first = workbook.active
    for kind in (UNITS, PEOPLE):
        ws = workbook.create_sheet(SHEET_TITLES[kind])
        _prepare(ws, COLUMNS[kind], write_only=False)
        for i, col in enumerate(COLUMNS[kind], start=1):
            if col.key in TEXT_COLUMNS:
                ws.column_dimensions[_letter(i)].number_format = "@"
        for values in TEMPLATE_EXAMPLES[kind]:
            ws.append(values)
    if first is not None:
        workbook.remove(first)
    notes = workbook.create_sheet("说明")
    notes.column_dimensions["A"].width = 10
    notes.column_dimensions["B"].width = 16
    notes.column_dimensions["C"].width = 8
    notes.column_dimensions["D"].width = 70
    notes.column_dimensions["E"].width = 22
    notes.append([_("名册导入说明")])
    notes["A1"].font = Font(bold=True, size=14)
    intro = [
        _("“单位”表和“人员”表的第一行是表头，请勿改动；数据从第二行开始，示例行请删除后再填写。"),
        _("带 * 的列必填。再次导入同一名册时，单位按单位代码、人员按人员编号（没有编号时按身份证号）更新，不会重复。"),
        _("整个文件先全部检查：只要有一处错误，就不会写入任何数据，并逐行列出错误和修改方法。"),
        _("也可以上传只含一张表的 CSV 文件（UTF-8 或 Excel 默认的 GBK 编码）。"),
    ]
    for line in intro:
        notes.append([line])
    notes.append([])
    notes.append([_("工作表"), _("列名"), _("必填"), _("说明"), _("示例")])
    for cell in notes[notes.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for kind in (UNITS, PEOPLE):
        for col in COLUMNS[kind]:
            notes.append([SHEET_TITLES[kind], col.header, _("是") if col.required else "", str(col.help), col.example])
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
