"""The discussion's staff pages: the moderators' queue, a participant behind a nickname and the word list;
the departments' inbox and reply; the office's routing, overview, settings and offline import.

Each page asks for a named rule on the campaign or the suggestion it is about. A suggestion the viewer may
not open is not found (404); one they may read but not act on is refused (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.accounts.models import User
from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import current_campaign
from taolun.core.forms import PlainSelect
from taolun.core.http import go_to, is_htmx, no_store, refusal, safe_next
from taolun.core.models import AuditEntry
from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors
from taolun.orgs.masking import mask_email, mask_id_number, mask_phone
from taolun.text.screen import Screen

from . import imports, screening, selectors, services
from .forms_staff import (
    ACTION_LABELS,
    BlockForm,
    BulkModerationForm,
    ForumForm,
    ImportForm,
    ModerateForm,
    OfficeFilterForm,
    ReplyForm,
    RouteForm,
    RoutingForm,
    WordsAddForm,
    WordsFilterForm,
    answering_units,
    unit_choices,
)
from .models import (
    ANSWERED,
    AWAITING,
    AnswerState,
    Comment,
    Forum,
    Participant,
    Report,
    ReportReason,
    RoutingRule,
    SensitiveWord,
    Suggestion,
    Visibility,
)

QUEUE_PAGE_SIZE = 20
WORDS_PAGE_SIZE = 100
RECENT_ITEMS = 10
ERRORS_SHOWN = 200

QUEUE_LABELS = {
    "pending": gettext_lazy("待审核"),
    "reported": gettext_lazy("被举报"),
    "hidden": gettext_lazy("已隐藏"),
    "rejected": gettext_lazy("未通过"),
}
INBOX_STATES = {
    "awaiting": gettext_lazy("待答复"),
    "overdue": gettext_lazy("已逾期"),
    "answered": gettext_lazy("已答复"),
    "all": gettext_lazy("全部"),
}
# A deadline as a traffic light: colour, a shape that reads without colour, and words.
LIGHTS = {
    "red": ("●", gettext_lazy("已逾期")),
    "yellow": ("◐", gettext_lazy("即将到期")),
    "green": ("○", gettext_lazy("办理期内")),
    "done": ("✓", gettext_lazy("已答复")),
    "none": ("–", gettext_lazy("未定期限")),
}


# --- shared helpers -------------------------------------------------------------------------------------


def _with_campaign(url: str, campaign: Campaign | None, **params: Any) -> str:
    query = {"campaign": campaign.slug} if campaign is not None else {}
    query.update({k: v for k, v in params.items() if v})
    return f"{url}?{urlencode(query)}" if query else url


def _moderated_campaign(request: HttpRequest) -> tuple[Campaign | None, list[Campaign]]:
    """The campaign the moderator asked for (``?campaign=``) among those they moderate, else their current
    one, else the newest; and the list to choose from."""
    campaigns = list(selectors.moderated_campaigns(request.user).order_by("-start_date", "-id"))
    slug = (request.GET.get("campaign") or request.POST.get("campaign") or "").strip()
    if slug:
        chosen = next((c for c in campaigns if c.slug == slug), None)
        if chosen is None:
            raise Http404
        return chosen, campaigns
    if not campaigns:
        return None, campaigns
    current = current_campaign(viewer=request.user)
    chosen = next((c for c in campaigns if current is not None and c.pk == current.pk), campaigns[0])
    return chosen, campaigns


def _user(request: HttpRequest) -> User:
    """The signed-in user of a staff page (every one of them requires a login)."""
    return cast(User, request.user)


def _office_campaign(request: HttpRequest) -> Campaign:
    """The campaign of an office page (``?campaign=`` or the current one), if the viewer runs it."""
    campaign = requested_campaign(request)
    if campaign is None:
        raise Http404
    if not request.user.has_perm("discussion.manage_forum", campaign):
        raise PermissionDenied(_("您没有权限管理这次大讨论的网上讨论。"))
    return campaign


def _staff_suggestion(request: HttpRequest, pk: int, perm: str) -> Suggestion:
    """The suggestion for a staff action: 404 when the viewer may not open it, 403 when they may only read it."""
    suggestion = (
        Suggestion.objects.select_related("campaign__root_unit", "theme", "author", "department").filter(pk=pk).first()
    )
    user = request.user
    if suggestion is None or not user.has_perm("discussion.view_item", suggestion):
        raise Http404
    if not user.has_perm(perm, suggestion):
        raise PermissionDenied(_("您没有权限办理这条建言。"))
    return suggestion


def _safe_next(request: HttpRequest, fallback: str) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), fallback)


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, so that its errors show), else None."""
    return request.POST if request.method == "POST" else None


