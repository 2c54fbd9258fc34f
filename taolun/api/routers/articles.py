"""Reflection articles (心得体会文章): write and submit one's own, review, publish, see the copy check, keep the
reference library, and the public list of published articles.

Who: the author writes, submits, withdraws and consents (``articles.change_article``); the assigned reviewer
and the office covering the author's unit review (``articles.review_article``) and see the copy check
(``articles.view_check``); the office assigns reviewers and re-checks a campaign; publicity staff covering
the unit publish excellent articles; the office and admins keep the reference library. An article the caller
may not see (``selectors.articles_visible_to``: their own, those assigned to them, their office or liaison
subtree, excellent ones in their publicity subtree) answers 404, the same as an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, FloatField, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile

from taolun.accounts.models import Role, User
from taolun.accounts.selectors import ALL, scope_paths
from taolun.articles import checks, references, selectors, services
from taolun.articles.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    CheckResult,
    RecheckRun,
    ReferenceCollection,
    ReferenceText,
)
from taolun.campaigns.http import campaign_named
from taolun.campaigns.models import Campaign, Theme
from taolun.campaigns.selectors import published_campaigns
from taolun.problems.rules import own_person

from ..errors import FieldError
from ..schemas.articles import (
    ApproveIn,
    ArticleDetailOut,
    ArticleFilters,
    ArticlePage,
    ArticlePatchIn,
    ArticleStartIn,
    AssignIn,
    CampaignParam,
    CheckOut,
    CollectionIn,
    CollectionOut,
    CollectionPage,
    CommentIn,
    ConsentIn,
    ExcellentIn,
    ImportErrorsOut,
    ImportOut,
    PublishedPage,
    ReasonIn,
    RecheckOut,
    ReferenceTextPage,
    RevisionDetailOut,
    RevisionPage,
    TextFilters,
)
from ..schemas.common import FieldErrors, Message, PageParams
from .activities import OBJECT_ERRORS, READ_ERRORS, WRITE_ERRORS, _filter_campaign, _page, _referenced_campaign
from .research import _fields_as, _filter_unit, _unit

router = Router(tags=["articles"])

ARTICLE = "/articles/{int:article_id}"
COLLECTION = "/articles/references/collections/{int:collection_id}"
# The services name the scores after the model's fields; the API after the plan's three dimensions.
SCORE_FIELDS = {"thought_score": "thought", "practice_score": "practice", "suggestions_score": "suggestions"}
# The database's one-article rule is said on the author; in a start request the caller names the campaign.
START_FIELDS = {"author": "campaign"}


# --- who and which article ---------------------------------------------------------------------
def _auth(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _visible(user: Any, pk: int) -> Article:
    article = (
        selectors.articles_visible_to(user)
        .select_related("author", "unit", "reviewer", "campaign__root_unit")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return article


def _reload(pk: int) -> Article:
    return Article.objects.select_related("author", "unit", "reviewer", "campaign__root_unit").get(pk=pk)


def _allowed(user: Any, perm: str, article: Article, message: str) -> None:
    if not user.has_perm(perm, article):
        raise PermissionDenied(message)


def _writer(request: HttpRequest, pk: int) -> tuple[Any, Article]:
    user = _auth(request)
    article = _visible(user, pk)
    _allowed(user, "articles.change_article", article, _("只有作者本人可以修改、提交、撤回文章或更改公开同意。"))
    return user, article


def _reviewer(request: HttpRequest, pk: int) -> tuple[Any, Article]:
    user = _auth(request)
    article = _visible(user, pk)
    _allowed(user, "articles.review_article", article, _("只有被分配的审阅人和负责作者单位的办公室可以审阅文章。"))
    return user, article


def _publisher(request: HttpRequest, pk: int) -> tuple[Any, Article]:
    user = _auth(request)
    article = _visible(user, pk)
    if not user.has_perm("articles.publish_article", article):
        if user.has_perm("articles.publish_queue") and article.status not in (
            ArticleStatus.EXCELLENT,
            ArticleStatus.PUBLISHED,
        ):
            raise ValidationError(_("只有评为优秀的文章可以在公开网站发布。"))
        raise PermissionDenied(_("只有负责作者单位的宣传人员和系统管理员可以发布或撤下文章。"))
    return user, article


def _guard_checks(user: Any, qs: QuerySet[Article], filters: ArticleFilters) -> QuerySet[Article]:
    """Filtering and sorting by the ratio only among the articles whose check the caller may see: a liaison
    must not learn which articles are flagged by asking for them."""
    if ALL in scope_paths(user, [Role.ADMIN, Role.OFFICE]):
        return qs
    cond = selectors.checks_visible_q(user)
    if filters.flagged is not None or filters.min_ratio is not None:
        qs = qs.filter(cond)
    if filters.sort in ("ratio", "-ratio"):
        seen = Case(When(cond, then=F("ratio")), default=Value(None), output_field=FloatField())
        qs = qs.annotate(seen_ratio=seen)
        key = F("seen_ratio").desc(nulls_last=True) if filters.sort == "ratio" else F("seen_ratio").asc(nulls_last=True)
        qs = qs.order_by(key, F("submitted_at").desc(nulls_last=True), "-id")
    return qs


def _campaign_of(user: Any, slug: str) -> Campaign:
    """``?campaign=<slug>`` as pages read it (``campaigns.http.campaign_named``); 404 when there is none."""
    campaign = campaign_named(user, slug)
    if campaign is None:
        raise Http404
    return campaign


def _themes(campaign: Campaign, ids: list[int]) -> list[Theme]:
    wanted = list(dict.fromkeys(ids))
    found = {theme.pk: theme for theme in campaign.themes.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise FieldError(
            "themes",
            _("本次大讨论没有编号为 %(ids)s 的讨论主题：请用大讨论详情中列出的主题编号。")
            % {"ids": ", ".join(str(pk) for pk in missing)},
        )
    return [found[pk] for pk in wanted]


# --- shapes -----------------------------------------------------------------------------------
def _user(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name()}


def _user_name(user: Any) -> str:
    return user.get_full_name() if user is not None else ""


def _row(user: Any, article: Article) -> dict[str, Any]:
    sees_check = user.has_perm("articles.view_check", article)
    return {
        "id": article.pk,
        "campaign": article.campaign.slug,
        "title": article.title,
        "author": {"id": article.author.pk, "name": article.author.name},
        "unit": _unit(article.unit),
        "status": article.status,
        "status_label": str(article.get_status_display()),
        "chars": article.chars,
        "reviewer": _user(article.reviewer),
        "submitted_at": article.submitted_at,
        "decided_at": article.decided_at,
        "published_at": article.published_at,
        "score": article.score,
        "ratio": article.ratio if sees_check else None,
        "flagged": article.flagged if sees_check else None,
        "updated_at": article.updated_at,
    }


def _detail(user: Any, article: Article) -> dict[str, Any]:
    call = selectors.call_of(article.campaign)
    is_author = user.has_perm("articles.change_article", article)
    can_review = user.has_perm("articles.review_article", article)
    can_check = user.has_perm("articles.view_check", article)
    reviews = None
    if is_author or can_review:
        reviews = [
            {
                "id": review.pk,
                "action": review.action,
                "action_label": str(review.get_action_display()),
                "comment": review.comment,
                "score": review.score,
                "reviewer": _user_name(review.reviewer),
                "revision": review.revision.number if review.revision else None,
                "created_at": review.created_at,
            }
            for review in selectors.reviews_of(article)
        ]
    return {
        **_row(user, article),
        "body": article.body,
        "themes": [{"id": t.pk, "key": t.key, "title": t.title} for t in article.themes.order_by("order", "id")],
        "consent_public": article.consent_public,
        "saved_at": article.saved_at,
        "thought_score": article.thought_score,
        "practice_score": article.practice_score,
        "suggestions_score": article.suggestions_score,
        "checked_at": article.checked_at if can_check else None,
        "call": {
            "deadline": call.deadline,
            "min_chars": call.min_chars,
            "max_chars": call.max_chars,
            "thought_max": call.thought_max,
            "practice_max": call.practice_max,
            "suggestions_max": call.suggestions_max,
        },
        "reviews": reviews,
        "can_change": is_author,
        "can_review": can_review,
        "can_view_check": can_check,
        "can_assign": user.has_perm("articles.assign_reviewer", article),
        "can_publish": user.has_perm("articles.publish_article", article),
    }


def _revision(revision: ArticleRevision, *, body: bool = False) -> dict[str, Any]:
    row = {
        "number": revision.number,
        "kind": revision.kind,
        "kind_label": str(revision.get_kind_display()),
        "title": revision.title,
        "chars": revision.chars,
        "created_at": revision.created_at,
        "saved_at": revision.saved_at,
        "created_by": _user_name(revision.created_by),
    }
    if body:
        row["body"] = revision.body
    return row


def _check(check: CheckResult) -> dict[str, Any]:
    return {
        "revision": check.revision.number,
        "ratio": check.ratio,
        "flagged": check.flagged,
        "threshold": check.threshold,
        "checked_at": check.checked_at,
        "compared": check.sources,
        "sources": [
            {
                "key": match["source"],
                "kind": match.get("kind", ""),
                "id": match.get("id", 0),
                "title": match.get("title", ""),
                "label": match.get("label", ""),
                "ratio": float(match.get("ratio", 0)),
                "spans": [list(span) for span in match.get("spans") or []],
            }
            for match in check.matches
        ],
    }


def _recheck(run: RecheckRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "campaign": run.campaign.slug,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "total": run.total,
        "done": run.done,
        "flagged": run.flagged,
        "percent": run.percent,
        "message": run.message,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def _collection(collection: ReferenceCollection) -> dict[str, Any]:
    return {
        "id": collection.pk,
        "name": collection.name,
        "description": collection.description,
        "text_count": getattr(collection, "text_count", 0) or 0,
        "char_count": getattr(collection, "char_count", 0) or 0,
        "created_at": collection.created_at,
    }


def _text(text: ReferenceText) -> dict[str, Any]:
    return {
        "id": text.pk,
        "title": text.title,
        "source_name": text.source_name,
        "chars": text.chars,
        "indexed": text.indexed,
        "imported_at": text.imported_at,
        "imported_by": _user_name(text.imported_by),
    }


# --- articles ---------------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get("/articles", response={200: ArticlePage, **READ_ERRORS}, summary="心得体会文章列表")
def article_list(request: HttpRequest, filters: Query[ArticleFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您可查看的文章：您本人的、分配给您审阅的、您作为办公室或联络员负责范围内的，以及（宣传人员）范围内的
    优秀和已发布文章。不含正文。重复率只对您可查看检测结果的文章给出。campaign 或 unit 指向不存在的对象时返回空页。"""
    user = _auth(request)
    campaign, campaign_ok = _filter_campaign(user, filters.campaign)
    unit, unit_ok = _filter_unit(filters.unit)
    qs = selectors.articles_visible_to(user) if campaign_ok and unit_ok else Article.objects.none()
    qs = selectors.filter_articles(
        qs,
        campaign=campaign,
        unit=unit,
        status=filters.status or "",
        flagged=filters.flagged,
        min_ratio=filters.min_ratio,
        q=filters.q,
        sort=filters.sort,
    )
    qs = _guard_checks(user, qs, filters).select_related("campaign")
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_row(user, article) for article in rows])


