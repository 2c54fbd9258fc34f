"""API authentication: a personal token (``Authorization: Bearer tl_…``) or the browser session with CSRF.

A request that presents a bearer token is judged by the token alone: a wrong, revoked or expired token
is refused with 401 even when a session cookie is also sent. Failed token attempts are counted per
client address; past ``API_TOKEN_FAILURE_LIMIT`` inside the window every token attempt from that
address is refused with 429 until the window ends, so tokens cannot be guessed by brute force.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from taolun.accounts.services import token_authenticate
from taolun.core import ratelimit
from taolun.core.middleware import client_ip

TOKEN_FAILURE_SCOPE = "api-token"  # noqa: S105 (a rate-limit counter name, not a secret)
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TokenThrottled(Throttled):
    def __init__(self, wait: int) -> None:
        super().__init__(wait=wait)
        self.message = _("令牌验证失败次数过多，请 %(minutes)d 分钟后再试。") % {"minutes": max(1, wait // 60)}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer tl_…`` with a personal token created on the profile page (or by the signed-in
    browser through POST /api/tokens)."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header) or ""
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        ip = client_ip(request) or "-"
        window = settings.API_TOKEN_FAILURE_WINDOW_SECONDS
        if ratelimit.hits(TOKEN_FAILURE_SCOPE, ip) >= settings.API_TOKEN_FAILURE_LIMIT:
            raise TokenThrottled(wait=window)
        user = token_authenticate(token)
        if user is None:
            ratelimit.hit(TOKEN_FAILURE_SCOPE, ip, window_seconds=window)
            raise AuthenticationError(
                message=_("令牌无效、已吊销或已过期：请登录后在个人资料页的“API 令牌”中创建新令牌。")
            )
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token (``X-CSRFToken``) as elsewhere.

    With ``refuse_tokens`` the session alone is accepted, for operations a token must not perform
    (creating tokens: otherwise a token could mint tokens that outlive it). A request presenting a
    bearer token is then refused outright, even with a session cookie beside it.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *, refuse_tokens: bool = False) -> None:
        super().__init__(csrf=True)
        self.refuse_tokens = refuse_tokens

    def __call__(self, request: HttpRequest) -> Any:
        if self.refuse_tokens:
            scheme, _sep, _raw = (request.headers.get("Authorization") or "").partition(" ")
            if scheme.lower() == "bearer":
                raise HttpError(
                    403,
                    _(
                        "令牌不能用来创建新令牌：请在已登录的浏览器中创建"
                        "（个人资料页的“API 令牌”，或用浏览器会话附 X-CSRFToken 调用本接口）。"
                    ),
                )
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if request.method in UNSAFE_METHODS and not exempt and check_csrf(request) is not None:
            raise HttpError(
                403,
                _("CSRF 校验失败：使用浏览器会话调用接口时，请在 X-CSRFToken 请求头中附上 csrftoken Cookie 的值。"),
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - __call__ decides
        return None


token_auth = TokenAuth()
session_auth = SessionAuth()
browser_session_only = SessionAuth(refuse_tokens=True)
