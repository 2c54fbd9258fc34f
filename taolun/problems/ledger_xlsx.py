"""The Excel ledger (整改台账): a filtered ledger as a workbook in the standard columns, and the blank template.

A pure function of a queryset: the caller has scoped and filtered it (``problems_visible_to`` and
``filter_problems``). The rows stream into a write-only workbook a chunk at a time — the problems
with their relations, their measures, and the measures' latest updates, three queries per chunk — so
the number of queries grows with the number of chunks, never with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from copy import copy
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from taolun.campaigns.models import Campaign
from taolun.core.xlsx import clean, text_cell
from taolun.orgs.models import Unit

from . import selectors
from .ledger_format import (
    COLUMNS,
    SOURCE_LABELS,
    STANDARD_COLUMNS,
    TITLE_SUFFIX,
    Column,
    measure_line,
    progress_line,
)
from .lights import LIGHT_LABELS, light_case
from .models import Measure, Problem, ProblemStatus

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 1000
HEADER_ROW = 3
TITLE_FONT = Font(bold=True, size=16)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3EFEC")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy-mm-dd"
DATE_KEYS = {"deadline", "closed_on"}


def ledger_title(campaign: Campaign | None) -> str:
    """``解放思想推动高质量发展大讨论问题清单整改台账``: the campaign's short title (or title) and the suffix."""
    if campaign is None:
        return TITLE_SUFFIX
    return f"{campaign.short_title or campaign.title}{TITLE_SUFFIX}"


def ledger_filename(campaign: Campaign | None, unit: Unit | None, today: dt.date) -> str:
    parts = [ledger_title(campaign)]
    if unit is not None:
        parts.append(unit.name)
    parts.append(today.strftime("%Y%m%d"))
    return "-".join(parts) + ".xlsx"


