"""``taolun roster import|export|template|cleanup``: rosters from the command line (run as the system,
unrestricted)."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from taolun.orgs.models import Unit
from taolun.orgs.roster import ImportReport, RowError, roster_export, roster_import, roster_template
from taolun.orgs.roster_jobs import roster_uploads_cleanup


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def error_table(errors: list[RowError]) -> list[str]:
    """The per-row report as a plain-text table (Chinese characters count double)."""
    headers = [_("工作表"), _("行"), _("列"), _("问题"), _("修改方法")]
    rows = [[e.sheet or "—", str(e.row or "—"), e.column or "—", e.message, e.hint] for e in errors]
    sizes = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda cells: "  ".join(pad(c, s) for c, s in zip(cells, sizes, strict=True)).rstrip()  # noqa: E731
    return [line(headers), "  ".join("-" * s for s in sizes), *(line(r) for r in rows)]


class Progress:
    """Drives one tqdm bar per phase on stderr (silent when stderr is not a terminal)."""

    LABELS = {"read": "读取", "validate": "检查", "write": "写入"}

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.phase = ""
        self.bar: tqdm | None = None

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=total, desc=self.LABELS.get(phase, phase), unit="行", file=self.stream, disable=None)
        if self.bar is None:
            return
        if total is not None:
            self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(_("没有单位代码为“%(code)s”的单位。") % {"code": code})
    return unit


class Command(BaseCommand):
    help = (
        "Rosters (名册): import an .xlsx/.csv file, export a subtree to .xlsx, write the blank template, "
        "or delete expired uploads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,export,template,cleanup}")
        imp = sub.add_parser("import", help="check a roster file and import it (all or nothing)")
        imp.add_argument("file", help=".xlsx workbook (sheets 单位 and 人员) or .csv with one of them")
        imp.add_argument("--under", metavar="UNITCODE", help="unit that rows with a blank 上级单位代码 hang under")
        imp.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")
        exp = sub.add_parser("export", help="export a unit's subtree with its people to .xlsx")
        exp.add_argument("--root", required=True, metavar="UNITCODE", help="code of the unit to export")
        exp.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        exp.add_argument("--unmasked", action="store_true", help="phone and ID numbers in clear (default: masked)")
        tpl = sub.add_parser("template", help="write the blank roster template with examples and notes")
        tpl.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        sub.add_parser(
            "cleanup",
            help="delete uploads and unconfirmed import jobs older than a day (what the hourly periodic task does)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def do_import(self, **o: Any) -> None:
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件“%(path)s”。") % {"path": path})
        under = unit_by_code(o["under"]) if o["under"] else None
        progress = Progress(getattr(self.stderr, "_out", sys.stderr))
        try:
            report = roster_import(
                path=path, filename=path.name, under=under, by=None, dry_run=o["dry_run"], progress=progress
            )
        finally:
            progress.close()
        if not report.ok:
            for line in error_table(report.errors):
                self.stdout.write(line)
            if report.error_count > len(report.errors):
                self.stdout.write(_("……另有 %(n)s 处错误未列出。") % {"n": report.error_count - len(report.errors)})
            raise CommandError(
                _("发现 %(n)s 处错误，未写入任何数据。请按上表修改文件后重新导入。") % {"n": report.error_count},
                returncode=1,
            )
        self.print_counts(report)
        if report.dry_run:
            self.stdout.write(_("检查通过（试运行，未写入任何数据）。"))
        else:
            self.stdout.write(self.style.SUCCESS(_("导入完成。")))

    def print_counts(self, report: ImportReport) -> None:
        for label, counts in ((_("单位"), report.units), (_("人员"), report.people)):
            self.stdout.write(
                _("%(label)s：新建 %(created)s，更新 %(updated)s，不变 %(unchanged)s")
                % {"label": label, **vars(counts)}
            )

    def do_export(self, **o: Any) -> None:
        root = unit_by_code(o["root"])
        data = roster_export(root=root, by=None, unmasked=o["unmasked"])
        Path(o["output"]).write_bytes(data)
        self.stdout.write(_("已导出到 %(path)s。") % {"path": o["output"]})

    def do_template(self, **o: Any) -> None:
        Path(o["output"]).write_bytes(roster_template())
        self.stdout.write(_("导入模板已写入 %(path)s。") % {"path": o["output"]})

    def do_cleanup(self, **o: Any) -> None:
        done = roster_uploads_cleanup()
        self.stdout.write(
            _(
                "已删除过期的导入任务 %(expired)s 个、旧的已完成任务 %(finished)s 个、上传文件 %(files)s 个；"
                "标记中断的导入 %(interrupted)s 个。"
            )
            % done
        )
