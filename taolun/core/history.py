"""A record's versioned history, read from its audit entries: each entry one version, each change a diff.

Services append an audit entry with the fields that changed (``before`` → ``after``) for every write on a
record; read in order, those entries are the record's versions. ``versions`` turns them into rows a
page can show: the field's label, the old and new values, and for longer texts a character diff
(Chinese has no word boundaries, so the diff runs on characters and merges short equal runs).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from .models import AuditEntry

# Texts at least this long are shown as a diff rather than old value → new value.
DIFF_FROM = 30
# Kept runs shorter than this between two changes are folded into the changes.
MERGE_BELOW = 2


@dataclass(frozen=True)
class Piece:
    """One run of a text diff: ``op`` is ``equal``, ``insert`` or ``delete``."""

    op: str
    text: str


@dataclass
class Change:
    name: str
    label: str
    before: Any
    after: Any
    diff: list[Piece] | None = None


@dataclass
class Version:
    entry: AuditEntry
    changes: list[Change] = field(default_factory=list)


def text_diff(before: str, after: str) -> list[Piece]:
    """``before`` → ``after`` as runs of kept, inserted and deleted characters.

    A kept run shorter than ``MERGE_BELOW`` characters between two changes (a lone "，" or "的" that
    happens to match) is folded into them, so that a rewritten phrase reads as one deletion and one
    insertion rather than as alternating fragments.
    """
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    runs: list[list[Any]] = []  # [changed?, old text, new text]
    opcodes = matcher.get_opcodes()
    for i, (op, a1, a2, b1, b2) in enumerate(opcodes):
        changed = op != "equal" or (0 < i < len(opcodes) - 1 and a2 - a1 < MERGE_BELOW)
        if changed and runs and runs[-1][0]:
            runs[-1][1] += before[a1:a2]
            runs[-1][2] += after[b1:b2]
        else:
            runs.append([changed, before[a1:a2], after[b1:b2]])
    pieces: list[Piece] = []
    for changed, old, new in runs:
        if not changed:
            pieces.append(Piece("equal", old))
            continue
        if old:
            pieces.append(Piece("delete", old))
        if new:
            pieces.append(Piece("insert", new))
    return pieces


def _is_long_text(value: Any) -> bool:
    return isinstance(value, str) and (len(value) >= DIFF_FROM or "\n" in value)


def entry_changes(
    entry: AuditEntry, labels: Mapping[str, Any], show: Callable[[str, Any], Any] | None = None
) -> list[Change]:
    """The fields ``entry`` changed, labelled; ``show(name, value)`` turns stored ids into names."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    changes = []
    # PostgreSQL's jsonb keeps no key order: fields come in the order of ``labels``, then by name.
    position = {name: i for i, name in enumerate(labels)}
    names = sorted({*before, *after}, key=lambda name: (position.get(name, len(position)), name))
    for name in names:
        old, new = before.get(name), after.get(name)
        if show is not None:
            old, new = show(name, old), show(name, new)
        change = Change(name=name, label=str(labels.get(name, name)), before=old, after=new)
        if (_is_long_text(old) or _is_long_text(new)) and old != new:
            change.diff = text_diff(old if isinstance(old, str) else "", new if isinstance(new, str) else "")
        changes.append(change)
    return changes


def entries_of(obj: Any) -> QuerySet[AuditEntry]:
    """The audit entries recorded on ``obj``, oldest first."""
    return AuditEntry.objects.filter(Q(object_type=obj._meta.label, object_id=str(obj.pk))).order_by("at", "id")


def versions(
    entries: Iterable[AuditEntry], labels: Mapping[str, Any], show: Callable[[str, Any], Any] | None = None
) -> list[Version]:
    return [Version(entry=entry, changes=entry_changes(entry, labels, show)) for entry in entries]


def referenced_names(
    entries: Iterable[AuditEntry], lookups: Mapping[str, tuple[Any, str]]
) -> dict[str, dict[int, str]]:
    """``{key: {id: name}}`` for the ids the entries store under each key of ``lookups`` (``key → (model, field)``).

    A stored value may be an id or a list of ids; one query per key that names any, however long the history.
    """
    wanted: dict[str, set[int]] = {key: set() for key in lookups}
    for entry in entries:
        for side in (entry.before, entry.after):
            if not isinstance(side, dict):
                continue
            for key in lookups:
                value = side.get(key)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, int) and not isinstance(item, bool):
                        wanted[key].add(item)
    return {
        key: dict(model.objects.filter(pk__in=wanted[key]).values_list("pk", field)) if wanted[key] else {}
        for key, (model, field) in lookups.items()
    }
