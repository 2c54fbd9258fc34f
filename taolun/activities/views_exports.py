"""Being written."""
from django.http import Http404



def attendance_xlsx(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def record_pdf(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404
