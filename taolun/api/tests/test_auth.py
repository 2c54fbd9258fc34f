"""Token and session authentication, CSRF on unsafe methods, and the token-failure rate limit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from taolun.accounts.models import ApiToken
from taolun.accounts.services import token_create, token_revoke

pytestmark = pytest.mark.django_db

CSRF = "a" * 32  # a well-formed CSRF secret; the cookie and the header must match


def bearer(raw: str, **kwargs) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"}, **kwargs)


def test_a_valid_token_authenticates_and_records_its_use(org):
    token, raw = token_create(user=org.user("office"), name="sync")
    response = bearer(raw).get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "office"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_is_refused(org):
    user = org.user("office")
    token, raw = token_create(user=user, name="sync")
    token_revoke(token=token, by=user)
    response = bearer(raw).get("/api/me")
    assert response.status_code == 401
    assert "令牌" in response.json()["detail"]


def test_an_expired_token_is_refused(org):
    token, raw = token_create(user=org.user("office"), name="sync")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert bearer(raw).get("/api/me").status_code == 401


def test_a_wrong_token_is_refused_with_a_bearer_challenge(org):
    response = bearer("tl_not-a-real-token").get("/api/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_a_deactivated_user_is_refused(org):
    user = org.user("office")
    _token, raw = token_create(user=user, name="sync")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert bearer(raw).get("/api/me").status_code == 401


def test_no_credentials_is_401_with_a_message_saying_how_to_authenticate(org):
    response = Client().get("/api/units")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_wrong_token_is_refused_even_with_a_valid_session(org, client):
    client.force_login(org.user("office"))
    response = client.get("/api/me", headers={"Authorization": "Bearer tl_wrong"})
    assert response.status_code == 401


def test_token_posts_need_no_csrf_token(org):
    _token, raw = token_create(user=org.user("office"), name="sync")
    client = bearer(raw, enforce_csrf_checks=True)
    response = client.post("/api/people", {"unit": org.community_a.pk, "name": "王五"}, content_type="application/json")
    assert response.status_code == 201


def test_a_wrong_token_post_is_401_not_a_csrf_error(org):
    client = bearer("tl_wrong", enforce_csrf_checks=True)
    response = client.post("/api/people", {"unit": org.community_a.pk, "name": "王五"}, content_type="application/json")
    assert response.status_code == 401


def test_session_reads_work_without_csrf(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    assert client.get("/api/me").status_code == 200


def test_a_session_post_without_the_csrf_token_is_refused_and_changes_nothing(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    response = client.post("/api/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "X-CSRFToken" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_session_patch_without_the_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    response = client.patch(f"/api/units/{org.street_a.pk}", {"name": "改名"}, content_type="application/json")
    assert response.status_code == 403
    org.street_a.refresh_from_db()
    assert org.street_a.name == "甲街道"


def test_a_session_post_with_the_csrf_token_is_accepted(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    client.cookies["csrftoken"] = CSRF
    response = client.post("/api/tokens", {"name": "x"}, content_type="application/json", headers={"X-CSRFToken": CSRF})
    assert response.status_code == 201


def test_an_anonymous_post_is_401_not_a_csrf_error(org):
    response = Client(enforce_csrf_checks=True).post("/api/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_failed_tokens_from_one_address_are_locked_out_with_429(org, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 3
    _token, raw = token_create(user=org.user("office"), name="sync")
    for _attempt in range(3):
        assert bearer("tl_guess").get("/api/me", REMOTE_ADDR="10.0.0.9").status_code == 401
    locked = bearer("tl_guess").get("/api/me", REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) == settings.API_TOKEN_FAILURE_WINDOW_SECONDS
    assert "分钟" in locked.json()["detail"]
    # Even a valid token is refused from the locked address, so guessing cannot continue.
    assert bearer(raw).get("/api/me", REMOTE_ADDR="10.0.0.9").status_code == 429
    # Another address is not affected.
    assert bearer(raw).get("/api/me", REMOTE_ADDR="10.0.0.10").status_code == 200


def test_successful_token_use_does_not_count_towards_the_lockout(org, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 2
    _token, raw = token_create(user=org.user("office"), name="sync")
    for _attempt in range(5):
        assert bearer(raw).get("/api/me", REMOTE_ADDR="10.0.0.9").status_code == 200
