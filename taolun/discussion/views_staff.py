"""Being written."""

from django.http import Http404


def moderation(request, *args, **kwargs):
    raise Http404


def moderate(request, *args, **kwargs):
    raise Http404


def participant(request, *args, **kwargs):
    raise Http404


def words(request, *args, **kwargs):
    raise Http404


def inbox(request, *args, **kwargs):
    raise Http404


def reply(request, *args, **kwargs):
    raise Http404


def route(request, *args, **kwargs):
    raise Http404


def office(request, *args, **kwargs):
    raise Http404


def forum_settings(request, *args, **kwargs):
    raise Http404


def import_offline(request, *args, **kwargs):
    raise Http404
