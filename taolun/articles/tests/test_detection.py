"""Copy detection in the app: copies flagged with their sources and passages, independent texts and set
phrases not; the shared library on disk kept in step with submissions, references and other processes;
a campaign's re-check; and a library that cannot be written never losing a submission."""

from __future__ import annotations

import numpy as np
import pytest
from celery.exceptions import Retry
from django.core.exceptions import ValidationError

from conftest import shared_org
from taolun.articles import checks, detection, references, selectors, services, tasks
from taolun.articles.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    CheckResult,
    RecheckRun,
    RecheckStatus,
    ReferenceText,
    RevisionKind,
)
from taolun.text.library import Library
from taolun.text.normalize import normalize
from taolun.text.shingles import position_hashes, shingle_hashes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ArticleStatus
OPENING = "我认真学习后体会很深。"
CLOSING = "今后要结合本职工作抓好落实，把学习成果转化为推动发展的实际行动。" * 3


def latest_check(article: Article) -> CheckResult:
    return CheckResult.objects.filter(article=article).latest("checked_at", "id")


def submission(article: Article) -> ArticleRevision:
    return ArticleRevision.objects.filter(article=article, kind=RevisionKind.SUBMISSION).latest("number")


def same_text(a: str, b: str) -> bool:
    return normalize(a).text == normalize(b).text


def start_and_submit(campaign, author, body: str, capture, title: str = "心得体会") -> Article:
    article = services.article_start(campaign=campaign, author=author, by=None, title=title, body=body)
    with capture(execute=True):
        article = services.article_submit(article=article, by=None)
    article.refresh_from_db()
    return article


def import_references(collection, files, capture):
    with capture(execute=True):  # the texts join the library once the import commits
        report = references.references_import(collection=collection, files=files, by=None)
    assert report.ok, report.errors
    return report


# -- copies and what is not a copy -----------------------------------------------------------------------


def test_a_copy_is_flagged_with_its_source_and_the_passages_in_both(
    campaign, make_article, make_author, texts, reviewer_a
):
    original = make_article(make_author(), body=texts[0][:3000], status=S.SUBMITTED)
    copied = make_article(make_author(), body=OPENING + texts[0][500:2000] + CLOSING, status=S.SUBMITTED)
    copied.refresh_from_db()
    assert copied.flagged and copied.ratio is not None and copied.ratio > 0.6
    check = latest_check(copied)
    assert check.revision == submission(copied) and check.flagged and check.sources == 2
    [match] = check.matches
    assert match["source"] == detection.article_key(original.pk, submission(original).pk)
    assert (match["kind"], match["id"], match["revision"]) == ("article", original.pk, submission(original).pk)
    assert match["title"] == original.title and original.author.name in match["label"]

    source = selectors.source_texts(check.matches)[match["source"]]
    assert source == texts[0][:3000]
    spans = match["spans"]
    assert spans
    for start, end, source_start, source_end in spans:
        assert same_text(copied.body[start:end], source[source_start:source_end])
    # Together the passages cover the copied middle and nothing of the author's own opening and close.
    covered = sum(end - start for start, end, _a, _b in spans)
    assert covered >= 0.95 * 1500
    assert min(start for start, *_ in spans) >= len(OPENING) - 1
    assert max(end for _s, end, *_ in spans) <= len(OPENING) + 1500 + 1
    # The reviewer's view lays the same passages out on both texts.
    [view] = selectors.check_view(check)
    assert not view.missing and view.passages == len(spans)
    assert "".join(p.text for p in view.article_pieces) == copied.body
    assert "".join(p.text for p in view.source_pieces) == source
    assert all(
        same_text(a.text, b.text)
        for a in view.article_pieces
        if a.copied
        for b in view.source_pieces
        if b.copied and b.passage == a.passage
    )
    # The original was checked before the copy existed and stays clean.
    original.refresh_from_db()
    assert not original.flagged


