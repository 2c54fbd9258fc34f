"""Running jobs at the same moment in threads, each on its own database connection (PostgreSQL race tests)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def race(jobs: list[Callable[[], Any]], threads: int | None = None) -> list[Any]:
    """Run ``jobs`` at once (each thread waits for the others before starting); their results in order."""
    barrier = threading.Barrier(min(len(jobs), threads or len(jobs)))

    def run(job: Callable[[], Any]) -> Any:
        try:
            with contextlib.suppress(threading.BrokenBarrierError):  # a short last batch: start anyway
                barrier.wait(timeout=30)
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads or len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [f.result() for f in futures]  # any unexpected error is raised here
