"""Building roster files for the roster tests: workbooks and CSV text as offices make them."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, Unit
from taolun.orgs.roster import roster_import

UNIT_HEADERS = ["单位代码", "单位名称", "上级单位代码", "单位类型", "简称", "标签", "排序"]
PERSON_HEADERS = ["人员编号", "姓名", "单位代码", "职务", "领导干部", "党员", "干部", "手机号", "身份证号", "培训批次"]

# Valid resident ID numbers (check digits computed).
ID_1 = "11010519491231002X"
ID_2 = "110101199003071233"
ID_3 = "440305198501012349"
ID_4 = "210502198001010012"


def id_with_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def xlsx_bytes(
    units: list[list[Any]] | None = None,
    people: list[list[Any]] | None = None,
    *,
    unit_headers: list[str] = UNIT_HEADERS,
    person_headers: list[str] = PERSON_HEADERS,
) -> bytes:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    if units is not None:
        ws = wb.create_sheet("单位")
        ws.append(unit_headers)
        for row in units:
            ws.append(row)
    if people is not None:
        ws = wb.create_sheet("人员")
        ws.append(person_headers)
        for row in people:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(headers: list[str], rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    lines = [",".join(headers)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(data: bytes, filename: str = "名册.xlsx", **kwargs: Any):
    kwargs.setdefault("under", None)
    kwargs.setdefault("by", None)
    return roster_import(file_obj=io.BytesIO(data), filename=filename, **kwargs)


def db_counts() -> tuple[int, int, int]:
    return Unit.objects.count(), Person.objects.count(), AuditEntry.objects.count()


def messages(report) -> str:
    return "\n".join(f"{e.sheet}|{e.row}|{e.column}|{e.message}|{e.hint}" for e in report.errors)


def person_row(
    code, name, unit_code, *, phone="", id_number="", position="科员", leader="", party="", cadre="是", batch=""
):
    return [code, name, unit_code, position, leader, party, cadre, phone, id_number, batch]
