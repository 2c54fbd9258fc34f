"""What the ``taolun`` subcommands share: the campaign a command names, and progress bars."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm


def bar(stream: Any, total: int | None, desc: str, unit: str) -> tqdm:
    """A progress bar on ``stream`` (stderr; silent when it is not a terminal)."""
    return tqdm(total=total, desc=desc, unit=unit, file=stream, disable=None)


def campaign_by_slug(slug: str) -> Any:
    """The campaign named on the command line, or a CommandError that says so."""
    from taolun.campaigns.models import Campaign

    campaign = Campaign.objects.filter(slug=slug).select_related("root_unit").first()
    if campaign is None:
        raise CommandError(_("没有标识为“%(slug)s”的大讨论活动。") % {"slug": slug})
    return campaign