def _pager(request: HttpRequest, queryset: Any, param: str, per_page: int) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


# --- deadlines ------------------------------------------------------------------------------------------


def deadline_light(suggestion: Suggestion, now: dt.datetime, remind_days: int) -> str:
    """red: past the deadline; yellow: due within the reminder days; green: in time; done: answered."""
    if suggestion.answer_state in ANSWERED:
        return "done"
    if suggestion.due_at is None:
        return "none"
    if suggestion.due_at < now:
        return "red"
    if suggestion.due_at <= now + dt.timedelta(days=remind_days):
        return "yellow"
    return "green"


@dataclass
class Row:
    """A suggestion in the inbox or the office list, with its deadline light."""

    suggestion: Suggestion
    light: str

    @property
    def shape(self) -> str:
        return LIGHTS[self.light][0]

    @property
    def light_label(self) -> str:
        return str(LIGHTS[self.light][1])

    @property
    def awaiting(self) -> bool:
        return self.suggestion.answer_state in AWAITING


def _rows(suggestions: Iterable[Suggestion], forum: Forum) -> list[Row]:
    now = timezone.now()
    return [Row(s, deadline_light(s, now, forum.remind_days)) for s in suggestions]


# --- the moderation queue ---------------------------------------------------------------------------------

Segment = tuple[str, bool]


