"""Activity pages: lists and calendars, planning, invitations, check-in, attendance and leave.

Thin: check the rule, call a selector or a service, render. An activity the viewer may not see answers
404, the same as one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.campaigns.http import requested_campaign
from taolun.core.http import is_htmx, no_store, qr_data_uri, refusal
from taolun.core.pagination import paginate, paginate_uncounted
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Unit
from taolun.orgs.selectors import person_of

from . import checkin, selectors, services
from .forms import (
    ActivityFilterForm,
    ActivityForm,
    CheckinForm,
    InviteForm,
    LeaveDecisionForm,
    LeaveForm,
    ReasonForm,
)
from .models import Activity, ActivityStatus, Invitation, InvitationStatus

PARTICIPANTS_PER_PAGE = 100
CALENDAR_PAGE_SIZE = 50  # a unit's month as a list, page by page
DAY_LIMIT = 4  # activities shown in a day's cell of the month grid
MY_LIMIT = 300  # a person's own invitations on "我的活动"
GRID_LIST_LIMIT = 300  # above this many in a month, the grid shows each day's count instead of titles


def load_activity(request: HttpRequest, pk: int, perm: str = "activities.view_activity") -> Activity:
    """The activity if the viewer may see it (404 otherwise), and 403 if they may see but not ``perm``."""
    activity = get_object_or_404(Activity.objects.select_related("unit", "campaign"), pk=pk)
    user = request.user
    if not user.has_perm("activities.view_activity", activity):
        raise Http404
    if perm != "activities.view_activity" and not user.has_perm(perm, activity):
        raise PermissionDenied(_("您没有权限修改这一活动。"))
    return activity


def _default_unit(units: Any) -> Unit | None:
    """The top unit of the viewer's planning scope (the unit the lists start from)."""
    return units.order_by("depth", "path").first()


# --- lists and calendars --------------------------------------------------------------------------


@login_required
@permission_required("activities.plan_activities", raise_exception=True)
def activity_list(request: HttpRequest) -> HttpResponse:
    """The activities held in the viewer's scope, newest first, filtered by unit, kind, status and date."""
    user = request.user
    campaign = requested_campaign(request)
    units = Unit.objects.within_paths(selectors.planner_paths(user))
    form = ActivityFilterForm(request.GET or None, campaign=campaign, units=units)
    qs = selectors.activities_managed_by(user)
    filters: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            filters = form.cleaned_data
        else:
            qs = qs.none()
    unit = filters.get("unit")
    qs = selectors.filter_activities(
        qs,
        campaign=campaign,
        unit=unit,
        kind=filters.get("kind") or "",
        status=filters.get("status") or "",
        since=filters.get("since"),
        until=filters.get("until"),
        q=(filters.get("q") or "").strip(),
    )
    # No total: counting a district's hundred thousand activities would cost more than the page itself.
    page, base = paginate_uncounted(request, qs.values_list("pk", flat=True))
    rows = selectors.rows_with_counts(list(page.object_list))
    context = {
        "form": form,
        "campaign": campaign,
        "page_obj": page,
        "querystring_base": base,
        "rows": rows,
        "unit": unit,
        "can_create": campaign is not None,
    }
    template = "activities/_list_rows.html" if is_htmx(request, "activity-rows") else "activities/list.html"
    return render(request, template, context)


@login_required
def my_activities(request: HttpRequest) -> HttpResponse:
    """The viewer's own invitations: what is coming, what is open for check-in now, what has passed."""
    person = person_of(request.user)
    context: dict[str, Any] = {"person": person}
    if person is not None:
        now = timezone.now()
        invitations = selectors.person_invitations(person).exclude(
            activity__status=ActivityStatus.CANCELLED, activity__end_at__lt=now
        )
        upcoming: list[Invitation] = []
        past: list[Invitation] = []
        for inv in invitations[:MY_LIMIT]:
            inv.checkin_open = inv.activity.checkin_state(now) == "open"  # type: ignore[attr-defined]
            (upcoming if inv.activity.end_at >= now else past).append(inv)
        upcoming.reverse()
        context.update(upcoming=upcoming, past=past, rate=selectors.person_rate(person))
    return render(request, "activities/mine.html", context)


