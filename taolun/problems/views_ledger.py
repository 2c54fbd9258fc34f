"""The ledger pages: the filtered ledger (问题清单/整改台账) and its summaries, a person's own tasks, the
office's queue, the public ledger, and leaders' self-examination.

Thin: check the rule, read through the selectors, write through the services. Lists read one page of ids
first and then those rows with their relations, so a page costs the same whatever the ledger's size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rules.contrib.views import permission_required

from taolun.campaigns.http import requested_campaign
from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import current_campaign, published_campaigns
from taolun.core.http import is_htmx
from taolun.core.pagination import paginate, paginate_uncounted
from taolun.orgs.models import Unit

from . import selectors
from .forms_ledger import SelfExamFilterForm, item_rows, ledger_filter_from, raw_rows, self_exam_formset
from .lights import FINISHED, measure_light
from .models import Problem, ProblemSource, ProblemStatus, SelfExamination
from .rules import own_person
from .selfexam import required_aspects, self_examination_save

COUNT_LIMIT = 2000  # up to this many problems the ledger page counts them and shows their totals at once
SUMMARY_LIMIT = 500  # groups shown on a summary page (the largest first)
MINE_LIMIT = 300  # problems and measures on "我的整改"
QUEUE_LIMIT = 200  # rows of each list in the office's queue (the oldest first)
PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may keep a public ledger page
SELF_EXAM_BLANK_ROWS = 3
SUMMARY_CHARS = 60  # of a problem's text in a ledger row
BY_CHOICES = ("unit", "owner", "category", "theme", "source", "status")
# The ledger parameter a summary group filters by (``owner`` is a person's id).
BY_PARAM = {"unit": "unit", "owner": "owner", "category": "category", "theme": "theme", "source": "source"}


def _query(params: QueryDict, *, drop: tuple[str, ...] = (), **values: Any) -> str:
    """The query string ``params`` without ``page`` and ``drop``, with ``values`` set."""
    query = params.copy()
    for name in ("page", *drop, *values):
        query.pop(name, None)
    for name, value in values.items():
        if value not in (None, ""):
            query[name] = str(value)
    return query.urlencode()


def _office_paths(request: HttpRequest) -> list[str]:
    """The office's subtrees (403 for anyone who is not the office or an admin)."""
    paths = selectors.office_paths(request.user)
    if not paths:
        raise PermissionDenied(_("只有活动办公室可以查看这一页面。"))
    return paths


# —— the ledger ——


def _counted_page(request: HttpRequest, ids: QuerySet[Any], count: int) -> tuple[Page, str]:
    """A page of ``ids`` whose total is already known (the totals strip counted them): no second COUNT."""
    paginator = Paginator(ids, settings.TAOLUN_PAGE_SIZE)
    paginator.__dict__["count"] = count  # fills the cached property
    page = paginator.get_page(request.GET.get("page"))
    base = _query(request.GET)
    return page, f"{base}&" if base else ""


def _ledger_qs(user: Any, campaign: Campaign | None, ledger_filter: Any, today: dt.date) -> QuerySet[Problem]:
    """The filtered ledger in the viewer's scope (nothing without a campaign or with filters that did not parse)."""
    if campaign is None or ledger_filter is None:
        return Problem.objects.none()
    return selectors.filter_problems(selectors.ledger_problems(user, campaign), ledger_filter, today=today)


def _link_rows(rows: list[Problem]) -> None:
    """What each row shows beyond its fields: its address (from one ``reverse``), its labels and a short text.

    Fifty ``{% url %}``, ``get_…_display`` and ``truncatechars`` calls are a noticeable share of the page's time.
    """
    pattern = reverse("problems:detail", args=[0])
    head = pattern[: pattern.rindex("/0/") + 1]
    tail = pattern[len(head) + 1 :]
    sources, statuses = dict(ProblemSource.choices), dict(ProblemStatus.choices)
    for row in rows:
        row.url = f"{head}{row.pk}{tail}"  # type: ignore[attr-defined]
        row.source_label = sources.get(row.source, row.source)  # type: ignore[attr-defined]
        row.status_label = statuses.get(row.status, row.status)  # type: ignore[attr-defined]
        text = " ".join(row.content.split())
        row.summary = text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"  # type: ignore[attr-defined]


