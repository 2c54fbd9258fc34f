"""Reading roster files (名册): the file checks, and the rows as raw cell values.

A roster is an .xlsx workbook with the sheets 单位 and 人员, or a .csv file with one of them (told
apart by its header row; see ``roster_format``). This module only reads: it refuses files that are
too big, not really .xlsx, zip bombs or undecodable text, finds the header row, maps headers
(Chinese or English) to column keys and returns each non-blank row with the row number the office
sees in Excel. Workbooks are read by ``roster_xlsx``.
Checking the cells is ``roster_clean``; matching against the database is ``roster_match``.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from .roster_format import COLUMNS, PEOPLE, SHEET_ALIASES, SHEET_TITLES, UNITS, Progress, RowError, expected_headers
from .roster_xlsx import NotAWorkbook, open_workbook

HEADER_SEARCH_ROWS = 5  # offices often put a title row above the header
XLSX_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old .xls format


def max_upload_bytes() -> int:
    return int(settings.ROSTER_MAX_UPLOAD_BYTES)


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "ROSTER_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 500_000))


class RosterFileError(Exception):
    def __init__(self, message: str, hint: str = "", sheet: str = "", row: int | None = None, column: str = ""):
        super().__init__(message)
        self.error = RowError(sheet=sheet, row=row, column=column, message=message, hint=hint)


@dataclass
class Sheet:
    kind: str  # UNITS or PEOPLE
    title: str  # as named in the file, for messages
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (Excel row number, {key: raw value})


def _norm_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    text = re.sub(r"\(.*?\)", "", text)  # "领导干部（是/否）" → "领导干部"
    return re.sub(r"[\s*_\-]", "", text)


def _alias_map(kind: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for name in (col.header, col.key, *col.aliases):
            mapping[_norm_header(name)] = col.key
    return mapping


ALIASES = {kind: _alias_map(kind) for kind in COLUMNS}


def _header_score(kind: str, cells: Iterable[Any]) -> int:
    return len({ALIASES[kind][h] for h in (_norm_header(c) for c in cells) if h in ALIASES[kind]})


def _map_header(kind: str, title: str, row_number: int, cells: list[Any]) -> dict[str, int]:
    """Column key → index; raises naming the missing required columns and the expected headers."""
    index: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = ALIASES[kind].get(_norm_header(cell))
        if key is None:
            continue
        if key in index:
            header = next(c.header for c in COLUMNS[kind] if c.key == key)
            raise RosterFileError(
                _("表头中“%(header)s”列出现了两次。") % {"header": header},
                _("删除或改名重复的列后重新上传。"),
                sheet=title,
                row=row_number,
            )
        index[key] = i
    missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in index]
    if missing:
        raise RosterFileError(
            _("表头缺少必填列：%(missing)s。") % {"missing": "、".join(missing)},
            _("第一行应为表头，可用的列为：%(expected)s（* 为必填）。可下载导入模板对照。")
            % {"expected": expected_headers(kind)},
            sheet=title,
            row=row_number,
        )
    return index


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip().strip("\u200b\ufeff"))


def _collect(
    kind: str, title: str, rows: Iterator[tuple[int, tuple[Any, ...]]], budget: list[int], progress: Progress | None
) -> Sheet:
    """Find the header among the first rows, then gather the non-blank rows as ``{key: raw}``."""
    sheet = Sheet(kind=kind, title=title)
    header: dict[str, int] | None = None
    first_header_like: tuple[int, list[Any]] | None = None
    for number, cells in rows:
        if header is None:
            if all(_is_blank(c) for c in cells):
                if number > HEADER_SEARCH_ROWS:
                    break
                continue
            values = list(cells)
            first_header_like = first_header_like or (number, values)
            if _header_score(kind, values) >= 2:
                header = _map_header(kind, title, number, values)
                continue
            if number >= HEADER_SEARCH_ROWS:
                break
            continue
        if all(_is_blank(c) for c in cells):
            continue
        budget[0] -= 1
        if budget[0] < 0:
            raise RosterFileError(
                _("文件行数超过上限 %(limit)s 行。") % {"limit": max_rows()},
                _("请把名册拆成几个文件分别导入。"),
                sheet=title,
            )
        sheet.rows.append((number, {key: cells[i] if i < len(cells) else None for key, i in header.items()}))
        if progress is not None and len(sheet.rows) % 5000 == 0:
            progress("read", len(sheet.rows), None)
    if header is None:
        if first_header_like is None:
            raise RosterFileError(
                _("工作表“%(sheet)s”是空的。") % {"sheet": title},
                _("第一行应为表头：%(expected)s，数据从第二行开始。") % {"expected": expected_headers(kind)},
                sheet=title,
            )
        _map_header(kind, title, *first_header_like)  # raises, naming the missing columns
        raise RosterFileError(
            _("没有找到表头。"), _("第一行应为表头：%(expected)s。") % {"expected": expected_headers(kind)}
        )
    if not sheet.rows:
        raise RosterFileError(
            _("工作表“%(sheet)s”中没有数据行。") % {"sheet": title},
            _("在表头下方逐行填写数据后重新上传。"),
            sheet=title,
        )
    return sheet


def _file_size(source: IO[bytes]) -> int:
    position = source.tell()
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(position)
    return size


def _head(source: IO[bytes], n: int = 8) -> bytes:
    source.seek(0)
    data = source.read(n)
    source.seek(0)
    return data


def _not_xlsx() -> RosterFileError:
    return RosterFileError(
        _("这不是 Excel .xlsx 文件，无法读取。"),
        _("请在 Excel/WPS 中“另存为” .xlsx 工作簿或 CSV UTF-8（逗号分隔）文件后重新上传。"),
    )


def _check_zip(source: IO[bytes]) -> None:
    """Refuse zip bombs before anything is inflated: bound the members and their total size."""
    try:
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_xlsx() from exc
    if len(infos) > 10_000 or sum(i.file_size for i in infos) > max_uncompressed_bytes():
        raise RosterFileError(
            _("文件解压后过大（超过 %(mb)s MB），已拒绝读取。") % {"mb": max_uncompressed_bytes() // (1024 * 1024)},
            _("请只保留名册数据，删除图片等内容，或拆成几个文件分别导入。"),
        )
    if not any(i.filename == "[Content_Types].xml" for i in infos):
        raise _not_xlsx()


def _read_xlsx(source: IO[bytes], progress: Progress | None) -> list[Sheet]:
    _check_zip(source)
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            workbook = open_workbook(archive)
            by_kind: dict[str, tuple[str, str]] = {}
            for title, member in workbook.sheets:
                name = _norm_header(title)
                for kind, aliases in SHEET_ALIASES.items():
                    if name in {_norm_header(a) for a in aliases} and kind not in by_kind:
                        by_kind[kind] = (title, member)
            if not by_kind:
                # No sheet named 单位/人员: tell each sheet's kind from its header row.
                for title, member in workbook.sheets:
                    head = (cells for _number, cells in itertools.islice(workbook.rows(member), HEADER_SEARCH_ROWS))
                    detected = _detect_kind(head)
                    if detected and detected not in by_kind:
                        by_kind[detected] = (title, member)
            if not by_kind:
                raise RosterFileError(
                    _("工作簿中没有“单位”或“人员”工作表。"),
                    _("把工作表命名为“单位”和“人员”，或下载导入模板照填。"),
                )
            budget = [max_rows()]
            sheets = []
            for kind in (UNITS, PEOPLE):
                if kind in by_kind:
                    title, member = by_kind[kind]
                    sheets.append(_collect(kind, title, workbook.rows(member), budget, progress))
            return sheets
    except (NotAWorkbook, zipfile.BadZipFile, OSError) as exc:
        raise _not_xlsx() from exc


def _detect_kind(rows: Iterable[Iterable[Any]]) -> str | None:
    best: tuple[int, str | None] = (0, None)
    for cells in rows:
        values = list(cells)
        units, people = _header_score(UNITS, values), _header_score(PEOPLE, values)
        if max(units, people) >= 2 and units != people:
            score = (max(units, people), UNITS if units > people else PEOPLE)
            if score[0] > best[0]:
                best = score
    return best[1]


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (what Excel on Chinese Windows saves)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(
        _("无法识别 CSV 文件的文字编码。"),
        _("请在 Excel/WPS 中“另存为” CSV UTF-8（逗号分隔）或 .xlsx 文件后重新上传。"),
    )


def _read_csv(source: IO[bytes], progress: Progress | None) -> list[Sheet]:
    source.seek(0)
    data = source.read()
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise RosterFileError(
            _("CSV 文件格式有误：%(error)s。") % {"error": exc},
            _("请在 Excel/WPS 中重新“另存为” CSV UTF-8（逗号分隔）文件。"),
        ) from exc
    kind = _detect_kind(records[:HEADER_SEARCH_ROWS])
    if kind is None:
        raise RosterFileError(
            _("无法从表头判断这是单位表还是人员表。"),
            _("单位表的表头：%(units)s；人员表的表头：%(people)s。")
            % {"units": expected_headers(UNITS), "people": expected_headers(PEOPLE)},
            row=1,
        )
    rows = ((n, tuple(r)) for n, r in enumerate(records, start=1))
    return [_collect(kind, SHEET_TITLES[kind], rows, [max_rows()], progress)]


def read_roster(source: Path | IO[bytes], filename: str, progress: Progress | None = None) -> list[Sheet]:
    """The sheets of a roster file, or ``RosterFileError`` saying what is wrong with the file.

    ``filename`` is the name the office gave the file (a saved upload has a random name on disk).
    """
    if isinstance(source, Path):
        with source.open("rb") as fh:
            return _read(fh, filename, progress)
    return _read(source, filename, progress)


def _read(source: IO[bytes], filename: str, progress: Progress | None) -> list[Sheet]:
    size = _file_size(source)
    limit = max_upload_bytes()
    if size > limit:
        raise RosterFileError(
            _("文件过大（%(size).1f MB），上限为 %(limit).1f MB。")
            % {"size": size / 1048576, "limit": limit / 1048576},
            _("请删除多余的工作表、图片和空行，或拆成几个文件分别导入。"),
        )
    if size == 0:
        raise RosterFileError(_("文件是空的。"), _("请选择填好数据的名册文件。"))
    suffix = Path(filename).suffix.lower()
    head = _head(source)
    if suffix == ".xlsx" or (suffix != ".csv" and head.startswith(XLSX_SIGNATURE)):
        if not head.startswith(XLSX_SIGNATURE):
            raise _not_xlsx()
        return _read_xlsx(source, progress)
    if suffix == ".csv":
        if head.startswith((XLSX_SIGNATURE, OLE_SIGNATURE)):
            raise RosterFileError(
                _("这个 .csv 文件实际上是 Excel 工作簿。"), _("请把文件扩展名改为 .xlsx，或另存为 CSV UTF-8 文件。")
            )
        return _read_csv(source, progress)
    if head.startswith(OLE_SIGNATURE) or suffix == ".xls":
        raise RosterFileError(
            _("不支持旧版 Excel .xls 文件。"), _("请在 Excel/WPS 中“另存为” .xlsx 工作簿后重新上传。")
        )
    raise RosterFileError(
        _("不支持的文件类型“%(suffix)s”。") % {"suffix": suffix or filename},
        _("请上传 .xlsx 工作簿或 .csv 文件。"),
    )
