"""Tasks through a real Celery worker on Redis (the production path)."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from conftest import require_redis, require_service
from taolun.celery import app as celery_app
from taolun.core.models import Notification
from taolun.core.services import notify


@pytest.fixture
def redis_worker(settings):
    require_redis()
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
        reachable, reason = True, ""
    except redis.exceptions.ConnectionError as exc:
        reachable, reason = False, f"cannot reach {settings.REDIS_URL}: {exc}"
    require_service("Redis", reachable, reason)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = settings.REDIS_URL
    celery_app.conf.result_backend = settings.REDIS_URL
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.task_always_eager = True
        celery_app.conf.result_backend = None


@pytest.mark.django_db(transaction=True)
def test_notification_email_runs_in_a_celery_worker_through_redis(org, redis_worker):
    notify(recipients=[org.user("cadre")], title="通过 Redis 发送", email=True, dedupe_key="via-redis")
    from taolun.core.tasks import send_notification_emails

    result = send_notification_emails.apply_async(
        kwargs={
            "recipient_ids": [org.user("cadre").pk],
            "title": "通过 Redis 发送",
            "body": "",
            "url": "",
            "dedupe_key": "via-redis",
        }
    )
    # The first send (enqueued by notify) claimed the notice; a repeat of the same job sends nothing.
    assert result.get(timeout=20) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get(dedupe_key="via-redis").emailed_at is not None
