"""Shapes every router shares: errors and pages."""

from __future__ import annotations

from typing import Any, ClassVar

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

MAX_PAGE_SIZE = 200


class Input(Schema):
    """Request bodies refuse unknown fields, so a misspelt field is reported instead of ignored."""

    model_config = ConfigDict(extra="forbid")


class PatchInput(Input):
    """A partial update: only the fields sent change; ``null`` only where the field may be empty."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError("null_forbidden", "null is not allowed here")
        return value

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class Message(Schema):
    detail: str = Field(description="说明出了什么问题、如何处理。")


class FieldErrorOut(Schema):
    field: str = Field(description="出错的字段；__all__ 表示不属于某一字段，body 表示整个请求体。")
    message: str


class FieldErrors(Schema):
    detail: list[FieldErrorOut]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，1–{MAX_PAGE_SIZE}。")
    offset: int = Field(0, ge=0, description="跳过的条数。")


class PageOut(Schema):
    count: int = Field(description="符合条件的总条数。")
    limit: int
    offset: int


class UnitRef(Schema):
    id: int
    name: str
    code: str
