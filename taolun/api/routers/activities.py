"""Activities: plan them, invite people, check in, mark attendance and leave, and keep the records.

Who: admins, the office and unit liaisons plan and change the activities held in their subtree
(``activities.change_activity``); the office confirms the records (``activities.confirm_records``);
invitees see their activity, check themselves in and ask for leave. An activity that is neither in the
caller's planning scope nor one they are invited to answers 404, the same as an id that does not
exist. A body that names a unit or a person outside the caller's scope is refused with 400 on that field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from taolun.activities import checkin, selectors, services
from taolun.activities.models import Activity, Invitation
from taolun.activities.selectors import Stats
from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import campaigns_visible_to
from taolun.orgs.models import Person, Unit
from taolun.orgs.selectors import person_of, person_row, pii_checker

from ..errors import FieldError
from ..schemas.activities import (
    ActivityCreateIn,
    ActivityDetailOut,
    ActivityFilters,
    ActivityPage,
    ActivityPatchIn,
    AttendanceIn,
    AttendanceOut,
    CheckinCodeOut,
    CheckinIn,
    CheckinOut,
    CheckinRefusedOut,
    InvitationOut,
    InviteIn,
    InviteResultOut,
    LeaveDecideIn,
    LeaveIn,
    MyActivityFilters,
    MyActivityPage,
    ParticipantPage,
    ReasonIn,
)
from ..schemas.common import FieldErrors, Message, PageParams

router = Router(tags=["activities"])

READ_ERRORS: dict[int, Any] = {401: Message, 403: Message}
OBJECT_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: Message}
WRITE_ERRORS: dict[int, Any] = {**OBJECT_ERRORS, 400: FieldErrors}
ACTIVITY = "/activities/{int:activity_id}"


# --- who and which activity ---------------------------------------------------------------
def _planner(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("activities.plan_activities"):
        raise PermissionDenied(_("只有系统管理员、办公室和单位联络员可以安排和管理活动。"))
    return user


def _visible_activities(user: Any) -> QuerySet[Activity]:
    """Those in the caller's planning scope, and those the caller's own roster entry is invited to."""
    invited = Invitation.objects.filter(activity=OuterRef("pk"), person__user=user)
    both = selectors.activities_managed_by(user) | Activity.objects.filter(Exists(invited))
    return both.select_related("unit", "campaign")


def _visible(user: Any, pk: int) -> Activity:
    activity = _visible_activities(user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def _changeable(request: HttpRequest, pk: int) -> tuple[Any, Activity]:
    user = request.auth  # type: ignore[attr-defined]
    activity = _visible(user, pk)
    if not user.has_perm("activities.change_activity", activity):
        raise PermissionDenied(_("只有负责举办单位的办公室和联络员可以修改活动、管理参加人员和填写记录。"))
    return user, activity


def _confirmable(request: HttpRequest, pk: int) -> tuple[Any, Activity]:
    user = request.auth  # type: ignore[attr-defined]
    activity = _visible(user, pk)
    if not user.has_perm("activities.confirm_records", activity):
        raise PermissionDenied(_("只有负责举办单位的办公室可以确认或重新开放活动记录。"))
    return user, activity


def _for_checkin(user: Any, person: Person, pk: int) -> Activity:
    """An activity the caller may see or check in to (a walk-in from the holding unit's subtree)."""
    activity = Activity.objects.select_related("unit", "campaign").filter(pk=pk).first()
    if activity is None or not checkin.reachable(user, person, activity):
        raise Http404
    return activity


def _own_person(user: Any, message: str) -> Person:
    person = person_of(user)
    if person is None:
        raise ValidationError(message)
    return person


# --- what a body or a filter refers to ----------------------------------------------------
def _planning_units(user: Any) -> QuerySet[Unit]:
    return Unit.objects.within_paths(selectors.planner_paths(user))


def _filter_campaign(user: Any, value: str) -> tuple[Campaign | None, bool]:
    """The campaign named in a query filter (slug or id); ``(None, False)`` when there is no such campaign."""
    value = value.strip()
    if not value:
        return None, True
    qs = campaigns_visible_to(user)
    campaign = (qs.filter(pk=int(value)) if value.isdigit() else qs.filter(slug=value)).first()
    return campaign, campaign is not None


def _filter_unit(user: Any, pk: int | None) -> tuple[Unit | None, bool]:
    if pk is None:
        return None, True
    unit = _planning_units(user).filter(pk=pk).first()
    return unit, unit is not None


def _referenced_campaign(user: Any, slug: str) -> Campaign:
    campaign = campaigns_visible_to(user).filter(slug=slug).first()
    if campaign is None:
        raise FieldError("campaign", _("找不到大讨论活动“%(slug)s”。") % {"slug": slug})
    return campaign


def _referenced_unit(user: Any, campaign: Campaign, pk: int) -> Unit:
    unit = selectors.units_for_planning(user, campaign).filter(pk=pk).first()
    if unit is None:
        raise FieldError(
            "unit",
            _("找不到编号为 %(id)s 的单位，或该单位不在您的范围内、不属于本次大讨论。") % {"id": pk},
        )
    return unit


def _by_keys(qs: QuerySet[Any], keys: Iterable[str], field: str, message: str) -> list[Any]:
    wanted = list(dict.fromkeys(keys))
    found = {item.key: item for item in qs.filter(key__in=wanted)}
    missing = [key for key in wanted if key not in found]
    if missing:
        raise FieldError(field, message % {"keys": "、".join(missing)})
    return [found[key] for key in wanted]


def _themes(campaign: Campaign, keys: Iterable[str]) -> list[Any]:
    return _by_keys(campaign.themes.all(), keys, "themes", _("本次大讨论没有这些讨论主题：%(keys)s。"))


def _dimensions(campaign: Campaign, keys: Iterable[str]) -> list[Any]:
    return _by_keys(campaign.dimensions.all(), keys, "dimensions", _("本次大讨论没有这些视察维度：%(keys)s。"))


def _all_in(qs: QuerySet[Any], ids: list[int], field: str, message: str) -> list[Any]:
    found = {obj.pk: obj for obj in qs.filter(pk__in=ids)}
    missing = [pk for pk in dict.fromkeys(ids) if pk not in found]
    if missing:
        raise FieldError(field, message % {"ids": ", ".join(str(pk) for pk in missing)})
    return list(found.values())


# --- shapes -------------------------------------------------------------------------------
def _base(activity: Activity, labels: dict[tuple[int, str], str]) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "campaign": activity.campaign.slug,
        "unit": {"id": activity.unit.pk, "name": activity.unit.name, "code": activity.unit.code},
        "kind": activity.kind,
        "kind_label": labels.get((activity.campaign_id, activity.kind), activity.kind),
        "title": activity.title,
        "batch": activity.batch,
        "start_at": activity.start_at,
        "end_at": activity.end_at,
        "place": activity.place,
        "host": activity.host,
        "status": activity.status,
        "status_label": str(activity.get_status_display()),
        "is_locked": activity.is_locked,
    }


