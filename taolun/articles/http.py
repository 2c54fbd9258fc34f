"""The article a page is about, as every article view reads it from the URL."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from .models import Article


def load_article(request: HttpRequest, pk: int, perm: str = "articles.view_article") -> Article:
    """The article if the viewer may see it (404 otherwise, as for one that does not exist), and 403 if
    they may see it but not ``perm``."""
    article = (
        Article.objects.select_related("campaign__root_unit", "author", "unit", "reviewer", "decided_by")
        .filter(pk=pk)
        .first()
    )
    user = request.user
    if article is None or not user.has_perm("articles.view_article", article):
        raise Http404
    if perm != "articles.view_article" and not user.has_perm(perm, article):
        if perm == "articles.change_article":
            raise PermissionDenied(_("只有作者本人可以修改、提交或撤回自己的文章。"))
        raise PermissionDenied(_("您没有权限执行这一操作。"))
    return article
