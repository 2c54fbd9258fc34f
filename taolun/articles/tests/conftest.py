"""Fixtures for the article tests: a running campaign, a detection library of the test's own, authors,
reviewers, texts from the government reports, and ``make_article`` that walks an article through the
services to any status.

- ``campaign``: the built-in plan over the district (``org``), today on day 31;
- ``author``: ``org.person_a`` (张三, party member, user ``cadre``), in community A1;
- ``reviewer_a``: user ``reviewer_a`` holding the reviewer role over street A;
- ``texts``: a few long report texts (``texts[i]``), independent of each other apart from set phrases;
- ``make_article(author=…, body=…, status=…)``: started, saved, submitted, reviewed as far as asked;
- ``reviewer_b``, ``reviewer_idle`` (a reviewer everywhere, assigned nothing), ``publicity_b``: more
  scoped users, each added to ``org.users`` under its name;
- ``set_call(**fields)``: the campaign's call for articles changed through ``services.call_update``;
- ``make_campaign``: a second campaign from a small plan (``taolun/activities/tests/conftest.py``).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from taolun.accounts.models import Role, RoleAssignment
from taolun.activities.tests.conftest import campaign, campaign_start, make_campaign
from taolun.articles import detection, services
from taolun.articles.models import Article, ArticleStatus
from taolun.text.tests import corpus
from tests.factories import PersonFactory, UserFactory

__all__ = ["campaign", "campaign_start", "make_campaign"]


@pytest.fixture(autouse=True)
def index_dir(tmp_path, settings):
    """Each test's detection library lives in its own folder (the database rolls back; files would not)."""
    settings.ARTICLES_INDEX_DIR = tmp_path / "articles-index"
    detection._libraries.clear()
    yield settings.ARTICLES_INDEX_DIR
    detection._libraries.clear()


@pytest.fixture(scope="session")
def texts() -> list[str]:
    """Long official texts (the reports of successive years), at least 3000 characters each."""
    return [text for _, text in sorted(corpus.reports().items()) if len(text) >= 3000]


@pytest.fixture
def author(org):
    return org.person_a


@pytest.fixture
def reviewer_a(org):
    user = UserFactory(username="reviewer_a", display_name="甲街道审阅人")
    RoleAssignment.objects.create(user=user, role=Role.REVIEWER, unit=org.street_a)
    org.users["reviewer_a"] = user
    return user


@pytest.fixture
def make_author(org):
    counter = itertools.count(1)

    def _make(unit: Any = None, **fields: Any):
        n = next(counter)
        user = UserFactory(username=f"author{n}", display_name=f"作者{n}")
        RoleAssignment.objects.create(user=user, role=Role.CADRE, unit=None)
        fields.setdefault("is_party_member", True)
        return PersonFactory(unit=unit or org.community_a, name=f"作者{n}", user=user, **fields)

    return _make


@pytest.fixture
def make_article(campaign, texts, django_capture_on_commit_callbacks):
    counter = itertools.count(0)

    def _make(
        author: Any,
        *,
        body: str | None = None,
        title: str = "",
        status: str = ArticleStatus.DRAFT,
        consent: bool = True,
    ) -> Article:
        n = next(counter)
        user = author.user
        text = body if body is not None else texts[n % len(texts)][:2000]
        article = services.article_start(
            campaign=campaign,
            author=author,
            by=user,
            title=title or f"心得体会{n}",
            body=text,
            consent_public=consent,
        )
        if status == ArticleStatus.DRAFT:
            return article
        with django_capture_on_commit_callbacks(execute=True):  # the copy check runs as on a real commit
            article = services.article_submit(article=article, by=user)
        if status == ArticleStatus.SUBMITTED:
            return article
        if status == ArticleStatus.RETURNED:
            return services.article_return(article=article, by=None, comment="请结合本职工作修改。")
        article = services.article_approve(article=article, by=None, thought=35, practice=25, suggestions=25)
        if status == ArticleStatus.APPROVED:
            return article
        article = services.article_mark_excellent(article=article, by=None)
        if status == ArticleStatus.EXCELLENT:
            return article
        return services.article_publish(article=article, by=None)

    return _make


def _scoped_user(org: Any, username: str, name: str, role: str, unit: Any) -> Any:
    user = UserFactory(username=username, display_name=name)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    org.users[username] = user
    return user


@pytest.fixture
def reviewer_b(org):
    return _scoped_user(org, "reviewer_b", "乙街道审阅人", Role.REVIEWER, org.street_b)


@pytest.fixture
def reviewer_idle(org):
    """A reviewer over the whole district who is assigned nothing (unless a test says so)."""
    return _scoped_user(org, "reviewer_idle", "空闲审阅人", Role.REVIEWER, None)


@pytest.fixture
def publicity_b(org):
    return _scoped_user(org, "publicity_b", "乙街道信息员", Role.PUBLICITY, org.street_b)


@pytest.fixture
def set_call(campaign):
    def _set(**fields: Any):
        return services.call_update(campaign=campaign, by=None, **fields)

    return _set
