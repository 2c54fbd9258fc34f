"""The online discussion over HTTP and its search (issue 6), against gunicorn, PostgreSQL and Redis.

Targets, each printed beside a baseline measured in the same run:

* a theme page holding 10,000 suggestions served at ≥ 50 % of the throughput of a bare Django "hello"
  view under the same server, with p99 latency under 100 ms at 32 connections;
* posting a suggestion, and voting, each at ≥ 25 % of hello's throughput;
* search over 1,000,000 suggestions with p95 under 50 ms (in-process and through HTTP).

One command: ``python -m bench.discussion`` (``--quick`` for short runs, ``--rebuild`` to load the data
again). The data (see ``bench.discussion_data``) is loaded once into ``taolun_bench_disc`` and kept;
the load is timed and reported on its own. The server is ``gunicorn taolun.wsgi -w 4 --timeout 60`` as
the operator guide runs it (threaded workers with one thread, so that wrk's connections are kept
alive), with the production settings (``TAOLUN_PRODUCTION=1``, ``DEBUG=0``, Redis); the only setting
changed is the limits on public input (``DISCUSSION_RATE_LIMITS``), as the output says. Load comes from
wrk (``apt-get install wrk``) with generated Lua scripts; see bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from . import discussion_data as data
from . import discussion_wrk as wrk
from .common import DEFAULT_URL, line

TARGET_PAGE_SHARE, TARGET_PAGE_P99 = 0.50, 0.100
TARGET_WRITE_SHARE = 0.25
TARGET_SEARCH_P95 = 0.050
CONNECTIONS, THREADS = 32, 2
# The server: 4 worker processes (cores × 2, as the operator guide says), one thread each as a sync worker
# has, but the threaded worker class so that connections are kept alive (wrk cannot time responses that
# close their connection), and at most 8 connections a worker so that the 32 are spread evenly.
WORKERS, WORKER_THREADS, WORKER_CONNECTIONS = 4, 1, 8
SEARCH_PAGE = 20
# Public input limits for the bench server: (per participant, per address, window). The product's
# defaults (settings.DISCUSSION_RATE_LIMITS) would refuse all but the first few posts of each participant.
RATE_LIMITS = {action: [1_000_000, 1_000_000, 3600] for action in ("suggestion", "comment", "vote", "report")}
VAR_DIR = wrk.PROJECT / "var" / "bench-discussion"

# Query words for the search figures: topics people write to a city about, 2–4 characters; those the
# corpus holds are used, graded common / middling / rare by how many corpus messages hold them.
QUERY_WORDS = """
停车 物业 小区 业主 垃圾分类 噪音 油烟 公交 地铁 违建 违章建筑 充电桩 电梯 加装电梯 老旧小区 幼儿园 学位 医保
社保 户口 公积金 路灯 积水 拆迁 征地 补偿款 工资 拖欠工资 农民工 房产证 消防 广场舞 养老 养老院 食品安全 出租车
共享单车 绿化 扰民 污水 排污 施工 渣土车 学校 补课 教师 医院 诊所 菜市场 快递 网约车 红绿灯 斑马线 人行道
下水道 化粪池 自来水 停水 停电 燃气 暖气 维修基金 开发商 延期交房 烂尾 学区 入学 户籍 低保 残疾人 环境污染 粉尘
异味
""".split()  # noqa: SIM905
QUERIES_PER_GROUP = 20


@dataclass
class Row:
    label: str
    figure: str
    target: str = ""
    baseline: str = ""
    ratio: str = ""
    verdict: str = ""
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(
            f"  {row.label:<52}{row.figure:>14}  {row.target:<16}{row.baseline:>14}  {row.ratio:>7}  {row.verdict:<4}"
            f"  {row.note}".rstrip(),
            flush=True,
        )

    def header(self, title: str) -> None:
        print(f"\n{title}", flush=True)
        print(f"  {'':<52}{'measured':>14}  {'target':<16}{'baseline':>14}  {'ratio':>7}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def rps(value: float) -> str:
    return f"{value:,.0f} req/s"


def verdict(ok: bool) -> str:
    return "OK" if ok else "FAIL"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# --- environment and data ---------------------------------------------------------------------------


def environment(url: str) -> dict[str, str]:
    """What the bench process and its gunicorn both run with: production settings over the bench DB."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.discussion_settings",
        "DATABASE_URL": data.database_url(url),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "DEBUG": "0",
        "TAOLUN_PRODUCTION": "1",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TRUSTED_PROXIES": "127.0.0.1",
        "TAOLUN_VAR_DIR": str(VAR_DIR),
        "STATIC_ROOT": str(VAR_DIR / "static"),
        "LOG_LEVEL": "WARNING",
        "DISCUSSION_RATE_LIMITS": json.dumps(RATE_LIMITS),
    }


