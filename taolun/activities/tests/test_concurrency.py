"""Check-ins racing each other on PostgreSQL: 500 invitees each check in twice at once, from parallel
clients with their own database connections. The database keeps exactly one row per person; the
losing attempt of each pair is refused as "already checked in", whichever of the two came first."""

from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from conftest import require_postgres
from taolun.accounts.models import User
from taolun.activities.checkin import CheckinRefused, checkin_by_code
from taolun.activities.models import Activity, Attendance
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person

from .conftest import code_at

PEOPLE = 500
THREADS = 32


def roster(unit, n: int) -> list[Person]:
    """``n`` people on the roster of ``unit``, each with their own login (check-ins are rate-limited per user)."""
    users = User.objects.bulk_create(
        [User(username=f"racer{i:04d}", display_name=f"参会者{i}", password="!") for i in range(n)]
    )
    Person.objects.bulk_create(
        [Person(unit=unit, name=f"参会者{i}", code=f"RACE{i:04d}", user=user) for i, user in enumerate(users)]
    )
    return list(Person.objects.filter(code__startswith="RACE").select_related("user").order_by("pk"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_500_people_checking_in_twice_at_once_get_one_row_each(org, make_activity, invite):
    require_postgres()
    people = roster(org.community_a, PEOPLE)
    held = make_activity(unit=org.street_a, title="千人大会")
    result = invite(held, *people)
    assert result.invited == PEOPLE
    activity = Activity.objects.select_related("unit").get(pk=held.pk)

    def attempt(person: Person) -> tuple[int, str]:
        try:
            now = timezone.now()
            checkin_by_code(activity=activity, person=person, code=code_at(activity, now), by=person.user, now=now)
            return person.pk, "checked_in"
        except CheckinRefused as refusal:
            return person.pk, refusal.reason
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(attempt, person) for person in people for _twice in range(2)]
        outcomes = [future.result() for future in futures]  # any other error is raised here

    by_person: dict[int, list[str]] = defaultdict(list)
    for person_id, outcome in outcomes:
        by_person[person_id].append(outcome)
    assert len(by_person) == PEOPLE
    assert Counter(tuple(sorted(o)) for o in by_person.values()) == {("already_checked_in", "checked_in"): PEOPLE}

    rows = Attendance.objects.filter(activity=activity)
    assert rows.count() == PEOPLE
    assert set(rows.values_list("person_id", flat=True)) == {p.pk for p in people}
    assert Attendance.objects.count() == PEOPLE
    assert AuditEntry.objects.filter(action="activities.attendance.check_in").count() == PEOPLE
    # The stored counts took turns on the activity's row: none of the racing check-ins was lost.
    activity.refresh_from_db()
    assert (activity.present_count, activity.attendance_count, activity.invited_count) == (PEOPLE, PEOPLE, PEOPLE)
