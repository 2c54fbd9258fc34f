"""Checking each roster row on its own: formats, required cells, duplicates inside the file.

Every problem becomes a ``RowError`` that names the sheet, the Excel row, the column header, what is
wrong and how to fix it. Rows with a problem are left out of the result, so matching against the
database (``roster_import``) only sees rows that are well-formed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .masking import mask_id_number, mask_phone
from .models import Person, Unit
from .roster_format import COLUMNS, FALSE_WORDS, KIND_SYNONYMS, KIND_WORDS, PEOPLE, TRUE_WORDS, UNITS, RowError
from .roster_parse import Sheet
from .validators import clean_code, clean_id_number, clean_phone

TAG_SPLIT_RE = re.compile(r"[、,，;；\s]+")
BATCH_RE = re.compile(r"^第?(\d{1,5})(?:批|期|批次)?$")
KINDS = {**{v: k for k, v in KIND_WORDS.items()}, **{k: k for k in KIND_WORDS}, **KIND_SYNONYMS}


class ErrorSink:
    """Collects errors, keeping the first ``limit`` in full and counting the rest."""

    def __init__(self, limit: int = 1000) -> None:
        self.errors: list[RowError] = []
        self.count = 0
        self.limit = limit

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.errors) < self.limit:
            self.errors.append(error)


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    parent_code: str | None  # None: blank cell
    kind: str | None  # None: blank (keep, or "unit" when new)
    short_name: str
    tags: tuple[str, ...]
    sort_order: int | None  # None: blank (keep, or 0 when new)


@dataclass
class PersonRow:
    row: int
    code: str | None
    name: str
    unit_code: str
    position: str
    is_leading_cadre: bool
    is_party_member: bool
    is_cadre: bool
    phone: str  # cleaned, or the masked text when ``phone_masked``
    phone_masked: bool
    id_number: str | None
    id_masked: bool
    training_batch: int | None


def text(value: Any) -> str:
    """A cell as the office typed it: numbers without ``.0``, dates as ISO, invisible characters gone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def compact(value: Any) -> str:
    """For codes and numbers: full-width digits and letters folded to ASCII."""
    return unicodedata.normalize("NFKC", text(value)).strip()


def _max_length(model: type[Unit] | type[Person], field: str) -> int:
    return int(getattr(model._meta.get_field(field), "max_length", 0))


class _Row:
    def __init__(self, sink: ErrorSink, sheet: Sheet, number: int) -> None:
        self.sink, self.sheet, self.number, self.ok = sink, sheet, number, True
        self.headers = {c.key: c.header for c in COLUMNS[sheet.kind]}

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.ok = False
        self.sink.add(RowError(self.sheet.title, self.number, self.headers[key], message, hint))

    def required(self, raw: dict[str, Any], key: str, max_length: int) -> str:
        value = text(raw.get(key))
        if not value:
            self.error(key, _("“%(column)s”不能为空。") % {"column": self.headers[key]}, _("请填写后重新上传。"))
        elif len(value) > max_length:
            self.error(key, _("内容过长（%(n)s 字），最多 %(max)s 字。") % {"n": len(value), "max": max_length})
        return value

    def optional(self, raw: dict[str, Any], key: str, max_length: int) -> str:
        value = text(raw.get(key))
        if len(value) > max_length:
            self.error(key, _("内容过长（%(n)s 字），最多 %(max)s 字。") % {"n": len(value), "max": max_length})
        return value

    def code(self, raw: dict[str, Any], key: str, *, required: bool) -> str | None:
        value = compact(raw.get(key))
        if not value:
            if required:
                self.error(key, _("“%(column)s”不能为空。") % {"column": self.headers[key]}, _("请填写后重新上传。"))
            return None
        try:
            return clean_code(value, label=self.headers[key])
        except ValidationError as exc:
            self.error(key, exc.messages[0], _("代码只能由字母、数字和 _ . - 组成，不含空格和汉字。"))
            return None

    def flag(self, raw: dict[str, Any], key: str) -> bool:
        value = text(raw.get(key)).lower()
        if value in TRUE_WORDS:
            return True
        if value not in FALSE_WORDS:
            self.error(
                key,
                _("“%(value)s”不是“是”或“否”。") % {"value": value},
                _("填写 是/否（或 Y/N、1/0、√）；留空表示否。"),
            )
        return False

    def integer(self, raw: dict[str, Any], key: str, *, low: int, high: int, pattern: re.Pattern[str]) -> int | None:
        value = compact(raw.get(key))
        if not value:
            return None
        match = pattern.match(value)
        number = int(match.group(1)) if match else None
        if number is None or not low <= number <= high:
            self.error(
                key,
                _("“%(value)s”不是有效的整数。") % {"value": value},
                _("请填写 %(low)s 到 %(high)s 之间的整数。") % {"low": low, "high": high},
            )
        return number


SORT_RE = re.compile(r"^(-?\d{1,9})$")


