"""``taolun campaign create|list|activate|close``: campaigns from the command line (run as the system)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from taolun.campaigns import services
from taolun.campaigns.models import Campaign
from taolun.campaigns.plan import PlanError, builtin_plans, read_plan_source
from taolun.orgs.models import Unit


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("日期“%(value)s”无效，请写成 YYYY-MM-DD，例如 2019-03-01。") % {"value": value}) from exc


class Command(BaseCommand):
    help = "Campaigns: create one from a plan, list them, activate or close one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,activate,close}")
        create = sub.add_parser("create", help="create a campaign from a built-in plan key or a plan file")
        create.add_argument("--plan", required=True, help="built-in plan key (e.g. xihu-2018) or a YAML file")
        create.add_argument("--root", required=True, help="code of the unit whose subtree the campaign covers")
        create.add_argument("--slug", required=True, help="short name used in URLs, e.g. xihu-2019")
        create.add_argument("--start", required=True, help="start date YYYY-MM-DD")
        create.add_argument("--end", help="end date YYYY-MM-DD (default: the plan's length from --start)")
        create.add_argument("--title", help="title (default: the plan's title)")
        create.add_argument("--activate", action="store_true", help="start the campaign at once")
        sub.add_parser("list", help="every campaign with its status")
        for name in ("activate", "close"):
            move = sub.add_parser(name, help=f"{name} a campaign")
            move.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def _fail(self, exc: ValidationError, what: str) -> CommandError:
        if hasattr(exc, "error_dict"):
            for key, messages in exc.message_dict.items():
                for message in messages:
                    self.stderr.write(f"  ✗ {key}: {message}")
        else:
            for message in exc.messages:
                self.stderr.write(f"  ✗ {message}")
        return CommandError(what, returncode=1)

    def do_create(self, **o: Any) -> None:
        root = Unit.objects.filter(code=o["root"]).first()
        if root is None:
            raise CommandError(_("没有单位代码为“%(code)s”的单位。") % {"code": o["root"]})
        start = iso_date(o["start"])
        end = iso_date(o["end"]) if o["end"] else None
        plan_args: dict[str, Any]
        if o["plan"] in builtin_plans():
            plan_args = {"plan_key": o["plan"]}
        else:
            try:
                plan_args = {"plan_source": read_plan_source(o["plan"])}
            except PlanError as exc:
                raise CommandError(str(exc)) from exc
        try:
            campaign = services.campaign_setup(
                **plan_args,
                root_unit=root,
                slug=o["slug"],
                start_date=start,
                end_date=end,
                title=o["title"],
                activate=o["activate"],
                by=None,
            )
        except ValidationError as exc:
            raise self._fail(exc, _("活动未创建。")) from exc
        counts = {
            "themes": campaign.themes.count(),
            "stages": campaign.stages.count(),
            "reqs": campaign.requirements.count(),
        }
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "已创建活动 %(slug)s（%(status)s）：%(title)s，%(start)s 至 %(end)s，范围 %(root)s；"
                    "%(themes)s 个主题、%(stages)s 个阶段、%(reqs)s 项工作要求。"
                )
                % {
                    "slug": campaign.slug,
                    "status": campaign.get_status_display(),
                    "title": campaign.title,
                    "start": campaign.start_date,
                    "end": campaign.end_date,
                    "root": root.name,
                    **counts,
                }
            )
        )
        for stage in campaign.stages.all():
            self.stdout.write(f"  {stage.start_date} — {stage.end_date}  {stage.title}")

    def do_list(self, **o: Any) -> None:
        campaigns = Campaign.objects.select_related("root_unit", "plan").order_by("-start_date", "-id")
        if not campaigns:
            self.stdout.write(_("还没有活动。用 taolun campaign create 创建一个。"))
        for c in campaigns:
            self.stdout.write(
                f"{c.slug}  [{c.get_status_display()}]  {c.start_date} — {c.end_date}  {c.title}  "
                f"({c.root_unit.code}, {c.plan.key} v{c.plan.version})"
            )

    def _move(self, slug: str, service: Any, done: str) -> None:
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError(_("没有标识为“%(slug)s”的活动（taolun campaign list 可查看全部）。") % {"slug": slug})
        try:
            service(campaign=campaign, by=None)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(done % {"slug": slug, "title": campaign.title}))

    def do_activate(self, *, slug: str, **o: Any) -> None:
        self._move(slug, services.campaign_activate, _("活动 %(slug)s（%(title)s）已启动。"))

    def do_close(self, *, slug: str, **o: Any) -> None:
        self._move(slug, services.campaign_close, _("活动 %(slug)s（%(title)s）已结束。"))
