"""Writes for accounts: role assignment within the assigner's scope, tokens, users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from taolun.accounts import services
from taolun.accounts.models import ApiToken, Role, RoleAssignment
from taolun.accounts.selectors import has_role
from taolun.core.models import AuditEntry
from tests.factories import UserFactory


@pytest.fixture
def office_a(org):
    user = UserFactory(username="office_a")
    RoleAssignment.objects.create(user=user, role=Role.OFFICE, unit=org.street_a)
    return user


@pytest.mark.django_db
def test_role_assign_gives_the_role_at_once(org):
    citizen = org.user("citizen")
    assert not has_role(citizen, Role.REVIEWER)
    services.role_assign(user=citizen, role=Role.REVIEWER, by=org.user("office"))
    assert has_role(citizen, Role.REVIEWER)


@pytest.mark.django_db
def test_liaison_role_needs_a_unit(org):
    with pytest.raises(ValidationError) as exc:
        services.role_assign(user=org.user("citizen"), role=Role.LIAISON, unit=None, by=org.user("office"))
    assert "unit" in exc.value.error_dict


@pytest.mark.django_db
def test_street_office_assigns_inside_and_is_refused_outside(org, office_a):
    services.role_assign(user=org.user("citizen"), role=Role.LIAISON, unit=org.community_a, by=office_a)
    count = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied, match="不在您的管理范围内"):
        services.role_assign(user=org.user("citizen"), role=Role.LIAISON, unit=org.community_b, by=office_a)
    with pytest.raises(PermissionDenied, match="管理范围有限"):
        services.role_assign(user=org.user("citizen"), role=Role.REVIEWER, unit=None, by=office_a)
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["liaison", "reviewer", "publicity", "cadre", "citizen"])
def test_only_office_and_admin_assign(org, role):
    with pytest.raises(PermissionDenied):
        services.role_assign(user=org.user("citizen"), role=Role.REVIEWER, by=org.user(role))


@pytest.mark.django_db
def test_role_revoke_is_scoped_and_audited(org, office_a):
    liaison_b = RoleAssignment.objects.get(user=org.user("liaison_b"))
    with pytest.raises(PermissionDenied):
        services.role_revoke(assignment=liaison_b, by=office_a)
    liaison = RoleAssignment.objects.get(user=org.user("liaison"))
    services.role_revoke(assignment=liaison, by=office_a)
    assert not RoleAssignment.objects.filter(pk=liaison.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.role.revoke", actor=office_a).exists()


@pytest.mark.django_db
def test_can_assign_mirrors_the_writes(org, office_a):
    assert services.can_assign(by=office_a, role=Role.LIAISON, unit_path=org.street_a.path)
    assert not services.can_assign(by=office_a, role=Role.LIAISON, unit_path=org.street_b.path)
    assert not services.can_assign(by=org.user("liaison"), role=Role.CADRE, unit_path=org.street_a.path)
    assert services.can_assign(by=org.user("admin"), role=Role.ADMIN, unit_path=None)


@pytest.mark.django_db
def test_token_create_refuses_a_blank_name_or_past_expiry(org):
    with pytest.raises(ValidationError):
        services.token_create(user=org.user("cadre"), name=" ")
    with pytest.raises(ValidationError):
        services.token_create(user=org.user("cadre"), name="x", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_tokens_stop_working_when_expired_or_revoked(org):
    token, raw = services.token_create(
        user=org.user("cadre"), name="x", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert services.token_authenticate(raw) == org.user("cadre")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.token_authenticate(raw) is None
    token2, raw2 = services.token_create(user=org.user("cadre"), name="y")
    services.token_revoke(token=token2, by=org.user("cadre"))
    assert services.token_authenticate(raw2) is None
    assert ApiToken.objects.get(pk=token2.pk).token_hash != raw2


@pytest.mark.django_db
def test_user_create_refuses_a_taken_username_case_insensitively(org):
    with pytest.raises(ValidationError) as exc:
        services.user_create(username="Cadre", password="x", by=None)
    assert "username" in exc.value.error_dict
