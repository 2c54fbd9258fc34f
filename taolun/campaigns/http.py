"""The campaign a page is about, as every app's views read it from the request."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from .models import Campaign
from .selectors import campaigns_visible_to, current_campaign


def campaign_named(viewer: Any, slug: str) -> Campaign | None:
    """The campaign ``slug`` among those ``viewer`` may see — 404 when unknown or hidden — or, for an empty
    slug, the viewer's current campaign (None when there is none)."""
    slug = slug.strip()
    if slug:
        campaign = campaigns_visible_to(viewer).filter(slug=slug).first()
        if campaign is None:
            raise Http404
        return campaign
    return current_campaign(viewer=viewer)


def requested_campaign(request: HttpRequest) -> Campaign | None:
    """``?campaign=<slug>`` (or the posted field) as :func:`campaign_named` reads it."""
    return campaign_named(request.user, request.GET.get("campaign") or request.POST.get("campaign") or "")
