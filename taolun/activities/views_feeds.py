"""The calendar subscription: the page to get (or renew) one's address, and the feed it serves."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from taolun.core.http import no_store

from . import feeds
from .ical import CONTENT_TYPE, calendar_bytes


def feed_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("activities:ical_feed", args=[token])


@login_required
@require_http_methods(["GET", "POST"])
def feed_manage(request: HttpRequest) -> HttpResponse:
    """GET shows the subscription address (if any); POST creates it or replaces its token."""
    if request.method == "POST":
        existed = feeds.feed_of(request.user) is not None
        feeds.feed_token_rotate(user=request.user)  # type: ignore[arg-type]
        if existed:
            messages.success(request, _("已更换订阅地址：原地址已失效，请在日历应用中改用新地址。"))
        else:
            messages.success(request, _("已生成订阅地址。"))
        return redirect("activities:feed_manage")
    feed = feeds.feed_of(request.user)
    url = feed_url(feed.token) if feed else ""
    webcal = "webcal://" + url.split("://", 1)[1] if url else ""
    context = {"feed": feed, "url": url, "webcal_url": webcal}
    return no_store(render(request, "activities/feed_manage.html", context))


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in (calendar apps cannot), the token in the address is the key."""
    feed = feeds.feed_by_token(token)
    if feed is None:
        raise Http404
    user = feed.user
    activities = feeds.feed_activities(user)
    name = _("讨论 · %(name)s的活动") % {"name": user.get_full_name()}
    response = HttpResponse(calendar_bytes(activities, name=name), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="taolun.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