def _where(user: Any, campaign: Campaign | None, unit: Unit | None) -> Unit | None:
    """Where the viewer would file or import problems from this ledger: the unit filtered by, else the top of
    their scope within the campaign (None without a campaign or a scope). An unsaved unit stands for a path
    the rules are asked about, so that no unit is loaded for it."""
    if campaign is None:
        return None
    if unit is not None:
        return unit
    root = campaign.root_unit.path
    paths = selectors.ledger_paths(user)
    if any(root.startswith(p) for p in paths):
        return campaign.root_unit
    inside = sorted(p for p in paths if p.startswith(root))
    return Unit(path=inside[0]) if inside else None


@login_required
@permission_required("problems.browse_ledger", raise_exception=True)
def ledger(request: HttpRequest) -> HttpResponse:
    """The campaign's problems in the viewer's scope, filtered, with their totals on top."""
    user = request.user
    campaign = requested_campaign(request)
    today = timezone.localdate()
    form, ledger_filter = ledger_filter_from(request.GET, user=user, campaign=campaign)
    qs = _ledger_qs(user, campaign, ledger_filter, today)
    if is_htmx(request, "ledger-totals"):  # the totals of a large ledger, asked for once the page is shown
        return render(request, "problems/ledger_totals.html", {"tally": selectors.totals(qs, today=today)})
    # Totals and a page count when the ledger is of a unit's size; a district's hundred thousand problems are
    # not counted before the page is shown (their totals follow by htmx, or on request without scripts).
    tally = selectors.totals_upto(qs, COUNT_LIMIT, today=today)
    if tally is not None:
        page, base = _counted_page(request, qs.values_list("pk", flat=True), tally.total)
    else:
        page, base = paginate_uncounted(request, qs.values_list("pk", flat=True))
        if request.GET.get("totals") == "1":
            tally = selectors.totals(qs, today=today)
    rows = selectors.ledger_rows(list(page.object_list), today=today)
    _link_rows(rows)
    unit = ledger_filter.unit if ledger_filter else None
    where = _where(user, campaign, unit)
    context = {
        "campaign": campaign,
        "form": form,
        "owner": getattr(form, "person", None),
        "tally": tally,
        "rows": rows,
        "page_obj": page,
        "querystring_base": base,
        "filter_query": _query(request.GET, drop=("totals",)),
        "unit": unit,
        "can_import": where is not None and user.has_perm("problems.import_ledger", where),
        "can_add": where is not None and user.has_perm("problems.add_problem", where),
        "today": today,
    }
    template = "problems/_ledger_rows.html" if is_htmx(request, "ledger-rows") else "problems/ledger.html"
    return render(request, template, context)


# —— summaries ——


def _group_label(by: str, tally: selectors.Tally) -> str:
    if by == "status":
        return str(ProblemStatus(tally.key).label) if tally.key in ProblemStatus.values else str(tally.key)
    if by == "source":
        return str(ProblemSource(tally.key).label) if tally.key in ProblemSource.values else str(tally.key)
    if tally.key is None:
        return {"owner": _("未指定责任人"), "category": _("未分类"), "theme": _("未关联主题")}.get(by, _("未指定"))
    return tally.label


def _group_link(params: QueryDict, by: str, tally: selectors.Tally) -> str:
    """The ledger filtered by this group (and the summary's own filters); empty when it cannot be."""
    if tally.key is None:
        return ""
    if by == "status":
        return _query(params, drop=("by", "who"), status=tally.key)
    return _query(params, drop=("by", "who"), **{BY_PARAM[by]: tally.key})


