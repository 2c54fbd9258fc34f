"""Activity lists and calendars over 100,000 activities on PostgreSQL. Target: each page under 50 ms.

A district with 20 streets of 30 communities each (621 units) and 60,000 people, one campaign from
the built-in plan spread over 2026, and 100,000 activities through the year, held by the district,
its streets and its communities, with 10 invitations and 8 check-ins each (1,000,000 and 800,000
rows) and three speeches at each seminar, all built set-based (INSERT … SELECT generate_series).
The pages are requested in-process through ``django.test.Client`` (signed in with ``force_login``)
as a street liaison and as the district office; the selectors they use are timed on their own.
Each query is run once to warm up, then 7 times; the median and the best are printed. Baseline from
the same run: counting the whole activity table. Run alone with ``python -m bench.activities`` or
via ``python -m bench``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

TARGET_MS = 50.0
STREETS, COMMUNITIES_PER_STREET, PEOPLE_PER_COMMUNITY = 20, 30, 100
ACTIVITIES, INVITED, PRESENT, SPEAKERS = 100_000, 10, 8, 3
YEAR, MONTH = 2026, 6

# Ids are laid out so that every unit's parent and path, and every unit's people, follow from its id:
#   1 = the district; 2..21 streets; 22..621 communities; community c holds the people
#   (c - 22) * 100 + 1 .. (c - 21) * 100, so a street's (or the district's) people are one id range.
DISTRICT, FIRST_STREET = 1, 2
FIRST_COMMUNITY = FIRST_STREET + STREETS
COMMUNITIES = STREETS * COMMUNITIES_PER_STREET
LAST_COMMUNITY = FIRST_COMMUNITY + COMMUNITIES - 1
PEOPLE = COMMUNITIES * PEOPLE_PER_COMMUNITY

PARAMS = {
    "district": DISTRICT,
    "first_street": FIRST_STREET,
    "first_community": FIRST_COMMUNITY,
    "last_community": LAST_COMMUNITY,
    "communities": COMMUNITIES,
    "per_street": COMMUNITIES_PER_STREET,
    "per_community": PEOPLE_PER_COMMUNITY,
    "street_people": COMMUNITIES_PER_STREET * PEOPLE_PER_COMMUNITY,
    "streets": STREETS,
    "people": PEOPLE,
    "activities": ACTIVITIES,
    "invited": INVITED,
    "present": PRESENT,
    "speakers": SPEAKERS,
    "year_start": f"{YEAR}-01-01 00:00:00+08",
}
UNITS_SQL = [
    "TRUNCATE orgs_person, orgs_unit_tags, orgs_unit, accounts_roleassignment, campaigns_plan,"
    " activities_activity RESTART IDENTITY CASCADE",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        VALUES (%(district)s, '示例区', '', 'D1', 'district', NULL, %(district)s || '/', 0, 0, true, now(), now())""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT s, '街道' || s, '', 'S' || s, 'street', %(district)s, %(district)s || '/' || s || '/', 1, s, true,
               now(), now()
        FROM generate_series(%(first_street)s, %(first_community)s - 1) AS s""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT c, '社区' || c, '', 'C' || c, 'community', s, %(district)s || '/' || s || '/' || c || '/', 2, c,
               true, now(), now()
        FROM (SELECT c, %(first_street)s + (c - %(first_community)s) / %(per_street)s AS s
              FROM generate_series(%(first_community)s, %(last_community)s) AS c) AS communities""",
    "SELECT setval(pg_get_serial_sequence('orgs_unit', 'id'), (SELECT max(id) FROM orgs_unit))",
    """INSERT INTO orgs_person (id, name, code, unit_id, position, is_leading_cadre, is_party_member, is_cadre,
                                phone, id_number, training_batch, user_id, is_active, created_at, updated_at)
       SELECT i, (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + mod(i, 10)]
                || (ARRAY['伟','芳','娜','敏','静','磊','军','洋','勇','艳','杰','涛'])[1 + mod(i / 10, 12)],
              'P' || i, %(first_community)s + (i - 1) / %(per_community)s,
              (ARRAY['科员','科长','主任','书记','委员'])[1 + mod(i, 5)],
              mod(i, 20) = 0, mod(i, 5) < 2, mod(i, 3) < 2,
              '138' || lpad(i::text, 8, '0'), NULL, 1 + mod(i, 6), NULL, true, now(), now()
       FROM generate_series(1, %(people)s) AS i""",
    "SELECT setval(pg_get_serial_sequence('orgs_person', 'id'), (SELECT max(id) FROM orgs_person))",
]
# Activity a: one in 20 held by the district, three in 20 by a street, the rest by a community; its
# day of the year is a * 7919 mod 365 (every day alike), between 8:00 and 17:45, two hours long.
# Invitee k (0..9, invitation id (a - 1) * 10 + k + 1) of activity a is person lo + (a * 37 + k * n / 10)
# mod n of the holding unit's id range [lo, lo + n); the first 8 of a live activity checked in, the
# last one asked for leave at one activity in three; the first 3 at a seminar spoke.
ACTIVITIES_SQL = [
    """INSERT INTO activities_activity (id, created_at, updated_at, campaign_id, unit_id, kind, title, batch,
                                        start_at, end_at, place, host, agenda, status, checkin_opens_at,
                                        checkin_closes_at, checkin_secret, allow_walk_in, minutes,
                                        places_visited, evaluation, proposals, cancel_reason,
                                        invited_count, excused_count, present_count, attendance_count)
       SELECT a, now(), now(), %(campaign)s, unit_id, kind,
              (ARRAY['理论学习','专题研讨','分期培训','调研视察'])[1 + mod(a / 3, 4)] || '第' || a || '期',
              CASE WHEN kind = 'training' THEN 1 + mod(a, 6) END,
              start_at, start_at + interval '2 hours', '会议室' || mod(a, 12), '主持人' || mod(a, 50), '',
              CASE WHEN mod(a, 50) = 7 THEN 'cancelled' WHEN mod(a, 5) = 1 THEN 'confirmed' ELSE 'planned' END,
              start_at - interval '30 minutes', start_at + interval '2 hours', md5(a::text), mod(a, 4) = 0,
              '', '[]', '', '', CASE WHEN mod(a, 50) = 7 THEN '时间冲突' ELSE '' END, 0, 0, 0, 0
       FROM (SELECT a,
                    CASE WHEN mod(a, 20) = 0 THEN %(district)s
                         WHEN mod(a, 20) < 4 THEN %(first_street)s + mod(a / 20, %(streets)s)
                         ELSE %(first_community)s + mod(a / 20, %(communities)s) END AS unit_id,
                    (ARRAY['study','seminar','training','inspection'])[1 + mod(a / 3, 4)] AS kind,
                    %(year_start)s::timestamptz + make_interval(days => mod(a * 7919, 365),
                                                                mins => 480 + 15 * mod(a, 40)) AS start_at
             FROM generate_series(1, %(activities)s) AS a) AS generated""",
    "SELECT setval(pg_get_serial_sequence('activities_activity', 'id'), (SELECT max(id) FROM activities_activity))",
    """INSERT INTO activities_activity_themes (activity_id, theme_id)
       SELECT a.id, t.id
       FROM activities_activity a
       JOIN (SELECT campaign_id, count(*) AS n FROM campaigns_theme GROUP BY campaign_id) AS c
            ON c.campaign_id = a.campaign_id
       JOIN campaigns_theme t ON t.campaign_id = a.campaign_id AND t."order" = 1 + mod(a.id, c.n)
       WHERE a.kind = 'seminar'""",
    """INSERT INTO activities_invitation (id, activity_id, person_id, status, invited_at, leave_reason,
                                          leave_requested_at, leave_decided_at, leave_note)
       SELECT (a.id - 1) * %(invited)s + k + 1, a.id, r.lo + mod(a.id * 37 + k * (r.n / %(invited)s), r.n),
              CASE WHEN k = %(invited)s - 1 AND mod(a.id, 3) = 0 THEN 'leave_approved'
                   WHEN k = %(invited)s - 1 AND mod(a.id, 7) = 1 THEN 'leave_requested'
                   ELSE 'invited' END,
              a.start_at - interval '3 days',
              CASE WHEN k = %(invited)s - 1 AND (mod(a.id, 3) = 0 OR mod(a.id, 7) = 1) THEN '工作冲突' ELSE '' END,
              CASE WHEN k = %(invited)s - 1 AND (mod(a.id, 3) = 0 OR mod(a.id, 7) = 1)
                   THEN a.start_at - interval '1 day' END,
              CASE WHEN k = %(invited)s - 1 AND mod(a.id, 3) = 0 THEN a.start_at - interval '20 hours' END,
              ''
       FROM activities_activity a
       JOIN (SELECT u.id,
                    CASE u.depth WHEN 0 THEN 1
                                 WHEN 1 THEN (u.id - %(first_street)s) * %(street_people)s + 1
                                 ELSE (u.id - %(first_community)s) * %(per_community)s + 1 END AS lo,
                    CASE u.depth WHEN 0 THEN %(people)s WHEN 1 THEN %(street_people)s
                                 ELSE %(per_community)s END AS n
             FROM orgs_unit u) AS r ON r.id = a.unit_id
       CROSS JOIN generate_series(0, %(invited)s - 1) AS k
       ORDER BY a.id, k""",
    "SELECT setval(pg_get_serial_sequence('activities_invitation', 'id'), (SELECT max(id) FROM activities_invitation))",
    """INSERT INTO activities_attendance (activity_id, person_id, checked_in_at, method)
       SELECT i.activity_id, i.person_id, a.start_at + mod(i.id - 1, %(invited)s) * interval '1 minute',
              CASE WHEN mod(i.id, 10) = 0 THEN 'manual' ELSE 'code' END
       FROM activities_invitation i
       JOIN activities_activity a ON a.id = i.activity_id
       WHERE a.status <> 'cancelled' AND mod(i.id - 1, %(invited)s) < %(present)s
       ORDER BY i.id""",
    """INSERT INTO activities_speech (activity_id, person_id, content, "order", created_at, updated_at)
       SELECT i.activity_id, i.person_id, '围绕主题谈认识、找差距、提建议。', 1 + mod(i.id - 1, %(invited)s),
              now(), now()
       FROM activities_invitation i
       JOIN activities_activity a ON a.id = i.activity_id
       WHERE a.kind = 'seminar' AND a.status <> 'cancelled' AND mod(i.id - 1, %(invited)s) < %(speakers)s
       ORDER BY i.id""",
]
TABLES = [
    "orgs_unit",
    "orgs_person",
    "activities_activity",
    "activities_activity_themes",
    "activities_invitation",
    "activities_attendance",
    "activities_speech",
]


