from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def _querystring_base(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    base = params.urlencode()
    return base + "&" if base else ""


def paginate(request: HttpRequest, queryset: Any, per_page: int | None = None) -> tuple[Page, str]:
    """The requested page (bad numbers fall back to the nearest page) and the query string without ``page``."""
    paginator = Paginator(queryset, per_page or settings.TAOLUN_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return page, _querystring_base(request)


class UncountedPaginator(Paginator):
    """Knows whether there is a next page without counting the whole table.

    For logs that grow without bound (the audit log): ``COUNT(*)`` over millions of rows on every
    page view costs more than the page itself. The template shows no page total for these.
    """

    counted = False

    def __init__(self, object_list: Any, per_page: int) -> None:
        super().__init__(object_list, per_page)
        self._has_next = False

    def validate_number(self, number: Any) -> int:
        try:
            value = int(number)
        except (TypeError, ValueError):
            return 1
        return max(value, 1)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        self._has_next = len(rows) > self.per_page
        return UncountedPage(rows[: self.per_page], number, self)

    def get_page(self, number: Any) -> Page:
        return self.page(number)


class UncountedPage(Page):
    def has_next(self) -> bool:
        return self.paginator._has_next  # type: ignore[attr-defined]

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


def paginate_uncounted(request: HttpRequest, queryset: Any, per_page: int | None = None) -> tuple[Page, str]:
    """Like :func:`paginate`, in one query per page and without a total."""
    paginator = UncountedPaginator(queryset, per_page or settings.TAOLUN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page")), _querystring_base(request)
