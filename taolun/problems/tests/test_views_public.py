"""The public ledger: readable without signing in, closed and published problems only, no person's name."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import shared_org
from taolun.campaigns.models import CampaignStatus
from taolun.problems import services

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")


@pytest.fixture
def close(org):
    """Take a confirmed problem through its measure, evidence and verification to closed (published or not)."""

    def _close(problem, *, publish=True, result="审批时限由20天压缩到8天"):
        for measure in problem.measures.all():
            services.measure_progress(measure=measure, progress=100, note="已完成", by=None, files=[pdf()])
        problem.refresh_from_db()
        services.problem_finish(problem=problem, result=result, by=None)
        services.problem_close(problem=problem, by=org.users["office"], publish=publish)
        problem.refresh_from_db()
        return problem

    return _close


ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
def test_anyone_reads_the_public_ledger(org_mixed_roles, campaign, leader, owner, make_problem, close, login, role):
    close(make_problem(confirmed=True, content="公开的问题：办事难"))
    client = login(org_mixed_roles.users[role])
    for url in (reverse("problems:public_current"), reverse("problems:public", args=[campaign.slug])):
        response = client.get(url)
        assert response.status_code == 200
        assert "公开的问题：办事难" in response.content.decode()


def test_only_closed_and_published_problems_are_shown(org, campaign, make_problem, close, login):
    close(make_problem(confirmed=True, content="已销号并公开"))
    close(make_problem(confirmed=True, content="已销号未公开"), publish=False)
    make_problem(confirmed=True, content="整改中的问题")
    make_problem(content="刚查摆的问题")
    html = login(None).get(reverse("problems:public", args=[campaign.slug])).content.decode()
    assert "已销号并公开" in html
    for hidden in ("已销号未公开", "整改中的问题", "刚查摆的问题"):
        assert hidden not in html


def test_no_person_is_named(org, campaign, make_problem, close, owner, login):
    problem = close(make_problem(confirmed=True, content="公开的问题"))
    measure = problem.measures.get()
    assert measure.owner == owner and problem.owner == owner
    html = login(None).get(reverse("problems:public", args=[campaign.slug])).content.decode()
    assert "梳理审批事项清单" in html  # the measure is shown …
    assert owner.name not in html  # … but not who carried it out
    assert "office" not in html  # nor who closed it
    assert org.person_a.name not in html


def test_only_the_chosen_fields_are_published(org, campaign, make_problem, close, login, settings):
    close(make_problem(confirmed=True, content="问题的内容"), result="完成情况的说明")
    settings.PROBLEMS_PUBLIC_FIELDS = ("number", "unit", "result")
    html = login(None).get(reverse("problems:public", args=[campaign.slug])).content.decode()
    assert "完成情况的说明" in html and "甲街道" in html
    assert "问题的内容" not in html
    assert "梳理审批事项清单" not in html  # measures not chosen


def test_unknown_or_draft_campaign_is_not_found(org, campaign, login):
    client = login(None)
    assert client.get(reverse("problems:public", args=["no-such-campaign"])).status_code == 404
    campaign.status = CampaignStatus.DRAFT
    campaign.save(update_fields=["status"])
    assert client.get(reverse("problems:public", args=[campaign.slug])).status_code == 404
    assert client.get(reverse("problems:public_current")).status_code == 404


def test_public_page_may_be_cached_and_needs_no_session(org, campaign, make_problem, close, login):
    close(make_problem(confirmed=True))
    response = login(None).get(reverse("problems:public", args=[campaign.slug]))
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_public_ledger_is_paginated(org, campaign, make_problem, close, login, settings):
    settings.TAOLUN_PAGE_SIZE = 2
    for n in range(3):
        close(make_problem(confirmed=True, content=f"公开问题{n}"))
    client = login(None)
    first = client.get(reverse("problems:public", args=[campaign.slug])).content.decode()
    second = client.get(reverse("problems:public", args=[campaign.slug]), {"page": 2}).content.decode()
    assert first.count("公开问题") == 2 and second.count("公开问题") == 1
    assert 'rel="next"' in first


def test_public_query_count_does_not_grow_with_rows(
    org, campaign, make_problem, close, login, django_assert_max_num_queries
):
    client = login(None)
    url = reverse("problems:public", args=[campaign.slug])
    close(make_problem(confirmed=True))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(4):
        close(make_problem(confirmed=True))
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.content.decode().count('class="card"') == 5
