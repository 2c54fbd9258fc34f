"""Checking the rows of an imported ledger (台账) and matching them against the roster and the campaign.

``LedgerChecker.check`` turns each row into a ``PlannedProblem`` or into errors naming the row, the
column, what is wrong and how to fix it. The roster and the campaign's lists are read up front in a
fixed number of queries (only the names and codes the file mentions), so checking 5,000 rows costs
a handful of queries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Campaign
from taolun.orgs.models import Person, Unit

from .imports_measures import HEADER, Bad, Known, MeasureChecks, PlannedMeasure
from .ledger_format import (
    DATE_HINT,
    PART_SPLIT,
    SOURCE_WORDS,
    TRAILING_GROUP,
    items,
    norm,
    parse_date,
    source_of,
)
from .ledger_read import RowError
from .models import ProblemStatus
from .services import TEXT_LIMIT

LOOKUP_BATCH = 500
NAME_WITH_CODE = re.compile(r"^(.+?)\s*[（(]\s*([^()（）]+?)\s*[)）]$")


@dataclass
class PlannedProblem:
    row: int
    content: str
    source: str
    unit_id: int
    unit_path: str
    owner_id: int | None = None
    category_id: int | None = None
    theme_id: int | None = None
    dimension_id: int | None = None
    standard: str = ""
    deadline: dt.date | None = None
    result: str = ""
    closed_on: dt.date | None = None
    measures: list[PlannedMeasure] = field(default_factory=list)
    status: str = ProblemStatus.FOUND

    def closed_at(self) -> dt.datetime | None:
        if self.closed_on is None:
            return None
        return timezone.make_aware(dt.datetime.combine(self.closed_on, dt.time.min))


def text_of(value: Any) -> str:
    """A cell as text: numbers without a trailing ``.0``, dates as ISO, everything stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip().strip("\u200b\ufeff")


