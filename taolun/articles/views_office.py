"""The office's article pages: a campaign's articles by repetition ratio with their export, the call for
articles, the bulk re-check with its progress, and assigning reviewers to the unassigned."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import User
from taolun.accounts.selectors import scope_paths
from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.core.http import is_htmx
from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Unit
from taolun.problems.views_io import download

from . import checks, selectors, services
from .exports import articles_workbook
from .forms_review import ArticleFilterForm, CallForm
from .models import Article, ArticleStatus, RecheckRun, RecheckStatus

S = ArticleStatus


def _list_scope(request: HttpRequest, campaign: Campaign | None) -> tuple[ArticleFilterForm, QuerySet[Article]]:
    """The filter form (read from the query string) and the articles of ``campaign`` the viewer may see."""
    user = request.user
    visible = selectors.articles_visible_to(user)
    visible = visible.none() if campaign is None else visible.filter(campaign=campaign)
    units = Unit.objects.within_paths(scope_paths(user, selectors.MANAGER_ROLES))
    if campaign is not None:
        units = units.filter(path__startswith=campaign.root_unit.path)
    reviewers = User.objects.filter(pk__in=visible.exclude(reviewer=None).values("reviewer_id"))
    form = ArticleFilterForm(request.GET or None, campaign=campaign, units=units, reviewers=reviewers)
    if form.is_bound and not form.is_valid():
        visible = visible.none()
    return form, visible


def _chosen_campaign(request: HttpRequest) -> str:
    """The ``campaign`` the page was asked for (empty: the viewer's current one)."""
    return request.GET.get("campaign", "") or request.POST.get("campaign", "")


def _list_url(request: HttpRequest) -> str:
    chosen = _chosen_campaign(request)
    url = reverse("articles:list")
    return f"{url}?{urlencode({'campaign': chosen})}" if chosen else url


def _recheck_context(request: HttpRequest, campaign: Campaign, run: RecheckRun | None) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "run": run,
        "active": run is not None and run.status in (RecheckStatus.QUEUED, RecheckStatus.RUNNING),
        "can_recheck": request.user.has_perm("articles.recheck", campaign),
        "chosen_campaign": _chosen_campaign(request),
    }


@login_required
@permission_required("articles.browse_articles", raise_exception=True)
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    """Every article of the campaign in the viewer's scope, by repetition ratio (highest first) or as chosen."""
    campaign = requested_campaign(request)
    form, visible = _list_scope(request, campaign)
    filters = form.filters()
    qs = selectors.filter_articles(visible, **filters)
    page, base = paginate(request, qs)
    # One grouped query: the count of each status (and of flagged articles) under every filter but the status.
    grouped = (
        selectors.filter_articles(visible, **{**filters, "status": ""})
        .order_by()
        .values("status")
        .annotate(n=Count("id"), flagged=Count("id", filter=Q(flagged=True)))
    )
    by_status = {row["status"]: (row["n"], row["flagged"]) for row in grouped}
    counts = [(s, label, by_status.get(s, (0, 0))[0]) for s, label in S.choices]
    user = request.user
    context: dict[str, Any] = {
        "form": form,
        "campaign": campaign,
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
        "counts": counts,
        "total": sum(n for _s, _l, n in counts),
        "flagged_total": sum(flagged for _n, flagged in by_status.values()),
        "status": filters["status"],
        "chosen_campaign": request.GET.get("campaign", ""),
        "can_call": campaign is not None and user.has_perm("articles.manage_call", campaign),
        "can_assign": campaign is not None and user.has_perm("articles.assign_reviewer", campaign),
        "call": selectors.call_of(campaign) if campaign is not None else None,
    }
    if campaign is not None and user.has_perm("articles.recheck", campaign):
        context["recheck"] = _recheck_context(request, campaign, selectors.latest_recheck(campaign))
    template = "articles/_list_rows.html" if is_htmx(request, "article-rows") else "articles/list.html"
    return render(request, template, context)


@login_required
@permission_required("articles.browse_articles", raise_exception=True)
@require_GET
def article_export(request: HttpRequest) -> HttpResponse:
    """The office list as filtered on its page, as a workbook (the same scope and filters)."""
    campaign = requested_campaign(request)
    if campaign is None:
        raise Http404
    form, visible = _list_scope(request, campaign)
    if form.is_bound and not form.is_valid():
        problems = "；".join(
            f"{form.fields[name].label if name in form.fields else name}：{' '.join(str(e) for e in errors)}"
            for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(
            _("筛选条件有误，请在文章列表页面修改后再导出。") + problems, content_type="text/plain; charset=utf-8"
        )
    today = timezone.localdate()
    data = articles_workbook(selectors.filter_articles(visible, **form.filters()), campaign=campaign, today=today)
    name = f"{campaign.short_title or campaign.title}{_('心得体会文章')}-{today:%Y%m%d}.xlsx"
    return download(data, name, f"articles-{today:%Y%m%d}.xlsx")


# --- the call, the bulk re-check, assigning the unassigned --------------------------------------------


def _office_campaign(request: HttpRequest, perm: str) -> Campaign:
    campaign = requested_campaign(request)
    if campaign is None:
        raise Http404
    if not request.user.has_perm(perm, campaign):
        raise PermissionDenied(_("您没有权限执行这一操作。"))
    return campaign


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest) -> HttpResponse:
    """The campaign's call for articles: deadline, length, threshold, reviewer assignment, scoring."""
    campaign = _office_campaign(request, "articles.manage_call")
    form = CallForm(request.POST or None, call=selectors.call_of(campaign))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(campaign=campaign, by=request.user, **form.service_fields())  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("征文要求已保存。"))
            return redirect(_list_url(request))
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "articles/call.html", {"form": form, "campaign": campaign}, status=status)


@login_required
@require_POST
def recheck(request: HttpRequest) -> HttpResponse:
    """Start re-checking every handed-in article of the campaign; the progress block shows how far it is."""
    campaign = _office_campaign(request, "articles.recheck")
    refused = ""
    try:
        checks.recheck_start(campaign=campaign, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        refused = " ".join(exc.messages)
    if is_htmx(request):
        context = _recheck_context(request, campaign, selectors.latest_recheck(campaign))
        return render(
            request, "articles/_recheck.html", {**context, "refused": refused}, status=400 if refused else 200
        )
    if refused:
        messages.error(request, refused)
    else:
        messages.success(request, _("已开始重新检测本次大讨论的全部文章。"))
    return redirect(_list_url(request))


@login_required
@require_GET
def recheck_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A re-check's progress (polled by htmx while it runs)."""
    run = get_object_or_404(RecheckRun.objects.select_related("campaign__root_unit"), pk=pk)
    if not request.user.has_perm("articles.recheck", run.campaign):
        raise Http404
    if not is_htmx(request):
        return redirect(f"{reverse('articles:list')}?{urlencode({'campaign': run.campaign.slug})}")
    return render(request, "articles/_recheck.html", _recheck_context(request, run.campaign, run))


@login_required
@require_POST
def assign_all(request: HttpRequest) -> HttpResponse:
    """Give a reviewer to every submitted article still without one (after reviewers were added)."""
    campaign = _office_campaign(request, "articles.assign_reviewer")
    count = services.assign_unassigned(campaign=campaign, by=request.user)  # type: ignore[arg-type]
    if count:
        messages.success(request, _("已为 %(n)s 篇文章分配审阅人。") % {"n": count})
    else:
        messages.info(request, _("没有可以分配审阅人的文章（或没有覆盖作者单位的审阅人）。"))
    return redirect(_list_url(request))


# --- publicity ---------------------------------------------------------------------------------------
