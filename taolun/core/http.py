"""Small answers every app's views give the same way."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def is_htmx(request: HttpRequest, target: str | None = None) -> bool:
    """An htmx request (aimed at the element ``target`` when given): answer with a partial."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return target is None or htmx.target == target


def no_store(response: HttpResponse) -> HttpResponse:
    """Pages with a secret or personal data (a token shown once, a rotating code, a roster export) must
    not be kept by the browser or a proxy."""
    response["Cache-Control"] = "no-store"
    return response
