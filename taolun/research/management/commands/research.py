"""``taolun research list|coverage``: research topics (调研课题) from the command line (run as the system)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from taolun.problems.management.commands.problem import campaign_by_slug, unit_by_code
from taolun.research import selectors
from taolun.research.models import ResearchTopic, TopicStatus

LIST_LIMIT = 200


class Command(BaseCommand):
    help = "Research topics: list them, or which leading cadres of a unit have no topic yet."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,coverage}")
        listing = sub.add_parser("list", help="topics with their leader, unit, status and updates")
        listing.add_argument("--campaign", help="campaign slug")
        listing.add_argument("--unit", help="unit code (its subtree)")
        listing.add_argument("--status", default="", choices=["", *TopicStatus.values])
        listing.add_argument("--limit", type=int, default=LIST_LIMIT)
        coverage = sub.add_parser("coverage", help="leading cadres of a unit and whether each has a topic")
        coverage.add_argument("--campaign", required=True, help="campaign slug")
        coverage.add_argument("--unit", required=True, help="unit code (its subtree)")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def do_list(self, **o: Any) -> None:
        qs = selectors.filter_topics(
            ResearchTopic.objects.all(),
            campaign=campaign_by_slug(o["campaign"]),
            unit=unit_by_code(o["unit"]),
            status=o["status"],
        )
        total = qs.count()
        rows = list(qs[: max(o["limit"], 0)])
        for t in rows:
            self.stdout.write(
                f"{t.pk:>8}  {t.get_status_display():<6} {t.update_count:>3}  "  # type: ignore[attr-defined]
                f"{t.unit.name} · {t.leader.name} · {t.title}"
            )
        self.stdout.write(_("共 %(total)s 个调研课题，显示 %(shown)s 个。") % {"total": total, "shown": len(rows)})

    def do_coverage(self, **o: Any) -> None:
        campaign = campaign_by_slug(o["campaign"], required=True)
        unit = unit_by_code(o["unit"], required=True)
        if campaign is None or unit is None:
            raise CommandError(_("请给出 --campaign 和 --unit。"))
        coverage = selectors.coverage(campaign, unit)
        self.stdout.write(
            _("%(unit)s：领导干部 %(leaders)s 人，已有调研课题 %(with_topic)s 人，尚无课题 %(missing)s 人。")
            % {
                "unit": unit.name,
                "leaders": coverage.leaders,
                "with_topic": coverage.with_topic,
                "missing": coverage.leaders - coverage.with_topic,
            }
        )
        labels = dict(TopicStatus.choices)
        stages = "；".join(f"{labels[s]} {n}" for s, n in coverage.by_status.items() if n)
        if stages:
            self.stdout.write(f"  {stages}")
        for person in coverage.missing[:LIST_LIMIT]:
            self.stdout.write(f"  ✗ {person.name} · {person.unit.name}")