def _stats_out(stats: Stats) -> dict[str, Any]:
    return {
        "invited": stats.invited,
        "leave_requested": stats.leave_requested,
        "excused": stats.excused,
        "present": stats.present,
        "present_invited": stats.present_invited,
        "walk_ins": stats.walk_ins,
        "speeches": stats.speeches,
        "expected": stats.expected,
        "absent": stats.absent,
        "rate": stats.rate,
    }


def _key_title(item: Any) -> dict[str, str]:
    return {"key": item.key, "title": item.title}


def _detail(user: Any, activity: Activity) -> dict[str, Any]:
    return {
        **_base(activity, selectors.kind_labels([activity])),
        "agenda": activity.agenda,
        "themes": [_key_title(theme) for theme in activity.themes.order_by("order", "id")],
        "dimensions": [_key_title(dimension) for dimension in activity.dimensions.order_by("order", "id")],
        "allow_walk_in": activity.allow_walk_in,
        "checkin_opens_at": activity.checkin_opens_at,
        "checkin_closes_at": activity.checkin_closes_at,
        "checkin_state": activity.checkin_state(),
        "minutes": activity.minutes,
        "places_visited": activity.places_visited,
        "evaluation": activity.evaluation,
        "proposals": activity.proposals,
        "cancel_reason": activity.cancel_reason,
        "confirmed_at": activity.confirmed_at,
        "stats": _stats_out(selectors.activity_stats(activity)),
        "can_change": user.has_perm("activities.change_activity", activity),
        "can_confirm": user.has_perm("activities.confirm_records", activity),
    }


def _invitation_out(invitation: Invitation) -> dict[str, Any]:
    return {
        "activity": invitation.activity_id,
        "person": invitation.person_id,
        "status": invitation.status,
        "status_label": str(invitation.get_status_display()),
        "leave_reason": invitation.leave_reason,
        "leave_requested_at": invitation.leave_requested_at,
        "leave_decided_at": invitation.leave_decided_at,
        "leave_note": invitation.leave_note,
    }


