import pytest
from django.core import mail

from taolun.core.models import Notification
from taolun.core.services import notification_mark_read, notify


@pytest.mark.django_db(transaction=True)
def test_notify_creates_in_app_notices_and_emails_after_commit(org):
    users = [org.user("cadre"), org.user("liaison")]
    notify(recipients=users, title="请按时提交心得体会", body="截止日期 11 月 30 日", url="/", email=True)
    assert Notification.objects.filter(title="请按时提交心得体会").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["cadre@example.org", "liaison@example.org"]


@pytest.mark.django_db(transaction=True)
def test_notify_with_a_dedupe_key_sends_nothing_twice(org):
    users = [org.user("cadre")]
    for _ in range(2):
        notify(recipients=users, title="催办", url="/", email=True, dedupe_key="reminder-1")
    assert Notification.objects.filter(dedupe_key="reminder-1").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_mark_read_only_touches_the_users_own_notices(org):
    notify(recipients=[org.user("cadre"), org.user("liaison")], title="t")
    assert notification_mark_read(user=org.user("cadre")) == 1
    assert Notification.objects.filter(recipient=org.user("liaison"), read_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_notify_takes_a_queryset_and_batches_large_recipient_sets(org, monkeypatch):
    from django.contrib.auth import get_user_model

    from taolun.core import services

    monkeypatch.setattr(services, "NOTIFY_BATCH", 3)
    for i in range(7):
        get_user_model().objects.create(username=f"bulk{i}", email=f"bulk{i}@example.org")
    recipients = get_user_model().objects.filter(username__startswith="bulk")
    assert notify(recipients=recipients, title="全体通知", email=True) == 7
    assert Notification.objects.filter(title="全体通知").count() == 7
    assert len(mail.outbox) == 7


@pytest.mark.django_db(transaction=True)
def test_emailing_the_same_notices_twice_sends_once(org):
    from taolun.core.services import notification_emails_send

    notify(recipients=[org.user("cadre")], title="一次", email=False)
    ids = list(Notification.objects.filter(title="一次").values_list("pk", flat=True))
    assert notification_emails_send(notification_ids=ids) == 1
    assert notification_emails_send(notification_ids=ids) == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_inactive_users_get_no_notice(org):
    user = org.user("citizen")
    user.is_active = False
    user.save()
    assert notify(recipients=[user], title="x") == 0