def test_a_copy_of_a_reference_text_names_the_reference(
    campaign, make_article, author, texts, reviewer_a, django_capture_on_commit_callbacks
):
    collection = references.collection_create(name="政府工作报告", by=None)
    report = import_references(collection, [("2010年报告.txt", texts[3].encode())], django_capture_on_commit_callbacks)
    reference = ReferenceText.objects.get(pk=report.ids[0])
    assert reference.indexed
    article = make_article(author, body=OPENING + texts[3][1000:2500] + CLOSING, status=S.SUBMITTED)
    article.refresh_from_db()
    assert article.flagged
    [match] = latest_check(article).matches
    assert match["source"] == detection.reference_key(reference.pk)
    assert (match["kind"], match["id"], match["title"], match["label"]) == (
        "reference",
        reference.pk,
        "2010年报告",
        "政府工作报告",
    )
    source = selectors.source_texts([match])[match["source"]]
    for start, end, source_start, source_end in match["spans"]:
        assert same_text(article.body[start:end], source[source_start:source_end])


def test_independent_reports_are_not_flagged(campaign, make_article, make_author, texts, reviewer_a):
    picked = texts[:: max(1, len(texts) // 8)][:8]
    articles = [make_article(make_author(), body=text[:3000], status=S.SUBMITTED) for text in picked]
    for article in articles:
        article.refresh_from_db()
        assert article.ratio is not None and article.ratio < 0.1, article.ratio
        assert not article.flagged


def test_a_set_phrase_shared_by_many_articles_does_not_make_them_copies(
    campaign, make_article, make_author, texts, reviewer_a, django_capture_on_commit_callbacks
):
    boilerplate = (
        "我们要坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的十九大和十九届二中、三中全会精神，"
        "紧紧围绕统筹推进五位一体总体布局和协调推进四个全面战略布局，坚持稳中求进工作总基调，"
        "解放思想、真抓实干，奋力推动高质量发展。"
    )
    assert len(normalize(boilerplate).text) > 100
    articles = []
    for n in range(30):
        own = texts[n % len(texts)][1200:1500] + texts[(n + 7) % len(texts)][2200:2500]
        body = own[:300] + boilerplate + own[300:]
        articles.append(make_article(make_author(), body=body, status=S.SUBMITTED))
    assert not Article.objects.filter(flagged=True).exists()
    # Once the phrase is in many articles it no longer counts at all: a re-check finds next to nothing.
    with django_capture_on_commit_callbacks(execute=True):
        run = checks.recheck_start(campaign=campaign, by=None)
    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.flagged) == (RecheckStatus.DONE, 30, 30, 0)
    ratios = sorted(Article.objects.values_list("ratio", flat=True))
    share = len(normalize(boilerplate).text) / len(normalize(articles[0].body).text)
    assert share > 0.15
    assert ratios[-1] < share / 3, (ratios[-1], share)


# -- the library kept in step ---------------------------------------------------------------------------


def test_a_resubmitted_article_replaces_its_old_text_in_the_library(
    org, campaign, make_article, author, texts, reviewer_a, django_capture_on_commit_callbacks
):
    article = make_article(author, body=texts[1][:2000], status=S.RETURNED)
    first = submission(article)
    first_key = detection.article_key(article.pk, first.pk)
    assert set(detection.library()) == {first_key}
    cadre = org.user("cadre")
    services.article_save(article=article, by=cadre, title=article.title, body=texts[2][:2000])
    with django_capture_on_commit_callbacks(execute=True):
        services.article_submit(article=article, by=cadre)
    second = submission(article)
    second_key = detection.article_key(article.pk, second.pk)
    lib = detection.library()
    assert set(lib) == {second_key}
    assert Article.objects.get(pk=article.pk).indexed_revision == second
    # The document frequencies are those of the new text alone: the old text's grams went back.
    k = lib.common_k
    old, new = normalize(first.body).text, normalize(second.body).text
    expected = np.isin(position_hashes(old, k), shingle_hashes(new, k)).astype(np.int64)
    assert np.array_equal(lib.frequencies(old), expected)
    assert lib.frequencies(new).min() == 1

    # The first submission's check, delivered late (a retried task), leaves the new text where it is.
    ratio = Article.objects.get(pk=article.pk).ratio
    tasks.check_article.delay(article_id=article.pk, revision_id=first.pk)
    assert set(detection.library()) == {second_key}
    stored = Article.objects.get(pk=article.pk)
    assert (stored.indexed_revision, stored.ratio) == (second, ratio)
    assert CheckResult.objects.filter(revision=first).count() == 2


def test_a_deleted_reference_leaves_the_library(campaign, texts, django_capture_on_commit_callbacks):
    collection = references.collection_create(name="讲话", by=None)
    files = [(f"{n}.txt", texts[n][:4000].encode()) for n in range(4, 7)]
    report = import_references(collection, files, django_capture_on_commit_callbacks)
    keys = {detection.reference_key(pk) for pk in report.ids}
    lib = detection.library()
    assert set(lib) == keys
    first = ReferenceText.objects.get(pk=report.ids[0])
    first_pk = first.pk
    references.reference_delete(text=first, by=None)
    assert set(detection.library()) == keys - {detection.reference_key(first_pk)}
    assert not ReferenceText.objects.filter(pk=first_pk).exists()

    references.collection_delete(collection=collection, by=None)
    lib = detection.library()
    assert len(lib) == 0
    for text, _name in ((texts[n][:4000], n) for n in range(4, 7)):
        assert lib.frequencies(normalize(text).text).max() == 0


def test_articles_of_an_earlier_campaign_are_sources_for_a_later_one(
    campaign, make_campaign, make_article, make_author, texts, reviewer_a, django_capture_on_commit_callbacks
):
    earlier = make_article(make_author(), body=texts[5][:3000], status=S.APPROVED)
    later = make_campaign(key="next-year")
    later.short_title = "第二轮大讨论"
    later.save()
    # The same author may write again next year; copying last year's article (theirs or not) shows.
    copy = start_and_submit(
        later, make_author(), OPENING + texts[5][200:1800] + CLOSING, django_capture_on_commit_callbacks
    )
    assert copy.flagged
    [match] = latest_check(copy).matches
    assert match["source"] == detection.article_key(earlier.pk, submission(earlier).pk)
    # Labelled with the earlier campaign, so the reviewer sees where it came from.
    assert match["label"] == f"{earlier.author.name} · {earlier.unit.name} · 解放思想推动高质量发展大讨论"


def test_two_processes_see_each_others_additions(campaign, make_article, make_author, texts, reviewer_a, index_dir):
    first = make_article(make_author(), body=texts[6][:2500], status=S.SUBMITTED)
    one = detection.library()
    detection._libraries.clear()  # another worker process: it reads the library from disk
    copy = make_article(make_author(), body=OPENING + texts[6][300:2000] + CLOSING, status=S.SUBMITTED)
    copy.refresh_from_db()
    assert copy.flagged
    two = detection.library()
    assert two is not one
    keys = {detection.article_key(first.pk, submission(first).pk), detection.article_key(copy.pk, submission(copy).pk)}
    assert set(two) == keys
    one.refresh()  # the first worker catches up with the second's segment
    assert set(one) == keys
    assert set(Library.open(index_dir)) == keys
    probe = normalize(texts[6][300:2000]).text
    assert np.array_equal(one.frequencies(probe), two.frequencies(probe))


# -- the campaign's re-check -----------------------------------------------------------------------------


def test_a_recheck_updates_every_handed_in_article_once(
    org, campaign, make_article, make_author, texts, reviewer_a, django_capture_on_commit_callbacks
):
    plain = make_article(make_author(), body=texts[8][:2000], status=S.SUBMITTED)
    approved = make_article(make_author(), body=texts[9][:2000], status=S.APPROVED)
    draft = make_article(make_author(), body=texts[10][:2000])
    # Copied from a speech the library does not hold yet: clean when submitted.
    speech = texts[11][:3000]
    copier = make_article(make_author(), body=OPENING + speech[400:2000] + CLOSING, status=S.SUBMITTED)
    copier.refresh_from_db()
    assert copier.ratio is not None and copier.ratio < 0.1 and not copier.flagged
    handed_in = [plain, approved, copier]
    counts = {a.pk: CheckResult.objects.filter(article=a).count() for a in handed_in}

    collection = references.collection_create(name="领导讲话", by=None)
    import_references(collection, [("讲话.txt", speech.encode())], django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        run = checks.recheck_start(campaign=campaign, by=org.user("office"))
    assert len(queued) == 1 and run.status == RecheckStatus.QUEUED and run.total == 3
    with pytest.raises(ValidationError) as refused:
        checks.recheck_start(campaign=campaign, by=org.user("office"))
    assert "正在进行" in " ".join(refused.value.messages)
    assert RecheckRun.objects.count() == 1

    assert checks.recheck_run(run_id=run.pk) == {"ran": True, "done": 3, "flagged": 1}
    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.flagged, run.percent) == (RecheckStatus.DONE, 3, 3, 1, 100)
    assert run.finished_at is not None
    for article in handed_in:
        assert CheckResult.objects.filter(article=article).count() == counts[article.pk] + 1
    copier.refresh_from_db()
    assert copier.flagged and copier.ratio > 0.6
    assert latest_check(copier).matches[0]["kind"] == "reference"
    assert not CheckResult.objects.filter(article=draft).exists()

    # Delivered twice, it runs once.
    before = CheckResult.objects.count()
    assert checks.recheck_run(run_id=run.pk) == {"ran": False}
    assert CheckResult.objects.count() == before
    run.refresh_from_db()
    assert (run.status, run.done) == (RecheckStatus.DONE, 3)

    # Finished, a new one may start; queued through the task, it runs on commit.
    with django_capture_on_commit_callbacks(execute=True):
        again = checks.recheck_start(campaign=campaign, by=org.user("office"))
    again.refresh_from_db()
    assert (again.status, again.done, again.flagged) == (RecheckStatus.DONE, 3, 1)


# -- a library that cannot be written ---------------------------------------------------------------------


def test_a_check_that_cannot_write_the_library_loses_no_submission(
    org, campaign, author, texts, reviewer_a, settings, tmp_path, django_capture_on_commit_callbacks, caplog
):
    good = settings.ARTICLES_INDEX_DIR
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the library's folder should be")
    settings.ARTICLES_INDEX_DIR = blocker / "articles-index"
    detection._libraries.clear()

    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body=texts[12][:2000])
    with django_capture_on_commit_callbacks(execute=True):  # the check fails (and retries) in-process
        article = services.article_submit(article=article, by=org.user("cadre"))
    stored = Article.objects.get(pk=article.pk)
    assert stored.status == S.SUBMITTED and stored.reviewer_id == reviewer_a.pk
    assert submission(stored).body == texts[12][:2000]
    assert (stored.ratio, stored.checked_at, stored.indexed_revision) == (None, None, None)
    assert not CheckResult.objects.exists()

    # Run by itself the task asks to be retried (a worker queues it again, with backoff).
    with pytest.raises(Retry) as retried:
        tasks.check_article.apply(kwargs={"article_id": article.pk, "revision_id": submission(stored).pk})
    assert isinstance(retried.value.exc, OSError)
    assert not CheckResult.objects.exists()

    # The folder is back: the retry (or a re-check) checks it.
    settings.ARTICLES_INDEX_DIR = good
    tasks.check_article.delay(article_id=article.pk, revision_id=submission(stored).pk)
    stored.refresh_from_db()
    assert stored.ratio is not None and stored.indexed_revision == submission(stored)