def prepare(url: str, *, rebuild: bool, search_rows: int, corpus: data.Corpus) -> data.Base:
    """Create and migrate the bench database, and load what is missing (all of it after --rebuild)."""
    from django.core.management import call_command

    created = data.ensure_database(url, rebuild=rebuild)
    call_command("migrate", verbosity=0)
    page, search = data.loaded("page"), data.loaded("search")
    complete = page is not None and search is not None and search[0] == search_rows
    if not complete and not created:
        print("  the bench database is incomplete or of another size: loading it again", flush=True)
        data.drop_database(url)
        data.ensure_database(url, rebuild=False)
        call_command("migrate", verbosity=0)
    print("\nData", flush=True)
    if complete:
        assert page is not None and search is not None
        base = data.base()
        for campaign in (base.page, base.search):
            same, n = data.check_entries(campaign.pk)
            line(
                f"stored tokens and fingerprints = index_text / content_fingerprint now ({campaign.slug})",
                f"{same:>5} / {n}",
                "" if same == n else "the text engine changed since the load: run with --rebuild",
            )
        line(
            "reused: page campaign, 10,000 + 2,500 suggestions",
            f"{page[0]:>9,}",
            f"loaded {page[2]:%Y-%m-%d %H:%M} in {page[1]:.0f} s",
        )
        line(
            f"reused: search campaign, {search_rows:,} suggestions",
            f"{search[0]:>9,}",
            f"loaded {search[2]:%Y-%m-%d %H:%M} in {search[1]:.0f} s",
        )
        return base
    progress = lambda text: print(f"    … {text}", flush=True)  # noqa: E731
    started = time.perf_counter()
    base = data.build_base()
    rows = data.load(corpus, data.page_plan(base.page), base, progress=progress, bulk=False)
    seconds = time.perf_counter() - started
    data.mark_loaded("page", rows, seconds)
    line(
        "loaded: base (units, 2 campaigns, 5,256 people, words) + page campaign",
        f"{seconds:8.1f} s",
        f"{rows:,} suggestions",
    )
    started = time.perf_counter()
    rows = data.load(corpus, data.search_plan(base.search, search_rows), base, progress=progress, bulk=True)
    seconds = time.perf_counter() - started
    data.mark_loaded("search", rows, seconds)
    line("loaded: search campaign (COPY, indexes, VACUUM ANALYZE)", f"{seconds:8.1f} s", f"{rows:,} suggestions")
    return base


def reset_activity(base: data.Base) -> None:
    """Forget what earlier runs posted and voted, their sessions, and the Redis database (counters, stamps)."""
    from django.contrib.sessions.models import Session
    from django.core.cache import cache
    from django.db import connection, transaction

    from taolun.core.models import Notification
    from taolun.discussion.models import Suggestion, Vote

    posters = [participant.pk for _user, participant in base.posters]
    with transaction.atomic():
        Suggestion.objects.filter(author_id__in=posters).delete()
        voted = list(Vote.objects.filter(participant_id__in=posters).values_list("suggestion_id", flat=True).distinct())
        Vote.objects.filter(participant_id__in=posters).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE discussion_suggestion s
                   SET supports_count = (SELECT count(*) FROM discussion_vote v
                                         WHERE v.suggestion_id = s.id AND v.value = 1),
                       opposes_count = (SELECT count(*) FROM discussion_vote v
                                        WHERE v.suggestion_id = s.id AND v.value = -1)
                   WHERE s.id = ANY(%s)""",
                [voted],
            )
        Notification.objects.filter(recipient=base.liaison).delete()
        Session.objects.all().delete()
    cache.clear()


def sign_in(base: data.Base) -> list[wrk.User]:
    """A session and a CSRF token for each poster, as after signing in with a code."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpRequest
    from django.middleware.csrf import get_token

    users = []
    for i, (user, _participant) in enumerate(base.posters):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        request = HttpRequest()
        token = get_token(request)
        users.append(
            wrk.User(str(session.session_key), request.META["CSRF_COOKIE"], token, f"10.8.{i // 250}.{i % 250 + 1}")
        )
    return users


