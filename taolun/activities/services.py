"""Writes for activities: plan, change, cancel and confirm an activity; invite people.

Every write checks the named rule (``by=None`` is the system), runs in one transaction and records an
audit entry. Once the office has confirmed an activity's records, any change to it needs a reason,
which is kept in the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taolun.campaigns.models import Campaign, Dimension, Theme
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, changed, notify, required_reason, snapshot
from taolun.orgs.models import Person, Unit

from .counts import counts_refresh
from .models import Activity, ActivityStatus, Invitation

if TYPE_CHECKING:
    from taolun.accounts.models import User

CHECKIN_LEAD = dt.timedelta(minutes=30)
ACTIVITY_FIELDS = [
    "kind",
    "title",
    "unit",
    "batch",
    "start_at",
    "end_at",
    "place",
    "host",
    "agenda",
    "checkin_opens_at",
    "checkin_closes_at",
    "allow_walk_in",
    "status",
]
# What a planner may change after planning: everything recorded but the holding unit and the status.
EDITABLE = set(ACTIVITY_FIELDS) - {"unit", "status"}
INVITE_BATCH = 2000

# The one door for status moves: {from: {to: action}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    ActivityStatus.PLANNED: {ActivityStatus.CONFIRMED: "confirm", ActivityStatus.CANCELLED: "cancel"},
    ActivityStatus.CONFIRMED: {ActivityStatus.PLANNED: "unlock"},
    ActivityStatus.CANCELLED: {},
}


def require_reason_if_locked(activity: Activity, reason: str) -> str:
    """Confirmed records change only with a reason (kept in the audit entry)."""
    reason = (reason or "").strip()
    if activity.is_locked and not reason:
        raise ValidationError({"reason": _("活动记录已经办公室确认，修改须填写原因。")})
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("活动已取消，不能再修改。"))
    return reason


def activity_audit(
    activity: Activity, action: str, by: User | None, *, before: Any = None, after: Any = None, note: str = ""
) -> None:
    """The audit entry of a change to ``activity`` or its records (``action`` without the app prefix)."""
    audit_record(
        actor=by,
        action=f"activities.{action}",
        obj=activity,
        before=before,
        after=after,
        note=note,
        unit_path=activity.unit.path,
    )


def _locked(activity: Activity) -> Activity:
    """The activity again, its row locked for the rest of the transaction."""
    return Activity.objects.select_for_update().select_related("unit", "campaign").get(pk=activity.pk)


def _check_times(start_at: dt.datetime, end_at: dt.datetime, campaign: Campaign) -> None:
    if end_at <= start_at:
        raise ValidationError({"end_at": _("结束时间必须晚于开始时间。")})
    if end_at - start_at > dt.timedelta(days=31):
        raise ValidationError({"end_at": _("一次活动最长 31 天；跨越更长时间的请分期（分批）安排。")})
    first = timezone.localtime(start_at).date()
    if first < campaign.start_date or first > campaign.end_date:
        raise ValidationError(
            {
                "start_at": _("活动日期应在大讨论期间 %(start)s 至 %(end)s 之内。")
                % {"start": campaign.start_date, "end": campaign.end_date}
            }
        )


def _check_window(opens: dt.datetime, closes: dt.datetime) -> None:
    if closes <= opens:
        raise ValidationError({"checkin_closes_at": _("签到截止时间必须晚于签到开始时间。")})


def _check_kind(campaign: Campaign, kind: str) -> None:
    kinds = {k.key: k for k in campaign.activity_kinds.all()}
    if kind not in kinds:
        raise ValidationError(
            {"kind": _("活动类型“%(kind)s”不在本次大讨论的类型之中。") % {"kind": kind}},
        )


def _themes_of(campaign: Campaign, themes: Iterable[Theme]) -> list[Theme]:
    themes = list(themes)
    if any(t.campaign_id != campaign.pk for t in themes):
        raise ValidationError({"themes": _("讨论主题须属于本次大讨论。")})
    return themes


def _dimensions_of(campaign: Campaign, dimensions: Iterable[Dimension]) -> list[Dimension]:
    dimensions = list(dimensions)
    if any(d.campaign_id != campaign.pk for d in dimensions):
        raise ValidationError({"dimensions": _("视察维度须属于本次大讨论。")})
    return dimensions


def activity_create(
    *,
    campaign: Campaign,
    unit: Unit,
    kind: str,
    title: str,
    start_at: dt.datetime,
    end_at: dt.datetime,
    place: str = "",
    host: str = "",
    agenda: str = "",
    batch: int | None = None,
    themes: Iterable[Theme] = (),
    dimensions: Iterable[Dimension] = (),
    allow_walk_in: bool = False,
    checkin_opens_at: dt.datetime | None = None,
    checkin_closes_at: dt.datetime | None = None,
    by: User | None,
) -> Activity:
    """Plan an activity held by ``unit`` (the planner must look after the unit)."""
    require_perm(by, "activities.add_activity", unit)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("请填写活动名称。")})
    if not unit.path.startswith(campaign.root_unit.path):
        raise ValidationError({"unit": _("举办单位不在本次大讨论的范围内。")})
    _check_kind(campaign, kind)
    _check_times(start_at, end_at, campaign)
    opens = checkin_opens_at or start_at - CHECKIN_LEAD
    closes = checkin_closes_at or end_at
    _check_window(opens, closes)
    theme_list = _themes_of(campaign, themes)
    dimension_list = _dimensions_of(campaign, dimensions)
    with transaction.atomic():
        activity = Activity.objects.create(
            campaign=campaign,
            unit=unit,
            kind=kind,
            title=title,
            start_at=start_at,
            end_at=end_at,
            place=place.strip(),
            host=host.strip(),
            agenda=agenda.strip(),
            batch=batch,
            allow_walk_in=allow_walk_in,
            checkin_opens_at=opens,
            checkin_closes_at=closes,
            created_by=actor(by),
        )
        activity.themes.set(theme_list)
        activity.dimensions.set(dimension_list)
        activity_audit(
            activity,
            "activity.create",
            by,
            after={
                **snapshot(activity, ACTIVITY_FIELDS),
                "themes": [t.key for t in theme_list],
                "dimensions": [d.key for d in dimension_list],
            },
        )
    return activity


def activity_update(
    *,
    activity: Activity,
    by: User | None,
    reason: str = "",
    themes: Iterable[Theme] | None = None,
    dimensions: Iterable[Dimension] | None = None,
    **fields: Any,
) -> Activity:
    """Change the plan of an activity (time, place, …). Invitees are told when the time or place moves."""
    require_perm(by, "activities.change_activity", activity)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValueError(f"unknown activity fields: {sorted(unknown)}")
    reason = require_reason_if_locked(activity, reason)
    campaign = activity.campaign
    # An empty check-in window field means "keep it (moved along with the activity)".
    for name in ("checkin_opens_at", "checkin_closes_at"):
        if name in fields and fields[name] is None:
            del fields[name]
    if "title" in fields:
        fields["title"] = fields["title"].strip()
        if not fields["title"]:
            raise ValidationError({"title": _("请填写活动名称。")})
    if "kind" in fields:
        _check_kind(campaign, fields["kind"])
    start_at = fields.get("start_at", activity.start_at)
    end_at = fields.get("end_at", activity.end_at)
    if "start_at" in fields or "end_at" in fields:
        _check_times(start_at, end_at, campaign)
    # Moving the activity moves its check-in window along, unless the caller sets the window too.
    if "checkin_opens_at" not in fields and start_at != activity.start_at:
        fields["checkin_opens_at"] = activity.checkin_opens_at + (start_at - activity.start_at)
    if "checkin_closes_at" not in fields and end_at != activity.end_at:
        fields["checkin_closes_at"] = activity.checkin_closes_at + (end_at - activity.end_at)
    _check_window(
        fields.get("checkin_opens_at", activity.checkin_opens_at),
        fields.get("checkin_closes_at", activity.checkin_closes_at),
    )
    theme_list = _themes_of(campaign, themes) if themes is not None else None
    dimension_list = _dimensions_of(campaign, dimensions) if dimensions is not None else None
    with transaction.atomic():
        activity = _locked(activity)
        before = {
            **snapshot(activity, ACTIVITY_FIELDS),
            "themes": sorted(activity.themes.values_list("key", flat=True)),
            "dimensions": sorted(activity.dimensions.values_list("key", flat=True)),
        }
        for name, value in fields.items():
            setattr(activity, name, value.strip() if isinstance(value, str) and name != "kind" else value)
        activity.save(update_fields=[*fields, "updated_at"])
        if theme_list is not None:
            activity.themes.set(theme_list)
        if dimension_list is not None:
            activity.dimensions.set(dimension_list)
        after = {
            **snapshot(activity, ACTIVITY_FIELDS),
            "themes": sorted(activity.themes.values_list("key", flat=True)),
            "dimensions": sorted(activity.dimensions.values_list("key", flat=True)),
        }
        old, new = changed(before, after)
        if old or new:
            activity_audit(activity, "activity.update", by, before=old, after=new, note=reason)
        moved = {"start_at", "end_at", "place"} & set(new)
        if moved:
            _notify_invitees(
                activity,
                Invitation.objects.filter(activity=activity).values("person_id"),
                title=_("活动时间或地点有变：%(title)s") % {"title": activity.title},
            )
    return activity


ACTION_WORDS = {
    ActivityStatus.CONFIRMED: gettext_lazy("确认记录"),
    ActivityStatus.CANCELLED: gettext_lazy("取消"),
    ActivityStatus.PLANNED: gettext_lazy("重新开放记录"),
}


def _move(activity: Activity, to: str, by: User | None, *, note: str = "") -> None:
    allowed = TRANSITIONS.get(activity.status, {})
    if to not in allowed:
        raise ValidationError(
            _("活动当前状态为“%(status)s”，不能%(action)s。")
            % {"status": activity.get_status_display(), "action": ACTION_WORDS[ActivityStatus(to)]}
        )
    before = activity.status
    activity.status = to
    activity.save(update_fields=["status", "confirmed_at", "confirmed_by", "cancel_reason", "updated_at"])
    activity_audit(activity, f"activity.{allowed[to]}", by, before={"status": before}, after={"status": to}, note=note)


def activity_confirm(*, activity: Activity, by: User | None, now: dt.datetime | None = None) -> Activity:
    """The office confirms an activity's records (minutes, attendance, speeches…); they are locked after."""
    require_perm(by, "activities.confirm_records", activity)
    now = now or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status == ActivityStatus.PLANNED and activity.start_at > now:
            raise ValidationError(_("活动尚未举行，不能确认记录。"))
        activity.confirmed_at = now
        activity.confirmed_by = actor(by)
        _move(activity, ActivityStatus.CONFIRMED, by)
    return activity


