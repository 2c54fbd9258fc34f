"""One problem's pages: filing, the five clarities, status moves, measures and progress, evidence,
extension requests, and the versioned history.

Thin: load the problem for the viewer (404 when out of scope, 403 when visible but not allowed), parse a
form, call the one service, and go back to the problem with a message. A refusal from the service is
shown next to the field it names, with the page around it, and nothing is saved. The measures section
answers htmx requests aimed at it with the section alone (and the refreshed header out of band).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.core.http import is_htmx, refusal, serve_private_file
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Unit
from taolun.research.models import ResearchTopic

from . import history, pages, selectors, services
from .forms import ProblemForm
from .models import EvidenceFile, Extension, Measure, Problem, ProblemSource, ProblemStatus

MEASURES_TARGET = "measures"


def _detail(request: HttpRequest, problem: Problem, key: str, form: Any) -> HttpResponse:
    """The detail page again with ``form`` showing its errors (nothing was saved)."""
    context = pages.detail_context(request, problem.pk, bound={key: form})
    if is_htmx(request, MEASURES_TARGET):
        # htmx swaps only successful answers: the section comes back with its errors inside.
        return render(request, "problems/_measures.html", context)
    return render(request, "problems/problem_detail.html", context, status=400)


def _done(request: HttpRequest, problem: Problem, message: str, anchor: str = "") -> HttpResponse:
    if is_htmx(request, MEASURES_TARGET):
        context = pages.detail_context(request, problem.pk)
        context["flash"] = message
        return render(request, "problems/_measures.html", context)
    messages.success(request, message)
    return redirect(f"{problem.get_absolute_url()}#{anchor}" if anchor else problem.get_absolute_url())


def _back_with_error(request: HttpRequest, problem: Problem, exc: ValidationError, anchor: str) -> HttpResponse:
    if is_htmx(request, MEASURES_TARGET):
        context = pages.detail_context(request, problem.pk)
        context["flash_error"] = refusal(exc)
        return render(request, "problems/_measures.html", context)
    messages.error(request, refusal(exc))
    return redirect(f"{problem.get_absolute_url()}#{anchor}")


# —— filing and editing ——


def _campaign(request: HttpRequest, topic: ResearchTopic | None) -> Campaign | None:
    """The topic's campaign, the one asked for (``?campaign=slug``), or the viewer's current one."""
    if topic is not None:
        return topic.campaign
    return requested_campaign(request)


def _topic(request: HttpRequest) -> ResearchTopic | None:
    """The research topic a problem is filed from (``?topic=``), if the viewer may see it."""
    raw = request.GET.get("topic", "")
    if not raw:
        return None
    topic = (
        ResearchTopic.objects.select_related("campaign__root_unit", "unit", "contact_unit", "theme")
        .filter(pk=int(raw))
        .first()
        if raw.isdigit()
        else None
    )
    if topic is None or not request.user.has_perm("research.view_topic", topic):
        raise Http404
    return topic


def _chosen_unit(request: HttpRequest, units: Any, fallback: Unit | None) -> Unit | None:
    """The unit the form is about: as posted, as asked for (``?unit=``), or ``fallback``."""
    code = (request.POST.get("unit") if request.method == "POST" else request.GET.get("unit")) or ""
    if code:
        return units.filter(code=code.strip()).first()
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def problem_create(request: HttpRequest) -> HttpResponse:
    """File a problem (已查摆) for a unit the viewer may file for; ``?topic=`` files it from a research topic."""
    user = request.user
    topic = _topic(request)
    campaign = _campaign(request, topic)
    if campaign is None:
        messages.warning(request, _("目前没有进行中的大讨论，无法登记问题。"))
        return redirect("home")
    units = selectors.units_for_filing(user, campaign)
    default = units.order_by("depth", "path").first()
    if default is None:
        raise PermissionDenied(_("您没有可以登记问题的单位。"))
    initial: dict[str, Any] = {"source": ProblemSource.SELF_EXAMINATION}
    if topic is not None:
        contact = topic.contact_unit
        in_scope = contact is not None and units.filter(pk=contact.pk).exists()
        default = contact if in_scope else default
        initial.update(source=ProblemSource.RESEARCH_TOPIC, theme=topic.theme_id or "", source_note=topic.title[:200])
    unit = _chosen_unit(request, units, default)
    initial["unit"] = unit
    form = ProblemForm(request.POST or None, campaign=campaign, units=units, owner_unit=unit, initial=initial)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            problem = services.problem_create(
                campaign=campaign,
                source=source,
                research_topic=topic if source == ProblemSource.RESEARCH_TOPIC else None,
                by=user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记问题 #%(n)s，请补齐“五个明确”后确认。") % {"n": problem.number})
            return redirect(problem)
    keep = {k: v for k, v in (("campaign", request.GET.get("campaign")), ("topic", request.GET.get("topic"))) if v}
    context = {
        "form": form,
        "campaign": campaign,
        "topic": topic,
        "problem": None,
        "refresh_url": f"{reverse('problems:create')}?{urlencode(keep)}" if keep else reverse("problems:create"),
    }
    return render(request, "problems/problem_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def problem_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The five clarities and the classification (the deadline only while the problem is found)."""
    problem = pages.load_problem(request, pk, "problems.change_problem")
    units = selectors.units_for_filing(request.user, problem.campaign)
    unit = problem.unit
    if problem.status == ProblemStatus.FOUND:
        unit = _chosen_unit(request, units, problem.unit) or problem.unit
    form = ProblemForm(request.POST or None, campaign=problem.campaign, units=units, owner_unit=unit, problem=problem)
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_update(problem=problem, by=request.user, **form.service_fields())  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(problem)
    context = {
        "form": form,
        "campaign": problem.campaign,
        "problem": problem,
        "refresh_url": reverse("problems:edit", args=[problem.pk]),
    }
    return render(request, "problems/problem_form.html", context)


