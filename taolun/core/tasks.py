"""Thin tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="core.send_notification_emails", acks_late=True)
def send_notification_emails(*, notification_ids: list[int]) -> int:
    return services.notification_emails_send(notification_ids=notification_ids)
