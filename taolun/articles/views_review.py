"""The reviewer's, the office's and the publicity staff's article pages.

- the reviewer's queue, and the copy check of one article side by side with its sources;
- the review panel on the article's page: return, approve with scores, excellent, assignment, publishing
  (each a POST to a thin view that calls the service and goes back to the article; a refusal re-renders
  the article's page with the bound form, the error next to its field);
- the office's list of a campaign's articles by repetition ratio, its export, the call, the bulk re-check;
- the publicity staff's queue of excellent articles.

An article the viewer may not see answers 404, the same as one that does not exist; one they see but
may not act on, 403.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from rules.contrib.views import permission_required

from taolun.accounts.models import User
from taolun.accounts.selectors import scope_paths
from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.core.http import is_htmx
from taolun.core.pagination import paginate
from taolun.core.xlsx import text_cell
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Unit
from taolun.problems.views_io import download

from . import checks, selectors, services
from .forms_review import (
    ApproveForm,
    ArticleFilterForm,
    AssignForm,
    CallForm,
    ExcellentForm,
    PublishForm,
    ReturnForm,
    UnexcellentForm,
    UnpublishForm,
)
from .models import Article, ArticleStatus, CheckResult, RecheckRun, RecheckStatus

S = ArticleStatus
SOURCES_SHOWN = 10  # sources laid out side by side on the check page
CHECK_POLL_SECONDS = 3
ASSIGNABLE = (S.DRAFT, S.SUBMITTED, S.RETURNED)
SCORED = (S.APPROVED, S.EXCELLENT, S.PUBLISHED)


def load_article(request: HttpRequest, pk: int, perm: str = "articles.view_article") -> Article:
    """The article if the viewer may see it (404 otherwise), and 403 if they may see it but not ``perm``."""
    article = Article.objects.select_related("unit", "author", "reviewer", "campaign__root_unit").filter(pk=pk).first()
    user = request.user
    if article is None or not user.has_perm("articles.view_article", article):
        raise Http404
    if perm != "articles.view_article" and not user.has_perm(perm, article):
        raise PermissionDenied(_("您没有权限执行这一操作。"))
    return article


def check_running(article: Article, check: CheckResult | None) -> bool:
    """The submission's copy check has not come back yet (none at all, or only one of an earlier submission)."""
    if not article.is_handed_in or article.submitted_at is None:
        return False
    return check is None or check.checked_at < article.submitted_at


def _candidates(article: Article) -> QuerySet[User]:
    return User.objects.filter(pk__in=services.reviewer_candidates(article)).order_by("display_name", "username")


# --- the review panel on the article's page ----------------------------------------------------------


def panel_context(request: HttpRequest, article: Article, **forms: Form) -> dict[str, Any]:
    """What ``_review_panel.html`` shows this viewer; bound forms with errors replace the empty ones."""
    user = request.user
    call = selectors.call_of(article.campaign)
    can_review = user.has_perm("articles.review_article", article)
    can_assign = user.has_perm("articles.assign_reviewer", article) and article.status in ASSIGNABLE
    status = article.status
    panel: dict[str, Any] = {
        "call": call,
        "can_check": user.has_perm("articles.view_check", article),
        "checking": article.is_handed_in and article.checked_at is None,
        "can_decide": can_review and status == S.SUBMITTED,
        "can_excellent": can_review and status == S.APPROVED,
        "can_unexcellent": can_review and status == S.EXCELLENT,
        "can_assign": can_assign,
        "can_publish": user.has_perm("articles.publish_article", article),
    }
    if panel["can_decide"]:
        panel["return_form"] = forms.get("return_form") or ReturnForm()
        panel["approve_form"] = forms.get("approve_form") or ApproveForm(call=call)
    if panel["can_excellent"]:
        panel["excellent_form"] = forms.get("excellent_form") or ExcellentForm()
    if panel["can_unexcellent"]:
        panel["unexcellent_form"] = forms.get("unexcellent_form") or UnexcellentForm()
    if can_assign:
        initial = {"reviewer": article.reviewer_id} if article.reviewer_id else None
        panel["assign_form"] = forms.get("assign_form") or AssignForm(candidates=_candidates(article), initial=initial)
    if panel["can_publish"] and status == S.EXCELLENT:
        panel["publish_form"] = forms.get("publish_form") or PublishForm()
    if panel["can_publish"] and status == S.PUBLISHED:
        panel["unpublish_form"] = forms.get("unpublish_form") or UnpublishForm()
    # A refused form the panel does not show (the article moved on meanwhile): its errors go on top.
    panel["refusals"] = [
        str(message) for key, form in forms.items() if key not in panel for message in _messages_of(form)
    ]
    flags = ("can_check", "can_decide", "can_excellent", "can_unexcellent", "can_assign", "can_publish")
    panel["any"] = any(panel[k] for k in flags)
    return {"panel": panel}


