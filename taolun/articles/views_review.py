"""Placeholder views, replaced as the pages are written."""

from django.http import HttpRequest, HttpResponse


def review_queue(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_check(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_review(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_assign(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_export(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def call_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def recheck(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def recheck_status(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def assign_all(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def publish_queue(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_publish(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)
