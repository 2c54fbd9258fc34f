"""Atom feeds of a campaign's discussion: the newest published suggestions, and the departments' replies.

``?campaign=<slug>`` names the campaign (else the current one), as on the pages. An entry's summary is
declared HTML (``type="html"``), so the plain text is HTML-escaped before the feed writer escapes it
again for XML: a reader that renders the summary shows the text, never markup someone typed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, get_tag_uri
from django.utils.html import escape, linebreaks
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from taolun.campaigns.models import Campaign

from . import selectors

FEED_MAX_AGE = 300  # seconds a feed may be kept by browsers and proxies
SUMMARY_CHARS = 300  # of a suggestion's text, in its entry


def _html(text: str) -> str:
    """Plain text as the HTML an Atom ``summary type="html"`` carries: escaped, paragraphs kept."""
    return linebreaks(escape(text))


def _feed(request: HttpRequest, campaign: Campaign, name: str, title: str) -> Atom1Feed:
    query = "?" + urlencode({"campaign": campaign.slug})
    feed_url = request.build_absolute_uri(reverse(f"discussion:{name}") + query)
    return Atom1Feed(
        title=title,
        link=request.build_absolute_uri(reverse("discussion:index") + query),
        description=campaign.title,
        language=settings.LANGUAGE_CODE,
        feed_url=feed_url,
        feed_guid=feed_url,
    )


def _response(feed: Atom1Feed) -> HttpResponse:
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
    return response


def _campaign(request: HttpRequest) -> Campaign:
    return selectors.discussion_campaign(request.GET.get("campaign") or None, request.user)


@require_GET
def feed_suggestions(request: HttpRequest) -> HttpResponse:
    """The campaign's newest published suggestions."""
    campaign = _campaign(request)
    feed = _feed(
        request,
        campaign,
        "feed_suggestions",
        _("%(campaign)s · 网上大讨论 · 最新建言") % {"campaign": campaign.short_title or campaign.title},
    )
    for item in selectors.feed_suggestions(campaign):
        link = request.build_absolute_uri(reverse("discussion:suggestion", args=[item.pk]))
        when = item.published_at or item.created_at
        feed.add_item(
            title=item.title,
            link=link,
            description=_html(Truncator(" ".join(item.body.split())).chars(SUMMARY_CHARS)),
            unique_id=get_tag_uri(link, when),
            unique_id_is_permalink=False,
            pubdate=when,
            updateddate=when,
            author_name=item.shown_name,
            categories=[item.theme.title, item.get_kind_display()],
        )
    return _response(feed)


@require_GET
def feed_replies(request: HttpRequest) -> HttpResponse:
    """The departments' newest replies to the campaign's suggestions."""
    campaign = _campaign(request)
    feed = _feed(
        request,
        campaign,
        "feed_replies",
        _("%(campaign)s · 网上大讨论 · 最新答复") % {"campaign": campaign.short_title or campaign.title},
    )
    for reply in selectors.feed_replies(campaign):
        link = request.build_absolute_uri(
            reverse("discussion:suggestion", args=[reply.suggestion_id]) + f"#r{reply.pk}"
        )
        feed.add_item(
            title=_("%(department)s答复：%(title)s")
            % {"department": reply.department.name, "title": reply.suggestion.title},
            link=link,
            description=_html(reply.body),
            unique_id=get_tag_uri(link, reply.created_at),
            unique_id_is_permalink=False,
            pubdate=reply.created_at,
            updateddate=reply.created_at,
            author_name=reply.department.name,
        )
    return _response(feed)
