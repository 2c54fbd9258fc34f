"""The public articles: anyone reads the published ones, only those, escaped, with nothing personal beyond the
author's name and unit, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import shared_org
from taolun.articles.models import ArticleStatus
from taolun.campaigns import services as campaign_services

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ROLES = ["anonymous", "citizen", "cadre", "office", "publicity"]


def html_of(response) -> str:
    return response.content.decode()


def detail_url(campaign, article) -> str:
    return reverse("articles:public_detail", args=[campaign.slug, article.pk])


@pytest.mark.parametrize("role", ROLES)
def test_anyone_reads_published_articles(org, campaign, make_article, author, login, role):
    article = make_article(author, title="在解放思想中推动高质量发展", status=ArticleStatus.PUBLISHED)
    client = login(org.users[role])
    for url in (reverse("articles:public_current"), reverse("articles:public_list", args=[campaign.slug])):
        response = client.get(url)
        assert response.status_code == 200
        html = html_of(response)
        assert "在解放思想中推动高质量发展" in html and detail_url(campaign, article) in html
        assert "张三" in html and "甲一社区" in html
        assert timezone.localdate(article.published_at).isoformat() in html
        assert article.body.split()[0][:20] in html  # the excerpt
    response = client.get(detail_url(campaign, article))
    assert response.status_code == 200
    html = html_of(response)
    assert "在解放思想中推动高质量发展" in html and "张三" in html and "甲一社区" in html
    paragraphs = [line.strip() for line in article.body.splitlines() if line.strip()]
    assert f"<p>{paragraphs[1]}</p>" in html  # the text, one paragraph per line
    assert "public" in response["Cache-Control"] and "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize(
    "status",
    [
        ArticleStatus.DRAFT,
        ArticleStatus.SUBMITTED,
        ArticleStatus.RETURNED,
        ArticleStatus.APPROVED,
        ArticleStatus.EXCELLENT,
    ],
)
def test_only_published_articles_are_public(org, campaign, make_article, make_author, author, login, status):
    make_article(author, title="已发布的文章", status=ArticleStatus.PUBLISHED)
    hidden = make_article(make_author(), title="尚未发布的文章", status=status)
    client = login(None)
    html = html_of(client.get(reverse("articles:public_list", args=[campaign.slug])))
    assert "已发布的文章" in html and "尚未发布的文章" not in html
    assert client.get(detail_url(campaign, hidden)).status_code == 404


def test_an_unpublished_article_leaves_the_public_site(org, campaign, make_article, author, login):
    from taolun.articles import services

    article = make_article(author, title="撤下的文章", status=ArticleStatus.PUBLISHED)
    client = login(None)
    assert client.get(detail_url(campaign, article)).status_code == 200
    services.article_set_consent(article=article, by=author.user, consent=False)
    assert client.get(detail_url(campaign, article)).status_code == 404
    assert "撤下的文章" not in html_of(client.get(reverse("articles:public_list", args=[campaign.slug])))


def test_an_article_is_found_only_under_its_own_published_campaign(org, campaign, make_article, author, login):
    article = make_article(author, status=ArticleStatus.PUBLISHED)
    plan = campaign.plan
    other = campaign_services.campaign_activate(
        campaign=campaign_services.campaign_create(
            plan=plan, root_unit=org.district, slug="next-year", start_date=campaign.start_date, by=None
        ),
        by=None,
    )
    draft = campaign_services.campaign_create(
        plan=plan,
        root_unit=org.district,
        slug="draft-one",
        start_date=campaign.start_date + dt.timedelta(days=1),
        by=None,
    )
    client = login(None)
    assert client.get(reverse("articles:public_detail", args=[other.slug, article.pk])).status_code == 404
    assert client.get(reverse("articles:public_list", args=[draft.slug])).status_code == 404
    assert client.get(reverse("articles:public_list", args=["no-such-campaign"])).status_code == 404
    assert client.get(reverse("articles:public_detail", args=[campaign.slug, article.pk + 1000])).status_code == 404
    assert "还没有公开发布的文章" in html_of(client.get(reverse("articles:public_list", args=[other.slug])))


def test_no_public_page_without_a_started_campaign(org, login):
    assert login(None).get(reverse("articles:public_current")).status_code == 404


def test_title_and_text_are_escaped(org, campaign, make_article, author, texts, login):
    title = '<script>alert("标题")</script>心得'
    body = '<img src=x onerror=alert(1)>学习体会。"引号"\n' + texts[0][:1500]
    article = make_article(author, title=title, body=body, status=ArticleStatus.PUBLISHED)
    client = login(None)
    for url in (reverse("articles:public_list", args=[campaign.slug]), detail_url(campaign, article)):
        html = html_of(client.get(url))
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;标题&quot;)&lt;/script&gt;心得" in html
        assert "&lt;img src=x onerror=alert(1)&gt;学习体会" in html


def test_the_article_page_has_open_graph_tags(org, campaign, make_article, author, login):
    article = make_article(author, title='"乘风破浪"的体会', status=ArticleStatus.PUBLISHED)
    html = html_of(login(None).get(detail_url(campaign, article)))
    assert '<meta property="og:title" content="&quot;乘风破浪&quot;的体会">' in html
    start = " ".join(article.body.split())[:40]
    assert f'<meta property="og:description" content="{start}' in html
    assert f'<meta property="og:url" content="http://testserver{detail_url(campaign, article)}">' in html


def test_nothing_personal_beyond_name_and_unit(org, campaign, make_article, author, login, reviewer_a):
    article = make_article(author, title="公开的文章", status=ArticleStatus.PUBLISHED)
    client = login(None)
    for url in (reverse("articles:public_list", args=[campaign.slug]), detail_url(campaign, article)):
        html = html_of(client.get(url))
        assert "张三" in html
        for private in ("13800001234", "11010519491231002X", "甲街道审阅人", "reviewer_a", "总分", "重复率"):
            assert private not in html, private


@pytest.mark.parametrize("size", [1, 4])
def test_public_pages_query_counts_are_flat(
    org, campaign, make_article, make_author, login, django_assert_num_queries, size
):
    articles = [make_article(make_author(), status=ArticleStatus.PUBLISHED) for _ in range(size)]
    client = login(None)
    with django_assert_num_queries(2):  # the campaign, a page of articles with their authors and units
        assert client.get(reverse("articles:public_list", args=[campaign.slug])).status_code == 200
    with django_assert_num_queries(2):  # the current campaign, the page
        assert client.get(reverse("articles:public_current")).status_code == 200
    with django_assert_num_queries(2):  # the campaign, the article
        assert client.get(detail_url(campaign, articles[-1])).status_code == 200