def collectstatic() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


# --- search queries ---------------------------------------------------------------------------------


def search_queries(corpus: data.Corpus) -> list[tuple[str, str]]:
    """(query, group) pairs: the query words the corpus holds, graded by the messages holding them."""
    from taolun.text.normalize import normalize

    texts = [normalize(m.title + "".join(m.sentences)).text for m in corpus.messages]
    counted = []
    for word in dict.fromkeys(QUERY_WORDS):
        norm = normalize(word).text
        n = sum(1 for text in texts if norm in text)
        if n:
            counted.append((n, word))
    counted.sort(reverse=True)
    third = max(1, len(counted) // 3)
    groups = {"common": counted[:third], "middling": counted[third : 2 * third], "rare": counted[2 * third :]}
    # rare: also names of places and estates that a handful of messages mention (2–4 Han characters)
    rng = random.Random(data.SEED)
    han = re.compile(r"[\u4e00-\u9fff]{4,}")
    candidates: dict[str, int] = {}
    for message in corpus.messages:
        for run in han.findall(message.title):
            for size in (3, 4):
                for start in range(0, len(run) - size + 1):
                    candidates[run[start : start + size]] = 0
    sample = rng.sample(sorted(candidates), min(400, len(candidates)))
    rare_names = []
    for word in sample:
        n = sum(1 for text in texts if word in text)
        if 1 <= n <= 3:
            rare_names.append((n, word))
        if len(rare_names) >= QUERIES_PER_GROUP:
            break
    out: list[tuple[str, str]] = []
    for group, words in groups.items():
        out += [(word, group) for _n, word in words[:QUERIES_PER_GROUP]]
    out += [(word, "rare") for _n, word in rare_names[: max(0, QUERIES_PER_GROUP - len(groups["rare"]))]]
    return out


def search_in_process(base: data.Base, queries: list[tuple[str, str]], passes: int, report: Report) -> float:
    """p50/p95/p99 of ``search_entries(campaign, q)[:20]`` + ``search_hits`` over the search campaign."""
    from django.db import reset_queries

    from taolun.discussion import selectors
    from taolun.discussion.models import SearchEntry

    campaign = base.search

    def one(q: str) -> tuple[float, float, int]:
        start = time.perf_counter()
        entries = list(selectors.search_entries(campaign, q)[:SEARCH_PAGE])
        middle = time.perf_counter()
        hits = selectors.search_hits(entries, q)
        return middle - start, time.perf_counter() - middle, len(hits)

    def newest() -> float:
        start = time.perf_counter()
        entries = list(
            SearchEntry.objects.filter(campaign=campaign, is_public=True)
            .only("id", "kind", "object_id", "suggestion_id")
            .order_by("-id")[:SEARCH_PAGE]
        )
        selectors.search_hits(entries, "停车")
        return time.perf_counter() - start

    for q, _group in queries:  # warm-up: one pass
        one(q)
    timings: dict[str, list[float]] = {}
    sql: list[float] = []
    per_query: dict[str, list[float]] = {}
    empty = []
    for _ in range(passes):
        for q, group in queries:
            t_sql, t_hits, n = one(q)
            timings.setdefault(group, []).append(t_sql + t_hits)
            per_query.setdefault(q, []).append(t_sql + t_hits)
            sql.append(t_sql)
            if n == 0:
                empty.append(q)
        reset_queries()
    what_if: list[float] = []
    same_pages = 0
    for q, _group in queries:
        same_pages += [e.pk for e in windowed_entries(campaign, q)] == [
            e.pk for e in selectors.search_entries(campaign, q)[:SEARCH_PAGE]
        ]
    for _ in range(passes):
        for q, _group in queries:
            start = time.perf_counter()
            selectors.search_hits(windowed_entries(campaign, q), q)
            what_if.append(time.perf_counter() - start)
    floor = [newest() for _ in range(max(20, passes * 4))]
    everything = [t for values in timings.values() for t in values]
    p95 = percentile(everything, 0.95)
    floor_p95 = percentile(floor, 0.95)
    matched = {q: selectors.search_entries(campaign, q)[:10_000].count() for q, _g in queries}
    report.header(
        f"Search over {data.SEARCH_SUGGESTIONS:,} suggestions, in-process ({len(queries)} queries × {passes})"
    )
    for group, values in timings.items():
        counts = [matched[q] for q, g in queries if g == group]
        report.add(
            Row(
                f"{group}: p50 / p95",
                f"{ms(percentile(values, 0.5))} / {ms(percentile(values, 0.95))}",
                note=f"{len(counts)} queries, matches {min(counts):,}–{max(counts):,}"
                + ("+" if max(counts) >= 10_000 else ""),
            )
        )
    report.add(
        Row(
            "of which SQL (search_entries[:20]): p50 / p95", f"{ms(percentile(sql, 0.5))} / {ms(percentile(sql, 0.95))}"
        )
    )
    report.add(
        Row(
            "all queries: search_entries[:20] + search_hits, p95",
            ms(p95),
            "< 50 ms",
            ms(floor_p95),
            f"{p95 / floor_p95:.1f}×" if floor_p95 else "",
            verdict(p95 < TARGET_SEARCH_P95),
            f"p50 {ms(percentile(everything, 0.5))}, p99 {ms(percentile(everything, 0.99))}; baseline: newest 20 "
            "public entries, no matching, + search_hits",
        )
    )
    report.add(
        Row(
            "what-if: newest entries first, in windows, p95 (no target)",
            ms(percentile(what_if, 0.95)),
            "",
            ms(floor_p95),
            "",
            "",
            f"p50 {ms(percentile(what_if, 0.5))}, p99 {ms(percentile(what_if, 0.99))}; the change proposed for "
            f"search.matching (bench code): same first page for {same_pages} of {len(queries)} queries",
        )
    )
    if empty:
        print(f"    queries without hits: {', '.join(sorted(set(empty)))}")
    if p95 >= TARGET_SEARCH_P95:
        slowest = sorted(per_query, key=lambda q: -statistics.median(per_query[q]))[:3]
        explain(campaign, slowest)
    return p95


# The change proposed for search.matching (see bench/README.md): the newest matches looked for among
# the newest 5,000 entries, then 50,000, then 500,000, then all, ordered by ``id + 0`` so that PostgreSQL
# takes the GIN bitmap ANDed with a primary-key range and reads only the matches of the window.
WINDOWS = (5_000, 50_000, 500_000)


def windowed_entries(campaign: Any, q: str, need: int = SEARCH_PAGE) -> list[Any]:
    """``search_entries(campaign, q)[:need]`` as the proposed change would read it (bench code, not the product)."""
    from django.db.models import F

    from taolun.discussion import selectors
    from taolun.discussion.models import SearchEntry

    newest = selectors.search_entries(campaign, q).alias(newest=F("id") + 0).order_by("-newest")
    top = SearchEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for window in WINDOWS:
        if window >= top:
            break
        rows = list(newest.filter(id__gt=top - window)[:need])
        if len(rows) == need:
            return rows
    return list(newest[:need])


def explain(campaign: Any, queries: list[str]) -> None:
    from taolun.discussion import selectors

    print("\n  EXPLAIN (ANALYZE, BUFFERS) of the slowest queries (search_entries(campaign, q)[:20]):")
    for q in queries:
        plan = selectors.search_entries(campaign, q)[:SEARCH_PAGE].explain(analyze=True, buffers=True)
        print(f"  --- q = {q!r}")
        for text in plan.splitlines()[:14]:
            print(f"    {text}")


# --- HTTP -------------------------------------------------------------------------------------------


@dataclass
class Http:
    port: int
    threads: int
    connections: int
    seconds: float
    warm_seconds: float

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def warm(self, path: str, script: str, *, connections: int | None = None, threads: int | None = None) -> None:
        if self.warm_seconds:
            c, t = connections or self.connections, threads or self.threads
            wrk.run_wrk(self.url(path), script, threads=t, connections=c, seconds=self.warm_seconds)

    def measure(
        self, path: str, script: str, *, connections: int | None = None, threads: int | None = None
    ) -> wrk.WrkResult:
        c, t = connections or self.connections, threads or self.threads
        return wrk.run_wrk(self.url(path), script, threads=t, connections=c, seconds=self.seconds)

    def run(
        self, path: str, script: str, *, connections: int | None = None, threads: int | None = None
    ) -> wrk.WrkResult:
        self.warm(path, script, connections=connections, threads=threads)
        return self.measure(path, script, connections=connections, threads=threads)


SUGGESTION_LINK = re.compile(rb'href="/discussion/s/(\d+)/')


def check_get(port: int, path: str) -> tuple[int, int, int]:
    """(status, bytes, distinct suggestions linked) of one GET."""
    status, _headers, body = wrk.request(port, "GET", path)
    return status, len(body), len(set(SUGGESTION_LINK.findall(body)))


def post_texts(corpus: data.Corpus, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """URL-encoded titles, sentences, and sentences carrying a listed word (one post in 20 has one)."""
    titles = [wrk.form(m.title) for m in rng.sample(corpus.messages, 300)]
    sentences = [wrk.form(sentence[:200]) for sentence in rng.sample(corpus.sentences, 600)]
    words = rng.sample(data.sensitive_words(), 20)
    flagged = [wrk.form(f"小区门口经常有人发小广告，写着“{word}”，请有关部门管一管。") for word in words]
    return titles, sentences, flagged


@dataclass
class Writes:
    """What a posting or voting run did, read from the database around the measured run."""

    result: wrk.WrkResult
    rows: int
    held: int = 0


def cookie_header(user: wrk.User) -> str:
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={user.session}; {settings.CSRF_COOKIE_NAME}={user.csrf_cookie}"


def measure_posting(
    http: Http, base: data.Base, users: list[wrk.User], theme_id: int, corpus: data.Corpus
) -> Writes | str:
    """POST /discussion/new/ as the posters in turn, each body unique (the duplicate check), one in 20
    with a listed word. Returns the run, or why it was not measured."""
    from django.conf import settings

    from taolun.discussion.models import Suggestion

    posters = [participant.pk for _user, participant in base.posters]
    titles, sentences, flagged = post_texts(corpus, random.Random(data.SEED))
    prelude = (
        f"local titles = {wrk.lua_list(titles)}\nlocal sentences = {wrk.lua_list(sentences)}\n"
        f"local flagged = {wrk.lua_list(flagged)}\nlocal theme = {theme_id}\n"
        f"local mark_open, mark_close = {wrk.lua_str(wrk.form('（编号 '))}, {wrk.lua_str(wrk.form('）'))}\n"
    )
    path = f"/discussion/new/?campaign={base.page.slug}"

    def script() -> str:
        # a fresh mark for every wrk run: the counters start again at 0 and the texts must not repeat
        body = (
            "'theme=' .. theme .. '&kind=suggest&title=' .. titles[(counter * 7 + tid) % #titles + 1] .. "
            "'&body=' .. sentences[(counter * 13 + tid) % #sentences + 1] .. "
            "sentences[(counter * 29 + tid * 5) % #sentences + 1] .. "
            "(counter % 20 == 0 and flagged[math.floor(counter / 20) % #flagged + 1] or '') .. "
            f"mark_open .. {wrk.lua_str(secrets.token_hex(4))} .. '-' .. tid .. '-' .. counter .. mark_close"
        )
        return wrk.post_script(
            path_lua=wrk.lua_str(path),
            body_lua=body,
            users=users,
            origin=http.origin,
            session_cookie=settings.SESSION_COOKIE_NAME,
            csrf_cookie=settings.CSRF_COOKIE_NAME,
            threads=http.threads,
            prelude=prelude,
        )

    probe = users[0]
    headers = {
        "Cookie": cookie_header(probe),
        "Referer": http.origin + path,
        "X-Forwarded-For": probe.address,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = (
        f"csrfmiddlewaretoken={wrk.form(probe.csrf_token)}&theme={theme_id}&kind=suggest&title={titles[0]}"
        f"&body={sentences[0]}{sentences[1]}{wrk.form('（编号 ' + secrets.token_hex(4) + '）')}"
    )
    mine = Suggestion.objects.filter(author_id__in=posters)
    before = mine.count()
    status, _headers, answer = wrk.request(http.port, "POST", path, headers=headers, body=body)
    if mine.count() != before + 1:
        return f"the probe POST {path} answered {status} and created nothing {_errors(answer)}"
    http.warm(path, script())
    count, held = mine.count(), mine.filter(status="pending").count()
    result = http.measure(path, script())
    return Writes(result, mine.count() - count, mine.filter(status="pending").count() - held)


def measure_voting(http: Http, base: data.Base, users: list[wrk.User], ids: list[int]) -> Writes | str:
    """POST /discussion/s/<id>/vote/ as htmx does it from the page, the posters in turn over ``ids``,
    the value alternating: a new vote, a changed one or the same again."""
    from django.conf import settings

    from taolun.discussion.models import Vote

    headers = {"HX-Request": "true"}
    script = wrk.post_script(
        path_lua="'/discussion/s/' .. ids[(counter * 31 + tid * 17) % #ids + 1] .. '/vote/'",
        body_lua="'value=' .. ((counter % 2 == 0) and '1' or '-1')",
        users=users,
        origin=http.origin,
        session_cookie=settings.SESSION_COOKIE_NAME,
        csrf_cookie=settings.CSRF_COOKIE_NAME,
        threads=http.threads,
        prelude=f"local ids = {{{', '.join(map(str, ids))}}}\n",
        headers=headers,
    )
    probe, path = users[0], f"/discussion/s/{ids[0]}/vote/"
    status, _headers, answer = wrk.request(
        http.port,
        "POST",
        path,
        headers={
            **headers,
            "Cookie": cookie_header(probe),
            "Referer": http.origin + path,
            "X-Forwarded-For": probe.address,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=f"csrfmiddlewaretoken={wrk.form(probe.csrf_token)}&value=1",
    )
    if status >= 400 or not Vote.objects.filter(participant_id=base.posters[0][1].pk, suggestion_id=ids[0]).exists():
        return f"the probe vote answered {status} and cast nothing {_errors(answer)}"
    posters = [participant.pk for _user, participant in base.posters]
    http.warm("/discussion/s/vote/", script)
    before = Vote.objects.filter(participant_id__in=posters).count()
    result = http.measure("/discussion/s/vote/", script)
    return Writes(result, Vote.objects.filter(participant_id__in=posters).count() - before)


def http_figures(
    http: Http,
    base: data.Base,
    users: list[wrk.User],
    corpus: data.Corpus,
    queries: list[tuple[str, str]],
    report: Report,
) -> None:
    from taolun.discussion.models import Suggestion

    theme = base.page.themes.order_by("order", "id").first()
    assert theme is not None
    page_path = f"/discussion/themes/{theme.pk}/"
    static = wrk.static_script(wrk.PROXY_HEADERS)
    posters = [participant.pk for _user, participant in base.posters]
    c = http.connections

    report.header(
        f"HTTP: gunicorn -w {WORKERS} -k gthread --threads {WORKER_THREADS} --worker-connections "
        f"{WORKER_CONNECTIONS}, wrk -t{http.threads} -c{c}, "
        f"{http.seconds:.0f} s per figure "
        f"after {http.warm_seconds:.0f} s of warm-up"
    )
    search_path = f"/discussion/search/?q={wrk.form(queries[0][0])}&campaign={base.search.slug}"
    front_path = f"/discussion/?campaign={base.search.slug}"
    wrk.prime(http.port, ["/bench-hello/", page_path, page_path + "?sort=top", search_path, front_path])
    hello = http.run("/bench-hello/", static)
    report.add(
        Row(
            "baseline: hello view (same server and middleware)",
            rps(hello.rps),
            note=f"p50 {ms(hello.p50)}, p99 {ms(hello.p99)} {wrk.describe(hello)}",
        )
    )

    status, size, linked = check_get(http.port, page_path)
    page = http.run(page_path, static) if status == 200 else None
    cached = None
    if page is not None:
        from django.core.cache import cache

        from .discussion_urls import CACHED_PAGE_KEY

        cache.set(CACHED_PAGE_KEY, wrk.request(http.port, "GET", page_path)[2], timeout=None)
        cached = http.run("/bench-cached/", static)
    top_status, _top_size, top_linked = check_get(http.port, page_path + "?sort=top")
    top = http.run(page_path + "?sort=top", static) if top_status == 200 else None
    posting = measure_posting(http, base, users, theme.pk, corpus)
    ids = list(
        Suggestion.objects.filter(theme=theme, status="published")
        .exclude(author_id__in=posters)
        .order_by("-published_at")
        .values_list("pk", flat=True)[:2000]
    )
    voting = measure_voting(http, base, users, ids)
    hello_again = http.run("/bench-hello/", static)
    baseline = (hello.rps + hello_again.rps) / 2
    report.add(
        Row(
            "baseline: hello view again, after the others",
            rps(hello_again.rps),
            note=f"p50 {ms(hello_again.p50)}, p99 {ms(hello_again.p99)}; "
            f"the baseline below is the mean, {rps(baseline)}",
        )
    )

    if page is None:
        report.add(Row("theme page, 10,000 suggestions", "not measured", note=f"GET {page_path} answered {status}"))
    else:
        ratio = page.rps / baseline
        report.add(
            Row(
                f"theme page, 10,000 suggestions ({linked} on the page)",
                rps(page.rps),
                "≥ 50 % of hello",
                rps(baseline),
                f"{ratio:.0%}",
                verdict(ratio >= TARGET_PAGE_SHARE and not page.failed),
                f"{size / 1024:.0f} KiB {wrk.describe(page)}",
            )
        )
        report.add(
            Row(
                f"theme page p99 at {c} connections",
                ms(page.p99),
                "< 100 ms",
                ms(hello.p99),
                "",
                verdict(page.p99 < TARGET_PAGE_P99),
                f"p50 {ms(page.p50)}, p90 {ms(page.p90)}, max {ms(page.max)}; baseline: hello's p99",
            )
        )
    if cached is not None:
        report.add(
            Row(
                "what-if: the same page's HTML from Redis (no target)",
                rps(cached.rps),
                "",
                rps(baseline),
                f"{cached.rps / baseline:.0%}",
                "",
                f"p99 {ms(cached.p99)}; one cache read per request, as a full-page cache for visitors not signed "
                f"in would serve it (bench view, not the product) {wrk.describe(cached)}",
            )
        )
    if top is not None:
        report.add(
            Row(
                f"theme page ?sort=top ({top_linked} on the page)",
                rps(top.rps),
                "(no target)",
                rps(baseline),
                f"{top.rps / baseline:.0%}",
                "",
                f"p99 {ms(top.p99)} {wrk.describe(top)}",
            )
        )
    if isinstance(posting, str):
        report.add(Row("post a suggestion", "not measured", note=posting))
    else:
        r = posting.result
        ratio = r.rps / baseline
        ok = ratio >= TARGET_WRITE_SHARE and posting.rows >= r.requests and not r.failed
        report.add(
            Row(
                "post a suggestion (POST /discussion/new/)",
                rps(r.rps),
                "≥ 25 % of hello",
                rps(baseline),
                f"{ratio:.0%}",
                verdict(ok),
                f"{posting.rows:,} created for {r.requests:,} responses, {posting.held:,} held by the screen; "
                f"p99 {ms(r.p99)} {wrk.describe(r)}",
            )
        )
    if isinstance(voting, str):
        report.add(Row("vote", "not measured", note=voting))
    else:
        r = voting.result
        ratio = r.rps / baseline
        report.add(
            Row(
                "vote (POST /discussion/s/<id>/vote/, htmx)",
                rps(r.rps),
                "≥ 25 % of hello",
                rps(baseline),
                f"{ratio:.0%}",
                verdict(ratio >= TARGET_WRITE_SHARE and not r.failed),
                f"{r.requests:,} votes over {len(ids):,} suggestions ({voting.rows:,} new, the rest changed or "
                f"repeated); p99 {ms(r.p99)} {wrk.describe(r)}",
            )
        )

    # one connection: each request's own latency, the search figure among them
    hello_one = http.run("/bench-hello/", static, connections=1, threads=1)
    report.header(f"One connection (wrk -t1 -c1, {http.seconds:.0f} s): each request's own latency")
    report.add(
        Row("baseline: hello view, p95", ms(hello_one.p95), note=f"p50 {ms(hello_one.p50)}, {rps(hello_one.rps)}")
    )
    if page is not None:
        page_one = http.run(page_path, static, connections=1, threads=1)
        report.add(
            Row(
                "theme page, p95 (no target)",
                ms(page_one.p95),
                "",
                ms(hello_one.p95),
                "",
                "",
                f"p50 {ms(page_one.p50)}, {rps(page_one.rps)}: the most the page could give on one core",
            )
        )
    front = front_path
    status, _size, _linked = check_get(http.port, front)
    if status == 200:
        front_one = http.run(front, static, connections=1, threads=1)
        report.add(
            Row(
                f"front page of the campaign of {data.SEARCH_SUGGESTIONS:,}, p95 (no target)",
                ms(front_one.p95),
                "",
                ms(hello_one.p95),
                "",
                "",
                f"p50 {ms(front_one.p50)}: {front} (themes with their counts, the campaign's figures)",
            )
        )
    paths = [f"/discussion/search/?q={wrk.form(q)}&campaign={base.search.slug}" for q, _g in queries]
    status, size, linked = check_get(http.port, paths[0])
    if status != 200:
        report.add(Row("search page", "not measured", note=f"GET {paths[0]} answered {status}"))
        return
    found = http.run(paths[0], wrk.get_rotating_script(paths, wrk.PROXY_HEADERS), connections=1, threads=1)
    report.add(
        Row(
            f"search over {data.SEARCH_SUGGESTIONS:,}: GET /discussion/search/?q=…, p95",
            ms(found.p95),
            "< 50 ms",
            ms(hello_one.p95),
            "",
            verdict(found.p95 < TARGET_SEARCH_P95 and not found.failed),
            f"{len(paths)} queries in turn; p50 {ms(found.p50)}, p99 {ms(found.p99)}, {rps(found.rps)}; "
            f"{linked} suggestions linked for {queries[0][0]!r} {wrk.describe(found)}",
        )
    )


def _errors(body: bytes) -> str:
    """The first error messages of a refused form, to say why a probe failed."""
    text = body.decode("utf-8", "replace")
    found = re.findall(r'class="[^"]*(?:errorlist|error|alert)[^"]*"[^>]*>(.*?)<', text, flags=re.S)
    found = [" ".join(f.split()) for f in found if f.strip()]
    return ("— " + "; ".join(found[:3])) if found else ""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.discussion", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5-second wrk runs and 2 search passes")
    parser.add_argument("--rebuild", action="store_true", help="drop the bench database and load everything again")
    parser.add_argument("--seconds", type=float, default=None, help="length of each wrk run (default 15, --quick 5)")
    parser.add_argument("--search-rows", type=int, default=data.SEARCH_SUGGESTIONS, help=argparse.SUPPRESS)
    parser.add_argument("--no-http", action="store_true", help="only the data and the in-process search")
    args = parser.parse_args(argv)

    if not args.no_http and wrk.wrk_path() is None:
        print("wrk is not installed (Debian: apt-get install wrk): the HTTP figures are skipped")
        args.no_http = True
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    env = environment(url)
    os.environ.update(env)
    data.SEARCH_SUGGESTIONS = args.search_rows
    import django

    django.setup()
    print("The online discussion: gunicorn + PostgreSQL + Redis (bench.discussion)")
    print(
        f"  database {data.DB_NAME} (kept between runs), Redis {env['REDIS_URL']}, settings TAOLUN_PRODUCTION=1 DEBUG=0"
    )
    print(
        f"  DISCUSSION_RATE_LIMITS raised for the bench to {json.dumps(RATE_LIMITS['suggestion'])} "
        "(per participant, per "
        "address, window s) for every action, so the limits do not throttle the load"
    )
    started = time.perf_counter()
    corpus = data.Corpus.load(VAR_DIR, progress=lambda text: print(f"    … {text}", flush=True))
    print(
        f"  corpus: {len(corpus.messages):,} messages, {len(corpus.sentences):,} sentences, a pool of "
        f"{len(corpus.pool):,} suggestion texts, ready in {time.perf_counter() - started:.1f} s"
    )
    base = prepare(url, rebuild=args.rebuild, search_rows=args.search_rows, corpus=corpus)
    line("sensitive words in the list", f"{base.words:>9,}")
    queries = search_queries(corpus)
    report = Report()
    search_in_process(base, queries, 2 if args.quick else 5, report)
    if args.no_http:
        return
    reset_activity(base)
    users = sign_in(base)
    collectstatic()
    seconds = args.seconds or (5.0 if args.quick else 15.0)
    log = VAR_DIR / "gunicorn.log"
    with wrk.gunicorn(
        env, workers=WORKERS, threads=WORKER_THREADS, worker_connections=WORKER_CONNECTIONS, log=log
    ) as port:
        http = Http(port, THREADS, CONNECTIONS, seconds, 3.0 if args.quick else 5.0)
        http_figures(http, base, users, corpus, queries, report)
    failed = [row.label for row in report.rows if row.verdict == "FAIL"]
    print(
        f"\n  {len(failed)} of {sum(1 for r in report.rows if r.verdict)} targets missed"
        + (f": {'; '.join(failed)}" if failed else "")
    )


def run() -> None:
    """For ``python -m bench``: in a process of its own, since it sets Django up with its own database
    and settings module (the other benchmarks share one throw-away database)."""
    subprocess.run([sys.executable, "-m", "bench.discussion"], cwd=wrk.PROJECT, check=False)


if __name__ == "__main__":
    main()
