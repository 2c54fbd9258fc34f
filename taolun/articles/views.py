"""The author's pages of a reflection article (心得体会文章), and the article page everyone who may see it shares.

Thin: check the rule, call a selector or a service, render. An article the viewer may not see answers 404,
the same as one that does not exist, so ids cannot be probed; one they see but may not change, 403.
Every change is a POST through :mod:`taolun.articles.services` (which checks the call and audits it);
a refusal is shown next to the field it names and changes nothing.

The draft saves itself: the edit form posts to ``article_autosave`` through htmx a few seconds after
typing stops and gets back a one-line status; saves in one sitting fold into one draft revision.
"""

from __future__ import annotations

import difflib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from taolun.accounts.models import User
from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Theme
from taolun.core.history import Piece, entries_of, referenced_names, text_diff, versions
from taolun.core.http import is_htmx, refusal
from taolun.core.pagination import paginate
from taolun.core.text import join_list
from taolun.problems.rules import own_person

from . import selectors, services
from .forms import ArticleForm, UploadForm
from .http import load_article
from .models import SCORED, Article, ArticleRevision, ArticleStatus, ReviewAction
from .views_review import panel_context

# Viewers who get the reviewer's panel on the article page (written by the review pages).
PANEL_PERMS = (
    "articles.review_article",
    "articles.view_check",
    "articles.assign_reviewer",
    "articles.publish_article",
)
# A changed block of paragraphs is diffed character by character only up to this size (characters of the
# old block × the new one), and one page only up to the budget; beyond, a block shows as deleted and
# inserted whole (difflib is quadratic: a whole 20 000-character article takes seconds).
CHAR_DIFF_LIMIT = 2_000_000
CHAR_DIFF_BUDGET = 20_000_000


