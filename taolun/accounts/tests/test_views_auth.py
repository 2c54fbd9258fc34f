"""Login, logout, password change and reset, and the profile page keep working."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD


@pytest.mark.django_db
def test_login_with_the_right_password_lands_home(org, client):
    response = client.post(reverse("accounts:login"), {"username": "liaison", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.django_db
def test_login_with_a_wrong_password_shows_an_error_and_is_locked_after_repeats(org, client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        response = client.post(reverse("accounts:login"), {"username": "liaison", "password": "wrong"})
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    response = client.post(reverse("accounts:login"), {"username": "liaison", "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db
def test_logout_is_a_post(org, login):
    client = login(org.user("cadre"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.django_db
def test_profile_shows_roles_and_own_person(org, login):
    content = login(org.user("cadre")).get(reverse("accounts:profile")).content.decode()
    assert "甲一社区" in content
    assert "干部" in content


@pytest.mark.django_db
def test_password_change(org, login):
    client = login(org.user("cadre"))
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-Secret-456", "new_password2": "another-Secret-456"},
    )
    assert response.status_code == 302
    org.user("cadre").refresh_from_db()
    assert org.user("cadre").check_password("another-Secret-456")


@pytest.mark.django_db
def test_password_reset_sends_a_mail(org, client):
    response = client.post(reverse("accounts:password_reset"), {"email": "cadre@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body