def test_references_imported_while_the_library_is_unwritable_join_it_later(
    org, campaign, make_article, make_author, texts, settings, tmp_path, django_capture_on_commit_callbacks
):
    good = settings.ARTICLES_INDEX_DIR
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    settings.ARTICLES_INDEX_DIR = blocker / "index"
    detection._libraries.clear()
    collection = references.collection_create(name="文件汇编", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        report = references.references_import(collection=collection, files=[("a.txt", texts[13].encode())], by=None)
    assert report.ok and report.added == 1
    reference = ReferenceText.objects.get(pk=report.ids[0])
    assert not reference.indexed
    # Deleting it while the library cannot be written is refused and keeps it.
    before = ReferenceText.objects.count()
    with pytest.raises(ValidationError):
        references.reference_delete(text=reference, by=None)
    assert ReferenceText.objects.count() == before

    settings.ARTICLES_INDEX_DIR = good
    copier = make_article(make_author(), body=OPENING + texts[13][500:2000] + CLOSING, status=S.SUBMITTED)
    copier.refresh_from_db()
    assert not copier.flagged
    with django_capture_on_commit_callbacks(execute=True):
        checks.recheck_start(campaign=campaign, by=None)
    reference.refresh_from_db()
    copier.refresh_from_db()
    assert reference.indexed and copier.flagged


def test_a_failed_save_is_forgotten_so_a_retry_starts_from_the_disk(
    campaign, make_article, make_author, texts, reviewer_a, monkeypatch, django_capture_on_commit_callbacks
):
    first = make_article(make_author(), body=texts[14][:2000], status=S.SUBMITTED)
    first_key = detection.article_key(first.pk, submission(first).pk)
    second = services.article_start(campaign=campaign, author=make_author(), by=None, title="二", body=texts[15][:2000])
    with django_capture_on_commit_callbacks(execute=False):  # its check has not run yet
        second = services.article_submit(article=second, by=None)
    revision = submission(second)
    lib = detection.library()

    def fail(self):
        raise OSError("disk full")

    monkeypatch.setattr(Library, "save", fail)
    with pytest.raises(OSError):
        detection.index_article(second, revision)
    monkeypatch.undo()
    assert Article.objects.get(pk=second.pk).indexed_revision is None
    # The worker dropped the copy that held the unsaved text; a fresh one has only what was saved.
    fresh = detection.library()
    assert fresh is not lib
    assert set(fresh) == {first_key}
    # The retry puts it in.
    checks.check_submission(article_id=second.pk, revision_id=revision.pk)
    assert set(detection.library()) == {first_key, detection.article_key(second.pk, revision.pk)}
    assert Article.objects.get(pk=second.pk).indexed_revision == revision


def test_a_recheck_lost_with_its_worker_stops_blocking_new_ones(
    org, campaign, make_article, make_author, texts, reviewer_a
):
    for n in range(12):
        make_article(make_author(), body=texts[16 + n][:2000], status=S.SUBMITTED)
    office = org.user("office")
    # A worker claimed this run and was killed (a deploy): the redelivered task cannot claim it again.
    lost = RecheckRun.objects.create(campaign=campaign, status=RecheckStatus.RUNNING, total=12, done=3)
    assert checks.recheck_run(run_id=lost.pk) == {"ran": False}
    with pytest.raises(ValidationError):  # still fresh: it may just be slow
        checks.recheck_start(campaign=campaign, by=office)

    RecheckRun.objects.filter(pk=lost.pk).update(heartbeat_at=lost.heartbeat_at - checks.RECHECK_STALE * 2)
    newer = checks.recheck_start(campaign=campaign, by=office)
    lost.refresh_from_db()
    assert lost.status == RecheckStatus.FAILED and "中断" in lost.message and lost.finished_at is not None
    assert newer.status == RecheckStatus.QUEUED


def test_a_slow_run_taken_over_by_a_newer_one_stops_at_its_next_report(
    campaign, make_article, make_author, texts, reviewer_a, monkeypatch
):
    for n in range(12):
        make_article(make_author(), body=texts[16 + n][:2000], status=S.SUBMITTED)
    run = RecheckRun.objects.create(campaign=campaign)
    report = checks._progress
    reports: list[dict] = []

    def taken_over(run_id, **fields):
        reports.append(fields)
        if len(reports) == 2:  # after the first ten articles a newer run has marked this one failed
            RecheckRun.objects.filter(pk=run_id).update(status=RecheckStatus.FAILED)
        return report(run_id, **fields)

    monkeypatch.setattr(checks, "_progress", taken_over)
    before = CheckResult.objects.count()
    assert checks.recheck_run(run_id=run.pk) == {"ran": True, "done": 10, "flagged": 0, "stopped": True}
    assert CheckResult.objects.count() == before + 10
    run.refresh_from_db()
    assert (run.status, run.done) == (RecheckStatus.FAILED, 0)


def test_a_recheck_keeps_the_original_clean_and_the_copy_flagged(
    campaign, make_article, make_author, texts, django_capture_on_commit_callbacks
):
    original = make_article(make_author(), body=texts[1][:3000], status=ArticleStatus.SUBMITTED)
    copy = make_article(
        make_author(), body="学习体会。" + texts[1][200:2600] + "我的想法是要抓落实。", status=ArticleStatus.SUBMITTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        checks.recheck_start(campaign=campaign, by=None)
    original.refresh_from_db()
    copy.refresh_from_db()
    assert copy.flagged and not original.flagged
    latest = original.checks.order_by("-checked_at", "-id").first()
    assert latest is not None and all(not m["source"].startswith(f"article:{copy.pk}:") for m in latest.matches)