def _messages_of(form: Form) -> list[Any]:
    return [message for errors in form.errors.values() for message in errors]


def detail_page(request: HttpRequest, article: Article, *, status: int = 200, **forms: Form) -> HttpResponse:
    """The article's page with the review panel; after a refusal, with the bound form and its errors."""
    from .views import detail_context  # the author's pages import this module's panel

    return render(request, "articles/detail.html", detail_context(request, article, **forms), status=status)


def _act(
    request: HttpRequest, article: Article, key: str, form: Form, do: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    """Run ``do`` with the valid form's data (it returns the message) and go back to the article; otherwise
    show the article again with the form's errors (the service's refusal next to its field), nothing changed."""
    if form.is_valid():
        try:
            message = do(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            target = request.POST.get("next", "")
            if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                return redirect(target)
            return redirect(f"{article.get_absolute_url()}#review-panel")
    return detail_page(request, article, status=400, **{key: form})


@login_required
@require_http_methods(["GET", "POST"])
def article_review(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the review panel (an htmx partial) or the article's page with it. POST ``action``: return,
    approve, excellent or unexcellent."""
    if request.method == "GET":
        article = load_article(request, pk)
        context = panel_context(request, article)
        if not context["panel"]["any"]:
            raise PermissionDenied(_("您没有权限审阅这篇文章。"))
        if is_htmx(request):
            return render(request, "articles/_review_panel.html", {"article": article, **context})
        return detail_page(request, article)
    article = load_article(request, pk, "articles.review_article")
    user: Any = request.user
    action = request.POST.get("action", "")
    if action == "return":

        def do_return(data: dict[str, Any]) -> str:
            services.article_return(article=article, by=user, comment=data["comment"])
            return _("已退回修改，并通知了作者。")

        return _act(request, article, "return_form", ReturnForm(request.POST), do_return)
    if action == "approve":

        def do_approve(data: dict[str, Any]) -> str:
            done = services.article_approve(
                article=article,
                by=user,
                thought=data["thought_score"],
                practice=data["practice_score"],
                suggestions=data["suggestions_score"],
                comment=data["comment"],
            )
            return _("已审核通过，得分 %(score)s。") % {"score": done.score}

        form = ApproveForm(request.POST, call=selectors.call_of(article.campaign))
        return _act(request, article, "approve_form", form, do_approve)
    if action == "excellent":

        def do_excellent(data: dict[str, Any]) -> str:
            services.article_mark_excellent(article=article, by=user, comment=data["comment"])
            return _("已评为优秀。")

        return _act(request, article, "excellent_form", ExcellentForm(request.POST), do_excellent)
    if action == "unexcellent":

        def do_unexcellent(data: dict[str, Any]) -> str:
            services.article_unmark_excellent(article=article, by=user, reason=data["reason"])
            return _("已取消优秀。")

        return _act(request, article, "unexcellent_form", UnexcellentForm(request.POST), do_unexcellent)
    return HttpResponseBadRequest(_("未知的审阅操作。"), content_type="text/plain; charset=utf-8")


@login_required
@require_POST
def article_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """The office assigns the article's reviewer among those covering the author's unit."""
    article = load_article(request, pk, "articles.assign_reviewer")
    form = AssignForm(request.POST, candidates=_candidates(article))

    def do(data: dict[str, Any]) -> str:
        reviewer = form.chosen_reviewer()
        services.article_assign(article=article, by=request.user, reviewer=reviewer)  # type: ignore[arg-type]
        return _("已指定审阅人：%(name)s。") % {"name": reviewer}

    return _act(request, article, "assign_form", form, do)


@login_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publicity staff publish an excellent article (with its author's consent) or take it down."""
    article = load_article(request, pk, "articles.publish_article")
    user: Any = request.user
    action = request.POST.get("action", "")
    if action == "publish":

        def do_publish(data: dict[str, Any]) -> str:
            services.article_publish(article=article, by=user)
            return _("已发布到网站。")

        return _act(request, article, "publish_form", PublishForm(request.POST), do_publish)
    if action == "unpublish":

        def do_unpublish(data: dict[str, Any]) -> str:
            services.article_unpublish(article=article, by=user, reason=data["reason"])
            return _("已从网站撤下。")

        return _act(request, article, "unpublish_form", UnpublishForm(request.POST), do_unpublish)
    return HttpResponseBadRequest(_("未知的发布操作。"), content_type="text/plain; charset=utf-8")


# --- the reviewer's queue and the copy check --------------------------------------------------------


@login_required
@permission_required("articles.review_queue", raise_exception=True)
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """The articles assigned to the viewer: those waiting first."""
    campaign = requested_campaign(request)
    status = request.GET.get("status", "")
    if status not in S.values:
        status = ""
    page, base = paginate(request, selectors.review_queue(request.user, campaign, status))
    context = {
        "campaign": campaign,
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
        "status": status,
        "statuses": [(s, S(s).label) for s in (S.SUBMITTED, S.RETURNED, S.APPROVED, S.EXCELLENT, S.PUBLISHED)],
    }
    return render(request, "articles/review_queue.html", context)


@login_required
@require_GET
def article_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest copy check: the ratio, the article with every copied passage marked, and each source beside
    it. While the check runs the page polls (htmx) and reloads once the result is there."""
    article = load_article(request, pk, "articles.view_check")
    check = selectors.latest_check(article)
    running = check_running(article, check)
    if is_htmx(request, "check-status") and not running:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    context: dict[str, Any] = {
        "article": article,
        "check": None if running else check,
        "running": running,
        "poll_seconds": CHECK_POLL_SECONDS,
    }
    if check is not None and not running:
        context.update(
            overview=selectors.all_copied_pieces(check),
            sources=selectors.check_view(check, limit=SOURCES_SHOWN),
            source_count=len(check.matches),
            shown=SOURCES_SHOWN,
        )
    return render(request, "articles/check.html", context)


# --- the office's list -------------------------------------------------------------------------------


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


EXPORT_CHUNK = 1000
EXPORT_VALUES = (
    "pk",
    "title",
    "author__name",
    "unit__name",
    "status",
    "chars",
    "submitted_at",
    "ratio",
    "flagged",
    "thought_score",
    "practice_score",
    "suggestions_score",
    "score",
    "reviewer__display_name",
    "reviewer__username",
    "consent_public",
)


def articles_workbook(qs: QuerySet[Article], *, campaign: Campaign, today: dt.date) -> bytes:
    """The filtered list as a workbook: one row per article, a chunk of rows per query."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("心得体会文章"))
    headers = [
        _("序号"),
        _("标题"),
        _("作者"),
        _("所在单位"),
        _("状态"),
        _("字数"),
        _("提交时间"),
        _("重复率"),
        _("疑似抄袭"),
        _("思想认识"),
        _("实践感悟"),
        pgettext("article score", "意见建议"),
        _("总分"),
        _("审阅人"),
        _("同意公开"),
    ]
    ws.append([text_cell(ws, f"{campaign.short_title or campaign.title} {_('心得体会文章')} {today.isoformat()}")])
    ws.append(headers)
    labels = dict(S.choices)
    yes, no = _("是"), _("否")
    ids = list(qs.values_list("pk", flat=True))
    seq = 0
    for start in range(0, len(ids), EXPORT_CHUNK):
        batch = ids[start : start + EXPORT_CHUNK]
        rows = {row["pk"]: row for row in Article.objects.filter(pk__in=batch).values(*EXPORT_VALUES)}
        for pk in batch:
            row = rows.get(pk)
            if row is None:
                continue
            seq += 1
            submitted = timezone.localtime(row["submitted_at"]).replace(tzinfo=None) if row["submitted_at"] else None
            ws.append(
                [
                    seq,
                    text_cell(ws, row["title"]),
                    text_cell(ws, row["author__name"]),
                    text_cell(ws, row["unit__name"]),
                    str(labels.get(row["status"], row["status"])),
                    row["chars"],
                    submitted,
                    round(row["ratio"], 4) if row["ratio"] is not None else None,
                    yes if row["flagged"] else no,
                    row["thought_score"],
                    row["practice_score"],
                    row["suggestions_score"],
                    row["score"],
                    text_cell(ws, row["reviewer__display_name"] or row["reviewer__username"] or ""),
                    yes if row["consent_public"] else no,
                ]
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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


@login_required
@permission_required("articles.publish_queue", raise_exception=True)
@require_GET
def publish_queue(request: HttpRequest) -> HttpResponse:
    """Excellent and published articles in the viewer's scope, with the author's consent and the buttons."""
    campaign = requested_campaign(request)
    page, base = paginate(request, selectors.publish_queue(request.user, campaign).select_related("campaign"))
    context = {
        "campaign": campaign,
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
        "here": request.get_full_path(),
    }
    return render(request, "articles/publish_queue.html", context)