def activity_unlock(*, activity: Activity, reason: str, by: User | None) -> Activity:
    """The office reopens confirmed records for correction (with a reason)."""
    require_perm(by, "activities.confirm_records", activity)
    reason = required_reason(reason, _("请填写重新开放记录的原因。"))
    with transaction.atomic():
        activity = _locked(activity)
        activity.confirmed_at = None
        activity.confirmed_by = None
        _move(activity, ActivityStatus.PLANNED, by, note=reason)
    return activity


def activity_cancel(*, activity: Activity, reason: str, by: User | None) -> Activity:
    require_perm(by, "activities.change_activity", activity)
    reason = required_reason(reason, _("请填写取消原因。"))
    with transaction.atomic():
        activity = _locked(activity)
        activity.cancel_reason = reason[:500]
        _move(activity, ActivityStatus.CANCELLED, by, note=reason)
        _notify_invitees(
            activity,
            Invitation.objects.filter(activity=activity).values("person_id"),
            title=_("活动已取消：%(title)s") % {"title": activity.title},
            body=reason,
        )
    return activity


# --- invitations ----------------------------------------------------------------------------------


@dataclass
class InviteResult:
    invited: int = 0
    already: int = 0
    notified: int = 0
    without_account: int = 0
    criteria: dict[str, Any] = field(default_factory=dict)


