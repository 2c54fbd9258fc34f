"""The roster format (名册格式): sheets, columns and words offices use, and the shape of an import report.

A roster is an .xlsx workbook with the sheets 单位 (units) and 人员 (people), or a .csv file holding
one of them. Headers are Chinese (English aliases accepted); the words in cells (unit kinds, 是/否)
are data and stay Chinese whatever the interface language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

UNITS = "units"
PEOPLE = "people"

# progress(phase, done, total): phases "read", "validate", "write"
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: Any = ""
    example: str = ""


UNIT_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "单位代码",
        True,
        ("code", "unit_code", "unitcode"),
        gettext_lazy("唯一代码：字母、数字、_ . -"),
        "S-001",
    ),
    Column("name", "单位名称", True, ("name", "unit_name", "unitname"), gettext_lazy("单位全称"), "示例街道"),
    Column(
        "parent_code",
        "上级单位代码",
        False,
        ("parent", "parent_code", "parentcode"),
        gettext_lazy("留空表示直接挂在导入时选定的单位之下（未选定时为顶级单位）"),
        "D001",
    ),
    Column(
        "kind",
        "单位类型",
        False,
        ("kind", "type", "unit_kind"),
        gettext_lazy("省、市、区县、街道乡镇、部门、单位、社区村、其他；留空为“单位”"),
        "街道乡镇",
    ),
    Column("short_name", "简称", False, ("short_name", "shortname", "abbr"), gettext_lazy("可留空"), "示例"),
    Column("tags", "标签", False, ("tags", "tag"), gettext_lazy("多个标签用顿号、逗号、分号或空格分隔"), "街道、城区"),
    Column("sort_order", "排序", False, ("sort_order", "order", "sort"), gettext_lazy("整数，越小越靠前；可留空"), "1"),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "人员编号",
        False,
        ("code", "person_code", "personcode", "staff_no"),
        gettext_lazy("唯一编号；再次导入时据此（或身份证号）更新已有人员"),
        "P0001",
    ),
    Column("name", "姓名", True, ("name", "person_name", "personname", "full_name"), gettext_lazy("必填"), "张三"),
    Column(
        "unit_code",
        "单位代码",
        True,
        ("unit", "unit_code", "unitcode"),
        gettext_lazy("所在单位的代码：本文件“单位”表中或系统里已有的单位"),
        "S-001",
    ),
    Column("position", "职务", False, ("position", "title", "post"), gettext_lazy("可留空"), "科员"),
    Column(
        "is_leading_cadre",
        "领导干部",
        False,
        ("leading_cadre", "is_leading_cadre", "leader"),
        gettext_lazy("是/否（也可填 Y/N、1/0、√）；留空为否"),
        "否",
    ),
    Column(
        "is_party_member",
        "党员",
        False,
        ("party_member", "is_party_member", "party"),
        gettext_lazy("是/否；留空为否"),
        "是",
    ),
    Column("is_cadre", "干部", False, ("cadre", "is_cadre"), gettext_lazy("是/否；留空为否"), "是"),
    Column(
        "phone",
        "手机号",
        False,
        ("phone", "mobile", "tel", "联系电话", "电话"),
        gettext_lazy("11 位手机号或带区号的座机号"),
        "13800001234",
    ),
    Column(
        "id_number",
        "身份证号",
        False,
        ("id_number", "idnumber", "id_no", "id_card", "身份证"),
        gettext_lazy("18 位；请把该列设为“文本”格式，否则 Excel 会丢掉后几位"),
        "11010519491231002X",
    ),
    Column(
        "training_batch",
        "培训批次",
        False,
        ("training_batch", "batch", "批次"),
        gettext_lazy("整数，如 1 或“第1批”；可留空"),
        "1",
    ),
)

COLUMNS = {UNITS: UNIT_COLUMNS, PEOPLE: PERSON_COLUMNS}
# The file format is Chinese whatever the interface language: these words are data, not UI.
KIND_WORDS = {
    "province": "省",
    "city": "市",
    "district": "区县",
    "street": "街道乡镇",
    "department": "部门",
    "unit": "单位",
    "community": "社区村",
    "other": "其他",
}
KIND_SYNONYMS = {"区": "district", "县": "district", "街道": "street", "乡镇": "street", "乡": "street", "镇": "street"}
KIND_SYNONYMS |= {"社区": "community", "村": "community", "省级": "province", "市级": "city", "县区": "district"}
TRUE_WORDS = {"是", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "f", "0", "×", "✗", "x", "无", "不是", ""}
SHEET_TITLES = {UNITS: "单位", PEOPLE: "人员"}
SHEET_ALIASES = {
    UNITS: {"单位", "单位表", "units", "unit", "orgs", "组织机构"},
    PEOPLE: {"人员", "人员表", "人员名单", "名册", "people", "persons", "person", "roster"},
}


@dataclass
class RowError:
    """One problem, where the office will find it: sheet, Excel row number (None: the whole file), column."""

    sheet: str
    row: int | None
    column: str
    message: str
    hint: str = ""


def expected_headers(kind: str) -> str:
    return "、".join(f"{c.header}{'*' if c.required else ''}" for c in COLUMNS[kind])


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class PreviewRow:
    row: int
    action: str  # create / update / unchanged
    values: list[Any]
    changes: list[str]  # headers of the columns that change


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    units: KindCounts = field(default_factory=KindCounts)
    people: KindCounts = field(default_factory=KindCounts)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    preview_units: list[PreviewRow] = field(default_factory=list)
    preview_people: list[PreviewRow] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def counts(self) -> dict[str, dict[str, int]]:
        return {kind: vars(getattr(self, kind)).copy() for kind in (UNITS, PEOPLE)}
