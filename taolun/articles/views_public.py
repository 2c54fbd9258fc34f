"""Placeholder views, replaced as the pages are written."""

from django.http import HttpRequest, HttpResponse


def public_current(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def public_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def public_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)
