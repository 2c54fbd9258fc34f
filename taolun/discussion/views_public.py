"""The public pages of the online discussion (网上大讨论): read without signing in, take part once signed in.

Reading: the campaign's front page with its themes, a theme's suggestions in five orders, one
suggestion with its replies and comments, search, QR codes for sharing (the Atom feeds are in
``feeds``). Each page reads a fixed, small number of queries whatever the number of rows (the
selectors read one index range per list, the counters live on the suggestion), lists are read as
plain values and paged without a total.

Taking part: signing up with a one-time code, posting, commenting, voting, following, reporting and
rating the reply. Every write is a POST that calls one service with the client's address; a refusal
(blocked, closed, over a limit, a duplicate) is shown as the service words it. A visitor who is not
signed in is sent to the sign-up page and comes back to where they were.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taolun.accounts import codes
from taolun.accounts.models import CodeChannel
from taolun.campaigns.models import Campaign, Theme
from taolun.core.http import go_to, is_htmx, no_store, qr_data_uri, qr_svg, refusal, safe_next
from taolun.core.middleware import client_ip
from taolun.core.pagination import paginate_uncounted
from taolun.core.text import shorten
from taolun.orgs.forms import add_service_errors
from taolun.orgs.masking import mask_email, mask_id_number, mask_name, mask_phone

from . import selectors, services
from .feeds import feed_replies, feed_suggestions  # noqa: F401 - urls.py names the public views here
from .forms_public import (
    SEARCH_MAX,
    CommentForm,
    NicknameForm,
    RateForm,
    RealNameForm,
    ReportForm,
    SearchForm,
    SendCodeForm,
    SignupForm,
    SuggestionForm,
)
from .models import (
    AnswerState,
    Comment,
    Kind,
    Participant,
    Rating,
    Reply,
    SearchKind,
    Source,
    Suggestion,
    Visibility,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 20  # rows per page of a theme, a search, my suggestions
NEWEST = 10  # suggestions on the front page
FOLLOWED = 50  # followed suggestions on my page
EXCERPT_CHARS = 90  # of a suggestion's text, in a list
DESCRIPTION_CHARS = 150  # of a text, in a page's Open Graph description
_EXCERPT_READ = EXCERPT_CHARS * 2  # read from the database: leading blank lines and spaces are dropped
SHARE_MAX_AGE = 86400  # seconds a QR code may be kept
# Sign-up leaves a session from a one-time code: the password backend is the one that loads the user again.
LOGIN_BACKEND = "taolun.accounts.backends.PasswordBackend"

SORT_LABELS = {
    "new": gettext_lazy("最新"),
    "top": gettext_lazy("支持最多"),
    "talk": gettext_lazy("讨论最多"),
    "answered": gettext_lazy("已答复"),
    "awaiting": gettext_lazy("待答复"),
}


# --- helpers --------------------------------------------------------------------------------------


# What a list shows of each suggestion, read as plain values: a list page builds no model instances.
ROW_FIELDS = (
    "id",
    "title",
    "opening",
    "kind",
    "status",
    "answer_state",
    "published_at",
    "created_at",
    "supports_count",
    "opposes_count",
    "comments_count",
    "author_id",
    "author__nickname",
    "source",
    "theme__title",
    "moderation_note",
)


def _rows(qs: QuerySet[Suggestion]) -> QuerySet[Any]:
    """A list's suggestions with the start of their text (``opening``), not the whole of it."""
    return qs.annotate(opening=Substr("body", 1, _EXCERPT_READ)).values(*ROW_FIELDS)


