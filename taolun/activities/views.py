"""Being written."""
from django.http import Http404



def activity_create(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def activity_detail(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def activity_edit(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def activity_list(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def attendance_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def calendar_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def checkin_screen(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def checkin_screen_code(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def checkin_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def invitation_remove_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def invite_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def leave_decide_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def leave_request_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def my_activities(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def participants_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def status_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404


def training_coverage_view(request, **kwargs):  # type: ignore[no-untyped-def]
    raise Http404
