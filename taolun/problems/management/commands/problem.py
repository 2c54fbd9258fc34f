"""``taolun problem list|export|import``: the problem ledger from the command line (run as the system)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Campaign
from taolun.orgs.models import Unit
from taolun.problems.imports import ledger_import
from taolun.problems.ledger_xlsx import ledger_workbook
from taolun.problems.lights import LIGHTS
from taolun.problems.models import Problem, ProblemSource, ProblemStatus
from taolun.problems.selectors import SORTS, LedgerFilter, filter_problems, page_rows

LIST_LIMIT = 200


def campaign_by_slug(slug: str | None, *, required: bool = False) -> Campaign | None:
    if not slug:
        if required:
            raise CommandError(_("请用 --campaign 给出大讨论活动的标识。"))
        return None
    campaign = Campaign.objects.filter(slug=slug).select_related("root_unit").first()
    if campaign is None:
        raise CommandError(_("没有标识为“%(slug)s”的大讨论活动。") % {"slug": slug})
    return campaign


def unit_by_code(code: str | None, *, required: bool = False) -> Unit | None:
    if not code:
        if required:
            raise CommandError(_("请用 --unit 给出单位代码。"))
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(_("没有单位代码为“%(code)s”的单位。") % {"code": code})
    return unit


def _filters(parser: CommandParser) -> None:
    parser.add_argument("--unit", help="unit code (its subtree)")
    parser.add_argument("--status", default="", choices=["", *ProblemStatus.values])
    parser.add_argument("--source", default="", choices=["", *ProblemSource.values])
    parser.add_argument("--light", default="", choices=["", *LIGHTS])
    parser.add_argument("--q", default="", help="text in the problem's content, or its number")
    parser.add_argument("--sort", default="number", choices=list(SORTS))


class Command(BaseCommand):
    help = "The problem ledger: list problems, export the Excel ledger (台账), import one (all rows or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,export,import}")
        listing = sub.add_parser("list", help="problems with their status, light and progress")
        listing.add_argument("--campaign", help="campaign slug")
        _filters(listing)
        listing.add_argument("--limit", type=int, default=LIST_LIMIT)
        export = sub.add_parser("export", help="write the ledger in the standard columns (.xlsx)")
        export.add_argument("--campaign", required=True, help="campaign slug")
        _filters(export)
        export.add_argument("-o", "--output", required=True, help="file to write")
        load = sub.add_parser("import", help="import an Excel ledger: every row is checked before anything is written")
        load.add_argument("file", help=".xlsx file")
        load.add_argument("--campaign", required=True, help="campaign slug")
        load.add_argument("--unit", required=True, help="code of the unit whose subtree the ledger's units lie in")
        load.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def _filter(self, o: dict[str, Any], campaign: Campaign | None) -> LedgerFilter:
        return LedgerFilter(
            campaign=campaign,
            unit=unit_by_code(o["unit"]),
            status=o["status"],
            source=o["source"],
            light=o["light"],
            q=o["q"],
            sort=o["sort"],
        )

    def do_list(self, **o: Any) -> None:
        today = timezone.localdate()
        qs = filter_problems(Problem.objects.all(), self._filter(o, campaign_by_slug(o["campaign"])), today=today)
        total = qs.count()
        rows = page_rows(qs, 0, max(o["limit"], 0), today=today)
        for p in rows:
            due = p.due_on.isoformat() if p.due_on else "—"
            light = getattr(p, "light", "")
            self.stdout.write(
                f"#{p.number:<6} {p.get_status_display():<8} {light:<6} {p.progress:>3}%  {due:<10}  "
                f"{p.unit.name} · {p.owner.name if p.owner else '—'} · {p.content[:40]}"
            )
        self.stdout.write(_("共 %(total)s 个问题，显示 %(shown)s 个。") % {"total": total, "shown": len(rows)})

    def do_export(self, **o: Any) -> None:
        target = Path(o["output"])
        if not target.parent.exists():
            raise CommandError(_("目录 %(dir)s 不存在。") % {"dir": target.parent})
        campaign = campaign_by_slug(o["campaign"], required=True)
        f = self._filter(o, campaign)
        today = timezone.localdate()
        data = ledger_workbook(filter_problems(Problem.objects.all(), f, today=today), campaign=campaign, unit=f.unit)
        target.write_bytes(data)
        self.stdout.write(_("已写入 %(path)s（%(size)s 字节）。") % {"path": target, "size": len(data)})

    def do_import(self, **o: Any) -> None:
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(_("文件 %(path)s 不存在。") % {"path": path})
        campaign = campaign_by_slug(o["campaign"], required=True)
        unit = unit_by_code(o["unit"], required=True)
        if campaign is None or unit is None:
            raise CommandError(_("请给出 --campaign 和 --unit。"))
        try:
            with path.open("rb") as fh:
                report = ledger_import(
                    file_obj=fh, filename=path.name, campaign=campaign, unit=unit, by=None, dry_run=o["dry_run"]
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not report.ok:
            for error in report.errors:
                self.stdout.write(str(error))
            raise CommandError(
                _("发现 %(n)s 处错误，未写入任何数据。请逐处修改后重新导入。") % {"n": report.error_count}
            )
        statuses = "；".join(f"{label} {n}" for label, n in report.status_counts())
        counts = {"problems": report.problems, "measures": report.measures, "statuses": statuses or "—"}
        if report.written:
            self.stdout.write(_("已导入 %(problems)s 个问题、%(measures)s 项整改措施（%(statuses)s）。") % counts)
        else:
            self.stdout.write(
                _("检查通过（仅检查，未写入）：%(problems)s 个问题、%(measures)s 项整改措施（%(statuses)s）。") % counts
            )