def build() -> dict[str, Any]:
    from django.db import connection, transaction

    from taolun.campaigns.services import campaign_setup
    from taolun.orgs.models import Unit

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in UNITS_SQL:
            cursor.execute(statement, PARAMS if "%(" in statement else None)
    campaign = campaign_setup(
        plan_key="xihu-2018",
        root_unit=Unit.objects.get(pk=DISTRICT),
        slug=f"bench-{YEAR}",
        start_date=dt.date(YEAR, 1, 1),
        end_date=dt.date(YEAR, 12, 31),
        activate=True,
        by=None,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in ACTIVITIES_SQL:
            cursor.execute(statement, {**PARAMS, "campaign": campaign.pk} if "%(" in statement else None)
    # Rows inserted by SQL: the counts the services keep are filled in one set-based UPDATE.
    from taolun.activities.counts import counts_rebuild
    from taolun.activities.models import Activity

    counts_rebuild(Activity.objects.all())
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"campaign": campaign}


def explain(qs: Any) -> str:
    """The top plan node's time and the indexes the plan reads, from EXPLAIN (ANALYZE, BUFFERS)."""
    import json

    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    top = doc["Plan"]
    indexes: list[str] = []
    scans: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        if "Index Name" in node and node["Index Name"] not in indexes:
            indexes.append(node["Index Name"])
        if node["Node Type"] == "Seq Scan":
            scans.append(f"seq scan {node['Relation Name']}")
        for child in node.get("Plans", []):
            walk(child)

    walk(top)
    hit = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    used = ", ".join(indexes + scans) or "none"
    return f"{top['Node Type']} {top['Actual Total Time']:.1f} ms, {hit:,} buffers; reads {used}"


