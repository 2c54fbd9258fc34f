"""The signed-in user (/me) and their personal API tokens."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status

from taolun.accounts import services
from taolun.accounts.models import ApiToken
from taolun.accounts.selectors import role_assignments_of, tokens_of
from taolun.orgs.selectors import person_of, person_row, pii_checker

from ..auth import browser_session_only
from ..schemas.accounts import MeOut, TokenCreatedOut, TokenCreateIn, TokenOut
from ..schemas.common import FieldErrors, Message

router = Router(tags=["accounts"])


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "is_usable": token.is_usable,
    }


@router.get("/me", response={200: MeOut, 401: Message}, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    """当前用户、角色及其负责范围，以及关联的人员信息。"""
    user = request.auth  # type: ignore[attr-defined]
    roles = [
        {
            "role": assignment.role,
            "label": str(assignment.get_role_display()),
            "unit": (
                {"id": assignment.unit.pk, "name": assignment.unit.name, "code": assignment.unit.code}
                if assignment.unit is not None
                else None
            ),
        }
        for assignment in role_assignments_of(user)
    ]
    person = person_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.get_full_name(),
        "email": user.email,
        "roles": roles,
        "person": person_row(person, unmasked=pii_checker(user)(person)) if person is not None else None,
    }


@router.get("/tokens", response={200: list[TokenOut], 401: Message}, summary="我的令牌")
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    """您未吊销的个人令牌（不含令牌本身）。"""
    return [_token_out(token) for token in tokens_of(request.auth)]  # type: ignore[attr-defined]


@router.post(
    "/tokens",
    auth=browser_session_only,
    response={201: TokenCreatedOut, 400: FieldErrors, 401: Message, 403: Message},
    summary="创建令牌",
)
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status[dict[str, Any]]:
    """创建个人令牌。只接受已登录的浏览器会话（附 X-CSRFToken）：带令牌的请求返回 403，令牌不能再创建令牌。
    完整令牌只在此响应中出现一次，服务器只保存其摘要。"""
    token, raw = services.token_create(user=request.auth, name=payload.name, expires_at=payload.expires_at)  # type: ignore[attr-defined]
    return Status(201, {**_token_out(token), "token": raw})


@router.delete(
    "/tokens/{int:token_id}", response={204: None, 401: Message, 403: Message, 404: Message}, summary="吊销令牌"
)
def token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    """吊销您自己的一个令牌；别人的令牌与不存在的一样返回 404。"""
    user = request.auth  # type: ignore[attr-defined]
    token = tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    services.token_revoke(token=token, by=user)
    return Status(204, None)
