"""Being written."""

from django.http import Http404


def index(request, *args, **kwargs):
    raise Http404


def theme(request, *args, **kwargs):
    raise Http404


def theme_qr(request, *args, **kwargs):
    raise Http404


def suggestion(request, *args, **kwargs):
    raise Http404


def suggestion_qr(request, *args, **kwargs):
    raise Http404


def search(request, *args, **kwargs):
    raise Http404


def feed_suggestions(request, *args, **kwargs):
    raise Http404


def feed_replies(request, *args, **kwargs):
    raise Http404


def signup(request, *args, **kwargs):
    raise Http404


def send_code(request, *args, **kwargs):
    raise Http404


def suggestion_new(request, *args, **kwargs):
    raise Http404


def comment(request, *args, **kwargs):
    raise Http404


def vote(request, *args, **kwargs):
    raise Http404


def follow(request, *args, **kwargs):
    raise Http404


def report_suggestion(request, *args, **kwargs):
    raise Http404


def report_comment(request, *args, **kwargs):
    raise Http404


def rate(request, *args, **kwargs):
    raise Http404


def me(request, *args, **kwargs):
    raise Http404


def real_name(request, *args, **kwargs):
    raise Http404
