from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths

from . import selectors, services
from .forms import AuditFilterForm
from .pagination import paginate, paginate_uncounted


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page, base = paginate(request, selectors.notifications_for(request.user))
    return render(request, "core/notification_list.html", {"page_obj": page, "querystring_base": base})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    posted = request.POST.getlist("id")
    # No ids posted: mark all read. Ids posted: only those (invalid ones are ignored, never "all").
    ids = None if not posted else [int(i) for i in posted if i.isdigit()]
    services.notification_mark_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    return redirect("core:notification_list")


@login_required
@permission_required("core.view_audit", raise_exception=True)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_entries(
        scope_paths=scope_paths(request.user, [Role.ADMIN, Role.OFFICE]),
        action=filters.get("action", ""),
        actor=filters.get("actor", ""),
        q=filters.get("q", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    ).select_related(None)
    page, base = paginate_uncounted(request, entries)
    template = "core/_audit_rows.html" if request.htmx else "core/audit_list.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page_obj": page, "querystring_base": base})