def page_cases(who: dict[str, Any], first: dt.date) -> list[tuple[str, Any, str]]:
    """(label, user, url) for each page: the list filtered to a unit (its code) and the calendar."""
    from django.urls import reverse

    street, district = who["street"], who["district"]
    month = f"year={first.year}&month={first.month}"
    listing, calendar = reverse("activities:list"), reverse("activities:calendar")
    return [
        ("page: list, street liaison, ?unit=<street>, first page",
         who["liaison"], f"{listing}?unit={street.code}"),
        ("page: list, district office, ?unit=<district>, first page",
         who["office"], f"{listing}?unit={district.code}"),
        (f"page: calendar month grid {first:%Y-%m}, street liaison",
         who["liaison"], f"{calendar}?unit={street.pk}&{month}"),
        (f"page: calendar month grid {first:%Y-%m}, district office",
         who["office"], f"{calendar}?unit={district.pk}&{month}"),
        (f"page: calendar list {first:%Y-%m}, street liaison",
         who["liaison"], f"{calendar}?unit={street.pk}&{month}&view=list"),
        (f"page: calendar list {first:%Y-%m}, district office",
         who["office"], f"{calendar}?unit={district.pk}&{month}&view=list"),
    ]  # fmt: skip


def shown(content: bytes) -> int:
    """How many distinct activities a page links to (to tell a real page from an empty one)."""
    import re

    from django.urls import reverse

    detail = reverse("activities:detail", args=[0])[:-2]
    return len(set(re.findall(rf'href="{re.escape(detail)}(\d+)/"'.encode(), content)))


