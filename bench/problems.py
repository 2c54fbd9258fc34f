"""The problem ledger over 200,000 problems and 600,000 measures on PostgreSQL.

Targets: a unit's filtered ledger page under 50 ms server time; a district export of 5,000 rows to
xlsx under 5 s.

A district of 2,021 units (20 streets of 60 communities, 40 departments of 19 sections) and 20,210
people; one campaign from the built-in plan around today; 200,000 problems spread evenly over the
units, with varied statuses, sources, categories, themes and owners and deadlines from 60 days ago
to 120 days ahead (so every light occurs), three measures each (600,000) and a dated update on about
a third of the measures, all built set-based (INSERT … SELECT generate_series); the problems' rolled-up
figures (progress, due date, schedule date) are then computed from their measures in one UPDATE, as
``problem_refresh`` would. One problem in 40 is a spot check (督导检查): the district's spot checks are
the 5,000 rows the export writes.

The ledger page is requested in-process through ``django.test.Client`` (signed in with
``force_login``) as a street liaison and as the district office; the selectors it uses are timed on
their own. Each query runs once to warm up, then 7 times (the export 3 times); the median and the best
are printed beside a baseline measured in the same run. Run alone with ``python -m bench.problems`` or
via ``python -m bench``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

TARGET_MS = 50.0
EXPORT_TARGET_S = 5.0
STREETS, COMMUNITIES_PER_STREET, DEPARTMENTS, SECTIONS_PER_DEPARTMENT = 20, 60, 40, 19
PEOPLE_PER_UNIT = 10
PROBLEMS, MEASURES_PER_PROBLEM = 200_000, 3
SPOT_CHECK_EVERY = 40  # one problem in 40 is a spot check: 5,000 in the district
SLUG = "bench-problems"

# Ids are laid out so that every unit's parent and path follow from its id:
#   1 = the district; then the streets, the departments, the communities (street by street) and the
#   sections (department by department). Unit u holds the people (u - 1) * 10 + 1 .. u * 10.
DISTRICT, FIRST_STREET = 1, 2
FIRST_DEPARTMENT = FIRST_STREET + STREETS
FIRST_COMMUNITY = FIRST_DEPARTMENT + DEPARTMENTS
FIRST_SECTION = FIRST_COMMUNITY + STREETS * COMMUNITIES_PER_STREET
UNITS = FIRST_SECTION + DEPARTMENTS * SECTIONS_PER_DEPARTMENT - 1

PARAMS = {
    "district": DISTRICT,
    "first_street": FIRST_STREET,
    "first_department": FIRST_DEPARTMENT,
    "first_community": FIRST_COMMUNITY,
    "first_section": FIRST_SECTION,
    "units": UNITS,
    "per_street": COMMUNITIES_PER_STREET,
    "per_department": SECTIONS_PER_DEPARTMENT,
    "per_unit": PEOPLE_PER_UNIT,
    "problems": PROBLEMS,
    "measures": MEASURES_PER_PROBLEM,
    "spot": SPOT_CHECK_EVERY,
}
_UNIT_COLUMNS = (
    "id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active, created_at, updated_at"
)
UNITS_SQL = [
    "TRUNCATE orgs_person, orgs_unit_tags, orgs_unit, accounts_roleassignment, campaigns_plan RESTART IDENTITY CASCADE",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        VALUES (%(district)s, '示例区', '', 'D1', 'district', NULL, %(district)s || '/', 0, 0, true, now(), now())""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT s, '街道' || s, '', 'S' || s, 'street', %(district)s, %(district)s || '/' || s || '/', 1, s, true,
               now(), now()
        FROM generate_series(%(first_street)s, %(first_department)s - 1) AS s""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT d, '部门' || d, '', 'B' || d, 'department', %(district)s, %(district)s || '/' || d || '/', 1, d,
               true, now(), now()
        FROM generate_series(%(first_department)s, %(first_community)s - 1) AS d""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT c, '社区' || c, '', 'C' || c, 'community', s, %(district)s || '/' || s || '/' || c || '/', 2, c,
               true, now(), now()
        FROM (SELECT c, %(first_street)s + (c - %(first_community)s) / %(per_street)s AS s
              FROM generate_series(%(first_community)s, %(first_section)s - 1) AS c) AS communities""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT k, '科室' || k, '', 'K' || k, 'unit', d, %(district)s || '/' || d || '/' || k || '/', 2, k,
               true, now(), now()
        FROM (SELECT k, %(first_department)s + (k - %(first_section)s) / %(per_department)s AS d
              FROM generate_series(%(first_section)s, %(units)s) AS k) AS sections""",
    "SELECT setval(pg_get_serial_sequence('orgs_unit', 'id'), (SELECT max(id) FROM orgs_unit))",
    """INSERT INTO orgs_person (id, name, code, unit_id, position, is_leading_cadre, is_party_member, is_cadre,
                                phone, id_number, training_batch, user_id, is_active, created_at, updated_at)
       SELECT i, (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + mod(i, 10)]
                || (ARRAY['伟','芳','娜','敏','静','磊','军','洋','勇','艳','杰','涛'])[1 + mod(i / 10, 12)],
              'P' || i, 1 + (i - 1) / %(per_unit)s, (ARRAY['科员','科长','主任','书记','委员'])[1 + mod(i, 5)],
              mod(i, %(per_unit)s) = 1, mod(i, 5) < 2, true, '138' || lpad(i::text, 8, '0'), NULL, NULL, NULL,
              true, now(), now()
       FROM generate_series(1, %(units)s * %(per_unit)s) AS i""",
    "SELECT setval(pg_get_serial_sequence('orgs_person', 'id'), (SELECT max(id) FROM orgs_person))",
]
# Problem i: unit 1 + (i * 7919 mod 2021) (7919 is prime to 2021: every unit alike, about 99 each);
# status by (i + i / 40) mod 20: found 1, confirmed 2, rectifying 10, done 2, closed 4, dismissed 1 in 20;
# deadline today - 60 .. today + 120; found 90 days before its deadline (or 30 days ago, if later);
# closed a day after it was done, on time when done by the deadline.
PROBLEMS_SQL = [
    """INSERT INTO problems_problem (id, created_at, updated_at, campaign_id, number, content, source, source_note,
                                     research_topic_id, opinion_id, category_id, theme_id, dimension_id, unit_id,
                                     owner_id, standard, deadline, original_deadline, status, progress,
                                     measure_count, due_on, behind_from, result, found_at, confirmed_at, done_at,
                                     closed_at, closed_by_id, closed_on_time, verification_note, reopen_count,
                                     is_public, created_by_id)
       SELECT i, now(), now(), %(campaign)s, i,
              (ARRAY['审批环节多、时限长，企业反映办事难', '老旧小区雨污分流改造进度慢', '社区养老服务站无人值守',
                     '网格员配备不足，群众诉求办理不及时', '惠企政策宣传不到位，企业知晓率低',
                     '河道垃圾清理不及时', '食品小作坊登记备案不全', '干部“等靠要”思想仍然存在'])[1 + mod(i, 8)]
                || '（第' || i || '号）',
              CASE WHEN mod(i, %(spot)s) = 0 THEN 'spot_check'
                   ELSE (ARRAY['self_examination', 'research_topic', 'inspection', 'discussion'])[1 + mod(i / 3, 4)]
              END,
              '', NULL, NULL,
              (%(categories)s::bigint[])[1 + mod(i, cardinality(%(categories)s::bigint[]))],
              (%(themes)s::bigint[])[1 + mod(i / 7, cardinality(%(themes)s::bigint[]))],
              (%(dimensions)s::bigint[])[1 + mod(i / 11, cardinality(%(dimensions)s::bigint[]))],
              unit_id, (unit_id - 1) * %(per_unit)s + 1 + mod(i, %(per_unit)s),
              '限期整改到位，群众满意度达到90%%以上', deadline, deadline, status, 0, 0, NULL, NULL,
              CASE WHEN status IN ('done', 'closed') THEN '已按整改标准完成整改' ELSE '' END,
              found_on + time '09:00' AT TIME ZONE 'Asia/Shanghai',
              CASE WHEN status NOT IN ('found', 'dismissed')
                   THEN found_on + 3 + time '09:00' AT TIME ZONE 'Asia/Shanghai' END,
              CASE WHEN status IN ('done', 'closed') THEN done_on + time '16:00' AT TIME ZONE 'Asia/Shanghai' END,
              CASE WHEN status = 'closed' THEN done_on + 1 + time '10:00' AT TIME ZONE 'Asia/Shanghai' END,
              NULL,
              CASE WHEN status = 'closed' THEN done_on <= deadline END,
              CASE WHEN status = 'dismissed' THEN '不属于本单位问题' ELSE '' END, 0,
              status = 'closed' AND mod(i, 3) = 0, NULL
       FROM (SELECT i, unit_id, deadline, status,
                    LEAST(deadline - 90, %(today)s::date - 30) AS found_on,
                    LEAST(deadline - mod(i, 9) + 4, %(today)s::date - 2) AS done_on
             FROM (SELECT i, 1 + mod(i * 7919, %(units)s) AS unit_id,
                          %(today)s::date + (mod(i * 37 + i / 20, 181) - 60) AS deadline,
                          (ARRAY['found', 'confirmed', 'confirmed', 'rectifying', 'rectifying', 'rectifying',
                                 'rectifying', 'rectifying', 'rectifying', 'rectifying', 'rectifying', 'rectifying',
                                 'rectifying', 'done', 'done', 'closed', 'closed', 'closed', 'closed', 'dismissed']
                          )[1 + mod(i + i / %(spot)s, 20)] AS status
                   FROM generate_series(1, %(problems)s) AS i) AS base) AS generated""",
    "SELECT setval(pg_get_serial_sequence('problems_problem', 'id'), (SELECT max(id) FROM problems_problem))",
    # Measure k (0..2) of problem i: id (i - 1) * 3 + k + 1, from the problem's finding to its deadline
    # less a week per k; finished when the problem is, not begun while it is only found.
    """INSERT INTO problems_measure (id, created_at, updated_at, problem_id, content, owner_id, owner_name, starts_on,
                                     deadline, weight, progress, behind_from, done_at, "order")
       SELECT id, now(), now(), problem_id, content, owner_id, '', starts_on, deadline, weight, progress,
              CASE WHEN progress < 100 THEN starts_on + (progress * (deadline - starts_on) / 100)::int END,
              CASE WHEN progress >= 100 THEN starts_on + 20 + time '17:00' AT TIME ZONE 'Asia/Shanghai' END, k + 1
       FROM (SELECT (p.id - 1) * %(measures)s + k + 1 AS id, p.id AS problem_id, k,
                    (ARRAY['梳理问题清单，明确责任分工', '制定整改方案并组织实施', '建立长效机制，巩固整改成果'])[1 + k]
                      AS content,
                    (p.unit_id - 1) * %(per_unit)s + 1 + mod(p.id + k, %(per_unit)s) AS owner_id,
                    (p.found_at AT TIME ZONE 'Asia/Shanghai')::date AS starts_on, p.deadline - 7 * k AS deadline,
                    1 + mod(p.id + k, 3) AS weight,
                    CASE WHEN p.status IN ('done', 'closed') THEN 100
                         WHEN p.status IN ('found', 'dismissed') THEN 0
                         ELSE LEAST(100, mod((p.id * 3 + k) * 13, 11) * 10) END AS progress
             FROM problems_problem p CROSS JOIN generate_series(0, %(measures)s - 1) AS k) AS m
       ORDER BY id""",
    "SELECT setval(pg_get_serial_sequence('problems_measure', 'id'), (SELECT max(id) FROM problems_measure))",
    """INSERT INTO problems_measureupdate (measure_id, happened_on, progress, note, created_at, created_by_id)
       SELECT id, LEAST(%(today)s::date, starts_on + 30), progress, '按计划推进，已完成阶段性任务。', now(), NULL
       FROM problems_measure WHERE progress > 0 AND mod(id, 2) = 0 ORDER BY id""",
    # What ``problem_refresh`` keeps on each problem, for all of them at once.
    """UPDATE problems_problem p
       SET progress = m.progress, measure_count = m.n, due_on = LEAST(p.deadline, m.due), behind_from = m.behind
       FROM (SELECT problem_id, count(*) AS n, sum(weight * progress) / sum(weight) AS progress,
                    min(deadline) FILTER (WHERE progress < 100) AS due,
                    min(behind_from) FILTER (WHERE progress < 100) AS behind
             FROM problems_measure GROUP BY problem_id) AS m
       WHERE m.problem_id = p.id""",
]
TABLES = ["orgs_unit", "orgs_person", "problems_problem", "problems_measure", "problems_measureupdate"]


