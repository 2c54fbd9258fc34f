"""The public ledger (整改公开台账) as JSON, for anyone, without signing in.

It holds what the public page (``problems:public``) shows and nothing more: the closed problems the
office chose to publish, of a campaign that is not a draft, with only the fields the operator chose
(``PROBLEMS_PUBLIC_FIELDS``). No person's name is part of it whatever the setting says: the shapes
below have no field for one. The response is the same for every reader, so it may be cached briefly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from ninja import Query, Router

from taolun.campaigns.selectors import published_campaigns
from taolun.problems import selectors
from taolun.problems.models import Problem

from ..schemas.common import FieldErrors, Message, PageParams
from ..schemas.problems import PublicProblemPage
from .activities import _page
from .research import _unit

router = Router(tags=["problems"])

PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may keep a page of the public ledger (as the public page)


def _ref(item: Any) -> dict[str, Any] | None:
    return None if item is None else {"id": item.pk, "key": item.key, "title": item.title}


# Each field the operator may publish, and what it shows. A chosen field not named here is never published.
SHAPES: dict[str, Callable[[Problem], dict[str, Any]]] = {
    "number": lambda p: {"number": p.number},
    "content": lambda p: {"content": p.content},
    "unit": lambda p: {"unit": _unit(p.unit)},
    "source": lambda p: {"source": p.source, "source_label": str(p.get_source_display())},
    "category": lambda p: {"category": _ref(p.category)},
    "theme": lambda p: {"theme": _ref(p.theme)},
    "deadline": lambda p: {"deadline": p.deadline},
    "measures": lambda p: {"measures": [measure.content for measure in p.measures.all()]},
    "result": lambda p: {"result": p.result},
    "closed_at": lambda p: {"closed_at": p.closed_at},
}


def _public(problem: Problem, fields: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in fields:
        row.update(SHAPES[name](problem))
    return row


# Docstrings are the operations' descriptions on /api/docs.
@router.get(
    "/problems/public/{campaign_slug}",
    auth=None,
    response={200: PublicProblemPage, 400: FieldErrors, 404: Message},
    exclude_unset=True,
    summary="公开台账",
)
def public_ledger(
    request: HttpRequest, campaign_slug: str, paging: Query[PageParams], response: HttpResponse
) -> dict[str, Any]:
    """无需登录：一次大讨论中已核验销号、并由办公室决定公开的问题，按销号时间从近到远。
    只含公开的字段（fields 列出；其余字段不出现），不含任何人的姓名。大讨论不存在或尚未发布时返回 404。
    响应对所有人相同，可缓存 5 分钟。"""
    campaign = published_campaigns().filter(slug=campaign_slug).first()
    if campaign is None:
        raise Http404
    fields = [name for name in selectors.public_fields() if name in SHAPES]
    qs = selectors.public_ledger(campaign)
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Accept-Language",))
    return {
        **_page(total, paging, [_public(problem, fields) for problem in rows]),
        "campaign": campaign.slug,
        "fields": fields,
    }
