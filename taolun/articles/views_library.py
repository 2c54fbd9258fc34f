"""Placeholder views, replaced as the pages are written."""

from django.http import HttpRequest, HttpResponse


def collection_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def collection_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def collection_delete(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def reference_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def reference_delete(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)
