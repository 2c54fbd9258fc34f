"""``taolun activity list|attendance|record|coverage``: activities from the command line (run as the system)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.activities import selectors
from taolun.activities.exports import attendance_workbook
from taolun.activities.models import Activity
from taolun.activities.record_pdf import record_pdf
from taolun.campaigns.models import Campaign
from taolun.orgs.models import Unit

LIST_LIMIT = 200


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("日期“%(value)s”无效，请写成 YYYY-MM-DD，例如 2018-10-26。") % {"value": value}) from exc


class Command(BaseCommand):
    help = "Activities: list them, write an attendance sheet (xlsx) or a meeting record (PDF), training coverage."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,attendance,record,coverage,recount}")
        listing = sub.add_parser("list", help="activities, newest first")
        listing.add_argument("--campaign", help="campaign slug")
        listing.add_argument("--unit", help="unit code (its subtree)")
        listing.add_argument("--kind", default="", help="study, seminar, training, inspection or a plan's own kind")
        listing.add_argument("--since", help="first day YYYY-MM-DD")
        listing.add_argument("--until", help="last day YYYY-MM-DD")
        listing.add_argument("--limit", type=int, default=LIST_LIMIT)
        for name, what in (("attendance", "the attendance sheet (.xlsx)"), ("record", "the meeting record (.pdf)")):
            export = sub.add_parser(name, help=f"write {what}")
            export.add_argument("id", type=int, help="activity id")
            export.add_argument("-o", "--output", required=True, help="file to write")
        coverage = sub.add_parser("coverage", help="which leading cadres the training batches have covered")
        coverage.add_argument("--campaign", required=True, help="campaign slug")
        coverage.add_argument("--unit", required=True, help="unit code (its subtree)")
        coverage.add_argument("--kind", default="training")
        recount = sub.add_parser("recount", help="recount the invited, excused and present people stored on activities")
        recount.add_argument("--campaign", help="campaign slug (default: every activity)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def _campaign(self, slug: str | None) -> Campaign | None:
        if not slug:
            return None
        campaign = Campaign.objects.filter(slug=slug).select_related("root_unit").first()
        if campaign is None:
            raise CommandError(_("没有标识为“%(slug)s”的大讨论活动。") % {"slug": slug})
        return campaign

    def _unit(self, code: str | None) -> Unit | None:
        if not code:
            return None
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(_("没有单位代码为“%(code)s”的单位。") % {"code": code})
        return unit

    def _activity(self, pk: int) -> Activity:
        activity = Activity.objects.select_related("unit", "campaign").filter(pk=pk).first()
        if activity is None:
            raise CommandError(_("没有编号为 %(id)s 的活动。") % {"id": pk})
        return activity

    def do_list(self, **o: Any) -> None:
        qs = selectors.filter_activities(
            Activity.objects.all(),
            campaign=self._campaign(o["campaign"]),
            unit=self._unit(o["unit"]),
            kind=o["kind"],
            since=iso_date(o["since"]) if o["since"] else None,
            until=iso_date(o["until"]) if o["until"] else None,
        )
        total = qs.count()
        rows = selectors.rows_with_counts(list(qs.values_list("pk", flat=True)[: max(o["limit"], 0)]))
        for a in rows:
            start = timezone.localtime(a.start_at).strftime("%Y-%m-%d %H:%M")
            counts = f"{a.present_count}/{a.invited_count - a.excused_count}"  # type: ignore[attr-defined]
            self.stdout.write(
                f"{a.pk:>8}  {start}  {a.kind:<10} {counts:>9}  {a.get_status_display():<6} {a.unit.name} · {a.title}"
            )
        self.stdout.write(_("共 %(total)s 项，显示 %(shown)s 项（实到/应到）。") % {"total": total, "shown": len(rows)})

    def _write(self, path: str, data: bytes) -> None:
        target = Path(path)
        if not target.parent.exists():
            raise CommandError(_("目录 %(dir)s 不存在。") % {"dir": target.parent})
        target.write_bytes(data)
        self.stdout.write(_("已写入 %(path)s（%(size)s 字节）。") % {"path": target, "size": len(data)})

    def do_attendance(self, **o: Any) -> None:
        # The operator at the server's console sees the roster unmasked, as the office does.
        self._write(o["output"], attendance_workbook(self._activity(o["id"]), unmasked_check=lambda person: True))

    def do_record(self, **o: Any) -> None:
        self._write(o["output"], record_pdf(self._activity(o["id"])))

    def do_coverage(self, **o: Any) -> None:
        campaign = self._campaign(o["campaign"])
        unit = self._unit(o["unit"])
        if campaign is None or unit is None:
            raise CommandError(_("请给出 --campaign 和 --unit。"))
        coverage = selectors.training_coverage(campaign, unit, kind=o["kind"])
        rate = f"{coverage.rate:.0%}" if coverage.rate is not None else "—"
        self.stdout.write(
            _("%(unit)s：领导干部 %(total)s 人，已参加培训 %(covered)s 人（%(rate)s）。")
            % {"unit": unit.name, "total": coverage.total, "covered": coverage.covered, "rate": rate}
        )
        for row in coverage.by_batch:
            batch = row["batch"] if row["batch"] is not None else "—"
            self.stdout.write(f"  {_('批次')} {batch}: {row['activities']} · {row['attended']}")
        for person in coverage.missing[:LIST_LIMIT]:
            self.stdout.write(f"  ✗ {person.name} · {person.unit.name} · {person.training_batch or '—'}")

    def do_recount(self, **o: Any) -> None:
        from taolun.activities.counts import counts_rebuild

        qs = Activity.objects.all()
        campaign = self._campaign(o["campaign"])
        if campaign is not None:
            qs = qs.filter(campaign=campaign)
        self.stdout.write(_("已重新统计 %(n)s 项活动的出席人数。") % {"n": counts_rebuild(qs)})
