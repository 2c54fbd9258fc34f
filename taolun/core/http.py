"""Small answers every app's views give the same way."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse


def is_htmx(request: HttpRequest, target: str | None = None) -> bool:
    """An htmx request (aimed at the element ``target`` when given): answer with a partial."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return target is None or htmx.target == target


def refusal(exc: Exception) -> str:
    """A service's refusal (ValidationError or PermissionDenied) as one line for a message above the page."""
    return " ".join(getattr(exc, "messages", [str(exc)]))


def no_store(response: HttpResponse) -> HttpResponse:
    """Pages with a secret or personal data (a token shown once, a rotating code, a roster export) must
    not be kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


def serve_private_file(
    field: Any, content_type: str, filename: str, *, inline: bool, cache: str = "private, no-store"
) -> FileResponse:
    """A stored upload, after the caller has checked the viewer: a download unless ``inline`` (images), never
    sniffed or rendered as a page of our origin, kept only privately (``cache``). A missing file is a 404."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=filename)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