def clean_units(sheet: Sheet, sink: ErrorSink) -> list[UnitRow]:
    rows: list[UnitRow] = []
    first_row: dict[str, int] = {}
    for number, raw in sheet.rows:
        r = _Row(sink, sheet, number)
        name = r.required(raw, "name", _max_length(Unit, "name"))
        code = r.code(raw, "code", required=True)
        parent_code = r.code(raw, "parent_code", required=False)
        kind_text = compact(raw.get("kind"))
        kind = KINDS.get(kind_text) or KINDS.get(kind_text.lower()) if kind_text else None
        if kind_text and kind is None:
            r.error(
                "kind",
                _("未知的单位类型“%(value)s”。") % {"value": kind_text},
                _("可填：%(kinds)s。") % {"kinds": "、".join(KIND_WORDS.values())},
            )
        short_name = r.optional(raw, "short_name", _max_length(Unit, "short_name"))
        tags = tuple(sorted({t for t in TAG_SPLIT_RE.split(text(raw.get("tags"))) if t}))
        for tag in tags:
            if len(tag) > 50:
                r.error("tags", _("标签“%(tag)s”过长，最多 50 字。") % {"tag": tag[:20]})
        sort_order = r.integer(raw, "sort_order", low=-(10**9), high=10**9, pattern=SORT_RE)
        if code is not None:
            if code in first_row:
                r.error(
                    "code",
                    _("单位代码“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": first_row[code]},
                    _("每个单位的代码必须唯一：修改其中一行的代码，或删除重复行。"),
                )
            else:
                first_row[code] = number
            if parent_code == code:
                r.error("parent_code", _("上级单位不能是它自己。"), _("填写上一级单位的代码，或留空。"))
        if r.ok and code is not None:
            rows.append(UnitRow(number, code, name, parent_code, kind, short_name, tags, sort_order))
    return rows


def _phone(r: _Row, raw: dict[str, Any]) -> tuple[str, bool]:
    value = compact(raw.get("phone"))
    if "*" in value:
        return value, True
    try:
        return clean_phone(value), False
    except ValidationError as exc:
        r.error("phone", exc.messages[0], _("只填一个号码，不要加文字说明。"))
        return "", False


def _id_number(r: _Row, raw: dict[str, Any]) -> tuple[str | None, bool]:
    cell = raw.get("id_number")
    value = compact(cell)
    if "*" in value:
        return value.upper(), True
    try:
        return clean_id_number(value), False
    except ValidationError as exc:
        hint = _("请核对号码。")
        if isinstance(cell, int | float):
            hint = _("这一格在 Excel 中是“数字”格式，后几位已被改成 0：请把该列设为“文本”格式后重新录入号码。")
        r.error("id_number", exc.messages[0], hint)
        return None, False


def clean_people(sheet: Sheet, sink: ErrorSink) -> list[PersonRow]:
    rows: list[PersonRow] = []
    seen_codes: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    name_max, position_max = _max_length(Person, "name"), _max_length(Person, "position")
    for number, raw in sheet.rows:
        r = _Row(sink, sheet, number)
        name = r.required(raw, "name", name_max)
        code = r.code(raw, "code", required=False)
        unit_code = r.code(raw, "unit_code", required=True)
        position = r.optional(raw, "position", position_max)
        leader, party, cadre = r.flag(raw, "is_leading_cadre"), r.flag(raw, "is_party_member"), r.flag(raw, "is_cadre")
        phone, phone_masked = _phone(r, raw)
        id_number, id_masked = _id_number(r, raw)
        batch = r.integer(raw, "training_batch", low=1, high=32767, pattern=BATCH_RE)
        if code is not None:
            if code in seen_codes:
                r.error(
                    "code",
                    _("人员编号“%(code)s”与第 %(row)s 行重复。") % {"code": code, "row": seen_codes[code]},
                    _("每人的编号必须唯一：修改其中一行，或删除重复行。"),
                )
            else:
                seen_codes[code] = number
        if id_number is not None and not id_masked:
            if id_number in seen_ids:
                r.error(
                    "id_number",
                    _("身份证号与第 %(row)s 行重复。") % {"row": seen_ids[id_number]},
                    _("同一人只能出现一次：删除重复行，或核对号码。"),
                )
            else:
                seen_ids[id_number] = number
        if r.ok and unit_code is not None:
            values = (name, unit_code, position, leader, party, cadre, phone, phone_masked, id_number, id_masked, batch)
            rows.append(PersonRow(number, code, *values))
    return rows


def masked_phone_matches(masked: str, stored: str) -> bool:
    return bool(stored) and mask_phone(stored) == masked


def masked_id_matches(masked: str, stored: str | None) -> bool:
    return bool(stored) and mask_id_number(stored) == masked


def clean_sheets(sheets: list[Sheet], sink: ErrorSink) -> tuple[list[UnitRow], list[PersonRow]]:
    units: list[UnitRow] = []
    people: list[PersonRow] = []
    for sheet in sheets:
        if sheet.kind == UNITS:
            units = clean_units(sheet, sink)
        elif sheet.kind == PEOPLE:
            people = clean_people(sheet, sink)
    return units, people
