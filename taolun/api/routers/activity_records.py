"""The records of an activity through the API: minutes, speeches, opinions and the inspection record,
photos and attachments. Scoped as in :mod:`taolun.api.routers.activities`: reading and writing them
needs ``activities.change_activity``, since speeches and opinions name people.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from taolun.activities import records, selectors
from taolun.activities.models import Activity, Attachment, Attendance, Invitation, Opinion, Speech
from taolun.orgs.models import Person

from ..errors import FieldError
from ..schemas.activities import (
    ActivityDetailOut,
    AttachmentForm,
    AttachmentOut,
    AttachmentPage,
    InspectionIn,
    MinutesIn,
    OpinionIn,
    OpinionOut,
    OpinionPage,
    SpeechIn,
    SpeechOut,
    SpeechPage,
)
from ..schemas.common import PageParams
from .activities import ACTIVITY, OBJECT_ERRORS, WRITE_ERRORS, _changeable, _detail, _key_title, _page

router = Router(tags=["activities"])


def _participant(activity: Activity, pk: int) -> Person:
    """A person invited to or present at ``activity`` (a speech needs one)."""
    takes_part = Q(pk__in=Invitation.objects.filter(activity=activity).values("person_id")) | Q(
        pk__in=Attendance.objects.filter(activity=activity).values("person_id")
    )
    person = Person.objects.select_related("unit").filter(takes_part, pk=pk).first()
    if person is None:
        raise FieldError("person", _("编号为 %(id)s 的人员不是本次活动的参加人员。") % {"id": pk})
    return person


def _speech_out(speech: Speech) -> dict[str, Any]:
    person = speech.person
    return {
        "person": {"id": person.pk, "name": person.name, "unit_id": person.unit_id, "unit_name": person.unit.name},
        "content": speech.content,
        "order": speech.order,
        "created_at": speech.created_at,
        "updated_at": speech.updated_at,
    }


def _opinion_out(opinion: Opinion) -> dict[str, Any]:
    return {
        "id": opinion.pk,
        "content": opinion.content,
        "dimension": _key_title(opinion.dimension) if opinion.dimension is not None else None,
        "source_kind": opinion.source_kind,
        "source_kind_label": str(opinion.get_source_kind_display()),
        "source_name": opinion.source_name,
        "place": opinion.place,
        "created_at": opinion.created_at,
        "link_type": opinion.link_type,
        "link_id": opinion.link_id,
    }


def _attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "kind_label": str(attachment.get_kind_display()),
        "original_name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "caption": attachment.caption,
        "uploaded_at": attachment.uploaded_at,
        "url": reverse("activities:attachment_file", args=[attachment.pk]),
        "thumbnail_url": reverse("activities:attachment_thumb", args=[attachment.pk]) if attachment.thumbnail else None,
    }


# --- records ------------------------------------------------------------------------------
@router.put(f"{ACTIVITY}/minutes", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="保存会议纪要")
def minutes_save(request: HttpRequest, activity_id: int, payload: MinutesIn) -> dict[str, Any]:
    """写入（替换）会议纪要。记录已确认时须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    return _detail(
        user, records.minutes_save(activity=activity, minutes=payload.minutes, by=user, reason=payload.reason)
    )


@router.get(f"{ACTIVITY}/speeches", response={200: SpeechPage, **OBJECT_ERRORS}, summary="发言记录")
def speech_list(request: HttpRequest, activity_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """各参加人员的发言，按发言顺序。"""
    _user, activity = _changeable(request, activity_id)
    total = Speech.objects.filter(activity=activity).count()
    page = selectors.speakers(activity)[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_speech_out(speech) for speech in page])