def _batches(values: Iterable[str]) -> Iterable[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        yield ordered[start : start + LOOKUP_BATCH]


class LedgerChecker(MeasureChecks):
    def __init__(self, *, campaign: Campaign, root: Unit, today: dt.date) -> None:
        self.campaign, self.root, self.today = campaign, root, today
        self.latest = campaign.end_date + dt.timedelta(days=366 * 3)
        self.errors: list[RowError] = []
        self.units_by_code: dict[str, Known] = {}
        self.units_by_name: dict[str, list[Known]] = {}
        self.people_by_code: dict[str, Known] = {}
        self.people_by_name: dict[str, list[Known]] = {}
        self.items: dict[str, dict[str, int]] = {}
        self.item_titles: dict[str, list[str]] = {}

    # —— lookups ——

    def _load(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        unit_texts = {text_of(v.get("unit")) for _n, v in rows} - {""}
        for batch in _batches(unit_texts):
            found = Unit.objects.filter(path__startswith=self.root.path, is_active=True).filter(
                Q(code__in=batch) | Q(name__in=batch)
            )
            for pk, name, code, path in found.values_list("pk", "name", "code", "path"):
                known = Known(pk, name, code, path)
                self.units_by_code[code] = known
                self.units_by_name.setdefault(name, []).append(known)
        names: set[str] = set()
        for _n, values in rows:
            owner = text_of(values.get("owner"))
            if owner:
                match = NAME_WITH_CODE.match(owner)
                names.update(match.groups() if match else (owner,))
            for _number, line in items(text_of(values.get("measures"))):
                group = TRAILING_GROUP.search(line)
                if group:
                    names.update(p for p in PART_SPLIT.split(group.group(1)) if p and len(p) <= 60)
        for batch in _batches(names):
            found_people = Person.objects.filter(unit__path__startswith=self.root.path, is_active=True).filter(
                Q(name__in=batch) | Q(code__in=batch)
            )
            for pk, person_name, person_code, path in found_people.values_list("pk", "name", "code", "unit__path"):
                known = Known(pk, person_name, person_code or "", path)
                if person_code:
                    self.people_by_code[person_code] = known
                self.people_by_name.setdefault(person_name, []).append(known)
        for key, manager in (
            ("category", self.campaign.shortcomings),
            ("theme", self.campaign.themes),
            ("dimension", self.campaign.dimensions),
        ):
            self.items[key] = {}
            self.item_titles[key] = []
            for pk, item_key, title in manager.order_by("order", "id").values_list("pk", "key", "title"):
                self.items[key].setdefault(norm(title), pk)
                self.items[key].setdefault(norm(item_key), pk)
                self.item_titles[key].append(title)

    # —— one row ——

    def check(self, rows: list[tuple[int, dict[str, Any]]]) -> list[PlannedProblem]:
        self._load(rows)
        plans = []
        for number, values in rows:
            plan = self._row(number, values)
            if plan is not None:
                plans.append(plan)
        return plans

    def _row(self, row: int, values: dict[str, Any]) -> PlannedProblem | None:
        before = len(self.errors)
        text = {key: text_of(values.get(key)) for key in HEADER}
        content = self._text(row, "content", text["content"], required=True)
        source = self._source(row, text["source"])
        unit = self._guard(row, "unit", lambda: self._unit(text["unit"]))
        deadline = self._date(row, "deadline", values.get("deadline"))
        closed_on = self._date(row, "closed_on", values.get("closed_on"), past=True)
        plan = PlannedProblem(
            row=row,
            content=content,
            source=source or "",
            unit_id=unit.pk if unit else 0,
            unit_path=unit.path if unit else "",
            standard=self._text(row, "standard", text["standard"]),
            deadline=deadline,
            result=self._text(row, "result", text["result"]),
            closed_on=closed_on,
        )
        for key in ("category", "theme", "dimension"):
            setattr(plan, f"{key}_id", self._item(row, key, text[key]))
        if closed_on is not None and not plan.result:
            self._error(
                row, "result", _("已填写销号时间，但没有填写完成情况。"), _("请写明整改完成的情况，或清空销号时间。")
            )
        if unit is not None:
            if text["owner"]:
                plan.owner_id = self._guard(row, "owner", lambda: self._owner(text["owner"], unit))
            plan.measures = self._measures(row, text["measures"], unit, deadline)
            self._updates(row, text["updates"], plan.measures)
        if len(self.errors) > before:
            return None
        plan.status = self._status(plan)
        return plan

    def _guard(self, row: int, key: str, fn: Any) -> Any:
        try:
            return fn()
        except Bad as exc:
            self._error(row, key, exc.message, exc.hint)
            return None

    def _text(self, row: int, key: str, value: str, *, required: bool = False) -> str:
        if required and not value:
            self._error(row, key, _("%(column)s是空的。") % {"column": HEADER[key]}, _("请填写这一格，或删除整行。"))
        if len(value) > TEXT_LIMIT:
            self._error(
                row,
                key,
                _("内容有 %(n)s 字，超过 %(limit)s 字的上限。") % {"n": len(value), "limit": TEXT_LIMIT},
                _("请精简文字。"),
            )
        return value

    def _source(self, row: int, value: str) -> str | None:
        words = "、".join(SOURCE_WORDS)
        if not value:
            self._error(row, "source", _("问题来源是空的。"), _("请填写：%(words)s。") % {"words": words})
            return None
        source = source_of(value)
        if source is None:
            self._error(
                row,
                "source",
                _("不认识的问题来源“%(value)s”。") % {"value": value},
                _("问题来源应为：%(words)s 之一。") % {"words": words},
            )
        return source

    def _date(self, row: int, key: str, raw: Any, *, past: bool = False) -> dt.date | None:
        try:
            value = parse_date(raw)
        except ValueError:
            self._error(
                row,
                key,
                _("“%(value)s”不是有效的日期。") % {"value": text_of(raw)},
                _("请写成 %(formats)s，或使用 Excel 日期格式。") % {"formats": DATE_HINT},
            )
            return None
        if value is None:
            return None
        try:
            self._in_range(value, past=past)
        except Bad as exc:
            self._error(row, key, exc.message, exc.hint)
            return None
        return value

    def _unit(self, value: str) -> Known:
        if not value:
            raise Bad(_("责任单位是空的。"), _("请填写责任单位的名称或单位代码。"))
        if value in self.units_by_code:
            return self.units_by_code[value]
        found = self.units_by_name.get(value, [])
        if len(found) == 1:
            return found[0]
        if found:
            codes = "、".join(u.code for u in found[:5])
            raise Bad(
                _("有 %(n)s 个单位都叫“%(name)s”。") % {"n": len(found), "name": value},
                _("请改填单位代码：%(codes)s。") % {"codes": codes},
            )
        raise Bad(
            _("在“%(root)s”之内没有名称或代码为“%(value)s”的单位。") % {"root": self.root.name, "value": value},
            _("请核对单位名称（须与名册一致），或改填单位代码；责任单位须在导入时选定的单位之内。"),
        )

    def _owner(self, value: str, unit: Known) -> int:
        match = NAME_WITH_CODE.match(value)
        if match:
            name, code = match.groups()
            person = self.people_by_code.get(code)
            if person is None or person.name != name:
                raise Bad(
                    _("名册中没有编号为“%(code)s”的“%(name)s”。") % {"code": code, "name": name},
                    _("请核对姓名和人员编号。"),
                )
            candidates = [person]
        elif value in self.people_by_code and value not in self.people_by_name:
            candidates = [self.people_by_code[value]]
        else:
            candidates = self.people_by_name.get(value, [])
        inside = [p for p in candidates if p.path.startswith(unit.path)]
        if len(inside) == 1:
            return inside[0].pk
        if len(inside) > 1:
            codes = "、".join(p.code or "—" for p in inside[:5])
            raise Bad(
                _("“%(unit)s”有 %(n)s 位名叫“%(name)s”的人员。") % {"unit": unit.name, "n": len(inside), "name": value},
                _("请写成“姓名（人员编号）”，编号：%(codes)s。") % {"codes": codes},
            )
        if candidates:
            raise Bad(
                _("“%(name)s”不在责任单位“%(unit)s”的名册中。") % {"name": value, "unit": unit.name},
                _("责任人须是责任单位（或其下级单位）的人员：请核对责任单位或责任人。"),
            )
        raise Bad(
            _("“%(root)s”的名册中没有“%(name)s”。") % {"root": self.root.name, "name": value},
            _("请先在名册中补录此人，或清空这一格（问题将导入为“已查摆”，以后再指定责任人）。"),
        )

    def _item(self, row: int, key: str, value: str) -> int | None:
        if not value:
            return None
        pk = self.items[key].get(norm(value))
        if pk is None:
            titles = "、".join(self.item_titles[key]) or "—"
            self._error(
                row,
                key,
                _("本次大讨论没有“%(value)s”。") % {"value": value},
                _("请填写：%(titles)s 之一，或留空。") % {"titles": titles},
            )
        return pk

    def _status(self, plan: PlannedProblem) -> str:
        if plan.closed_on is not None:
            for measure in plan.measures:
                measure.progress = 100
            return ProblemStatus.CLOSED
        clear = bool(plan.content and plan.owner_id and plan.standard and plan.measures and plan.deadline)
        if not clear:
            return ProblemStatus.FOUND
        if any(m.progress > 0 for m in plan.measures):
            return ProblemStatus.RECTIFYING
        return ProblemStatus.CONFIRMED