def _breadcrumbs(unit: Unit, paths: list[str]) -> list[Unit]:
    """The units above ``unit`` that lie in the viewer's scope, from the top down (one query)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    if not ids:
        return []
    return list(Unit.objects.within_paths(paths).filter(pk__in=ids).order_by("depth"))


@login_required
@permission_required("problems.browse_ledger", raise_exception=True)
def summary(request: HttpRequest) -> HttpResponse:
    """The ledger counted per unit (rolled up, drilling down), person, category, theme, source or status."""
    user = request.user
    by = request.GET.get("by") or "unit"
    if by not in BY_CHOICES:
        by = "unit"
    campaign = requested_campaign(request)
    today = timezone.localdate()
    form, ledger_filter = ledger_filter_from(request.GET, user=user, campaign=campaign)
    qs = _ledger_qs(user, campaign, ledger_filter, today)
    paths = selectors.ledger_paths(user)
    sections: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    breadcrumbs: list[Unit] = []
    truncated = False
    if by == "unit" and campaign is not None and ledger_filter is not None:
        roots = [ledger_filter.unit] if ledger_filter.unit else selectors.scope_roots(paths, campaign)
        if ledger_filter.unit:
            breadcrumbs = _breadcrumbs(ledger_filter.unit, paths)
        for root in roots:
            rolled = selectors.unit_rollup(root, qs, today=today)
            whole = selectors.Tally(key=root.pk, label=root.name)
            rows = []
            for unit, tally in rolled:
                whole.add(vars(tally))
                own = unit.pk == root.pk
                rows.append(
                    {
                        "unit": unit,
                        "tally": tally,
                        "own": own,
                        "ledger": "" if own else _query(request.GET, drop=("by", "who"), unit=unit.code),
                        "drill": "" if own else _query(request.GET, unit=unit.code, by="unit"),
                    }
                )
            sections.append(
                {
                    "root": root,
                    "whole": whole,
                    "rows": rows,
                    "ledger": _query(request.GET, drop=("by",), unit=root.code),
                }
            )
    elif by != "unit":
        tallies = selectors.summary(qs, by, today=today, limit=SUMMARY_LIMIT + 1)
        truncated = len(tallies) > SUMMARY_LIMIT
        groups = [
            {"label": _group_label(by, t), "tally": t, "ledger": _group_link(request.GET, by, t)}
            for t in tallies[:SUMMARY_LIMIT]
        ]
    context = {
        "campaign": campaign,
        "form": form,
        "owner": getattr(form, "person", None),
        "by": by,
        "by_links": [(key, _query(request.GET, by=key)) for key in BY_CHOICES],
        "sections": sections,
        "groups": groups,
        "breadcrumbs": breadcrumbs,
        "truncated": truncated,
        "limit": SUMMARY_LIMIT,
        "filter_query": _query(request.GET, drop=("by",)),
    }
    return render(request, "problems/summary.html", context)


# —— a person's tasks, the office's queue ——


@login_required
@permission_required("problems.work_on_tasks", raise_exception=True)
def mine(request: HttpRequest) -> HttpResponse:
    """The problems and measures the viewer answers for, with lights and deadlines; where to report progress."""
    person = own_person(request.user)
    campaign = requested_campaign(request)
    today = timezone.localdate()
    problems: list[Problem] = []
    measures: list[Any] = []
    if campaign is not None and person is not None:
        owned = selectors.owned_by(person).filter(campaign=campaign).order_by("due_on", "number")
        problems = list(selectors.with_rows(owned, today=today)[: MINE_LIMIT + 1])
        for measure in selectors.measures_owned_by(person, campaign)[: MINE_LIMIT + 1]:
            finished = measure.problem.status in FINISHED
            measure.light = measure_light(measure, problem_finished=finished, today=today)  # type: ignore[attr-defined]
            measure.can_report = measure.progress < 100 and measure.problem.is_open  # type: ignore[attr-defined]
            measures.append(measure)
    context = {
        "campaign": campaign,
        "person": person,
        "problems": problems[:MINE_LIMIT],
        "measures": measures[:MINE_LIMIT],
        "more": len(problems) > MINE_LIMIT or len(measures) > MINE_LIMIT,
        "limit": MINE_LIMIT,
        "open_count": sum(1 for p in problems if p.is_open),
        "red_count": sum(1 for p in problems if getattr(p, "light", "") == "red"),
    }
    return render(request, "problems/mine.html", context)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """What waits for the office: problems declared done (to verify and close) and extension requests."""
    _office_paths(request)
    campaign = requested_campaign(request)
    awaiting: list[Problem] = []
    extensions: list[Any] = []
    if campaign is not None:
        awaiting = list(selectors.awaiting_verification(request.user, campaign)[: QUEUE_LIMIT + 1])
        extensions = list(
            selectors.pending_extensions(request.user).filter(problem__campaign=campaign)[: QUEUE_LIMIT + 1]
        )
    context = {
        "campaign": campaign,
        "awaiting": awaiting[:QUEUE_LIMIT],
        "extensions": extensions[:QUEUE_LIMIT],
        "awaiting_more": len(awaiting) > QUEUE_LIMIT,
        "extensions_more": len(extensions) > QUEUE_LIMIT,
        "limit": QUEUE_LIMIT,
    }
    return render(request, "problems/queue.html", context)


# —— the public ledger ——


def _public_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    """Closed problems the office published, with only the public fields, the same for every reader.

    Rendered without the request's context (no session, no CSRF token, no personal navigation), so the
    page may be kept by browsers and proxies for a few minutes.
    """
    page, base = paginate_uncounted(request, selectors.public_ledger(campaign))
    context = {
        "campaign": campaign,
        "fields": set(selectors.public_fields()),
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
    }
    response = HttpResponse(render_to_string("problems/public.html", context))
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Accept-Language",))
    return response


def public_current(request: HttpRequest) -> HttpResponse:
    campaign = current_campaign() or published_campaigns().order_by("-start_date", "-id").first()
    if campaign is None:
        raise Http404
    return _public_page(request, campaign)


def public_ledger(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = published_campaigns().filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return _public_page(request, campaign)


# —— leaders' self-examination ——


def _item_dicts(examination: SelfExamination | None) -> list[dict[str, Any]]:
    if examination is None:
        return []
    return [
        {"aspect": i.aspect, "gap": i.gap, "measure": i.measure, "deadline": i.deadline}
        for i in examination.items.all()
    ]


def _missing(aspects: list[str], examination: SelfExamination | None) -> list[str]:
    covered = {i.aspect for i in examination.items.all()} if examination is not None else set()
    return [a for a in aspects if a not in covered]


@login_required
@permission_required("problems.examine_self", raise_exception=True)
@require_http_methods(["GET", "POST"])
def self_exam_mine(request: HttpRequest) -> HttpResponse:
    """The leader's own self-examination: rows of aspect, gap, measure and deadline; save, or submit to the office."""
    person = own_person(request.user)
    campaign = current_campaign(viewer=request.user)
    if campaign is None or person is None:
        return render(request, "problems/self_exam_mine.html", {"campaign": None})
    examination = selectors.self_examination_of(campaign, person)
    aspects = required_aspects(campaign)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "add":  # one more blank row; nothing is saved
            formset = self_exam_formset(extra=1)(initial=raw_rows(request.POST), prefix="items")
        else:
            formset = self_exam_formset(extra=0)(request.POST, prefix="items")
            if formset.is_valid():
                try:
                    self_examination_save(
                        campaign=campaign,
                        person=person,
                        items=item_rows(formset),
                        by=request.user,  # type: ignore[arg-type]
                        submit=action == "submit",
                    )
                except ValidationError as exc:
                    errors = list(exc.messages)
                except PermissionDenied as exc:
                    errors = [str(exc) or _("您没有权限执行此操作。")]
                else:
                    messages.success(request, _("自我剖析已提交。") if action == "submit" else _("自我剖析已保存。"))
                    return redirect("problems:self_exam")
            else:
                errors = [_("有填写不完整的事项，请按提示修改后再保存。")]
    else:
        rows = _item_dicts(examination)
        blank = SELF_EXAM_BLANK_ROWS if rows else max(SELF_EXAM_BLANK_ROWS, len(aspects))
        formset = self_exam_formset(extra=blank)(initial=rows, prefix="items")
    for number, form in enumerate(formset.forms, start=1):
        form.number = number  # type: ignore[attr-defined]
        if number <= len(aspects):
            form.fields["aspect"].widget.attrs["placeholder"] = _("如：%(aspect)s") % {"aspect": aspects[number - 1]}
    context = {
        "campaign": campaign,
        "person": person,
        "examination": examination,
        "formset": formset,
        "aspects": aspects,
        "missing": _missing(aspects, examination),
        "errors": errors,
    }
    return render(request, "problems/self_exam_mine.html", context)


