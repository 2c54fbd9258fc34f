"""Article writes racing each other on PostgreSQL, from threads with their own database connections:

- two requests starting the same author's article: one article, and one refusal in words;
- two submits of the same article: one submission revision, one audit entry, one refusal;
- two offices starting a campaign's re-check: one run;
- many submissions checked at once by workers that each hold their own copy of the detection library
  (as separate processes do): the library on disk ends up exactly as if they had been added one by one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from conftest import require_postgres
from taolun.articles import checks, detection, services
from taolun.articles.models import Article, ArticleRevision, ArticleStatus, CheckResult, RecheckRun, RevisionKind
from taolun.core.models import AuditEntry
from taolun.text.library import Library
from taolun.text.normalize import normalize
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = ArticleStatus


def refused_or(outcome: str, words: str) -> Callable[[Callable[[], Any]], Callable[[], str]]:
    """Wrap a job: ``outcome`` when it succeeds, "refused" when it is refused with ``words`` in the message."""

    def wrap(job: Callable[[], Any]) -> Callable[[], str]:
        def run() -> str:
            try:
                job()
                return outcome
            except ValidationError as refusal:
                assert words in " ".join(refusal.messages), refusal.messages
                return "refused"

        return run

    return wrap


def test_two_requests_starting_the_same_authors_article_leave_one(org, campaign, make_author, texts):
    require_postgres()
    authors = [make_author() for _ in range(6)]
    once = refused_or("started", "每人撰写一篇")

    def start(author, n: int) -> Callable[[], Any]:
        return lambda: services.article_start(
            campaign=campaign, author=author, by=author.user, title=f"第{n}稿", body=texts[n][:1000]
        )

    for author in authors:
        outcomes = race([once(start(author, 1)), once(start(author, 2))])
        assert sorted(outcomes) == ["refused", "started"], author.name
    assert Article.objects.count() == len(authors)
    assert sorted(Article.objects.values_list("author_id", flat=True)) == sorted(a.pk for a in authors)
    assert ArticleRevision.objects.count() == len(authors)
    assert AuditEntry.objects.filter(action="articles.create").count() == len(authors)


def test_two_submits_of_the_same_article_hand_it_in_once(org, campaign, make_author, texts, reviewer_a):
    require_postgres()
    articles = [
        services.article_start(campaign=campaign, author=make_author(), by=None, title="心得", body=texts[n][:2000])
        for n in range(4)
    ]
    once = refused_or("submitted", str(S.SUBMITTED.label))

    def submit(article) -> Callable[[], Any]:
        return lambda: services.article_submit(article=article, by=article.author.user)

    for article in articles:
        outcomes = race([once(submit(article)), once(submit(article))])
        assert sorted(outcomes) == ["refused", "submitted"]
        assert ArticleRevision.objects.filter(article=article, kind=RevisionKind.SUBMISSION).count() == 1
        submits = AuditEntry.objects.filter(
            action="articles.submit", object_type="articles.Article", object_id=str(article.pk)
        )
        assert submits.count() == 1
        stored = Article.objects.get(pk=article.pk)
        assert stored.status == S.SUBMITTED and stored.reviewer_id == reviewer_a.pk
        # The check ran on commit, once, for the one submission.
        assert CheckResult.objects.filter(article=article).count() == 1
        assert stored.ratio is not None


def test_two_offices_starting_a_recheck_queue_one(org, campaign, make_author, texts, monkeypatch):
    require_postgres()
    monkeypatch.setattr(checks, "_queue", lambda run_id: None)  # leave the runs queued: only the start races
    once = refused_or("started", "正在进行")
    for _attempt in range(4):
        outcomes = race([once(lambda: checks.recheck_start(campaign=campaign, by=None)) for _ in range(3)])
        assert sorted(outcomes) == ["refused", "refused", "started"]
        RecheckRun.objects.filter(campaign=campaign).update(status="done")
    assert RecheckRun.objects.count() == 4


class _PerThread:
    """``detection._libraries`` as separate worker processes have it: each thread its own copy."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _map(self) -> dict[Any, Library]:
        if not hasattr(self._local, "map"):
            self._local.map = {}
        return self._local.map

    def get(self, key: Any) -> Library | None:
        return self._map().get(key)

    def __setitem__(self, key: Any, value: Library) -> None:
        self._map()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._map()[key]

    def clear(self) -> None:
        self._map().clear()


def test_workers_checking_at_once_keep_one_library(
    org, campaign, make_author, texts, reviewer_a, monkeypatch, index_dir
):
    require_postgres()
    # Each thread a worker process: its own library and no lock shared with the others but the folder's.
    monkeypatch.setattr(detection, "_libraries", _PerThread())
    monkeypatch.setattr(detection, "_lock", contextlib.nullcontext())
    bodies = [texts[n][:2000] for n in range(12)]
    bodies.append("我认真学习后体会很深。" + texts[0][300:1800])  # a copy of the first
    articles = [
        services.article_start(campaign=campaign, author=make_author(), by=None, title=f"心得{n}", body=body)
        for n, body in enumerate(bodies)
    ]

    def submit(article) -> Callable[[], Any]:
        return lambda: services.article_submit(article=article, by=None)

    race([submit(article) for article in articles], threads=6)

    keys = {}
    for article in articles:
        revision = ArticleRevision.objects.filter(article=article, kind=RevisionKind.SUBMISSION).get()
        keys[detection.article_key(article.pk, revision.pk)] = revision.body
        stored = Article.objects.get(pk=article.pk)
        assert stored.ratio is not None and stored.indexed_revision_id == revision.pk
    on_disk = Library.open(index_dir)
    assert set(on_disk) == set(keys)
    one_by_one = Library()
    for key, body in keys.items():
        one_by_one.add(key, normalize(body).text)
    for body in keys.values():
        probe = normalize(body).text
        assert np.array_equal(on_disk.frequencies(probe), one_by_one.frequencies(probe))
    # The copy and its source were checked at the same moment: at least one of them saw the other.
    first, copy = Article.objects.get(pk=articles[0].pk), Article.objects.get(pk=articles[-1].pk)
    assert first.flagged or copy.flagged


def test_two_imports_of_the_same_text_keep_one(org, campaign, texts):
    require_postgres()
    from taolun.articles import references
    from taolun.articles.models import ReferenceText

    collection = references.collection_create(name="同时导入", by=None)

    def upload(n: int) -> Callable[[], Any]:
        return lambda: references.references_import(
            collection=collection, files=[(f"副本{n}.txt", texts[20][:3000].encode())], by=None
        )

    for attempt in range(3):
        ReferenceText.objects.filter(collection=collection).delete()
        reports = race([upload(1), upload(2)])
        assert ReferenceText.objects.filter(collection=collection).count() == 1, attempt
        assert sorted(r.added for r in reports) == [0, 1]
        # The other one either came second and skipped it, or collided and imported nothing, saying so.
        loser = next(r for r in reports if r.added == 0)
        assert loser.skipped == 1 or (loser.errors and "重试" in loser.errors[0][1])
