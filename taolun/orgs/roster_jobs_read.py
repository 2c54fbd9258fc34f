"""Reading roster import jobs: who may see and confirm them, their live progress, the recent list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths
from taolun.core.paths import paths_q

from .models import RosterImportJob, RosterJobStatus

S = RosterJobStatus
RECENT_JOBS = 10
# Whose jobs an office may see besides its own: those under a unit in its scope.
OFFICE_ROLES = [Role.ADMIN, Role.OFFICE]


def upload_file(job: RosterImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / job.upload_path


def progress_key(job_id: int) -> str:
    return f"orgs:roster-job-progress:{job_id}"


def roster_jobs_visible_to(user: Any) -> QuerySet[RosterImportJob]:
    """The user's own jobs, and for an office those imported under a unit it covers (a global office:
    all, including top-level imports)."""
    if not getattr(user, "is_authenticated", False):
        return RosterImportJob.objects.none()
    return RosterImportJob.objects.filter(Q(created_by=user) | paths_q("unit__path", scope_paths(user, OFFICE_ROLES)))


def roster_jobs_recent(user: Any, *, limit: int = RECENT_JOBS) -> list[RosterImportJob]:
    """The user's own latest uploads, newest first (one query)."""
    return list(
        RosterImportJob.objects.filter(created_by=user).select_related("unit").order_by("-created_at", "-id")[:limit]
    )


def job_is_active(job: RosterImportJob) -> bool:
    """Work is under way or queued: the page keeps polling."""
    waiting_for_import = job.status == S.READY and job.confirmed_at is not None
    return job.status in {S.QUEUED, S.VALIDATING, S.IMPORTING} or waiting_for_import


def job_progress(job: RosterImportJob) -> dict[str, Any]:
    """``phase``, ``done``, ``total`` (None when not yet known) and ``percent`` of the running step.

    While the import's transaction is open the job row still shows its state before it; the worker
    also leaves its progress in the cache, which the poll reads first.
    """
    live = cache.get(progress_key(job.pk)) if job_is_active(job) else None
    data = live or {"phase": job.phase, "rows_done": job.rows_done, "rows_total": job.rows_total}
    done, total = data["rows_done"] or 0, data["rows_total"]
    percent = min(100, round(100 * done / total)) if total else None
    return {"phase": data["phase"], "done": done, "total": total, "percent": percent}
