"""Evidence files as served, the versioned history page, and the detail page's query count."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from taolun.activities.tests.conftest import image_bytes
from taolun.problems import services

from .conftest import days
from .test_views_problem import pdf

pytestmark = pytest.mark.django_db


def jpeg(name: str = "现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(), content_type="image/jpeg")


def test_a_document_is_served_as_a_private_download(org, make_problem, login):
    problem = make_problem(confirmed=True)
    item = services.evidence_add(problem=problem, upload=pdf("整改报告.pdf"), by=None)
    response = login(org.user("owner")).get(reverse("problems:evidence_file", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%95%B4%E6%94%B9%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # A document has no thumbnail.
    assert (
        login(org.user("owner")).get(reverse("problems:evidence_file", args=[item.pk]) + "?thumb=1").status_code == 404
    )


def test_an_image_is_shown_inline_with_its_thumbnail(org, make_problem, login):
    problem = make_problem(confirmed=True)
    item = services.evidence_add(problem=problem, upload=jpeg(), caption="整改后现场", by=None)
    client = login(org.user("liaison"))
    page = client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert f'src="{reverse("problems:evidence_file", args=[item.pk])}?thumb=1"' in page
    response = client.get(reverse("problems:evidence_file", args=[item.pk]))
    assert response["Content-Disposition"].startswith("inline;")
    thumb = client.get(reverse("problems:evidence_file", args=[item.pk]) + "?thumb=1")
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"


def test_uploading_evidence_through_the_page(org, make_problem, login):
    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    client = login(org.user("owner"))
    response = client.post(
        reverse("problems:evidence_add", args=[problem.pk]),
        {"file": jpeg(), "caption": "公示栏照片", "measure": str(measure.pk)},
    )
    assert response.status_code == 302
    item = problem.evidence.get()
    assert (item.caption, item.measure, item.is_image, bool(item.thumbnail)) == ("公示栏照片", measure, True, True)


def test_history_shows_names_and_labels(org, make_problem, login, owner):
    problem = make_problem()
    services.problem_update(
        problem=problem, owner=owner, content="审批环节多、时限长，群众和企业反映办事难、办事慢", by=None
    )
    services.measure_add(problem=problem, content="压缩审批时限", deadline=days(20), owner=owner, by=None)
    page = login(org.user("liaison")).get(reverse("problems:history", args=[problem.pk])).content.decode()
    assert "赵科长" in page  # the owner's id shown as the name
    assert "责任人" in page and "压缩审批时限" in page
    assert "<ins>" in page and "<del>" in page
    assert "已查摆" in page  # the status as its label
    assert "problems.measure.add" in page


def test_history_queries_do_not_grow_with_its_entries(org, make_problem, login, owner, django_assert_num_queries):
    problem = make_problem(confirmed=True)
    client = login(org.user("liaison"))
    url = reverse("problems:history", args=[problem.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    measure = problem.measures.get()
    for n in range(1, 6):
        services.measure_progress(measure=measure, progress=n * 10, note=f"第{n}次", by=None)
        services.measure_add(problem=problem, content=f"措施{n}", deadline=days(20), owner=owner, by=None)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert "第5次" in response.content.decode()


def _grow(problem, owner, measures: int, updates: int, files: int) -> None:
    for n in range(measures):
        measure = services.measure_add(
            problem=problem, content=f"措施{n}", deadline=days(20), starts_on=days(-5), owner=owner, by=None
        )
        for k in range(updates):
            services.measure_progress(measure=measure, progress=10 * (k + 1), note=f"进展{k}", by=None)
    for _n in range(files):
        services.evidence_add(problem=problem, upload=jpeg(), by=None)
        services.evidence_add(problem=problem, upload=pdf(), by=None)


@pytest.mark.parametrize("role", ["office", "owner"])
def test_detail_queries_do_not_grow_with_measures_updates_and_evidence(
    org, make_problem, login, owner, role, django_assert_num_queries
):
    small = make_problem(confirmed=True)
    large = make_problem(confirmed=True)
    _grow(small, owner, measures=0, updates=0, files=1)
    _grow(large, owner, measures=6, updates=3, files=4)
    extension = services.extension_request(problem=large, new_deadline=days(60), reason="等待", by=None)
    services.extension_decide(extension=extension, approve=False, note="不同意", by=None)
    services.extension_request(problem=large, new_deadline=days(70), reason="再申请", by=None)
    services.extension_request(problem=small, new_deadline=days(60), reason="等待", by=None)
    client = login(org.user(role))
    client.get(reverse("problems:detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(reverse("problems:detail", args=[small.pk])).status_code == 200
    with django_assert_num_queries(len(baseline)):
        response = client.get(reverse("problems:detail", args=[large.pk]))
    assert response.content.decode().count('class="updates"') == 7
