"""Normalisation before comparison: what a copier changes cheaply must not hide a copy.

Full-width letters and digits become half-width, traditional characters become simplified
(繁→简), ASCII is lower-cased, and punctuation, whitespace and filler symbols are dropped
entirely. Every kept character remembers its offset in the original text, so passages found on
the normalised text can be shown on the original.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

__all__ = ["Normalized", "normalize"]


@dataclass(frozen=True, slots=True)
class Normalized:
    """Normalised characters and, for each, its offset in the original text."""

    text: str
    offsets: list[int]

    def __len__(self) -> int:
        return len(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covered by the normalised [start, end) (end > start)."""
        return self.offsets[start], self.offsets[end - 1] + 1


# Full-width ASCII (！ … ～) sits 0xFEE0 above its half-width form; the ideographic space too.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@cache
def _converter() -> Any:
    import opencc  # the text engine's only non-numpy dependency; loading its tables costs ~50 ms

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _simplify_char(char: str) -> str:
    converted: str = _converter().convert(char)
    return converted if len(converted) == 1 else char


def _simplify(text: str) -> str:
    # Most texts are simplified already: when no character of the text converts on its own, the
    # (slow, pure-Python) phrase conversion is skipped.
    if all(_simplify_char(char) == char for char in set(text)):
        return text
    # Phrase-level conversion is better (後來 → 后来 but 皇后 stays); keep it when it is 1:1 in
    # length, which is nearly always, otherwise fall back to characters so offsets stay valid.
    converted: str = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(_simplify_char(char) for char in text)


@lru_cache(maxsize=65536)
def _keep(char: str) -> str:
    """The character as compared, or "" for punctuation, whitespace and symbols."""
    code = ord(char)
    if code < 128:
        return char.lower() if char.isalnum() else ""
    if 0x4E00 <= code <= 0x9FFF:  # the common CJK block: by far the most frequent case
        return char
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:  # ① → "1" is fine, but ㈠ → "(一)" would break 1:1 offsets
        folded = char
    if not unicodedata.category(folded).startswith(("L", "N")):
        return ""
    return folded.lower() if ord(folded) < 128 else folded


def normalize(text: str) -> Normalized:
    """Fold width, script and case, and drop everything that is not a letter or a digit."""
    widened = text.translate(_WIDTH)
    chars: list[str] = []
    offsets: list[int] = []
    for offset, char in enumerate(widened):
        kept = _keep(char)
        if kept:
            chars.append(kept)
            offsets.append(offset)
    folded = "".join(chars)
    if any(ord(char) >= 0x3400 for char in folded):
        folded = _simplify(folded)
    return Normalized(text=folded, offsets=offsets)
