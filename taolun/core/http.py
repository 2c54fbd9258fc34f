"""Small answers every app's views give the same way."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


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


def safe_next(request: HttpRequest, target: str | None, fallback: str) -> str:
    """``target`` when it is an address on this site (a ``next`` parameter), else ``fallback``: no open redirect."""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to ``url``: a plain redirect, or for htmx an ``HX-Redirect`` (a 3xx would be followed
    inside the swap)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def qr_svg(url: str, *, scale: int) -> bytes:
    """A QR code of ``url`` as an SVG document (for sharing into chat apps, check-in on a projector)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, title="QR")
    return buffer.getvalue()


def qr_data_uri(url: str, *, scale: int) -> str:
    """The same QR code as a ``data:`` URI, to put in an ``<img>`` of the page."""
    import segno

    return str(segno.make(url, error="m").svg_data_uri(scale=scale, border=2))
