import datetime as dt

from taolun.campaigns.dates import date_mapper

D = dt.date
PLAN_START, PLAN_END = D(2018, 10, 15), D(2018, 12, 31)


def test_start_only_shifts_every_date_by_the_same_number_of_days():
    to = date_mapper(PLAN_START, PLAN_END, D(2019, 3, 1))
    assert to(PLAN_START) == D(2019, 3, 1)
    assert to(D(2018, 11, 4)) == D(2019, 3, 21)
    assert to(PLAN_END) == D(2019, 5, 17)  # 77 days after the start, as in the plan


def test_start_and_end_map_the_period_linearly_rounding_to_days():
    to = date_mapper(PLAN_START, PLAN_END, D(2019, 3, 1), D(2019, 5, 31))
    assert to(PLAN_START) == D(2019, 3, 1)
    assert to(PLAN_END) == D(2019, 5, 31)
    # 20 of 77 days → 20 × 91 / 77 = 23.6 → 24 days after 2019-03-01.
    assert to(D(2018, 11, 4)) == D(2019, 3, 25)


def test_linear_map_rounds_halves_up():
    to = date_mapper(D(2020, 1, 1), D(2020, 1, 5), D(2021, 1, 1), D(2021, 1, 3))  # 4 days onto 2
    assert [to(D(2020, 1, d)) for d in range(1, 6)] == [
        D(2021, 1, 1),
        D(2021, 1, 2),  # 0.5 → 1
        D(2021, 1, 2),
        D(2021, 1, 3),  # 1.5 → 2
        D(2021, 1, 3),
    ]


def test_linear_map_keeps_the_order_of_dates_when_squeezing():
    to = date_mapper(PLAN_START, PLAN_END, D(2019, 1, 1), D(2019, 1, 10))
    mapped = [to(PLAN_START + dt.timedelta(days=i)) for i in range(78)]
    assert mapped == sorted(mapped)
    assert mapped[0] == D(2019, 1, 1) and mapped[-1] == D(2019, 1, 10)


def test_a_one_day_plan_maps_onto_the_new_start():
    to = date_mapper(D(2020, 1, 1), D(2020, 1, 1), D(2021, 6, 1), D(2021, 6, 30))
    assert to(D(2020, 1, 1)) == D(2021, 6, 1)
