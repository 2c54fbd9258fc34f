"""``taolun articles import-references|recheck|rebuild-index``: the copy-detection side of reflection articles
from the command line (run as the system, unrestricted).

- ``import-references`` reads files and folders into a reference collection, all or nothing, through
  :func:`taolun.articles.references.references_import`; the new texts join the detection library before
  the command returns when tasks run in-process (with a broker the indexing task is queued: it says so).
- ``recheck`` re-checks every handed-in article of a campaign as a ``RecheckRun`` (the office's page shows
  it like one started there). ``checks.recheck_run`` reports its progress only on the run's row, and with
  in-process tasks it would run to the end inside ``recheck_start`` before a bar could be drawn. So when
  tasks are eager the command claims the run it started (``checks.recheck_claim``, as the task does: the
  task, run on commit, then finds it claimed and does nothing) and runs it here
  (``checks.recheck_execute``) with a bar.
  With a broker the task is queued and the command follows the run's row until it finishes.
- ``rebuild-index`` empties ``settings.ARTICLES_INDEX_DIR`` and adds back every reference text and every
  handed-in article's latest submission: for an operator recovering a lost or damaged index. Running
  processes notice the new library by its new generation and read it afresh.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from taolun.articles import checks, detection, references
from taolun.articles.models import (
    HANDED_IN,
    Article,
    ArticleRevision,
    RecheckRun,
    RecheckStatus,
    ReferenceCollection,
    ReferenceText,
)
from taolun.celery import app as celery_app
from taolun.core.commands import bar, campaign_by_slug

SUFFIXES = {".txt", ".docx"}
BATCH = 200  # reference texts indexed (and articles loaded) at a time
POLL_SECONDS = 1.0  # how often a queued re-check's row is read


class _Rollback(Exception):
    """Undo the collection created for an import that found bad files."""


def tasks_in_process() -> bool:
    return bool(celery_app.conf.task_always_eager)


def _wanted(path: Path, root: Path) -> bool:
    """A .txt or .docx file under ``root``, not hidden and not Word's lock file (``~$name.docx``) of an open
    document, which would fail the whole batch."""
    if not path.is_file() or path.suffix.lower() not in SUFFIXES or path.name.startswith("~$"):
        return False
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def collect_files(paths: list[str]) -> list[Path]:
    """The files named, and every .txt and .docx under the folders named (recursively, sorted)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if _wanted(p, path)))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(_("找不到文件或文件夹“%(path)s”。") % {"path": given})
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Command(BaseCommand):
    help = (
        "Copy detection for reflection articles: import reference texts (.txt/.docx files or folders, all or "
        "nothing), re-check a campaign's articles, or rebuild the detection index from the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import-references,recheck,rebuild-index}")
        imp = sub.add_parser(
            "import-references",
            help="import .txt/.docx files (or every one under the folders given) into a reference collection",
        )
        imp.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders searched recursively")
        imp.add_argument("--collection", required=True, metavar="NAME", help="the collection's name")
        imp.add_argument("--create", action="store_true", help="create the collection when there is none of that name")
        imp.add_argument("--description", default="", metavar="TEXT", help="the new collection's description")
        recheck = sub.add_parser("recheck", help="re-check every handed-in article of a campaign")
        recheck.add_argument("--campaign", required=True, metavar="SLUG", help="campaign slug")
        recheck.add_argument(
            "--no-wait", action="store_true", help="with a task broker: queue the re-check and return at once"
        )
        sub.add_parser(
            "rebuild-index",
            help="empty ARTICLES_INDEX_DIR and add back every reference text and handed-in article",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(**options)

    @property
    def progress_stream(self) -> Any:
        return getattr(self.stderr, "_out", sys.stderr)

    # —— import-references ——

    def do_import_references(self, **o: Any) -> None:
        name = o["collection"].strip()
        collection = ReferenceCollection.objects.filter(name=name).first()
        if collection is None and not o["create"]:
            raise CommandError(_("没有名为“%(name)s”的文库。要新建它，请加上 --create。") % {"name": name})
        if collection is not None and o["description"]:
            self.stderr.write(_("文库“%(name)s”已存在，--description 未使用。") % {"name": name})
        paths = collect_files(o["paths"])
        if not paths:
            raise CommandError(_("给出的文件夹里没有 .txt 或 .docx 文件。"))
        if len(paths) > references.MAX_FILES:
            raise CommandError(
                _("一次最多导入 %(max)s 个文件，这次有 %(n)s 个。请分批导入。")
                % {"max": references.MAX_FILES, "n": len(paths)}
            )
        files, unreadable = self._read(paths)
        try:
            with transaction.atomic():
                if collection is None:
                    try:
                        collection = references.collection_create(name=name, description=o["description"], by=None)
                    except ValidationError as exc:
                        raise CommandError(" ".join(exc.messages)) from exc
                report = references.ImportReport()
                if files:
                    report = references.references_import(
                        collection=collection, files=files, by=None, dry_run=bool(unreadable)
                    )
                order = {str(path): n for n, path in enumerate(paths)}
                errors = sorted(unreadable + report.errors, key=lambda error: order.get(error[0], len(order)))
                if errors:
                    raise _Rollback
        except _Rollback:
            for path, problem in errors:
                self.stdout.write(f"{path}: {_strip_name(path, problem)}")
            raise CommandError(
                _("有 %(n)s 个文件不能导入，没有导入任何文件。请修改或去掉这些文件后重新导入。") % {"n": len(errors)},
                returncode=1,
            ) from None
        # Committed: with in-process tasks the new texts were indexed on commit, before this line.
        self.stdout.write(
            self.style.SUCCESS(
                _("导入 %(added)s 篇，跳过重复 %(skipped)s 篇（文库“%(name)s”）。")
                % {"added": report.added, "skipped": report.skipped, "name": collection.name}
            )
        )
        if report.ids:
            waiting = ReferenceText.objects.filter(pk__in=report.ids, indexed=False).count()
            if not waiting:
                self.stdout.write(_("新文本已加入比对索引。"))
            elif tasks_in_process():
                self.stdout.write(
                    _("有 %(n)s 篇新文本未能加入比对索引；下次批量检测或运行 rebuild-index 时会补上。") % {"n": waiting}
                )
            else:
                self.stdout.write(_("已排队由任务进程将 %(n)s 篇新文本加入比对索引。") % {"n": waiting})

    def _read(self, paths: list[Path]) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
        """Each file's bytes; a file over the size limit, or one the system cannot read, is reported instead."""
        files: list[tuple[str, bytes]] = []
        unreadable: list[tuple[str, str]] = []
        with bar(self.progress_stream, len(paths), _("读取"), _("个文件")) as progress:
            for path in paths:
                try:
                    size = path.stat().st_size
                    if size > references.MAX_FILE_BYTES:
                        unreadable.append(
                            (
                                str(path),
                                _("文件超过 %(mb)s MB，请拆分后再导入。")
                                % {"mb": references.MAX_FILE_BYTES // (1024 * 1024)},
                            )
                        )
                    else:
                        files.append((str(path), path.read_bytes()))
                except OSError as error:
                    unreadable.append((str(path), _("无法读取：%(error)s") % {"error": error.strerror or error}))
                progress.update(1)
        return files, unreadable

    # —— recheck ——

    def do_recheck(self, **o: Any) -> None:
        campaign = campaign_by_slug(o["campaign"])
        eager = tasks_in_process()
        try:
            with transaction.atomic():
                run = checks.recheck_start(campaign=campaign, by=None)
                if eager:
                    # Ours to run (with a bar): the task, run in-process on commit, finds it claimed.
                    checks.recheck_claim(run.pk)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if eager:
            self._run_here(run)
        elif o["no_wait"]:
            self.stdout.write(
                _("已排队批量检测 %(total)s 篇文章（第 %(id)s 次）。") % {"total": run.total, "id": run.pk}
            )
            return
        else:
            self.stdout.write(_("已排队，由任务进程检测；按 Ctrl-C 停止等待（检测会继续）。"))
            self._follow(run)
        run.refresh_from_db()
        if run.status == RecheckStatus.FAILED:
            raise CommandError(_("批量检测失败：%(message)s") % {"message": run.message}, returncode=1)
        self.stdout.write(
            self.style.SUCCESS(
                _("批量检测完成：共 %(total)s 篇，已检测 %(done)s 篇，疑似抄袭 %(flagged)s 篇。")
                % {"total": run.total, "done": run.done, "flagged": run.flagged}
            )
        )

    def _run_here(self, run: RecheckRun) -> None:
        """The claimed run, checked here with a progress bar."""
        with bar(self.progress_stream, run.total, _("检测"), _("篇")) as progress:

            def advance(done: int, total: int) -> None:
                progress.total = total
                progress.update(done - progress.n)

            checks.recheck_execute(run_id=run.pk, on_progress=advance)

    def _follow(self, run: RecheckRun) -> None:
        """Draw the queued run's progress from its row until a worker has finished it."""
        with bar(self.progress_stream, run.total, _("检测"), _("篇")) as progress:
            while True:
                run.refresh_from_db(fields=["status", "total", "done", "flagged"])
                progress.total = run.total
                progress.n = run.done
                progress.refresh()
                if run.status in (RecheckStatus.DONE, RecheckStatus.FAILED):
                    return
                time.sleep(POLL_SECONDS)

    # —— rebuild-index ——

    def do_rebuild_index(self, **o: Any) -> None:
        directory = Path(settings.ARTICLES_INDEX_DIR)
        detection.erase_library()
        ReferenceText.objects.filter(indexed=True).update(indexed=False)
        Article.objects.filter(indexed_revision__isnull=False).update(indexed_revision=None)
        reference_ids = list(ReferenceText.objects.order_by("pk").values_list("pk", flat=True))
        added = 0
        with bar(self.progress_stream, len(reference_ids), _("比对文本"), _("篇")) as progress:
            for batch in chunks(reference_ids, BATCH):
                added += detection.index_references(ReferenceText.objects.filter(pk__in=batch).only("pk", "body"))
                progress.update(len(batch))
        rows = [r for _a, r in checks.latest_submissions(Article.objects.filter(status__in=HANDED_IN)) if r is not None]
        with bar(self.progress_stream, len(rows), _("文章"), _("篇")) as progress:
            for batch in chunks(rows, BATCH):
                detection.index_articles(
                    ArticleRevision.objects.filter(pk__in=batch).only("pk", "article_id", "body").order_by("pk")
                )
                progress.update(len(batch))
        self.stdout.write(
            self.style.SUCCESS(
                _("比对索引已重建：比对文本 %(refs)s 篇，文章 %(articles)s 篇（%(dir)s）。")
                % {"refs": added, "articles": len(rows), "dir": directory}
            )
        )


def _strip_name(name: str, problem: str) -> str:
    """The reader's message without the file name it starts with (the line already names the file)."""
    for separator in ("：", ": "):
        if problem.startswith(name + separator):
            return problem[len(name) + len(separator) :]
    return problem
