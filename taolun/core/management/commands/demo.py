"""``taolun demo``: build the demo district and campaign (idempotent) and print the demo logins."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from taolun.demo import build_demo, login_table
from taolun.settings import env_bool


class Command(BaseCommand):
    help = "Build the demo district (溪湖区) with people, one login per role and a live campaign; print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=2000, help="about how many people to create (default 2000)")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="build the demo even with TAOLUN_PRODUCTION=1 (it creates logins with a published password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if env_bool("TAOLUN_PRODUCTION") and not options["allow_production"]:
            raise CommandError(
                "TAOLUN_PRODUCTION=1: the demo creates logins whose password is published; refusing. "
                "Use a separate database, or pass --allow-production if you really mean it."
            )
        started = time.monotonic()
        # The demo's people have made-up addresses: the notices they get stay in the app, no mail is sent.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            campaign = build_demo(people_target=options["people"], echo=lambda s: self.stdout.write(s))
        self.stdout.write(self.style.SUCCESS(f"演示活动：{campaign.title}（{time.monotonic() - started:.1f} 秒）"))
        self.stdout.write("")
        self.stdout.write(f"打开 {settings.SITE_URL}/ ，用下列演示账号登录 / demo logins:")
        rows = login_table()
        width = max(len(r[1]) for r in rows)
        for role, username, password, description in rows:
            self.stdout.write(f"  {username.ljust(width)}  {password}  {role} — {description}")
        self.stdout.write("")
