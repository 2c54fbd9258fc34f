"""Tasks through a real Celery worker on Redis (the production path)."""

import time

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
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_notification_email_runs_in_a_celery_worker_through_redis(org, redis_worker):
    from celery.signals import task_postrun

    from taolun.core.tasks import send_notification_emails

    finished: dict[str, object] = {}

    def record(task_id=None, retval=None, **kwargs):
        finished[task_id] = retval

    task_postrun.connect(record, weak=False)
    try:
        notify(recipients=[org.user("cadre")], title="通过 Redis 发送", email=True)
        notice = Notification.objects.get(title="通过 Redis 发送")
        # A repeat of the job (as after a redelivery) must send nothing again.
        repeat = send_notification_emails.delay(notification_ids=[notice.pk])
        deadline = time.monotonic() + 20
        while len(finished) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        task_postrun.disconnect(record)
    assert len(finished) == 2, f"the worker ran {len(finished)} of 2 jobs"
    assert finished[repeat.id] == 0
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.emailed_at is not None