def build() -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from taolun.campaigns.services import campaign_setup
    from taolun.orgs.models import Unit

    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in UNITS_SQL:
            cursor.execute(statement, PARAMS if "%(" in statement else None)
    campaign = campaign_setup(
        plan_key="xihu-2018",
        root_unit=Unit.objects.get(pk=DISTRICT),
        slug=SLUG,
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        activate=True,
        by=None,
    )
    params = {
        **PARAMS,
        "campaign": campaign.pk,
        "today": today,
        "categories": list(campaign.shortcomings.order_by("order").values_list("pk", flat=True)),
        "themes": list(campaign.themes.order_by("order").values_list("pk", flat=True)),
        "dimensions": list(campaign.dimensions.order_by("order").values_list("pk", flat=True)),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in PROBLEMS_SQL:
            cursor.execute(statement, params if "%(" in statement else None)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"campaign": campaign, "today": today}


def shown(content: bytes) -> int:
    """How many distinct problems a page links to (to tell a real page from an empty one)."""
    import re

    from django.urls import reverse

    detail = reverse("problems:detail", args=[0])[:-2]
    return len(set(re.findall(rf'href="{re.escape(detail)}(\d+)/"'.encode(), content)))


def sheet_rows(data: bytes) -> int:
    """How many problems an exported workbook holds (to tell a real export from an empty one)."""
    import io

    from openpyxl import load_workbook

    from taolun.problems.ledger_xlsx import HEADER_ROW

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return sum(1 for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=1, values_only=True) if row[0] is not None)


