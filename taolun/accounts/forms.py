from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from taolun.core.middleware import client_ip

from . import services


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
        if services.login_is_locked(username=username, ip=ip):
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
