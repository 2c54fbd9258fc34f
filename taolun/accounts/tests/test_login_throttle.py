import re

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD
from taolun.core.models import AuditEntry


def _post_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_correct_password_signs_in(client, org):
    response = _post_login(client, "office", PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(org.user("office").pk)


@pytest.mark.django_db
def test_five_failures_lock_the_username_from_that_address_even_with_the_right_password(client, org, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    for _ in range(5):
        assert _post_login(client, "office", "wrong").status_code == 200
    response = _post_login(client, "office", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.login.locked", object_repr="office").count() == 1


@pytest.mark.django_db
def test_a_lock_on_one_address_does_not_lock_the_user_out_elsewhere(client, org, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        _post_login(client, "office", "wrong", ip="10.0.0.9")
    assert _post_login(client, "office", PASSWORD, ip="10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_one_address_trying_many_usernames_is_locked(client, org, settings):
    settings.LOGIN_ADDRESS_LIMIT = 4
    for name in ["a", "b", "c", "d"]:
        _post_login(client, name, "wrong", ip="10.0.0.7")
    response = _post_login(client, "office", PASSWORD, ip="10.0.0.7")
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_mails_a_one_time_link_that_sets_a_new_password(client, org):
    response = client.post(reverse("accounts:password_reset"), {"email": "office@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": "Another-pass-456", "new_password2": "Another-pass-456"})
    assert response.status_code == 302
    org.user("office").refresh_from_db()
    assert org.user("office").check_password("Another-pass-456")
    again = client.get(link, follow=True)
    assert "该链接无效或已使用" in again.content.decode()


@pytest.mark.django_db
def test_password_change_requires_the_old_password(login, org):
    client = login(org.user("cadre"))
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": "Another-pass-456", "new_password2": "Another-pass-456"},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors


@pytest.mark.django_db
def test_one_username_guessed_from_many_addresses_is_locked(client, org, settings):
    settings.LOGIN_USERNAME_LIMIT = 6
    for i in range(6):
        _post_login(client, "office", "wrong", ip=f"10.0.1.{i}")
    response = _post_login(client, "office", PASSWORD, ip="10.0.2.1")
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_attempts_are_counted_before_the_password_is_checked(org, settings):
    from taolun.accounts.services import login_attempt_allowed

    settings.LOGIN_FAILURE_LIMIT = 3
    # A parallel burst: every attempt is counted on arrival, so the fourth is refused unchecked.
    allowed = [login_attempt_allowed(username="office", ip="10.9.9.9") for _ in range(4)]
    assert allowed == [True, True, True, False]


@pytest.mark.django_db
def test_password_change_and_reset_are_audited_without_the_hash(client, login, org):
    from taolun.core.models import AuditEntry

    user = org.user("cadre")
    c = login(user)
    c.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-pass-456", "new_password2": "Another-pass-456"},
    )
    entry = AuditEntry.objects.get(action="accounts.user.password_change", object_id=str(user.pk))
    assert entry.actor_id == user.pk
    assert entry.before is None and entry.after is None
