"""Periodic jobs for the embedded mode, where no ``celery beat`` runs.

The same ``CELERY_BEAT_SCHEDULE`` that beat reads in production is run here by a daemon thread of
the web process (``taolun serve``). Every periodic job is idempotent, so running one late or twice
(e.g. after a restart) does no harm. Schedules are intervals in seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)


class IntervalScheduler:
    """Decides which entries are due; ``run`` is what starts a job (by task name)."""

    def __init__(self, schedule: Mapping[str, Mapping[str, Any]], run: Callable[[str], Any]) -> None:
        self.entries = {name: (entry["task"], float(entry["schedule"])) for name, entry in schedule.items()}
        self.run = run
        self.last_run: dict[str, float] = {}

    def tick(self, now: float) -> list[str]:
        """Start every entry whose interval has passed (all of them on the first tick); returns their names."""
        started = []
        for name, (task, every) in self.entries.items():
            last = self.last_run.get(name)
            if last is not None and now - last < every:
                continue
            self.last_run[name] = now
            try:
                self.run(task)
            except Exception:  # a failing job must not stop the others or the thread
                logger.exception("periodic job %s failed", name)
            started.append(name)
        return started


def start_in_process(*, poll_seconds: float = 30.0) -> threading.Thread:
    """Run the beat schedule in a daemon thread of this process."""
    from django.conf import settings

    from taolun.celery import app

    app.loader.import_default_modules()  # the apps' tasks modules, as a worker would load them
    # apply_async (not send_task) so that jobs run in-process when no broker is configured.
    scheduler = IntervalScheduler(
        getattr(settings, "CELERY_BEAT_SCHEDULE", {}), lambda task: app.tasks[task].apply_async()
    )

    def loop() -> None:
        while True:
            scheduler.tick(time.monotonic())
            time.sleep(poll_seconds)

    thread = threading.Thread(target=loop, name="taolun-periodic-jobs", daemon=True)
    thread.start()
    return thread