def _listed(suggestions: Any, *, mine: bool = False) -> list[dict[str, str]]:
    """A page of suggestions (``_rows``) as the strings its rows show.

    The lists are the pages read most: the labels, dates and numbers are made here once per row, so
    the template only places strings (no lookups of choices, filters or translations per row).
    """
    kinds = {key: str(label) for key, label in Kind.choices}
    states = {key: str(label) for key, label in AnswerState.choices}
    statuses = {key: str(label) for key, label in Visibility.choices}
    sources = {key: str(label) for key, label in Source.choices}
    refused = (Visibility.REJECTED, Visibility.HIDDEN)
    rows = []
    for s in suggestions:
        when = timezone.localtime(s["published_at"] or s["created_at"])
        public = s["status"] == Visibility.PUBLISHED
        shown = mine and not public
        rows.append(
            {
                "url": _suggestion_url(s["id"]),
                "title": s["title"],
                "excerpt": shorten(s["opening"], EXCERPT_CHARS),
                "kind": kinds.get(s["kind"], s["kind"]),
                "state": s["answer_state"] if public else "",
                "state_label": states.get(s["answer_state"], "") if public else "",
                "status": s["status"] if shown else "",
                "status_label": statuses.get(s["status"], "") if shown else "",
                "note": s["moderation_note"] if mine and s["status"] in refused else "",
                "name": s["author__nickname"] if s["author_id"] else sources.get(s["source"], ""),
                "theme": s["theme__title"],
                "iso": when.isoformat(),
                "date": when.strftime("%Y-%m-%d"),
                "supports": str(s["supports_count"]),
                "opposes": str(s["opposes_count"]),
                "comments": str(s["comments_count"]),
            }
        )
    return rows


def _campaign(request: HttpRequest) -> Campaign:
    return selectors.discussion_campaign(request.GET.get("campaign") or None, request.user)


def _campaign_query(campaign: Campaign) -> str:
    return "?" + urlencode({"campaign": campaign.slug})


def _suggestion_url(pk: int, anchor: str = "") -> str:
    return reverse("discussion:suggestion", args=[pk]) + (f"#{anchor}" if anchor else "")


def _signup_url(next_url: str) -> str:
    return f"{reverse('discussion:signup')}?{urlencode({'next': next_url})}"