def marked(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """``text`` cut into runs, each marked or not; overlapping spans merge. The template escapes every run."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    position = 0
    for start, end in merged:
        if start > position:
            out.append((text[position:start], False))
        out.append((text[start:end], True))
        position = end
    if position < len(text):
        out.append((text[position:], False))
    return out


def screened(text: str, screen: Screen) -> list[Segment]:
    return marked(text or "", [(hit.start, hit.end) for hit in screen.find(text or "")])


@dataclass
class QueueItem:
    kind: str  # "suggestion" or "comment"
    obj: Suggestion | Comment
    title: list[Segment]
    body: list[Segment]
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"item-{self.kind}-{self.obj.pk}"

    @property
    def actions(self) -> list[tuple[str, str]]:
        moves = services.moderation_actions(self.obj, open_reports=bool(self.reasons))
        return [(action, str(ACTION_LABELS[action])) for action in moves]

    @property
    def suggestion(self) -> Suggestion:
        return self.obj if isinstance(self.obj, Suggestion) else self.obj.suggestion


def _queue_items(kind: str, objs: list[Any], screen: Screen) -> list[QueueItem]:
    """Queue rows with the screened words marked and the open reports' reasons (one query for the lot)."""
    if not objs:
        return []
    column = "suggestion_id" if kind == "suggestion" else "comment_id"
    reasons: dict[int, list[tuple[str, int]]] = {}
    grouped = (
        Report.objects.filter(**{f"{column}__in": [o.pk for o in objs]}, resolved_at__isnull=True)
        .order_by()
        .values_list(column, "reason")
        .annotate(n=Count("id"))
    )
    for pk, reason, n in grouped:
        label = str(ReportReason(reason).label) if reason in ReportReason.values else reason
        reasons.setdefault(pk, []).append((label, n))
    items = []
    for obj in objs:
        title = screened(obj.title, screen) if kind == "suggestion" else []
        items.append(QueueItem(kind, obj, title, screened(obj.body, screen), sorted(reasons.get(obj.pk, []))))
    return items


def _queue_url(campaign: Campaign, queue: str) -> str:
    return _with_campaign(reverse("discussion:moderation"), campaign, queue=queue)


def _queue_name(value: str | None) -> str:
    return value if value in selectors.QUEUES else "pending"


@login_required
@permission_required("discussion.moderation_queue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def moderation(request: HttpRequest) -> HttpResponse:
    """The queue of one campaign: held, reported, hidden and rejected items, with bulk decisions."""
    campaign, campaigns = _moderated_campaign(request)
    queue = _queue_name(request.POST.get("queue") or request.GET.get("queue"))
    form = BulkModerationForm(_posted(request))
    if request.method == "POST":
        if campaign is None:
            raise Http404
        if form.is_valid():
            try:
                done = _moderate_checked(campaign, form, _user(request))
            except (ValidationError, PermissionDenied) as exc:
                add_service_errors(form, exc)
            else:
                label = ACTION_LABELS[form.cleaned_data["action"]]
                messages.success(request, _("已%(action)s %(n)s 项。") % {"action": label, "n": done})
                return redirect(_queue_url(campaign, queue))
    context: dict[str, Any] = {
        "campaign": campaign,
        "campaigns": campaigns,
        "queue": queue,
        "queue_labels": QUEUE_LABELS,
        "form": form,
        "selected_suggestions": set(form.cleaned_data.get("suggestions", [])) if form.is_bound else set(),
        "selected_comments": set(form.cleaned_data.get("comments", [])) if form.is_bound else set(),
        "can_manage": campaign is not None and request.user.has_perm("discussion.manage_forum", campaign),
    }
    if campaign is not None:
        suggestions, comments = selectors.moderation_queue(request.user, campaign, queue)
        suggestion_page, base = paginate(request, suggestions, QUEUE_PAGE_SIZE)
        comment_page = _pager(request, comments, "cpage", QUEUE_PAGE_SIZE)
        screen = screening.screen()
        counts = selectors.queue_counts(request.user, campaign)
        context |= {
            "tabs": [(name, QUEUE_LABELS[name], counts[name]) for name in selectors.QUEUES],
            "page_obj": suggestion_page,
            "querystring_base": base,
            "comment_page": comment_page,
            "suggestion_items": _queue_items("suggestion", list(suggestion_page.object_list), screen),
            "comment_items": _queue_items("comment", list(comment_page.object_list), screen),
        }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "discussion/staff/moderation.html", context, status=status)


def _moderate_checked(campaign: Campaign, form: BulkModerationForm, by: Any) -> int:
    """The checked items of ``campaign``, decided together; an item of another campaign stops the lot."""
    suggestion_ids, comment_ids = form.cleaned_data["suggestions"], form.cleaned_data["comments"]
    found_s, found_c = selectors.moderatable(
        by, suggestion_ids=suggestion_ids, comment_ids=comment_ids, campaign=campaign
    )
    suggestions, comments = list(found_s.values()), list(found_c.values())
    if len(suggestions) != len(set(suggestion_ids)) or len(comments) != len(set(comment_ids)):
        raise ValidationError(_("所选内容中有已不存在或不属于本次活动的项，请刷新页面后重试。"))
    return services.moderate_many(
        suggestions=suggestions,
        comments=comments,
        action=form.cleaned_data["action"],
        note=form.cleaned_data["note"],
        by=by,
    )


def _queue_object(kind: str, pk: int) -> Suggestion | Comment:
    if kind == "suggestion":
        return get_object_or_404(
            Suggestion.objects.select_related("campaign__root_unit", "author__user", "theme"), pk=pk
        )
    if kind == "comment":
        return get_object_or_404(
            Comment.objects.select_related("suggestion__campaign__root_unit", "author__user"), pk=pk
        )
    raise Http404


@login_required
@permission_required("discussion.moderation_queue", raise_exception=True)
@require_POST
def moderate(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One decision on one item; htmx gets the item back in its new state, a plain form the queue."""
    item = _queue_object(kind, pk)
    if not request.user.has_perm("discussion.moderate", item):
        raise Http404
    form = ModerateForm(request.POST)
    done = ""
    if form.is_valid():
        try:
            services.moderate(
                item=item, action=form.cleaned_data["action"], note=form.cleaned_data["note"], by=_user(request)
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            done = _("已%(action)s。") % {"action": ACTION_LABELS[form.cleaned_data["action"]]}
    suggestion = item if isinstance(item, Suggestion) else item.suggestion
    campaign = suggestion.campaign
    queue = _queue_name(request.POST.get("queue"))
    if is_htmx(request):
        fresh = _queue_object(kind, pk)
        context = {
            "item": _queue_items(kind, [fresh], screening.screen())[0],
            "campaign": campaign,
            "queue": queue,
            "item_form": form if form.errors else None,
            "done": done,
        }
        return render(request, "discussion/staff/_queue_item.html", context)
    if form.errors:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(problems))
    else:
        messages.success(request, done)
    return redirect(_queue_url(campaign, queue))


# --- a participant ------------------------------------------------------------------------------------------


@login_required
@permission_required("discussion.moderation_queue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def participant(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is behind a nickname that took part in the campaign, what they posted there; block or unblock."""
    campaign, _campaigns = _moderated_campaign(request)
    if campaign is None:
        raise Http404
    if not request.user.has_perm("discussion.view_identity", campaign):
        raise PermissionDenied
    person = selectors.participant_in(campaign, pk)
    if person is None:
        raise Http404  # never took part in this campaign: not this moderator's business
    suggestions = Suggestion.objects.filter(campaign=campaign, author=person)
    comments = Comment.objects.filter(suggestion__campaign=campaign, author=person)
    suggestion_counts = dict(suggestions.order_by().values_list("status").annotate(n=Count("id")))
    comment_counts = dict(comments.order_by().values_list("status").annotate(n=Count("id")))
    action = request.POST.get("action") if request.method == "POST" else None
    form = BlockForm(request.POST if action == "block" else None)
    problem = ""
    if request.method == "POST":
        if action not in ("block", "unblock"):
            raise Http404
        try:
            if action == "unblock":
                services.participant_unblock(participant=person, by=_user(request), campaign=campaign)
                messages.success(request, _("已解除对“%(name)s”的封禁。") % {"name": person.nickname})
            elif form.is_valid():
                services.participant_block(
                    participant=person, reason=form.cleaned_data["reason"], by=_user(request), campaign=campaign
                )
                messages.success(request, _("已封禁“%(name)s”。") % {"name": person.nickname})
        except (ValidationError, PermissionDenied) as exc:
            if action == "block":
                add_service_errors(form, exc)
            else:
                problem = refusal(exc)
        if not form.errors and not problem:
            return redirect(_with_campaign(reverse("discussion:participant", args=[person.pk]), campaign))
    history = AuditEntry.objects.filter(
        object_type=Participant._meta.label,
        object_id=str(person.pk),
        action__in=["discussion.participant_block", "discussion.participant_unblock"],
    ).order_by("-at", "-id")[:50]
    user = person.user
    context = {
        "campaign": campaign,
        "person": person,
        "phone": mask_phone(user.phone),
        "email": mask_email(user.email),
        "id_number": mask_id_number(person.id_number),
        "suggestion_counts": _status_counts(suggestion_counts),
        "comment_counts": _status_counts(comment_counts),
        "suggestion_total": sum(suggestion_counts.values()),
        "comment_total": sum(comment_counts.values()),
        "recent_suggestions": list(
            suggestions.select_related("theme")
            .only("id", "title", "status", "created_at", "theme__title")
            .order_by("-created_at", "-id")[:RECENT_ITEMS]
        ),
        "recent_comments": list(
            comments.select_related("suggestion")
            .only("id", "body", "status", "created_at", "suggestion__title")
            .order_by("-created_at", "-id")[:RECENT_ITEMS]
        ),
        "history": list(history),
        "form": form,
        "problem": problem,
    }
    failed = bool(form.errors or problem)
    response = render(request, "discussion/staff/participant.html", context, status=400 if failed else 200)
    return no_store(response)


def _status_counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(value, str(label), counts[value]) for value, label in Visibility.choices if counts.get(value)]


# --- the sensitive words ------------------------------------------------------------------------------------


@login_required
@permission_required("discussion.moderation_queue", raise_exception=True)
@require_http_methods(["GET", "POST"])
def words(request: HttpRequest) -> HttpResponse:
    """The sensitive-word list: add many at once, remove the checked ones, find; the screen follows at once."""
    add_form = WordsAddForm(request.POST if request.POST.get("action") == "add" else None)
    list_url = reverse("discussion:words")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                if add_form.is_valid():
                    lines = add_form.lines()
                    added = services.words_add(
                        words=lines, category=add_form.cleaned_data["category"].strip(), by=_user(request)
                    )
                    messages.success(
                        request,
                        _("已添加 %(added)s 个敏感词（%(known)s 个已在词库中）。")
                        % {"added": added, "known": len(set(lines)) - added},
                    )
                    return redirect(list_url)
            elif action == "remove":
                chosen = request.POST.getlist("word")
                if not chosen:
                    messages.error(request, _("请先勾选要删除的敏感词。"))
                else:
                    removed = services.words_remove(words=chosen, by=_user(request))
                    messages.success(request, _("已删除 %(n)s 个敏感词。") % {"n": removed})
                return redirect(_safe_next(request, list_url))
            else:
                raise Http404
        except ValidationError as exc:
            add_service_errors(add_form, exc)
    categories = list(
        SensitiveWord.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()
    )
    filters = WordsFilterForm(request.GET or None, categories=categories, auto_id="find_%s")
    qs = SensitiveWord.objects.only("id", "word", "category", "created_at").order_by("word")
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            qs = qs.filter(word__icontains=filters.cleaned_data["q"].strip())
        if filters.cleaned_data["category"]:
            qs = qs.filter(category=filters.cleaned_data["category"])
    page, base = paginate(request, qs, WORDS_PAGE_SIZE)
    context = {
        "add_form": add_form,
        "filters": filters,
        "page_obj": page,
        "querystring_base": base,
        "total": SensitiveWord.objects.count(),
        "filtered": bool(request.GET.get("q") or request.GET.get("category")),
    }
    return render(request, "discussion/staff/words.html", context, status=400 if add_form.errors else 200)


# --- the departments' inbox and their replies ------------------------------------------------------------------


@login_required
@permission_required("discussion.inbox", raise_exception=True)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """Suggestions routed to the viewer's departments (the office: all of its campaign), by deadline."""
    campaign = requested_campaign(request)
    state = request.GET.get("state") or "awaiting"
    if state not in INBOX_STATES:
        state = "awaiting"
    user = request.user
    now = timezone.now()
    counts = (
        selectors.inbox(user, campaign, state="all")
        .order_by()
        .aggregate(
            awaiting=Count("id", filter=Q(answer_state__in=AWAITING)),
            overdue=Count("id", filter=Q(answer_state__in=AWAITING, due_at__lt=now)),
            answered=Count("id", filter=Q(answer_state__in=ANSWERED)),
            all=Count("id"),
        )
    )
    page, base = paginate(request, selectors.inbox(user, campaign, state=state))
    forum = selectors.forum_settings(campaign)
    context = {
        "campaign": campaign,
        "state": state,
        "tabs": [(name, label, counts[name] or 0) for name, label in INBOX_STATES.items()],
        "page_obj": page,
        "querystring_base": base,
        "rows": _rows(page.object_list, forum),
        "remind_days": forum.remind_days,
        "can_manage": campaign is not None and user.has_perm("discussion.manage_forum", campaign),
    }
    return render(request, "discussion/staff/inbox.html", context)


@login_required
@permission_required("discussion.inbox", raise_exception=True)
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The department's answer to one suggestion; published at once, then the public page shows it."""
    suggestion = _staff_suggestion(request, pk, "discussion.reply")
    form = ReplyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_create(suggestion=suggestion, body=form.cleaned_data["body"], by=_user(request))
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("答复已发布，建言人和关注者会收到通知。"))
            return go_to(request, reverse("discussion:suggestion", args=[suggestion.pk]))
    forum = selectors.forum_settings(suggestion.campaign)
    context = {
        "suggestion": suggestion,
        "row": _rows([suggestion], forum)[0],
        "replies": selectors.replies_of(suggestion),
        "form": form,
        "can_route": request.user.has_perm("discussion.route", suggestion),
    }
    status = 400 if form.errors and not is_htmx(request) else 200
    return render(request, "discussion/staff/reply.html", context, status=status)


