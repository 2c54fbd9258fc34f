from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from taolun.core.middleware import client_ip

from . import services
from .models import Role, User
from .selectors import ALL, has_role, scope_paths


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing further tries after repeated failures (see settings LOGIN_FAILURE_*)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多，请 %(minutes)s 分钟后再试，或联系管理员重置密码。"),
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        if not services.login_attempt_allowed(username=username, ip=ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failed(username=username, ip=ip)
            raise
        services.login_succeeded(username=username, ip=ip)
        return cleaned


class RoleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索用户"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("用户名、姓名或邮箱")}),
    )
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部")), *Role.choices])


class RoleAssignForm(forms.Form):
    """Give a user a role over a unit subtree. The unit picker lists only the assigner's scope."""

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def __init__(self, *args: Any, by: Any, **kwargs: Any) -> None:
        from taolun.orgs.forms import UnitField
        from taolun.orgs.models import Unit

        super().__init__(*args, **kwargs)
        if not has_role(by, Role.ADMIN):
            role_field = cast(forms.ChoiceField, self.fields["role"])
            role_field.choices = [c for c in Role.choices if c[0] != Role.ADMIN]
        global_scope = ALL in scope_paths(by, [Role.ADMIN, Role.OFFICE])
        self.fields["unit"] = UnitField(
            queryset=Unit.objects.within_paths(scope_paths(by, [Role.ADMIN, Role.OFFICE])),
            label=_("负责范围"),
            required=False,
            help_text=format_lazy(
                "{}{}",
                _("该单位及其全部下级单位。联络员必须选择单位；"),
                _("其他角色不选表示全部范围。") if global_scope else _("您只能在自己的管理范围内分配。"),
            ),
        )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(
                _("没有用户名为“%(name)s”的有效用户。请核对拼写；尚无账号的人员可在其人员页开通账号。"),
                params={"name": username},
            )
        return user


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60, help_text=_("用途，便于日后辨认，例如“数据同步”。"))
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("含当天；不填表示长期有效，直到吊销。"),
    )

    def clean_expires_on(self) -> dt.date | None:
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("有效期不能早于今天。"))
        return value

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day in the site's time zone."""
        value = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        return dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())
