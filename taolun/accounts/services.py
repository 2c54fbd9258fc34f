"""Writes for accounts: users, role assignments, API tokens, login throttling."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.core import ratelimit
from taolun.core.services import audit_record

from .models import UNIT_REQUIRED_ROLES, ApiToken, Role, RoleAssignment, User, hash_token
from .selectors import covers, forget_role_scopes, has_role

TOKEN_PREFIX = "tl_"  # noqa: S105 (a public prefix, not a secret)


# --- users --------------------------------------------------------------------------------
def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    is_superuser: bool = False,
    by: User | None,
) -> User:
    """Create a login. ``is_superuser`` (all permissions, the Django sense) is for the first admin only."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名。")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("用户名“%(name)s”已被使用。") % {"name": username}})
    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            email=email,
            phone=phone,
            is_superuser=is_superuser,
            is_staff=is_superuser,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit_record(
            actor=by,
            action="accounts.user.create",
            obj=user,
            after={"username": username, "display_name": display_name, "is_superuser": is_superuser},
        )
    return user


def user_password_set(*, user: User, password: str, by: User | None) -> None:
    """Set a password chosen by an operator (the demo, a command). The hash is never audited."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=by, action="accounts.user.password_set", obj=user)


def user_password_changed(*, user: User, how: str) -> None:
    """Record that the user changed (``how="change"``) or reset (``how="reset"``) their own password.

    Django's password views save the new hash; this writes the audit entry in the same request.
    """
    audit_record(actor=user, action=f"accounts.user.password_{how}", obj=user)


# --- roles --------------------------------------------------------------------------------
def _check_can_assign(*, by: User, role: str, unit_path: str | None) -> None:
    if has_role(by, Role.ADMIN):
        return
    if not has_role(by, Role.OFFICE):
        raise PermissionDenied(_("只有办公室或系统管理员可以分配角色。"))
    if role == Role.ADMIN:
        raise PermissionDenied(_("只有系统管理员可以授予系统管理员角色。"))
    if unit_path is None:
        if not covers(by, [Role.OFFICE], ""):
            raise PermissionDenied(_("您的管理范围有限，请选择您负责范围内的单位。"))
    elif not covers(by, [Role.OFFICE], unit_path):
        raise PermissionDenied(_("该单位不在您的管理范围内。"))


def role_assign(*, user: User, role: str, unit=None, by: User) -> RoleAssignment:  # type: ignore[no-untyped-def]
    """Give ``user`` the login role ``role``, scoped to ``unit``'s subtree (None: everything)."""
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色：%(role)s") % {"role": role}})
    if role in UNIT_REQUIRED_ROLES and unit is None:
        raise ValidationError({"unit": _("联络员必须指定负责的单位。")})
    _check_can_assign(by=by, role=role, unit_path=unit.path if unit is not None else None)
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit, created_by=by)
            audit_record(
                actor=by,
                action="accounts.role.assign",
                obj=assignment,
                after={"user": user.pk, "role": role, "unit": unit.pk if unit is not None else None},
                unit_path=unit.path if unit is not None else "",
            )
    except IntegrityError as exc:
        raise ValidationError(_("该用户已拥有这一角色和范围。")) from exc
    forget_role_scopes(user)
    return assignment


def role_revoke(*, assignment: RoleAssignment, by: User) -> None:
    unit = assignment.unit
    _check_can_assign(by=by, role=assignment.role, unit_path=unit.path if unit is not None else None)
    with transaction.atomic():
        audit_record(
            actor=by,
            action="accounts.role.revoke",
            obj=assignment,
            before={"user": assignment.user_id, "role": assignment.role, "unit": assignment.unit_id},
            unit_path=unit.path if unit is not None else "",
        )
        assignment.delete()
    forget_role_scopes(assignment.user)


# --- API tokens ---------------------------------------------------------------------------
def token_create(*, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a personal token; returns it with the raw secret, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请为令牌起一个名称，例如“数据同步”。")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("过期时间必须晚于现在。")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:60], prefix=raw[:10], token_hash=hash_token(raw), expires_at=expires_at
        )
        audit_record(
            actor=user, action="accounts.token.create", obj=token, after={"name": token.name, "prefix": token.prefix}
        )
    return token, raw


def token_revoke(*, token: ApiToken, by: User) -> None:
    if token.user_id != by.pk and not has_role(by, Role.ADMIN):
        raise PermissionDenied(_("只能吊销自己的令牌。"))
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=by,
            action="accounts.token.revoke",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )


def token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None. Marks the token used (at most once a minute)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- login throttling ---------------------------------------------------------------------
def _pair(username: str, ip: str | None) -> str:
    return f"{username.strip().lower()}|{ip or '-'}"


def login_attempt_allowed(*, username: str, ip: str | None) -> bool:
    """Count this attempt *before* the password is checked; False means refuse it unchecked.

    Counting first means a burst of parallel guesses cannot all slip in under the limit. Three
    limits apply inside the window: tries of one username from one address, failures from one
    address (many usernames), and failures of one username from anywhere (rotating addresses).
    """
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    if ratelimit.hits("login-ip", ip or "-") >= settings.LOGIN_ADDRESS_LIMIT:
        return False
    if ratelimit.hits("login-user", username.strip().lower()) >= settings.LOGIN_USERNAME_LIMIT:
        return False
    return ratelimit.hit("login", _pair(username, ip), window_seconds=window) <= settings.LOGIN_FAILURE_LIMIT


def login_failed(*, username: str, ip: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    ratelimit.hit("login-ip", ip or "-", window_seconds=window)
    user_failures = ratelimit.hit("login-user", username.strip().lower(), window_seconds=window)
    if ratelimit.hits("login", _pair(username, ip)) == settings.LOGIN_FAILURE_LIMIT or (
        user_failures == settings.LOGIN_USERNAME_LIMIT
    ):
        audit_record(
            actor=None,
            action="accounts.login.locked",
            object_type="accounts.User",
            object_repr=username[:200],
            note=_("连续登录失败，已暂时锁定"),
        )


def login_succeeded(*, username: str, ip: str | None) -> None:
    ratelimit.reset("login", _pair(username, ip))


def can_assign(*, by: User, role: str, unit_path: str | None) -> bool:
    """Whether ``by`` may assign or revoke ``role`` at ``unit_path`` (the same check the writes make)."""
    try:
        _check_can_assign(by=by, role=role, unit_path=unit_path)
    except PermissionDenied:
        return False
    return True