# —— the problem page and its status ——


@login_required
@require_GET
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "problems/problem_detail.html", pages.detail_context(request, pk))


SERVICES = {
    "confirm": lambda p, d, by: services.problem_confirm(problem=p, by=by),
    "dismiss": lambda p, d, by: services.problem_dismiss(problem=p, reason=d["reason"], by=by),
    "restore": lambda p, d, by: services.problem_restore(problem=p, by=by),
    "finish": lambda p, d, by: services.problem_finish(problem=p, result=d["result"], by=by),
    "close": lambda p, d, by: services.problem_close(problem=p, note=d["note"], publish=d["publish"], by=by),
    "reject": lambda p, d, by: services.problem_reject(problem=p, reason=d["reason"], by=by),
    "reopen": lambda p, d, by: services.problem_reopen(problem=p, reason=d["reason"], by=by),
}


@login_required
@require_POST
def problem_move(request: HttpRequest, pk: int) -> HttpResponse:
    """One status move (``action=confirm|dismiss|restore|finish|close|reject|reopen``) with its text."""
    action = request.POST.get("action", "")
    move = pages.MOVES.get(action)
    if move is None:
        return HttpResponseBadRequest(_("未知的操作。"))
    problem = pages.load_problem(request, pk, move.perm)
    form = pages.form_for(action, problem, [], request.POST)
    if form.is_valid():
        try:
            SERVICES[action](problem, form.cleaned_data, request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, problem, str(move.message), "status")
    return _detail(request, problem, action, form)


