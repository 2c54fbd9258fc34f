"""Personal API tokens: listed, created (shown once), revoked — each user only their own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from taolun.accounts.models import ApiToken
from taolun.accounts.services import token_authenticate, token_create


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(org, login):
    response = login(None).get(reverse("accounts:token_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "liaison", "cadre", "citizen"])
def test_every_signed_in_user_manages_their_own_tokens(org, login, role):
    assert login(org.user(role)).get(reverse("accounts:token_list")).status_code == 200


@pytest.mark.django_db
def test_creating_a_token_shows_it_once_and_it_works(org, login):
    client = login(org.user("cadre"))
    response = client.post(reverse("accounts:token_list"), {"name": "数据同步", "expires_on": ""})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    raw = response.context["raw"]
    content = response.content.decode()
    assert raw in content and "只显示这一次" in content
    assert token_authenticate(raw) == org.user("cadre")
    token = ApiToken.objects.get(user=org.user("cadre"))
    assert (token.name, token.expires_at) == ("数据同步", None)
    # Shown once: the list afterwards has its prefix, never the secret.
    again = client.get(reverse("accounts:token_list")).content.decode()
    assert raw not in again and token.prefix in again


@pytest.mark.django_db
def test_expiry_date_lasts_to_the_end_of_that_day(org, login):
    day = timezone.localdate() + dt.timedelta(days=30)
    login(org.user("cadre")).post(reverse("accounts:token_list"), {"name": "临时", "expires_on": day.isoformat()})
    token = ApiToken.objects.get(user=org.user("cadre"))
    local = timezone.localtime(token.expires_at)
    assert (local.date(), local.time()) == (day + dt.timedelta(days=1), dt.time(0, 0))


@pytest.mark.django_db
def test_token_form_errors_are_next_to_the_fields_and_nothing_is_created(org, login):
    client = login(org.user("cadre"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("accounts:token_list"), {"name": "  ", "expires_on": yesterday.isoformat()})
    errors = response.context["form"].errors
    assert set(errors) == {"name", "expires_on"}
    assert "不能早于今天" in errors["expires_on"][0]
    assert 'id="id_expires_on_error"' in response.content.decode()
    assert response.context["raw"] is None
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_list_shows_only_the_users_own_unrevoked_tokens(org, login):
    token_create(user=org.user("cadre"), name="我的")
    token_create(user=org.user("office"), name="别人的")
    content = login(org.user("cadre")).get(reverse("accounts:token_list")).content.decode()
    assert "我的" in content and "别人的" not in content


@pytest.mark.django_db
def test_revoking_a_token_stops_it_working(org, login):
    token, raw = token_create(user=org.user("cadre"), name="数据同步")
    client = login(org.user("cadre"))
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405  # GET changes nothing
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert token_authenticate(raw) is None
    assert list(client.get(reverse("accounts:token_list")).context["tokens"]) == []


@pytest.mark.django_db
def test_nobody_revokes_someone_elses_token(org, login):
    token, raw = token_create(user=org.user("office"), name="办公室")
    response = login(org.user("cadre")).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 403
    assert token_authenticate(raw) == org.user("office")


@pytest.mark.django_db
def test_revoking_a_missing_token_is_404(org, login):
    assert login(org.user("cadre")).post(reverse("accounts:token_revoke", args=[999_999])).status_code == 404


@pytest.mark.django_db
def test_profile_links_to_the_token_page(org, login):
    content = login(org.user("cadre")).get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:token_list") in content
    assert reverse("orgs:person_detail", args=[org.person_a.pk]) in content
