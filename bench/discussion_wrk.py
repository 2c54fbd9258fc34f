"""wrk, its Lua scripts and the gunicorn server of the discussion benchmark.

Every wrk run gets a generated script whose ``done()`` prints one ``BENCH_JSON {…}`` line (requests,
duration, errors and the 50/90/95/99th latency percentiles from wrk's own histogram), so nothing is
read back from wrk's human-readable report. Requests carry ``X-Forwarded-Proto: https`` and an
``X-Forwarded-For`` address, as the production reverse proxy sends them (``TRUSTED_PROXIES`` names
127.0.0.1), so the production settings apply unchanged: no HTTPS redirect, secure cookies, and
Django's HTTPS CSRF checks (the POSTs send a same-origin ``Referer``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parents[1]
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.0.1"}

DONE_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

THREADS_LUA = r"""
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end
"""


def lua_str(value: str) -> str:
    """A Lua string literal of an ASCII ``value`` (URL-encoded text, tokens, cookies)."""
    if not value.isascii() or any(ch in value for ch in "\r\n"):
        raise ValueError(f"not a plain ASCII value: {value[:40]!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_list(values: list[str]) -> str:
    return "{" + ", ".join(lua_str(v) for v in values) + "}"


def form(value: str) -> str:
    """``value`` URL-encoded for an application/x-www-form-urlencoded body or a query string."""
    return quote(value, safe="")


@dataclass
class User:
    """One signed-in participant as a connection presents it."""

    session: str
    csrf_cookie: str
    csrf_token: str
    address: str


def users_lua(users: list[User], session_cookie: str, csrf_cookie: str) -> str:
    rows = [
        "{cookie = "
        + lua_str(f"{session_cookie}={u.session}; {csrf_cookie}={u.csrf_cookie}")
        + ", csrf = "
        + lua_str(form(u.csrf_token))
        + ", ip = "
        + lua_str(u.address)
        + "}"
        for u in users
    ]
    return "local users = {\n  " + ",\n  ".join(rows) + "\n}\n"


def static_script(headers: dict[str, str]) -> str:
    """A fixed request (wrk builds it once): the page or hello."""
    lines = [f"wrk.headers[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n" + DONE_LUA


def get_rotating_script(paths: list[str], headers: dict[str, str]) -> str:
    """GETs cycling through ``paths`` (the search queries)."""
    return (
        THREADS_LUA
        + f"local paths = {lua_list(paths)}\n"
        + "local headers = {"
        + ", ".join(f"[{lua_str(k)}] = {lua_str(v)}" for k, v in headers.items())
        + "}\n"
        + "local counter = 0\n"
        + "function request()\n"
        + "  counter = counter + 1\n"
        + "  return wrk.format('GET', paths[(counter * 7 + tid) % #paths + 1], headers)\n"
        + "end\n"
        + DONE_LUA
    )


def post_script(
    *,
    path_lua: str,
    body_lua: str,
    users: list[User],
    origin: str,
    session_cookie: str,
    csrf_cookie: str,
    threads: int,
    prelude: str = "",
    headers: dict[str, str] | None = None,
) -> str:
    """POSTs signed in as ``users`` in turn (each thread its own share of them), with a CSRF token.

    ``path_lua`` and ``body_lua`` are Lua expressions over ``counter`` (this thread's request number),
    ``tid`` (the thread's number) and ``u`` (the user of this request).
    """
    return (
        THREADS_LUA
        + users_lua(users, session_cookie, csrf_cookie)
        + prelude
        + f"local nthreads = {threads}\n"
        + "local counter = 0\n"
        + "function request()\n"
        + "  counter = counter + 1\n"
        + "  local u = users[(counter * nthreads + tid) % #users + 1]\n"
        + f"  local path = {path_lua}\n"
        + f"  local body = 'csrfmiddlewaretoken=' .. u.csrf .. '&' .. {body_lua}\n"
        + "  return wrk.format('POST', path, {\n"
        + "    ['Cookie'] = u.cookie,\n"
        + "    ['Content-Type'] = 'application/x-www-form-urlencoded',\n"
        + f"    ['Referer'] = {lua_str(origin)} .. path,\n"
        + "    ['X-Forwarded-Proto'] = 'https',\n"
        + "    ['X-Forwarded-For'] = u.ip,\n"
        + "".join(f"    [{lua_str(k)}] = {lua_str(v)},\n" for k, v in (headers or {}).items())
        + "  }, body)\n"
        + "end\n"
        + DONE_LUA
    )


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    bytes: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, script: str, *, threads: int, connections: int, seconds: float) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        wrk = wrk_path()
        assert wrk is not None
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script_path,
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        os.unlink(script_path)
    marker = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or marker is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    data = json.loads(marker.removeprefix("BENCH_JSON "))
    return WrkResult(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        errors={k: int(data[k]) for k in ("connect", "read", "write", "status", "timeout") if data[k]},
        p50=data["p50"] / 1e6,
        p90=data["p90"] / 1e6,
        p95=data["p95"] / 1e6,
        p99=data["p99"] / 1e6,
        max=data["max"] / 1e6,
        bytes=int(data["bytes"]),
    )


# --- the server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(
    port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            method, path, body=body.encode() if body is not None else None, headers={**PROXY_HEADERS, **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def prime(port: int, paths: list[str], *, parallel: int = 16, rounds: int = 3) -> float:
    """GET every path from ``parallel`` connections at once, ``rounds`` times, so that each worker has
    imported its views and compiled its templates before anything is timed (a worker's first request
    takes seconds). Returns the slowest request of the last round, in seconds."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path: str) -> float:
        start = time.perf_counter()
        request(port, "GET", path)
        return time.perf_counter() - start

    slowest = 0.0
    with ThreadPoolExecutor(parallel) as pool:
        for _ in range(rounds):
            slowest = max(pool.map(one, [path for path in paths for _ in range(parallel)]))
    return slowest


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int, worker_connections: int, log: Path) -> Iterator[int]:
    """``gunicorn taolun.wsgi -w <workers> --timeout 60`` as the operator guide runs it, on a free port, with
    the threaded worker class so that connections are kept alive (see ``SERVER`` in ``bench.discussion``)."""
    port = free_port()
    log.unlink(missing_ok=True)
    command = [str(PROJECT / ".venv" / "bin" / "gunicorn"), "taolun.wsgi", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "-k", "gthread", "--threads", str(threads)]
    command += ["--worker-connections", str(worker_connections), "--timeout", "60"]
    command += ["--error-logfile", str(log)]
    process = subprocess.Popen(
        command, cwd=PROJECT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped (exit {process.returncode}); see {log}")
            try:
                status, _headers, _body = request(port, "GET", "/bench-hello/")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def describe(result: Any) -> str:
    """Errors of a wrk run in words, for the notes column."""
    if not result.errors:
        return ""
    return "errors: " + ", ".join(f"{k} {v}" for k, v in result.errors.items())
