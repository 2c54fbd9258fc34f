"""Copied articles made to order, for measuring the detector (its tests and ``bench.text_quality``).

A copier takes a run of sentences from a source, mixes in sentences of their own, reorders them and
touches them lightly: punctuation and digits to the other width, a few characters traditional, two
adjacent words swapped. ``splice`` does that and says how much of the result was truly copied.
"""

from __future__ import annotations

import random
import re
from functools import cache

from .normalize import normalize

SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
PUNCTUATION = {"，": ", ", "。": ".", "；": ";", "：": ":"}


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` with at least ten word characters."""
    return [s for s in SENTENCE.findall(text) if len(re.sub(r"\W", "", s)) >= 10]


@cache
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


@cache
def traditional(char: str) -> str:
    converted: str = _s2t().convert(char)  # type: ignore[attr-defined]
    return converted if len(converted) == 1 else char


def light_edit(sentence: str, rng: random.Random, *, swap: float = 0.2) -> str:
    """A copier's light touch on one sentence."""
    chars = []
    for char in sentence:
        roll = rng.random()
        if char in PUNCTUATION and roll < 0.3:
            char = PUNCTUATION[char]
        elif "0" <= char <= "9" and roll < 0.5:
            char = chr(ord(char) + 0xFEE0)
        elif "０" <= char <= "９" and roll < 0.5:
            char = chr(ord(char) - 0xFEE0)
        elif roll < 0.05:
            char = traditional(char)
        chars.append(char)
    edited = "".join(chars)
    if len(edited) > 20 and rng.random() < swap:
        at = rng.randrange(4, len(edited) - 8)
        edited = edited[:at] + edited[at + 2 : at + 4] + edited[at : at + 2] + edited[at + 4 :]
    return edited


def splice(source: str, own: str, share: float, rng: random.Random, count: int = 60) -> tuple[str, float]:
    """``count`` sentences, ``share`` of them a run of ``source`` and the rest from ``own``, edited and
    shuffled; returned with the true share of copied normalised characters."""
    copied_from, own_from = sentences(source), sentences(own)
    copied = round(count * share)
    start = rng.randrange(len(copied_from) - copied)
    parts = [(s, True) for s in copied_from[start : start + copied]]
    parts += [(s, False) for s in rng.sample(own_from, count - copied)]
    rng.shuffle(parts)
    sizes = [(len(normalize(s).text), is_copied) for s, is_copied in parts]
    true_share = sum(n for n, is_copied in sizes if is_copied) / sum(n for n, _ in sizes)
    return "".join(light_edit(s, rng) for s, _ in parts), true_share
