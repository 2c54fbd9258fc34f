"""The product's URLs plus the baselines of the discussion benchmark.

``/bench-hello/`` returns a constant through the same gunicorn workers, middleware and settings as the
discussion's pages, so the ratio of a page's throughput to hello's is what the page itself costs.
``/bench-cached/`` returns HTML the benchmark stored in the cache beforehand (a copy of the theme page):
one cache read per request, what a full-page cache for visitors who are not signed in would cost.
Neither is part of the product.
"""

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from taolun.urls import urlpatterns as product_urlpatterns

CACHED_PAGE_KEY = "bench:discussion:cached-page"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello")


def cached_page(request: HttpRequest) -> HttpResponse:
    body = cache.get(CACHED_PAGE_KEY)
    if body is None:
        raise Http404("nothing stored")
    return HttpResponse(body)


urlpatterns = [
    path("bench-hello/", hello, name="bench_hello"),
    path("bench-cached/", cached_page, name="bench_cached"),
    *product_urlpatterns,
]