def invitee_queryset(
    *,
    base: QuerySet[Person],
    units: Iterable[Unit] = (),
    include_subunits: bool = True,
    roles: Iterable[str] = (),
    batch: int | None = None,
    people: Iterable[int] = (),
) -> QuerySet[Person]:
    """People chosen by unit, role and batch ("all leading cadres of these units, batch 2"), plus any
    named one by one; always inside ``base`` (the inviter's scope) and only people on the roster."""
    from django.db.models import Q

    from taolun.campaigns.applies import roles_q
    from taolun.core.paths import paths_q

    unit_list = list(units)
    person_ids = [int(p) for p in people]
    chosen = Q(pk__in=[])
    if unit_list or roles or batch is not None:
        by_group = Q()
        if unit_list:
            if include_subunits:
                by_group &= paths_q("unit__path", [u.path for u in unit_list])
            else:
                by_group &= Q(unit_id__in=[u.pk for u in unit_list])
        role_list = list(roles)
        if role_list:
            by_group &= roles_q(role_list)
        if batch is not None:
            by_group &= Q(training_batch=batch)
        chosen |= by_group
    if person_ids:
        chosen |= Q(pk__in=person_ids)
    return base.filter(chosen, is_active=True, unit__is_active=True)


def invitations_add(
    *,
    activity: Activity,
    people: QuerySet[Person],
    by: User | None,
    criteria: dict[str, Any] | None = None,
) -> InviteResult:
    """Invite everyone in ``people`` not yet invited, in batches, and notify those with an account."""
    require_perm(by, "activities.change_activity", activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("活动已取消，不能再邀请。"))
    result = InviteResult(criteria=criteria or {})
    now = timezone.now()
    with transaction.atomic():
        existing = Invitation.objects.filter(activity=activity).values("person_id")
        result.already = people.filter(pk__in=existing).count()
        new_ids = list(people.exclude(pk__in=existing).order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(new_ids), INVITE_BATCH):
            chunk = new_ids[start : start + INVITE_BATCH]
            Invitation.objects.bulk_create(
                [
                    Invitation(activity=activity, person_id=pk, invited_at=now, invited_by=by if by and by.pk else None)
                    for pk in chunk
                ],
                ignore_conflicts=True,
            )
        result.invited = len(new_ids)
        counts_refresh(activity)
        if new_ids:
            result.without_account = Person.objects.filter(pk__in=new_ids, user__isnull=True).count()
            result.notified = _notify_invitees(
                activity, new_ids, title=_("活动通知：%(title)s") % {"title": activity.title}
            )
        activity_audit(
            activity,
            "invitation.add",
            by,
            after={"invited": result.invited, "already": result.already, "criteria": result.criteria},
        )
    return result


def invitation_remove(*, invitation: Invitation, by: User | None) -> None:
    activity = invitation.activity
    require_perm(by, "activities.change_activity", activity)
    if activity.is_locked:
        raise ValidationError(_("活动记录已确认，不能再移除参加人员。"))
    with transaction.atomic():
        activity_audit(
            activity, "invitation.remove", by, before={"person": invitation.person_id, "status": invitation.status}
        )
        invitation.delete()
        counts_refresh(activity)


def _notify_invitees(activity: Activity, person_ids: Any, *, title: str, body: str = "") -> int:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(person__pk__in=person_ids)
    when = timezone.localtime(activity.start_at)
    text = body or _("%(when)s，%(place)s。") % {
        "when": when.strftime("%Y-%m-%d %H:%M"),
        "place": activity.place or "—",
    }
    return notify(
        recipients=users,
        title=title,
        body=text,
        url=reverse("activities:detail", args=[activity.pk]),
        kind="activity",
        email=True,
    )
