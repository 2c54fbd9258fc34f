"""The reference library (比对文库): named collections of official texts articles are checked against.

Texts come in as plain text (UTF-8, GB18030 or UTF-16) or .docx files, one text per file, all or
nothing: a batch with one unreadable file imports none and reports every file's problem. A text
already in the collection (same content) is skipped, not duplicated. Imported texts join the
detection library at once (``tasks.index_references``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, clean_text
from taolun.text.docx import TextFileError, read_text_file

from .models import ReferenceCollection, ReferenceText
from .services import clean_body, count_chars

if TYPE_CHECKING:
    from taolun.accounts.models import User

MAX_FILES = 5000
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000
MIN_TEXT_CHARS = 20


@dataclass
class ImportReport:
    """What an import did, or would have done: one line per file."""

    added: int = 0
    skipped: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, what is wrong)
    ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def collection_create(*, name: str, description: str = "", by: User | None) -> ReferenceCollection:
    require_perm(by, "articles.manage_references")
    name = clean_text(name, "name", required=True, label=_("名称"), limit=100)
    description = clean_text(description, "description", label=_("说明"), limit=500)
    if ReferenceCollection.objects.filter(name=name).exists():
        raise ValidationError({"name": _("已有名为“%(name)s”的文库。") % {"name": name}})
    try:
        with transaction.atomic():
            collection = ReferenceCollection.objects.create(name=name, description=description, created_by=actor(by))
            audit_record(actor=by, action="articles.collection_create", obj=collection, after={"name": name})
    except IntegrityError as exc:
        raise ValidationError({"name": _("已有名为“%(name)s”的文库。") % {"name": name}}) from exc
    return collection


def _forget(forget: Callable[[list[tuple[int, str]]], None], texts: list[tuple[int, str]]) -> None:
    """Take texts out of the detection library before their rows go; when it cannot be written, keep them."""
    try:
        forget(texts)
    except OSError as error:
        raise ValidationError(_("检测文库暂时无法写入，文本未删除，请稍后再试或联系管理员。")) from error


def collection_delete(*, collection: ReferenceCollection, by: User | None) -> None:
    """Delete a collection and its texts; they leave the detection library first."""
    require_perm(by, "articles.manage_references")
    from .detection import forget_references

    texts = list(collection.texts.values_list("pk", "body"))
    _forget(forget_references, texts)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="articles.collection_delete",
            obj=collection,
            before={"name": collection.name, "texts": len(texts)},
        )
        collection.delete()


def reference_delete(*, text: ReferenceText, by: User | None) -> None:
    require_perm(by, "articles.manage_references")
    from .detection import forget_references

    _forget(forget_references, [(text.pk, text.body)])
    with transaction.atomic():
        audit_record(
            actor=by,
            action="articles.reference_delete",
            obj=text,
            before={"title": text.title, "collection": text.collection_id},
            unit_path="",
        )
        text.delete()


def _title_of(name: str, text: str) -> str:
    stem = PurePath(name).stem.strip()
    if stem:
        return stem[:200]
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:200] or _("（无标题）")


def read_files(files: Iterable[tuple[str, bytes]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(name, text)`` of each readable file and ``(name, problem)`` of each other one."""
    texts: list[tuple[str, str]] = []
    errors: list[tuple[str, str]] = []
    for name, data in files:
        if not data:
            errors.append((name, _("文件是空的。")))
            continue
        try:
            raw = read_text_file(data, name, max_bytes=MAX_FILE_BYTES, max_chars=MAX_TEXT_CHARS)
        except TextFileError as error:
            errors.append((name, str(error)))
            continue
        text = clean_body(raw)
        if count_chars(text) < MIN_TEXT_CHARS:
            errors.append((name, _("文件几乎没有文字（少于 %(n)s 字），不能作为比对文本。") % {"n": MIN_TEXT_CHARS}))
            continue
        texts.append((name, text))
    return texts, errors


def references_import(
    *,
    collection: ReferenceCollection,
    files: Iterable[tuple[str, bytes]],
    by: User | None,
    dry_run: bool = False,
) -> ImportReport:
    """Import files into ``collection``, all or nothing; texts already there are skipped."""
    require_perm(by, "articles.manage_references")
    files = list(files)
    report = ImportReport()
    if not files:
        report.errors.append(("", _("请选择要导入的文件。")))
        return report
    if len(files) > MAX_FILES:
        report.errors.append(("", _("一次最多导入 %(n)s 个文件。") % {"n": MAX_FILES}))
        return report
    texts, report.errors = read_files(files)
    if report.errors:
        return report
    existing = set(collection.texts.values_list("digest", flat=True))
    rows: list[ReferenceText] = []
    now = timezone.now()
    for name, text in texts:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in existing:
            report.skipped += 1
            continue
        existing.add(digest)
        rows.append(
            ReferenceText(
                collection=collection,
                title=_title_of(name, text),
                source_name=PurePath(name).name[:255],
                body=text,
                chars=count_chars(text),
                digest=digest,
                imported_at=now,
                imported_by=actor(by),
            )
        )
    report.added = len(rows)
    if dry_run or not rows:
        return report
    try:
        with transaction.atomic():
            created = ReferenceText.objects.bulk_create(rows, batch_size=200)
            report.ids = [row.pk for row in created if row.pk is not None]
            if len(report.ids) != len(rows):  # backends that do not return ids (none we run on)
                report.ids = list(
                    collection.texts.filter(digest__in=[row.digest for row in rows]).values_list("pk", flat=True)
                )
            audit_record(
                actor=by,
                action="articles.references_import",
                obj=collection,
                after={"added": report.added, "skipped": report.skipped},
            )
            ids = list(report.ids)
            # robust: the texts are imported even if indexing them fails now; the task retries on OSError
            # and a campaign's re-check indexes whatever is still out of the library.
            transaction.on_commit(lambda: _queue_index(ids), robust=True)
    except IntegrityError:
        # Someone imported the same text into this collection at the same moment: nothing was imported.
        report.added, report.ids = 0, []
        report.errors.append(("", _("同一文库正在同时导入相同的文本，本次未导入任何文件，请重试。")))
    return report


def _queue_index(ids: list[int]) -> None:
    from .tasks import index_references

    index_references.delay(reference_ids=ids)
