"""Reading an Excel ledger file (台账) for import: the file checks, the header, and the rows as raw cell values.

The file must really be an .xlsx workbook (the first bytes and the archive's parts decide, not the name),
not too big, not a zip bomb, and hold no more than ``PROBLEMS_IMPORT_MAX_ROWS`` rows. The header row is
found among the first rows of the first sheet that has one, by matching column names: a title row above
it, extra columns and any column order are fine. Each non-blank row comes back with the row number the
office sees in Excel. Checking the values is ``imports``.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from .ledger_format import COLUMNS, HEADER_KEYS, norm

HEADER_SEARCH_ROWS = 10
XLSX_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old .xls format
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_UNCOMPRESSED = 200 * 1024 * 1024
# Columns read only to be shown: a row holding nothing else is blank.
SHOWN_ONLY = {c.key for c in COLUMNS if not c.imported} | {"seq"}


def max_upload_bytes() -> int:
    return int(getattr(settings, "PROBLEMS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_rows() -> int:
    return int(settings.PROBLEMS_IMPORT_MAX_ROWS)


@dataclass
class RowError:
    """One thing wrong, where the office will find it: the Excel row (None: the whole file) and column."""

    row: int | None
    column: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row} if self.row else _("文件")
        column = f"［{self.column}］" if self.column else ""
        hint = f" —— {self.hint}" if self.hint else ""
        return f"{where}{column}：{self.message}{hint}"


class LedgerFileError(Exception):
    def __init__(self, message: str, hint: str = "", row: int | None = None) -> None:
        super().__init__(message)
        self.error = RowError(row=row, column="", message=message, hint=hint)


@dataclass
class Sheet:
    title: str
    header_row: int
    columns: dict[str, int]  # column key → index
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def expected_headers() -> str:
    return "、".join(f"{c.header}{'*' if c.required else ''}" for c in COLUMNS if c.imported)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip().strip("\u200b\ufeff"))


def _size(source: IO[bytes]) -> int:
    position = source.tell()
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(position)
    return size


def _not_xlsx() -> LedgerFileError:
    return LedgerFileError(
        _("这不是 Excel .xlsx 文件，无法读取。"),
        _("请在 Excel/WPS 中把台账“另存为” .xlsx 工作簿后重新上传；改扩展名不能改变文件类型。"),
    )


def check_file(source: IO[bytes]) -> None:
    """Refuse what is not a small, real .xlsx workbook before anything is parsed."""
    size = _size(source)
    limit = max_upload_bytes()
    if size == 0:
        raise LedgerFileError(_("文件是空的。"), _("请选择填好数据的台账文件。"))
    if size > limit:
        raise LedgerFileError(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": size / 1048576, "limit": limit / 1048576},
            _("请删除图片和多余的工作表，或拆成几个文件分别导入。"),
        )
    source.seek(0)
    head = source.read(8)
    source.seek(0)
    if head.startswith(OLE_SIGNATURE):
        raise LedgerFileError(
            _("不支持旧版 Excel .xls 文件。"), _("请在 Excel/WPS 中“另存为” .xlsx 工作簿后重新上传。")
        )
    if not head.startswith(XLSX_SIGNATURE):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_xlsx() from exc
    finally:
        source.seek(0)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_xlsx()
    if len(infos) > 5000 or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise LedgerFileError(
            _("文件解压后过大，已拒绝读取。"), _("请只保留台账数据，删除图片等内容，或拆成几个文件分别导入。")
        )


def _header(cells: tuple[Any, ...], row_number: int) -> dict[str, int] | None:
    """The column keys of a header row (None when the row is not one); raises on duplicates or missing columns."""
    keys = [HEADER_KEYS.get(norm(c)) if isinstance(c, str) else None for c in cells]
    if len({k for k in keys if k}) < 3:
        return None
    index: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        if key in index:
            header = next(c.header for c in COLUMNS if c.key == key)
            raise LedgerFileError(
                _("表头中“%(header)s”列出现了两次。") % {"header": header},
                _("删除或改名重复的列后重新上传。"),
                row=row_number,
            )
        index[key] = i
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise LedgerFileError(
            _("表头缺少必填列：%(missing)s。") % {"missing": "、".join(missing)},
            _("可用的列为：%(expected)s（* 为必填）。可下载导入模板对照。") % {"expected": expected_headers()},
            row=row_number,
        )
    return index


def _collect(title: str, rows: Any) -> Sheet | None:
    sheet: Sheet | None = None
    limit = max_rows()
    for number, cells in enumerate(rows, start=1):
        if sheet is None:
            if number > HEADER_SEARCH_ROWS:
                return None
            columns = _header(cells, number)
            if columns is not None:
                sheet = Sheet(title=title, header_row=number, columns=columns)
            continue
        values = {key: cells[i] if i < len(cells) else None for key, i in sheet.columns.items()}
        if all(_is_blank(v) for k, v in values.items() if k not in SHOWN_ONLY):
            continue
        if len(sheet.rows) >= limit:
            raise LedgerFileError(
                _("台账超过 %(limit)s 行的上限。") % {"limit": limit},
                _("请把台账拆成几个文件分别导入（每个不超过 %(limit)s 行）。") % {"limit": limit},
            )
        sheet.rows.append((number, values))
    return sheet


def read_ledger(source: IO[bytes]) -> Sheet:
    """The ledger's header and rows, or ``LedgerFileError`` saying what is wrong with the file."""
    from openpyxl import load_workbook

    check_file(source)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged archive
        raise _not_xlsx() from exc
    try:
        for ws in workbook.worksheets:
            sheet = _collect(ws.title, ws.iter_rows(values_only=True))
            if sheet is not None:
                if not sheet.rows:
                    raise LedgerFileError(
                        _("台账中没有数据行。"), _("在表头下方逐行填写问题后重新上传。"), row=sheet.header_row
                    )
                return sheet
    except LedgerFileError:
        raise
    except Exception as exc:
        raise _not_xlsx() from exc
    finally:
        workbook.close()
    raise LedgerFileError(
        _("没有找到台账的表头。"),
        _("表头应在前 %(n)s 行之内，列名为：%(expected)s（* 为必填）。可下载导入模板对照。")
        % {"n": HEADER_SEARCH_ROWS, "expected": expected_headers()},
    )
