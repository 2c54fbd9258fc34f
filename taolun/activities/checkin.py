"""Check-in with a rotating code, attendance marked by hand, and leave requests (请假).

The check-in code is six digits derived from the server's secret, the activity and the current time
window (``ACTIVITY_CHECKIN_CODE_SECONDS``), so nothing has to be stored as codes rotate and every app
server computes the same code. The code of the window just before is still accepted, so a code read
off the screen a moment before it changes still works. One attendance row per person and activity
is enforced by the database: two check-ins racing each other give one row and one clear refusal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from taolun.core import ratelimit
from taolun.core.permissions import require_perm
from taolun.orgs.models import Person

from .counts import counts_refresh
from .models import Activity, ActivityStatus, Attendance, CheckinMethod, Invitation, InvitationStatus
from .services import activity_audit, actor, require_reason_if_locked

if TYPE_CHECKING:
    from taolun.accounts.models import User

CODE_DIGITS = 6
# How far back an old code is recognised as "expired" rather than simply wrong (in windows).
EXPIRED_LOOKBACK_WINDOWS = 24 * 60
CHECKIN_ATTEMPT_LIMIT = 20
CHECKIN_ATTEMPT_WINDOW = 600


class CheckinRefused(ValidationError):
    """A check-in that cannot be accepted; ``code`` says why (for the API and the tests)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)
        self.reason = code


def _window(at: dt.datetime) -> int:
    return int(at.timestamp()) // settings.ACTIVITY_CHECKIN_CODE_SECONDS


def code_for(activity: Activity, window: int) -> str:
    message = f"checkin:{activity.pk}:{activity.checkin_secret}:{window}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return str(int(digest[:12], 16) % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def current_code(activity: Activity, now: dt.datetime | None = None) -> tuple[str, int]:
    """The code to show now and the seconds until it changes."""
    now = now or timezone.now()
    seconds = settings.ACTIVITY_CHECKIN_CODE_SECONDS
    window = _window(now)
    return code_for(activity, window), seconds - int(now.timestamp()) % seconds


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "") if ch.isdigit())[: CODE_DIGITS + 2]


def code_matches(activity: Activity, code: str, now: dt.datetime) -> bool:
    window = _window(now)
    return any(hmac.compare_digest(code, code_for(activity, w)) for w in (window, window - 1))


def _code_expired(activity: Activity, code: str, now: dt.datetime) -> bool:
    window = _window(now)
    start = max(_window(activity.checkin_opens_at) - 1, window - EXPIRED_LOOKBACK_WINDOWS)
    return any(code == code_for(activity, w) for w in range(window - 2, start - 1, -1))


def _other_activity_of(person: Person, activity: Activity, code: str, now: dt.datetime) -> Activity | None:
    """Another activity open for check-in now whose current code this is (the person scanned the wrong QR)."""
    candidates = (
        Activity.objects.filter(
            checkin_opens_at__lte=now,
            checkin_closes_at__gte=now,
            status=ActivityStatus.PLANNED,
            invitations__person=person,
        )
        .exclude(pk=activity.pk)
        .only("pk", "title", "checkin_secret")[:20]
    )
    return next((other for other in candidates if code_matches(other, code, now)), None)


def may_check_in(person: Person, activity: Activity) -> bool:
    """Invited, or (when walk-ins are allowed) on the roster of the holding unit's subtree."""
    if Invitation.objects.filter(activity=activity, person=person).exists():
        return True
    return activity.allow_walk_in and person.unit.path.startswith(activity.unit.path)


def reachable(user: Any, person: Person | None, activity: Activity) -> bool:
    """Whether the check-in page or API may name ``activity`` to ``user``: they may see it anyway, or
    they may check in to it. Anyone else learns nothing about it, not even that it exists."""
    return user.has_perm("activities.view_activity", activity) or (
        person is not None and may_check_in(person, activity)
    )


def _fmt(at: dt.datetime) -> str:
    return date_format(timezone.localtime(at), "Y-m-d H:i")


