"""Roster pages: upload → background check with a polled progress → preview → confirm → background
import → result; the blank template; export per unit.

The heavy work runs in Celery (``orgs.tasks``, through ``roster_jobs``); these views only start it
and show the job, which only its uploader or an office covering its unit may see (404 otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import Role
from taolun.accounts.selectors import covers, scope_paths

from .models import RosterImportJob, Unit
from .roster import XLSX_CONTENT_TYPE, roster_export, roster_template
from .roster_format import COLUMNS, PEOPLE, UNITS
from .roster_jobs import roster_job_confirm, roster_job_create
from .roster_jobs_read import job_is_active, job_progress, roster_jobs_recent, roster_jobs_visible_to
from .roster_match import IMPORT_ROLES, may_import_roster

STATUS_TARGET = "roster-job-status"


def _unit_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=64, help_text=help_text)


class UnitChoiceMixin:
    """The unit, given by its code; blank means the top level, for those whose scope is everything."""

    perm = ""
    user: Any

    def clean_unit(self) -> Unit | None:
        code = (self.cleaned_data.get("unit") or "").strip()  # type: ignore[attr-defined]
        if not code:
            if covers(self.user, [Role.ADMIN, Role.OFFICE], ""):
                return None
            raise forms.ValidationError(_("请填写单位代码。"))
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("没有代码为“%(code)s”的单位。") % {"code": code})
        if not self.user.has_perm(self.perm, unit):
            raise forms.ValidationError(_("您没有权限操作“%(unit)s”的名册。") % {"unit": unit.name})
        return unit


class RosterUploadForm(UnitChoiceMixin, forms.Form):
    perm = "orgs.import_roster"
    unit = _unit_field(
        gettext_lazy("导入到单位（单位代码）"),
        gettext_lazy("文件中“上级单位代码”留空的单位将挂在这个单位之下；留空表示顶级（仅限全局办公室）。"),
    )
    file = forms.FileField(label=gettext_lazy("名册文件"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        mb = settings.ROSTER_MAX_UPLOAD_BYTES / 1048576
        self.fields["file"].help_text = _(".xlsx 工作簿或 .csv 文件，不超过 %(mb).0f MB。") % {"mb": mb}
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in {".xlsx", ".csv"}:
            raise forms.ValidationError(_("只能上传 .xlsx 或 .csv 文件；旧版 .xls 请在 Excel/WPS 中另存为 .xlsx。"))
        if upload.size > settings.ROSTER_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件过大（%(size).1f MB），上限为 %(limit).1f MB：请拆成几个文件分别导入。")
                % {"size": upload.size / 1048576, "limit": settings.ROSTER_MAX_UPLOAD_BYTES / 1048576}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


class RosterExportForm(UnitChoiceMixin, forms.Form):
    perm = "orgs.export_roster"
    unit = _unit_field(gettext_lazy("导出单位（单位代码）"), gettext_lazy("导出该单位及其全部下级单位和人员。"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_unit(self) -> Unit | None:
        unit = super().clean_unit()
        if unit is None:
            raise forms.ValidationError(_("请填写单位代码。"))
        return unit


def _my_units(user: Any) -> list[Unit]:
    """The top units of the user's import scope, for the quick links on the page."""
    paths = scope_paths(user, IMPORT_ROLES)
    if "" in paths:
        return list(Unit.objects.filter(parent__isnull=True).order_by("sort_order", "name")[:50])
    return list(Unit.objects.filter(path__in=paths).order_by("path")[:50])


def _job_context(request: HttpRequest, job: RosterImportJob, **extra: Any) -> dict[str, Any]:
    return {
        "job": job,
        "active": job_is_active(job),
        "progress": job_progress(job),
        "may_confirm": may_import_roster(request.user, job.unit),
        "unit_headers": [c.header for c in COLUMNS[UNITS]],
        "person_headers": [c.header for c in COLUMNS[PEOPLE]],
        **extra,
    }


def _visible_job(request: HttpRequest, pk: int) -> RosterImportJob:
    jobs = roster_jobs_visible_to(request.user).select_related("unit", "created_by", "confirmed_by")
    return get_object_or_404(jobs, pk=pk)


@login_required
@permission_required("orgs.browse_units", raise_exception=True)
@require_http_methods(["GET", "POST"])
def roster_import_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = _my_units(user)
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = roster_job_create(upload=upload, filename=upload.name, under=form.cleaned_data["unit"], by=user)  # type: ignore[arg-type]
            return redirect("orgs:roster_job", pk=job.pk)
    else:
        initial = {"unit": request.GET.get("unit", "")}
        if not initial["unit"]:
            initial["unit"] = mine[0].code if len(mine) == 1 else ""
        form = RosterUploadForm(initial=initial, user=user)
    context = {"form": form, "my_units": mine, "jobs": roster_jobs_recent(user)}
    return render(request, "orgs/roster_import.html", context)


@login_required
@permission_required("orgs.browse_units", raise_exception=True)
@require_GET
def roster_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The job: its progress while work is under way (polled by htmx), then the preview or the result."""
    job = _visible_job(request, pk)
    context = _job_context(request, job)
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == STATUS_TARGET:
        response = render(request, "orgs/_roster_job_status.html", context)
        if not context["active"]:
            response["HX-Refresh"] = "true"  # the step has ended: show the whole page with its report
        return response
    return render(request, "orgs/roster_job.html", context)


@login_required
@permission_required("orgs.browse_units", raise_exception=True)
@require_POST
def roster_job_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    try:
        roster_job_confirm(job=job, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        return render(request, "orgs/roster_job.html", _job_context(request, job, refused=exc.messages), status=400)
    return redirect("orgs:roster_job", pk=job.pk)


@login_required
def roster_template_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(roster_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    return response


@login_required
@permission_required("orgs.browse_units", raise_exception=True)
@require_http_methods(["GET", "POST"])
def roster_export_view(request: HttpRequest) -> HttpResponse:
    """GET shows the export form (never a download: exports are logged); POST sends the workbook."""
    user = request.user
    if request.method == "POST":
        form = RosterExportForm(request.POST, user=user)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            data = roster_export(root=unit, by=user)  # type: ignore[arg-type]
            response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = f'attachment; filename="roster-{unit.code}.xlsx"'
            return response
    else:
        form = RosterExportForm(initial={"unit": request.GET.get("unit", "")}, user=user)
    return render(request, "orgs/roster_export.html", {"form": form, "my_units": _my_units(user)})
