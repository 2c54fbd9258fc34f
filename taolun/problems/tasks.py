"""Thin tasks for the problem ledger."""

from __future__ import annotations

from celery import shared_task

from taolun.core.context import Origin, origin

from . import reminders


@shared_task(name="problems.send_reminders")
def send_reminders() -> dict[str, int]:
    """Periodic (CELERY_BEAT_SCHEDULE): the day's reminders and escalations; a rerun that day sends nothing."""
    with origin(Origin(via="task")):
        return reminders.reminders_send()