@router.get("/articles/mine", response={200: ArticleDetailOut, **OBJECT_ERRORS}, summary="我的心得体会文章")
def article_mine(request: HttpRequest, params: Query[CampaignParam]) -> dict[str, Any]:
    """您本人在一次大讨论中的文章（含正文、得分和审阅意见）；还没有开始撰写时返回 404。
    campaign 不传时为您当前的大讨论。"""
    user = _auth(request)
    campaign = _campaign_of(user, params.campaign)
    article = selectors.article_of(campaign, own_person(user))
    if article is None:
        raise Http404
    return _detail(user, _reload(article.pk))


@router.post("/articles", response={201: ArticleDetailOut, **WRITE_ERRORS}, summary="开始撰写心得体会文章")
def article_start(request: HttpRequest, payload: ArticleStartIn) -> Status[dict[str, Any]]:
    """开始撰写您本人的文章（草稿）。每人每次大讨论一篇：已有文章时返回 400（字段 campaign）。
    themes 为讨论主题的编号；正文字数上限见征文要求，超过时返回 400（字段 body）。"""
    user = _auth(request)
    person = own_person(user)
    if person is None or not user.has_perm("articles.write"):
        raise PermissionDenied(_("只有名册中的党员干部可以撰写心得体会文章：请联系联络员把您的账号关联到名册。"))
    campaign = _referenced_campaign(user, payload.campaign)
    themes = _themes(campaign, payload.themes)
    with _fields_as(START_FIELDS):
        article = services.article_start(
            campaign=campaign,
            author=person,
            by=user,
            title=payload.title,
            body=payload.body,
            themes=themes,
            consent_public=payload.consent_public,
        )
    return Status(201, _detail(user, _reload(article.pk)))


