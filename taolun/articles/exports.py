"""The office's list of articles as an xlsx workbook (the filtered list, one row per article)."""

from __future__ import annotations

import datetime as dt
import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from taolun.campaigns.models import Campaign
from taolun.core.xlsx import text_cell

from .models import Article, ArticleStatus

S = ArticleStatus
EXPORT_CHUNK = 1000
EXPORT_VALUES = (
    "pk",
    "title",
    "author__name",
    "unit__name",
    "status",
    "chars",
    "submitted_at",
    "ratio",
    "flagged",
    "thought_score",
    "practice_score",
    "suggestions_score",
    "score",
    "reviewer__display_name",
    "reviewer__username",
    "consent_public",
)


def articles_workbook(qs: QuerySet[Article], *, campaign: Campaign, today: dt.date) -> bytes:
    """The filtered list as a workbook: one row per article, a chunk of rows per query."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("心得体会文章"))
    headers = [
        _("序号"),
        _("标题"),
        _("作者"),
        _("所在单位"),
        _("状态"),
        _("字数"),
        _("提交时间"),
        _("重复率"),
        _("疑似抄袭"),
        _("思想认识"),
        _("实践感悟"),
        pgettext("article score", "意见建议"),
        _("总分"),
        _("审阅人"),
        _("同意公开"),
    ]
    ws.append([text_cell(ws, f"{campaign.short_title or campaign.title} {_('心得体会文章')} {today.isoformat()}")])
    ws.append(headers)
    labels = dict(S.choices)
    yes, no = _("是"), _("否")
    ids = list(qs.values_list("pk", flat=True))
    seq = 0
    for start in range(0, len(ids), EXPORT_CHUNK):
        batch = ids[start : start + EXPORT_CHUNK]
        rows = {row["pk"]: row for row in Article.objects.filter(pk__in=batch).values(*EXPORT_VALUES)}
        for pk in batch:
            row = rows.get(pk)
            if row is None:
                continue
            seq += 1
            submitted = timezone.localtime(row["submitted_at"]).replace(tzinfo=None) if row["submitted_at"] else None
            ws.append(
                [
                    seq,
                    text_cell(ws, row["title"]),
                    text_cell(ws, row["author__name"]),
                    text_cell(ws, row["unit__name"]),
                    str(labels.get(row["status"], row["status"])),
                    row["chars"],
                    submitted,
                    round(row["ratio"], 4) if row["ratio"] is not None else None,
                    yes if row["flagged"] else no,
                    row["thought_score"],
                    row["practice_score"],
                    row["suggestions_score"],
                    row["score"],
                    text_cell(ws, row["reviewer__display_name"] or row["reviewer__username"] or ""),
                    yes if row["consent_public"] else no,
                ]
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