def run() -> dict[str, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from taolun.activities.models import Activity
    from taolun.activities.selectors import (
        activities_managed_by,
        activity_stats,
        filter_activities,
        month_bounds,
        month_grid,
        overlapping,
        page_rows,
        unit_calendar_qs,
        unit_month,
        unit_rate,
    )
    from taolun.activities.views import CALENDAR_PAGE_SIZE, DAY_LIMIT, GRID_LIST_LIMIT

    from .common import bench_users, best_of, line, millis, seconds, server_version, table_counts, timed, verdict

    build_time, built = timed(build)
    who = bench_users("bench-act", DISTRICT, FIRST_STREET)
    campaign = built["campaign"]
    counts = table_counts(TABLES)
    office, liaison, district, street = who["office"], who["liaison"], who["district"], who["street"]
    print(
        f"\nActivity lists and calendars — {server_version()}, {counts['orgs_unit']:,} units, "
        f"{counts['orgs_person']:,} people, {counts['activities_activity']:,} activities"
    )
    line("set-up: build with INSERT … SELECT and ANALYZE (not measured)", seconds(build_time))
    line(
        "    rows",
        "",
        f"{counts['activities_invitation']:,} invitations, {counts['activities_attendance']:,} check-ins, "
        f"{counts['activities_speech']:,} speeches",
    )

    def count_activity_table() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM activities_activity")
            return int(cursor.fetchone()[0])

    first, last = month_bounds(YEAR, MONTH)
    page = CALENDAR_PAGE_SIZE
    one = Activity.objects.filter(unit=street, kind="seminar").order_by("-start_at").first()
    held_before = dt.datetime(YEAR, 12, 1, tzinfo=dt.UTC)

    def listing(user: Any, unit: Any) -> Any:
        return filter_activities(activities_managed_by(user), campaign=campaign, unit=unit)

    def grid(user: Any, unit: Any) -> Any:
        """What the month grid reads (the view's own selector) laid out in weeks."""
        items, day_counts = unit_month(user, unit, first, last, list_limit=GRID_LIST_LIMIT)
        return month_grid(YEAR, MONTH, items, counts=day_counts, per_day=DAY_LIMIT)

    def calendar_query(user: Any, unit: Any) -> Any:
        qs = overlapping(activities_managed_by(user).filter(unit__path__startswith=unit.path), first, last)
        return qs.select_related("unit").order_by("start_at", "id")

    street_total, district_total = listing(liaison, street).count(), listing(office, district).count()
    street_month, district_month = calendar_query(liaison, street).count(), calendar_query(office, district).count()
    cases: list[tuple[str, Any]] = [
        (f"selectors: list street, filter_activities + page_rows, 50 of {street_total:,}",
         lambda: page_rows(listing(liaison, street), 0, 50)),
        (f"selectors: list district, same, 50 of {district_total:,}",
         lambda: page_rows(listing(office, district), 0, 50)),
        ("selectors: list street, filter_activities().count()",
         lambda: listing(liaison, street).count()),
        ("selectors: list district, filter_activities().count()",
         lambda: listing(office, district).count()),
        (f"selectors: unit_calendar street {first:%Y-%m}, first page of {street_month:,}",
         lambda: list(unit_calendar_qs(liaison, street, first, last)[:page])),
        (f"selectors: unit_calendar district {first:%Y-%m}, first page of {district_month:,}",
         lambda: list(unit_calendar_qs(office, district, first, last)[:page])),
        (f"selectors: month grid, street ({street_month:,} this month: titles, {DAY_LIMIT} a day)",
         lambda: grid(liaison, street)),
        (f"selectors: month grid, district ({district_month:,} this month: counts per day)",
         lambda: grid(office, district)),
        (f"selectors: activity_stats(one seminar, {one.invitations.count()} invited)",
         lambda: activity_stats(one)),
        (f"selectors: unit_rate(street) ({street_total:,} activities)",
         lambda: unit_rate(street, campaign=campaign, held_before=held_before)),
    ]  # fmt: skip
    base_median, base_best = best_of(count_activity_table)
    line("baseline: count(*) of the whole activity table", millis(base_median), f"best {base_best * 1000:.1f} ms")
    figures = {"baseline_count": base_median}

    def report(label: str, median: float, best: float, extra: str = "") -> None:
        figures[label] = median
        note = f"best {best * 1000:.1f} ms  target < {TARGET_MS:.0f} ms  {verdict(median, TARGET_MS / 1000)}"
        line(label, millis(median), f"{note}  ({median / base_median:.2f} × baseline{extra})")

    for label, fn in cases:
        report(label, *best_of(fn))

    clients: dict[int, Client] = {}
    for user in (liaison, office):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)
    empty = f"{reverse('activities:calendar')}?unit={street.pk}&year={YEAR - 1}&month={MONTH}"
    if clients[liaison.pk].get(empty).status_code == 200:
        floor_median, floor_best = best_of(lambda: clients[liaison.pk].get(empty))
        line(
            f"baseline: calendar page of an empty month ({YEAR - 1}-{MONTH:02d}), street liaison",
            millis(floor_median),
            f"best {floor_best * 1000:.1f} ms  (the same view with no rows: sign-in, middleware, base template)",
        )
    for label, user, url in page_cases(who, first):
        client = clients[user.pk]
        response = client.get(url)
        if response.status_code != 200:
            line(label, "", f"not measured: HTTP {response.status_code} for {url}")
            continue
        size = f"; {shown(response.content)} activities linked, {len(response.content) / 1024:.0f} kB"
        report(label, *best_of(lambda client=client, url=url: client.get(url)), size)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        in_sql = sum(float(q["time"]) for q in queries.captured_queries)
        line("    of which in SQL (one more request, queries recorded)", millis(in_sql), f"{len(queries)} queries")

    main_queries = [
        ("list", "street", listing(liaison, street).values_list("pk", flat=True)[:50]),
        ("list", "district", listing(office, district).values_list("pk", flat=True)[:50]),
        ("calendar", "street", calendar_query(liaison, street)[:page]),
        ("calendar", "district", calendar_query(office, district)[:page]),
    ]
    slow = {
        name
        for name, prefixes in (
            ("list", ("selectors: list ", "page: list")),
            ("calendar", ("selectors: unit_calendar", "selectors: month grid", "page: calendar")),
        )
        if any(k.startswith(prefixes) and v * 1000 >= TARGET_MS for k, v in figures.items())
    }
    for name, who_label, qs in main_queries:
        if name in slow:
            line(f"EXPLAIN (ANALYZE, BUFFERS): the {name} query, {who_label}", "", explain(qs))
    return figures


if __name__ == "__main__":
    from .common import bench_database

    with bench_database():
        run()
