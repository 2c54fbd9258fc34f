"""The campaign a page is about, as every app's views read it from the request."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .models import Campaign
from .selectors import campaigns_visible_to, current_campaign


def requested_campaign(request: HttpRequest) -> Campaign | None:
    """``?campaign=<slug>`` (or the posted field) among the campaigns the viewer may see — 404 when unknown or
    hidden — else the viewer's current campaign (None when there is none)."""
    slug = request.GET.get("campaign") or request.POST.get("campaign") or ""
    if slug:
        campaign = campaigns_visible_to(request.user).filter(slug=slug).first()
        if campaign is None:
            raise Http404
        return campaign
    return current_campaign(viewer=request.user)