@router.post(f"{ACTIVITY}/speeches", response={200: SpeechOut, **WRITE_ERRORS}, summary="保存发言记录")
def speech_save(request: HttpRequest, activity_id: int, payload: SpeechIn) -> dict[str, Any]:
    """记录（或更正）一名参加人员的发言；每人每次活动一条。记录已确认时须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    person = _participant(activity, payload.person)
    speech = records.speech_save(
        activity=activity, person=person, content=payload.content, by=user, reason=payload.reason
    )
    return _speech_out(speech)


@router.delete(
    f"{ACTIVITY}/speeches/{{int:person_id}}",
    response={204: None, **WRITE_ERRORS},
    summary="删除发言记录",
)
def speech_delete(request: HttpRequest, activity_id: int, person_id: int, reason: str = "") -> Status[None]:
    """删除一名人员的发言记录；记录已确认时须在查询参数 reason 中说明原因。"""
    user, activity = _changeable(request, activity_id)
    speech = Speech.objects.filter(activity=activity, person_id=person_id).first()
    if speech is None:
        raise Http404
    speech.activity = activity
    records.speech_delete(speech=speech, by=user, reason=reason[:500])
    return Status(204, None)


@router.get(f"{ACTIVITY}/opinions", response={200: OpinionPage, **OBJECT_ERRORS}, summary="视察意见")
def opinion_list(request: HttpRequest, activity_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """视察中收集的意见建议，按记录顺序。"""
    _user, activity = _changeable(request, activity_id)
    qs = Opinion.objects.filter(activity=activity)
    total = qs.count()
    page = qs.select_related("dimension").order_by("id")[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_opinion_out(opinion) for opinion in page])


@router.post(f"{ACTIVITY}/opinions", response={201: OpinionOut, **WRITE_ERRORS}, summary="记录视察意见")
def opinion_add(request: HttpRequest, activity_id: int, payload: OpinionIn) -> Status[dict[str, Any]]:
    """记录一条收集到的意见：内容、来源、提出人、地点和所属高质量维度（dimension 的 key）。"""
    user, activity = _changeable(request, activity_id)
    dimension = None
    if payload.dimension:
        dimension = activity.campaign.dimensions.filter(key=payload.dimension).first()
        if dimension is None:
            raise FieldError("dimension", _("本次大讨论没有这些视察维度：%(keys)s。") % {"keys": payload.dimension})
    opinion = records.opinion_add(
        activity=activity,
        content=payload.content,
        dimension=dimension,
        source_kind=payload.source_kind,
        source_name=payload.source_name,
        place=payload.place,
        by=user,
        reason=payload.reason,
    )
    return Status(201, _opinion_out(opinion))


@router.put(f"{ACTIVITY}/inspection", response={200: ActivityDetailOut, **WRITE_ERRORS}, summary="保存视察记录")
def inspection_save(request: HttpRequest, activity_id: int, payload: InspectionIn) -> dict[str, Any]:
    """视察组的记录：视察地点、评议和对策建议（整体替换）。记录已确认时须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    saved = records.inspection_save(
        activity=activity,
        places_visited=payload.places_visited,
        evaluation=payload.evaluation,
        proposals=payload.proposals,
        by=user,
        reason=payload.reason,
    )
    return _detail(user, saved)


@router.get(f"{ACTIVITY}/attachments", response={200: AttachmentPage, **OBJECT_ERRORS}, summary="照片和附件")
def attachment_list(request: HttpRequest, activity_id: int, paging: Query[PageParams]) -> dict[str, Any]:
    """活动的照片和附件，按上传顺序。"""
    _user, activity = _changeable(request, activity_id)
    qs = Attachment.objects.filter(activity=activity)
    total = qs.count()
    page = qs.order_by("uploaded_at", "id")[paging.offset : paging.offset + paging.limit]
    return _page(total, paging, [_attachment_out(attachment) for attachment in page])


@router.post(f"{ACTIVITY}/attachments", response={201: AttachmentOut, **WRITE_ERRORS}, summary="上传照片或附件")
def attachment_add(
    request: HttpRequest, activity_id: int, form: Form[AttachmentForm], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """以 multipart/form-data 上传：file 为文件，kind 为 photo 或 document，可附 caption。
    文件类型按内容识别，改扩展名无效；超过大小上限或类型不符时返回 400（字段 file）。
    记录已确认时须填写 reason。"""
    user, activity = _changeable(request, activity_id)
    attachment = records.attachment_add(
        activity=activity, upload=file, kind=form.kind, caption=form.caption, by=user, reason=form.reason
    )
    return Status(201, _attachment_out(attachment))
