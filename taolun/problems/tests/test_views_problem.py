"""One problem's pages: who may open and use each of them, and the whole path from filing to reopening.

Bad input and its messages are in ``test_views_problem_input.py``; files, history and query counts in
``test_views_problem_files.py``.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import shared_org
from taolun.activities.tests.conftest import make_activity
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import EvidenceFile, Extension, Measure, Problem, ProblemStatus

from .conftest import days

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(mixed_roles=True, campaign=True))

__all__ = ["make_activity"]

ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]
MANAGERS = {"admin", "office", "office_a", "liaison"}
OFFICES = {"admin", "office", "office_a"}
SEES = MANAGERS | {"leader", "owner"}
FILERS = MANAGERS | {"liaison_b", "leader"}


def pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def expected(role: str, allowed: set[str], ok: int, *, sees: set[str] = SEES) -> int:
    """What ``role`` gets: ``ok`` when allowed, 403 when it sees the problem but may not, 404 otherwise."""
    if role == "anonymous":
        return 302
    if role in allowed:
        return ok
    return 403 if role in sees else 404


@pytest.fixture
def people(org_mixed_roles, leader, owner):
    return org_mixed_roles


@pytest.fixture
def problem(people, make_problem):
    return make_problem(confirmed=True)


def status_of(login, people, role: str, method: str, url: str, data: dict | None = None) -> int:
    client = login(people.users[role])
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response["Location"], role
    return response.status_code


def snapshot() -> tuple:
    """The rows and audit entries, and each problem's and measure's state: equal before and after means unchanged."""
    return (
        Problem.objects.count(),
        Measure.objects.count(),
        EvidenceFile.objects.count(),
        Extension.objects.count(),
        AuditEntry.objects.count(),
        list(Problem.objects.order_by("pk").values_list("status", "progress", "deadline", "is_public", "owner")),
        list(Measure.objects.order_by("pk").values_list("content", "progress", "deadline")),
        list(Extension.objects.order_by("pk").values_list("status", flat=True)),
    )


# —— the role matrix ——


def test_detail_matrix(people, problem, login):
    url = reverse("problems:detail", args=[problem.pk])
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    assert got == {role: expected(role, SEES, 200) for role in ROLES}


def test_history_matrix(people, problem, login):
    url = reverse("problems:history", args=[problem.pk])
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    assert got == {role: expected(role, SEES, 200) for role in ROLES}


def test_edit_matrix(people, problem, login):
    url = reverse("problems:edit", args=[problem.pk])
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    assert got == {role: expected(role, MANAGERS, 200) for role in ROLES}


def test_measure_edit_matrix(people, problem, login):
    url = reverse("problems:measure_edit", args=[problem.measures.get().pk])
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    assert got == {role: expected(role, MANAGERS, 200) for role in ROLES}


def test_create_matrix(people, campaign, login):
    url = reverse("problems:create")
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    want = {role: 302 if role == "anonymous" else (200 if role in FILERS else 403) for role in ROLES}
    assert got == want


def test_out_of_scope_ids_are_404(people, problem, make_problem, login):
    other = make_problem(unit=people.street_b)
    client = login(people.user("liaison"))
    for url in (
        reverse("problems:detail", args=[other.pk]),
        reverse("problems:history", args=[other.pk]),
        reverse("problems:edit", args=[other.pk]),
        reverse("problems:detail", args=[999999]),
    ):
        assert client.get(url).status_code == 404, url
    before = snapshot()
    for url, data in (
        (reverse("problems:move", args=[other.pk]), {"action": "dismiss", "reason": "不是问题"}),
        (reverse("problems:measure_add", args=[other.pk]), {"content": "措施", "deadline": days(5)}),
        (reverse("problems:extension_request", args=[other.pk]), {"new_deadline": days(40), "reason": "理由"}),
        (reverse("problems:set_public", args=[other.pk]), {"public": "1"}),
    ):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before


# Each POST with input that the form or the service refuses: allowed viewers see the page again (400),
# others are refused before anything is read from the input.
POSTS = [
    ("move-dismiss", "problems:move", {"action": "dismiss"}, MANAGERS, 400),
    ("move-close", "problems:move", {"action": "close"}, OFFICES, 400),
    ("move-reopen", "problems:move", {"action": "reopen"}, OFFICES, 400),
    ("move-finish", "problems:move", {"action": "finish"}, MANAGERS, 400),
    ("measure-add", "problems:measure_add", {}, MANAGERS, 400),
    ("evidence-add", "problems:evidence_add", {}, MANAGERS | {"owner"}, 400),
    ("extension-request", "problems:extension_request", {}, MANAGERS | {"owner"}, 400),
]


@pytest.mark.parametrize(("name", "route", "data", "allowed", "ok"), POSTS, ids=[p[0] for p in POSTS])
def test_post_matrix(people, problem, login, name, route, data, allowed, ok):
    url = reverse(route, args=[problem.pk])
    before = snapshot()
    got = {role: status_of(login, people, role, "post", url, data) for role in ROLES}
    assert got == {role: expected(role, allowed, ok) for role in ROLES}
    assert snapshot() == before


def test_progress_matrix(people, problem, login):
    url = reverse("problems:measure_progress", args=[problem.measures.get().pk])
    before = snapshot()
    got = {role: status_of(login, people, role, "post", url, {"progress": 150}) for role in ROLES}
    assert got == {role: expected(role, MANAGERS | {"owner"}, 400) for role in ROLES}
    assert snapshot() == before


def test_measure_edit_post_and_delete_matrix(people, problem, login):
    measure = problem.measures.get()
    before = snapshot()
    edit = reverse("problems:measure_edit", args=[measure.pk])
    got = {role: status_of(login, people, role, "post", edit, {"content": ""}) for role in ROLES}
    assert got == {role: expected(role, MANAGERS, 200) for role in ROLES}
    # The only measure of a confirmed problem stays: the allowed go back to the page with the reason.
    delete = reverse("problems:measure_delete", args=[measure.pk])
    got = {role: status_of(login, people, role, "post", delete) for role in ROLES}
    assert got == {role: expected(role, MANAGERS, 302) for role in ROLES}
    assert snapshot() == before


def test_public_matrix(people, problem, login):
    url = reverse("problems:set_public", args=[problem.pk])
    before = snapshot()
    got = {role: status_of(login, people, role, "post", url, {"public": "1"}) for role in ROLES}
    # A confirmed problem cannot be published: the office is sent back with the reason.
    assert got == {role: expected(role, OFFICES, 302) for role in ROLES}
    assert snapshot() == before


def test_extension_decide_matrix(people, problem, login):
    extension = services.extension_request(problem=problem, new_deadline=days(60), reason="材料待审", by=None)
    url = reverse("problems:extension_decide", args=[extension.pk])
    before = snapshot()
    got = {role: status_of(login, people, role, "post", url, {"decision": "reject"}) for role in ROLES}
    assert got == {role: expected(role, OFFICES, 400) for role in ROLES}
    assert snapshot() == before
    extension.refresh_from_db()
    assert extension.status == "pending"


def test_evidence_matrix(people, problem, login):
    """Everyone who sees the problem may open its evidence; only its managers may delete it."""
    item = services.evidence_add(problem=problem, upload=pdf(), by=None)
    url = reverse("problems:evidence_file", args=[item.pk])
    got = {role: status_of(login, people, role, "get", url) for role in ROLES}
    assert got == {role: expected(role, SEES, 200) for role in ROLES}
    for role in ROLES:
        item = services.evidence_add(problem=problem, upload=pdf(), by=None)
        code = status_of(login, people, role, "post", reverse("problems:evidence_delete", args=[item.pk]))
        assert code == expected(role, MANAGERS, 302), role
        assert EvidenceFile.objects.filter(pk=item.pk).exists() == (role not in MANAGERS), role


def test_forms_on_the_page_follow_the_rules(people, problem, login):
    detail = reverse("problems:detail", args=[problem.pk])
    office = login(people.user("office")).get(detail).content.decode()
    assert reverse("problems:measure_add", args=[problem.pk]) in office
    assert 'value="finish"' in office
    owner = login(people.user("owner")).get(detail).content.decode()
    assert reverse("problems:measure_progress", args=[problem.measures.get().pk]) in owner
    assert reverse("problems:extension_request", args=[problem.pk]) in owner
    assert reverse("problems:measure_add", args=[problem.pk]) not in owner
    assert 'name="action"' not in owner
    leader = login(people.user("leader")).get(detail).content.decode()
    assert "<form" not in leader.split('id="main"')[1].replace('action="/accounts/logout/"', "")
    liaison = login(people.user("liaison")).get(detail).content.decode()
    assert 'value="close"' not in liaison


def test_unknown_action_is_a_bad_request(people, problem, login):
    client = login(people.user("office"))
    assert client.post(reverse("problems:move", args=[problem.pk]), {"action": "explode"}).status_code == 400


def test_get_never_changes_anything(people, problem, login):
    measure = problem.measures.get()
    item = services.evidence_add(problem=problem, upload=pdf(), by=None)
    extension = services.extension_request(problem=problem, new_deadline=days(60), reason="材料待审", by=None)
    client = login(people.user("admin"))
    before = snapshot()
    post_only = [
        reverse("problems:move", args=[problem.pk]) + "?action=dismiss&reason=x",
        reverse("problems:set_public", args=[problem.pk]) + "?public=1",
        reverse("problems:measure_add", args=[problem.pk]) + "?content=x&deadline=2030-01-01",
        reverse("problems:measure_delete", args=[measure.pk]),
        reverse("problems:measure_progress", args=[measure.pk]) + "?progress=50&note=x",
        reverse("problems:evidence_add", args=[problem.pk]),
        reverse("problems:evidence_delete", args=[item.pk]),
        reverse("problems:extension_request", args=[problem.pk]) + "?new_deadline=2030-01-01&reason=x",
        reverse("problems:extension_decide", args=[extension.pk]) + "?decision=approve",
    ]
    for url in post_only:
        assert client.get(url).status_code == 405, url
    pages = [
        reverse("problems:create") + "?content=x&unit=S-A",
        reverse("problems:detail", args=[problem.pk]),
        reverse("problems:edit", args=[problem.pk]) + "?content=x",
        reverse("problems:measure_edit", args=[measure.pk]) + "?content=x",
        reverse("problems:history", args=[problem.pk]),
        reverse("problems:evidence_file", args=[item.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    assert snapshot() == before


def test_csrf_is_enforced(people, problem, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.user("office"))
    before = snapshot()
    url = reverse("problems:measure_add", args=[problem.pk])
    response = strict.post(url, {"content": "再加一项措施", "deadline": days(10).isoformat()})
    assert response.status_code == 403
    assert snapshot() == before
    page = strict.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(
        url, {"content": "再加一项措施", "deadline": days(10).isoformat(), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert problem.measures.count() == 2


# —— the whole path through the pages ——


def test_from_filing_to_reopening(people, campaign, owner, login):
    liaison = login(people.user("liaison"))
    category = campaign.shortcomings.order_by("order").first()
    response = liaison.post(
        reverse("problems:create"),
        {
            "content": "审批环节多、时限长，企业反映办事难",
            "source": "self_examination",
            "source_note": "座谈会",
            "unit": "S-A",
            "owner": str(owner.pk),
            "category": str(category.pk),
            "standard": "审批时限压缩一半",
            "deadline": days(20).isoformat(),
        },
    )
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == problem.get_absolute_url()
    assert (problem.owner, problem.category, problem.status) == (owner, category, ProblemStatus.FOUND)
    page = liaison.get(problem.get_absolute_url()).content.decode()
    assert "确认前还须写明" in page and "整改措施" in page

    add = reverse("problems:measure_add", args=[problem.pk])
    assert (
        liaison.post(
            add,
            {"content": "梳理审批事项清单", "owner": str(owner.pk), "deadline": days(15).isoformat(), "weight": 2},
        ).status_code
        == 302
    )
    # A second measure that ran late: started three weeks ago, due yesterday.
    assert (
        liaison.post(
            add,
            {
                "content": "公布办事指南",
                "owner_name": "外聘顾问",
                "starts_on": days(-21).isoformat(),
                "deadline": days(-1).isoformat(),
                "weight": 1,
            },
        ).status_code
        == 302
    )
    assert liaison.post(reverse("problems:move", args=[problem.pk]), {"action": "confirm"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CONFIRMED and problem.original_deadline == days(20)
    first, late = problem.measures.order_by("order")

    owner_client = login(people.user("owner"))
    response = owner_client.post(
        reverse("problems:measure_progress", args=[first.pk]),
        {"progress": 60, "note": "已梳理 30 项事项", "file": [pdf("清单.pdf")]},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RECTIFYING
    assert problem.progress == (2 * 60 + 0) // 3
    assert EvidenceFile.objects.get().original_name == "清单.pdf"

    page = owner_client.get(problem.get_absolute_url()).content.decode()
    late_row = page.split(f'id="measure-{late.pk}"')[1].split("</tbody>")[0]
    assert 'class="status light red"' in late_row and "逾期" in late_row
    head = page.split('id="problem-head"')[1].split("</div>")[0]
    assert "light red" in head
    assert "已梳理 30 项事项" in page

    # The deadline is still ahead: the owner asks for more time, the office agrees.
    response = owner_client.post(
        reverse("problems:extension_request", args=[problem.pk]),
        {"new_deadline": days(45).isoformat(), "reason": "涉及上级审批，需要更多时间"},
    )
    assert response.status_code == 302
    extension = Extension.objects.get()
    office = login(people.user("office"))
    response = office.post(
        reverse("problems:extension_decide", args=[extension.pk]), {"decision": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.deadline, problem.original_deadline) == (days(45), days(20))
    assert "已延期" in office.get(problem.get_absolute_url()).content.decode()

    for measure in (first, late):
        response = owner_client.post(
            reverse("problems:measure_progress", args=[measure.pk]), {"progress": 100, "note": "已完成"}
        )
        assert response.status_code == 302
    response = liaison.post(
        reverse("problems:move", args=[problem.pk]), {"action": "finish", "result": "审批时限由20天压缩到8天"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.DONE

    response = office.post(
        reverse("problems:move", args=[problem.pk]), {"action": "close", "note": "核验属实", "publish": "on"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.is_public, problem.closed_on_time) == (ProblemStatus.CLOSED, True, True)
    assert "已销号" in office.get(problem.get_absolute_url()).content.decode()

    response = office.post(reverse("problems:move", args=[problem.pk]), {"action": "reopen", "reason": "群众再次反映"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.reopen_count, problem.is_public) == (ProblemStatus.RECTIFYING, 1, False)
    page = office.get(problem.get_absolute_url()).content.decode()
    assert "重新整改" in page and "群众再次反映" in page
    actions = list(
        AuditEntry.objects.filter(object_id=str(problem.pk), action__startswith="problems.").values_list(
            "action", flat=True
        )
    )
    for action in ("create", "measure.add", "confirm", "measure.progress", "extension.approve", "close", "reopen"):
        assert f"problems.{action}" in actions


def test_publish_toggle_on_a_closed_problem(people, problem, login, owner):
    measure = problem.measures.get()
    services.measure_progress(measure=measure, progress=100, note="完成", by=None, files=[pdf()])
    services.problem_finish(problem=problem, result="完成", by=None)
    services.problem_close(problem=problem, by=None)
    office = login(people.user("office"))
    url = reverse("problems:set_public", args=[problem.pk])
    assert office.post(url, {"public": "1"}).status_code == 302
    problem.refresh_from_db()
    assert problem.is_public
    assert office.post(url, {"public": "0"}).status_code == 302
    problem.refresh_from_db()
    assert not problem.is_public


def test_filing_from_a_research_topic(people, campaign, leader, make_topic, login):
    topic = make_topic(leader)
    client = login(people.user("leader"))
    url = reverse("problems:create") + f"?topic={topic.pk}"
    page = client.get(url).content.decode()
    assert topic.title in page
    assert 'value="research_topic" selected' in page
    response = client.post(url, {"content": "企业反映审批慢", "source": "research_topic", "unit": "S-A"})
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.research_topic == topic
    page = client.get(problem.get_absolute_url()).content.decode()
    assert reverse("research:detail", args=[topic.pk]) in page


def test_a_topic_the_viewer_may_not_see_is_404(people, campaign, leader, make_topic, login):
    topic = make_topic(leader)
    client = login(people.user("liaison_b"))
    assert client.get(reverse("problems:create") + f"?topic={topic.pk}").status_code == 404
    assert client.get(reverse("problems:create") + "?topic=abc").status_code == 404
    assert client.get(reverse("problems:create") + "?campaign=nope").status_code == 404


def test_measures_answer_htmx_with_the_section(people, problem, login):
    client = login(people.user("owner"))
    measure = problem.measures.get()
    response = client.post(
        reverse("problems:measure_progress", args=[measure.pk]),
        {"progress": 40, "note": "推进中"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="measures",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="measures"' in html and 'hx-swap-oob="true"' in html
    assert "已报告整改进展" in html
    # Errors come back inside the section too (htmx swaps only successful answers).
    response = client.post(
        reverse("problems:measure_progress", args=[measure.pk]),
        {"progress": 150, "note": "推进中"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="measures",
    )
    assert response.status_code == 200
    assert f'id="id_m{measure.pk}_progress_error"' in response.content.decode()
    measure.refresh_from_db()
    assert measure.progress == 40


def test_a_problem_from_an_inspection_links_to_the_activity(people, campaign, make_activity, login):
    from taolun.activities import records
    from taolun.problems.convert import problem_from_opinion

    visit = make_activity(kind="inspection", title="老旧小区改造视察")
    opinion = records.opinion_add(activity=visit, content="老旧小区积水严重", by=None)
    _pk, url = problem_from_opinion(opinion=opinion, by=people.user("liaison"))
    page = login(people.user("liaison")).get(url).content.decode()
    assert f'href="{reverse("activities:detail", args=[visit.pk])}#opinions"' in page
    assert "老旧小区改造视察" in page and "视察意见" in page


def test_dismissing_and_restoring(people, make_problem, login):
    problem = make_problem()
    client = login(people.user("liaison"))
    url = reverse("problems:move", args=[problem.pk])
    assert client.post(url, {"action": "dismiss", "reason": "属于正常工作安排"}).status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.verification_note) == (ProblemStatus.DISMISSED, "属于正常工作安排")
    page = client.get(problem.get_absolute_url()).content.decode()
    assert "属于正常工作安排" in page and 'value="restore"' in page
    assert reverse("problems:edit", args=[problem.pk]) not in page
    assert client.post(url, {"action": "restore"}).status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FOUND
    # A move the status does not allow is refused on the page, and nothing changes.
    before = snapshot()
    response = client.post(url, {"action": "reopen", "reason": "x"})
    assert response.status_code == 403  # reopening is the office's
    response = login(people.user("office")).post(url, {"action": "reopen", "reason": "x"})
    assert response.status_code == 400 and "只有已销号的问题才能重新整改" in response.content.decode()
    assert snapshot() == before