def run() -> dict[str, float]:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from taolun.problems import selectors
    from taolun.problems.ledger_xlsx import ledger_workbook
    from taolun.problems.lights import light_case
    from taolun.problems.models import Problem
    from taolun.problems.selectors import LedgerFilter, filter_problems, problems_visible_to
    from taolun.problems.views_ledger import COUNT_LIMIT

    from .activities import explain
    from .common import bench_users, best_of, line, millis, seconds, server_version, table_counts, timed, verdict

    build_time, built = timed(build)
    who = bench_users("bench-prob", DISTRICT, FIRST_STREET)
    campaign, today = built["campaign"], built["today"]
    counts = table_counts(TABLES)
    office, liaison, district, street = who["office"], who["liaison"], who["district"], who["street"]
    print(
        f"\nProblem ledger — {server_version()}, {counts['orgs_unit']:,} units, {counts['orgs_person']:,} people, "
        f"{counts['problems_problem']:,} problems, {counts['problems_measure']:,} measures"
    )
    line("set-up: build with INSERT … SELECT and ANALYZE (not measured)", seconds(build_time))
    lights = dict(
        Problem.objects.annotate(light=light_case(today=today)).order_by().values_list("light").annotate(n=Count("pk"))
    )
    line(
        "    rows",
        "",
        f"{counts['problems_measureupdate']:,} measure updates; lights "
        + ", ".join(f"{k} {lights.get(k, 0):,}" for k in ("red", "yellow", "green", "done", "none")),
    )
    figures: dict[str, float] = {}
    targeted: set[str] = set()

    def plain_page() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM problems_problem WHERE unit_id = %s LIMIT 50", [street.pk])
            return [row[0] for row in cursor.fetchall()]

    base_median, base_best = best_of(plain_page)
    line(
        "baseline: SELECT id FROM problems_problem WHERE unit_id = <street> LIMIT 50",
        millis(base_median),
        f"best {base_best * 1000:.1f} ms",
    )

    def report(label: str, median: float, best: float, *, target: bool = True, extra: str = "") -> None:
        figures[label] = median
        if target:
            targeted.add(label)
        note = f"best {best * 1000:.1f} ms  "
        note += f"target < {TARGET_MS:.0f} ms  {verdict(median, TARGET_MS / 1000)}" if target else "(no target)"
        line(label, millis(median), f"{note}  ({median / base_median:.1f} × baseline{extra})")

    # —— (a) a unit's filtered ledger page ——
    def red_rectifying(user: Any, unit: Any) -> Any:
        f = LedgerFilter(campaign=campaign, unit=unit, status="rectifying", light="red")
        return filter_problems(problems_visible_to(user), f, today=today)

    def selector_page(user: Any, unit: Any) -> list[Problem]:
        """What the ledger view reads: the totals strip (up to COUNT_LIMIT problems), the first page's ids,
        then those rows."""
        qs = red_rectifying(user, unit)
        selectors.totals_upto(qs, COUNT_LIMIT, today=today)
        ids = list(qs.values_list("pk", flat=True)[:50])
        return selectors.ledger_rows(ids, today=today)

    street_total = red_rectifying(liaison, street).count()
    district_total = red_rectifying(office, district).count()
    report(
        f"selectors: street ledger, rectifying & red, totals + first 50 of {street_total:,}",
        *best_of(lambda: selector_page(liaison, street)),
    )
    report(
        f"selectors: district ledger, rectifying & red, totals + first 50 of {district_total:,}",
        *best_of(lambda: selector_page(office, district)),
    )

    clients: dict[int, Client] = {}
    for user in (liaison, office):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    ledger = reverse("problems:ledger")
    # The floor under every page line: the same view, signed in, with a filter no problem matches.
    empty = f"{ledger}?campaign={SLUG}&unit={street.code}&status=found&light=done"
    client = clients[liaison.pk]
    if client.get(empty).status_code == 200:
        floor_median, floor_best = best_of(lambda: client.get(empty))
        line(
            "baseline: ledger page of a filter no problem matches, street liaison",
            millis(floor_median),
            f"best {floor_best * 1000:.1f} ms  (sign-in, middleware, filter form, base template)",
        )
    pages = [
        ("page: street ledger, liaison, ?unit=<street>&status=rectifying&light=red",
         liaison, f"{ledger}?campaign={SLUG}&unit={street.code}&status=rectifying&light=red"),
        ("page: district ledger, office, ?unit=<district>&status=rectifying&light=red",
         office, f"{ledger}?campaign={SLUG}&unit={district.code}&status=rectifying&light=red"),
        ("page: street ledger, liaison, unfiltered, sorted by due date",
         liaison, f"{ledger}?campaign={SLUG}&unit={street.code}&sort=due"),
    ]  # fmt: skip
    for label, user, url in pages:
        client = clients[user.pk]
        response = client.get(url)
        if response.status_code != 200:
            line(label, "", f"not measured: HTTP {response.status_code} for {url}")
            continue
        size = f"; {shown(response.content)} problems linked, {len(response.content) / 1024:.0f} kB"
        report(label, *best_of(lambda client=client, url=url: client.get(url)), extra=size)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        in_sql = sum(float(q["time"]) for q in queries.captured_queries)
        line("    of which in SQL (one more request, queries recorded)", millis(in_sql), f"{len(queries)} queries")

    # A ledger larger than COUNT_LIMIT is shown first and counted afterwards, by an htmx request.
    totals_url = f"{ledger}?campaign={SLUG}&unit={district.code}&status=rectifying&light=red"
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "ledger-totals"}
    client = clients[office.pk]
    if client.get(totals_url, **htmx).status_code == 200:
        report(
            f"page: district ledger's totals, asked for by htmx after the page ({district_total:,})",
            *best_of(lambda: client.get(totals_url, **htmx)),
            target=False,
        )

    # —— (b) a district export of 5,000 rows ——
    spot = filter_problems(
        problems_visible_to(office), LedgerFilter(campaign=campaign, unit=district, source="spot_check"), today=today
    )
    rows = spot.count()

    def read_rows() -> int:
        return sum(len(p.measures.all()) for p in selectors.with_rows(selectors.with_measures(spot), today=today))

    read_median, read_best = best_of(read_rows, repeat=3)
    line(
        f"baseline: read the same {rows:,} problems with their measures into Python",
        seconds(read_median),
        f"best {read_best:.2f} s",
    )
    data = ledger_workbook(spot, campaign=campaign, unit=district, today=today)
    median, best = best_of(lambda: ledger_workbook(spot, campaign=campaign, unit=district, today=today), repeat=3)
    figures["export"] = median
    line(
        f"export: ledger_workbook, district, source=spot_check ({sheet_rows(data):,} rows, {len(data) / 1024:.0f} kB)",
        seconds(median),
        f"best {best:.2f} s  target < {EXPORT_TARGET_S:.0f} s  {verdict(median, EXPORT_TARGET_S)}"
        f"  ({median / read_median:.1f} × baseline)",
    )
    export_url = f"{reverse('problems:export')}?campaign={SLUG}&unit={district.code}&source=spot_check"
    client = clients[office.pk]
    response = client.get(export_url)
    if response.status_code != 200:
        line("page: export.xlsx, office", "", f"not measured: HTTP {response.status_code}")
    else:

        def download() -> bytes:
            got = client.get(export_url)
            return b"".join(got.streaming_content) if got.streaming else got.content

        median, best = best_of(download, repeat=3)
        figures["export page"] = median
        data = download()
        line(
            f"page: export.xlsx, office, ?unit=<district>&source=spot_check ({sheet_rows(data):,} rows)",
            seconds(median),
            f"best {best:.2f} s  target < {EXPORT_TARGET_S:.0f} s  {verdict(median, EXPORT_TARGET_S)}",
        )

    # —— (c) the summary by unit, (d) the district's red count ——
    whole = filter_problems(problems_visible_to(office), LedgerFilter(campaign=campaign), today=today)
    red = filter_problems(
        problems_visible_to(office), LedgerFilter(campaign=campaign, unit=district, light="red"), today=today
    )
    report(
        f"selectors: unit_rollup(district), {counts['problems_problem']:,} problems by street/department",
        *best_of(lambda: selectors.unit_rollup(district, whole, today=today)),
        target=False,
    )
    report(f"selectors: light=red count, whole district ({red.count():,})", *best_of(red.count), target=False)
    summary_url = f"{reverse('problems:summary')}?campaign={SLUG}&by=unit"
    response = clients[office.pk].get(summary_url)
    if response.status_code == 200:
        client = clients[office.pk]
        report("page: summary by unit, district office", *best_of(lambda: client.get(summary_url)), target=False)
    else:
        line("page: summary by unit, district office", "", f"not measured: HTTP {response.status_code}")

    slow = [k for k in targeted if figures[k] * 1000 >= TARGET_MS]
    if slow:
        plans = [
            ("street page ids", red_rectifying(liaison, street).values_list("pk", flat=True)[:50]),
            ("district page ids", red_rectifying(office, district).values_list("pk", flat=True)[:50]),
            ("district red count", red.order_by().values("pk")),
        ]
        for name, qs in plans:
            line(f"EXPLAIN (ANALYZE, BUFFERS): {name}", "", explain(qs))
    return figures


if __name__ == "__main__":
    from .common import bench_database

    with bench_database():
        run()