class _Sheet:
    """A write-only sheet and the cell makers its rows use.

    Styled cells cost more than plain values to write, so only non-empty cells that need it get a style;
    text starting with ``=`` is marked as text so that no ledger cell ever runs as a formula.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        # Each styled cell copies a prepared style (openpyxl's own idiom for copying styles): setting
        # the alignment or format anew would look the style up again for each of thousands of cells.
        wrap = WriteOnlyCell(ws)
        wrap.alignment = WRAP
        date = WriteOnlyCell(ws)
        date.number_format = DATE_FORMAT
        self.wrap_style, self.date_style = wrap._style, date._style

    def text(self, value: str | None, *, wrap: bool = False) -> Any:
        if not value:
            return None
        if not wrap:
            return text_cell(self.ws, value)
        cell = WriteOnlyCell(self.ws, value=clean(value))
        cell.data_type = "s"
        cell._style = copy(self.wrap_style)
        return cell

    def date(self, value: dt.date | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = copy(self.date_style)
        return cell

    def styled(self, value: Any, font: Font, alignment: Alignment, fill: PatternFill | None = None) -> Any:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.font, cell.alignment = font, alignment
        if fill is not None:
            cell.fill = fill
        return cell


def _start(sheet: _Sheet, columns: tuple[Column, ...], title: str, info: str) -> None:
    """Widths, frozen header, printing (landscape, one page wide), title, particulars and header row."""
    ws = sheet.ws
    last = get_column_letter(len(columns))
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append([sheet.styled(title, TITLE_FONT, CENTER)])
    ws.append([info])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.append([sheet.styled(col.header, HEADER_FONT, CENTER, HEADER_FILL) for col in columns])


PROBLEM_VALUES = (
    "pk",
    "number",
    "content",
    "source",
    "unit__name",
    "owner__name",
    "deadline",
    "result",
    "closed_at",
    "category__title",
    "theme__title",
    "dimension__title",
    "standard",
    "status",
    "progress",
    "light",
)
MEASURE_VALUES = ("problem_id", "pk", "content", "owner__name", "owner_name", "deadline", "progress")


def problem_chunks(qs: QuerySet[Problem], *, today: dt.date) -> Iterator[list[dict[str, Any]]]:
    """The ledger's problems in its order as plain values, a chunk at a time, each with ``measures`` (their
    values, in order, with the latest update of each as ``update``: ``(date, note)`` or None).

    Values rather than model instances: for a district's 5,000 rows building objects (and loading the
    campaign on every row) would cost more than writing the workbook.
    """
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        batch = ids[start : start + CHUNK]
        rows = Problem.objects.filter(pk__in=batch).annotate(light=light_case(today=today)).values(*PROBLEM_VALUES)
        by_id = {row["pk"]: row | {"measures": []} for row in rows}
        latest = selectors.latest_updates(batch)
        measures = Measure.objects.filter(problem_id__in=batch).order_by("problem_id", "order", "id")
        for measure in measures.values(*MEASURE_VALUES):
            problem = by_id.get(measure["problem_id"])
            if problem is not None:
                measure["update"] = latest.get(measure["pk"])
                problem["measures"].append(measure)
        yield [by_id[i] for i in batch if i in by_id]


def _row(sheet: _Sheet, seq: int, p: dict[str, Any], words: dict[str, dict[str, str]]) -> list[Any]:
    measures = p["measures"]
    plan = "\n".join(
        measure_line(i, m["content"], m["owner__name"] or m["owner_name"], m["deadline"])
        for i, m in enumerate(measures, start=1)
    )
    progress = []
    for i, m in enumerate(measures, start=1):
        if m["update"] is not None:
            progress.append(progress_line(i, m["update"][0], m["update"][1], m["progress"]))
        elif m["progress"]:
            progress.append(progress_line(i, None, "", m["progress"]))
    closed_on = timezone.localdate(p["closed_at"]) if p["closed_at"] else None
    return [
        seq,
        sheet.text(p["content"], wrap=True),
        SOURCE_LABELS.get(p["source"], p["source"]),
        sheet.text(p["unit__name"]),
        sheet.text(p["owner__name"]),
        sheet.text(plan, wrap=True),
        sheet.date(p["deadline"]),
        sheet.text("\n".join(progress), wrap=True),
        sheet.text(p["result"], wrap=True),
        sheet.date(closed_on),
        p["number"],
        sheet.text(p["category__title"]),
        sheet.text(p["theme__title"], wrap=True),
        sheet.text(p["dimension__title"]),
        sheet.text(p["standard"], wrap=True),
        words["status"].get(p["status"], p["status"]),
        p["progress"],
        words["light"].get(p["light"], ""),
    ]


def ledger_workbook(
    qs: QuerySet[Problem], *, campaign: Campaign | None = None, unit: Unit | None = None, today: dt.date | None = None
) -> bytes:
    """The problems of ``qs`` (already scoped and filtered, in its order) as the 整改台账 workbook."""
    today = today or timezone.localdate()
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("整改台账"))
    sheet = _Sheet(ws)
    count = qs.count()
    info = _("责任单位：%(unit)s　导出日期：%(today)s　共 %(count)s 个问题") % {
        "unit": unit.name if unit is not None else _("全部"),
        "today": today.isoformat(),
        "count": count,
    }
    _start(sheet, COLUMNS, ledger_title(campaign), info)
    words = {
        "status": {value: str(label) for value, label in ProblemStatus.choices},
        "light": {key: str(label) for key, label in LIGHT_LABELS.items()},
    }
    seq = 0
    for problems in problem_chunks(qs, today=today):
        for problem in problems:
            seq += 1
            ws.append(_row(sheet, seq, problem, words))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# —— the blank template ——

TEMPLATE_COLUMNS = STANDARD_COLUMNS + tuple(
    c for c in COLUMNS if c.key in {"category", "theme", "dimension", "standard"}
)


def ledger_template(*, today: dt.date | None = None) -> bytes:
    """The header an import reads, one example row, and a 说明 sheet explaining how cells are filled."""
    today = today or timezone.localdate()
    deadline = (today.replace(day=1) + dt.timedelta(days=100)).replace(day=1) - dt.timedelta(days=1)
    first = deadline - dt.timedelta(days=30)
    workbook = Workbook()
    ws: Any = workbook.active
    ws.title = _("整改台账")
    ws.append([TITLE_SUFFIX])
    ws["A1"].font = TITLE_FONT
    ws.append([col.header for col in TEMPLATE_COLUMNS])
    for i, col in enumerate(TEMPLATE_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
        cell = ws.cell(row=2, column=i)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, CENTER
    example = {
        "seq": 1,
        "content": "审批环节多、时限长，企业反映办事难",
        "source": "自查",
        "unit": "示例街道",
        "owner": "张三",
        "measures": (
            f"1. 梳理审批事项清单，取消不必要的环节（张三，{first.isoformat()}）\n"
            f"2. 推行“一网通办”（李四，{deadline.isoformat()}）"
        ),
        "deadline": deadline,
        "updates": f"1. {today.isoformat()} 已梳理审批事项 86 项（60%）",
        "result": "",
        "closed_on": None,
        "category": "体制机制短板",
        "theme": "",
        "dimension": "",
        "standard": "审批时限压缩一半，企业满意度达到 90%",
    }
    ws.append([example[col.key] for col in TEMPLATE_COLUMNS])
    for i, col in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(row=3, column=i)
        cell.alignment = WRAP if col.wrap else TOP
        if col.key in DATE_KEYS:
            cell.number_format = DATE_FORMAT
    ws.freeze_panes = "A3"
    notes = workbook.create_sheet(_("说明"))
    notes.column_dimensions["A"].width = 100
    for line in TEMPLATE_NOTES:
        notes.append([str(line)])
    notes["A1"].font = TITLE_FONT
    for row in notes.iter_rows(min_row=2):
        row[0].alignment = WRAP
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TEMPLATE_NOTES = (
    gettext_lazy("问题清单整改台账导入说明"),
    gettext_lazy("表头行请勿改动（列的顺序可以调整，可以增加其他列，表头上方可以保留标题行）；示例行请删除后再填写。"),
    gettext_lazy(
        "必填：问题内容、问题来源、责任单位。问题来源填 自查、调研课题、视察意见、网上大讨论、督导检查 或 其他。"
    ),
    gettext_lazy("责任单位填单位名称或单位代码，须在导入时选定的单位之内；同名单位请改填单位代码。"),
    gettext_lazy(
        "责任人填名册中的姓名（须在责任单位内），同名时写成“姓名（人员编号）”；"
        "名册中找不到的责任人会被指出，请先补录名册或清空该格。"
    ),
    gettext_lazy(
        "整改措施每行一项，可编号；措施后可用括号写明责任人和完成时限，如“1. 梳理清单（张三，2024-06-30）”。"
        "不写时限的措施以整改时限为准，措施的时限不能晚于整改时限。措施责任人不在名册中时照录姓名；"
        "括号中只有姓名而没有时限时，须是名册中的人，否则括号视为措施内容的一部分。"
    ),
    gettext_lazy("日期可写成 2024-06-30、2024年6月30日、2024/6/30 或 2024年6月底，也可以是 Excel 日期。"),
    gettext_lazy("整改进展按措施编号逐行填写，如“1. 2024-05-06 已完成清单梳理（60%）”，括号中的百分比为该措施的进度。"),
    gettext_lazy(
        "写明问题内容、责任人、整改标准、整改措施和整改时限（“五个明确”）的问题导入为“已确认”，"
        "已有进展的为“整改中”；填写了销号时间的为“已销号”（须同时填写完成情况）；其余为“已查摆”。"
    ),
    gettext_lazy("整个文件先全部检查：只要有一处错误，就不会写入任何数据，并逐行列出错误和修改方法。"),
)