def _page(total: int, paging: PageParams, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": items}


# --- activities ---------------------------------------------------------------------------
# Docstrings are the operations' descriptions on /api/docs.
@router.get("/activities", response={200: ActivityPage, **READ_ERRORS}, summary="活动列表")
def activity_list(request: HttpRequest, filters: Query[ActivityFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """您负责范围内的单位举办的活动（系统管理员、办公室、单位联络员），按开始时间从晚到早，
    附受邀、准假、签到和发言人数。campaign 或 unit 指向不存在或范围外的对象时返回空页。"""
    user = _planner(request)
    campaign, campaign_ok = _filter_campaign(user, filters.campaign)
    unit, unit_ok = _filter_unit(user, filters.unit)
    qs = selectors.activities_managed_by(user) if campaign_ok and unit_ok else Activity.objects.none()
    qs = selectors.filter_activities(
        qs,
        campaign=campaign,
        unit=unit,
        kind=filters.kind.strip(),
        status=filters.status or "",
        since=filters.since,
        until=filters.until,
        q=filters.q.strip(),
    )
    total = qs.count()
    rows = selectors.page_rows(qs, paging.offset, paging.limit)
    labels = selectors.kind_labels(rows)
    items = [
        {
            **_base(activity, labels),
            "invited_count": activity.invited_count,
            "excused_count": activity.excused_count,
            "present_count": activity.present_count,
            "attendance_count": activity.attendance_count,
            "speech_count": activity.speech_count,  # type: ignore[attr-defined]
        }
        for activity in rows
    ]
    return _page(total, paging, items)


@router.get("/activities/mine", response={200: MyActivityPage, 401: Message}, summary="我参加的活动")
def activity_mine(request: HttpRequest, filters: Query[MyActivityFilters], paging: Query[PageParams]) -> dict[str, Any]:
    """邀请您本人（与账号关联的在册人员）参加的活动，附您的邀请状态（含请假）和是否已签到。
    账号未关联在册人员时为空页。"""
    person = person_of(request.auth)  # type: ignore[attr-defined]
    if person is None:
        return _page(0, paging, [])
    invited = selectors.invited_activities(person)
    qs = selectors.filter_activities(invited, since=filters.since, until=filters.until)
    total = qs.count()
    rows = list(qs[paging.offset : paging.offset + paging.limit])
    labels = selectors.kind_labels(rows)
    items = []
    for activity in rows:
        status = activity.invitation_status  # type: ignore[attr-defined]
        items.append(
            {
                **_base(activity, labels),
                "invitation_status": status,
                "invitation_status_label": str(Invitation(status=status).get_status_display()),
                "checked_in": activity.checked_in,  # type: ignore[attr-defined]
            }
        )
    return _page(total, paging, items)


@router.post("/activities", response={201: ActivityDetailOut, **WRITE_ERRORS}, summary="新建活动")
def activity_create(request: HttpRequest, payload: ActivityCreateIn) -> Status[dict[str, Any]]:
    """在您范围内的单位安排一次活动。kind、themes、dimensions 取自该大讨论活动的方案；
    时间须在大讨论期间内，结束晚于开始；不填签到时间时，签到从开始前 30 分钟到结束。"""
    user = _planner(request)
    campaign = _referenced_campaign(user, payload.campaign)
    unit = _referenced_unit(user, campaign, payload.unit)
    activity = services.activity_create(
        campaign=campaign,
        unit=unit,
        kind=payload.kind,
        title=payload.title,
        start_at=payload.start_at,
        end_at=payload.end_at,
        place=payload.place,
        host=payload.host,
        agenda=payload.agenda,
        batch=payload.batch,
        themes=_themes(campaign, payload.themes),
        dimensions=_dimensions(campaign, payload.dimensions),
        allow_walk_in=payload.allow_walk_in,
        checkin_opens_at=payload.checkin_opens_at,
        checkin_closes_at=payload.checkin_closes_at,
        by=user,
    )
    return Status(201, _detail(user, activity))


@router.get(ACTIVITY, response={200: ActivityDetailOut, **OBJECT_ERRORS}, summary="活动详情")
def activity_detail(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    """一次活动：安排、主题和维度、签到窗口、出席统计和各项记录。负责举办单位的办公室、联络员和受邀人员可见；
    其他人与不存在的一样返回 404。"""
    user = request.auth  # type: ignore[attr-defined]
    return _detail(user, _visible(user, activity_id))


@router.patch(ACTIVITY, response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="修改活动")
def activity_update(request: HttpRequest, activity_id: int, payload: ActivityPatchIn) -> dict[str, Any]:
    """只修改传入的字段；themes、dimensions 替换全部。时间或地点变动会通知受邀人员。
    记录已确认的活动须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    changes = payload.changes()
    reason = changes.pop("reason", "")
    themes = changes.pop("themes", None)
    dimensions = changes.pop("dimensions", None)
    activity = services.activity_update(
        activity=activity,
        by=user,
        reason=reason,
        themes=_themes(activity.campaign, themes) if themes is not None else None,
        dimensions=_dimensions(activity.campaign, dimensions) if dimensions is not None else None,
        **changes,
    )
    return _detail(user, activity)


@router.post(f"{ACTIVITY}/confirm", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="确认活动记录")
def activity_confirm(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    """办公室确认活动已举行、记录齐全。确认后记录锁定：再修改须填写原因，原因记入审计日志。"""
    user, activity = _confirmable(request, activity_id)
    return _detail(user, services.activity_confirm(activity=activity, by=user))


@router.post(f"{ACTIVITY}/unlock", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="重新开放活动记录")
def activity_unlock(request: HttpRequest, activity_id: int, payload: ReasonIn) -> dict[str, Any]:
    """办公室重新开放已确认的记录以便更正；须填写原因。"""
    user, activity = _confirmable(request, activity_id)
    return _detail(user, services.activity_unlock(activity=activity, reason=payload.reason, by=user))


@router.post(f"{ACTIVITY}/cancel", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="取消活动")
def activity_cancel(request: HttpRequest, activity_id: int, payload: ReasonIn) -> dict[str, Any]:
    """取消尚未确认的活动并通知受邀人员；须填写原因。"""
    user, activity = _changeable(request, activity_id)
    return _detail(user, services.activity_cancel(activity=activity, reason=payload.reason, by=user))


# --- invitations and participants ---------------------------------------------------------
@router.post(f"{ACTIVITY}/invitations", response={200: InviteResultOut, **WRITE_ERRORS}, summary="按条件邀请人员")
def invitation_add(request: HttpRequest, activity_id: int, payload: InviteIn) -> dict[str, Any]:
    """邀请符合条件的在册人员：units（可含下级单位）、roles、batch 同时满足，再加上 people 逐个指定的人员。
    不指定 units 时，在您的全部范围内按身份和批次选人。已邀请的不重复邀请；有账号的人员收到通知。
    units 或 people 含有您范围外的编号时返回 400 并指明字段。"""
    user, activity = _changeable(request, activity_id)
    if not (payload.units or payload.roles or payload.batch is not None or payload.people):
        raise FieldError("body", _("请至少指定单位、身份、批次或人员中的一项。"))
    units = _all_in(
        _planning_units(user),
        payload.units,
        "units",
        _("找不到这些单位，或它们不在您的范围内：%(ids)s。"),
    )
    base = selectors.people_for_inviting(user)
    _all_in(base, payload.people, "people", _("找不到这些人员，或他们不在您的范围内：%(ids)s。"))
    people = services.invitee_queryset(
        base=base,
        units=units,
        include_subunits=payload.include_subunits,
        roles=[str(role) for role in payload.roles],
        batch=payload.batch,
        people=payload.people,
    )
    result = services.invitations_add(
        activity=activity, people=people, by=user, criteria=payload.model_dump(mode="json")
    )
    return {
        "invited": result.invited,
        "already": result.already,
        "notified": result.notified,
        "without_account": result.without_account,
    }


@router.get(f"{ACTIVITY}/participants", response={200: ParticipantPage, **OBJECT_ERRORS}, summary="参加人员")
def participant_list(request: HttpRequest, activity_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """受邀人员及其邀请状态（含请假）、签到时间和是否已有发言记录，按单位排列。
    手机号、身份证号按角色掩码，与人员接口一致。"""
    user, activity = _changeable(request, activity_id)
    total = Invitation.objects.filter(activity=activity).count()
    page = list(selectors.participant_rows(activity)[paging.offset : paging.offset + paging.limit])
    unmasked = pii_checker(user)
    items = [
        {
            **_invitation_out(invitation),
            "person": person_row(invitation.person, unmasked=unmasked(invitation.person)),
            "invited_at": invitation.invited_at,
            "checked_in_at": invitation.checked_in_at,  # type: ignore[attr-defined]
            "checkin_method": invitation.checkin_method,  # type: ignore[attr-defined]
            "has_speech": invitation.has_speech,  # type: ignore[attr-defined]
        }
        for invitation in page
    ]
    return _page(total, paging, items)


@router.post(f"{ACTIVITY}/leave", response={200: InvitationOut, **WRITE_ERRORS}, summary="请假")
def leave_request(request: HttpRequest, activity_id: int, payload: LeaveIn) -> dict[str, Any]:
    """受邀人员为自己请假（活动结束前、签到前），由举办单位的联络员或办公室审批。"""
    user = request.auth  # type: ignore[attr-defined]
    person = _own_person(user, _("您的账号没有关联在册人员，无法请假；请联系所在单位的联络员。"))
    activity = _visible(user, activity_id)
    invitation = (
        Invitation.objects.select_related("activity__unit", "person").filter(activity=activity, person=person).first()
    )
    if invitation is None:
        raise ValidationError(_("您不在本次活动的参加人员名单中，无需请假。"))
    return _invitation_out(checkin.leave_request(invitation=invitation, reason=payload.reason, by=user))


@router.post(f"{ACTIVITY}/leave/decide", response={200: InvitationOut, **WRITE_ERRORS}, summary="审批请假")
def leave_decide(request: HttpRequest, activity_id: int, payload: LeaveDecideIn) -> dict[str, Any]:
    """批准（approve=true）或不批准一名受邀人员的待批请假，并通知本人。"""
    user, activity = _changeable(request, activity_id)
    invitation = (
        Invitation.objects.select_related("activity__unit", "person")
        .filter(activity=activity, person_id=payload.person)
        .first()
    )
    if invitation is None:
        raise FieldError("person", _("编号为 %(id)s 的人员没有受邀参加本次活动。") % {"id": payload.person})
    decided = checkin.leave_decide(
        invitation=invitation, approve=payload.approve, note=payload.note, reason=payload.reason, by=user
    )
    return _invitation_out(decided)


# --- check-in and attendance --------------------------------------------------------------
@router.post(
    f"{ACTIVITY}/checkin",
    response={201: CheckinOut, 400: CheckinRefusedOut | FieldErrors, 401: Message, 403: Message, 404: Message},
    summary="凭签到码签到",
)
def activity_checkin(request: HttpRequest, activity_id: int, payload: CheckinIn) -> Status[dict[str, Any]]:
    """为自己（与账号关联的在册人员）签到，code 为签到屏幕上的签到码。
    不能签到时返回 400 与 `{"detail": "原因", "reason": "代码"}`，reason 的取值见 CheckinRefusedOut；
    请求体本身有误时为通常的字段错误。"""
    user = request.auth  # type: ignore[attr-defined]
    person = person_of(user)
    if person is None:
        message = _("您的账号没有关联在册人员，无法签到；请联系所在单位的联络员。")
        return Status(400, {"detail": message, "reason": "no_person"})
    activity = _for_checkin(user, person, activity_id)
    try:
        attendance = checkin.checkin_by_code(activity=activity, person=person, code=payload.code, by=user)
    except checkin.CheckinRefused as refusal:
        return Status(400, {"detail": refusal.messages[0], "reason": refusal.reason})
    return Status(
        201,
        {
            "activity": activity.pk,
            "person": person.pk,
            "checked_in_at": attendance.checked_in_at,
            "method": attendance.method,
        },
    )


@router.get(f"{ACTIVITY}/code", response={200: CheckinCodeOut, **OBJECT_ERRORS}, summary="当前签到码")
def checkin_code(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    """签到屏幕显示的签到码及距下次换码的秒数（供签到屏应用轮询）；仅负责举办单位的办公室和联络员可取。"""
    _user, activity = _changeable(request, activity_id)
    code, seconds_left = checkin.current_code(activity)
    return {
        "code": code,
        "seconds_left": seconds_left,
        "period": settings.ACTIVITY_CHECKIN_CODE_SECONDS,
        "checkin_state": activity.checkin_state(),
        "checkin_opens_at": activity.checkin_opens_at,
        "checkin_closes_at": activity.checkin_closes_at,
    }


@router.post(f"{ACTIVITY}/attendance", response={200: AttendanceOut, **WRITE_ERRORS}, summary="登记出席")
def attendance_mark(request: HttpRequest, activity_id: int, payload: AttendanceIn) -> dict[str, Any]:
    """联络员按纸质签到表等登记受邀人员出席（present）或撤销签到（absent）。
    只能登记本次活动的受邀人员；记录已确认时须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    result = checkin.attendance_mark(
        activity=activity, present=payload.present, absent=payload.absent, by=user, reason=payload.reason
    )
    return {"added": result.added, "removed": result.removed, "stats": _stats_out(selectors.activity_stats(activity))}
