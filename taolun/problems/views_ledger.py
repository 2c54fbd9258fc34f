"""Problem ledger pages (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def ledger(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def summary(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def mine(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def queue(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def public_current(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def public_ledger(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_exam_mine(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_exam_list(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def self_exam_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
