"""Problem ledger pages (being written)."""

from django.http import Http404, HttpRequest, HttpResponse


def problem_create(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def problem_detail(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def problem_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def problem_move(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def problem_public(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def problem_history(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def measure_add(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def measure_edit(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def measure_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def measure_progress(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def evidence_add(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def evidence_file(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def evidence_delete(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def extension_request(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


def extension_decide(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404