# --- the office -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def route(request: HttpRequest, pk: int) -> HttpResponse:
    """交办: the office sends a suggestion to a department (or re-routes it); the reply deadline starts now."""
    suggestion = _staff_suggestion(request, pk, "discussion.route")
    campaign = suggestion.campaign
    units = answering_units(campaign)
    form = RouteForm(_posted(request), campaign=campaign, units=units, initial={"department": suggestion.department_id})
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            routed = services.suggestion_route(
                suggestion=suggestion, department=unit, by=_user(request), note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            due = timezone.localtime(routed.due_at).strftime("%Y-%m-%d %H:%M") if routed.due_at else ""
            messages.success(request, _("已交办给%(unit)s，答复期限 %(due)s。") % {"unit": unit.name, "due": due})
            return redirect(_safe_next(request, _with_campaign(reverse("discussion:office"), campaign)))
    context = {"suggestion": suggestion, "campaign": campaign, "form": form, "next": _safe_next(request, "")}
    return render(request, "discussion/staff/route.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def office(request: HttpRequest) -> HttpResponse:
    """The office's overview of a campaign: answer figures, every published suggestion filtered, routing."""
    campaign = _office_campaign(request)
    units = answering_units(campaign)
    data = request.GET.copy()
    if data.get("overdue") and not data.get("state"):  # the link in the 督办 notice
        data["state"] = "overdue"
    form = OfficeFilterForm(data if data else None, campaign=campaign, units=units)
    qs = (
        selectors.office_suggestions(request.user, campaign, **form.filters())
        if not form.is_bound or form.is_valid()
        else Suggestion.objects.none()
    )
    page, base = paginate(request, qs)
    department_select = PlainSelect(choices=unit_choices(units, _("请选择承办单位"))).render(
        "department", None, attrs={"required": True, "aria-label": _("承办单位")}
    )
    context = {
        "campaign": campaign,
        "form": form,
        "figures": selectors.answer_figures(campaign),
        "page_obj": page,
        "querystring_base": base,
        "rows": _rows(page.object_list, selectors.forum_settings(campaign)),
        "department_select": department_select,
        "unrouted": AnswerState.UNROUTED,
    }
    return render(request, "discussion/staff/office.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def forum_settings(request: HttpRequest) -> HttpResponse:
    """The campaign's discussion settings and its routing rules, each form saved on its own."""
    campaign = _office_campaign(request)
    units = answering_units(campaign)
    rules = list(RoutingRule.objects.filter(campaign=campaign).select_related("department"))
    which = request.POST.get("form") if request.method == "POST" else None
    forum_form = ForumForm(request.POST if which == "forum" else None, instance=selectors.forum_settings(campaign))
    routing_form = RoutingForm(
        request.POST if which == "routing" else None, campaign=campaign, units=units, rules=rules
    )
    here = _with_campaign(reverse("discussion:settings"), campaign)
    if which == "forum" and forum_form.is_valid():
        try:
            services.forum_update(forum=services.forum_of(campaign), by=_user(request), **forum_form.values())
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(forum_form, exc)  # type: ignore[arg-type]  # a ModelForm is a form too
        else:
            messages.success(request, _("讨论区设置已保存。"))
            return redirect(here)
    elif which == "routing" and routing_form.is_valid():
        if _save_routing(routing_form, campaign, request.user):
            messages.success(request, _("分办规则已保存。"))
            return redirect(here)
    elif which not in (None, "forum", "routing"):
        raise Http404
    context = {"campaign": campaign, "forum_form": forum_form, "routing_form": routing_form}
    failed = forum_form.errors or routing_form.errors
    return render(request, "discussion/staff/settings.html", context, status=400 if failed else 200)


class _Undo(Exception):
    pass


def _save_routing(form: RoutingForm, campaign: Campaign, by: Any) -> bool:
    """Every changed rule, all or none; a refused one is shown next to its field."""
    try:
        with transaction.atomic():
            for name, theme, unit in form.changes():
                try:
                    services.routing_rule_set(campaign=campaign, theme=theme, department=unit, by=by)
                except ValidationError as exc:
                    form.add_error(name, exc.messages)
                except PermissionDenied as exc:
                    form.add_error(None, str(exc) or _("您没有权限执行此操作。"))
            if form.errors:
                raise _Undo
    except _Undo:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def import_offline(request: HttpRequest) -> HttpResponse:
    """Opinions gathered offline (书面意见, 走访, 12345) from a CSV: all rows or none, each bad row listed."""
    campaign = _office_campaign(request)
    if request.method == "GET" and request.GET.get("template"):
        return _csv_download(imports.template_csv(), _("线下意见导入模板.csv"), "offline-template.csv")
    form = ImportForm(
        _posted(request), request.FILES or None, max_bytes=imports.max_bytes(), max_rows=imports.max_rows()
    )
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = imports.import_offline(
                campaign=campaign, data=upload.read(), filename=(upload.name or "")[:200], by=_user(request)
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            if result.ok:
                messages.success(request, _("已导入 %(n)s 条线下意见。") % {"n": result.created})
                return redirect(_with_campaign(reverse("discussion:import"), campaign))
    errors = sorted(result.errors, key=lambda e: (e.row or 0, e.field)) if result is not None else []
    context = {
        "campaign": campaign,
        "form": form,
        "header": imports.TEMPLATE_HEADER,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(len(errors) - ERRORS_SHOWN, 0),
        "max_rows": imports.max_rows(),
    }
    failed = bool(form.errors or errors)
    return render(request, "discussion/staff/import.html", context, status=400 if failed else 200)


def _csv_download(data: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    name = quote(filename, safe="")
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{name}"
    return response
