"""Passage alignment: where exactly two normalised texts share their characters.

Seeds are k-gram matches (a dictionary of a's k-grams to their positions), each seed is extended
greedily as far as the characters agree, and runs that follow each other with small gaps — a
changed character, a swapped two-character word — are merged into one passage. Runs are found in a single pass
over ``b`` that jumps past each match, so the work is roughly linear in the texts' lengths.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Passage", "index", "merge", "passages", "runs", "untangle"]

Passage = tuple[int, int, int, int]
"""[a_start, a_end, b_start, b_end) in normalised character offsets."""

# A k-gram seen this often in a text is a refrain (年、月、日 patterns, repeated headings): trying every
# occurrence would make the pass quadratic, and the nearest-diagonal occurrence is tried anyway.
_MAX_POSITIONS = 16


def index(text: str, k: int = 8) -> dict[str, list[int]]:
    """Each k-gram of the text and where it occurs (the first few places); reusable across calls."""
    positions: dict[str, list[int]] = {}
    for i in range(len(text) - k + 1):
        bucket = positions.setdefault(text[i : i + k], [])
        if len(bucket) < _MAX_POSITIONS:
            bucket.append(i)
    return positions


def runs(
    a: str,
    b: str,
    *,
    k: int = 8,
    skip: Callable[[int], bool] | None = None,
    a_index: dict[str, list[int]] | None = None,
) -> list[Passage]:
    """Exact common runs of at least k characters; ``skip(i)`` vetoes a seed at a[i].

    The pass walks ``b`` and looks its k-grams up in ``a``'s index, so one article checked against
    many sources builds its index once (pass ``a_index``).
    """
    if len(a) < k or len(b) < k:
        return []
    if a_index is None:
        a_index = index(a, k)
    found: list[Passage] = []
    diagonal = None  # a - b of the previous run: a copier's next sentence often follows on
    j = 0
    limit = len(b) - k
    while j <= limit:
        gram = b[j : j + k]
        candidates = a_index.get(gram)
        if not candidates:
            j += 1
            continue
        best_len = 0
        best_i = -1
        tried = candidates if diagonal is None else [*candidates, j + diagonal]
        for i in tried:
            if i < 0 or i + k > len(a) or a[i : i + k] != gram or (skip is not None and skip(i)):
                continue
            length = k
            while i + length < len(a) and j + length < len(b) and a[i + length] == b[j + length]:
                length += 1
            if length > best_len:
                best_len, best_i = length, i
        if best_i < 0:
            j += 1
            continue
        # Extend backwards over characters a previous jump may have passed by.
        start_a, start_b = best_i, j
        floor = found[-1][3] if found else 0
        while start_b > floor and start_a > 0 and a[start_a - 1] == b[start_b - 1]:
            start_a -= 1
            start_b -= 1
        found.append((start_a, best_i + best_len, start_b, j + best_len))
        diagonal = best_i - j
        j += best_len
    return found


def untangle(found: list[Passage], *, k: int = 8) -> list[Passage]:
    """One source position per article character: longer runs win, shorter ones keep what is left.

    A phrase the source repeats (社会主义市场经济 …) matches the article once per repetition; only
    the run that lies in the longest alignment should count.
    """
    if not found:
        return []
    taken = bytearray(max(run[1] for run in found))
    kept: list[Passage] = []
    for a0, a1, b0, _b1 in sorted(found, key=lambda run: (run[0] - run[1], run[0], run[2])):
        # The longest untaken stretch of this run, kept on the run's diagonal.
        best = (0, 0)
        i = a0
        while i < a1:
            if taken[i]:
                i += 1
                continue
            j = i
            while j < a1 and not taken[j]:
                j += 1
            if j - i > best[1] - best[0]:
                best = (i, j)
            i = j
        start, end = best
        if end - start >= k:
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, b0 + start - a0, b0 + end - a0))
    return sorted(kept)


def merge(found: list[Passage], *, gap: int = 4) -> list[Passage]:
    """Join runs that continue each other across at most ``gap`` changed characters on each side."""
    merged: list[Passage] = []
    for run in sorted(found):
        if merged:
            a0, a1, b0, b1 = merged[-1]
            a_gap = run[0] - a1
            b_gap = run[2] - b1
            # A swapped word shows up as a b gap that is slightly negative or positive.
            if -gap <= a_gap <= gap and -gap - 4 <= b_gap <= gap and run[3] > b0:
                merged[-1] = (a0, max(a1, run[1]), min(b0, run[2]), max(b1, run[3]))
                continue
        merged.append(run)
    return merged


def passages(
    a: str,
    b: str,
    *,
    min_len: int = 12,
    k: int = 8,
    gap: int = 4,
    skip: Callable[[int], bool] | None = None,
    a_index: dict[str, list[int]] | None = None,
) -> list[Passage]:
    """Maximal common passages of two normalised texts, each at least ``min_len`` characters of a."""
    found = untangle(runs(a, b, k=k, skip=skip, a_index=a_index), k=k)
    return [p for p in merge(found, gap=gap) if p[1] - p[0] >= min_len]
