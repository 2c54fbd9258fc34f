"""The signed-in user and their personal tokens."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import AwareDatetime

from taolun.accounts.models import Role

from .common import Input, UnitRef
from .orgs import PersonOut


class RoleOut(Schema):
    role: Role
    label: str
    unit: UnitRef | None = Field(description="负责范围：该单位及其全部下级；null 表示全部范围。")


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    roles: list[RoleOut]
    person: PersonOut | None = Field(description="与本账号关联的人员信息（本人可见完整手机号）。")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头几位，便于辨认；完整令牌只在创建时显示一次。")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    is_usable: bool = Field(description="未吊销且未过期。")


class TokenCreateIn(Input):
    name: str = Field(max_length=60, description="用途，例如“数据同步”。")
    expires_at: AwareDatetime | None = Field(None, description="过期时间（ISO 8601，带时区）；不填为长期有效。")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="完整令牌，只显示这一次：请立即保存。用法：Authorization: Bearer <token>")
