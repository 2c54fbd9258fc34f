"""Leaders' self-examination pages: the leader's own form, the office's list and a leader's page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import shared_org
from taolun.problems.models import SelfExamination
from taolun.problems.selfexam import self_examination_save
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(mixed_roles=True, campaign=True))

ASPECTS = ["政治定力", "工作思路", "能力素质"]
ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]

EXPECTED = {
    # The leader's own form: leading cadres only.
    "mine": {"leader": 200},
    # The office's list: the office and admins.
    "list": {"admin": 200, "office": 200, "office_a": 200},
    # Street A's leader's self-examination: the office covering street A, and the leader.
    "detail": {"admin": 200, "office": 200, "office_a": 200, "leader": 200},
}
REFUSED = {"mine": 403, "list": 403, "detail": 404}


def post_rows(rows, action="save", total=None):
    """The form's POST data for ``rows`` (dicts of aspect, gap, measure, deadline, DELETE)."""
    data = {
        "items-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        "action": action,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{i}-{key}"] = value
    return data


def full_rows():
    return [
        {"aspect": aspect, "gap": f"{aspect}方面的差距", "measure": f"{aspect}方面的措施", "deadline": "2030-06-30"}
        for aspect in ASPECTS
    ]


@pytest.fixture
def viewers(org_mixed_roles, leader, owner):
    return org_mixed_roles


@pytest.fixture
def leader_exam(campaign, leader):
    return self_examination_save(
        campaign=campaign,
        person=leader,
        items=[{"aspect": "政治定力", "gap": "原有的差距", "measure": "原有的措施"}],
        by=None,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(EXPECTED))
def test_self_examination_pages_by_role(viewers, campaign, leader_exam, login, role, page):
    url = {
        "mine": reverse("problems:self_exam"),
        "list": reverse("problems:self_exam_list"),
        "detail": reverse("problems:self_exam_detail", args=[leader_exam.pk]),
    }[page]
    response = login(viewers.users[role]).get(url)
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == EXPECTED[page].get(role, REFUSED[page]), (page, role)


def test_leader_saves_then_submits(viewers, campaign, leader, login):
    client = login(viewers.users["leader"])
    page = client.get(reverse("problems:self_exam")).content.decode()
    assert 'list="aspect-options"' in page and '<option value="工作思路">' in page
    rows = full_rows()[:2]
    response = client.post(reverse("problems:self_exam"), post_rows(rows, "save"))
    assert response.status_code == 302
    exam = SelfExamination.objects.get(campaign=campaign, person=leader)
    assert [i.aspect for i in exam.items.all()] == ["政治定力", "工作思路"]
    assert exam.submitted_at is None
    page = client.get(reverse("problems:self_exam"))
    assert page.context["missing"] == ["能力素质"]
    assert "还没有剖析的方面" in page.content.decode()
    # Submitting with an aspect missing is refused and changes nothing.
    response = client.post(reverse("problems:self_exam"), post_rows(rows, "submit"))
    assert response.status_code == 200
    assert "能力素质" in " ".join(response.context["errors"])
    exam.refresh_from_db()
    assert exam.submitted_at is None
    response = client.post(reverse("problems:self_exam"), post_rows(full_rows(), "submit"))
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.submitted_at is not None
    assert exam.items.count() == 3
    page = client.get(reverse("problems:self_exam")).content.decode()
    assert "提交。" in page and exam.submitted_at.astimezone().strftime("%Y-") in page


@pytest.mark.parametrize("action", ["save", "submit"])
def test_bad_rows_change_nothing_and_are_shown_by_row(viewers, campaign, leader, leader_exam, login, action):
    client = login(viewers.users["leader"])
    rows = [
        full_rows()[0],
        {"aspect": "工作思路", "gap": "有差距", "measure": ""},
        {"aspect": "能力素质", "gap": "有差距", "measure": "有措施", "deadline": "明年"},
    ]
    response = client.post(reverse("problems:self_exam"), post_rows(rows, action))
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert "measure" in forms[1].errors
    assert "deadline" in forms[2].errors
    html = response.content.decode()
    assert 'id="item-2"' in html and "此处不能为空" in html
    leader_exam.refresh_from_db()
    assert [(i.aspect, i.gap) for i in leader_exam.items.all()] == [("政治定力", "原有的差距")]
    assert leader_exam.submitted_at is None


