"""Campaign pages: the home page with the current campaign, the list, one campaign, creating one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import Role
from taolun.accounts.selectors import scope_paths
from taolun.core.pagination import paginate
from taolun.orgs.models import Unit

from . import selectors, services
from .forms import UPLOAD, CampaignCreateForm
from .models import Campaign


def home(request: HttpRequest) -> HttpResponse:
    campaign = selectors.current_campaign(viewer=request.user)
    if campaign is None:
        return render(request, "campaigns/no_campaign.html", {})
    page = selectors.campaign_page(selectors.with_detail(campaign), user=request.user)
    return render(request, "campaigns/home.html", {"page": page})


@login_required
@permission_required("campaigns.manage_campaigns", raise_exception=True)
def campaign_list(request: HttpRequest) -> HttpResponse:
    page, base = paginate(request, selectors.campaign_list(request.user))
    return render(request, "campaigns/list.html", {"page_obj": page, "querystring_base": base})


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = selectors.campaign_for_viewer(slug, request.user)
    page = selectors.campaign_page(campaign, user=request.user, with_rows=True)
    can_change = request.user.has_perm("campaigns.change_campaign", campaign)
    return render(request, "campaigns/detail.html", {"page": page, "can_change": can_change})


# Service error keys → form fields.
ERROR_FIELDS = {"root_unit": "root_unit", "slug": "slug", "title": "title", "end_date": "end_date"}


def _initial_root(user: Any) -> dict[str, str]:
    paths = [p for p in scope_paths(user, [Role.ADMIN, Role.OFFICE]) if p]
    if len(paths) != 1:
        return {}
    unit = Unit.objects.filter(path=paths[0]).only("code").first()
    return {"root_unit": unit.code} if unit else {}


@login_required
@permission_required("campaigns.manage_campaigns", raise_exception=True)
def campaign_create(request: HttpRequest) -> HttpResponse:
    # Uploading a new plan is for the whole organisation's office; others choose a plan already there.
    can_upload = request.user.has_perm("campaigns.load_plan")
    if request.method != "POST":
        form = CampaignCreateForm(initial=_initial_root(request.user), can_upload=can_upload)
        return render(request, "campaigns/create.html", {"form": form})
    form = CampaignCreateForm(request.POST, request.FILES, can_upload=can_upload)
    if form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_setup(
                **form.plan_arguments(),
                root_unit=data["root_unit"],
                slug=data["slug"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                title=data["title"] or None,
                activate=data["activate"],
                by=request.user,  # type: ignore[arg-type]
            )
        except PermissionDenied:
            form.add_error("root_unit", _("您只能在自己负责的单位范围内创建活动。"))
        except ValidationError as exc:
            source_field = "plan_file" if data["plan"] == UPLOAD else "plan"
            for key, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                field = source_field if key == "source" else ERROR_FIELDS.get(key or "")
                for error in errors:
                    form.add_error(field, error)
        else:
            messages.success(
                request,
                _("已按方案创建活动“%(title)s”（%(status)s）。")
                % {"title": campaign.title, "status": campaign.get_status_display()},
            )
            return redirect("campaigns:detail", slug=campaign.slug)
    return render(request, "campaigns/create.html", {"form": form})


def _move(request: HttpRequest, slug: str, service: Callable[..., Campaign], done: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("root_unit"), slug=slug)
    if not request.user.has_perm("campaigns.change_campaign", campaign):
        raise PermissionDenied
    try:
        service(campaign=campaign, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done % {"title": campaign.title})
    return redirect("campaigns:detail", slug=campaign.slug)


@login_required
@require_POST
def campaign_activate(request: HttpRequest, slug: str) -> HttpResponse:
    return _move(request, slug, services.campaign_activate, _("活动“%(title)s”已启动。"))


@login_required
@require_POST
def campaign_close(request: HttpRequest, slug: str) -> HttpResponse:
    return _move(request, slug, services.campaign_close, _("活动“%(title)s”已结束。"))
