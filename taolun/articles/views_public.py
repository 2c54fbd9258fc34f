"""The public site's articles: the excellent articles the publicity staff published, for anyone to read.

No sign-in. Only published articles of started campaigns (``selectors.published_articles``), and of each
only what the author agreed to make public: title, text, the author's name, their unit and the date —
never the scores, reviewers, ratios or anything else from the roster. Pages are rendered without the
request's context (no session, no CSRF token, no personal navigation), the same for every reader, so
browsers and proxies may keep them for a short while (shorter than the public ledger's: an author who
withdraws consent should see the article go soon).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from taolun.campaigns.models import Campaign
from taolun.campaigns.selectors import current_campaign, published_campaigns
from taolun.core.pagination import paginate_uncounted
from taolun.core.text import shorten

from . import selectors
from .models import Article
from .views import paragraphs

PUBLIC_MAX_AGE = 60  # seconds a browser or proxy may keep a public article page
EXCERPT_CHARS = 120  # of the text, on the list
DESCRIPTION_CHARS = 150  # of the text, in the article's Open Graph description
_EXCERPT_READ = EXCERPT_CHARS * 2  # read from the database: leading blank lines and spaces are dropped


def _public(template: str, context: dict[str, object]) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context))
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Accept-Language",))
    return response


def _campaign(slug: str) -> Campaign:
    campaign = published_campaigns().filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return campaign


def _rows(campaign: Campaign) -> QuerySet[Article]:
    """The campaign's published articles with the start of their text, not the whole of it."""
    return (
        selectors.published_articles(campaign)
        .only("pk", "title", "published_at", "campaign_id", "author__name", "unit__name")
        .select_related(None)
        .select_related("author", "unit")
        .annotate(opening=Substr("body", 1, _EXCERPT_READ))
    )


def _list_page(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    page, base = paginate_uncounted(request, _rows(campaign))
    rows = list(page.object_list)
    for row in rows:
        row.excerpt = shorten(row.opening, EXCERPT_CHARS)  # type: ignore[attr-defined]
    context = {"campaign": campaign, "page_obj": page, "querystring_base": base, "rows": rows}
    return _public("articles/public_list.html", context)


def public_current(request: HttpRequest) -> HttpResponse:
    """The published articles of the campaign under way (else the latest started one)."""
    campaign = current_campaign() or published_campaigns().order_by("-start_date", "-id").first()
    if campaign is None:
        raise Http404
    return _list_page(request, campaign)


def public_list(request: HttpRequest, slug: str) -> HttpResponse:
    return _list_page(request, _campaign(slug))


def public_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One published article of the campaign (404 for any other: unpublished, another campaign's, none)."""
    campaign = _campaign(slug)
    article = (
        selectors.published_articles(campaign)
        .only("pk", "title", "body", "published_at", "campaign_id", "author__name", "unit__name")
        .select_related(None)
        .select_related("author", "unit")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    context = {
        "campaign": campaign,
        "article": article,
        "paragraphs": paragraphs(article.body),
        "description": shorten(article.body, DESCRIPTION_CHARS),
        "url": request.build_absolute_uri(request.path),
    }
    return _public("articles/public_detail.html", context)
