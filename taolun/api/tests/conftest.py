"""Fixtures for calling the API as each role: through the browser session or with a personal token."""

from __future__ import annotations

import pytest
from django.test import Client

from taolun.accounts.services import token_create


@pytest.fixture
def as_user(client):
    """``as_user(user)``: the test client signed in as ``user`` (None: anonymous), CSRF not enforced."""

    def _as(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _as


@pytest.fixture
def token_client():
    """``token_client(user)``: a client sending ``Authorization: Bearer <new token of user>``."""

    def _make(user):
        _token, raw = token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}"}, enforce_csrf_checks=True)

    return _make
