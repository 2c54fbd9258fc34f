"""The records of an activity: minutes, speeches, photos and attachments, and the inspection record.

Each form posts to its own view and returns to the activity page (or, from htmx, the refreshed
section). Files are served only through :func:`attachment_file`, which checks the viewer.
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
from django.views.decorators.http import require_POST

from taolun.core.http import refusal, serve_private_file
from taolun.orgs.forms import add_service_errors
from taolun.orgs.models import Person

from . import records, selectors
from .forms import AttachmentForm, InspectionForm, MinutesForm, OpinionForm, SpeechForm
from .models import Activity, Attachment, AttachmentKind, Opinion, Speech
from .views import load_activity


def _person_label(person: Person) -> str:
    return _("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}


def _participants(activity: Activity) -> list[tuple[int, str]]:
    """Who may be recorded as a speaker: invitees and walk-ins, present people first."""
    present = set(activity.attendances.values_list("person_id", flat=True))
    rows = {
        inv.person_id: _person_label(inv.person)
        for inv in activity.invitations.select_related("person__unit").order_by("person__unit__path", "person__name")
    }
    for attendance in selectors.walk_ins(activity):
        rows[attendance.person_id] = _person_label(attendance.person)
    return sorted(rows.items(), key=lambda item: (item[0] not in present,))


def records_context(
    request: HttpRequest, activity: Activity, *, can_change: bool, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the records part of the activity page shows; bound forms with errors replace the empty ones."""
    forms = forms or {}
    locked = activity.is_locked
    context: dict[str, Any] = {
        "speeches": list(selectors.speakers(activity)),
        # Who still has no speech matters where everyone is to speak (seminars) or speeches are being kept.
        "unspoken": list(selectors.unspoken(activity)[:200])
        if activity.kind == "seminar" or activity.speeches.exists()
        else [],
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


def _submit(
    request: HttpRequest, activity: Activity, key: str, form: Any, save: Callable[[dict[str, Any]], str], anchor: str
) -> HttpResponse:
    """Run ``save`` with a valid form's data (it returns the message to show) and go back to the page;
    a refusal from the service shows next to its field, with nothing saved."""
    if form.is_valid():
        try:
            message = save(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, activity, message, anchor)
    return _redisplay(request, activity, key, form)


def _remove(
    request: HttpRequest, activity: Activity, delete: Callable[[str], None], message: str, anchor: str
) -> HttpResponse:
    """Run ``delete`` with the reason posted (needed once the records are confirmed) and go back."""
    try:
        delete(request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{activity.get_absolute_url()}#{anchor}")
    return _done(request, activity, message, anchor)


@login_required
@require_POST
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")

    def save(data: dict[str, Any]) -> str:
        records.minutes_save(activity=activity, minutes=data["minutes"], by=request.user, reason=data.get("reason", ""))  # type: ignore[arg-type]
        return _("会议纪要已保存。")

    return _submit(request, activity, "minutes", MinutesForm(request.POST, locked=activity.is_locked), save, "minutes")


@login_required
@require_POST
def speech_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    form = SpeechForm(request.POST, participants=_participants(activity), locked=activity.is_locked)

    def save(data: dict[str, Any]) -> str:
        person = Person.objects.get(pk=data["person"])
        records.speech_save(
            activity=activity,
            person=person,
            content=data["content"],
            by=request.user,  # type: ignore[arg-type]
            reason=data.get("reason", ""),
        )
        return _("已记录 %(name)s 的发言。") % {"name": person.name}

    return _submit(request, activity, "speech", form, save, "speeches")


@login_required
@require_POST
def speech_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    speech = get_object_or_404(Speech.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, speech.activity_id, "activities.change_activity")
    return _remove(
        request,
        activity,
        lambda reason: records.speech_delete(speech=speech, by=request.user, reason=reason),  # type: ignore[arg-type]
        _("已删除发言记录。"),
        "speeches",
    )


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")

    def save(data: dict[str, Any]) -> str:
        records.attachment_add(
            activity=activity,
            upload=data["file"],
            kind=data["kind"],
            caption=data["caption"],
            by=request.user,  # type: ignore[arg-type]
            reason=data.get("reason", ""),
        )
        return _("已上传。")

    form = AttachmentForm(request.POST, request.FILES, locked=activity.is_locked)
    return _submit(request, activity, "attachment", form, save, "attachments")


def _attachment(request: HttpRequest, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("activity__unit"), pk=pk)
    load_activity(request, attachment.activity_id)
    return attachment


def _serve(field: Any, content_type: str, filename: str, *, inline: bool) -> FileResponse:
    return serve_private_file(field, content_type, filename, inline=inline, cache="private, max-age=3600")


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
    return _remove(
        request,
        activity,
        lambda reason: records.attachment_delete(attachment=attachment, by=request.user, reason=reason),  # type: ignore[arg-type]
        _("已删除。"),
        "attachments",
    )


@login_required
@require_POST
def inspection_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    if not activity.is_inspection:
        raise Http404

    def save(data: dict[str, Any]) -> str:
        records.inspection_save(
            activity=activity,
            places_visited=data["places_visited"],
            evaluation=data["evaluation"],
            proposals=data["proposals"],
            by=request.user,  # type: ignore[arg-type]
            reason=data.get("reason", ""),
        )
        return _("视察记录已保存。")

    return _submit(
        request, activity, "inspection", InspectionForm(request.POST, locked=activity.is_locked), save, "inspection"
    )


@login_required
@require_POST
def opinion_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    activity = load_activity(request, pk, "activities.change_activity")
    if not activity.is_inspection:
        raise Http404
    form = OpinionForm(request.POST, campaign=activity.campaign, locked=activity.is_locked)

    def save(data: dict[str, Any]) -> str:
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
        return _("已记录意见。")

    return _submit(request, activity, "opinion", form, save, "opinions")


@login_required
@require_POST
def opinion_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, opinion.activity_id, "activities.change_activity")
    return _remove(
        request,
        activity,
        lambda reason: records.opinion_delete(opinion=opinion, by=request.user, reason=reason),  # type: ignore[arg-type]
        _("已删除意见。"),
        "opinions",
    )


@login_required
@require_POST
def opinion_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One action turns an opinion into a problem or a public suggestion; the link is kept on the opinion."""
    opinion = get_object_or_404(Opinion.objects.select_related("activity"), pk=pk)
    activity = load_activity(request, opinion.activity_id)
    try:
        url = records.opinion_convert(opinion=opinion, to=request.POST.get("to", ""), by=request.user)  # type: ignore[arg-type]
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal(exc))
        return redirect(f"{activity.get_absolute_url()}#opinions")
    messages.success(request, _("已转办。"))
    return redirect(url)
