"""Research topic pages (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def topic_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def my_topic(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def coverage(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_register(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_progress(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_report(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_decide(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def topic_history(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def update_file(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
