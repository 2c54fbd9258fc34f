"""Checking the measures (整改措施) and progress (整改进展) cells of an imported ledger's rows.

The shared pieces of the row checks live here too: the planned records a row becomes, the errors'
column names, and the date range a ledger's dates must fall in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .ledger_format import DATE_HINT, items, split_measure, split_progress
from .ledger_read import RowError
from .services import TEXT_LIMIT

MAX_MEASURES = 50
EARLIEST = dt.date(2000, 1, 1)
HEADER = {
    "content": "问题内容",
    "source": "问题来源",
    "unit": "责任单位",
    "owner": "责任人",
    "measures": "整改措施",
    "deadline": "整改时限",
    "updates": "整改进展",
    "result": "完成情况",
    "closed_on": "销号时间",
    "category": "短板类别",
    "theme": "讨论主题",
    "dimension": "高质量维度",
    "standard": "整改标准",
}


class Bad(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class PlannedUpdate:
    happened_on: dt.date
    progress: int
    note: str


@dataclass
class PlannedMeasure:
    content: str
    deadline: dt.date
    owner_id: int | None = None
    owner_name: str = ""
    progress: int = 0
    starts_on: dt.date = dt.date.min
    update: PlannedUpdate | None = None


@dataclass(frozen=True)
class Known:
    """A unit or person the file may name: id, name, code and the unit path it sits at."""

    pk: int
    name: str
    code: str
    path: str


class MeasureChecks:
    """The measure and progress checks of ``LedgerChecker`` (which loads the roster they match against)."""

    today: dt.date
    latest: dt.date
    errors: list[RowError]
    people_by_name: dict[str, list[Known]]

    def _error(self, row: int, key: str, message: str, hint: str = "") -> None:
        self.errors.append(RowError(row=row, column=HEADER.get(key, key), message=message, hint=hint))

    def _in_range(self, value: dt.date, *, past: bool = False) -> None:
        if value < EARLIEST:
            raise Bad(_("日期 %(date)s 太早了。") % {"date": value}, _("请核对年份。"))
        if past and value > self.today:
            raise Bad(_("日期 %(date)s 晚于今天。") % {"date": value}, _("销号时间和进展日期不能是将来的日期。"))
        if not past and value > self.latest:
            raise Bad(_("日期 %(date)s 太远了：最多在大讨论结束后三年内。") % {"date": value}, _("请核对年份。"))

    def _measures(self, row: int, cell: str, unit: Known, deadline: dt.date | None) -> list[PlannedMeasure]:
        lines = items(cell)
        if len(lines) > MAX_MEASURES:
            self._error(
                row,
                "measures",
                _("一个问题最多 %(n)s 项整改措施。") % {"n": MAX_MEASURES},
                _("请合并措施，或拆成几个问题。"),
            )
            return []
        measures = []
        for index, (_number, line) in enumerate(lines, start=1):
            parsed = split_measure(line, known_name=lambda name: name in self.people_by_name)
            where = _("第 %(i)s 项措施") % {"i": index}
            if parsed.bad_date:
                self._error(
                    row,
                    "measures",
                    _("%(where)s的时限“%(value)s”不是有效的日期。") % {"where": where, "value": parsed.bad_date},
                    _("请写成 %(formats)s。") % {"formats": DATE_HINT},
                )
                continue
            if not parsed.content:
                self._error(row, "measures", _("%(where)s没有内容。") % {"where": where}, _("请写明措施内容。"))
                continue
            if len(parsed.content) > TEXT_LIMIT:
                self._error(row, "measures", _("%(where)s太长。") % {"where": where}, _("请精简文字。"))
                continue
            measure_deadline = parsed.deadline or deadline
            if measure_deadline is None:
                self._error(
                    row,
                    "measures",
                    _("%(where)s没有完成时限。") % {"where": where},
                    _("在措施后用括号写明时限，如“（张三，2024-06-30）”，或填写“整改时限”列。"),
                )
                continue
            try:
                self._in_range(measure_deadline)
            except Bad as exc:
                self._error(row, "measures", f"{where}：{exc.message}", exc.hint)
                continue
            if deadline is not None and measure_deadline > deadline:
                self._error(
                    row,
                    "measures",
                    _("%(where)s的完成时限 %(date)s 晚于整改时限 %(deadline)s。")
                    % {"where": where, "date": measure_deadline, "deadline": deadline},
                    _("措施须在整改时限之前完成：请改早措施的时限，或改晚整改时限。"),
                )
                continue
            measure = PlannedMeasure(content=parsed.content, deadline=measure_deadline)
            self._measure_owner(row, where, parsed.owner, unit, measure)
            measures.append(measure)
        return measures

    def _measure_owner(self, row: int, where: str, owner: str, unit: Known, measure: PlannedMeasure) -> None:
        if not owner:
            return
        inside = [p for p in self.people_by_name.get(owner, []) if p.path.startswith(unit.path)]
        if len(inside) == 1:
            measure.owner_id = inside[0].pk
        elif len(owner) > 60:
            self._error(
                row, "measures", _("%(where)s的责任人写得太长（最多 60 字）。") % {"where": where}, _("请只写姓名。")
            )
        else:
            measure.owner_name = owner  # not on the roster (or not unique): kept as written

    def _updates(self, row: int, cell: str, measures: list[PlannedMeasure]) -> None:
        lines = items(cell)
        if not lines:
            self._schedule(measures)
            return
        if not measures:
            self._error(
                row, "updates", _("没有整改措施，整改进展无法对应。"), _("请先在“整改措施”列写明措施，再逐条填写进展。")
            )
            return
        hint = _("请在每条进展前写上对应措施的编号，如“1. 2024-05-06 已完成清单梳理（60%）”。")
        if all(number is None for number, _line in lines):
            if len(measures) == 1:
                lines = [(1, "\n".join(line for _n, line in lines))]
            elif len(lines) != len(measures):
                self._error(
                    row,
                    "updates",
                    _("整改进展有 %(n)s 条，整改措施有 %(m)s 项，无法一一对应。")
                    % {"n": len(lines), "m": len(measures)},
                    hint,
                )
                return
            else:
                lines = [(i, line) for i, (_n, line) in enumerate(lines, start=1)]
        seen: set[int] = set()
        for number, line in lines:
            if number is None or not 1 <= number <= len(measures) or number in seen:
                self._error(
                    row,
                    "updates",
                    _("进展“%(line)s”对应不上整改措施（共 %(m)s 项）。") % {"line": line[:30], "m": len(measures)},
                    hint,
                )
                continue
            seen.add(number)
            self._update(row, number, line, measures[number - 1])
        self._schedule(measures)

    def _update(self, row: int, number: int, line: str, measure: PlannedMeasure) -> None:
        parsed = split_progress(line)
        where = _("第 %(i)s 项措施的进展") % {"i": number}
        if parsed.bad:
            self._error(
                row,
                "updates",
                _("%(where)s的日期“%(value)s”无效。") % {"where": where, "value": parsed.bad},
                _("请写成 %(formats)s。") % {"formats": DATE_HINT},
            )
            return
        if parsed.progress is not None and parsed.progress > 100:
            self._error(
                row,
                "updates",
                _("%(where)s的进度 %(n)s%% 超过 100%%。") % {"where": where, "n": parsed.progress},
                _("进度应在 0 到 100 之间。"),
            )
            return
        happened_on = parsed.happened_on or self.today
        try:
            self._in_range(happened_on, past=True)
        except Bad as exc:
            self._error(row, "updates", f"{where}：{exc.message}", exc.hint)
            return
        progress = parsed.progress or 0
        measure.progress = progress
        measure.update = PlannedUpdate(happened_on=happened_on, progress=progress, note=parsed.note or _("台账导入"))

    def _schedule(self, measures: list[PlannedMeasure]) -> None:
        for measure in measures:
            start = min(self.today, measure.deadline)
            if measure.update is not None:
                start = min(start, measure.update.happened_on)
            measure.starts_on = start
