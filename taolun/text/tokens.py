"""Search tokens for Chinese full-text search without a dictionary: overlapping character bigrams.

Chinese has no spaces, and a database's ``simple`` text search configuration (PostgreSQL) or FTS5's
``unicode61`` tokenizer (SQLite) would take a whole sentence for one word. So the text is normalised
(:func:`taolun.text.normalize.normalize`: width, traditional→simplified, case, punctuation dropped) and
cut into tokens the database indexes as they are: every pair of adjacent Han characters (a single Han
character standing alone is its own token), and every run of letters and digits as one word. A query
is cut the same way, so 「小区停车难」 finds a text holding 小区、区停、停车、车难 in any order, and the
bigrams of a query that are next to each other in the text can be ranked first (a phrase match).

This is the approach of Lucene's CJK analyser: no dictionary to ship or update, any new word (网红,
一网通办) is found, and recall does not depend on a segmenter's guesses. :func:`highlight` marks a
query's matches on the original text for display.
"""

from __future__ import annotations

from taolun.text.normalize import Normalized, normalize

__all__ = ["highlight", "index_text", "query_tokens", "tokens"]

MAX_QUERY_TOKENS = 32  # a pasted paragraph as a query is cut to its first tokens


def _is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF


def _runs(norm: Normalized, *, split_han: bool) -> list[tuple[int, int, bool]]:
    """The normalised text cut into runs of Han characters and runs of other letters and digits.

    A run of letters and digits also ends where the original text had something normalisation dropped
    (a space, punctuation): 「5G, wifi」 is two words, not 「5gwifi」. A run of Han characters ends there
    only with ``split_han`` (a query: 「小区 垃圾」 asks for 小区 and 垃圾, not for 「区垃」); a text is
    indexed across the gap, so that 「垃 圾·分 类」 is still found by 「垃圾分类」.
    """
    text, offsets = norm.text, norm.offsets
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(1, len(text) + 1):
        ends = i == len(text) or _is_han(text[i]) != _is_han(text[start])
        gap = not ends and offsets[i] != offsets[i - 1] + 1 and (split_han or not _is_han(text[i]))
        if ends or gap:
            runs.append((start, i, _is_han(text[start])))
            start = i
    return runs


def _spans(norm: Normalized, *, split_han: bool = False) -> list[tuple[int, int]]:
    """[start, end) of every token in the normalised text, in order."""
    spans: list[tuple[int, int]] = []
    for start, end, han in _runs(norm, split_han=split_han):
        if not han or end - start == 1:
            spans.append((start, end))
        else:
            spans.extend((i, i + 2) for i in range(start, end - 1))
    return spans


def tokens(text: str, *, query: bool = False) -> list[str]:
    """The search tokens of ``text``, in order (repeats kept); ``query`` cuts Han runs at spaces too."""
    norm = normalize(text)
    return [norm.text[a:b] for a, b in _spans(norm, split_han=query)]


def index_text(text: str) -> str:
    """``text`` as the database should index it: its tokens joined by spaces (for ``to_tsvector('simple',
    …)`` or an FTS5 column)."""
    return " ".join(tokens(text))


def query_tokens(query: str) -> list[str]:
    """The distinct tokens of a search query, in order, at most ``MAX_QUERY_TOKENS``."""
    return list(dict.fromkeys(tokens(query, query=True)))[:MAX_QUERY_TOKENS]


def highlight(text: str, query: str) -> list[tuple[int, int]]:
    """[start, end) spans of the original ``text`` that match a token of ``query``, merged, in order."""
    wanted = set(query_tokens(query))
    if not wanted or not text:
        return []
    norm = normalize(text)
    marks: list[tuple[int, int]] = []
    for a, b in _spans(norm):
        if norm.text[a:b] in wanted:
            start, end = norm.original_span(a, b)
            if marks and start <= marks[-1][1]:
                marks[-1] = (marks[-1][0], max(marks[-1][1], end))
            else:
                marks.append((start, end))
    return marks