def by(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def article_data(article: Article) -> dict[str, Any]:
    """The article as posted data: the edit form bound to what is saved, to show a refusal on its fields."""
    return {
        "title": article.title,
        "body": article.body,
        "themes": [str(pk) for pk in article.themes.values_list("pk", flat=True)],
        "consent_public": article.consent_public,
    }


# --- the author's landing page and the start -----------------------------------------------------


def _mine_context(request: HttpRequest, form: ArticleForm | None = None) -> dict[str, Any]:
    """The call of the requested campaign, the viewer's article in it, and why they cannot write one."""
    campaign = requested_campaign(request)
    person = own_person(request.user)
    context: dict[str, Any] = {"campaign": campaign, "person": person, "article": None, "form": None, "reason": ""}
    if campaign is None:
        context["reason"] = _("目前没有进行中的大讨论。")
        return context
    call = selectors.call_of(campaign)
    context.update(call=call, deadline_passed=timezone.now() > call.deadline)
    if person is None:
        context["reason"] = _(
            "您的账号没有关联名册中的人员，无需撰写心得体会文章。如您是党员干部，请联系所在单位的联络员。"
        )
        return context
    article = selectors.article_of(campaign, person)
    if article is not None:
        context["article"] = article
        return context
    if not request.user.has_perm("articles.add_article", person):
        context["reason"] = _("心得体会文章由在册的党员干部撰写；您在名册中不是党员或干部，无需撰写。")
    elif not person.unit.path.startswith(campaign.root_unit.path):
        context["reason"] = _("您所在的单位不在“%(title)s”的范围内，无需撰写本次的心得体会文章。") % {
            "title": campaign.title
        }
    else:
        context["form"] = form or ArticleForm(campaign=campaign)
    return context


@login_required
def my_article(request: HttpRequest) -> HttpResponse:
    """The campaign's call for articles (deadline, length) and the viewer's article, or the form to start it."""
    return render(request, "articles/mine.html", _mine_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def article_start(request: HttpRequest) -> HttpResponse:
    """Start the viewer's article for the campaign (one per person): a draft, then the edit page."""
    if request.method == "GET":
        return redirect("articles:mine")
    campaign = requested_campaign(request)
    person = own_person(request.user)
    if campaign is None:
        messages.warning(request, _("目前没有进行中的大讨论。"))
        return redirect("articles:mine")
    if person is None or not request.user.has_perm("articles.add_article", person):
        raise PermissionDenied(_("心得体会文章由在册的党员干部本人撰写。"))
    form = ArticleForm(request.POST, campaign=campaign)
    if form.is_valid():
        try:
            article = services.article_start(campaign=campaign, author=person, by=by(request), **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("已创建草稿，写作中会自动保存。"))
            return redirect("articles:edit", pk=article.pk)
    context = _mine_context(request, form)
    if context["article"] is not None:
        # Started already (another tab, a double click): the landing page shows that article.
        messages.warning(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(f"{reverse('articles:mine')}?campaign={campaign.slug}")
    return render(request, "articles/mine.html", context, status=400)


# --- writing --------------------------------------------------------------------------------------


def _edit_page(
    request: HttpRequest,
    article: Article,
    form: ArticleForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
    submit_failed: bool = False,
) -> HttpResponse:
    call = selectors.call_of(article.campaign)
    context = {
        "article": article,
        "campaign": article.campaign,
        "call": call,
        "form": form or ArticleForm(campaign=article.campaign, article=article),
        "upload_form": upload_form or UploadForm(),
        "deadline_passed": article.status == ArticleStatus.DRAFT and timezone.now() > call.deadline,
        "return_review": _latest_return(article) if article.status == ArticleStatus.RETURNED else None,
        "submit_failed": submit_failed,
    }
    return render(request, "articles/form.html", context, status=status)


def _latest_return(article: Article) -> Any:
    return selectors.reviews_of(article).filter(action=ReviewAction.RETURN).first()


def _not_editable(request: HttpRequest, article: Article) -> HttpResponse:
    messages.warning(request, _("文章%(status)s，不能再修改。") % {"status": article.get_status_display()})
    return redirect("articles:detail", pk=article.pk)


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the draft (or the returned article): the text, the themes, the consent; upload, submit."""
    article = load_article(request, pk, "articles.change_article")
    if not article.is_editable:
        return _not_editable(request, article)
    if request.method == "GET":
        return _edit_page(request, article)
    form = ArticleForm(request.POST, campaign=article.campaign)
    if form.is_valid():
        try:
            services.article_save(article=article, by=by(request), **form.service_fields())
        except (ValidationError, PermissionDenied) as exc:
            form.show_errors(exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("articles:edit", pk=article.pk)
    return _edit_page(request, article, form=form, status=400)


@login_required
@require_POST
def article_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft as typed and answer with the one-line status the edit page shows.

    htmx swaps only successful answers, so a refusal comes back as 200 to an htmx request (400 otherwise);
    either way nothing was saved.
    """
    article = load_article(request, pk, "articles.change_article")
    errors: list[str] = []
    if not article.is_editable:
        errors = [_("文章%(status)s，不能再修改。") % {"status": article.get_status_display()}]
    else:
        form = ArticleForm(request.POST, campaign=article.campaign)
        if form.is_valid():
            try:
                article = services.article_save(article=article, by=by(request), **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                form.show_errors(exc)
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "articles/_author_autosave.html", {"article": article, "errors": errors}, status=status)


@login_required
@require_POST
def article_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the draft's text with that of a .txt or .docx file; a file that cannot be read changes nothing."""
    article = load_article(request, pk, "articles.change_article")
    if not article.is_editable:
        return _not_editable(request, article)
    upload_form = UploadForm(request.POST, request.FILES)
    if upload_form.is_valid():
        try:
            article = services.article_save(
                article=article, by=by(request), title=article.title, body=upload_form.cleaned_data["text"]
            )
        except (ValidationError, PermissionDenied) as exc:
            upload_form.show_errors(exc)
        else:
            messages.success(
                request,
                _("已用文件“%(name)s”的内容替换正文（%(n)s 字），请核对后保存或提交。")
                % {"name": upload_form.cleaned_data["name"], "n": article.chars},
            )
            return redirect("articles:edit", pk=article.pk)
    return _edit_page(request, article, upload_form=upload_form, status=400)


@login_required
@require_POST
def article_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand in the saved text; a refusal (deadline passed, too short, no title) is shown on the edit page."""
    article = load_article(request, pk, "articles.change_article")
    if not article.is_editable:
        return _not_editable(request, article)
    try:
        services.article_submit(article=article, by=by(request))
    except (ValidationError, PermissionDenied) as exc:
        form = ArticleForm(article_data(article), campaign=article.campaign)
        form.is_valid()
        form.show_errors(exc)
        return _edit_page(request, article, form=form, status=400, submit_failed=True)
    messages.success(request, _("文章已提交，等待审阅。截止时间前、审阅前仍可撤回修改。"))
    return redirect("articles:detail", pk=article.pk)


@login_required
@require_POST
def article_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a submitted article back to the draft (before it is reviewed and before the deadline)."""
    article = load_article(request, pk, "articles.change_article")
    try:
        services.article_withdraw(article=article, by=by(request))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
        return redirect("articles:detail", pk=article.pk)
    messages.success(request, _("已撤回，文章回到草稿，修改后请重新提交。"))
    return redirect("articles:edit", pk=article.pk)


@login_required
@require_POST
def article_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """The author gives or withdraws consent to publication on the public site."""
    article = load_article(request, pk, "articles.change_article")
    consent = request.POST.get("consent", "") in ("1", "on", "true")
    try:
        article = services.article_set_consent(article=article, by=by(request), consent=consent)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
    else:
        if article.consent_public:
            messages.success(request, _("已同意公开：如被评为优秀，本文可在公开网站刊发。"))
        else:
            messages.success(request, _("已撤回公开同意，本文不会在公开网站刊发。"))
    return redirect("articles:detail", pk=article.pk)


# --- the article page -----------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """The text's non-empty lines, trimmed: the paragraphs a page shows (the public page's too)."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def detail_context(request: HttpRequest, article: Article, **forms: Any) -> dict[str, Any]:
    """What ``detail.html`` reads: the text, status, themes, scores once approved, the review comments for
    the author and the reviewers, and for those who review, assign or publish, the panel's context."""
    user = request.user
    call = selectors.call_of(article.campaign)
    is_author = user.has_perm("articles.change_article", article)
    show_panel = any(user.has_perm(perm, article) for perm in PANEL_PERMS)
    reviews = list(selectors.reviews_of(article)) if is_author or show_panel else []
    return_review = next((r for r in reviews if r.action == ReviewAction.RETURN), None)
    context = {
        "article": article,
        "call": call,
        "themes": list(article.themes.order_by("order", "id")),
        "paragraphs": paragraphs(article.body),
        "is_author": is_author,
        "can_edit": is_author and article.is_editable,
        "can_withdraw": is_author and article.status == ArticleStatus.SUBMITTED,
        "show_scores": article.status in SCORED and article.score is not None,
        "reviews": reviews,
        "return_review": return_review if article.status == ArticleStatus.RETURNED else None,
        "show_panel": show_panel,
    }
    if show_panel:
        context.update(panel_context(request, article, **forms))
    return context


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The article's page, shared by its author, its reviewer, the office, liaisons and publicity staff."""
    article = load_article(request, pk)
    return render(request, "articles/detail.html", detail_context(request, article))


# --- revisions and history ------------------------------------------------------------------------


@login_required
def article_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every kept version of the text: number, kind (draft or submission), length, when saved."""
    article = load_article(request, pk)
    page, base = paginate(request, selectors.revisions_of(article))
    return render(
        request,
        "articles/revisions.html",
        {"article": article, "page_obj": page, "querystring_base": base, "revisions": list(page.object_list)},
    )


def _lines(text: str) -> list[str]:
    """``text`` cut into paragraphs, each with its line break (the last without one)."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def revision_diff(before: str, after: str) -> list[Piece]:
    """``before`` → ``after`` paragraph by paragraph, and character by character inside changed paragraphs.

    The paragraphs that stayed the same are matched first, and only the changed runs between them are
    diffed finely (within ``CHAR_DIFF_LIMIT`` and ``CHAR_DIFF_BUDGET``).
    """
    old, new = _lines(before), _lines(after)
    pieces: list[Piece] = []
    budget = CHAR_DIFF_BUDGET
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        old_text, new_text = "".join(old[a1:a2]), "".join(new[b1:b2])
        cost = len(old_text) * len(new_text)
        if op == "equal":
            pieces.append(Piece("equal", new_text))
        elif cost <= min(CHAR_DIFF_LIMIT, budget):
            budget -= cost
            pieces.extend(text_diff(old_text, new_text))
        else:
            pieces.extend(p for p in (Piece("delete", old_text), Piece("insert", new_text)) if p.text)
    return [p for p in pieces if p.text]


@login_required
def article_revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One revision's text, marked against the revision before it."""
    article = load_article(request, pk)
    revision = ArticleRevision.objects.select_related("created_by").filter(article=article, number=number).first()
    if revision is None:
        raise Http404
    previous = (
        ArticleRevision.objects.filter(article=article, number__lt=number)
        .only("number", "kind", "title", "body", "chars", "saved_at")
        .order_by("-number")
        .first()
    )
    context = {
        "article": article,
        "revision": revision,
        "previous": previous,
        "diff": revision_diff(previous.body, revision.body) if previous is not None else None,
        "paragraphs": paragraphs(revision.body),
    }
    return render(request, "articles/revision.html", context)


HISTORY_LABELS: dict[str, Any] = {f.name: f.verbose_name for f in Article._meta.get_fields() if isinstance(f, Field)}
NAMED: dict[str, tuple[Any, str]] = {
    "themes": (Theme, "title"),
    "reviewer": (User, "display_name"),
}


@login_required
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The article's audit entries, oldest first: saves, moves between statuses, assignment, consent."""
    article = load_article(request, pk)
    entries = list(entries_of(article))
    names = referenced_names(entries, NAMED)
    statuses = dict(ArticleStatus.choices)

    def show(name: str, value: Any) -> Any:
        if value is None or value == "":
            return None
        if name == "themes" and isinstance(value, list):
            return join_list(names["themes"].get(v, v) for v in value) or "—"
        if name in NAMED:
            return names[name].get(value, value) or value
        if name == "status":
            return statuses.get(value, value)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return value

    shown = versions(entries, HISTORY_LABELS, show)
    for version in shown:
        version.changes = [c for c in version.changes if c.before != c.after]
    return render(request, "articles/history.html", {"article": article, "versions": shown})
