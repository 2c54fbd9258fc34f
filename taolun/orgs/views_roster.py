"""Roster pages: upload → preview (a dry run) → confirm; the blank template; export per unit.

An uploaded file waits in a private folder (``MEDIA_ROOT/roster-uploads/<token>``, never served by
URL) until its uploader confirms it, and is deleted after the import or after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import Role
from taolun.accounts.selectors import covers, scope_paths

from .models import Unit
from .roster import XLSX_CONTENT_TYPE, ImportReport, roster_export, roster_import, roster_template
from .roster_format import COLUMNS, PEOPLE, UNITS

UPLOAD_DIR = "roster-uploads"
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
IMPORT_ROLES = [Role.ADMIN, Role.OFFICE, Role.LIAISON]


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def purge_uploads(max_age: int = UPLOAD_MAX_AGE_SECONDS) -> int:
    """Delete uploads older than ``max_age`` seconds; returns how many files went."""
    folder = upload_dir()
    if not folder.is_dir():
        return 0
    cutoff = time.time() - max_age
    removed = 0
    for item in folder.iterdir():
        if item.is_file() and item.stat().st_mtime < cutoff:
            item.unlink(missing_ok=True)
            removed += 1
    return removed


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


def _save_upload(upload: Any, *, user: Any, unit: Unit | None) -> str:
    folder = upload_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    with (folder / token).open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    meta = {"user": user.pk, "unit": unit.pk if unit else None, "filename": Path(upload.name).name[:200]}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def _load_upload(token: str, user: Any) -> tuple[Path, dict[str, Any]]:
    """The saved file and its details, only for the user who uploaded it (anything else: 404)."""
    if not TOKEN_RE.match(token or ""):
        raise Http404
    folder = upload_dir()
    path, meta_path = folder / token, folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    if meta.get("user") != user.pk or not path.is_file():
        raise Http404
    if path.stat().st_mtime < time.time() - UPLOAD_MAX_AGE_SECONDS:
        raise Http404
    return path, meta


def _delete_upload(token: str) -> None:
    folder = upload_dir()
    (folder / token).unlink(missing_ok=True)
    (folder / f"{token}.json").unlink(missing_ok=True)


def _preview(request: HttpRequest, report: ImportReport, *, token: str, unit: Unit | None, status: int = 200) -> Any:
    context = {
        "report": report,
        "token": token,
        "unit": unit,
        "unit_headers": [c.header for c in COLUMNS[UNITS]],
        "person_headers": [c.header for c in COLUMNS[PEOPLE]],
    }
    return render(request, "orgs/roster_preview.html", context, status=status)


@permission_required("orgs.browse_units", raise_exception=True)
@require_http_methods(["GET", "POST"])
def roster_import_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            purge_uploads()
            unit = form.cleaned_data["unit"]
            token = _save_upload(form.cleaned_data["file"], user=user, unit=unit)
            path, meta = _load_upload(token, user)
            report = roster_import(path=path, filename=meta["filename"], under=unit, by=user, dry_run=True)  # type: ignore[arg-type]
            if not report.ok:
                _delete_upload(token)  # nothing to confirm: the office fixes the file and uploads again
                token = ""
            return _preview(request, report, token=token, unit=unit)
    else:
        initial = {"unit": request.GET.get("unit", "")}
        if not initial["unit"]:
            mine = _my_units(user)
            initial["unit"] = mine[0].code if len(mine) == 1 else ""
        form = RosterUploadForm(initial=initial, user=user)
    return render(request, "orgs/roster_import.html", {"form": form, "my_units": _my_units(user)})


@permission_required("orgs.browse_units", raise_exception=True)
@require_POST
def roster_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    path, meta = _load_upload(token, request.user)
    unit = Unit.objects.filter(pk=meta["unit"]).first() if meta["unit"] else None
    if meta["unit"] and unit is None:
        raise Http404
    report = roster_import(path=path, filename=meta["filename"], under=unit, by=request.user)  # type: ignore[arg-type]
    if not report.ok:
        return _preview(request, report, token=token, unit=unit, status=400)
    _delete_upload(token)
    messages.success(
        request,
        _("名册“%(file)s”已导入：新建单位 %(uc)s 个、更新 %(uu)s 个；新建人员 %(pc)s 人、更新 %(pu)s 人。")
        % {
            "file": meta["filename"],
            "uc": report.units.created,
            "uu": report.units.updated,
            "pc": report.people.created,
            "pu": report.people.updated,
        },
    )
    return redirect("orgs:roster_import")


@login_required
def roster_template_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(roster_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx"
    return response


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
