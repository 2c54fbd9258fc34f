"""The Excel ledger (台账) pages: export of any filtered ledger, the all-or-nothing import, the blank template.

The export reads the ledger page's filters from the query string and writes what the viewer may see
(``problems_visible_to``), like the page; as the activities' exports, it is not audited. The import
checks the whole file and either shows each bad row or writes everything; a successful import
redirects (a reload must not import the file twice) to a page that shows its summary once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from rules.contrib.views import permission_required

from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import campaigns_visible_to, current_campaign
from taolun.core.forms import PlainSelect
from taolun.core.http import no_store
from taolun.core.paths import paths_q
from taolun.orgs.models import Unit

from .forms_ledger import ledger_filter_from
from .imports import LedgerImportReport, ledger_import
from .ledger_read import max_rows, max_upload_bytes
from .ledger_xlsx import XLSX_CONTENT_TYPE, ledger_filename, ledger_template, ledger_workbook
from .selectors import filter_problems, ledger_paths, ledger_problems

RESULT_KEY = "problems_import_result"
UNIT_CHOICES_LIMIT = 500
UNSAFE_IN_NAMES = '\\/:*?"<>|'


def download(data: bytes, filename: str, fallback: str) -> HttpResponse:
    """``filename`` (Chinese allowed) in RFC 5987 form, with an ASCII ``fallback`` for old clients."""
    name = "".join("_" if c in UNSAFE_IN_NAMES or ord(c) < 32 else c for c in filename).strip(" .") or fallback
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return no_store(response)


# —— export ——


@login_required
@permission_required("problems.browse_ledger", raise_exception=True)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The ledger as filtered on its page, as the 整改台账 workbook."""
    today = timezone.localdate()
    campaign = requested_campaign(request)
    if campaign is None:
        raise Http404
    # The very filters of the ledger page, read by the same form: the export holds what the page lists.
    form, f = ledger_filter_from(request.GET, user=request.user, campaign=campaign)
    if f is None:
        problems = "；".join(
            f"{form.fields[name].label if name in form.fields else name}：{' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(
            _("筛选条件有误，请在问题清单页面修改后再导出。") + problems, content_type="text/plain; charset=utf-8"
        )
    qs = filter_problems(ledger_problems(request.user, campaign), f, today=today)
    data = ledger_workbook(qs, campaign=campaign, unit=f.unit, today=today)
    return download(data, ledger_filename(campaign, f.unit, today), f"ledger-{today:%Y%m%d}.xlsx")


@login_required
@permission_required("problems.browse_ledger", raise_exception=True)
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    return download(ledger_template(), _("问题清单整改台账导入模板.xlsx"), "ledger-template.xlsx")


# —— import ——


def import_units(user: Any) -> list[Unit]:
    """The units the viewer may import into (the upper levels first when there are very many)."""
    units = Unit.objects.filter(paths_q("path", ledger_paths(user)), is_active=True).order_by("depth", "path")
    return sorted(units[:UNIT_CHOICES_LIMIT], key=lambda u: u.path)


class LedgerImportForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("导入到大讨论活动"), queryset=Campaign.objects.none(), to_field_name="slug"
    )
    unit = forms.IntegerField(
        label=gettext_lazy("导入到单位"),
        widget=PlainSelect,
        help_text=gettext_lazy("台账中的责任单位须是这个单位或其下级单位。"),
    )
    file = forms.FileField(label=gettext_lazy("台账文件"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅检查，不写入"),
        required=False,
        help_text=gettext_lazy("先检查整个文件并列出错误，确认无误后再取消勾选正式导入。"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_visible_to(user).order_by("-start_date", "-id")  # type: ignore[attr-defined]
        units = import_units(user)
        base = min((u.depth for u in units), default=0)
        self.fields["unit"].widget.choices = [(u.pk, "　" * (u.depth - base) + u.name) for u in units]  # type: ignore[attr-defined]
        self.fields["file"].help_text = _(".xlsx 工作簿，不超过 %(mb).0f MB、%(rows)s 行。") % {
            "mb": max_upload_bytes() / 1048576,
            "rows": max_rows(),
        }
        self.fields["file"].widget.attrs["accept"] = ".xlsx"

    def clean_unit(self) -> Unit:
        unit = Unit.objects.filter(pk=self.cleaned_data["unit"], is_active=True).first()
        if unit is None:
            raise forms.ValidationError(_("没有这个单位。"))
        return unit

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        campaign, unit = data.get("campaign"), data.get("unit")
        if campaign is not None and unit is not None and not unit.path.startswith(campaign.root_unit.path):
            self.add_error("unit", _("“%(unit)s”不在这次大讨论的范围内。") % {"unit": unit.name})
        return data


def _ledger_url(campaign: Campaign, unit: Unit) -> str:
    return reverse("problems:ledger") + "?" + urlencode({"campaign": campaign.slug, "unit": unit.pk})


@login_required
@permission_required("problems.browse_ledger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_ledger(request: HttpRequest) -> HttpResponse:
    """GET: the upload form (and, once, the summary of the import just written). POST: check, then write or report."""
    user = request.user
    report: LedgerImportReport | None = None
    if request.method == "POST":
        form = LedgerImportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            campaign, unit = form.cleaned_data["campaign"], form.cleaned_data["unit"]
            if not user.has_perm("problems.import_ledger", unit):
                raise PermissionDenied(_("您没有权限向“%(unit)s”导入台账。") % {"unit": unit.name})
            upload = form.cleaned_data["file"]
            try:
                report = ledger_import(
                    file_obj=upload,
                    filename=(upload.name or "")[:200],
                    campaign=campaign,
                    unit=unit,
                    by=user,  # type: ignore[arg-type]
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if report.written:
                    request.session[RESULT_KEY] = {
                        "filename": report.filename,
                        "problems": report.problems,
                        "measures": report.measures,
                        "statuses": report.status_counts(),
                        "unit": unit.name,
                        "ledger_url": _ledger_url(campaign, unit),
                    }
                    return redirect("problems:import")
        context = {"form": form, "report": report}
        return render(request, "problems/import.html", context)
    initial: dict[str, Any] = {}
    campaign = current_campaign(viewer=user)
    if campaign is not None:
        initial["campaign"] = campaign.slug
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = LedgerImportForm(initial=initial, user=user)
    context = {"form": form, "report": None, "result": request.session.pop(RESULT_KEY, None)}
    return render(request, "problems/import.html", context)
