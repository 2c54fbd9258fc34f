"""``taolun plan list|validate FILE|load FILE|schema``: inspect, check and load campaign plans."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.translation import gettext as _

from taolun.campaigns import services
from taolun.campaigns.models import Plan
from taolun.campaigns.plan import PlanError, builtin_plans, json_schema, parse_plan, read_plan_source


class Command(BaseCommand):
    help = "Campaign plans: list the built-in and loaded plans, validate or load a plan file, print the schema."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,validate,load,schema}")
        sub.add_parser("list", help="built-in plan files and the plans loaded into the database")
        validate = sub.add_parser("validate", help="check a plan file (or built-in key); exit code 1 on errors")
        validate.add_argument("file")
        load = sub.add_parser("load", help="validate and store a plan file (or built-in key)")
        load.add_argument("file")
        sub.add_parser("schema", help="print the plan's JSON schema")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(**options)

    def _spec(self, name: str) -> tuple[str, Any]:
        try:
            source = read_plan_source(name)
            return source, parse_plan(source)
        except PlanError as exc:
            for problem in exc.problems:
                self.stderr.write(f"  ✗ {problem}")
            raise CommandError(
                _("%(name)s：发现 %(n)s 处错误。") % {"name": name, "n": len(exc.problems)}, returncode=1
            ) from exc
        except OSError as exc:
            raise CommandError(_("无法读取 %(name)s：%(error)s") % {"name": name, "error": exc}, returncode=1) from exc

    def do_list(self, **options: Any) -> None:
        self.stdout.write(_("内置方案："))
        for key, path in builtin_plans().items():
            try:
                spec = parse_plan(path.read_text(encoding="utf-8"))
                self.stdout.write(f"  {key}  v{spec.version}  {spec.title}")
            except PlanError as exc:
                self.stdout.write(f"  {key}  " + _("（无效：%(n)s 处错误）") % {"n": len(exc.problems)})
        plans = Plan.objects.annotate(n=Count("campaigns")).order_by("key", "-version")
        self.stdout.write(_("已载入的方案："))
        if not plans:
            self.stdout.write("  " + _("（无）"))
        for plan in plans:
            origin = _("内置") if plan.is_builtin else _("上传")
            self.stdout.write(
                f"  {plan.key}  v{plan.version}  {plan.title}  [{origin}]  " + _("%(n)s 个活动") % {"n": plan.n}  # type: ignore[attr-defined]
            )

    def do_validate(self, *, file: str, **options: Any) -> None:
        _source, spec = self._spec(file)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(name)s 有效：%(key)s 第 %(version)s 版，"
                    "%(themes)s 个主题、%(stages)s 个阶段、%(reqs)s 项工作要求。"
                )
                % {
                    "name": file,
                    "key": spec.key,
                    "version": spec.version,
                    "themes": len(spec.themes),
                    "stages": len(spec.stages),
                    "reqs": len(spec.requirements),
                }
            )
        )

    def do_load(self, *, file: str, **options: Any) -> None:
        source, spec = self._spec(file)
        before = Plan.objects.filter(key=spec.key, version=spec.version).exists()
        try:
            if file in builtin_plans():
                plan = services.plan_load_builtin(key=file, by=None)
            else:
                plan = services.plan_load(source=source, by=None)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(f"  ✗ {message}")
            raise CommandError(_("方案未载入。"), returncode=1) from exc
        if before:
            self.stdout.write(
                _("方案 %(key)s 第 %(version)s 版已载入过，内容相同，未作改动。")
                % {"key": plan.key, "version": plan.version}
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已载入方案 %(key)s 第 %(version)s 版：%(title)s")
                    % {"key": plan.key, "version": plan.version, "title": plan.title}
                )
            )

    def do_schema(self, **options: Any) -> None:
        self.stdout.write(json.dumps(json_schema(), ensure_ascii=False, indent=2))
