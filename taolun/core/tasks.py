"""Thin tasks: load by id, call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.utils import timezone

from .models import Notification


@shared_task(name="core.send_notification_emails", acks_late=True)
def send_notification_emails(*, recipient_ids: list[int], title: str, body: str, url: str, dedupe_key: str = "") -> int:
    """E-mail copies of a notice. With a dedupe key, each recipient is mailed at most once."""
    users = get_user_model().objects.filter(pk__in=recipient_ids).exclude(email="")
    link = f"\n\n{settings.SITE_URL}{url}" if url else ""
    messages = []
    for user in users:
        if dedupe_key:
            claimed = Notification.objects.filter(
                recipient=user, dedupe_key=dedupe_key, emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
            if not claimed:
                continue
        messages.append((title, f"{body}{link}", settings.DEFAULT_FROM_EMAIL, [user.email]))
    return send_mass_mail(messages, fail_silently=False) if messages else 0
