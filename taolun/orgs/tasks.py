"""Thin tasks: load by id, call a service. Each claims its job itself, so a redelivery does nothing twice."""

from __future__ import annotations

from celery import shared_task

from taolun.core.context import Origin, origin

from . import roster_jobs


@shared_task(name="orgs.roster_job_validate", acks_late=True)
def roster_job_validate(*, job_id: int) -> bool:
    """Check an uploaded roster (a dry run) and leave its preview for confirmation."""
    with origin(Origin(via="task")):
        return roster_jobs.roster_job_check(job_id=job_id)


@shared_task(name="orgs.roster_job_import", acks_late=True)
def roster_job_import(*, job_id: int) -> bool:
    """Import a confirmed roster, all or nothing."""
    with origin(Origin(via="task")):
        return roster_jobs.roster_job_run(job_id=job_id)


@shared_task(name="orgs.cleanup_roster_uploads")
def cleanup_roster_uploads() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): uploads and unconfirmed jobs older than a day go."""
    with origin(Origin(via="task")):
        return roster_jobs.roster_uploads_cleanup()
