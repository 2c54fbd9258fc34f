"""Traffic lights: the Python light (``light_of``/``problem_light``), the SQL filter (``light_q``) and the
annotation (``light_case``) give the same answer for every combination of due date, schedule date, status
and day, with the yellow window read from ``settings.PROBLEMS_YELLOW_DAYS``."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from taolun.problems import services
from taolun.problems.lights import (
    LIGHT_LABELS,
    LIGHTS,
    behind_from,
    light_case,
    light_of,
    light_q,
    measure_light,
    problem_light,
    rollup,
)
from taolun.problems.models import Measure, Problem, ProblemStatus

from .conftest import days

S = ProblemStatus
FIXED_DAY = dt.date(2024, 2, 28)  # a leap February: the window crosses 29 February


def expected(status: str, due: dt.date | None, behind: dt.date | None, today: dt.date, window: int) -> str:
    """The rule as the issue states it, written out independently of the code under test."""
    if status in (S.DONE, S.CLOSED):
        return "done"
    if status == S.DISMISSED or due is None:
        return "none"
    if due < today:
        return "red"
    if (due - today).days <= window or (behind is not None and behind < today):
        return "yellow"
    return "green"


def offsets(window: int) -> list[int | None]:
    return [*sorted({-30, -1, 0, 1, window - 1, window, window + 1, 90}), None]


@pytest.fixture
def grid(org, campaign):
    """One stored problem per (status, due offset, behind offset), for the days tested below."""

    def _grid(today: dt.date, window: int) -> list[Problem]:
        rows = []
        dues = offsets(window)
        behinds = [None, -5, -1, 0, 1]
        for number, (status, due, behind) in enumerate(itertools.product(S.values, dues, behinds), start=1):
            rows.append(
                Problem(
                    campaign=campaign,
                    number=number,
                    unit=org.street_a,
                    content=f"问题{number}",
                    source="spot_check",
                    status=status,
                    due_on=None if due is None else today + dt.timedelta(days=due),
                    behind_from=None if behind is None else today + dt.timedelta(days=behind),
                )
            )
        Problem.objects.bulk_create(rows)
        return list(Problem.objects.order_by("number"))

    return _grid


@pytest.mark.django_db
@pytest.mark.parametrize("window", [7, 3, 0])
@pytest.mark.parametrize("when", ["fixed", "today"])
def test_python_sql_filter_and_annotation_agree(settings, grid, window, when):
    settings.PROBLEMS_YELLOW_DAYS = window
    today = FIXED_DAY if when == "fixed" else days(0)
    problems = grid(today, window)
    want = {p.pk: expected(p.status, p.due_on, p.behind_from, today, window) for p in problems}
    assert set(want.values()) == set(LIGHTS)  # the grid reaches every light

    got_python = {p.pk: problem_light(p, today=today) for p in problems}
    got_case = dict(Problem.objects.annotate(light=light_case(today=today)).values_list("pk", "light"))
    got_filter = {}
    for light in LIGHTS:
        for pk in Problem.objects.filter(light_q(light, today=today)).values_list("pk", flat=True):
            assert pk not in got_filter, f"problem {pk} has two lights"
            got_filter[pk] = light
    assert got_python == want
    assert got_case == want
    assert got_filter == want


@pytest.mark.django_db
def test_light_q_works_through_a_relation(org, campaign, settings):
    settings.PROBLEMS_YELLOW_DAYS = 7
    problem = services.problem_create(
        campaign=campaign, unit=org.street_a, content="问题", source="spot_check", deadline=days(2), by=None
    )
    services.measure_add(problem=problem, content="措施", deadline=days(2), by=None)
    assert list(Measure.objects.filter(light_q("yellow", prefix="problem__")).values_list("problem_id", flat=True)) == [
        problem.pk
    ]
    assert not Measure.objects.filter(light_q("green", prefix="problem__")).exists()


def test_an_unknown_light_is_an_error():
    with pytest.raises(ValueError):
        light_q("blue")


def test_every_light_has_a_label():
    assert set(LIGHT_LABELS) == set(LIGHTS)


@pytest.mark.parametrize("window", [7, 2])
def test_the_yellow_window_is_a_setting(settings, window):
    settings.PROBLEMS_YELLOW_DAYS = window
    today = FIXED_DAY
    edge = today + dt.timedelta(days=window)
    assert light_of(due_on=edge, behind=None, finished=False, today=today) == "yellow"
    assert light_of(due_on=edge + dt.timedelta(days=1), behind=None, finished=False, today=today) == "green"
    assert light_of(due_on=today, behind=None, finished=False, today=today) == "yellow"
    assert light_of(due_on=today - dt.timedelta(days=1), behind=None, finished=False, today=today) == "red"


def test_behind_the_straight_line_is_yellow_from_the_day_after():
    today, far = FIXED_DAY, FIXED_DAY + dt.timedelta(days=60)
    assert light_of(due_on=far, behind=today, finished=False, today=today) == "green"
    assert light_of(due_on=far, behind=today - dt.timedelta(days=1), finished=False, today=today) == "yellow"
    assert light_of(due_on=far, behind=None, finished=True, today=today) == "done"
    assert light_of(due_on=None, behind=today, finished=False, today=today) == "none"


def test_a_measure_is_done_when_finished_or_its_problem_is():
    measure = Measure(progress=100, deadline=FIXED_DAY - dt.timedelta(days=5), starts_on=FIXED_DAY)
    assert measure_light(measure, today=FIXED_DAY) == "done"
    measure.progress = 40
    assert measure_light(measure, today=FIXED_DAY) == "red"
    assert measure_light(measure, problem_finished=True, today=FIXED_DAY) == "done"


# —— the stored dates ——


@pytest.mark.parametrize(
    ("starts", "deadline", "progress", "behind"),
    [
        (0, 20, 0, 0),
        (0, 20, 50, 10),
        (0, 20, 99, 19),  # rounded down: 19.8 days of 20
        (0, 20, 100, None),
        (0, 3, 34, 1),
        (5, 5, 0, 5),  # a one-day measure is behind after its day
        (5, 5, 80, 5),
    ],
)
def test_behind_from_is_the_last_day_progress_keeps_up_with_the_line(starts, deadline, progress, behind):
    base = FIXED_DAY
    got = behind_from(base + dt.timedelta(days=starts), base + dt.timedelta(days=deadline), progress)
    assert got == (None if behind is None else base + dt.timedelta(days=behind))


def test_rollup_weights_rounds_down_and_takes_the_earliest_dates():
    d = FIXED_DAY
    figures = rollup(
        d + dt.timedelta(days=30),
        [
            (1, 100, d + dt.timedelta(days=1), None),  # finished: neither due nor behind
            (3, 0, d + dt.timedelta(days=20), d + dt.timedelta(days=2)),
            (2, 50, d + dt.timedelta(days=10), d + dt.timedelta(days=5)),
        ],
    )
    assert figures.progress == (100 + 0 + 100) // 6
    assert figures.measure_count == 3
    assert figures.due_on == d + dt.timedelta(days=10)
    assert figures.behind_from == d + dt.timedelta(days=2)


def test_rollup_without_measures():
    assert rollup(FIXED_DAY, []).due_on == FIXED_DAY
    empty = rollup(None, [])
    assert (empty.progress, empty.measure_count, empty.due_on, empty.behind_from) == (0, 0, None, None)


# —— lights of real problems ——


@pytest.mark.django_db
def test_lights_of_problems_through_the_services(settings, make_problem):
    settings.PROBLEMS_YELLOW_DAYS = 5
    on_track = make_problem(confirmed=True, deadline=days(30), starts_on=days(0))
    due_soon = make_problem(confirmed=True, deadline=days(30), measure_deadline=days(5), starts_on=days(0))
    lagging = make_problem(confirmed=True, deadline=days(30), starts_on=days(-10))
    overdue = make_problem(confirmed=True, deadline=days(30), measure_deadline=days(-1), starts_on=days(-10))
    unset = make_problem()
    lights = {p.pk: problem_light(p) for p in (on_track, due_soon, lagging, overdue, unset)}
    assert lights == {
        on_track.pk: "green",
        due_soon.pk: "yellow",
        lagging.pk: "yellow",
        overdue.pk: "red",
        unset.pk: "none",
    }
    annotated = dict(Problem.objects.annotate(light=light_case()).values_list("pk", "light"))
    assert annotated == lights
    # Catching up with the line turns the lagging problem green again.
    services.measure_progress(measure=lagging.measures.get(), progress=60, note="赶上进度", by=None)
    assert problem_light(Problem.objects.get(pk=lagging.pk)) == "green"
