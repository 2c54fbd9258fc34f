"""Subtree queries over 100,000 units and 1,000,000 people on PostgreSQL. Target: each under 100 ms.

The tree is built set-based (INSERT … SELECT generate_series): a city, 10 districts, 1,000 streets
and 99,000 communities, with about 10 people in each community. Each query is run once to warm
up, then 7 times; the median and the best are printed. Baseline from the same run: counting the
whole people table. Run alone with ``python -m bench.subtree_query`` or via ``python -m bench``.
"""

from __future__ import annotations

from typing import Any

TARGET_MS = 100.0
DISTRICTS, STREETS_PER_DISTRICT, UNITS_PER_STREET = 10, 100, 99
PEOPLE = 1_000_000

# Ids are laid out so that every unit's parent and path follow from its id:
#   1 = the city; 2..11 districts; 12..1011 streets; 1012.. communities.
FIRST_STREET = 2 + DISTRICTS
FIRST_UNIT = FIRST_STREET + DISTRICTS * STREETS_PER_DISTRICT
LAST_UNIT = FIRST_UNIT + DISTRICTS * STREETS_PER_DISTRICT * UNITS_PER_STREET - 1

PARAMS = {
    "first_street": FIRST_STREET,
    "first_unit": FIRST_UNIT,
    "last_unit": LAST_UNIT,
    "streets_per_district": STREETS_PER_DISTRICT,
    "units_per_street": UNITS_PER_STREET,
    "leaf_units": LAST_UNIT - FIRST_UNIT + 1,
    "people": PEOPLE,
}
BUILD_SQL = [
    "TRUNCATE orgs_person, orgs_unit_tags, orgs_unit, accounts_roleassignment RESTART IDENTITY CASCADE",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        VALUES (1, '示例市', '', 'CITY', 'city', NULL, '1/', 0, 0, true, now(), now())""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT d, '第' || d || '区', '', 'D' || d, 'district', 1, '1/' || d || '/', 1, d, true, now(), now()
        FROM generate_series(2, %(first_street)s - 1) AS d""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT s, '街道' || s, '', 'S' || s, 'street', p, '1/' || p || '/' || s || '/', 2, s, true, now(), now()
        FROM (SELECT s, 2 + (s - %(first_street)s) / %(streets_per_district)s AS p
              FROM generate_series(%(first_street)s, %(first_unit)s - 1) AS s) AS streets""",
    """INSERT INTO orgs_unit (id, name, short_name, code, kind, parent_id, path, depth, sort_order, is_active,
                              created_at, updated_at)
        SELECT u, '社区' || u, '', 'C' || u, 'community', s,
               '1/' || (2 + (s - %(first_street)s) / %(streets_per_district)s) || '/' || s || '/' || u || '/',
               3, u, true, now(), now()
        FROM (SELECT u, %(first_street)s + (u - %(first_unit)s) / %(units_per_street)s AS s
              FROM generate_series(%(first_unit)s, %(last_unit)s) AS u) AS units""",
    "SELECT setval(pg_get_serial_sequence('orgs_unit', 'id'), (SELECT max(id) FROM orgs_unit))",
    """INSERT INTO orgs_person (name, code, unit_id, position, is_leading_cadre, is_party_member, is_cadre,
                                phone, id_number, training_batch, user_id, is_active, created_at, updated_at)
       SELECT (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周'])[1 + mod(i, 10)]
                || (ARRAY['伟','芳','娜','敏','静','磊','军','洋','勇','艳','杰','涛'])[1 + mod(i / 10, 12)],
              'P' || i, %(first_unit)s + mod(i, %(leaf_units)s),
              (ARRAY['科员','科长','主任','书记','委员'])[1 + mod(i, 5)],
              mod(i, 20) = 0, mod(i, 5) < 2, mod(i, 3) < 2,
              '138' || lpad(mod(i, 100000000)::text, 8, '0'), NULL, 1 + mod(i, 6), NULL, true, now(), now()
       FROM generate_series(1, %(people)s) AS i""",
]


def build() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in BUILD_SQL:
            cursor.execute(statement, PARAMS if "%(" in statement else None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orgs_unit")
        cursor.execute("VACUUM ANALYZE orgs_person")


def users() -> dict[str, Any]:
    from taolun.accounts.models import Role, RoleAssignment, User
    from taolun.orgs.models import Unit

    street = Unit.objects.get(pk=FIRST_STREET)
    office = User.objects.create(username="bench-office")
    liaison = User.objects.create(username="bench-liaison")
    RoleAssignment.objects.create(user=office, role=Role.OFFICE, unit=None)
    RoleAssignment.objects.create(user=liaison, role=Role.LIAISON, unit=street)
    return {"office": office, "liaison": liaison}


def run() -> dict[str, float]:
    from django.db import connection

    from taolun.orgs.models import Person, Unit
    from taolun.orgs.selectors import people_visible_to, search_people, subtree_summary, units_visible_to

    from .common import best_of, line, millis, seconds, server_version, timed, verdict

    build_time, _ = timed(build)
    who = users()
    district = Unit.objects.get(pk=2)
    street = Unit.objects.get(pk=FIRST_STREET)
    units_total, people_total = Unit.objects.count(), Person.objects.count()
    print(f"\nSubtree queries — {server_version()}, {units_total:,} units, {people_total:,} people")
    line("set-up: build the tree with INSERT … SELECT (not measured)", seconds(build_time))

    def count_people_table() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM orgs_person")
            return int(cursor.fetchone()[0])

    office, liaison = who["office"], who["liaison"]
    cases: list[tuple[str, Any]] = [
        (f"units in a district subtree: count ({Unit.objects.subtree(district).count():,})",
         lambda: Unit.objects.subtree(district).count()),
        ("units in a district subtree: first page of 50",
         lambda: list(Unit.objects.subtree(district).order_by("path")[:50])),
        (f"people in a street subtree: count ({Person.objects.in_subtree(street).count():,})",
         lambda: Person.objects.in_subtree(street).count()),
        ("people in a street subtree: first page of 50",
         lambda: list(Person.objects.in_subtree(street).select_related("unit").order_by("unit__path", "id")[:50])),
        ("selectors: units_visible_to(liaison), count",
         lambda: units_visible_to(liaison).count()),
        ("selectors: search_people(people_visible_to(office), street)[:50]",
         lambda: list(search_people(people_visible_to(office), unit=street)[:50])),
        ("selectors: search_people(people_visible_to(liaison)).count()",
         lambda: search_people(people_visible_to(liaison)).count()),
        ("selectors: subtree_summary(street)",
         lambda: subtree_summary(street)),
        (f"selectors: subtree_summary(district) ({Person.objects.in_subtree(district).count():,} people)",
         lambda: subtree_summary(district)),
    ]  # fmt: skip
    base_median, base_best = best_of(count_people_table)
    line("baseline: count(*) of the whole people table", millis(base_median), f"best {base_best * 1000:.1f} ms")
    figures = {"baseline_count": base_median}
    for label, fn in cases:
        median, best = best_of(fn)
        figures[label] = median
        note = f"best {best * 1000:.1f} ms  target < {TARGET_MS:.0f} ms  {verdict(median, TARGET_MS / 1000)}"
        line(label, millis(median), f"{note}  ({median / base_median:.2f} × baseline)")
    return figures


if __name__ == "__main__":
    from .common import bench_database

    with bench_database():
        run()
