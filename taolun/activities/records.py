"""Writes for an activity's records: minutes, speeches, photos and attachments, and for an inspection
the places visited, the opinions gathered, the team's evaluation and its proposals.

Records may be written from the moment an activity is planned (an agenda's speakers can be entered
ahead). Once the office has confirmed them, every change needs a reason, kept in the audit entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Dimension
from taolun.core.permissions import require_perm
from taolun.orgs.models import Person

from .models import Activity, Attachment, AttachmentKind, Opinion, OpinionSource, Speech
from .services import activity_audit, actor, require_reason_if_locked
from .uploads import check_upload, thumbnail_of

if TYPE_CHECKING:
    from taolun.accounts.models import User

MAX_TEXT = 50_000
MAX_PLACES = 50


def _begin(activity: Activity, by: User | None, reason: str) -> str:
    require_perm(by, "activities.change_activity", activity)
    return require_reason_if_locked(activity, reason)


def _text(value: str, field: str, *, required: bool = False, label: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("内容过长（最多 %(n)s 字）。") % {"n": MAX_TEXT}})
    return value


def minutes_save(*, activity: Activity, minutes: str, by: User | None, reason: str = "") -> Activity:
    """Write the minutes (会议纪要)."""
    reason = _begin(activity, by, reason)
    minutes = _text(minutes, "minutes")
    with transaction.atomic():
        before = Activity.objects.filter(pk=activity.pk).values_list("minutes", flat=True).get()
        if before == minutes:
            return activity
        activity.minutes = minutes
        activity.save(update_fields=["minutes", "updated_at"])
        activity_audit(
            activity, "minutes.save", by, before={"minutes": before}, after={"minutes": minutes}, note=reason
        )
    return activity


def _speaker(activity: Activity, person: Person) -> Person:
    from .models import Attendance, Invitation

    takes_part = (
        Invitation.objects.filter(activity=activity, person=person).exists()
        or Attendance.objects.filter(activity=activity, person=person).exists()
    )
    if not takes_part:
        raise ValidationError({"person": _("%(name)s 不是本次活动的参加人员。") % {"name": person.name}})
    return person


def speech_save(*, activity: Activity, person: Person, content: str, by: User | None, reason: str = "") -> Speech:
    """Record (or correct) what ``person`` said. One speech per participant per activity."""
    reason = _begin(activity, by, reason)
    content = _text(content, "content", required=True, label=_("发言内容"))
    _speaker(activity, person)
    with transaction.atomic():
        speech = Speech.objects.select_for_update().filter(activity=activity, person=person).first()
        if speech is None:
            last = Speech.objects.filter(activity=activity).aggregate(m=Max("order"))["m"] or 0
            speech = Speech.objects.create(
                activity=activity,
                person=person,
                content=content,
                order=last + 1,
                recorded_by=actor(by),
            )
            activity_audit(activity, "speech.create", by, after={"person": person.pk, "content": content}, note=reason)
        elif speech.content != content:
            before = speech.content
            speech.content = content
            speech.recorded_by = actor(by)
            speech.save(update_fields=["content", "recorded_by", "updated_at"])
            activity_audit(
                activity,
                "speech.update",
                by,
                before={"person": person.pk, "content": before},
                after={"person": person.pk, "content": content},
                note=reason,
            )
    return speech


def speech_delete(*, speech: Speech, by: User | None, reason: str = "") -> None:
    activity = speech.activity
    reason = _begin(activity, by, reason)
    with transaction.atomic():
        activity_audit(
            activity, "speech.delete", by, before={"person": speech.person_id, "content": speech.content}, note=reason
        )
        speech.delete()


def attachment_add(
    *, activity: Activity, upload: UploadedFile, kind: str, caption: str = "", by: User | None, reason: str = ""
) -> Attachment:
    """Keep a photo or document after checking its size and real type; photos get a thumbnail."""
    reason = _begin(activity, by, reason)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": _("未知的类别：%(kind)s") % {"kind": kind}})
    checked = check_upload(upload, photo=kind == AttachmentKind.PHOTO)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or f"file.{checked.extension}"
    attachment = Attachment(
        activity=activity,
        kind=kind,
        original_name=name,
        content_type=checked.content_type,
        size=checked.size,
        caption=(caption or "").strip()[:200],
        uploaded_by=actor(by),
        uploaded_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            attachment.file.save(f"upload.{checked.extension}", upload, save=False)
            if checked.is_image:
                attachment.thumbnail.save("thumb.jpg", thumbnail_of(upload), save=False)
            attachment.save()
            activity_audit(
                activity,
                "attachment.add",
                by,
                after={
                    "id": attachment.pk,
                    "name": name,
                    "kind": kind,
                    "type": checked.content_type,
                    "size": checked.size,
                },
                note=reason,
            )
    except Exception:
        # Nothing was recorded: the files written for it go too.
        delete_files([(f.storage, f.name) for f in (attachment.file, attachment.thumbnail) if f and f.name])
        raise
    return attachment


def attachment_delete(*, attachment: Attachment, by: User | None, reason: str = "") -> None:
    activity = attachment.activity
    reason = _begin(activity, by, reason)
    files = [(f.storage, f.name) for f in (attachment.file, attachment.thumbnail) if f and f.name]
    with transaction.atomic():
        activity_audit(
            activity,
            "attachment.delete",
            by,
            before={"id": attachment.pk, "name": attachment.original_name, "kind": attachment.kind},
            note=reason,
        )
        attachment.delete()
        # The files go only once the row is gone for good.
        transaction.on_commit(lambda: delete_files(files))


def delete_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


# --- inspection visits ---------------------------------------------------------------------------


def _places(places: Iterable[str]) -> list[str]:
    cleaned = [p.strip()[:200] for p in places if p and p.strip()]
    if len(cleaned) > MAX_PLACES:
        raise ValidationError({"places_visited": _("视察地点最多 %(n)s 处。") % {"n": MAX_PLACES}})
    return cleaned


def inspection_save(
    *,
    activity: Activity,
    places_visited: Iterable[str],
    evaluation: str,
    proposals: str,
    by: User | None,
    reason: str = "",
) -> Activity:
    """The inspection team's record: places visited, its evaluation (评议) and countermeasure proposals."""
    reason = _begin(activity, by, reason)
    fields = {
        "places_visited": _places(places_visited),
        "evaluation": _text(evaluation, "evaluation"),
        "proposals": _text(proposals, "proposals"),
    }
    with transaction.atomic():
        before = {name: getattr(activity, name) for name in fields}
        if before == fields:
            return activity
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.save(update_fields=[*fields, "updated_at"])
        activity_audit(activity, "inspection.save", by, before=before, after=fields, note=reason)
    return activity


