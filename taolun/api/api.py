"""The JSON API: one router per app, all calling the same services and selectors as the UI."""

from __future__ import annotations

from ninja import NinjaAPI

from .auth import session_auth, token_auth

api = NinjaAPI(
    title="Taolun API",
    version="1",
    description="讨论 Taolun 大讨论平台接口。认证：个人令牌（Authorization: Bearer tl_…）或浏览器会话。",
    auth=[token_auth, session_auth],
    urls_namespace="api",
)
