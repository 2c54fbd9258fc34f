"""Joining words in running text, through gettext so that each language uses its own separators."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import pgettext


def join_list(items: Iterable[Any]) -> str:
    """``a、b、c`` (``a, b, c`` in English): an enumeration."""
    return pgettext("separator between items of a list", "、").join(str(i) for i in items)


def join_alternatives(items: Iterable[Any]) -> str:
    """``a或b`` (``a or b``): any one of the items."""
    return pgettext("separator between alternatives", "或").join(str(i) for i in items)


def shorten(text: str | None, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
