"""Research topic pages: the office's list and coverage, the leader's own topic, and one topic's life.

Thin: check the rule, call a selector or a service, render. A topic the viewer may not see answers 404,
the same as one that does not exist, so ids cannot be probed; one they see but may not change, 403.
Every change is a POST that goes through :mod:`taolun.research.services` (which audits it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.core.http import is_htmx, refusal, serve_private_file
from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Person, Unit
from taolun.problems.rules import own_person

from . import selectors, services
from .forms import DecideForm, ProgressForm, ReportForm, TopicFilterForm, TopicForm
from .models import ResearchTopic, TopicStatus, TopicUpdate

PROBLEMS_SHOWN = 100  # problems filed from one topic, listed on its page
# Statuses in which the leader records progress and hands in (or again hands in) the report.
WORKING = (TopicStatus.REGISTERED, TopicStatus.IN_PROGRESS, TopicStatus.RETURNED)


def load_topic(request: HttpRequest, pk: int, perm: str = "research.view_topic") -> ResearchTopic:
    """The topic if the viewer may see it (404 otherwise), and 403 if they may see it but not ``perm``."""
    try:
        topic = selectors.topic_for_page(pk)
    except ResearchTopic.DoesNotExist as exc:
        raise Http404 from exc
    user = request.user
    if not user.has_perm("research.view_topic", topic):
        raise Http404
    if perm != "research.view_topic" and not user.has_perm(perm, topic):
        raise PermissionDenied(_("您没有权限执行这一操作。"))
    return topic


def _scope_units(request: HttpRequest, campaign: Campaign | None) -> Any:
    units = Unit.objects.within_paths(selectors.manager_paths(request.user))
    if campaign is not None:
        units = units.filter(path__startswith=campaign.root_unit.path)
    return units


# --- lists ----------------------------------------------------------------------------------------


@login_required
@permission_required("research.browse_topics", raise_exception=True)
def topic_list(request: HttpRequest) -> HttpResponse:
    """The topics of the leaders in the viewer's scope for one campaign, filtered by unit, status, theme, text."""
    campaign = requested_campaign(request)
    form = TopicFilterForm(request.GET or None, campaign=campaign, units=_scope_units(request, campaign))
    filters: dict[str, Any] = {}
    qs = selectors.topics_visible_to(request.user)
    if campaign is None:
        qs = qs.none()
    if form.is_bound:
        if form.is_valid():
            filters = form.cleaned_data
        else:
            qs = qs.none()
    qs = selectors.filter_topics(
        qs,
        campaign=campaign,
        unit=filters.get("unit"),
        status=filters.get("status") or "",
        theme=filters.get("theme"),
        q=filters.get("q") or "",
    )
    page, base = paginate(request, qs)
    context = {
        "form": form,
        "campaign": campaign,
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
        "unit": filters.get("unit"),
        "chosen_campaign": request.GET.get("campaign", ""),
    }
    template = "research/_list_rows.html" if is_htmx(request, "topic-rows") else "research/list.html"
    return render(request, template, context)


@login_required
@permission_required("research.browse_topics", raise_exception=True)
def coverage(request: HttpRequest) -> HttpResponse:
    """Which leading cadres under a unit have registered a topic, at which stage, and who has not."""
    campaign = requested_campaign(request)
    if campaign is None:
        messages.warning(request, _("目前没有进行中的大讨论。"))
        return redirect("research:list")
    units = _scope_units(request, campaign)
    code = request.GET.get("unit", "").strip()
    unit = units.filter(code=code).first() if code else units.order_by("depth", "path").first()
    if unit is None:
        raise Http404
    result = selectors.coverage(campaign, unit)
    page, base = paginate(request, result.missing)
    return render(
        request,
        "research/coverage.html",
        {
            "campaign": campaign,
            "unit": unit,
            "coverage": result,
            "by_status": [(TopicStatus(s).label, s, n) for s, n in result.by_status.items()],
            "page_obj": page,
            "querystring_base": base,
            "chosen_campaign": request.GET.get("campaign", ""),
        },
    )


