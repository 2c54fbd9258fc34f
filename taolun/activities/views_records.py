"""The records of an activity: minutes, speeches, photos and attachments, and the inspection record.

Each form posts to its own view and returns to the activity page (or, from htmx, the refreshed
section). Files are served only through :func:`attachment_file`, which checks the viewer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Person

from . import records, selectors
from .forms import AttachmentForm, InspectionForm, MinutesForm, OpinionForm, SpeechForm
from .models import Activity, Attachment, AttachmentKind, Opinion, Speech
from .views import load_activity


def _participants(activity: Activity) -> list[tuple[int, str]]:
    """Who may be recorded as a speaker: invitees and walk-ins, present people first."""
    present = set(activity.attendances.values_list("person_id", flat=True))
    rows = {
        inv.person_id: f"{inv.person.name}（{inv.person.unit.name}）"
        for inv in activity.invitations.select_related("person__unit").order_by("person__unit__path", "person__name")
    }
    for attendance in selectors.walk_ins(activity):
        rows[attendance.person_id] = f"{attendance.person.name}（{attendance.person.unit.name}）"
    return sorted(rows.items(), key=lambda item: (item[0] not in present,))


def records_context(
    request: HttpRequest, activity: Activity, *, can_change: bool, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the records part of the activity page shows; bound forms with errors replace the empty ones."""
    forms = forms or {}
    locked = activity.is_locked
    context: dict[str, Any] = {
        "speeches": list(selectors.speakers(activity)),
        "unspoken": list(selectors.unspoken(activity)[:200]),
        "photos": list(activity.attachments.filter(kind=AttachmentKind.PHOTO)),
        "documents": list(activity.attachments.filter(kind=AttachmentKind.DOCUMENT)),
        "opinions": list(activity.opinions.select_related("dimension")) if activity.is_inspection else [],
        "converters": records.converters_for(request.user, activity) if activity.is_inspection else [],
        "locked": locked,
    }
    if can_change:
        context.update(
            minutes_form=forms.get("minutes") or MinutesForm(initial={"minutes": activity.minutes}, locked=locked),
            speech_form=forms.get("speech") or SpeechForm(participants=_participants(activity), locked=locked),
            attachment_form=forms.get("attachment") or AttachmentForm(locked=locked),
        )
        if activity.is_inspection:
            context.update(
                inspection_form=forms.get("inspection")
                or InspectionForm(
                    initial={
                        "places_visited": "\n".join(activity.places_visited),
                        "evaluation": activity.evaluation,
                        "proposals": activity.proposals,
                    },
                    locked=locked,
                ),
                opinion_form=forms.get("opinion") or OpinionForm(campaign=activity.campaign, locked=locked),
            )
    return context


def _redisplay(request: HttpRequest, activity: Activity, key: str, form: Any) -> HttpResponse:
    """The activity page again, with ``form`` showing its errors next to its fields (nothing saved)."""
    from .views import activity_detail_context

    context = activity_detail_context(request, activity)
    context.update(records_context(request, activity, can_change=True, forms={key: form}))
    context["open_form"] = key
    return render(request, "activities/detail.html", context, status=400)


def _done(request: HttpRequest, activity: Activity, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{activity.get_absolute_url()}#{anchor}")


@login_required
@require_POST
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    form = MinutesForm(request.POST, locked=activity.is_locked)
    if form.is_valid():
        try:
            records.minutes_save(
                activity=activity,
                minutes=form.cleaned_data["minutes"],
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, _("会议纪要已保存。"), "minutes")
    return _redisplay(request, activity, "minutes", form)


@login_required
@require_POST
def speech_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    form = SpeechForm(request.POST, participants=_participants(activity), locked=activity.is_locked)
    if form.is_valid():
        person = Person.objects.get(pk=form.cleaned_data["person"])
        try:
            records.speech_save(
                activity=activity,
                person=person,
                content=form.cleaned_data["content"],
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, _("已记录 %(name)s 的发言。") % {"name": person.name}, "speeches")
    return _redisplay(request, activity, "speech", form)


@login_required
@require_POST
def speech_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    speech = get_object_or_404(Speech.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, speech.activity_id, "activities.change_activity")
    try:
        records.speech_delete(speech=speech, by=request.user, reason=request.POST.get("reason", ""))  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{activity.get_absolute_url()}#speeches")
    return _done(request, activity, _("已删除发言记录。"), "speeches")


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    form = AttachmentForm(request.POST, request.FILES, locked=activity.is_locked)
    if form.is_valid():
        try:
            records.attachment_add(
                activity=activity,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                caption=form.cleaned_data["caption"],
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, _("已上传。"), "attachments")
    return _redisplay(request, activity, "attachment", form)


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("activity__unit"), pk=pk)
    load_activity(request, attachment.activity_id)
    return attachment


def _serve(field: Any, content_type: str, filename: str, *, inline: bool) -> FileResponse:
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    # Documents are never rendered by the browser inside our origin.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@login_required
def attachment_file(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _attachment(request, pk)
    inline = attachment.kind == AttachmentKind.PHOTO
    return _serve(attachment.file, attachment.content_type, attachment.original_name, inline=inline)


@login_required
def attachment_thumb(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _attachment(request, pk)
    return _serve(attachment.thumbnail, "image/jpeg", "thumb.jpg", inline=True)


@login_required
@require_POST
def attachment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, attachment.activity_id, "activities.change_activity")
    try:
        records.attachment_delete(attachment=attachment, by=request.user, reason=request.POST.get("reason", ""))  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{activity.get_absolute_url()}#attachments")
    return _done(request, activity, _("已删除。"), "attachments")


@login_required
@require_POST
def inspection_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    if not activity.is_inspection:
        raise Http404
    form = InspectionForm(request.POST, locked=activity.is_locked)
    if form.is_valid():
        try:
            records.inspection_save(
                activity=activity,
                places_visited=form.cleaned_data["places_visited"],
                evaluation=form.cleaned_data["evaluation"],
                proposals=form.cleaned_data["proposals"],
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, _("视察记录已保存。"), "inspection")
    return _redisplay(request, activity, "inspection", form)


@login_required
@require_POST
def opinion_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    if not activity.is_inspection:
        raise Http404
    form = OpinionForm(request.POST, campaign=activity.campaign, locked=activity.is_locked)
    if form.is_valid():
        data = form.cleaned_data
        try:
            records.opinion_add(
                activity=activity,
                content=data["content"],
                dimension=form.chosen_dimension(),
                source_kind=data["source_kind"],
                source_name=data["source_name"],
                place=data["place"],
                by=request.user,  # type: ignore[arg-type]
                reason=data.get("reason", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, _("已记录意见。"), "opinions")
    return _redisplay(request, activity, "opinion", form)


@login_required
@require_POST
def opinion_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, opinion.activity_id, "activities.change_activity")
    try:
        records.opinion_delete(opinion=opinion, by=request.user, reason=request.POST.get("reason", ""))  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{activity.get_absolute_url()}#opinions")
    return _done(request, activity, _("已删除意见。"), "opinions")


@login_required
@require_POST
def opinion_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One action turns an opinion into a problem or a public suggestion; the link is kept on the opinion."""
    opinion = get_object_or_404(Opinion.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, opinion.activity_id)
    try:
        url = records.opinion_convert(opinion=opinion, to=request.POST.get("to", ""), by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(f"{activity.get_absolute_url()}#opinions")
    messages.success(request, _("已转办。"))
    return redirect(url)
