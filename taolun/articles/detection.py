"""Copy detection in the app: the shared detection library on disk, the texts in the database.

Every handed-in article (its submitted revision, key ``article:<article>:<revision>``) and every
reference text (``ref:<id>``) is a source in one :class:`~taolun.text.library.Library` kept in
``settings.ARTICLES_INDEX_DIR`` (on storage every worker shares, like uploads). Each process keeps the
library it has read and applies the segments other processes saved since (``Library.refresh``); writes
take the library's lock. The detector fetches the texts of the few candidates it verifies from the
database, so no worker holds the corpus in memory.

Articles of earlier campaigns stay in the library: they are references for later ones.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from taolun.text.detect import Detector, Report
from taolun.text.library import Library
from taolun.text.normalize import normalize

from .models import Article, ArticleRevision, CheckResult, ReferenceText, RevisionKind
from .selectors import article_key, call_of, parse_key, reference_key
from .selectors import texts_by_key as fetch

_lock = threading.RLock()  # one library per process: its readers and writers take turns
_libraries: dict[Path, Library] = {}
_detectors: dict[Path, Detector] = {}


def library() -> Library:
    """This process's copy of the shared library, brought up to date."""
    directory = Path(settings.ARTICLES_INDEX_DIR)
    with _lock:
        lib = _libraries.get(directory)
        if lib is None:
            lib = _libraries[directory] = Library.open(directory)
        else:
            lib.refresh()
    return lib


def forget_library() -> None:
    """Drop this process's copy of the library (the next use reads it from disk)."""
    directory = Path(settings.ARTICLES_INDEX_DIR)
    with _lock:
        _libraries.pop(directory, None)
        _detectors.pop(directory, None)


def erase_library() -> None:
    """Remove the saved library (to rebuild it from the database); every process reads the new one."""
    with _lock:
        Library.erase(settings.ARTICLES_INDEX_DIR)
        forget_library()


@contextlib.contextmanager
def _updating() -> Iterator[Library]:
    """This process's library under the directory's lock (and the process's), saved on the way out.

    When anything fails inside (the folder cannot be written, a text cannot be fetched) the process
    forgets its copy: it may hold changes that never reached the disk, and the next use reads the
    library again from what was saved, so a retry starts from the truth.
    """
    directory = Path(settings.ARTICLES_INDEX_DIR)
    with _lock:
        lib = library()
        try:
            with lib.updating():
                yield lib
        except BaseException:
            if _libraries.get(directory) is lib:
                del _libraries[directory]
            raise


def _article_keys(lib: Library, article_id: int) -> list[str]:
    prefix = f"article:{article_id}:"
    return [key for key in lib if key.startswith(prefix)]


def _forget_article(lib: Library, article_id: int) -> None:
    """Remove every revision of the article from the library (with the text it was added with)."""
    keys = _article_keys(lib, article_id)
    if not keys:
        return
    texts = fetch(keys)
    for key in keys:
        lib.remove(key, normalize(texts.get(key, "")).text)


def _latest_submission_id(article_id: int) -> int | None:
    return (
        ArticleRevision.objects.filter(article_id=article_id, kind=RevisionKind.SUBMISSION)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )


def index_article(article: Article, revision: ArticleRevision) -> str:
    """Put the revision in the library in place of any earlier one of the article; the article's key there.

    Only the article's latest submission goes in: a check of an older revision that runs late (a task
    retried or delivered after the author resubmitted) leaves the newer text where it is, and gets the
    key of what the library holds for the article (to leave out of its own check).
    """
    key = article_key(article.pk, revision.pk)
    with _updating() as lib:
        if key in lib:
            pass
        elif _latest_submission_id(article.pk) != revision.pk:
            held = _article_keys(lib, article.pk)
            return held[0] if held else key
        else:
            _forget_article(lib, article.pk)
            lib.add(key, normalize(revision.body).text)
        # Saved, then recorded under the lock: two workers indexing two revisions leave the row naming the
        # one the library holds, and a save that fails records nothing.
        lib.save()
        Article.objects.filter(pk=article.pk).update(indexed_revision=revision)
    return key


def index_articles(revisions: Iterable[ArticleRevision]) -> int:
    """Put many articles' revisions in the library at once, one save (a rebuild); how many went in."""
    added: list[tuple[int, int]] = []
    with _updating() as lib:
        for revision in revisions:
            key = article_key(revision.article_id, revision.pk)
            if key not in lib:
                _forget_article(lib, revision.article_id)
                lib.add(key, normalize(revision.body).text)
            added.append((revision.article_id, revision.pk))
        lib.save()
        for article_id, revision_id in added:
            Article.objects.filter(pk=article_id).update(indexed_revision_id=revision_id)
    return len(added)


