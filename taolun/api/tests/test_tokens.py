"""GET/POST/DELETE /api/tokens: personal tokens, the secret shown once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from taolun.accounts.models import ApiToken, hash_token
from taolun.accounts.services import token_create
from taolun.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_creating_a_token_returns_the_secret_once_and_stores_only_its_hash(org, as_user):
    client = as_user(org.user("liaison"))
    response = client.post("/api/tokens", {"name": "数据同步"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("tl_")
    assert body["prefix"] == raw[:10]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.token_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    listed = client.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["数据同步"]
    assert "token" not in listed[0]
    assert AuditEntry.objects.filter(action="accounts.token.create").exists()


def test_a_new_token_works_at_once(org, as_user):
    raw = (
        as_user(org.user("citizen")).post("/api/tokens", {"name": "x"}, content_type="application/json").json()["token"]
    )
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/me")
    assert response.json()["username"] == "citizen"


def test_a_token_can_expire_at_a_given_time(org, as_user):
    when = (timezone.now() + dt.timedelta(days=30)).isoformat()
    body = (
        as_user(org.user("office"))
        .post("/api/tokens", {"name": "x", "expires_at": when}, content_type="application/json")
        .json()
    )
    assert body["expires_at"] is not None
    assert body["is_usable"] is True


def test_an_expiry_in_the_past_is_refused_on_its_field(org, as_user):
    when = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = as_user(org.user("office")).post(
        "/api/tokens", {"name": "x", "expires_at": when}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "expires_at"
    assert not ApiToken.objects.exists()


def test_an_expiry_without_a_time_zone_is_refused_with_an_example(org, as_user):
    response = as_user(org.user("office")).post(
        "/api/tokens", {"name": "x", "expires_at": "2030-01-01T00:00:00"}, content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "expires_at"
    assert "+08:00" in error["message"]


def test_a_blank_name_is_refused(org, as_user):
    response = as_user(org.user("office")).post("/api/tokens", {"name": "  "}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "name"


def test_revoking_a_token_stops_it_and_hides_it_from_the_list(org, as_user):
    user = org.user("office")
    token, raw = token_create(user=user, name="old")
    client = as_user(user)
    assert client.delete(f"/api/tokens/{token.pk}").status_code == 204
    assert client.get("/api/tokens").json() == []
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/me").status_code == 401


def test_another_users_token_cannot_be_seen_or_revoked(org, as_user):
    token, _raw = token_create(user=org.user("office"), name="theirs")
    client = as_user(org.user("liaison"))
    assert client.get("/api/tokens").json() == []
    response = client.delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_with_a_token_works_on_itself(org, token_client):
    client = token_client(org.user("office"))
    token_id = client.get("/api/tokens").json()[0]["id"]
    assert client.delete(f"/api/tokens/{token_id}").status_code == 204
    assert client.get("/api/tokens").status_code == 401


def test_a_token_cannot_create_tokens(org, token_client):
    """Otherwise a token could mint a successor without expiry, outliving its own revocation or expiry."""
    client = token_client(org.user("office"))
    response = client.post("/api/tokens", {"name": "successor"}, content_type="application/json")
    assert response.status_code == 403
    assert "令牌不能用来创建新令牌" in response.json()["detail"]
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["test"]


def test_a_token_beside_a_signed_in_session_cannot_create_tokens_either(org, as_user):
    user = org.user("office")
    _token, raw = token_create(user=user, name="sync")
    client = as_user(user)
    response = client.post(
        "/api/tokens",
        {"name": "successor"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    assert not ApiToken.objects.filter(name="successor").exists()


def test_a_token_may_still_list_and_revoke_its_users_tokens(org, token_client):
    user = org.user("office")
    other, _raw = token_create(user=user, name="other")
    client = token_client(user)
    assert {t["name"] for t in client.get("/api/tokens").json()} == {"test", "other"}
    assert client.delete(f"/api/tokens/{other.pk}").status_code == 204
    other.refresh_from_db()
    assert other.revoked_at is not None


def test_the_signed_in_browser_creates_tokens_with_the_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(
        "/api/tokens", {"name": "sync"}, content_type="application/json", headers={"X-CSRFToken": "a" * 32}
    )
    assert response.status_code == 201
    assert ApiToken.objects.filter(name="sync", user=org.user("office")).exists()
