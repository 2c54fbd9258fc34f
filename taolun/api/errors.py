"""Error responses a person can act on.

Every error body has a ``detail``: a sentence (401, 403, 404, 429), or, for input that does not
validate (400), a list of ``{"field": …, "message": …}`` naming each field to fix. Pydantic's
schema errors and the services' Django ``ValidationError`` come out in the same shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

BODY = "body"


class FieldError(Exception):
    """Input that refers to something the viewer cannot use (e.g. a parent unit outside their scope)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if not parts:
        return BODY
    source, rest = parts[0], parts[1:]
    if source == BODY:
        # ("body", "<parameter>", "phone"): the parameter's name means nothing to the caller.
        rest = rest[1:]
        return ".".join(rest) or BODY
    return ".".join(rest) or source


def _schema_message(error: dict[str, Any], field: str) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if field == BODY and kind in {"missing", "model_attributes_type", "dict_type", "model_type"}:
        return _('请求体应为 JSON 对象，例如 {"name": "…"}。')
    messages = {
        "missing": _("缺少必填字段“%(field)s”。"),
        "null_forbidden": _("“%(field)s”不能为 null：不修改就不要传这个字段。"),
        "extra_forbidden": _("未知字段“%(field)s”：请删除它或核对拼写。"),
        "string_type": _("“%(field)s”应为字符串。"),
        "int_type": _("“%(field)s”应为整数。"),
        "int_parsing": _("“%(field)s”应为整数。"),
        "int_from_float": _("“%(field)s”应为整数。"),
        "bool_type": _("“%(field)s”应为 true 或 false。"),
        "bool_parsing": _("“%(field)s”应为 true 或 false。"),
        "list_type": _('“%(field)s”应为列表，例如 ["a", "b"]。'),
        "datetime_type": _("“%(field)s”应为 ISO 8601 时间，例如 2030-12-31T18:00:00+08:00。"),
        "datetime_parsing": _("“%(field)s”应为 ISO 8601 时间，例如 2030-12-31T18:00:00+08:00。"),
        "datetime_from_date_parsing": _("“%(field)s”应为 ISO 8601 时间，例如 2030-12-31T18:00:00+08:00。"),
        "timezone_aware": _("“%(field)s”需带时区，例如 2030-12-31T18:00:00+08:00。"),
        "string_too_short": _("“%(field)s”不能为空。"),
        "string_too_long": _("“%(field)s”最多 %(max_length)s 个字符。"),
        "greater_than_equal": _("“%(field)s”不能小于 %(ge)s。"),
        "less_than_equal": _("“%(field)s”不能大于 %(le)s。"),
        "enum": _("“%(field)s”的取值应为：%(expected)s。"),
        "literal_error": _("“%(field)s”的取值应为：%(expected)s。"),
    }
    template = messages.get(kind)
    if template is None:
        return _("“%(field)s”不正确：%(error)s") % {"field": field, "error": error.get("msg", "")}
    return template % {"field": field, **{k: v for k, v in ctx.items() if isinstance(v, str | int | float)}}


def field_errors(request: HttpRequest, api: NinjaAPI, errors: list[dict[str, str]]) -> HttpResponse:
    return api.create_response(request, {"detail": errors}, status=400)


def register(api: NinjaAPI) -> None:
    """Install the handlers on ``api``; the most specific class wins (ninja looks up the MRO)."""

    def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        errors = []
        for error in exc.errors:
            field = _field_name(error.get("loc", ()))
            errors.append({"field": field, "message": _schema_message(error, field)})
        return field_errors(request, api, errors)

    def on_django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        by_field = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        errors = [{"field": field, "message": message} for field, messages in by_field.items() for message in messages]
        return field_errors(request, api, errors)

    def on_field_error(request: HttpRequest, exc: FieldError) -> HttpResponse:
        return field_errors(request, api, [{"field": exc.field, "message": exc.message}])

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or _("您没有权限执行此操作。")
        return api.create_response(request, {"detail": message}, status=403)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = _("未找到：对象不存在，或不在您的可见范围内。")
        return api.create_response(request, {"detail": message}, status=404)

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = exc.message
        if message == "Unauthorized":  # ninja's default: no credentials at all
            message = _("请先登录，或在 Authorization 请求头中提供个人令牌：Bearer tl_…")
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="taolun"'
        return response

    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = api.create_response(request, {"detail": exc.message}, status=429)
        if exc.wait is not None:
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, json.JSONDecodeError):
            message = _("请求体不是有效的 JSON（第 %(line)d 行第 %(column)d 列：%(error)s）。") % {
                "line": cause.lineno,
                "column": cause.colno,
                "error": cause.msg,
            }
            return field_errors(request, api, [{"field": BODY, "message": message}])
        if isinstance(cause, UnicodeDecodeError):
            return field_errors(request, api, [{"field": BODY, "message": _("请求体应为 UTF-8 编码的 JSON。")}])
        return api.create_response(request, {"detail": exc.message}, status=exc.status_code)

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (SchemaValidationError, on_schema_error),
        (DjangoValidationError, on_django_validation_error),
        (FieldError, on_field_error),
        (PermissionDenied, on_permission_denied),
        (Http404, on_not_found),
        (ObjectDoesNotExist, on_not_found),
        (AuthenticationError, on_authentication_error),
        (Throttled, on_throttled),
        (HttpError, on_http_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
