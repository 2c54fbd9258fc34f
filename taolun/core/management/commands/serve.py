"""``taolun serve``: the embedded server — the web app, with periodic jobs in the same process."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from taolun.core.scheduler import start_in_process


class Command(BaseCommand):
    help = (
        "Serve Taolun on one machine (the development server with static files), running the periodic "
        "jobs of CELERY_BEAT_SCHEDULE in-process when no Celery broker is configured."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true", help="do not restart on code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        # With autoreload, runserver re-runs this command in a child process (RUN_MAIN=true) that
        # serves; the parent only watches files. The jobs belong to the serving process.
        serving = options["noreload"] or os.environ.get("RUN_MAIN") == "true"
        if serving and settings.CELERY_TASK_ALWAYS_EAGER:
            start_in_process()
            self.stdout.write("periodic jobs: in-process (no Celery broker configured)")
        elif serving:
            self.stdout.write("periodic jobs: run `celery -A taolun beat` (a broker is configured)")
        call_command("runserver", options["addrport"], insecure_serving=True, use_reloader=not options["noreload"])
