"""The demo district's articles: every status, reviewers by street, a reference collection, and copies
the detector flags with their sources. Built through the services; building again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import TestCase, override_settings

from conftest import module_rows
from taolun.accounts.models import Role, RoleAssignment, User
from taolun.articles import demo as articles_demo
from taolun.articles import detection
from taolun.articles.models import (
    Article,
    ArticleReview,
    ArticleRevision,
    ArticleStatus,
    CheckResult,
    ReferenceCollection,
    ReferenceText,
    ReviewAction,
    RevisionKind,
)
from taolun.campaigns.models import Campaign
from taolun.core.models import AuditEntry
from taolun.demo import DEMO_PASSWORD
from taolun.orgs.models import Unit
from taolun.text.detect import Detector

pytestmark = pytest.mark.django_db
S = ArticleStatus


# The demo is built once for the module, with its detection library in a folder of the module's; each test
# runs in a savepoint of it (see ``module_rows`` in conftest.py) and reads that library.
@pytest.fixture(scope="module")
def _demo_index(tmp_path_factory):
    return tmp_path_factory.mktemp("articles-index")


@module_rows
def _demo(_demo_index):
    out = io.StringIO()
    # The copy checks and the reference indexing run on commit, as they do when the demo is built.
    with override_settings(ARTICLES_INDEX_DIR=_demo_index), TestCase.captureOnCommitCallbacks(execute=True):
        call_command("demo", people=300, stdout=out)
    detection._libraries.clear()
    return out.getvalue()


@pytest.fixture
def index_dir(_demo_index, settings):
    """The module's detection library (in place of the articles tests' own folder per test)."""
    settings.ARTICLES_INDEX_DIR = _demo_index
    detection._libraries.clear()
    yield _demo_index
    detection._libraries.clear()


@pytest.fixture
def demo(_demo, db):
    return _demo


def _counts() -> tuple[int, ...]:
    return (
        Article.objects.count(),
        ArticleRevision.objects.count(),
        ArticleReview.objects.count(),
        CheckResult.objects.count(),
        ReferenceText.objects.count(),
        User.objects.count(),
        AuditEntry.objects.filter(action__startswith="articles.").count(),
    )


def test_demo_articles_are_in_every_status_reviewed_by_street_and_the_copies_flagged_with_their_sources(demo):
    articles = Article.objects.select_related("unit", "reviewer")
    statuses = dict(articles.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == set(S.values), statuses
    assert statuses[S.PUBLISHED] == 1
    # The reference collection: the national reports, imported and in the detection library.
    collection = ReferenceCollection.objects.get(name=articles_demo.COLLECTION)
    texts = list(collection.texts.all())
    assert len(texts) == len(articles_demo.REFERENCE_YEARS)
    assert all(t.chars > 5000 and t.indexed for t in texts)
    # Every handed-in article was checked on submission; drafts were not.
    handed_in = articles.exclude(status=S.DRAFT)
    assert all(a.checked_at is not None and a.ratio is not None for a in handed_in)
    assert not CheckResult.objects.filter(article__status=S.DRAFT).exists()
    # The spliced articles are flagged, their strongest source a report of the collection.
    flagged = list(handed_in.filter(flagged=True))
    assert 2 <= len(flagged) <= handed_in.count() // 4
    from_reports = []
    from_colleagues = []
    for article in flagged:
        check = CheckResult.objects.filter(article=article).latest("checked_at")
        top = check.matches[0]
        assert check.flagged and top["ratio"] >= 0.3
        if top["kind"] == "reference":
            assert top["label"] == articles_demo.COLLECTION
            assert ReferenceText.objects.filter(pk=top["id"], collection=collection).exists()
            from_reports.append(article)
        else:
            # Copied from a colleague of the same street, whose article was approved.
            source = Article.objects.get(pk=top["id"])
            street = Unit.objects.get(name="河东街道").path
            assert source.author_id != article.author_id and source.status == S.APPROVED
            assert source.unit.path.startswith(street) and article.unit.path.startswith(street)
            from_colleagues.append(article)
        start, end, source_start, source_end = top["spans"][0]
        assert end - start >= 12 and source_end - source_start >= 12
    assert from_reports and len(from_colleagues) == 1
    # One flagged article was returned with the reviewer's comment about copying.
    returned = ArticleReview.objects.filter(article__in=flagged, action=ReviewAction.RETURN).get()
    assert "重复率" in returned.comment and returned.article.status == S.RETURNED
    # Approved articles carry their three scores; the one revised after its return was handed in twice.
    for article in articles.filter(status__in=[S.APPROVED, S.EXCELLENT, S.PUBLISHED]):
        assert article.score == article.thought_score + article.practice_score + article.suggestions_score
    resubmitted = [
        a for a in articles.filter(status=S.SUBMITTED) if a.revisions.filter(kind=RevisionKind.SUBMISSION).count() == 2
    ]
    assert len(resubmitted) == 1 and resubmitted[0].reviews.filter(action=ReviewAction.RETURN).exists()
    # Publishing needs the author's consent: the published one has it, one excellent article has not.
    assert articles.get(status=S.PUBLISHED).consent_public
    assert articles.filter(status=S.EXCELLENT, consent_public=False).exists()
    # Built through the services: each article has its creation entry.
    assert AuditEntry.objects.filter(action="articles.create").count() == articles.count()

    # Reviewers by street: the two streets' articles go to their own reviewer, the rest to the district's.
    for username, street_name, _description in articles_demo.STREET_REVIEWERS:
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        street = Unit.objects.get(name=street_name)
        assert RoleAssignment.objects.filter(user=user, role=Role.REVIEWER, unit=street).exists()
        assert username in demo  # printed with the other logins
        mine = Article.objects.exclude(status=S.DRAFT).filter(unit__path__startswith=street.path)
        assert mine.exists() and set(mine.values_list("reviewer__username", flat=True)) == {username}
    elsewhere = Article.objects.exclude(status=S.DRAFT).exclude(
        unit__path__startswith=Unit.objects.get(name="河东街道").path
    )
    elsewhere = elsewhere.exclude(unit__path__startswith=Unit.objects.get(name="河西街道").path)
    assert set(elsewhere.values_list("reviewer__username", flat=True)) == {"reviewer"}
    cadre = User.objects.get(username="cadre").person
    assert Article.objects.get(author=cadre).status == S.DRAFT
    leader = User.objects.get(username="leader").person
    assert Article.objects.get(author=leader).status == S.APPROVED


def test_building_the_demo_articles_again_changes_nothing(demo, django_capture_on_commit_callbacks):
    counts = _counts()
    campaign = Campaign.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        articles_demo.build_demo_articles(
            campaign=campaign, district=campaign.root_unit, password=DEMO_PASSWORD, echo=lambda _s: None
        )
        call_command("demo", people=300)
    assert _counts() == counts


def test_without_the_corpus_the_writer_still_writes_independent_articles(campaign, org, monkeypatch, tmp_path):
    monkeypatch.setattr(articles_demo, "PROVINCIAL", tmp_path / "missing")
    monkeypatch.setattr(articles_demo, "MESSAGES", tmp_path / "missing.csv")
    writer = articles_demo._Writer(campaign)
    bodies = [writer.original(n, org.community_a) for n in range(12)]
    assert all(len(body) >= 600 for body in bodies)
    detector = Detector()
    for n, body in enumerate(bodies):
        detector.add_reference(str(n), body)
    ratios = [detector.check(body, exclude_key=str(n)).ratio for n, body in enumerate(bodies)]
    assert max(ratios) < 0.3, ratios