def checkin_by_code(
    *, activity: Activity, person: Person, code: str, by: User | None, now: dt.datetime | None = None
) -> Attendance:
    """Check ``person`` in with ``code``. Refused, with a message that says why, when the code is wrong,
    expired or belongs to another activity, when check-in is not open, or when already checked in."""
    now = now or timezone.now()
    if by is not None and ratelimit.hit("checkin", str(by.pk), window_seconds=CHECKIN_ATTEMPT_WINDOW) > (
        CHECKIN_ATTEMPT_LIMIT
    ):
        raise CheckinRefused(_("签到尝试次数过多，请 10 分钟后再试。"), "too_many_attempts")
    if not person.is_active:
        raise CheckinRefused(_("您已不在在册人员名单中，无法签到；如有误请联系联络员。"), "not_on_roster")
    existing = Attendance.objects.filter(activity=activity, person=person).first()
    if existing is not None:
        raise CheckinRefused(
            _("您已于 %(at)s 签到，无需重复签到。") % {"at": _fmt(existing.checked_in_at)}, "already_checked_in"
        )
    if not may_check_in(person, activity):
        raise CheckinRefused(_("您不在本次活动的参加人员名单中；如需参加，请联系举办单位的联络员。"), "not_invited")
    state = activity.checkin_state(now)
    if activity.status == ActivityStatus.CANCELLED:
        raise CheckinRefused(_("活动已取消。"), "cancelled")
    if state == "early":
        raise CheckinRefused(
            _("签到尚未开始，将于 %(at)s 开始。") % {"at": _fmt(activity.checkin_opens_at)}, "not_open_yet"
        )
    if state == "closed":
        raise CheckinRefused(
            _("签到已于 %(at)s 结束；如确实参加了活动，请联系联络员补登。") % {"at": _fmt(activity.checkin_closes_at)},
            "closed",
        )
    code = normalise_code(code)
    if len(code) != CODE_DIGITS:
        raise CheckinRefused(_("签到码是 %(n)s 位数字，请核对后重新输入。") % {"n": CODE_DIGITS}, "malformed")
    if not code_matches(activity, code, now):
        other = _other_activity_of(person, activity, code, now)
        if other is not None:
            raise CheckinRefused(
                _("这是另一场活动“%(title)s”的签到码，请扫描本场活动的二维码。") % {"title": other.title},
                "other_activity",
            )
        if _code_expired(activity, code, now):
            raise CheckinRefused(_("签到码已过期，请扫描屏幕上最新的二维码或输入最新的签到码。"), "expired")
        raise CheckinRefused(_("签到码不正确，请核对屏幕上的签到码。"), "wrong_code")
    return _record(activity, person, now=now, method=CheckinMethod.CODE, by=by)


def _record(activity: Activity, person: Person, *, now: dt.datetime, method: str, by: User | None) -> Attendance:
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity,
                person=person,
                checked_in_at=now,
                method=method,
                recorded_by=actor(by),
            )
            activity_audit(activity, "attendance.check_in", by, after={"person": person.pk, "method": method})
            counts_refresh(activity)
    except IntegrityError as exc:
        # A second check-in racing the first: the database kept one row.
        first = Attendance.objects.filter(activity=activity, person=person).first()
        at = _fmt(first.checked_in_at) if first else _fmt(now)
        raise CheckinRefused(_("您已于 %(at)s 签到，无需重复签到。") % {"at": at}, "already_checked_in") from exc
    return attendance


@dataclass
class MarkResult:
    added: int
    removed: int