def index_references(references: Iterable[ReferenceText]) -> int:
    """Add reference texts to the library (skipping those already in it); how many were added."""
    added = []
    with _updating() as lib:
        for ref in references:
            key = reference_key(ref.pk)
            if key not in lib:
                lib.add(key, normalize(ref.body).text)
                added.append(ref.pk)
    ReferenceText.objects.filter(pk__in=added).update(indexed=True)
    return len(added)


def forget_references(items: Iterable[tuple[int, str]]) -> None:
    """Remove reference texts (id, body) from the library, e.g. before their rows are deleted."""
    with _updating() as lib:
        for pk, body in items:
            lib.remove(reference_key(pk), normalize(body).text)


def describe_sources(keys: list[str]) -> dict[str, dict[str, Any]]:
    """For each source key: its kind, ids, title and a label (author and campaign, or collection)."""
    article_ids = {}
    reference_ids = {}
    for key in keys:
        kind, first, second = parse_key(key)
        if kind == "article":
            article_ids[first] = (key, second)
        elif kind == "ref":
            reference_ids[first] = key
    info: dict[str, dict[str, Any]] = {}
    for pk, title, author, unit, campaign in Article.objects.filter(pk__in=list(article_ids)).values_list(
        "pk", "title", "author__name", "unit__name", "campaign__short_title"
    ):
        key, revision = article_ids[pk]
        info[key] = {
            "kind": "article",
            "id": pk,
            "revision": revision,
            "title": title,
            "label": " · ".join(part for part in (author, unit, campaign) if part),
        }
    for pk, title, collection in ReferenceText.objects.filter(pk__in=list(reference_ids)).values_list(
        "pk", "title", "collection__name"
    ):
        info[reference_ids[pk]] = {"kind": "reference", "id": pk, "revision": None, "title": title, "label": collection}
    return info


def _detector(threshold: float) -> Detector:
    """This process's detector over its library (call under ``_lock``). It is kept between checks for the
    normalised texts it holds: sources never change under their keys, so they are fetched and
    normalised once, not at every check."""
    lib = library()
    directory = Path(settings.ARTICLES_INDEX_DIR)
    detector = _detectors.get(directory)
    if detector is None or detector.library is not lib:
        detector = _detectors[directory] = Detector(threshold=threshold, library=lib, fetch=fetch)
    detector.threshold = threshold
    return detector


def _first_submissions(article_ids: Iterable[int]) -> dict[int, int]:
    """Each article's first submitted revision id: revision ids grow, so they order the hand-ins."""
    from django.db.models import Min

    return dict(
        ArticleRevision.objects.filter(article_id__in=list(article_ids), kind=RevisionKind.SUBMISSION)
        .order_by()
        .values("article_id")
        .annotate(first=Min("pk"))
        .values_list("article_id", "first")
    )


def later_sources(article: Article) -> Callable[[list[str]], list[str]]:
    """The rule that keeps out articles first handed in after ``article``: an original checked again
    is not made a copy of the articles copied from it (references and earlier articles stay)."""

    def rule(keys: list[str]) -> list[str]:
        articles = {key: parse_key(key)[1] for key in keys if key.startswith("article:")}
        if not articles:
            return []
        first = _first_submissions({*articles.values(), article.pk})
        own = first.get(article.pk)
        if own is None:
            return []
        return [key for key, other in articles.items() if first.get(other, own) > own]

    return rule


def check_revision(article: Article, revision: ArticleRevision) -> CheckResult:
    """Check one submitted revision against the reference texts and the articles handed in before it
    (of this campaign and earlier ones); the result is saved and returned."""
    key = index_article(article, revision)
    call = call_of(article.campaign)
    threshold = float(call.flag_threshold)
    with _lock:
        report: Report = _detector(threshold).check(revision.body, exclude_key=key, exclude=later_sources(article))
        sources = len(library())
    info = describe_sources([m.source for m in report.matches])
    matches = []
    for match in report.matches:
        meta = info.get(match.source)
        if meta is None:
            continue  # the source was deleted since the library proposed it
        matches.append({"source": match.source, **meta, "ratio": round(match.ratio, 4), "spans": match.spans})
    now = timezone.now()
    with transaction.atomic():
        result = CheckResult.objects.create(
            article=article,
            revision=revision,
            ratio=round(report.ratio, 4),
            flagged=report.ratio >= threshold,
            threshold=threshold,
            matches=matches,
            sources=sources,
            checked_at=now,
        )
        # Only the latest submission's check speaks for the article.
        latest = article.revisions.filter(kind="submission").order_by("-number").values_list("pk", flat=True).first()
        if latest == revision.pk:
            Article.objects.filter(pk=article.pk).update(ratio=result.ratio, flagged=result.flagged, checked_at=now)
    return result
