"""Downloads of an activity: the attendance sheet (签到表, .xlsx) and the record of the meeting (.pdf).

An activity the viewer may not see is answered 404; the attendance sheet, which holds phone numbers,
also needs the right to change the activity (403 for an invitee). Nothing is kept by caches.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from taolun.core.http import no_store
from taolun.orgs.selectors import pii_checker

from .exports import PDF_CONTENT_TYPE, XLSX_CONTENT_TYPE, attendance_workbook
from .models import Activity
from .record_pdf import record_pdf as build_record_pdf
from .views import load_activity

UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _download(data: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    """``filename`` (Chinese allowed) in RFC 5987 form, characters no file system takes replaced;
    ``fallback`` (ASCII) for clients that do not read ``filename*``."""
    name = UNSAFE_IN_NAMES.sub("_", filename).strip(" .") or fallback
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return no_store(response)


def _stem(activity: Activity) -> str:
    return activity.title[:80]


@login_required
@require_GET
def attendance_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    data = attendance_workbook(activity, unmasked_check=pii_checker(request.user))
    filename = _("签到表-%(title)s.xlsx") % {"title": _stem(activity)}
    return _download(data, XLSX_CONTENT_TYPE, filename, f"attendance-{activity.pk}.xlsx")


@login_required
@require_GET
def record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.view_activity")
    filename = _("会议记录-%(title)s.pdf") % {"title": _stem(activity)}
    return _download(build_record_pdf(activity), PDF_CONTENT_TYPE, filename, f"record-{activity.pk}.pdf")