@router.get(ARTICLE, response={200: ArticleDetailOut, **OBJECT_ERRORS}, summary="心得体会文章详情")
def article_detail(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """一篇文章：正文、讨论主题、状态、审阅人和得分；审阅意见只给作者、审阅人和办公室，
    重复率只给可查看检测结果的用户。"""
    user = _auth(request)
    return _detail(user, _visible(user, article_id))


@router.patch(ARTICLE, response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="保存草稿")
def article_update(request: HttpRequest, article_id: int, payload: ArticlePatchIn) -> dict[str, Any]:
    """作者保存草稿（草稿和退回修改的文章）：只修改传入的字段，themes 替换全部讨论主题。
    正文的每次修改都保留版本。已提交、审核中或已通过的文章不能修改。"""
    user, article = _writer(request, article_id)
    changes = payload.changes()
    services.article_save(
        article=article,
        by=user,
        title=changes.get("title", article.title),
        body=changes.get("body", article.body),
        themes=_themes(article.campaign, changes["themes"]) if "themes" in changes else None,
        consent_public=changes.get("consent_public"),
    )
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/submit", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="提交文章")
def article_submit(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """作者在截止时间前提交（退回修改的文章截止后也可再次提交）：须有标题，正文字数在征文要求之内。
    提交后分配审阅人，并在后台检测重复率。"""
    user, article = _writer(request, article_id)
    services.article_submit(article=article, by=user)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/withdraw", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="撤回文章")
def article_withdraw(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """作者在审阅前、截止时间前把已提交的文章撤回为草稿。"""
    user, article = _writer(request, article_id)
    services.article_withdraw(article=article, by=user)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/consent", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="更改公开同意")
def article_consent(request: HttpRequest, article_id: int, payload: ConsentIn) -> dict[str, Any]:
    """作者同意或撤回同意在公开网站刊发；撤回时已发布的文章随即撤下。任何状态下都可以更改。"""
    user, article = _writer(request, article_id)
    services.article_set_consent(article=article, by=user, consent=payload.consent)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/return", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="退回修改")
def article_return(request: HttpRequest, article_id: int, payload: CommentIn) -> dict[str, Any]:
    """审阅人或办公室把待审阅的文章退回作者修改，须写明意见（通知作者）。"""
    user, article = _reviewer(request, article_id)
    services.article_return(article=article, by=user, comment=payload.comment)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/approve", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="审核通过")
def article_approve(request: HttpRequest, article_id: int, payload: ApproveIn) -> dict[str, Any]:
    """审核通过待审阅的文章，按思想认识、实践感悟、意见建议三项打分（各项满分见征文要求）；
    分数超出范围时返回 400，指明是哪一项。"""
    user, article = _reviewer(request, article_id)
    with _fields_as(SCORE_FIELDS):
        services.article_approve(
            article=article,
            by=user,
            thought=payload.thought,
            practice=payload.practice,
            suggestions=payload.suggestions,
            comment=payload.comment,
        )
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/excellent", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="评为优秀")
def article_excellent(request: HttpRequest, article_id: int, payload: ExcellentIn) -> dict[str, Any]:
    """把审核通过的文章评为优秀，可附推荐理由；作者同意公开时通知宣传人员。"""
    user, article = _reviewer(request, article_id)
    services.article_mark_excellent(article=article, by=user, comment=payload.comment)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/unexcellent", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="取消优秀")
def article_unexcellent(request: HttpRequest, article_id: int, payload: ReasonIn) -> dict[str, Any]:
    """取消优秀（尚未发布的文章），须写明原因。"""
    user, article = _reviewer(request, article_id)
    services.article_unmark_excellent(article=article, by=user, reason=payload.reason)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/publish", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="在公开网站发布")
def article_publish(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """宣传人员在公开网站发布优秀文章；作者未同意公开时返回 400。"""
    user, article = _publisher(request, article_id)
    services.article_publish(article=article, by=user)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/unpublish", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="从公开网站撤下")
def article_unpublish(request: HttpRequest, article_id: int, payload: ReasonIn) -> dict[str, Any]:
    """把已发布的文章撤下（回到优秀），须写明原因。"""
    user, article = _publisher(request, article_id)
    services.article_unpublish(article=article, by=user, reason=payload.reason)
    return _detail(user, _reload(article.pk))


@router.post(f"{ARTICLE}/assign", response={200: ArticleDetailOut, **WRITE_ERRORS}, summary="分配审阅人")
def article_assign(request: HttpRequest, article_id: int, payload: AssignIn) -> dict[str, Any]:
    """办公室分配或更换审阅人（审阅完成前）：reviewer 须持有覆盖作者单位的审阅人角色，且不是作者本人。"""
    user = _auth(request)
    article = _visible(user, article_id)
    _allowed(user, "articles.assign_reviewer", article, _("只有负责作者单位的办公室可以分配审阅人。"))
    reviewer = User.objects.filter(pk=payload.reviewer, is_active=True).first()
    if reviewer is None:
        raise FieldError("reviewer", _("找不到编号为 %(id)s 的用户。") % {"id": payload.reviewer})
    services.article_assign(article=article, by=user, reviewer=reviewer)
    return _detail(user, _reload(article.pk))


@router.get(f"{ARTICLE}/revisions", response={200: RevisionPage, **OBJECT_ERRORS}, summary="文章版本")
def article_revisions(request: HttpRequest, article_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """文章保存和提交的各个版本，从新到旧（不含正文；正文见单个版本）。"""
    article = _visible(_auth(request), article_id)
    qs = selectors.revisions_of(article)
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_revision(revision) for revision in rows])


@router.get(
    f"{ARTICLE}/revisions/{{int:number}}", response={200: RevisionDetailOut, **OBJECT_ERRORS}, summary="文章的一个版本"
)
def article_revision(request: HttpRequest, article_id: int, number: int) -> dict[str, Any]:
    """一个版本的标题和正文。"""
    article = _visible(_auth(request), article_id)
    revision = article.revisions.select_related("created_by").filter(number=number).first()
    if revision is None:
        raise Http404
    return _revision(revision, body=True)


@router.get(f"{ARTICLE}/check", response={200: CheckOut, **OBJECT_ERRORS}, summary="重复率检测结果")
def article_check(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """最近一次提交稿的重复率检测：重复率、是否达到警示线、相似来源（其他文章或比对文库）和重复的段落位置。
    被分配的审阅人和负责的办公室可以查看；尚未检测时返回 404。"""
    user = _auth(request)
    article = _visible(user, article_id)
    _allowed(user, "articles.view_check", article, _("只有被分配的审阅人和负责作者单位的办公室可以查看检测结果。"))
    check = selectors.latest_check(article)
    if check is None:
        raise Http404
    return _check(check)


# --- the re-check of a campaign ---------------------------------------------------------------
@router.post("/articles/recheck", response={201: RecheckOut, **WRITE_ERRORS}, summary="批量重新检测")
def recheck_start(request: HttpRequest, params: Query[CampaignParam]) -> Status[dict[str, Any]]:
    """办公室在后台重新检测一次大讨论中所有已提交的文章（比如导入新的比对文本之后）；
    同一大讨论一次只能有一个检测在进行，否则返回 400。进度见“批量检测进度”。"""
    user = _auth(request)
    campaign = _campaign_of(user, params.campaign)
    if not user.has_perm("articles.recheck", campaign):
        raise PermissionDenied(_("只有负责本次大讨论的办公室可以批量重新检测。"))
    run = checks.recheck_start(campaign=campaign, by=user)
    return Status(201, _recheck(RecheckRun.objects.select_related("campaign").get(pk=run.pk)))


@router.get("/articles/rechecks/{int:run_id}", response={200: RecheckOut, **OBJECT_ERRORS}, summary="批量检测进度")
def recheck_status(request: HttpRequest, run_id: int) -> dict[str, Any]:
    """一次批量检测的状态和进度（已检测数、疑似抄袭数）。"""
    user = _auth(request)
    run = RecheckRun.objects.select_related("campaign__root_unit").filter(pk=run_id).first()
    if run is None or not user.has_perm("articles.recheck", run.campaign):
        raise Http404
    return _recheck(run)


# --- the reference library --------------------------------------------------------------------
def _librarian(request: HttpRequest) -> Any:
    user = _auth(request)
    if not user.has_perm("articles.manage_references"):
        raise PermissionDenied(_("只有办公室和系统管理员可以管理比对文库。"))
    return user


def _collection_of(pk: int) -> ReferenceCollection:
    collection = ReferenceCollection.objects.filter(pk=pk).first()
    if collection is None:
        raise Http404
    return collection


@router.get("/articles/references/collections", response={200: CollectionPage, **READ_ERRORS}, summary="比对文库")
def collection_list(request: HttpRequest, paging: Query[PageParams]) -> dict[str, Any]:
    """比对文库（讲话、报告、社论……），按名称，附文本数和总字数。"""
    _librarian(request)
    qs = selectors.collections_with_counts()
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_collection(collection) for collection in rows])


@router.post("/articles/references/collections", response={201: CollectionOut, **WRITE_ERRORS}, summary="新建比对文库")
def collection_create(request: HttpRequest, payload: CollectionIn) -> Status[dict[str, Any]]:
    """新建一个比对文库；名称不能与已有文库相同。"""
    user = _librarian(request)
    collection = references.collection_create(name=payload.name, description=payload.description, by=user)
    return Status(201, _collection(collection))


@router.get(f"{COLLECTION}/texts", response={200: ReferenceTextPage, **OBJECT_ERRORS}, summary="比对文本")
def reference_list(
    request: HttpRequest, collection_id: int, filters: Query[TextFilters], paging: Query[PageParams]
) -> dict[str, Any]:
    """文库中的比对文本，按标题（不含正文）。"""
    _librarian(request)
    qs = selectors.reference_texts(_collection_of(collection_id), filters.q)
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_text(text) for text in rows])


