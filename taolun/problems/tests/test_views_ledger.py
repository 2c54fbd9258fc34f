"""The ledger pages: who may open them, what each viewer sees, the filters, the summaries, the queue."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import shared_org
from taolun.problems import services
from taolun.problems.models import ProblemSource

from .conftest import days

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

LEDGER_ROLES = ["admin", "office", "office_a", "liaison", "liaison_b"]
PAGE_ROLES = [*LEDGER_ROLES, "leader", "owner", "cadre", "citizen", "anonymous"]

# Expected status per page and viewer: the ledger and summaries for the office and liaisons, "my tasks"
# for anyone on the roster, the queue for the office alone; others are refused, anonymous sign in.
EXPECTED = {
    # A leading cadre reads the ledger of their own unit.
    "problems:ledger": {**dict.fromkeys(LEDGER_ROLES, 200), "leader": 200, "owner": 403, "cadre": 403},
    "problems:summary": {**dict.fromkeys(LEDGER_ROLES, 200), "leader": 200, "owner": 403, "cadre": 403},
    "problems:mine": {**dict.fromkeys(LEDGER_ROLES, 403), "leader": 200, "owner": 200, "cadre": 200},
    "problems:queue": {
        "admin": 200,
        "office": 200,
        "office_a": 200,
        "liaison": 403,
        "liaison_b": 403,
        "leader": 403,
        "owner": 403,
        "cadre": 403,
    },
}


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


def numbers(html: str) -> set[int]:
    """The problem numbers listed in a ledger table."""
    return {int(n) for n in re.findall(r'<td class="nowrap">#(\d+)</td>', html)}


@pytest.fixture
def viewers(org_mixed_roles, leader, owner):
    return org_mixed_roles


@pytest.mark.parametrize("role", PAGE_ROLES)
@pytest.mark.parametrize("page", list(EXPECTED))
def test_ledger_pages_by_role(viewers, campaign, make_problem, login, role, page):
    make_problem(confirmed=True)
    client = login(viewers.users[role])
    response = client.get(reverse(page))
    if role == "anonymous":
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]
    else:
        assert response.status_code == EXPECTED[page].get(role, 403), (page, role)


def test_liaison_never_sees_another_streets_problems(viewers, campaign, make_problem, login):
    mine = make_problem(content="甲街道的问题：停车难")
    make_problem(unit=viewers.street_b, content="乙街道的问题：路灯坏", confirmed=True, owner=viewers.person_b)
    client = login(viewers.users["liaison"])
    html = client.get(reverse("problems:ledger")).content.decode()
    assert "停车难" in html
    assert "乙街道的问题" not in html
    assert numbers(html) == {mine.number}
    for by in ("unit", "owner", "category", "theme", "source", "status"):
        page = client.get(reverse("problems:summary"), {"by": by}).content.decode()
        assert "乙街道" not in page, by
        assert "李四" not in page, by
    # Asking for street B by its code is refused, not answered.
    response = client.get(reverse("problems:ledger"), {"unit": "S-B"})
    assert response.status_code == 200
    assert numbers(response.content.decode()) == set()
    assert "不在您的管理范围内" in response.content.decode()
    response = client.get(reverse("problems:summary"), {"by": "unit", "unit": "S-B"})
    assert "乙街道" not in response.content.decode().split("</form>", 1)[1]
    # Nor by the person: 李四 is outside the liaison's scope.
    response = client.get(reverse("problems:ledger"), {"owner": viewers.person_b.pk})
    assert numbers(response.content.decode()) == set()


def test_office_of_street_a_sees_only_street_a(viewers, campaign, make_problem, login):
    a = make_problem()
    b = make_problem(unit=viewers.street_b)
    assert numbers(login(viewers.users["office"]).get(reverse("problems:ledger")).content.decode()) == {
        a.number,
        b.number,
    }
    assert numbers(login(viewers.users["office_a"]).get(reverse("problems:ledger")).content.decode()) == {a.number}
    assert numbers(login(viewers.users["liaison_b"]).get(reverse("problems:ledger")).content.decode()) == {b.number}


def test_each_filter_narrows_the_rows(viewers, campaign, make_problem, owner, login):
    category = campaign.shortcomings.order_by("order").first()
    theme = campaign.themes.order_by("order").last()
    dimension = campaign.dimensions.order_by("order").first()
    plain = make_problem(content="普通问题")
    red = make_problem(
        content="措施逾期的问题", confirmed=True, deadline=days(20), measure_deadline=days(-1), starts_on=days(-30)
    )
    inspection = make_problem(content="视察发现的问题", source=ProblemSource.INSPECTION, dimension=dimension)
    classified = make_problem(content="归类的问题", category=category, theme=theme)
    community = make_problem(unit=viewers.community_a, content="社区的问题")
    client = login(viewers.users["liaison"])
    url = reverse("problems:ledger")
    everything = {plain.number, red.number, inspection.number, classified.number, community.number}
    assert numbers(client.get(url).content.decode()) == everything
    cases = {
        "unit": ("C-A1", {community.number}),
        "status": ("confirmed", {red.number}),
        "source": (ProblemSource.INSPECTION, {inspection.number}),
        "category": (category.pk, {classified.number}),
        "theme": (theme.pk, {classified.number}),
        "dimension": (dimension.pk, {inspection.number}),
        "light": ("red", {red.number}),
        "owner": (owner.pk, {red.number}),
        "who": ("赵科长", {red.number}),
        "q": ("视察", {inspection.number}),
    }
    for name, (value, expected) in cases.items():
        html = client.get(url, {name: value}).content.decode()
        assert numbers(html) == expected, name
    assert numbers(client.get(url, {"q": f"#{community.number}"}).content.decode()) == {community.number}
    open_rows = numbers(client.get(url, {"status": "open"}).content.decode())
    assert open_rows == everything
    assert numbers(client.get(url, {"light": "red", "source": ProblemSource.INSPECTION}).content.decode()) == set()


def test_overdue_measure_shows_a_red_light_in_words(viewers, campaign, make_problem, login):
    make_problem(confirmed=True, deadline=days(20), measure_deadline=days(-1), starts_on=days(-30))
    html = login(viewers.users["liaison"]).get(reverse("problems:ledger"), {"light": "red"}).content.decode()
    assert 'class="status light red"' in html
    assert "逾期" in html


def test_totals_strip_counts_the_filtered_ledger(viewers, campaign, make_problem, login):
    make_problem()
    make_problem(confirmed=True, deadline=days(20), measure_deadline=days(-1), starts_on=days(-30))
    make_problem(unit=viewers.street_b)
    response = login(viewers.users["liaison"]).get(reverse("problems:ledger"))
    tally = response.context["tally"]
    assert (tally.total, tally.open, tally.red, tally.closed) == (2, 2, 1, 0)
    response = login(viewers.users["office"]).get(reverse("problems:ledger"), {"light": "red"})
    assert response.context["tally"].total == 1


def test_pages_of_the_ledger(viewers, campaign, make_problem, login, settings):
    settings.TAOLUN_PAGE_SIZE = 2
    made = [make_problem() for _ in range(5)]
    client = login(viewers.users["office"])
    first = client.get(reverse("problems:ledger"), {"source": "self_examination"})
    assert numbers(first.content.decode()) == {made[0].number, made[1].number}
    assert "第 1 / 3 页" in first.content.decode()
    assert "source=self_examination&amp;page=2" in first.content.decode()
    last = client.get(reverse("problems:ledger"), {"source": "self_examination", "page": 3})
    assert numbers(last.content.decode()) == {made[4].number}


def test_htmx_filter_answers_with_the_rows_alone(viewers, campaign, make_problem, login):
    make_problem()
    response = login(viewers.users["office"]).get(
        reverse("problems:ledger"), {"status": "found"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger-rows"
    )
    html = response.content.decode()
    assert html.startswith('<div id="ledger-rows">')
    assert "<html" not in html


def test_export_link_keeps_the_filters_and_import_is_offered_to_managers(viewers, campaign, make_problem, login):
    make_problem()
    html = (
        login(viewers.users["liaison"]).get(reverse("problems:ledger"), {"status": "found", "page": 1}).content.decode()
    )
    assert f'href="{reverse("problems:export")}?status=found"' in html
    assert reverse("problems:import") in html


def test_ledger_query_count_does_not_grow_with_rows(
    viewers, campaign, make_problem, login, django_assert_max_num_queries
):
    client = login(viewers.users["liaison"])
    url = reverse("problems:ledger")
    make_problem(confirmed=True)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(__import__("django.db").db.connection) as few:
        client.get(url)
    for _ in range(8):
        make_problem(confirmed=True, category=campaign.shortcomings.first())
    make_problem(unit=viewers.community_a, confirmed=True)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(numbers(response.content.decode())) == 10


@pytest.mark.parametrize("by", ["unit", "owner", "category", "theme", "source", "status"])
def test_summary_query_count_does_not_grow_with_rows(
    viewers, campaign, make_problem, login, by, django_assert_max_num_queries
):
    from django.db import connection

    client = login(viewers.users["office"])
    url = reverse("problems:summary")
    make_problem(confirmed=True)
    client.get(url, {"by": by})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"by": by})
    for unit in (viewers.street_b, viewers.community_a, viewers.community_b, viewers.department):
        make_problem(unit=unit, category=campaign.shortcomings.last(), theme=campaign.themes.last())
    make_problem(unit=viewers.community_b, confirmed=True, source=ProblemSource.SPOT_CHECK, owner=viewers.person_b)
    make_problem(unit=viewers.community_a, confirmed=True, deadline=days(3))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url, {"by": by})
    assert response.status_code == 200


def test_summary_by_unit_rolls_up_and_drills_down(viewers, campaign, make_problem, login):
    make_problem(unit=viewers.street_a)
    make_problem(
        unit=viewers.community_a, confirmed=True, deadline=days(20), measure_deadline=days(-1), starts_on=days(-30)
    )
    make_problem(unit=viewers.community_b)
    client = login(viewers.users["office"])
    response = client.get(reverse("problems:summary"), {"by": "unit"})
    (section,) = response.context["sections"]
    assert section["root"] == viewers.district
    rows = {row["unit"].code: row["tally"] for row in section["rows"]}
    assert rows["S-A"].total == 2 and rows["S-A"].red == 1  # street A with its community
    assert rows["S-B"].total == 1
    assert section["whole"].total == 3
    html = response.content.decode()
    assert "?unit=S-A&amp;by=unit" in html  # drill down into the street
    drilled = client.get(reverse("problems:summary"), {"by": "unit", "unit": "S-A"})
    (section,) = drilled.context["sections"]
    rows = {row["unit"].code: row["tally"] for row in section["rows"]}
    assert rows["S-A"].total == 1 and rows["C-A1"].total == 1
    assert [u.code for u in drilled.context["breadcrumbs"]] == ["D001"]
    # A liaison starts at their own street.
    (section,) = login(viewers.users["liaison"]).get(reverse("problems:summary")).context["sections"]
    assert section["root"] == viewers.street_a


def test_summary_groups_link_to_the_filtered_ledger(viewers, campaign, make_problem, owner, login):
    category = campaign.shortcomings.order_by("order").first()
    make_problem(category=category)
    make_problem(confirmed=True)
    client = login(viewers.users["office"])
    html = client.get(reverse("problems:summary"), {"by": "category"}).content.decode()
    assert f"category={category.pk}" in html
    assert "未分类" in html
    html = client.get(reverse("problems:summary"), {"by": "owner"}).content.decode()
    assert f"owner={owner.pk}" in html and "赵科长" in html
    html = client.get(reverse("problems:summary"), {"by": "status"}).content.decode()
    assert "已确认" in html and "status=confirmed" in html
    followed = client.get(reverse("problems:ledger"), {"owner": owner.pk})
    assert len(numbers(followed.content.decode())) == 1


def test_mine_lists_own_measures_with_a_link_to_report(viewers, campaign, make_problem, owner, login):
    problem = make_problem(confirmed=True, deadline=days(20), measure_deadline=days(-1), starts_on=days(-30))
    make_problem(unit=viewers.street_b, content="别人的问题")
    response = login(viewers.users["owner"]).get(reverse("problems:mine"))
    html = response.content.decode()
    measure = problem.measures.get()
    assert f"{reverse('problems:detail', args=[problem.pk])}#measure-{measure.pk}" in html
    assert "报告进展" in html
    assert "逾期" in html
    assert "别人的问题" not in html
    assert [p.pk for p in response.context["problems"]] == [problem.pk]


def test_mine_query_count_does_not_grow(viewers, campaign, make_problem, owner, login, django_assert_max_num_queries):
    from django.db import connection

    client = login(viewers.users["owner"])
    make_problem(confirmed=True)
    client.get(reverse("problems:mine"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("problems:mine"))
    for _ in range(6):
        make_problem(confirmed=True)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("problems:mine"))
    assert len(response.context["measures"]) == 7


def test_queue_lists_what_waits_for_the_office_in_scope(viewers, campaign, make_problem, login):
    done = make_problem(confirmed=True, content="整改完成待核验")
    services.measure_progress(measure=done.measures.get(), progress=100, note="已完成", by=None, files=[pdf()])
    services.problem_finish(problem=done, result="已整改", by=None)
    waiting = make_problem(unit=viewers.street_b, confirmed=True, content="乙街道申请延期", owner=viewers.person_b)
    services.extension_request(problem=waiting, new_deadline=days(60), reason="工程量大", by=None)
    office = login(viewers.users["office"]).get(reverse("problems:queue")).content.decode()
    assert "整改完成待核验" in office and "乙街道申请延期" in office and "工程量大" in office
    assert reverse("problems:detail", args=[done.pk]) in office
    office_a = login(viewers.users["office_a"]).get(reverse("problems:queue")).content.decode()
    assert "整改完成待核验" in office_a
    assert "乙街道申请延期" not in office_a


def test_a_large_ledger_is_shown_before_it_is_counted(viewers, campaign, make_problem, login, monkeypatch):
    from taolun.problems import views_ledger

    monkeypatch.setattr(views_ledger, "COUNT_LIMIT", 2)
    made = [make_problem() for _ in range(3)]
    client = login(viewers.users["office"])
    response = client.get(reverse("problems:ledger"))
    html = response.content.decode()
    assert response.context["tally"] is None
    assert numbers(html) == {p.number for p in made}
    assert 'id="ledger-totals" hx-get=' in html and "totals=1" in html
    assert "第 1 页" in html or "page=" not in html  # no page total
    totals = client.get(reverse("problems:ledger"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ledger-totals")
    assert totals.context["tally"].total == 3
    assert "<html" not in totals.content.decode()
    assert client.get(reverse("problems:ledger"), {"totals": "1"}).context["tally"].total == 3


@pytest.mark.parametrize(
    ("page", "role"),
    [
        ("problems:ledger", "office"),
        ("problems:summary", "liaison"),
        ("problems:queue", "office"),
        ("problems:mine", "cadre"),
    ],
)
def test_pages_without_a_running_campaign(org, login, page, role):
    response = login(org.users[role]).get(reverse(page))
    assert response.status_code == 200
    assert "目前没有进行中的大讨论活动" in response.content.decode()


@pytest.mark.parametrize(
    ("light", "words"),
    [("red", "逾期"), ("yellow", "临期或滞后"), ("green", "正常推进"), ("done", "已完成"), ("", "未定时限")],
)
def test_light_include_says_the_light_in_words(light, words):
    from django.template import engines

    html = engines["django"].from_string('{% include "problems/_light.html" with light=x %}').render({"x": light})
    assert words in html
    assert f'class="status light {light or "none"}"' in html
    assert 'aria-hidden="true"' in html  # the shape is decoration; the words are read out
