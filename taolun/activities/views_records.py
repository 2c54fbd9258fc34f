"""Being written."""
from django.http import Http404



def attachment_delete_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def attachment_file(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def attachment_thumb(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def attachment_upload(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def inspection_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def minutes_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def opinion_add_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def opinion_delete_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def speech_delete_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def speech_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404