@router.post(
    f"{COLLECTION}/import",
    response={201: ImportOut, 400: ImportErrorsOut, **OBJECT_ERRORS},
    summary="导入比对文本",
)
def reference_import(
    request: HttpRequest, collection_id: int, files: File[list[UploadedFile] | None] = None
) -> Status[dict[str, Any]]:
    """以 multipart/form-data 上传一个或多个文件（字段 files，可重复；也接受 files[]）：纯文本（UTF-8、GB18030、
    UTF-16）或 Word（.docx），每个文件一篇。全部导入或全不导入：有一个文件读不出时一篇也不导入，返回 400，
    逐个列出有问题的文件。文库中已有相同内容的文本跳过。导入的文本随即加入检测库。"""
    user = _librarian(request)
    collection = _collection_of(collection_id)
    uploads = list(files or []) + request.FILES.getlist("files[]")
    report = references.references_import(
        collection=collection,
        files=[(upload.name or "", upload.read(references.MAX_FILE_BYTES + 1)) for upload in uploads],
        by=user,
    )
    if not report.ok:
        errors = [
            {"name": name, "message": message if not name or message.startswith(name) else f"{name}：{message}"}
            for name, message in report.errors
        ]
        return Status(
            400,
            {
                "detail": [{"field": "files", "message": error["message"]} for error in errors],
                "files": errors,
            },
        )
    return Status(201, {"added": report.added, "skipped": report.skipped, "ids": report.ids})


