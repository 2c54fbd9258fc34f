"""Writing a checked roster: bulk inserts and updates, unit paths parent-first, audit entries in bulk.

Called by ``roster_import`` inside its transaction, only when every row passed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from taolun.core.models import AuditEntry
from taolun.core.services import _actor_label, audit_record, audit_record_many, bulk_insert

from .masking import mask_id_number, mask_phone
from .models import Person, Unit
from .roster_format import Progress
from .roster_match import PERSON_DATA, chunks
from .services import tags_get_or_create

if TYPE_CHECKING:
    from taolun.accounts.models import User

    from .roster_match import RosterImporter

BATCH = 2000
UNIT_FIELDS = ["name", "short_name", "kind", "sort_order", "parent", "path", "depth", "updated_at"]


def _masked(data: dict[str, Any]) -> dict[str, Any]:
    """Audit entries never hold phone or ID numbers in clear."""
    if data.get("phone"):
        data["phone"] = mask_phone(data["phone"])
    if data.get("id_number"):
        data["id_number"] = mask_id_number(data["id_number"])
    return data


def _depth(path: str) -> int:
    return path.count("/") - 1


class AuditBatch:
    """Per-object entries built in memory and inserted in bulk at the end."""

    def __init__(self, *, by: User | None, now: dt.datetime, note: str) -> None:
        self.actor = by if by is not None and by.pk else None
        self.label = _actor_label(by)[:150]
        self.now, self.note = now, note[:500]
        self.entries: list[AuditEntry] = []

    def add(self, action: str, obj: Unit | Person, path: str, before: Any, after: Any) -> None:
        self.entries.append(
            AuditEntry(
                at=self.now,
                actor=self.actor,
                actor_label=self.label,
                action=action,
                object_type=obj._meta.label,
                object_id=str(obj.pk),
                object_repr=obj.name[:200],
                unit_path=path,
                before=before,
                after=after,
                note=self.note,
            )
        )


def _move_subtrees(importer: RosterImporter, paths: dict[str, str]) -> None:
    """Rewrite the paths under each moved unit, outermost first, one UPDATE per moved unit."""
    moved = sorted(
        ((p.existing["path"], p.row.code) for p in importer.units.values() if p.existing and "parent" in p.changes),
        key=lambda m: len(m[0]),
    )
    applied: list[tuple[str, str]] = []
    for current, code in moved:
        for old_prefix, new_prefix in applied:  # an ancestor moved already, taking this one along
            if current.startswith(old_prefix):
                current = new_prefix + current[len(old_prefix) :]
        target = paths[code]
        Unit.objects.filter(path__startswith=current).update(
            path=Concat(Value(target), Substr("path", len(current) + 1)),
            depth=F("depth") + (_depth(target) - _depth(current)),
        )
        applied.append((current, target))


def write_units(importer: RosterImporter, audit: AuditBatch) -> tuple[dict[str, int], dict[str, str]]:
    """Insert new units, update changed ones, set every path; returns ``{code: id}`` and ``{code: path}``."""
    now = audit.now
    plans = list(importer.units.values())
    known = importer.known
    new_units = {
        p.row.code: Unit(
            code=p.row.code,
            name=p.row.name,
            short_name=p.row.short_name,
            kind=p.kind,
            sort_order=p.sort_order,
            parent_id=known[p.parent_code]["id"] if p.parent_code in known else None,
            created_at=now,
        )
        for p in plans
        if p.existing is None
    }
    for batch in chunks(new_units.values(), BATCH):
        Unit.objects.bulk_create(batch)
    ids = {code: v["id"] for code, v in known.items()} | {code: u.pk for code, u in new_units.items()}
    importer.ident = {code: str(pk) for code, pk in ids.items()}
    paths = importer.final_paths(importer.ident)
    _move_subtrees(importer, paths)

    for code, unit in new_units.items():
        parent_code = importer.units[code].parent_code
        unit.parent_id = ids[parent_code] if parent_code else None
        unit.path = paths[code]
        unit.depth = _depth(unit.path)
    Unit.objects.bulk_update(new_units.values(), ["parent", "path", "depth"], batch_size=BATCH)

    changed: list[Unit] = []
    for plan in plans:
        existing = plan.existing
        if existing is None or not plan.changes:
            continue
        row = plan.row
        unit = Unit(
            pk=existing["id"],
            name=row.name,
            short_name=row.short_name,
            kind=plan.kind,
            sort_order=plan.sort_order,
            parent_id=ids[plan.parent_code] if plan.parent_code else None,
            path=paths[row.code],
            depth=_depth(paths[row.code]),
            updated_at=now,
        )
        changed.append(unit)
        before: dict[str, Any] = {f: existing[f] for f in plan.changes if f in existing}
        after: dict[str, Any] = {f: getattr(unit, f) for f in plan.changes if f in existing}
        if "parent" in plan.changes:
            before["parent"], after["parent"] = existing["parent_id"], unit.parent_id
        if "tags" in plan.changes:
            before["tags"], after["tags"] = list(plan.old_tags), list(row.tags)
        audit.add("orgs.unit.update", unit, unit.path, before, after)
    Unit.objects.bulk_update(changed, UNIT_FIELDS, batch_size=BATCH)

    _write_tags(importer, ids)
    for code, unit in new_units.items():
        created = {f: getattr(unit, f) for f in ["name", "short_name", "code", "kind", "sort_order"]}
        created |= {"parent": unit.parent_id, "tags": list(importer.units[code].row.tags)}
        audit.add("orgs.unit.create", unit, unit.path, None, created)
    return ids, paths


def _write_tags(importer: RosterImporter, ids: dict[str, int]) -> None:
    plans = [p for p in importer.units.values() if p.existing is None or "tags" in p.changes]
    tag_ids = {t.name: t.pk for t in tags_get_or_create({t for p in plans for t in p.row.tags})}
    through = Unit.tags.through
    for batch in chunks([p.existing["id"] for p in plans if p.existing]):
        through.objects.filter(unit_id__in=batch).delete()
    links = [through(unit_id=ids[p.row.code], tag_id=tag_ids[t]) for p in plans for t in p.row.tags]
    through.objects.bulk_create(links, batch_size=BATCH)


def write_people(
    importer: RosterImporter, ids: dict[str, int], paths: dict[str, str], audit: AuditBatch, progress: Progress | None
) -> None:
    now = audit.now

    def unit_path(code: str) -> str:
        return paths.get(code) or importer.final_paths_for_known(code, paths) or ""  # never "": all rows passed

    created: list[Person] = []
    updated: list[Person] = []
    update_fields: set[str] = {"updated_at"}
    for plan in importer.people:
        values = {f: plan.data[f] for f in PERSON_DATA}
        unit_code = plan.data["unit_code"]
        if plan.existing is None:
            created.append(Person(unit_id=ids[unit_code], created_at=now, **values))
        elif plan.changes:
            person = Person(pk=plan.existing["id"], unit_id=ids[unit_code], updated_at=now, **values)
            updated.append(person)
            update_fields.update(plan.changes)
            before = {f: plan.existing[f] for f in plan.changes if f != "unit"}
            after = {f: values[f] for f in plan.changes if f != "unit"}
            if "unit" in plan.changes:
                before["unit"], after["unit"] = plan.existing["unit_id"], person.unit_id
            audit.add("orgs.person.update", person, unit_path(unit_code), _masked(before), _masked(after))
    total, done = len(created) + len(updated), 0
    for batch in chunks(created, 10 * BATCH):
        bulk_insert(Person, batch)
        done += len(batch)
        if progress is not None:
            progress("write", done, total)
    for batch in chunks(updated, BATCH):
        Person.objects.bulk_update(batch, sorted(update_fields), batch_size=500)
        done += len(batch)
        if progress is not None:
            progress("write", done, total)
    code_of = {pk: code for code, pk in ids.items()}
    path_of: dict[int, str] = {}
    for person in created:
        if person.unit_id not in path_of:
            path_of[person.unit_id] = unit_path(code_of[person.unit_id])
        data = {f: getattr(person, f) for f in PERSON_DATA} | {"unit": person.unit_id}
        audit.add("orgs.person.create", person, path_of[person.unit_id], None, _masked(data))


def write_plan(importer: RosterImporter, *, filename: str, progress: Progress | None) -> None:
    audit = AuditBatch(by=importer.by, now=timezone.now(), note=filename)
    ids, paths = write_units(importer, audit)
    write_people(importer, ids, paths, audit, progress)
    audit_record_many(audit.entries)
    under = importer.under
    audit_record(
        actor=importer.by,
        action="orgs.roster.import",
        obj=under,
        object_type="" if under else "orgs.Unit",
        object_repr="" if under else "—",
        after={"file": filename, **importer.report.counts()},
        note=filename[:500],
        unit_path=under.path if under else "",
    )
