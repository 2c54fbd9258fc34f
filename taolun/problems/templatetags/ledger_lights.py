"""Template helpers of the ledger pages: a light as a badge (colour, shape and words), shares as percentages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from taolun.problems.lights import LIGHT_LABELS

register = template.Library()

# A shape for each light, so that it reads without colour too (the words say it in full).
SHAPES = {"red": "●", "yellow": "◐", "green": "○", "done": "✓", "none": "–"}


@register.filter
def light_label(light: str) -> str:
    """``{{ row.light|light_label }}``: 逾期, 临期或滞后, 正常推进 … (the light in words, not colour alone)."""
    return str(LIGHT_LABELS.get(light, LIGHT_LABELS["none"]))


@register.simple_tag
def light_badge(light: str | None) -> SafeString:
    """``{% light_badge row.light %}``: the badge ``problems/_light.html`` shows, without an include per row."""
    light = light if light in LIGHT_LABELS else "none"
    key = (get_language(), light)
    badge = _badges.get(key)
    if badge is None:  # once per language and light: a ledger page shows fifty of them
        badge = _badges[key] = format_html(
            '<span class="status light {}"><span aria-hidden="true">{}</span> {}</span>',
            light,
            SHAPES[light],
            LIGHT_LABELS[light],
        )
    return badge


_badges: dict[tuple[str | None, str], SafeString] = {}


@register.filter
def percent(share: Any) -> str:
    """``{{ tally.on_time_share|percent }}``: ``85%``; ``—`` when there is nothing to divide."""
    if share is None:
        return "—"
    return f"{round(float(share) * 100)}%"
