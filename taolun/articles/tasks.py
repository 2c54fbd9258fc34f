"""Thin tasks for articles: the copy check of a submission, a campaign's re-check, indexing references."""

from __future__ import annotations

from celery import shared_task

from taolun.core.context import Origin, origin

from . import checks


@shared_task(name="articles.check_article", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def check_article(*, article_id: int, revision_id: int) -> dict[str, object]:
    """Check one submitted revision (run again, it checks again: the latest check is the one shown)."""
    with origin(Origin(via="task")):
        return checks.check_submission(article_id=article_id, revision_id=revision_id)


@shared_task(name="articles.recheck_campaign")
def recheck_campaign(*, run_id: int) -> dict[str, object]:
    """Re-check every handed-in article of a campaign, recording progress on the run."""
    with origin(Origin(via="task")):
        return checks.recheck_run(run_id=run_id)


@shared_task(name="articles.index_references", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def index_references(*, reference_ids: list[int]) -> int:
    with origin(Origin(via="task")):
        return checks.index_reference_ids(reference_ids)
