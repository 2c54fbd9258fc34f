"""Problem ledger pages (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def export(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def import_ledger(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def template(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
