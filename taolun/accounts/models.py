"""Users, their roles with scopes, and personal API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    OFFICE = "office", _("大讨论办公室/督查室")
    LIAISON = "liaison", _("单位联络员")
    REVIEWER = "reviewer", _("审阅人")
    PUBLICITY = "publicity", _("宣传人员")
    CADRE = "cadre", _("干部")
    CITIZEN = "citizen", _("群众")


# Roles whose scope is a unit subtree; the others are held without a unit.
SCOPED_ROLES = {Role.OFFICE, Role.LIAISON, Role.REVIEWER, Role.PUBLICITY}
# Roles that need a unit: a liaison always works for one subtree.
UNIT_REQUIRED_ROLES = {Role.LIAISON}


class User(AbstractUser):
    display_name = models.CharField(_("显示名称"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.username

    def __str__(self) -> str:
        return self.get_full_name()


class RoleAssignment(models.Model):
    """A login role held by a user; scoped roles cover the subtree of ``unit`` (none: everything)."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("负责范围"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("该单位及其全部下级单位；不选表示全部范围。"),
    )
    created_at = models.DateTimeField(_("分配时间"), default=timezone.now)
    created_by = models.ForeignKey(
        User, verbose_name=_("分配人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        ordering = ["user_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="accounts_role_unique"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(unit__isnull=True), name="accounts_role_global_unique"
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit_id and self.unit else _("全部")
        return f"{self.user} · {self.get_role_display()} · {scope}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its hash is stored; the token is shown once when created."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class CodeChannel(models.TextChoices):
    PHONE = "phone", _("手机号")
    EMAIL = "email", _("电子邮箱")


class OneTimeCode(models.Model):
    """A one-time sign-in code sent to a phone or an e-mail address; only its hash is kept.

    A code is good for ``ACCOUNT_CODE_TTL_SECONDS`` and a few wrong guesses; sending a new one
    supersedes the old. ``accounts.codes`` sends and checks them.
    """

    channel = models.CharField(_("方式"), max_length=5, choices=CodeChannel.choices)
    target = models.CharField(_("发送对象"), max_length=254, db_index=True)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [models.Index(fields=["target", "-created_at"], name="accounts_code_target_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.created_at:%Y-%m-%d %H:%M}"