@login_required
def self_exam_list(request: HttpRequest) -> HttpResponse:
    """The leading cadres in the office's scope: who submitted their self-examination, and how many items."""
    paths = _office_paths(request)
    campaign = requested_campaign(request)
    units = Unit.objects.within_paths(paths)
    if campaign is not None:
        units = units.filter(path__startswith=campaign.root_unit.path)
    form = SelfExamFilterForm(request.GET or None, units=units)
    qs = selectors.self_examination_rows(request.user, campaign) if campaign is not None else None
    if qs is not None and form.is_bound:
        qs = form.narrow(qs) if form.is_valid() else qs.none()
    page, base = paginate(request, qs) if qs is not None else paginate(request, [])
    context = {"campaign": campaign, "form": form, "page_obj": page, "querystring_base": base, "rows": page.object_list}
    return render(request, "problems/self_exam_list.html", context)


@login_required
def self_exam_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One leader's self-examination, for the office covering the leader's unit (and the leader)."""
    examination = get_object_or_404(SelfExamination.objects.select_related("person", "unit", "campaign"), pk=pk)
    if not request.user.has_perm("problems.view_self_examination", examination):
        raise Http404
    items = list(examination.items.all())
    covered = {i.aspect for i in items}
    context = {
        "examination": examination,
        "items": items,
        "missing": [a for a in required_aspects(examination.campaign) if a not in covered],
        "is_own": examination.person.user_id == request.user.pk,
    }
    return render(request, "problems/self_exam_detail.html", context)
