"""A problem's versioned history: its audit entries, each change labelled and its stored ids shown as names.

The history page and the API read it here; a fixed number of queries however long the history (the entries,
then one lookup per kind of id named).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Dimension, Shortcoming, Theme
from taolun.core.history import Version, entries_of, entry_changes, referenced_names
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, Unit

from .models import (
    EvidenceFile,
    Extension,
    ExtensionStatus,
    Measure,
    MeasureUpdate,
    Problem,
    ProblemSource,
    ProblemStatus,
)

PROBLEM_LABELS: dict[str, Any] = {
    f.name: f.verbose_name for f in Problem._meta.get_fields() if hasattr(f, "verbose_name") and f.concrete
}
PROBLEM_LABELS.update({"on_time": _("按期销号"), "is_public": _("公开")})
MEASURE_LABELS: dict[str, Any] = {
    f.name: f.verbose_name for f in Measure._meta.get_fields() if hasattr(f, "verbose_name") and f.concrete
}
MEASURE_LABELS.update(
    {
        "measure": _("整改措施编号"),
        "note": MeasureUpdate._meta.get_field("note").verbose_name,
        "on": MeasureUpdate._meta.get_field("happened_on").verbose_name,
    }
)
EVIDENCE_LABELS: dict[str, Any] = {
    "id": _("材料编号"),
    "name": EvidenceFile._meta.get_field("original_name").verbose_name,
    "type": EvidenceFile._meta.get_field("content_type").verbose_name,
    "size": EvidenceFile._meta.get_field("size").verbose_name,
}
EXTENSION_LABELS: dict[str, Any] = {
    "extension": _("延期申请编号"),
    "from": Extension._meta.get_field("old_deadline").verbose_name,
    "to": Extension._meta.get_field("new_deadline").verbose_name,
    "status": _("审批结果"),
    "deadline": Problem._meta.get_field("deadline").verbose_name,
}
LABELS = {"measure": MEASURE_LABELS, "evidence": EVIDENCE_LABELS, "extension": EXTENSION_LABELS}
# Keys whose stored ids name a row: looked up in one query per kind for the whole history.
NAMED: dict[str, tuple[Any, str]] = {
    "owner": (Person, "name"),
    "unit": (Unit, "name"),
    "category": (Shortcoming, "title"),
    "theme": (Theme, "title"),
    "dimension": (Dimension, "title"),
}


def _kind(entry: AuditEntry) -> str:
    """``problems.measure.add`` → ``measure``; a move of the problem itself → ``problem``."""
    parts = entry.action.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LABELS else "problem"


def _names(entries: Iterable[AuditEntry]) -> dict[str, dict[Any, str]]:
    return dict(referenced_names(entries, NAMED))


def _show(names: dict[str, dict[Any, str]], kind: str) -> Callable[[str, Any], Any]:
    def show(name: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if name in NAMED and isinstance(value, int):
            return names[name].get(value) or f"#{value}"
        if name == "status":
            choices = ExtensionStatus if kind == "extension" else ProblemStatus
            return choices(value).label if value in choices.values else value
        if name == "source" and value in ProblemSource.values:
            return ProblemSource(value).label
        if name in ("progress",) and kind != "evidence":
            return f"{value}%"
        return value

    return show


def problem_versions(problem: Problem) -> list[Version]:
    """The problem's versions, oldest first, each change labelled and its ids shown as names."""
    entries = list(entries_of(problem))
    names = _names(entries)
    versions = []
    for entry in entries:
        kind = _kind(entry)
        labels = LABELS.get(kind, PROBLEM_LABELS)
        changes = entry_changes(entry, labels, _show(names, kind))
        # Fields empty on both sides (a new problem's blank ones) say nothing.
        changes = [c for c in changes if c.before is not None or c.after is not None]
        versions.append(Version(entry=entry, changes=changes))
    return versions


def action_label(action: str) -> str:
    """The words for an audit action on a problem (``problems.measure.add`` → 新增整改措施)."""
    labels = {
        "create": gettext_now("查摆登记"),
        "update": gettext_now("修改问题"),
        "confirm": gettext_now("确认问题"),
        "dismiss": gettext_now("不予认定"),
        "restore": gettext_now("恢复为已查摆"),
        "start": gettext_now("开始整改"),
        "finish": gettext_now("整改完成，申请核验"),
        "close": gettext_now("核验销号"),
        "reject": gettext_now("核验未通过，退回整改"),
        "reopen": gettext_now("重新整改"),
        "publish": gettext_now("公开设置"),
        "measure.add": gettext_now("新增整改措施"),
        "measure.change": gettext_now("修改整改措施"),
        "measure.delete": gettext_now("删除整改措施"),
        "measure.progress": gettext_now("报告整改进展"),
        "evidence.add": gettext_now("上传佐证材料"),
        "evidence.delete": gettext_now("删除佐证材料"),
        "extension.request": gettext_now("申请延期"),
        "extension.approve": gettext_now("批准延期"),
        "extension.reject": gettext_now("不批准延期"),
    }
    return labels.get(action.removeprefix("problems."), action)