def test_add_a_row_without_saving_and_delete_a_row(viewers, campaign, leader, leader_exam, login):
    client = login(viewers.users["leader"])
    rows = [full_rows()[0], full_rows()[1]]
    response = client.post(reverse("problems:self_exam"), post_rows(rows, "add"))
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 3
    assert "工作思路方面的差距" in response.content.decode()  # what was typed stays
    assert leader_exam.items.count() == 1  # nothing saved yet
    rows[0]["DELETE"] = "on"
    rows.append({"aspect": "", "gap": "", "measure": ""})  # a blank row is left out
    response = client.post(reverse("problems:self_exam"), post_rows(rows, "save"))
    assert response.status_code == 302
    assert [i.aspect for i in leader_exam.items.all()] == ["工作思路"]


def test_office_lists_leaders_in_scope_with_their_state(viewers, campaign, leader, leader_exam, login):
    other_a = PersonFactory(unit=viewers.community_a, name="钱主任", is_leading_cadre=True)
    self_examination_save(campaign=campaign, person=viewers.person_b, items=full_rows(), by=None, submit=True)
    client = login(viewers.users["office"])
    response = client.get(reverse("problems:self_exam_list"))
    rows = {p.name: p for p in response.context["rows"]}
    assert set(rows) == {"王局长", "钱主任", "李四"}
    assert rows["李四"].submitted_at is not None and rows["李四"].item_count == 3
    assert rows["王局长"].submitted_at is None and rows["王局长"].item_count == 1
    assert rows["钱主任"].examination_id is None
    html = response.content.decode()
    assert reverse("problems:self_exam_detail", args=[leader_exam.pk]) in html
    assert "未填写" in html and "已保存未提交" in html
    narrowed = client.get(reverse("problems:self_exam_list"), {"unit": "S-A"})
    assert {p.name for p in narrowed.context["rows"]} == {"王局长", "钱主任"}
    missing = client.get(reverse("problems:self_exam_list"), {"state": "missing"})
    assert {p.name for p in missing.context["rows"]} == {"王局长", "钱主任"}
    # The office of street A sees street A's leaders only, and cannot ask for street B.
    office_a = login(viewers.users["office_a"])
    assert {p.name for p in office_a.get(reverse("problems:self_exam_list")).context["rows"]} == {
        "王局长",
        other_a.name,
    }
    refused = office_a.get(reverse("problems:self_exam_list"), {"unit": "S-B"})
    assert list(refused.context["rows"]) == []


def test_guessing_another_units_self_examination_is_not_found(viewers, campaign, leader_exam, login):
    exam_b = self_examination_save(campaign=campaign, person=viewers.person_b, items=full_rows(), by=None, submit=True)
    url = reverse("problems:self_exam_detail", args=[exam_b.pk])
    assert login(viewers.users["office_a"]).get(url).status_code == 404
    assert login(viewers.users["leader"]).get(url).status_code == 404
    assert login(viewers.users["liaison_b"]).get(url).status_code == 404
    response = login(viewers.users["office"]).get(url)
    assert response.status_code == 200
    assert "政治定力方面的差距" in response.content.decode()
    assert login(viewers.users["office"]).get(reverse("problems:self_exam_detail", args=[999999])).status_code == 404


def test_detail_lists_missing_aspects(viewers, campaign, leader_exam, login):
    response = login(viewers.users["office"]).get(reverse("problems:self_exam_detail", args=[leader_exam.pk]))
    assert response.context["missing"] == ["工作思路", "能力素质"]
    assert "原有的措施" in response.content.decode()


def test_list_query_count_does_not_grow(viewers, campaign, leader_exam, login, django_assert_max_num_queries):
    client = login(viewers.users["office"])
    url = reverse("problems:self_exam_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(5):
        person = PersonFactory(unit=viewers.community_a, name=f"领导{n}", is_leading_cadre=True)
        self_examination_save(campaign=campaign, person=person, items=full_rows(), by=None, submit=n % 2 == 0)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["rows"]) == 7
