"""Running jobs at the same moment in threads, each on its own database connection (PostgreSQL race tests)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def race(jobs: list[Callable[[], Any]], threads: int | None = None) -> list[Any]:
    """Run ``jobs`` at once; their results in order.

    With ``threads`` fewer than the jobs, they run in batches of ``threads``: the jobs of a batch wait for each
    other before starting, and a short last batch waits only for its own jobs.
    """
    if not jobs:
        return []
    size = min(len(jobs), threads or len(jobs))
    # The pool hands out jobs in order: a batch's jobs hold their threads until the whole batch is there, and the
    # batch before them never waits for them, so every batch gets its threads.
    barriers = [threading.Barrier(len(jobs[start : start + size])) for start in range(0, len(jobs), size)]

    def run(index: int, job: Callable[[], Any]) -> Any:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):  # a thread that never came: start anyway
                barriers[index // size].wait(timeout=30)
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=size) as pool:
        futures = [pool.submit(run, index, job) for index, job in enumerate(jobs)]
        return [f.result() for f in futures]  # any unexpected error is raised here