def _to_signup(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send a visitor who is not signed in to the sign-up page, to come back to ``next_url``."""
    return go_to(request, _signup_url(next_url))


def _safe_next(request: HttpRequest, value: str | None, default: str = "") -> str:
    return safe_next(request, value, default or reverse("discussion:index"))


@functools.lru_cache(maxsize=512)
def _qr_svg(url: str) -> bytes:
    return qr_svg(url, scale=6)


@functools.lru_cache(maxsize=64)
def _qr_data_uri(url: str) -> str:
    return qr_data_uri(url, scale=6)


def _svg(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/svg+xml")
    patch_cache_control(response, public=True, max_age=SHARE_MAX_AGE)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- reading --------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The campaign's discussion: its themes with their guiding questions, figures, the newest suggestions."""
    campaign = _campaign(request)
    url = request.build_absolute_uri(reverse("discussion:index") + _campaign_query(campaign))
    context = {
        "campaign": campaign,
        "campaign_query": _campaign_query(campaign),
        "themes": selectors.themes_with_counts(campaign),
        "figures": selectors.campaign_figures(campaign),
        "newest": _listed(_rows(selectors.public_suggestions(campaign))[:NEWEST]),
        "is_open": selectors.is_open_for_posts(campaign),
        "search_form": SearchForm(),
        "signup_url": _signup_url(reverse("discussion:index") + _campaign_query(campaign)),
        "share_url": url,
        "share_qr": _qr_data_uri(url),
        "og_title": campaign.title,
        "og_description": shorten(campaign.themes_intro or campaign.preamble, DESCRIPTION_CHARS),
    }
    return render(request, "discussion/public/index.html", context)


def _theme(pk: int) -> Theme:
    found = selectors.public_theme(pk)
    if found is None:
        raise Http404("no theme")
    return found


@require_GET
def theme(request: HttpRequest, pk: int) -> HttpResponse:
    """One theme's published suggestions, newest / most supported / most discussed / answered / awaiting."""
    found = _theme(pk)
    campaign = found.campaign
    sort = request.GET.get("sort", "")
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    qs = selectors.public_suggestions(campaign, theme=found, sort=sort, kind=kind)
    page, base = paginate_uncounted(request, _rows(qs), PAGE_SIZE)
    here = reverse("discussion:theme", args=[found.pk])
    sorts = [
        {"key": key, "label": label, "url": here + "?" + urlencode({"sort": key, **({"kind": kind} if kind else {})})}
        for key, label in SORT_LABELS.items()
    ]
    kinds = [{"key": "", "label": _("全部类型"), "url": here + "?" + urlencode({"sort": sort})}] + [
        {"key": key, "label": label, "url": here + "?" + urlencode({"sort": sort, "kind": key})}
        for key, label in Kind.choices
    ]
    share_url = request.build_absolute_uri(here)
    context = {
        "campaign": campaign,
        "campaign_query": _campaign_query(campaign),
        "theme": found,
        "rows": _listed(page.object_list),
        "page_obj": page,
        "querystring_base": base,
        "sort": sort,
        "kind": kind,
        "sorts": sorts,
        "kinds": kinds,
        "is_open": selectors.is_open_for_posts(campaign),
        "share_url": share_url,
        "og_title": found.title,
        "og_description": shorten(found.question, DESCRIPTION_CHARS),
    }
    return render(request, "discussion/public/theme.html", context)


@require_GET
def theme_qr(request: HttpRequest, pk: int) -> HttpResponse:
    found = _theme(pk)
    return _svg(_qr_svg(request.build_absolute_uri(reverse("discussion:theme", args=[found.pk]))))


@require_GET
def suggestion_qr(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.visible_suggestions(request.user).filter(pk=pk).exists():
        raise Http404("no suggestion")
    return _svg(_qr_svg(request.build_absolute_uri(_suggestion_url(pk))))


def _flatten(nodes: list[selectors.ThreadNode], level: int = 0) -> list[tuple[Comment, int]]:
    """The thread in reading order, each comment with how deep it is shown."""
    flat: list[tuple[Comment, int]] = []
    for node in nodes:
        flat.append((node.comment, level))
        flat.extend(_flatten(node.children, level + 1))
    return flat


def _suggestion_page(
    request: HttpRequest,
    suggestion: Suggestion,
    *,
    comment_form: CommentForm | None = None,
    rate_form: RateForm | None = None,
) -> HttpResponse:
    user = request.user
    replies = selectors.replies_of(suggestion)
    for reply in replies:
        reply.suggestion = suggestion  # the rules read the author from it: no query per reply
    rateable = None
    if replies and suggestion.answer_state == AnswerState.REPLIED:
        latest = replies[-1]
        if not latest.rating and user.has_perm("discussion.rate", latest):
            rateable = latest
    is_author = bool(suggestion.author and user.is_authenticated and suggestion.author.user_id == user.pk)
    url = _suggestion_url(suggestion.pk)
    context = {
        "campaign": suggestion.campaign,
        "campaign_query": _campaign_query(suggestion.campaign),
        "suggestion": suggestion,
        "replies": replies,
        "comments": _flatten(selectors.comment_thread(suggestion, user)),
        "standing": selectors.standing(suggestion, user),
        "is_open": suggestion.is_public and selectors.is_open_for_posts(suggestion.campaign),
        "is_author": is_author,
        "rateable": rateable,
        "rate_form": rate_form or RateForm(),
        "comment_form": comment_form or CommentForm(),
        "report_form": ReportForm(),
        "can_reply": suggestion.is_public and user.has_perm("discussion.reply", suggestion),
        "can_route": suggestion.is_public and user.has_perm("discussion.route", suggestion),
        "signup_url": _signup_url(url),
        "share_url": request.build_absolute_uri(url),
        "og_title": suggestion.title,
        "og_description": shorten(suggestion.body, DESCRIPTION_CHARS),
    }
    return render(request, "discussion/public/suggestion.html", context)


@require_GET
def suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    """One suggestion: its text, the department's replies, the viewer's vote and follow, the comments.

    A held suggestion opens for its author (and those who moderate or answer it) with a notice."""
    return _suggestion_page(request, selectors.suggestion_for(pk, request.user))


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search the campaign's public suggestions, comments and replies; the matches are marked."""
    campaign = _campaign(request)
    q = " ".join((request.GET.get("q") or "").split())[:SEARCH_MAX]
    found: list[Any] = []
    page = base = None
    if q:
        page, base = paginate_uncounted(request, selectors.search_entries(campaign, q), PAGE_SIZE)
        found = selectors.search_hits(page.object_list, q)
    labels = dict(SearchKind.choices)
    hits = [
        {
            "hit": hit,
            "label": labels.get(hit.kind, ""),
            "url": _suggestion_url(
                hit.suggestion.pk,
                {SearchKind.COMMENT: f"c{hit.obj.pk}", SearchKind.REPLY: f"r{hit.obj.pk}"}.get(hit.kind, ""),
            ),
        }
        for hit in found
    ]
    context = {
        "campaign": campaign,
        "campaign_query": _campaign_query(campaign),
        "q": q,
        "search_form": SearchForm(initial={"q": q}),
        "hits": hits,
        "page_obj": page,
        "querystring_base": base,
    }
    return render(request, "discussion/public/search.html", context)


# --- signing up -----------------------------------------------------------------------------------


def _masked(channel: str, target: str) -> str:
    return mask_phone(target) if channel == CodeChannel.PHONE else mask_email(target)


def _default_nickname(user: Any, *, numbered: bool = False) -> str:
    """A nickname to start with; stored, so in the site's language whatever the visitor's."""
    with translation.override(settings.LANGUAGE_CODE):
        if numbered:
            return _("网友%(n)04d") % {"n": user.pk % 10000}
        return (user.display_name or "")[: services.NICKNAME_MAX] or _("网友")


def _take_part_as(request: HttpRequest, user: Any, nickname: str) -> None:
    """The participant record with the nickname chosen; a nickname refused now (the code is already
    used) leaves the default one and says why."""
    participant = Participant.objects.filter(user=user).first()
    try:
        if participant is None:
            services.participant_ensure(user=user, nickname=nickname or _default_nickname(user))
        elif nickname and nickname != participant.nickname:
            services.participant_update(participant=participant, nickname=nickname, by=user)
    except ValidationError as exc:
        if participant is None:
            try:
                services.participant_ensure(user=user, nickname=_default_nickname(user))
            except ValidationError:
                services.participant_ensure(user=user, nickname=_default_nickname(user, numbered=True))
        messages.warning(request, _("昵称未能使用：%(reason)s 可在“我的参与”中修改。") % {"reason": refusal(exc)})


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign up (or sign in again) with a one-time code sent to a mobile phone or an e-mail address."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                target = codes.normalise_target(data["channel"], data["target"])
                codes.code_check(channel=data["channel"], target=target, code=data["code"])
                user, _created = codes.citizen_for_target(channel=data["channel"], target=target)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _take_part_as(request, user, data["nickname"])
                login(request, user, backend=LOGIN_BACKEND)
                messages.success(request, _("登录成功，欢迎参与讨论。"))
                return redirect(next_url)
    else:
        form = SignupForm(initial={"channel": CodeChannel.PHONE, "next": next_url})
    context = {"form": form, "next": next_url, "cooldown": settings.ACCOUNT_CODE_RESEND_SECONDS}
    return no_store(render(request, "discussion/public/signup.html", context))


@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """Send a code to the phone or e-mail address typed; htmx gets the outcome, a plain form the page again."""
    form = SendCodeForm(request.POST)
    sent_to = ""
    if form.is_valid():
        channel, target = form.cleaned_data["channel"], form.cleaned_data["target"]
        try:
            code = codes.code_send(channel=channel, target=target, ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Exception:  # the SMS gateway or the mail server refused: say so, keep the page
            logger.exception("one-time code to %s could not be sent", channel)
            form.add_error(None, _("验证码发送失败，请稍后再试或换一种方式接收。"))
        else:
            sent_to = _masked(channel, code.target)
    errors = [error for errors in form.errors.values() for error in errors]
    status = {"sent_to": sent_to, "send_errors": errors, "cooldown": settings.ACCOUNT_CODE_RESEND_SECONDS}
    if is_htmx(request):
        return no_store(render(request, "discussion/public/_code_status.html", status))
    next_url = _safe_next(request, request.POST.get("next"))
    signup_form = SignupForm(
        initial={
            "channel": request.POST.get("channel"),
            "target": request.POST.get("target", ""),
            "nickname": request.POST.get("nickname", ""),
            "next": next_url,
        }
    )
    context = {"form": signup_form, "next": next_url, **status}
    return no_store(render(request, "discussion/public/signup.html", context, status=200 if sent_to else 400))


# --- taking part ----------------------------------------------------------------------------------


def _said(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, refusal(exc))


@require_http_methods(["GET", "POST"])
def suggestion_new(request: HttpRequest) -> HttpResponse:
    """Post a suggestion under one of the campaign's themes."""
    if not request.user.is_authenticated:
        return _to_signup(request, request.get_full_path())
    campaign = _campaign(request)
    forum = selectors.forum_settings(campaign)
    participant = Participant.objects.filter(user=request.user).first()
    is_open = selectors.is_open_for_posts(campaign)
    needs_real_name = forum.require_real_name and not (participant and participant.is_verified)
    if request.method == "POST":
        form = SuggestionForm(request.POST, campaign=campaign)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.suggestion_create(
                    campaign=campaign,
                    theme=data["theme"],
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    by=request.user,
                    ip=client_ip(request),
                )
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                if created.is_public:
                    messages.success(request, _("建言已发表，已公开显示。"))
                else:
                    messages.warning(request, _("建言已提交，正在等待审核，审核通过后公开显示。"))
                return redirect(_suggestion_url(created.pk))
    else:
        theme_id = request.GET.get("theme", "")
        form = SuggestionForm(campaign=campaign, initial={"theme": theme_id if theme_id.isdigit() else None})
    context = {
        "campaign": campaign,
        "campaign_query": _campaign_query(campaign),
        "form": form,
        "is_open": is_open,
        "participant": participant,
        "needs_real_name": needs_real_name,
        "real_name_url": f"{reverse('discussion:real_name')}?{urlencode({'next': request.get_full_path()})}",
        "is_pre_moderated": forum.moderation == "pre",
    }
    return render(request, "discussion/public/suggestion_new.html", context)


def _target(request: HttpRequest, pk: int) -> Suggestion:
    return selectors.suggestion_for(pk, request.user)


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on a suggestion, or answer a comment (``parent``)."""
    suggestion = _target(request, pk)
    if not request.user.is_authenticated:
        return _to_signup(request, _suggestion_url(pk, "comment-form"))
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], suggestion=suggestion).first()
        try:
            if form.cleaned_data["parent"] and parent is None:
                raise ValidationError({"parent": _("回复的评论不存在或未公开。")})
            created = services.comment_create(
                suggestion=suggestion,
                body=form.cleaned_data["body"],
                by=request.user,
                parent=parent,
                ip=client_ip(request),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
            for error in form.errors.pop("parent", []):  # the parent is a hidden field: say it above the form
                form.add_error(None, error)
        else:
            if created.is_public:
                messages.success(request, _("评论已发表。"))
            else:
                messages.warning(request, _("评论已提交，正在等待审核，审核通过后公开显示。"))
            return redirect(_suggestion_url(pk, f"c{created.pk}"))
    return _suggestion_page(request, suggestion, comment_form=form)


@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Support (``value=1``), oppose (``value=-1``) or withdraw (``value=withdraw``); the same vote again keeps it."""
    suggestion = _target(request, pk)
    if not request.user.is_authenticated:
        return _to_signup(request, _suggestion_url(pk))
    error = ""
    value = request.POST.get("value", "")
    try:
        if value == "withdraw":
            services.vote_withdraw(suggestion=suggestion, by=request.user, ip=client_ip(request))
        elif value in ("1", "-1"):
            services.vote_cast(suggestion=suggestion, value=int(value), by=request.user, ip=client_ip(request))
        else:
            raise ValidationError(_("请选择支持或反对。"))
    except (ValidationError, PermissionDenied) as exc:
        error = refusal(exc)
    if is_htmx(request):
        suggestion.refresh_from_db(fields=["supports_count", "opposes_count"])
        current = selectors.votes_of(request.user, [suggestion.pk]).get(suggestion.pk, 0)
        context = {
            "suggestion": suggestion,
            "standing": selectors.Standing(vote=current),
            "vote_error": error,
            "is_open": selectors.is_open_for_posts(suggestion.campaign),
        }
        return render(request, "discussion/public/_vote.html", context)
    if error:
        messages.error(request, error)
    return redirect(_suggestion_url(pk, "vote-box"))


@require_POST
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow (``on=1``) or stop following (``on=0``) a suggestion."""
    suggestion = _target(request, pk)
    if not request.user.is_authenticated:
        return _to_signup(request, _suggestion_url(pk))
    on = request.POST.get("on") == "1"
    error = ""
    try:
        following = services.follow_set(suggestion=suggestion, by=request.user, on=on)
    except (ValidationError, PermissionDenied) as exc:
        error, following = refusal(exc), not on
    if is_htmx(request):
        suggestion.refresh_from_db(fields=["follows_count"])
        context = {"suggestion": suggestion, "following": following, "follow_error": error}
        return render(request, "discussion/public/_follow.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("已关注，有新评论或答复时会通知您。") if following else _("已取消关注。"))
    return redirect(_suggestion_url(pk))


def _report(request: HttpRequest, suggestion: Suggestion, target: Suggestion | Comment, anchor: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return _to_signup(request, _suggestion_url(suggestion.pk, anchor))
    form = ReportForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请选择举报原因。"))
        services.report_create(
            suggestion=target if isinstance(target, Suggestion) else None,
            comment=target if isinstance(target, Comment) else None,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            by=request.user,
            ip=client_ip(request),
        )
    except (ValidationError, PermissionDenied) as exc:
        _said(request, exc)
    else:
        messages.success(request, _("已收到您的举报，管理员会尽快处理。"))
    return redirect(_suggestion_url(suggestion.pk, anchor))


@require_POST
def report_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _target(request, pk)
    return _report(request, suggestion, suggestion, "")


@require_POST
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    found = Comment.objects.select_related("suggestion__campaign__root_unit").filter(pk=pk).first()
    if found is None or not request.user.has_perm("discussion.view_item", found):
        raise Http404("no comment")
    return _report(request, found.suggestion, found, f"c{found.pk}")


@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The author rates the latest reply: 满意, 基本满意 or 不满意 (with a note; the suggestion is reopened)."""
    suggestion_id = Reply.objects.filter(pk=pk).values_list("suggestion_id", flat=True).first()
    if suggestion_id is None:
        raise Http404("no reply")
    suggestion = _target(request, suggestion_id)
    if not request.user.is_authenticated:
        return _to_signup(request, _suggestion_url(suggestion.pk, "replies"))
    reply = Reply.objects.get(pk=pk)
    reply.suggestion = suggestion
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.reply_rate(
                reply=reply, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"], by=request.user
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # rated already, or a newer reply: the form is gone from the page
                _said(request, exc)
                return redirect(_suggestion_url(suggestion.pk, "replies"))
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            _said(request, exc)
            return redirect(_suggestion_url(suggestion.pk, "replies"))
        else:
            if form.cleaned_data["rating"] == Rating.UNSATISFIED:
                messages.warning(request, _("已收到您的评价。建言已退回承办单位重新办理。"))
            else:
                messages.success(request, _("感谢您的评价。"))
            return redirect(_suggestion_url(suggestion.pk, f"r{reply.pk}"))
    return _suggestion_page(request, suggestion, rate_form=form)


# --- my own ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    """My suggestions in every state (with the moderator's note when refused), what I follow, my nickname."""
    if not request.user.is_authenticated:
        return _to_signup(request, request.get_full_path())
    participant = Participant.objects.filter(user=request.user).first()
    form = NicknameForm(request.POST or None, initial={"nickname": participant.nickname if participant else ""})
    if request.method == "POST" and form.is_valid():
        try:
            if participant is None:
                services.participant_ensure(user=request.user, nickname=form.cleaned_data["nickname"])
            else:
                services.participant_update(
                    participant=participant, nickname=form.cleaned_data["nickname"], by=request.user
                )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("昵称已修改。"))
            return redirect("discussion:me")
    page, base = paginate_uncounted(request, _rows(selectors.my_suggestions(request.user)), PAGE_SIZE)
    context = {
        "participant": participant,
        "form": form,
        "rows": _listed(page.object_list, mine=True),
        "page_obj": page,
        "querystring_base": base,
        "followed": list(selectors.followed_suggestions(request.user).defer("body")[:FOLLOWED]),
    }
    return no_store(render(request, "discussion/public/me.html", context))


@require_http_methods(["GET", "POST"])
def real_name(request: HttpRequest) -> HttpResponse:
    """后台实名: record my real name and ID number, shown back to me only masked."""
    if not request.user.is_authenticated:
        return _to_signup(request, request.get_full_path())
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("discussion:me"))
    participant = Participant.objects.filter(user=request.user).first()
    form = RealNameForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        try:
            participant = participant or services.participant_ensure(user=request.user)
            services.participant_register_name(
                participant=participant,
                real_name=form.cleaned_data["real_name"],
                id_number=form.cleaned_data["id_number"],
                by=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("实名信息已登记。前台仍只显示您的昵称。"))
            return redirect(next_url)
    context = {
        "participant": participant,
        "form": form,
        "masked_name": mask_name(participant.real_name) if participant else "",
        "masked_id": mask_id_number(participant.id_number) if participant else "",
    }
    return no_store(render(request, "discussion/public/real_name.html", context))