@login_required
@permission_required("research.lead_topic", raise_exception=True)
def my_topic(request: HttpRequest) -> HttpResponse:
    """The leader's own topic for the campaign, or a prompt and the form to start it."""
    campaign = requested_campaign(request)
    person = own_person(request.user)
    topic = selectors.topic_of(campaign, person) if campaign is not None else None
    if topic is not None:
        return redirect("research:detail", pk=topic.pk)
    in_campaign = (
        campaign is not None and selectors.leaders_for_topics(request.user, campaign).filter(pk=person.pk).exists()
    )
    form = (
        TopicForm(
            campaign=campaign,
            leaders=Person.objects.filter(pk=person.pk),
            initial={"leader": person},
        )
        if campaign is not None and in_campaign
        else None
    )
    return render(request, "research/mine.html", {"campaign": campaign, "person": person, "form": form})


# --- writing the topic ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    """Start a topic: a leader for themself, the office or a liaison for a leader in their scope."""
    user = request.user
    if not (user.has_perm("research.browse_topics") or user.has_perm("research.lead_topic")):
        raise PermissionDenied(_("只有领导干部本人和负责的办公室、联络员可以登记调研课题。"))
    back = "research:list" if user.has_perm("research.browse_topics") else "research:mine"
    campaign = requested_campaign(request)
    if campaign is None:
        messages.warning(request, _("目前没有进行中的大讨论，无法登记调研课题。"))
        return redirect(back)
    leaders = selectors.leaders_for_topics(user, campaign)
    initial: dict[str, Any] = {}
    wanted = request.GET.get("leader", "")
    chosen = leaders.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    person = own_person(user)
    if chosen is None and person is not None and person.is_leading_cadre:
        chosen = leaders.filter(pk=person.pk).first()
    if chosen is not None:
        initial["leader"] = chosen
    form = TopicForm(request.POST or None, campaign=campaign, leaders=leaders, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(
                campaign=campaign,
                leader=form.cleaned_data["leader"],
                by=user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存课题“%(title)s”（草稿），信息齐全后请登记。") % {"title": topic.title})
            return redirect("research:detail", pk=topic.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "research/form.html",
        {"form": form, "campaign": campaign, "topic": None, "back": back},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    topic = load_topic(request, pk, "research.change_topic")
    if not topic.is_editable:
        messages.warning(request, _("课题%(status)s，不能再修改。") % {"status": topic.get_status_display()})
        return redirect("research:detail", pk=topic.pk)
    form = TopicForm(request.POST or None, campaign=topic.campaign, topic=topic)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_update(topic=topic, by=request.user, **form.service_fields())  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("research:detail", pk=topic.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "research/form.html", {"form": form, "campaign": topic.campaign, "topic": topic}, status=status
    )


# --- one topic ------------------------------------------------------------------------------------


def detail_context(request: HttpRequest, topic: ResearchTopic, **forms: Any) -> dict[str, Any]:
    """The topic page's context; bound forms with errors (``progress_form``, ``decide_form``) replace the empty ones."""
    from taolun.problems.selectors import problems_visible_to

    user = request.user
    can_change = user.has_perm("research.change_topic", topic)
    can_decide = user.has_perm("research.decide_topic", topic)
    problems = list(
        problems_visible_to(user)
        .filter(research_topic=topic)
        .select_related("unit")
        .order_by("number")[: PROBLEMS_SHOWN + 1]
    )
    return {
        "topic": topic,
        "members": list(topic.members.select_related("unit").order_by("unit__path", "name")),
        "updates": list(selectors.timeline(topic)),
        "can_change": can_change,
        "can_edit": can_change and topic.is_editable,
        "can_register": can_change and topic.status == TopicStatus.DRAFT,
        "can_progress": can_change and topic.status in WORKING,
        "can_report": can_change and topic.status in WORKING,
        "can_decide": can_decide and topic.status == TopicStatus.REPORTED,
        "can_file_problem": user.has_perm("problems.add_problem", topic.unit),
        "progress_form": forms.get("progress_form") or ProgressForm(),
        "decide_form": forms.get("decide_form") or DecideForm(),
        "problems": problems[:PROBLEMS_SHOWN],
        "more_problems": len(problems) > PROBLEMS_SHOWN,
    }


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = load_topic(request, pk)
    return render(request, "research/detail.html", detail_context(request, topic))


@login_required
@require_http_methods(["GET", "POST"])
def topic_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft → registered, once the theme, contact point and plan are filled in."""
    topic = load_topic(request, pk, "research.change_topic")
    if topic.status != TopicStatus.DRAFT:
        messages.info(request, _("课题已经登记。"))
        return redirect("research:detail", pk=topic.pk)
    problems: list[str] = []
    if request.method == "POST":
        try:
            services.topic_register(topic=topic, by=request.user)  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            problems = [refusal(exc)]
        else:
            messages.success(request, _("课题已登记，可以记录调研进展。"))
            return redirect("research:detail", pk=topic.pk)
    return render(
        request,
        "research/register.html",
        {"topic": topic, "problems": problems},
        status=400 if problems else 200,
    )


def _step(
    request: HttpRequest,
    topic: ResearchTopic,
    form: Any,
    save: Callable[[dict[str, Any]], str],
    template: str,
    anchor: str,
) -> HttpResponse:
    """Run ``save`` with a valid POSTed form (it returns the message) and go back to the topic; otherwise
    show the form again, with the service's refusal next to its field and nothing saved."""
    if request.method == "POST" and form.is_valid():
        try:
            message = save(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(f"{topic.get_absolute_url()}#{anchor}")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, {"topic": topic, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def topic_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """One dated step of the research, with an optional file."""
    topic = load_topic(request, pk, "research.change_topic")
    if topic.status not in WORKING:
        messages.warning(request, _("课题%(status)s，不能记录进展。") % {"status": topic.get_status_display()})
        return redirect("research:detail", pk=topic.pk)
    form = ProgressForm(request.POST or None, request.FILES or None)

    def save(data: dict[str, Any]) -> str:
        services.topic_progress(
            topic=topic,
            happened_on=data["happened_on"],
            content=data["content"],
            upload=data.get("file"),
            by=request.user,  # type: ignore[arg-type]
        )
        return _("已记录调研进展。")

    return _step(request, topic, form, save, "research/progress.html", "timeline")


@login_required
@require_http_methods(["GET", "POST"])
def topic_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The final report: findings, countermeasures (对策建议) and the report's text; also after a return."""
    topic = load_topic(request, pk, "research.change_topic")
    if topic.status not in WORKING:
        messages.warning(request, _("课题%(status)s，不能报送。") % {"status": topic.get_status_display()})
        return redirect("research:detail", pk=topic.pk)
    initial = {"findings": topic.findings, "countermeasures": topic.countermeasures, "report": topic.report}
    form = ReportForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> str:
        services.topic_report(
            topic=topic,
            findings=data["findings"],
            countermeasures=data["countermeasures"],
            report=data["report"],
            by=request.user,  # type: ignore[arg-type]
        )
        return _("调研报告已报送，等待办公室验收。")

    return _step(request, topic, form, save, "research/report.html", "report")


@login_required
@require_POST
def topic_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The office accepts the report or returns it with a reason."""
    topic = load_topic(request, pk, "research.decide_topic")
    form = DecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.topic_accept(topic=topic, by=request.user)  # type: ignore[arg-type]
                message = _("调研课题已通过验收。")
            else:
                services.topic_return(topic=topic, reason=data["reason"], by=request.user)  # type: ignore[arg-type]
                message = _("调研课题已退回修改，已通知牵头领导。")
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("research:detail", pk=topic.pk)
    return render(request, "research/detail.html", detail_context(request, topic, decide_form=form), status=400)


# --- history and files ----------------------------------------------------------------------------


@login_required
def topic_history(request: HttpRequest, pk: int) -> HttpResponse:
    topic = load_topic(request, pk)
    return render(request, "research/history.html", {"topic": topic, "versions": selectors.topic_versions(topic)})


@login_required
def update_file(request: HttpRequest, pk: int) -> FileResponse:
    """A progress update's file, for those who see the topic; always a download, never rendered in our origin."""
    update = get_object_or_404(TopicUpdate.objects.select_related("topic__unit"), pk=pk)
    if not update.file or not request.user.has_perm("research.view_topic", update.topic):
        raise Http404
    name = update.original_name or f"attachment.{(update.file.name or '').rsplit('.', 1)[-1]}"
    content_type = update.content_type or "application/octet-stream"
    return serve_private_file(update.file, content_type, name, inline=False, cache="private, max-age=3600")