@login_required
@require_POST
def problem_public(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a closed problem on the public ledger, or take it off (``public=1|0``)."""
    problem = pages.load_problem(request, pk, "problems.verify_problem")
    public = request.POST.get("public") == "1"
    try:
        services.problem_set_public(problem=problem, public=public, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        return _back_with_error(request, problem, exc, "status")
    return _done(request, problem, _("已在公开台账中公布。") if public else _("已从公开台账中撤下。"), "status")


@login_required
@require_GET
def problem_history(request: HttpRequest, pk: int) -> HttpResponse:
    problem = pages.load_problem(request, pk)
    return render(
        request, "problems/problem_history.html", {"problem": problem, "versions": history.problem_versions(problem)}
    )


# —— measures and progress ——


def _measure(request: HttpRequest, pk: int, perm: str) -> tuple[Measure, Problem]:
    measure = get_object_or_404(Measure.objects.only("id", "problem_id"), pk=pk)
    problem = pages.load_problem(request, measure.problem_id, perm)
    measure = Measure.objects.select_related("owner__unit").get(pk=pk)
    measure.problem = problem
    return measure, problem


@login_required
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem = pages.load_problem(request, pk, "problems.change_problem")
    form = pages.form_for("measure", problem, [], request.POST)
    if form.is_valid():
        try:
            services.measure_add(problem=problem, by=request.user, **form.service_fields())  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, problem, _("已添加整改措施。"), "measures")
    return _detail(request, problem, "measure", form)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure, problem = _measure(request, pk, "problems.change_problem")
    form = pages.measure_form(problem, request.POST or None, measure=measure)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_change(measure=measure, by=request.user, **form.service_fields())  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存整改措施。"))
            return redirect(f"{problem.get_absolute_url()}#measure-{measure.pk}")
    return render(request, "problems/measure_form.html", {"form": form, "measure": measure, "problem": problem})


@login_required
@require_POST
def measure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measure, problem = _measure(request, pk, "problems.change_problem")
    try:
        services.measure_delete(measure=measure, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        return _back_with_error(request, problem, exc, "measures")
    return _done(request, problem, _("已删除整改措施。"), "measures")


@login_required
@require_POST
def measure_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """A dated progress report on one measure, with optional evidence files."""
    measure, problem = _measure(request, pk, "problems.report_progress")
    form = pages.progress_form(measure, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.measure_progress(
                measure=measure,
                progress=data["progress"],
                note=data["note"],
                happened_on=data["happened_on"],
                files=data["file"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, problem, _("已报告整改进展。"), f"measure-{measure.pk}")
    return _detail(request, problem, f"progress-{measure.pk}", form)


# —— evidence ——


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    problem = pages.load_problem(request, pk, "problems.report_progress")
    form = pages.form_for("evidence", problem, selectors.measures_of(problem), request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                problem=problem,
                upload=form.cleaned_data["file"],
                measure=form.chosen_measure(),
                caption=form.cleaned_data["caption"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, problem, _("已上传佐证材料。"), "evidence")
    return _detail(request, problem, "evidence", form)


def _evidence(request: HttpRequest, pk: int, perm: str = "") -> tuple[EvidenceFile, Problem]:
    item = get_object_or_404(EvidenceFile, pk=pk)
    problem = pages.load_problem(request, item.problem_id, perm)
    item.problem = problem
    return item, problem


@login_required
@require_POST
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item, problem = _evidence(request, pk, "problems.change_problem")
    try:
        services.evidence_delete(item=item, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        return _back_with_error(request, problem, exc, "evidence")
    return _done(request, problem, _("已删除佐证材料。"), "evidence")


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """The file (``?thumb=1``: its thumbnail) after the permission check; documents only as downloads."""
    item, _problem = _evidence(request, pk)
    if request.GET.get("thumb") == "1":
        field, content_type, filename, inline = item.thumbnail, "image/jpeg", "thumb.jpg", True
    else:
        field, content_type, filename, inline = item.file, item.content_type, item.original_name, item.is_image
    # Evidence can be personal: never kept by a shared cache or the browser's disk.
    return serve_private_file(field, content_type, filename, inline=inline)


# —— extensions ——


@login_required
@require_POST
def extension_request(request: HttpRequest, pk: int) -> HttpResponse:
    problem = pages.load_problem(request, pk, "problems.report_progress")
    form = pages.form_for("extension", problem, [], request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.extension_request(
                problem=problem,
                new_deadline=data["new_deadline"],
                reason=data["reason"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, problem, _("延期申请已提交，等待办公室审批。"), "extensions")
    return _detail(request, problem, "extension", form)


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(Extension.objects.only("id", "problem_id"), pk=pk)
    problem = pages.load_problem(request, extension.problem_id, "problems.decide_extension")
    extension = Extension.objects.get(pk=pk)
    extension.problem = problem
    form = pages.form_for("decide", problem, [], request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.extension_decide(
                extension=extension,
                approve=approve,
                note=form.cleaned_data["note"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = _("已批准延期，办结时限已调整。") if approve else _("已驳回延期申请。")
            return _done(request, problem, message, "extensions")
    return _detail(request, problem, "decide", form)