def _dimension(activity: Activity, dimension: Dimension | None) -> Dimension | None:
    if dimension is not None and dimension.campaign_id != activity.campaign_id:
        raise ValidationError({"dimension": _("维度须属于本次大讨论。")})
    return dimension


def opinion_add(
    *,
    activity: Activity,
    content: str,
    dimension: Dimension | None = None,
    source_kind: str = OpinionSource.PUBLIC,
    source_name: str = "",
    place: str = "",
    by: User | None,
    reason: str = "",
) -> Opinion:
    """An opinion gathered on the visit: from whom (kind and name), where, and on which dimension."""
    reason = _begin(activity, by, reason)
    content = _text(content, "content", required=True, label=_("意见内容"))
    if source_kind not in OpinionSource.values:
        raise ValidationError({"source_kind": _("未知的意见来源：%(kind)s") % {"kind": source_kind}})
    with transaction.atomic():
        opinion = Opinion.objects.create(
            activity=activity,
            content=content,
            dimension=_dimension(activity, dimension),
            source_kind=source_kind,
            source_name=(source_name or "").strip()[:100],
            place=(place or "").strip()[:200],
            recorded_by=actor(by),
        )
        activity_audit(
            activity,
            "opinion.add",
            by,
            after={"id": opinion.pk, "content": content, "dimension": dimension.key if dimension else None},
            note=reason,
        )
    return opinion


def opinion_delete(*, opinion: Opinion, by: User | None, reason: str = "") -> None:
    activity = opinion.activity
    reason = _begin(activity, by, reason)
    if opinion.link_type:
        raise ValidationError(_("这条意见已转办，不能删除。"))
    with transaction.atomic():
        activity_audit(
            activity, "opinion.delete", by, before={"id": opinion.pk, "content": opinion.content}, note=reason
        )
        opinion.delete()


# --- turning an opinion into a problem or a public suggestion --------------------------------------


@dataclass(frozen=True)
class Converter:
    """Something an opinion can become (a problem in the ledger, a public suggestion).

    ``create`` makes the new object from the opinion (as ``by``) and returns its id and address; the
    app that owns the target registers the converter, so this app needs no import of it.
    """

    key: str
    label: Any
    perm: str
    create: Callable[..., tuple[int, str]]


CONVERTERS: dict[str, Converter] = {}


def register_converter(converter: Converter) -> None:
    CONVERTERS[converter.key] = converter


def converters_for(user: Any, activity: Activity) -> list[Converter]:
    return [c for c in CONVERTERS.values() if user.has_perm(c.perm, activity)]


def opinion_convert(*, opinion: Opinion, to: str, by: User | None) -> str:
    """Turn ``opinion`` into a ``to`` (one action), keeping the link both ways; returns the new object's address."""
    converter = CONVERTERS.get(to)
    if converter is None:
        raise ValidationError(_("未知的转办类型：%(kind)s") % {"kind": to})
    require_perm(by, converter.perm, opinion.activity)
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().select_related("activity__unit").get(pk=opinion.pk)
        if opinion.link_type:
            raise ValidationError(_("这条意见已经转办过了。"))
        target_id, url = converter.create(opinion=opinion, by=by)
        opinion.link_type = to
        opinion.link_id = target_id
        opinion.linked_at = timezone.now()
        opinion.save(update_fields=["link_type", "link_id", "linked_at", "updated_at"])
        activity_audit(opinion.activity, "opinion.convert", by, after={"id": opinion.pk, "to": to, "target": target_id})
    return url
