"""Running copy checks: one submission (queued on submit), or a whole campaign with its progress.

A re-check (``recheck_start``) is a ``RecheckRun`` row moved queued → running → done (or failed) by
conditional updates, so a task delivered twice runs once; its ``done`` count is the progress bar. A run
that shows no progress for ``RECHECK_STALE`` was lost with its worker and stops blocking new ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Campaign
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record

from . import detection
from .models import HANDED_IN, Article, ArticleRevision, RecheckRun, RecheckStatus, ReferenceText, RevisionKind

if TYPE_CHECKING:
    from taolun.accounts.models import User

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 10
# A queued or running re-check that shows no progress for this long was lost (its worker restarted or
# died; a redelivered task cannot claim a run already marked running): a new re-check may start.
RECHECK_STALE = dt.timedelta(minutes=30)


def check_submission(*, article_id: int, revision_id: int) -> dict[str, object]:
    article = Article.objects.select_related("campaign", "unit").filter(pk=article_id).first()
    revision = ArticleRevision.objects.filter(pk=revision_id, article_id=article_id).first()
    if article is None or revision is None:
        return {"checked": False}
    result = detection.check_revision(article, revision)
    return {"checked": True, "ratio": result.ratio, "flagged": result.flagged}


def index_reference_ids(ids: list[int]) -> int:
    return detection.index_references(ReferenceText.objects.filter(pk__in=ids).only("pk", "body"))


def recheck_start(*, campaign: Campaign, by: User | None) -> RecheckRun:
    """Queue a re-check of every handed-in article of the campaign (one at a time per campaign)."""
    require_perm(by, "articles.recheck", campaign)
    with transaction.atomic():
        # The campaign's row is the door: two requests at once both found no run in progress before.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        now = timezone.now()
        active = RecheckRun.objects.filter(campaign=campaign, status__in=[RecheckStatus.QUEUED, RecheckStatus.RUNNING])
        # A run silent for long was lost with its worker (a restart, a crash): it stops, a new one may start.
        active.filter(heartbeat_at__lt=now - RECHECK_STALE).update(
            status=RecheckStatus.FAILED, message=_("检测中断（长时间没有进展），已停止。"), finished_at=now
        )
        if active.exists():
            raise ValidationError(_("本次大讨论的批量检测正在进行，请等它完成后再开始。"))
        total = Article.objects.filter(campaign=campaign, status__in=HANDED_IN).count()
        run = RecheckRun.objects.create(campaign=campaign, total=total, created_by=actor(by))
        audit_record(
            actor=by, action="articles.recheck", obj=run, after={"total": total}, unit_path=campaign.root_unit.path
        )
        run_id = run.pk
        transaction.on_commit(lambda: _queue(run_id), robust=True)  # a failed run says so on its row
    return run


def _queue(run_id: int) -> None:
    from .tasks import recheck_campaign

    recheck_campaign.delay(run_id=run_id)


def _progress(run_id: int, **fields: object) -> bool:
    """Record progress on a running run; False when it is no longer running (a newer one took over)."""
    return bool(
        RecheckRun.objects.filter(pk=run_id, status=RecheckStatus.RUNNING).update(heartbeat_at=timezone.now(), **fields)
    )


def latest_submissions(articles: QuerySet[Article]) -> list[tuple[int, int | None]]:
    """``(article id, its latest submitted revision's id)`` for ``articles``, by article id."""
    latest = (
        ArticleRevision.objects.filter(article=OuterRef("pk"), kind=RevisionKind.SUBMISSION)
        .order_by("-number")
        .values("pk")[:1]
    )
    return list(articles.annotate(latest_revision=Subquery(latest)).order_by("pk").values_list("pk", "latest_revision"))


def recheck_claim(run_id: int) -> bool:
    """Take a queued run to running; False when another worker (or the command line) has it."""
    return bool(
        RecheckRun.objects.filter(pk=run_id, status=RecheckStatus.QUEUED).update(
            status=RecheckStatus.RUNNING, heartbeat_at=timezone.now()
        )
    )


def recheck_run(*, run_id: int) -> dict[str, object]:
    """The task's body: claim the run, then check every article (a run claimed elsewhere is left alone)."""
    if not recheck_claim(run_id):
        return {"ran": False}
    return recheck_execute(run_id=run_id)


def recheck_execute(*, run_id: int, on_progress: Callable[[int, int], None] | None = None) -> dict[str, object]:
    """Check every handed-in article of a claimed run, recording progress on the run (and telling
    ``on_progress(done, total)`` after each article, for a progress bar)."""
    run = RecheckRun.objects.select_related("campaign").get(pk=run_id)
    try:
        # References imported while the library was unreachable join it now.
        detection.index_references(ReferenceText.objects.filter(indexed=False).only("pk", "body"))
        rows = latest_submissions(Article.objects.filter(campaign=run.campaign, status__in=HANDED_IN))
        _progress(run_id, total=len(rows))
        done = flagged = 0
        for article_id, revision_id in rows:
            article = Article.objects.select_related("campaign").filter(pk=article_id).first()
            revision = ArticleRevision.objects.filter(pk=revision_id).first() if revision_id is not None else None
            if article is not None and revision is not None:  # else: deleted since the list was read
                flagged += detection.check_revision(article, revision).flagged
            done += 1
            if on_progress is not None:
                on_progress(done, len(rows))
            if done % PROGRESS_EVERY == 0 and not _progress(run_id, done=done, flagged=flagged):
                return {"ran": True, "done": done, "flagged": flagged, "stopped": True}
        _progress(run_id, status=RecheckStatus.DONE, done=done, flagged=flagged, finished_at=timezone.now())
        return {"ran": True, "done": done, "flagged": flagged}
    except Exception as error:
        logger.exception("re-check %s failed", run_id)
        RecheckRun.objects.filter(pk=run_id, status=RecheckStatus.RUNNING).update(
            status=RecheckStatus.FAILED, message=str(error)[:500], finished_at=timezone.now()
        )
        raise