@router.delete("/articles/references/texts/{int:text_id}", response={204: None, **WRITE_ERRORS}, summary="删除比对文本")
def reference_delete(request: HttpRequest, text_id: int) -> Status[None]:
    """从文库和检测库中删除一篇比对文本。"""
    user = _librarian(request)
    text = ReferenceText.objects.filter(pk=text_id).first()
    if text is None:
        raise Http404
    references.reference_delete(text=text, by=user)
    return Status(204, None)


# --- the public site ---------------------------------------------------------------------------
@router.get(
    "/articles/published",
    auth=None,
    response={200: PublishedPage, 400: FieldErrors, 404: Message},
    summary="公开发布的文章",
)
def published_list(request: HttpRequest, params: Query[CampaignParam], paging: Query[PageParams]) -> dict[str, Any]:
    """无需登录：在公开网站发布的优秀文章（作者同意公开），按发布时间从近到远，含正文。
    campaign 为大讨论的 slug，不传为所有已开始的大讨论；大讨论不存在或尚未发布时返回 404。"""
    campaign = None
    if params.campaign.strip():
        campaign = published_campaigns().filter(slug=params.campaign.strip()).first()
        if campaign is None:
            raise Http404
    qs = selectors.published_articles(campaign)
    total = qs.count()
    rows = qs[paging.offset : paging.offset + paging.limit]
    return _page(
        total,
        paging,
        [
            {
                "id": article.pk,
                "campaign": article.campaign.slug,
                "title": article.title,
                "author": article.author.name,
                "unit": article.unit.name,
                "published_at": article.published_at,
                "body": article.body,
            }
            for article in rows
        ],
    )
