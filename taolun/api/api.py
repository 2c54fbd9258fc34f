"""The JSON API: one router per app, all calling the same services and selectors as the UI."""

from __future__ import annotations

from ninja import NinjaAPI, Swagger
from ninja.operation import Operation
from ninja.renderers import JSONRenderer

from . import errors
from .auth import session_auth, token_auth
from .routers import accounts, activities, activity_records, articles, campaigns, discussion, orgs, problems, research


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text stays readable in responses instead of ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


class TaolunAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Short operation ids (``unit_list``) instead of the module path: they appear in URLs on /api/docs."""
        return operation.view_func.__name__


DESCRIPTION = """讨论 Taolun 大讨论平台接口。

**认证**：个人令牌（请求头 `Authorization: Bearer tl_…`，登录后在个人资料页创建），
或已登录的浏览器会话（修改类请求需在 `X-CSRFToken` 请求头中附上 csrftoken Cookie 的值）。
创建令牌（`POST /api/tokens`）只接受浏览器会话：令牌不能再创建令牌；查看和吊销两种方式都可以。
同一地址令牌验证失败过多时返回 429。

**范围**：每个接口只返回您负责范围内的数据；范围外的对象与不存在的一样返回 404，无法通过猜测编号探知。
手机号、身份证号按角色掩码，与页面一致。

**错误**：`{"detail": "说明"}`；输入有误时为 400 与
`{"detail": [{"field": "字段", "message": "如何修改"}]}`。
"""

api = TaolunAPI(
    title="Taolun API",
    version="1",
    description=DESCRIPTION,
    auth=[token_auth, session_auth],
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    # The bundled Swagger UI served from our own static files; no online validator.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
errors.register(api)
api.add_router("", accounts.router)
api.add_router("", orgs.router)
api.add_router("", campaigns.router)
api.add_router("", activities.router)
api.add_router("", activity_records.router)
api.add_router("", research.router)
api.add_router("", problems.router)
api.add_router("", articles.router)
api.add_router("", discussion.router)
