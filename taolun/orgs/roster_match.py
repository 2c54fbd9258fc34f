"""Matching a checked roster against the database (名册比对): what to create, update or leave alone.

Units are matched by 单位代码, people by 人员编号, else by 身份证号 (else, for rows with neither, by
name within the same unit), so importing the same roster twice updates instead of duplicating.
Existing rows are looked up in a few set-based queries. Each unit's path after the import is
computed in Python (new units shown by a placeholder until they have ids), which finds parent
cycles and lets the scope be checked before anything is written: with ``by`` set, every unit and
person touched must lie in the importer's scope (rule ``orgs.import_roster``) and under ``under``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from taolun.accounts.selectors import covers

from .masking import mask_id_number, mask_phone
from .models import Person, Unit
from .roster_clean import ErrorSink, PersonRow, UnitRow, masked_id_matches, masked_phone_matches
from .roster_format import COLUMNS, KIND_WORDS, PEOPLE, SHEET_TITLES, UNITS, ImportReport, PreviewRow, RowError
from .selectors import ROSTER_ROLES

if TYPE_CHECKING:
    from taolun.accounts.models import User

IMPORT_ROLES = ROSTER_ROLES  # the rule orgs.import_roster, as scope paths


def may_import_roster(user: Any, unit: Unit | None) -> bool:
    """The rule ``orgs.import_roster`` on ``unit``; the top level (``None``) only for a global scope."""
    if unit is None:
        return covers(user, IMPORT_ROLES, "")
    return bool(user.has_perm("orgs.import_roster", unit))


def require_roster_import(by: Any, unit: Unit | None) -> None:
    """Refuse an import under ``unit`` that ``by`` may not make (``by=None``: the command line)."""
    if by is not None and not may_import_roster(by, unit):
        raise PermissionDenied(_("您没有权限向该单位导入名册。"))


PREVIEW_ROWS = 50
CHUNK = 5000  # SQLite allows 32766 parameters per query
UNIT_VALUES = ["id", "code", "name", "short_name", "kind", "parent_id", "path", "sort_order"]
PERSON_VALUES = [
    "id", "code", "name", "unit_id", "unit__path", "position", "is_leading_cadre", "is_party_member",
    "is_cadre", "phone", "id_number", "training_batch",
]  # fmt: skip
# The fields a roster row sets, besides the unit.
PERSON_DATA = [f for f in PERSON_VALUES if f not in {"id", "unit_id", "unit__path"}]
UNIT_DATA = ["name", "short_name", "kind", "sort_order"]
HEADERS = {kind: {c.key: c.header for c in cols} for kind, cols in COLUMNS.items()}


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class UnitPlan:
    row: UnitRow
    existing: dict[str, Any] | None
    parent_code: str | None
    kind: str
    sort_order: int
    changes: list[str] = field(default_factory=list)  # model field names, "parent", "tags"
    old_tags: tuple[str, ...] = ()


@dataclass
class PersonPlan:
    row: PersonRow
    existing: dict[str, Any] | None
    data: dict[str, Any]  # field → value, plus "unit_code"
    changes: list[str] = field(default_factory=list)


class RosterImporter:
    """Checks the cleaned rows against the database and plans each row: create, update or unchanged.

    ``roster_write`` carries the plan out; nothing here writes.
    """

    def __init__(self, *, under: Unit | None, by: User | None, report: ImportReport, sink: ErrorSink) -> None:
        self.under, self.by, self.report, self.sink = under, by, report, sink
        self.units: dict[str, UnitPlan] = {}
        self.people: list[PersonPlan] = []
        self.known: dict[str, dict[str, Any]] = {}  # code → existing unit values (file units, references, ancestors)
        self.by_id: dict[int, dict[str, Any]] = {}
        self.broken: set[str] = set()
        self.ident: dict[str, str] = {}

    # --- scope ------------------------------------------------------------------------------
    def allowed(self, path: str) -> bool:
        if self.under is not None and not path.startswith(self.under.path):
            return False
        return self.by is None or covers(self.by, IMPORT_ROLES, path)

    def scope_words(self) -> str:
        if self.under is not None:
            return _("导入范围“%(unit)s”") % {"unit": self.under.name}
        return _("您的管理范围")

    def error(self, kind: str, row: int, key: str, message: str, hint: str = "") -> None:
        self.sink.add(RowError(SHEET_TITLES[kind], row, HEADERS[kind][key], message, hint))

    # --- units ------------------------------------------------------------------------------
    def load_units(self, unit_rows: list[UnitRow], person_rows: list[PersonRow]) -> None:
        codes = {u.code for u in unit_rows} | {u.parent_code for u in unit_rows if u.parent_code}
        codes |= {p.unit_code for p in person_rows}
        if self.under is not None:
            codes.add(self.under.code)
        for batch in chunks(sorted(codes)):
            for values in Unit.objects.filter(code__in=batch).values(*UNIT_VALUES):
                self.known[values["code"]] = values
                self.by_id[values["id"]] = values
        ancestors = {int(i) for v in self.known.values() for i in v["path"].strip("/").split("/") if i} - set(
            self.by_id
        )
        for batch in chunks(sorted(ancestors)):
            for values in Unit.objects.filter(id__in=batch).values(*UNIT_VALUES):
                self.known[values["code"]] = values
                self.by_id[values["id"]] = values

    def db_parent_code(self, values: dict[str, Any]) -> str | None:
        parent_id = values["parent_id"]
        return self.by_id[parent_id]["code"] if parent_id else None

    def plan_units(self, rows: list[UnitRow]) -> None:
        for row in rows:
            existing = self.known.get(row.code)
            if row.parent_code is not None:
                parent_code: str | None = row.parent_code
            elif self.under is not None and row.code == self.under.code:
                parent_code = self.db_parent_code(self.known[row.code])  # the import root stays where it is
            else:
                parent_code = self.under.code if self.under is not None else None
            kind = row.kind or (existing["kind"] if existing else "unit")
            sort_order = row.sort_order if row.sort_order is not None else (existing["sort_order"] if existing else 0)
            self.units[row.code] = UnitPlan(row, existing, parent_code, kind, sort_order)
        for plan in self.units.values():
            code = plan.parent_code
            if code is not None and code not in self.units and code not in self.known:
                self.broken.add(plan.row.code)
                self.error(
                    UNITS,
                    plan.row.row,
                    "parent_code",
                    _("上级单位代码“%(code)s”不存在：本文件“单位”表和系统中都没有这个单位。") % {"code": code},
                    _("先在“单位”表中添加该单位，或改为已有单位的代码。"),
                )

    def final_parent(self, code: str) -> str | None:
        plan = self.units.get(code)
        return plan.parent_code if plan is not None else self.db_parent_code(self.known[code])

    def final_paths(self, ident: dict[str, str]) -> dict[str, str]:
        """Each unit's path after the import (new units shown by ``ident``); cycles reported and left out."""
        paths: dict[str, str] = {}
        for start in list(self.units):
            chain: list[str] = []
            current: str | None = start
            while current is not None and current not in paths and current not in self.broken:
                if current in chain:
                    cycle = chain[chain.index(current) :]
                    for code in cycle:
                        if code in self.units and code not in self.broken:
                            self.error(
                                UNITS,
                                self.units[code].row.row,
                                "parent_code",
                                _("上级单位形成了循环：%(cycle)s。") % {"cycle": " → ".join([*cycle, current])},
                                _("检查这些单位的“上级单位代码”，让每个单位都能逐级找到顶层。"),
                            )
                    self.broken.update(chain)
                    break
                chain.append(current)
                current = self.final_parent(current)
            if current is not None and current in self.broken:
                self.broken.update(chain)
                continue
            base = paths[current] if current is not None else ""
            for code in reversed(chain):
                base = f"{base}{ident[code]}/"
                paths[code] = base
        return paths

    def unit_ident(self) -> dict[str, str]:
        ident = {code: str(v["id"]) for code, v in self.known.items()}
        ident.update({code: f"+{code}" for code, plan in self.units.items() if plan.existing is None})
        return ident

    def check_units(self, tags: dict[int, tuple[str, ...]]) -> dict[str, str]:
        self.ident = self.unit_ident()
        paths = self.final_paths(self.ident)
        for code, plan in self.units.items():
            if code in self.broken:
                continue
            row, existing = plan.row, plan.existing
            if existing is not None:
                if not self.allowed(existing["path"]):
                    self.broken.add(code)
                    self.error(
                        UNITS,
                        row.row,
                        "code",
                        _("单位代码“%(code)s”已被%(scope)s之外的单位使用。")
                        % {"code": code, "scope": self.scope_words()},
                        _("换一个代码；如确需修改那个单位，请由负责它的办公室导入。"),
                    )
                    continue
                plan.old_tags = tags.get(existing["id"], ())
                plan.changes = [
                    f for f, new in zip(UNIT_DATA, (row.name, row.short_name, plan.kind, plan.sort_order), strict=True)
                    if existing[f] != new
                ]  # fmt: skip
                if plan.parent_code != self.db_parent_code(existing):
                    plan.changes.append("parent")
                if plan.old_tags != row.tags:
                    plan.changes.append("tags")
            if (existing is None or "parent" in plan.changes) and not self.allowed(paths[code]):
                self.broken.add(code)
                self.error(
                    UNITS,
                    row.row,
                    "parent_code",
                    _("单位“%(name)s”会落在%(scope)s之外。") % {"name": row.name, "scope": self.scope_words()},
                    _("“上级单位代码”应为%(scope)s内的单位代码。") % {"scope": self.scope_words()},
                )
        return paths

    # --- people -----------------------------------------------------------------------------
    def load_people(self, rows: list[PersonRow]) -> tuple[dict[str, dict], dict[str, dict], dict[tuple, list[dict]]]:
        by_code: dict[str, dict[str, Any]] = {}
        by_idn: dict[str, dict[str, Any]] = {}
        for batch in chunks(sorted({r.code for r in rows if r.code})):
            by_code.update((v["code"], v) for v in Person.objects.filter(code__in=batch).values(*PERSON_VALUES))
        ids = sorted({r.id_number for r in rows if r.id_number and not r.id_masked})
        for batch in chunks(ids):
            by_idn.update(
                (v["id_number"], v) for v in Person.objects.filter(id_number__in=batch).values(*PERSON_VALUES)
            )
        # Rows with neither number: match by name within the unit, when that is unambiguous.
        anonymous = [r for r in rows if not r.code and not (r.id_number and not r.id_masked)]
        by_name: dict[tuple, list[dict]] = {}
        unit_ids = sorted({self.known[r.unit_code]["id"] for r in anonymous if r.unit_code in self.known})
        names = sorted({r.name for r in anonymous})
        for batch in chunks(unit_ids, 500):
            qs = Person.objects.filter(code__isnull=True, unit_id__in=batch)
            if len(names) <= 500:
                qs = qs.filter(name__in=names)
            for v in qs.values(*PERSON_VALUES):
                by_name.setdefault((v["unit_id"], v["name"]), []).append(v)
        return by_code, by_idn, by_name

    def plan_people(self, rows: list[PersonRow], paths: dict[str, str]) -> None:
        by_code, by_idn, by_name = self.load_people(rows)
        anonymous_keys: dict[tuple, int] = {}
        for r in rows:
            if not r.code and not (r.id_number and not r.id_masked) and r.unit_code in self.known:
                key = (self.known[r.unit_code]["id"], r.name)
                anonymous_keys[key] = anonymous_keys.get(key, 0) + 1
        matched: dict[int, int] = {}
        for r in rows:
            unit_path = self.unit_path(r, paths)
            if unit_path is None:
                continue
            existing, via = self.match(r, by_code, by_idn, by_name, anonymous_keys)
            if existing is False:
                continue
            if existing is not None:
                if not self.allowed(existing["unit__path"]):
                    self.error(
                        PEOPLE,
                        r.row,
                        via,
                        _("该%(column)s已登记在%(scope)s之外的人员名下。")
                        % {"column": HEADERS[PEOPLE][via], "scope": self.scope_words()},
                        _("核对号码；如此人已调入本单位，请先由原单位所在的办公室调整。"),
                    )
                    continue
                if existing["id"] in matched:
                    self.error(
                        PEOPLE,
                        r.row,
                        via,
                        _("与第 %(row)s 行是同一人。") % {"row": matched[existing["id"]]},
                        _("同一人只保留一行，并核对人员编号和身份证号。"),
                    )
                    continue
                matched[existing["id"]] = r.row
            data = self.person_data(r, existing)
            if data is None:
                continue
            plan = PersonPlan(r, existing, data)
            if existing is not None:
                unit_id = self.known[r.unit_code]["id"] if r.unit_code in self.known else None
                plan.changes = [f for f in PERSON_DATA if existing[f] != data[f]]
                if existing["unit_id"] != unit_id:
                    plan.changes.append("unit")
            self.people.append(plan)

    def unit_path(self, r: PersonRow, paths: dict[str, str]) -> str | None:
        code = r.unit_code
        if code not in self.units and code not in self.known:
            self.error(
                PEOPLE,
                r.row,
                "unit_code",
                _("单位代码“%(code)s”不存在：本文件“单位”表和系统中都没有这个单位。") % {"code": code},
                _("在“单位”表中添加该单位，或改为已有单位的代码。"),
            )
            return None
        if code in self.broken:
            return None  # the unit's own row already carries the error
        path = paths.get(code) or self.final_paths_for_known(code, paths)
        if path is None:
            return None  # an ancestor's row is in a cycle and already carries the error
        if not self.allowed(path):
            self.error(
                PEOPLE,
                r.row,
                "unit_code",
                _("单位“%(code)s”不在%(scope)s之内。") % {"code": code, "scope": self.scope_words()},
                _("“单位代码”应为%(scope)s内的单位代码。") % {"scope": self.scope_words()},
            )
            return None
        return path

    def final_paths_for_known(self, code: str, paths: dict[str, str]) -> str | None:
        """The path after the import of an existing unit not in the file (its ancestors may move).

        None when an ancestor's row is broken (a cycle or an unknown parent).
        """
        ident = self.ident
        chain: list[str] = []
        current: str | None = code
        while current is not None and current not in paths:
            if current in self.broken or current in chain:
                return None
            chain.append(current)
            current = self.final_parent(current)
        base = paths[current] if current is not None else ""
        for c in reversed(chain):
            base = f"{base}{ident[c]}/"
            paths[c] = base
        return base

    def match(self, r: PersonRow, by_code: dict, by_idn: dict, by_name: dict, anonymous_keys: dict) -> tuple[Any, str]:
        """(existing values | None | False when the row is in error, the column it was matched by)."""
        found_code = by_code.get(r.code) if r.code else None
        found_idn = by_idn.get(r.id_number) if r.id_number and not r.id_masked else None
        if found_code and found_idn and found_code["id"] != found_idn["id"]:
            self.error(
                PEOPLE,
                r.row,
                "id_number",
                _("身份证号已登记在系统中另一名人员（不是编号“%(code)s”的人员）名下。") % {"code": r.code},
                _("核对人员编号和身份证号是否属于同一人。"),
            )
            return False, "id_number"
        if found_code:
            return found_code, "code"
        if found_idn:
            return found_idn, "id_number"
        if not r.code and not (r.id_number and not r.id_masked) and r.unit_code in self.known:
            key = (self.known[r.unit_code]["id"], r.name)
            candidates = by_name.get(key, [])
            if len(candidates) == 1 and anonymous_keys.get(key) == 1:
                return candidates[0], "name"
        return None, "code"

    def person_data(self, r: PersonRow, existing: dict[str, Any] | None) -> dict[str, Any] | None:
        phone, id_number = r.phone, r.id_number
        ok = True
        if r.phone_masked:
            if existing is not None and masked_phone_matches(r.phone, existing["phone"]):
                phone = existing["phone"]
            else:
                ok = False
                self.error(
                    PEOPLE,
                    r.row,
                    "phone",
                    _("手机号“%(value)s”是打码后的号码，无法导入。") % {"value": r.phone},
                    _("填写完整的手机号；只有系统中已有的人员才可以保留导出时的打码号码。"),
                )
        if r.id_masked:
            if existing is not None and masked_id_matches(r.id_number or "", existing["id_number"]):
                id_number = existing["id_number"]
            else:
                ok = False
                self.error(
                    PEOPLE,
                    r.row,
                    "id_number",
                    _("身份证号“%(value)s”是打码后的号码，无法导入。") % {"value": r.id_number},
                    _("填写完整的 18 位身份证号；只有系统中已有的人员才可以保留导出时的打码号码。"),
                )
        if not ok:
            return None
        return {
            "code": r.code or (existing["code"] if existing else None),
            "name": r.name,
            "unit_code": r.unit_code,
            "position": r.position,
            "is_leading_cadre": r.is_leading_cadre,
            "is_party_member": r.is_party_member,
            "is_cadre": r.is_cadre,
            "phone": phone,
            "id_number": id_number or (existing["id_number"] if existing else None),
            "training_batch": r.training_batch,
        }

    # --- counts and preview -------------------------------------------------------------------
    def summarise(self) -> None:
        report = self.report
        for plan in self.units.values():
            action = "create" if plan.existing is None else ("update" if plan.changes else "unchanged")
            setattr(report.units, _COUNT[action], getattr(report.units, _COUNT[action]) + 1)
            if len(report.preview_units) < PREVIEW_ROWS:
                r = plan.row
                values: list[Any] = [r.code, r.name, plan.parent_code or "", KIND_WORDS.get(plan.kind, plan.kind)]
                values += [r.short_name, "、".join(r.tags), plan.sort_order]
                report.preview_units.append(PreviewRow(r.row, action, values, self.headers(UNITS, plan.changes)))
        for pplan in self.people:
            action = "create" if pplan.existing is None else ("update" if pplan.changes else "unchanged")
            setattr(report.people, _COUNT[action], getattr(report.people, _COUNT[action]) + 1)
            if len(report.preview_people) < PREVIEW_ROWS:
                d = pplan.data
                values = [d["code"] or "", d["name"], d["unit_code"], d["position"]]
                values += [_yes(d["is_leading_cadre"]), _yes(d["is_party_member"]), _yes(d["is_cadre"])]
                values += [mask_phone(d["phone"]), mask_id_number(d["id_number"]), d["training_batch"] or ""]
                report.preview_people.append(
                    PreviewRow(pplan.row.row, action, values, self.headers(PEOPLE, pplan.changes))
                )

    @staticmethod
    def headers(kind: str, changes: list[str]) -> list[str]:
        names = {"parent": "parent_code", "unit": "unit_code"}
        return [HEADERS[kind].get(names.get(c, c), c) for c in changes]


_COUNT = {"create": "created", "update": "updated", "unchanged": "unchanged"}


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def tags_of(unit_ids: list[int]) -> dict[int, tuple[str, ...]]:
    through = Unit.tags.through
    found: dict[int, list[str]] = {}
    for batch in chunks(unit_ids):
        for unit_id, name in through.objects.filter(unit_id__in=batch).values_list("unit_id", "tag__name"):
            found.setdefault(unit_id, []).append(name)
    return {k: tuple(sorted(v)) for k, v in found.items()}
