"""Placeholder views, replaced as the pages are written."""

from django.http import HttpRequest, HttpResponse


def my_article(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_start(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_autosave(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_upload(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_submit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_withdraw(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_consent(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_revisions(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_revision(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)


def article_history(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse(status=501)
