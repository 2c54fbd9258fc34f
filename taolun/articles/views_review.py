"""The reviewer's and the publicity staff's article pages (the office's are in ``views_office``).

- the reviewer's queue, and the copy check of one article side by side with its sources;
- the review panel on the article's page: return, approve with scores, excellent, assignment, publishing
  (each a POST to a thin view that calls the service and goes back to the article; a refusal re-renders
  the article's page with the bound form, the error next to its field);
- the publicity staff's queue of excellent articles.

An article the viewer may not see answers 404, the same as one that does not exist; one they see but
may not act on, 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import User
from taolun.campaigns.http import requested_campaign
from taolun.core.http import is_htmx, safe_next
from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors

from . import selectors, services
from .forms_review import (
    ApproveForm,
    AssignForm,
    ExcellentForm,
    PublishForm,
    ReturnForm,
    UnexcellentForm,
    UnpublishForm,
)
from .http import load_article
from .models import ASSIGNABLE, Article, ArticleStatus

S = ArticleStatus
SOURCES_SHOWN = 10  # sources laid out side by side on the check page
CHECK_POLL_SECONDS = 3


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
        "checking": article.check_pending,
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
            return redirect(safe_next(request, request.POST.get("next"), f"{article.get_absolute_url()}#review-panel"))
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
    running = article.check_pending
    if is_htmx(request, "check-status") and not running:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    check = None if running else selectors.latest_check(article)
    context: dict[str, Any] = {
        "article": article,
        "check": check,
        "running": running,
        "poll_seconds": CHECK_POLL_SECONDS,
    }
    if check is not None:
        context.update(
            overview=selectors.all_copied_pieces(check),
            sources=selectors.check_view(check, limit=SOURCES_SHOWN),
            source_count=len(check.matches),
            shown=SOURCES_SHOWN,
        )
    return render(request, "articles/check.html", context)


# --- the office's list -------------------------------------------------------------------------------


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