def attendance_mark(
    *,
    activity: Activity,
    present: Iterable[int],
    absent: Iterable[int] = (),
    by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> MarkResult:
    """The liaison marks invitees present or absent by hand (paper sign-in sheets, latecomers)."""
    require_perm(by, "activities.change_activity", activity)
    reason = require_reason_if_locked(activity, reason)
    now = now or timezone.now()
    if activity.start_at > now + dt.timedelta(days=1):
        raise ValidationError(_("活动尚未举行，不能登记出席。"))
    present_ids = {int(p) for p in present}
    absent_ids = {int(p) for p in absent} - present_ids
    invited = set(
        Invitation.objects.filter(activity=activity, person_id__in=present_ids | absent_ids).values_list(
            "person_id", flat=True
        )
    )
    strangers = (present_ids | absent_ids) - invited
    if strangers:
        raise ValidationError(_("只能为本次活动的参加人员登记出席（%(n)s 人不在名单中）。") % {"n": len(strangers)})
    with transaction.atomic():
        already = set(
            Attendance.objects.filter(activity=activity, person_id__in=present_ids).values_list("person_id", flat=True)
        )
        new = sorted(present_ids - already)
        Attendance.objects.bulk_create(
            [
                Attendance(
                    activity=activity,
                    person_id=pk,
                    checked_in_at=now,
                    method=CheckinMethod.MANUAL,
                    recorded_by=actor(by),
                )
                for pk in new
            ],
            ignore_conflicts=True,
        )
        removed, _detail = Attendance.objects.filter(activity=activity, person_id__in=absent_ids).delete()
        counts_refresh(activity)
        if new or removed:
            activity_audit(
                activity, "attendance.mark", by, after={"present": new, "absent": sorted(absent_ids)}, note=reason
            )
    return MarkResult(added=len(new), removed=removed)


# --- leave (请假) ---------------------------------------------------------------------------------

LEAVE_TRANSITIONS: dict[str, set[str]] = {
    InvitationStatus.INVITED: {InvitationStatus.LEAVE_REQUESTED},
    InvitationStatus.LEAVE_REQUESTED: {
        InvitationStatus.LEAVE_APPROVED,
        InvitationStatus.LEAVE_REJECTED,
        InvitationStatus.INVITED,
    },
    InvitationStatus.LEAVE_REJECTED: {InvitationStatus.LEAVE_REQUESTED},
    InvitationStatus.LEAVE_APPROVED: {InvitationStatus.INVITED},
}


def _leave_move(invitation: Invitation, to: str, by: User | None, note: str = "") -> None:
    if to not in LEAVE_TRANSITIONS.get(invitation.status, set()):
        raise ValidationError(
            _("当前状态为“%(status)s”，不能改为“%(to)s”。")
            % {"status": invitation.get_status_display(), "to": InvitationStatus(to).label}
        )
    before = invitation.status
    invitation.status = to
    invitation.save(
        update_fields=[
            "status",
            "leave_reason",
            "leave_requested_at",
            "leave_decided_at",
            "leave_decided_by",
            "leave_note",
        ]
    )
    counts_refresh(invitation.activity)
    activity_audit(
        invitation.activity,
        "leave." + to,
        by,
        before={"person": invitation.person_id, "status": before},
        after={"person": invitation.person_id, "status": to},
        note=note,
    )


def leave_request(
    *, invitation: Invitation, reason: str, by: User | None, now: dt.datetime | None = None
) -> Invitation:
    """The invitee asks for leave, with a reason, before the activity ends."""
    now = now or timezone.now()
    if by is not None and invitation.person.user_id != by.pk:
        raise PermissionDenied(_("只能为自己请假。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写请假事由。")})
    activity = invitation.activity
    if activity.status != ActivityStatus.PLANNED or now > activity.end_at:
        raise ValidationError(_("活动已结束或已确认，不能再请假。"))
    if Attendance.objects.filter(activity=activity, person=invitation.person).exists():
        raise ValidationError(_("您已签到，不能再请假。"))
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("activity__unit", "person").get(pk=invitation.pk)
        )
        invitation.leave_reason = reason[:500]
        invitation.leave_requested_at = now
        invitation.leave_decided_at = None
        invitation.leave_decided_by = None
        invitation.leave_note = ""
        _leave_move(invitation, InvitationStatus.LEAVE_REQUESTED, by, note=reason)
    return invitation


def leave_withdraw(*, invitation: Invitation, by: User | None) -> Invitation:
    if by is not None and invitation.person.user_id != by.pk:
        raise PermissionDenied(_("只能撤回自己的请假。"))
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("activity__unit", "person").get(pk=invitation.pk)
        )
        if invitation.status != InvitationStatus.LEAVE_REQUESTED:
            raise ValidationError(_("只有待审批的请假可以撤回。"))
        _leave_move(invitation, InvitationStatus.INVITED, by)
    return invitation


def leave_decide(
    *,
    invitation: Invitation,
    approve: bool,
    note: str = "",
    by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Invitation:
    """The liaison (or office) approves or refuses a leave request; on confirmed records only with a reason."""
    require_perm(by, "activities.change_activity", invitation.activity)
    reason = require_reason_if_locked(invitation.activity, reason)
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("activity__unit", "person").get(pk=invitation.pk)
        )
        if invitation.status != InvitationStatus.LEAVE_REQUESTED:
            raise ValidationError(_("这条请假不是待审批状态。"))
        invitation.leave_decided_at = now
        invitation.leave_decided_by = actor(by)
        invitation.leave_note = (note or "").strip()[:500]
        to = InvitationStatus.LEAVE_APPROVED if approve else InvitationStatus.LEAVE_REJECTED
        _leave_move(invitation, to, by, note="；".join(t for t in (invitation.leave_note, reason) if t))
    if invitation.person.user_id:
        from django.urls import reverse

        from taolun.core.services import notify

        notify(
            recipients=[invitation.person.user],  # type: ignore[list-item]
            title=(_("请假已批准：%(title)s") if approve else _("请假未获批准：%(title)s"))
            % {"title": invitation.activity.title},
            body=invitation.leave_note,
            url=reverse("activities:detail", args=[invitation.activity_id]),
            kind="activity",
        )
    return invitation
