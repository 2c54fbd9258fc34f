"""Reads of the ledger: who sees which problems, every filter, pages and summaries in a fixed number of
queries, the office's queues, the public ledger and the leaders' self-examinations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import shared_org
from taolun.accounts.models import User
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.problems import selectors, services
from taolun.problems.models import Problem, ProblemStatus
from taolun.problems.selectors import LedgerFilter, filter_problems
from taolun.problems.selfexam import self_examination_save
from tests.factories import PersonFactory

from .conftest import days
from .helpers import walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ProblemStatus


@dataclass
class Ledger:
    found: Problem  # S-A, spot check, a measure owned by 赵科长, classified
    confirmed: Problem  # S-A, owned by 赵科长
    rectifying: Problem
    done: Problem
    public: Problem  # closed and published
    closed: Problem  # closed, not published
    community: Problem  # C-A1, confirmed
    red: Problem  # S-A, an overdue measure
    b_confirmed: Problem  # S-B, owned by 李四
    b_found: Problem
    district: Problem

    def all(self) -> list[Problem]:
        return list(vars(self).values())


@pytest.fixture
def ledger(org_mixed_roles, campaign, make_problem, owner, leader) -> Ledger:
    org = org_mixed_roles
    found = make_problem(source="spot_check", content="老旧小区积水严重")
    services.measure_add(problem=found, content="疏通管网", deadline=days(20), owner=owner, by=None)
    services.problem_update(
        problem=found,
        category=campaign.shortcomings.first(),
        theme=campaign.themes.first(),
        dimension=campaign.dimensions.first(),
        by=None,
    )
    ledger = Ledger(
        found=found,
        confirmed=walk(make_problem, S.CONFIRMED),
        rectifying=walk(make_problem, S.RECTIFYING),
        done=walk(make_problem, S.DONE),
        public=walk(make_problem, S.CLOSED),
        closed=walk(make_problem, S.CLOSED),
        community=walk(make_problem, S.CONFIRMED, unit=org.community_a),
        red=make_problem(confirmed=True, measure_deadline=days(-1), starts_on=days(-10)),
        b_confirmed=make_problem(confirmed=True, unit=org.street_b, owner=org.person_b),
        b_found=make_problem(unit=org.street_b),
        district=make_problem(unit=org.district),
    )
    services.problem_set_public(problem=ledger.public, public=True, by=None)
    return ledger


def fresh(org, role):
    user = org.users.get(role)
    return AnonymousUser() if user is None else User.objects.get(pk=user.pk)


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def names(ledger: Ledger, qs) -> set[str]:
    by_pk = {p.pk: name for name, p in vars(ledger).items()}
    return {by_pk[pk] for pk in pks(qs)}


S_A = {"found", "confirmed", "rectifying", "done", "public", "closed", "community", "red"}
EVERYTHING = S_A | {"b_confirmed", "b_found", "district"}
VISIBLE = {
    "admin": EVERYTHING,
    "office": EVERYTHING,
    "office_a": S_A,
    "liaison": S_A,
    "liaison_b": {"b_confirmed", "b_found"},
    "leader": S_A,
    # 赵科长 owns the confirmed problems of S-A and C-A1 and the found one's measure.
    "owner": S_A,
    "cadre": set(),
    "citizen": set(),
    "anonymous": set(),
}


@pytest.mark.parametrize("role", VISIBLE)
def test_who_sees_which_problems(org_mixed_roles, ledger, role):
    assert names(ledger, selectors.problems_visible_to(fresh(org_mixed_roles, role))) == VISIBLE[role]


def test_an_owner_sees_only_what_they_answer_for(org, ledger, owner):
    colleague = PersonFactory(unit=org.street_a, name="钱科长", user=User.objects.create(username="qian"))
    problem = services.problem_create(
        campaign=ledger.found.campaign, unit=org.street_a, content="路灯", source="spot_check", by=None
    )
    assert pks(selectors.problems_visible_to(colleague.user)) == set()
    services.measure_add(problem=problem, content="修路灯", deadline=days(5), owner=colleague, by=None)
    assert pks(selectors.problems_visible_to(User.objects.get(pk=colleague.user.pk))) == {problem.pk}
    assert pks(selectors.owned_by(colleague)) == {problem.pk}
    assert names(ledger, selectors.owned_by(owner)) == S_A


def test_units_for_filing(org_mixed_roles, campaign, leader, ledger):
    org = org_mixed_roles
    sub_a = {org.street_a.pk, org.community_a.pk}
    assert pks(selectors.units_for_filing(fresh(org, "liaison"), campaign)) == sub_a
    assert pks(selectors.units_for_filing(fresh(org, "leader"), campaign)) == sub_a
    assert pks(selectors.units_for_filing(fresh(org, "office"), campaign)) == {
        org.district.pk,
        org.street_a.pk,
        org.street_b.pk,
        org.community_a.pk,
        org.community_b.pk,
        org.department.pk,
    }
    assert pks(selectors.units_for_filing(fresh(org, "owner"), campaign)) == set()


# —— filters ——


def ledger_of(ledger: Ledger, **filters) -> set[str]:
    return names(ledger, filter_problems(Problem.objects.all(), LedgerFilter(**filters)))


def test_each_filter(org, campaign, ledger, owner):
    assert ledger_of(ledger, campaign=campaign) == EVERYTHING
    assert ledger_of(ledger, unit=org.community_a) == {"community"}
    assert ledger_of(ledger, unit=org.street_b) == {"b_confirmed", "b_found"}
    assert ledger_of(ledger, status="closed") == {"public", "closed"}
    assert ledger_of(ledger, statuses=["done", "closed"]) == {"done", "public", "closed"}
    assert ledger_of(ledger, source="spot_check") == {"found"}
    assert ledger_of(ledger, category=campaign.shortcomings.first().pk) == {"found"}
    assert ledger_of(ledger, theme=campaign.themes.first().pk) == {"found"}
    assert ledger_of(ledger, dimension=campaign.dimensions.first().pk) == {"found"}
    assert ledger_of(ledger, owner=owner.pk) == S_A
    assert ledger_of(ledger, owner=org.person_b.pk) == {"b_confirmed"}
    assert ledger_of(ledger, light="red") == {"red"}
    assert ledger_of(ledger, light="done") == {"done", "public", "closed"}
    assert ledger_of(ledger, light="none") == {"b_found", "district"}  # no deadline yet
    # The found problem has no deadline, but its measure's makes it due.
    assert ledger_of(ledger, light="green") == {"found", "confirmed", "rectifying", "community", "b_confirmed"}
    assert ledger_of(ledger, q="积水") == {"found"}
    assert ledger_of(ledger, q=f"#{ledger.district.number}") == {"district"}
    assert ledger_of(ledger, q="  ") == EVERYTHING
    assert ledger_of(ledger, status="closed", unit=org.street_b) == set()


def test_sorts(ledger):
    def order(sort: str) -> list[int]:
        return list(filter_problems(Problem.objects.all(), LedgerFilter(sort=sort)).values_list("pk", flat=True))

    by_number = order("number")
    assert by_number == sorted(by_number, key=lambda pk: Problem.objects.get(pk=pk).number)
    progress = [Problem.objects.get(pk=pk).progress for pk in order("-progress")]
    assert progress == sorted(progress, reverse=True)
    assert order("nonsense") == by_number


# —— pages and summaries, counted ——


def test_a_page_of_rows_takes_two_queries_whatever_its_size(ledger):
    qs = filter_problems(Problem.objects.all(), LedgerFilter())
    with CaptureQueriesContext(connection) as small:
        rows = selectors.page_rows(qs, 0, 2)
        [(r.unit.name, r.owner and r.owner.name, r.light, r.campaign.slug) for r in rows]
    with CaptureQueriesContext(connection) as large:
        rows = selectors.page_rows(qs, 0, 50)
        labels = [(r.unit.name, r.owner and r.owner.name, r.category, r.theme, r.light) for r in rows]
    assert len(small.captured_queries) == len(large.captured_queries) == 2
    assert [r.pk for r in rows] == list(qs.values_list("pk", flat=True))
    assert {r.pk: r.light for r in rows}[ledger.red.pk] == "red"
    assert len(labels) == len(ledger.all())
    assert [r.pk for r in selectors.page_rows(qs, 2, 3)] == [r.pk for r in rows][2:5]


def test_problems_with_their_measures_in_two_queries(ledger):
    with CaptureQueriesContext(connection) as ctx:
        rows = list(selectors.with_measures(Problem.objects.order_by("number")))
        owners = [m.owner_label for p in rows for m in p.measures.all()]
    assert len(ctx.captured_queries) == 2
    assert "赵科长" in owners


def test_summary_by_unit(org, ledger):
    tallies = {t.key: t for t in selectors.summary(Problem.objects.all(), "unit")}
    a = tallies[org.street_a.pk]
    assert (a.label, a.total, a.open, a.done, a.closed, a.on_time, a.red) == ("甲街道", 7, 4, 1, 2, 2, 1)
    assert a.on_time_share == 1.0 and a.closed_share == 2 / 7
    assert a.progress == (0 + 0 + 50 + 100 + 100 + 100 + 0) // 7
    b = tallies[org.street_b.pk]
    assert (b.total, b.open, b.closed, b.on_time_share) == (2, 2, 0, None)
    with CaptureQueriesContext(connection) as ctx:
        selectors.summary(Problem.objects.all(), "status")
    assert len(ctx.captured_queries) == 1


@pytest.mark.parametrize("by", list(selectors.GROUPS))
def test_every_grouping_adds_up_to_the_totals(ledger, by):
    qs = Problem.objects.all()
    total = selectors.totals(qs)
    tallies = selectors.summary(qs, by)
    assert sum(t.total for t in tallies) == total.total == len(ledger.all())
    assert sum(t.closed for t in tallies) == total.closed == 2
    assert sum(t.red for t in tallies) == total.red == 1


def test_a_dismissed_problem_does_not_weigh_on_progress(make_problem):
    kept = walk(make_problem, S.DONE)
    walk(make_problem, S.DISMISSED)
    total = selectors.totals(Problem.objects.all())
    assert (total.total, total.counted, total.progress) == (2, 1, Problem.objects.get(pk=kept.pk).progress)


def test_unit_rollup_folds_subtrees_into_the_child_units(org, ledger):
    with CaptureQueriesContext(connection) as ctx:
        rows = selectors.unit_rollup(org.district, Problem.objects.all())
    assert len(ctx.captured_queries) == 2
    tallies = {unit.pk: tally for unit, tally in rows}
    assert rows[0][0].pk == org.district.pk
    assert tallies[org.district.pk].total == 1
    assert tallies[org.street_a.pk].total == 8  # the street's seven and community A1's one
    assert tallies[org.street_b.pk].total == 2
    assert tallies[org.department.pk].total == 0
    street = {unit.pk: tally for unit, tally in selectors.unit_rollup(org.street_a, Problem.objects.all())}
    assert (street[org.street_a.pk].total, street[org.community_a.pk].total) == (7, 1)


# —— one problem ——


def test_a_problems_page_reads(ledger, django_assert_max_num_queries):
    problem = selectors.problem_for_page(ledger.red.pk)
    assert problem.light == "red"
    with django_assert_max_num_queries(2):
        measures = selectors.measures_of(problem)
        [(m.owner_label, list(m.updates.all())) for m in measures]
    assert len(measures) == 1
    evidence = list(selectors.evidence_of(Problem.objects.get(pk=ledger.done.pk)))
    assert len(evidence) == 1 and evidence[0].measure is not None


def test_a_measures_updates_are_newest_first(ledger):
    measure = ledger.rectifying.measures.get()
    services.measure_progress(measure=measure, progress=70, note="再进一步", by=None, happened_on=days(0))
    (m,) = selectors.measures_of(ledger.rectifying)
    assert [u.progress for u in m.updates.all()] == [70, 50]


# —— the office's queues ——


def test_pending_extensions_and_verification_by_office_scope(org_mixed_roles, ledger):
    org = org_mixed_roles
    services.extension_request(problem=ledger.confirmed, new_deadline=days(40), reason="协调", by=None)
    services.extension_request(problem=ledger.b_confirmed, new_deadline=days(40), reason="协调", by=None)
    assert selectors.pending_extensions(fresh(org, "office")).count() == 2
    assert [e.problem_id for e in selectors.pending_extensions(fresh(org, "office_a"))] == [ledger.confirmed.pk]
    assert selectors.pending_extensions(fresh(org, "liaison")).count() == 0
    assert [p.pk for p in selectors.awaiting_verification(fresh(org, "office"))] == [ledger.done.pk]
    assert [p.pk for p in selectors.awaiting_verification(fresh(org, "office_a"))] == [ledger.done.pk]
    assert list(selectors.awaiting_verification(fresh(org, "liaison_b"))) == []
    (decided, *_rest) = selectors.extensions_of(ledger.confirmed)
    services.extension_decide(extension=decided, approve=True, by=None)
    assert selectors.pending_extensions(fresh(org, "office")).count() == 1


# —— the public ledger ——


def test_the_public_ledger_shows_published_closed_problems_only(campaign, ledger, settings):
    assert [p.pk for p in selectors.public_ledger(campaign)] == [ledger.public.pk]
    assert selectors.public_fields() == tuple(settings.PROBLEMS_PUBLIC_FIELDS)
    settings.PROBLEMS_PUBLIC_FIELDS = ("number", "content")
    assert selectors.public_fields() == ("number", "content")
    services.problem_reopen(problem=ledger.public, reason="反弹", by=None)
    assert list(selectors.public_ledger(campaign)) == []


# —— self-examinations ——


def test_self_examinations_seen_by_the_office(org_mixed_roles, campaign, leader):
    org = org_mixed_roles
    items = [{"aspect": a, "gap": "差距", "measure": "措施"} for a in ("政治定力", "工作思路", "能力素质")]
    self_examination_save(campaign=campaign, person=leader, items=items, by=None, submit=True)
    self_examination_save(campaign=campaign, person=org.person_b, items=items[:1], by=None)
    rows = {p.pk: p for p in selectors.self_examinations_visible_to(fresh(org, "office"), campaign)}
    assert set(rows) == {leader.pk, org.person_b.pk}
    assert rows[leader.pk].submitted_at is not None and rows[leader.pk].item_count == 3
    assert rows[org.person_b.pk].submitted_at is None and rows[org.person_b.pk].item_count == 1
    assert [p.pk for p in selectors.self_examinations_visible_to(fresh(org, "office_a"), campaign)] == [leader.pk]
    assert list(selectors.self_examinations_visible_to(fresh(org, "liaison"), campaign)) == []
    exam = selectors.self_examination_of(campaign, leader)
    assert exam is not None and [i.aspect for i in exam.items.all()] == ["政治定力", "工作思路", "能力素质"]
    assert selectors.self_examination_of(campaign, org.person_a) is None


def test_owner_choices_are_the_units_roster_leaders_first(org, make_problem, leader, owner):
    problem = make_problem()
    PersonFactory(unit=org.street_a, name="离职人员", is_active=False)
    choices = list(selectors.owner_choices(problem))
    assert choices[0] == leader
    assert set(choices) == {leader, owner, org.person_a}
