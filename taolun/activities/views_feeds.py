"""Being written."""
from django.http import Http404



def feed_manage(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def ical_feed(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404
