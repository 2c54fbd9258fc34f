"""Template filters of the discussion pages: search matches marked on escaped text, excerpts.

Everything here escapes the text itself and marks only the spans it was given, so a title, body or
comment holding markup is shown as text, whatever it contains.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from taolun.discussion.search import highlight as spans_of

register = template.Library()

EXCERPT_BEFORE = 40  # characters shown before the first match
EXCERPT_CHARS = 160  # characters in a search result's excerpt


def render_marked(text: str, marks: Sequence[tuple[int, int]]) -> SafeString:
    """``text`` escaped, with each [start, end) span of ``marks`` in a ``<mark>``."""
    parts: list[str] = []
    at = 0
    for start, end in sorted(marks):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        parts.append(escape(text[at:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))  # every piece of text above is escaped


def excerpt_marked(
    text: str, marks: Sequence[tuple[int, int]], *, width: int = EXCERPT_CHARS, before: int = EXCERPT_BEFORE
) -> SafeString:
    """A window of ``text`` around its first mark (its start if none), cut with ellipses, marked."""
    first = min((start for start, _end in marks), default=0)
    start = max(0, first - before)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    window = [(max(a, start) - start, min(b, end) - start) for a, b in marks if b > start and a < end]
    html = render_marked(text[start:end], window)
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    return mark_safe(head + html + tail)  # render_marked escaped the text


@register.filter
def marked(text: str, marks: Sequence[tuple[int, int]] | None) -> SafeString:
    """``{{ hit.text|marked:hit.marks }}``: an escaped excerpt around the first match, matches in ``<mark>``.

    Line breaks become spaces one for one, so the offsets of the marks still hold.
    """
    flat = "".join(" " if char.isspace() else char for char in text or "")
    return excerpt_marked(flat, marks or [])


@register.filter
def highlight(text: str, query: str) -> SafeString:
    """``{{ suggestion.title|highlight:q }}``: the whole text escaped, the query's matches in ``<mark>``."""
    text = text or ""
    return render_marked(text, spans_of(text, query or ""))