@login_required
def person_activities(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's invitations with attendance, leave and speeches, and their attendance rate."""
    from taolun.orgs.models import Person

    person = get_object_or_404(Person.objects.select_related("unit"), pk=pk)
    if not request.user.has_perm("orgs.view_person", person):
        raise Http404
    page, base = paginate(request, selectors.person_invitations(person))
    return render(
        request,
        "activities/person.html",
        {"person": person, "page_obj": page, "querystring_base": base, "rate": selectors.person_rate(person)},
    )


def _month(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        dt.date(year, month, 1)
    except (TypeError, ValueError):
        return today.year, today.month
    if not 1970 <= year <= 2100:
        return today.year, today.month
    return year, month


def _day(request: HttpRequest, first: dt.date, last: dt.date) -> dt.date | None:
    """``?day=YYYY-MM-DD`` inside the month shown: the list of that day alone."""
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return None
    return day if first <= day <= last else None


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    """A month grid or a list: the viewer's own activities, or (for planners) a unit's with ``?unit=``."""
    user = request.user
    year, month = _month(request)
    first, last = selectors.month_bounds(year, month)
    view = "list" if request.GET.get("view") == "list" else "month"
    unit = None
    code_or_id = request.GET.get("unit", "")
    planner = user.has_perm("activities.plan_activities")
    mine = request.GET.get("mine") == "1" or not planner
    if planner and code_or_id:
        units = Unit.objects.within_paths(selectors.planner_paths(user))
        unit = (units.filter(pk=int(code_or_id)) if code_or_id.isdigit() else units.filter(code=code_or_id)).first()
        if unit is None:
            raise Http404
    elif not mine:
        # A planner starts from the top of their scope; ?mine=1 shows their own invitations.
        unit = _default_unit(Unit.objects.within_paths(selectors.planner_paths(user)))
    counts: dict[dt.date, int] | None = None
    page_obj = None
    base = ""
    day = _day(request, first, last) if view == "list" else None
    if day is not None:
        first = last = day
    if unit is not None and view == "month":
        activities, counts = selectors.unit_month(user, unit, first, last, list_limit=GRID_LIST_LIMIT)
    elif unit is not None:
        page_obj, base = paginate_uncounted(
            request, selectors.unit_calendar_qs(user, unit, first, last), per_page=CALENDAR_PAGE_SIZE
        )
        activities = list(page_obj.object_list)
    else:
        person = person_of(user)
        activities = selectors.person_calendar(person, first, last) if person else []
    for activity in activities:
        activity.local_day = timezone.localtime(activity.start_at).date()  # type: ignore[attr-defined]
    prev_month = (dt.date(year, month, 1) - dt.timedelta(days=1)).replace(day=1)
    next_month = selectors.month_bounds(year, month)[1] + dt.timedelta(days=1)
    keep: dict[str, Any] = {"unit": unit.pk} if unit else ({"mine": 1} if planner else {})
    context = {
        "unit": unit,
        "view": view,
        "year": year,
        "month": month,
        "first": dt.date(year, month, 1),
        "activities": activities,
        "page_obj": page_obj,
        "querystring_base": base,
        "weeks": selectors.month_grid(year, month, activities, counts=counts, per_day=DAY_LIMIT)
        if view == "month"
        else [],
        "prev_query": urlencode({**keep, "year": prev_month.year, "month": prev_month.month, "view": view}),
        "next_query": urlencode({**keep, "year": next_month.year, "month": next_month.month, "view": view}),
        "month_query": urlencode({**keep, "year": year, "month": month, "view": "month"}),
        "list_query": urlencode({**keep, "year": year, "month": month, "view": "list"}),
        "day": day,
        "planner": planner,
        # Date formats in the viewer's language (Django's date filter takes the format as text).
        "day_format": pgettext("calendar day heading (Django date format)", "n月j日 l"),
        "month_format": pgettext("calendar month heading (Django date format)", "Y年n月"),
        "has_person": person_of(user) is not None if planner else True,
    }
    return render(request, "activities/calendar.html", context)


@login_required
@permission_required("activities.plan_activities", raise_exception=True)
def training_coverage_view(request: HttpRequest) -> HttpResponse:
    """Whether the batches of the campaign's training together cover every leading cadre of a unit."""
    user = request.user
    campaign = requested_campaign(request)
    if campaign is None:
        raise Http404
    units = Unit.objects.within_paths(selectors.planner_paths(user)).filter(path__startswith=campaign.root_unit.path)
    code = request.GET.get("unit", "")
    unit = units.filter(code=code).first() if code else _default_unit(units)
    if unit is None:
        raise Http404
    coverage = selectors.training_coverage(campaign, unit)
    page, base = paginate(request, coverage.missing)
    return render(
        request,
        "activities/coverage.html",
        {
            "campaign": campaign,
            "unit": unit,
            "coverage": coverage,
            "page_obj": page,
            "querystring_base": base,
            "breakdown": selectors.unit_breakdown(unit, campaign=campaign),
        },
    )


# --- planning -------------------------------------------------------------------------------------


@login_required
@permission_required("activities.plan_activities", raise_exception=True)
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    campaign = requested_campaign(request)
    if campaign is None:
        messages.warning(request, _("目前没有进行中的大讨论，无法安排活动。"))
        return redirect("activities:list")
    units = selectors.units_for_planning(user, campaign)
    initial: dict[str, Any] = {"kind": request.GET.get("kind", "")}
    unit_code = request.GET.get("unit", "")
    if unit_code:
        initial["unit"] = units.filter(code=unit_code).first()
    form = ActivityForm(request.POST or None, campaign=campaign, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                campaign=campaign,
                unit=form.cleaned_data["unit"],
                themes=form.chosen_themes(),
                dimensions=form.chosen_dimensions(),
                by=user,  # type: ignore[arg-type]
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已安排活动“%(title)s”，下一步请邀请参加人员。") % {"title": activity.title})
            return redirect("activities:invite", pk=activity.pk)
    return render(request, "activities/form.html", {"form": form, "campaign": campaign, "activity": None})


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    form = ActivityForm(request.POST or None, campaign=activity.campaign, activity=activity)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity=activity,
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
                themes=form.chosen_themes(),
                dimensions=form.chosen_dimensions(),
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("activities:detail", pk=activity.pk)
    return render(request, "activities/form.html", {"form": form, "campaign": activity.campaign, "activity": activity})


def activity_detail_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    """The activity page's context: its plan, attendance, records, and the viewer's own part in it."""
    from .views_records import records_context

    user = request.user
    can_change = user.has_perm("activities.change_activity", activity)
    person = person_of(user)
    invitation = Invitation.objects.filter(activity=activity, person=person).first() if person is not None else None
    attendance = person.activity_attendances.filter(activity=activity).first() if person is not None else None
    return {
        "activity": activity,
        "kind_label": selectors.kind_label(activity),
        "themes": list(activity.themes.all()),
        "dimensions": list(activity.dimensions.all()),
        "stats": selectors.activity_stats(activity),
        "can_change": can_change,
        "can_confirm": user.has_perm("activities.confirm_records", activity),
        "invitation": invitation,
        "attendance": attendance,
        "checkin_state": activity.checkin_state(),
        "checkin_form": CheckinForm(),
        "leave_form": LeaveForm(),
        "reason_form": ReasonForm(),
        **records_context(request, activity, can_change=can_change),
    }


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk)
    return render(request, "activities/detail.html", activity_detail_context(request, activity))


# --- invitations and participants ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invite_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    user = request.user
    units = Unit.objects.within_paths(selectors.planner_paths(user)).filter(is_active=True)
    people = selectors.people_for_inviting(user)
    initial = {"units": [activity.unit.code]} if request.method == "GET" else None
    form = InviteForm(request.POST or None, units=units, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = services.invitee_queryset(
            base=people,
            units=data["units"],
            include_subunits=data["include_subunits"],
            roles=data["roles"],
            batch=data["batch"],
            people=data["people"],
        )
        criteria = {
            "units": [u.code for u in data["units"]],
            "include_subunits": data["include_subunits"],
            "roles": data["roles"],
            "batch": data["batch"],
            "people": len(data["people"]),
        }
        try:
            result = services.invitations_add(activity=activity, people=chosen, by=user, criteria=criteria)  # type: ignore[arg-type]
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "新邀请 %(invited)s 人（%(already)s 人此前已邀请），已通知 %(notified)s 人；"
                    "%(without)s 人没有登录账号，请另行通知。"
                )
                % {
                    "invited": result.invited,
                    "already": result.already,
                    "notified": result.notified,
                    "without": result.without_account,
                },
            )
            return redirect("activities:participants", pk=activity.pk)
    return render(
        request,
        "activities/invite.html",
        {"activity": activity, "form": form, "stats": selectors.activity_stats(activity)},
    )


@login_required
def participants_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Invitees with check-in, leave and speech; the liaison marks attendance and decides leave here."""
    activity = load_activity(request, pk, "activities.change_activity")
    page, base = paginate(request, selectors.participant_rows(activity), per_page=PARTICIPANTS_PER_PAGE)
    return render(
        request,
        "activities/participants.html",
        {
            "activity": activity,
            "page_obj": page,
            "querystring_base": base,
            "stats": selectors.activity_stats(activity),
            "walk_ins": list(selectors.walk_ins(activity)[:200]),
            "locked": activity.is_locked,
            "statuses": InvitationStatus,
        },
    )


@login_required
@require_POST
def attendance_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the boxes the liaison changed on the page: newly ticked are present, newly unticked absent.

    Only changes count, so someone who checked in with the code after the page was opened keeps their
    check-in when the liaison saves.
    """
    activity = load_activity(request, pk, "activities.change_activity")
    was = {int(v) for v in request.POST.getlist("was_present") if v.isdigit()}
    ticked = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
    try:
        result = checkin.attendance_mark(
            activity=activity,
            present=ticked - was,
            absent=was - ticked,
            by=request.user,  # type: ignore[arg-type]
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
    else:
        messages.success(
            request,
            _("已登记：新增出席 %(added)s 人，取消 %(removed)s 人。")
            % {"added": result.added, "removed": result.removed},
        )
    return redirect(request.POST.get("next") or reverse("activities:participants", args=[activity.pk]))


@login_required
@require_POST
def invitation_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("activity__unit", "activity__campaign"), pk=pk)
    activity = load_activity(request, invitation.activity_id, "activities.change_activity")
    try:
        services.invitation_remove(invitation=invitation, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已移除。"))
    return redirect("activities:participants", pk=activity.pk)


# --- leave ----------------------------------------------------------------------------------------


@login_required
@require_POST
def leave_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk)
    person = person_of(request.user)
    invitation = Invitation.objects.filter(activity=activity, person=person).select_related("person").first()
    if invitation is None:
        raise PermissionDenied(_("您没有受邀参加这一活动。"))
    form = LeaveForm(request.POST)
    try:
        if request.POST.get("withdraw"):
            checkin.leave_withdraw(invitation=invitation, by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("已撤回请假。"))
        elif form.is_valid():
            checkin.leave_request(invitation=invitation, reason=form.cleaned_data["reason"], by=request.user)  # type: ignore[arg-type]
            messages.success(request, _("请假申请已提交，等待联络员审批。"))
        else:
            messages.error(request, _("请填写请假事由。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
    return redirect("activities:detail", pk=activity.pk)


@login_required
@require_POST
def leave_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("person", "activity__unit"), pk=pk)
    activity = load_activity(request, invitation.activity_id, "activities.change_activity")
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择准假或不准假。"))
    else:
        try:
            checkin.leave_decide(
                invitation=invitation,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
                reason=request.POST.get("reason", ""),
                by=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, refusal(exc))
        else:
            messages.success(request, _("已审批 %(name)s 的请假。") % {"name": invitation.person.name})
    return redirect(request.POST.get("next") or reverse("activities:participants", args=[activity.pk]))


# --- status ---------------------------------------------------------------------------------------

STATUS_ACTIONS = {"confirm", "unlock", "cancel"}


@login_required
@require_POST
def status_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in STATUS_ACTIONS:
        raise Http404
    perm = "activities.change_activity" if action == "cancel" else "activities.confirm_records"
    activity = load_activity(request, pk, perm)
    user = request.user
    reason = request.POST.get("reason", "")
    try:
        if action == "confirm":
            services.activity_confirm(activity=activity, by=user)  # type: ignore[arg-type]
            messages.success(request, _("已确认活动记录；此后修改须填写原因。"))
        elif action == "unlock":
            services.activity_unlock(activity=activity, reason=reason, by=user)  # type: ignore[arg-type]
            messages.success(request, _("已重新开放记录。"))
        else:
            services.activity_cancel(activity=activity, reason=reason, by=user)  # type: ignore[arg-type]
            messages.success(request, _("活动已取消，已通知参加人员。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
    return redirect("activities:detail", pk=activity.pk)


# --- check-in -------------------------------------------------------------------------------------


def _checkin_url(request: HttpRequest, activity: Activity, code: str) -> str:
    return request.build_absolute_uri(
        reverse("activities:checkin") + "?" + urlencode({"a": str(activity.pk), "c": code})
    )


def _screen_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    code, seconds_left = checkin.current_code(activity)
    url = _checkin_url(request, activity, code)
    return {
        "activity": activity,
        "code": code,
        "seconds_left": seconds_left,
        "rotation": settings.ACTIVITY_CHECKIN_CODE_SECONDS,
        "refresh": min(max(seconds_left, 3), 15),
        "qr": qr_data_uri(url, scale=8),
        "checkin_url": url,
        "checkin_state": activity.checkin_state(),
        "stats": selectors.activity_stats(activity),
    }


def _screen(request: HttpRequest, pk: int, template: str) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    return no_store(render(request, template, _screen_context(request, activity)))


@login_required
def checkin_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code and the code to put on the projector; it refreshes itself as the code rotates."""
    return _screen(request, pk, "activities/screen.html")


@login_required
def checkin_screen_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen's code part, fetched again by htmx before the code changes."""
    return _screen(request, pk, "activities/_screen_code.html")


@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request: HttpRequest) -> HttpResponse:
    """Where the QR code leads: the participant confirms, and the code is checked on POST."""
    raw_id = request.POST.get("a") or request.GET.get("a") or ""
    if not raw_id.isdigit():
        raise Http404
    activity = get_object_or_404(Activity.objects.select_related("unit", "campaign"), pk=int(raw_id))
    person = person_of(request.user)
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("c", "")})
    done = None
    refused = None
    if person is None:
        refused = _("您的账号没有关联到在册人员，无法签到；请联系本单位联络员。")
    elif request.method == "POST" and form.is_valid():
        try:
            done = checkin.checkin_by_code(
                activity=activity,
                person=person,
                code=form.cleaned_data["code"],
                by=request.user,  # type: ignore[arg-type]
            )
        except checkin.CheckinRefused as exc:
            refused = exc.messages[0]
    visible = checkin.reachable(request.user, person, activity)
    if not visible:
        # Someone neither invited nor allowed to walk in learns nothing about the activity.
        refused = refused or _("您不在本次活动的参加人员名单中；如需参加，请联系举办单位的联络员。")
    response = render(
        request,
        "activities/checkin.html",
        {"activity": activity if visible else None, "form": form, "done": done, "refused": refused},
        status=200 if done or not refused or request.method == "GET" else 400,
    )
    return no_store(response)
