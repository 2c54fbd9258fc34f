"""Thin tasks for the online discussion."""

from __future__ import annotations

from celery import shared_task

from taolun.core.context import Origin, origin

from . import services


@shared_task(name="discussion.send_reminders")
def send_reminders() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): reply reminders, 催办 and 督办; a rerun sends nothing twice."""
    with origin(Origin(via="task")):
        return services.reminders_send()
