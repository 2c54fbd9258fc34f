"""Shared bench set-up: a throw-away PostgreSQL database, timers and the printed table."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = os.environ.get("BENCH_DATABASE", "taolun_bench")


def _admin(url: str) -> Any:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        sys.exit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://user@host:5432/postgres")
    conn = psycopg.connect(
        dbname=cfg["NAME"] or "postgres",
        user=cfg.get("USER") or None,
        password=cfg.get("PASSWORD") or None,
        host=cfg.get("HOST") or None,
        port=cfg.get("PORT") or None,
        autocommit=True,
    )
    return conn


def _with_db(url: str, name: str) -> str:
    base, _, _rest = url.rpartition("/")
    query = _rest.partition("?")[2]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@contextlib.contextmanager
def bench_database() -> Iterator[None]:
    """Create ``taolun_bench`` from DATABASE_URL's server, migrate it, and drop it afterwards."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = _with_db(url, BENCH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taolun.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield
    finally:
        from django.db import connections

        connections.close_all()
        with _admin(url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(fn: Callable[[], Any], repeat: int = 7) -> tuple[float, float]:
    """(median, best) seconds over ``repeat`` runs after one warm-up run."""
    fn()
    runs = [timed(fn)[0] for _ in range(repeat)]
    return statistics.median(runs), min(runs)


def seconds(value: float) -> str:
    return f"{value:8.2f} s"


def millis(value: float) -> str:
    return f"{value * 1000:8.1f} ms"


def verdict(value: float, target: float) -> str:
    return "OK  " if value < target else "SLOW"


def line(label: str, figure: str, note: str = "") -> None:
    print(f"  {label:<66}{figure}  {note}".rstrip(), flush=True)


def bench_users(prefix: str, district_id: int, street_id: int) -> dict[str, Any]:
    """An office user over the district and a liaison of one street, the two viewers the page figures use."""
    from taolun.accounts.models import Role, RoleAssignment, User
    from taolun.orgs.models import Unit

    district, street = Unit.objects.get(pk=district_id), Unit.objects.get(pk=street_id)
    office = User.objects.create(username=f"{prefix}-office")
    liaison = User.objects.create(username=f"{prefix}-liaison")
    RoleAssignment.objects.create(user=office, role=Role.OFFICE, unit=district)
    RoleAssignment.objects.create(user=liaison, role=Role.LIAISON, unit=street)
    return {"office": office, "liaison": liaison, "district": district, "street": street}


def table_counts(tables: list[str]) -> dict[str, int]:
    """Rows in each of ``tables`` (the data a run built)."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts
