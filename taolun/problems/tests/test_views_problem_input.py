"""Bad input on one problem's pages: refused with the message next to its field, and nothing changed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import shared_org
from taolun.problems import services
from taolun.problems.models import MeasureUpdate, Problem, ProblemStatus

from .conftest import days
from .test_views_problem import pdf, snapshot

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def field_error(html: str, field_id: str) -> str:
    """The error shown under the field whose id is ``field_id`` (``id_measure_deadline``)."""
    found = re.search(rf'id="{field_id}_error"[^>]*>([^<]+)<', html)
    return found.group(1) if found else ""


def form_errors(html: str) -> str:
    return " ".join(re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', html, re.S))


def fake_jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not really a picture", content_type="image/jpeg")


@pytest.fixture
def liaison(org, login):
    return login(org.user("liaison"))


@pytest.fixture
def office(org, login):
    return login(org.user("office"))


def create(client, **overrides):
    data = {"content": "审批环节多", "source": "self_examination", "unit": "S-A"}
    data.update(overrides)
    return client.post(reverse("problems:create"), data)


def test_empty_content_is_refused_on_the_content_field(campaign, liaison):
    response = create(liaison, content="  ")
    assert response.status_code == 200
    assert field_error(response.content.decode(), "id_content")
    assert not Problem.objects.exists()


def test_a_deadline_in_the_past_is_refused_on_the_deadline_field(campaign, liaison):
    before = snapshot()
    response = create(liaison, deadline=days(-3).isoformat())
    assert field_error(response.content.decode(), "id_deadline") == "办结时限不能早于查摆日期。"
    assert snapshot() == before


def test_an_owner_outside_the_unit_is_refused(org, campaign, liaison, owner):
    before = snapshot()
    response = create(liaison, unit="C-A1", owner=str(org.person_b.pk))
    assert "不在责任单位的名册中" in field_error(response.content.decode(), "id_owner")
    assert snapshot() == before


def test_a_unit_outside_the_scope_is_refused(campaign, liaison):
    response = create(liaison, unit="S-B")
    assert "不在您的管理范围内" in field_error(response.content.decode(), "id_unit")
    assert not Problem.objects.exists()


def test_the_owner_choices_follow_the_chosen_unit(org, campaign, liaison, owner):
    page = liaison.get(reverse("problems:create") + "?unit=C-A1").content.decode()
    owner_field = page.split('id="field-owner"')[1].split("</select>")[0]
    assert f'value="{owner.pk}"' in owner_field
    assert f'value="{org.person_b.pk}"' not in owner_field
    assert "13800001234" not in page and "11010519491231002X" not in page


def test_a_measure_due_after_the_problem_is_refused(make_problem, liaison):
    problem = make_problem(confirmed=True, deadline=days(30))
    before = snapshot()
    response = liaison.post(
        reverse("problems:measure_add", args=[problem.pk]), {"content": "再加一项", "deadline": days(40).isoformat()}
    )
    assert response.status_code == 400
    assert "不能晚于问题的办结时限" in field_error(response.content.decode(), "id_measure_deadline")
    assert snapshot() == before
    measure = problem.measures.get()
    response = liaison.post(
        reverse("problems:measure_edit", args=[measure.pk]), {"content": "改", "deadline": days(40).isoformat()}
    )
    assert "不能晚于问题的办结时限" in field_error(response.content.decode(), "id_deadline")
    assert snapshot() == before


def test_progress_over_100_is_refused(org, make_problem, login):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    client = login(org.user("owner"))
    before = snapshot()
    response = client.post(reverse("problems:measure_progress", args=[measure.pk]), {"progress": 150, "note": "超额"})
    assert response.status_code == 400
    assert field_error(response.content.decode(), f"id_m{measure.pk}_progress")
    response = client.post(
        reverse("problems:measure_progress", args=[measure.pk]),
        {"progress": 50, "note": "明天的事", "happened_on": days(1).isoformat()},
    )
    assert field_error(response.content.decode(), f"id_m{measure.pk}_happened_on") == "进展日期不能晚于今天。"
    assert snapshot() == before
    assert not MeasureUpdate.objects.exists()


def test_a_non_image_renamed_jpg_is_refused(org, make_problem, login, settings):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    client = login(org.user("owner"))
    before = snapshot()
    response = client.post(reverse("problems:evidence_add", args=[problem.pk]), {"file": fake_jpeg()})
    assert response.status_code == 400
    assert "改扩展名不能改变文件类型" in field_error(response.content.decode(), "id_evidence_file")
    response = client.post(
        reverse("problems:measure_progress", args=[measure.pk]),
        {"progress": 30, "note": "进展", "file": [pdf(), fake_jpeg()]},
    )
    assert "改扩展名不能改变文件类型" in field_error(response.content.decode(), f"id_m{measure.pk}_file")
    assert snapshot() == before
    assert not MeasureUpdate.objects.exists()


def test_missing_reasons_are_asked_for(org, make_problem, liaison, office):
    found = make_problem()
    before = snapshot()
    response = liaison.post(reverse("problems:move", args=[found.pk]), {"action": "dismiss", "reason": " "})
    assert response.status_code == 400
    assert field_error(response.content.decode(), "id_dismiss_reason")

    problem = make_problem(confirmed=True)
    before = snapshot()
    response = liaison.post(
        reverse("problems:extension_request", args=[problem.pk]), {"new_deadline": days(60).isoformat()}
    )
    assert field_error(response.content.decode(), "id_extension_reason")
    extension = services.extension_request(problem=problem, new_deadline=days(60), reason="等待审批", by=None)
    before = snapshot()
    response = office.post(reverse("problems:extension_decide", args=[extension.pk]), {"decision": "reject"})
    assert field_error(response.content.decode(), "id_decide_note") == "不批准时请写明意见。"
    assert snapshot() == before

    measure = problem.measures.get()
    services.measure_progress(measure=measure, progress=100, note="完成", by=None, files=[pdf()])
    services.problem_finish(problem=problem, result="完成", by=None)
    before = snapshot()
    response = office.post(reverse("problems:move", args=[problem.pk]), {"action": "reject"})
    assert field_error(response.content.decode(), "id_reject_reason")
    services.problem_close(problem=problem, by=None)
    before = snapshot()
    response = office.post(reverse("problems:move", args=[problem.pk]), {"action": "reopen", "reason": ""})
    assert field_error(response.content.decode(), "id_reopen_reason")
    assert snapshot() == before


def test_confirming_without_the_five_clarities_says_what_is_missing(make_problem, liaison):
    problem = make_problem()
    page = liaison.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "确认前还须写明" in page and "整改标准" in page
    before = snapshot()
    response = liaison.post(reverse("problems:move", args=[problem.pk]), {"action": "confirm"})
    assert response.status_code == 400
    assert "缺一不可" in form_errors(response.content.decode())
    assert snapshot() == before


def test_finishing_with_open_measures_is_refused(make_problem, liaison):
    problem = make_problem(confirmed=True)
    before = snapshot()
    response = liaison.post(reverse("problems:move", args=[problem.pk]), {"action": "finish", "result": "完成了"})
    assert "没有完成" in form_errors(response.content.decode())
    assert snapshot() == before


def test_an_extension_after_the_deadline_is_refused(org, make_problem, login):
    problem = make_problem(confirmed=True, deadline=days(5), measure_deadline=days(-2), starts_on=days(-30))
    # The deadline passed (set directly: no service moves a deadline into the past).
    Problem.objects.filter(pk=problem.pk).update(deadline=days(-1), found_at=problem.found_at.replace(year=2000))
    client = login(org.user("owner"))
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert reverse("problems:extension_request", args=[problem.pk]) not in page
    before = snapshot()
    response = client.post(
        reverse("problems:extension_request", args=[problem.pk]),
        {"new_deadline": days(30).isoformat(), "reason": "来不及"},
    )
    assert response.status_code == 400
    assert "延期申请须在时限到期前提出" in form_errors(response.content.decode())
    assert snapshot() == before


def test_a_second_pending_extension_is_refused(org, make_problem, login):
    problem = make_problem(confirmed=True)
    services.extension_request(problem=problem, new_deadline=days(60), reason="等待审批", by=None)
    client = login(org.user("owner"))
    before = snapshot()
    response = client.post(
        reverse("problems:extension_request", args=[problem.pk]),
        {"new_deadline": days(90).isoformat(), "reason": "再延"},
    )
    assert "已有一份延期申请在等待审批" in form_errors(response.content.decode())
    assert snapshot() == before


def test_the_deadline_of_a_confirmed_problem_moves_only_by_extension(make_problem, liaison):
    problem = make_problem(confirmed=True, deadline=days(30))
    url = reverse("problems:edit", args=[problem.pk])
    page = liaison.get(url).content.decode()
    assert 'name="unit"' not in page  # the unit is fixed once confirmed
    before = snapshot()
    response = liaison.post(url, {"content": problem.content, "deadline": days(50).isoformat()})
    assert response.status_code == 200
    assert field_error(response.content.decode(), "id_deadline") == "问题确认后，办结时限只能通过延期申请调整。"
    assert snapshot() == before
    response = liaison.post(url, {"content": "", "deadline": days(30).isoformat()})
    assert field_error(response.content.decode(), "id_content")
    assert snapshot() == before
    response = liaison.post(
        url, {"content": "更准确的问题描述", "deadline": days(30).isoformat(), "standard": "新标准"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.content, problem.standard, problem.deadline) == ("更准确的问题描述", "新标准", days(30))


def test_a_closed_problem_cannot_be_edited(make_problem, liaison):
    problem = make_problem(confirmed=True)
    services.measure_progress(measure=problem.measures.get(), progress=100, note="完成", by=None, files=[pdf()])
    services.problem_finish(problem=problem, result="完成", by=None)
    services.problem_close(problem=problem, by=None)
    url = reverse("problems:edit", args=[problem.pk])
    assert "不能再修改" in liaison.get(url).content.decode()
    before = snapshot()
    response = liaison.post(url, {"content": "改一改"})
    assert response.status_code == 200 and "不能再修改" in response.content.decode()
    assert snapshot() == before
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED
