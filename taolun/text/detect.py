"""The copy detector: an article's repetition ratio (重复率), its sources and the copied passages.

References are normalised once and kept. An article is compared with every reference while there
are few of them, and with the candidates a MinHash/LSH index proposes once there are many. Each
candidate is verified by passage alignment (:mod:`taolun.text.align`); the ratio is the share of the
article's normalised characters that lie in a passage from any source.

Set phrases (提法) — 全面建成小康社会, 坚持稳中求进工作总基调 — appear in every official text. A
document-frequency table of ``common_k``-grams across the references marks them; they never seed a
match, and a passage made only of them is dropped, so two independent texts of the same register do
not look copied.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from taolun.text.align import Passage, index, passages
from taolun.text.normalize import Normalized, normalize

__all__ = ["Detector", "Match", "Report"]

# Below this many references, checking all of them is cheaper and surer than the LSH index.
ALL_CANDIDATES_BELOW = 200
# LSH works on windows of the texts, not whole texts: a copied passage is a small part of both.
WINDOW = 64
REFERENCE_STEP = 16
ARTICLE_STEP = 16
_SEPARATOR = "\x1f"  # between a reference key and a window's start in the LSH keys


@dataclass(frozen=True, slots=True)
class Match:
    """One source of an article: its own ratio and the passages, in original character offsets."""

    source: str
    ratio: float
    spans: list[list[int]]


@dataclass(frozen=True, slots=True)
class Report:
    ratio: float
    flagged: bool
    matches: list[Match] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Reference:
    text: str
    norm: Normalized


def _grams(text: str, k: int) -> set[int]:
    return {hash(text[i : i + k]) for i in range(len(text) - k + 1)}


class Detector:
    """Check articles against references; add references (and earlier articles) as they arrive."""

    def __init__(
        self,
        threshold: float = 0.30,
        min_len: int = 12,
        *,
        k: int = 8,
        common_k: int = 12,
        common_df: int | None = None,
        all_candidates_below: int = ALL_CANDIDATES_BELOW,
    ) -> None:
        self.threshold = threshold
        self.min_len = min_len
        self.k = k
        self.common_k = common_k
        self._common_df = common_df
        self.all_candidates_below = all_candidates_below
        self._refs: dict[str, _Reference] = {}
        self._df: Counter[int] = Counter()
        self._lsh: Any = None
        self._hasher: Any = None
        self._pending: list[str] = []

    def __len__(self) -> int:
        return len(self._refs)

    @property
    def common_df(self) -> int:
        """A ``common_k``-gram in more references than this is a set phrase (5 %, at least 3)."""
        if self._common_df is not None:
            return self._common_df
        return max(3, math.ceil(0.05 * len(self._refs)))

    def add_reference(self, key: str, text: str) -> None:
        if key in self._refs:
            self._df.subtract(_grams(self._refs[key].norm.text, self.common_k))
            self._lsh = None  # the index cannot forget: rebuild it when next needed
        norm = normalize(text)
        self._refs[key] = _Reference(text=text, norm=norm)
        self._df.update(_grams(norm.text, self.common_k))
        self._pending.append(key)

    def check(self, text: str, *, exclude_key: str | None = None) -> Report:
        norm = normalize(text)
        n = len(norm.text)
        if n == 0:
            return Report(ratio=0.0, flagged=False)
        common = self._common_mask(norm.text, exclude_key)
        ck = self.common_k

        def seed_is_common(i: int) -> bool:
            # A seed inside a set phrase would start a match that only the set phrase supports.
            return common[i] and common[min(i + self.k - 1, n - 1)]

        article_index = index(norm.text, self.k)
        covered = bytearray(n)
        matches: list[Match] = []
        for key in self._candidates(norm.text, exclude_key):
            ref = self._refs[key]
            kept: list[Passage] = []
            for p in passages(
                norm.text, ref.norm.text, min_len=self.min_len, k=self.k, skip=seed_is_common, a_index=article_index
            ):
                own = sum(1 for i in range(p[0], p[1]) if not common[i])
                if own >= max(ck // 2, self.min_len // 2):
                    kept.append(p)
            if not kept:
                continue
            mine = bytearray(n)
            for a0, a1, _, _ in kept:
                mine[a0:a1] = b"\x01" * (a1 - a0)
            covered = bytearray(x | y for x, y in zip(covered, mine, strict=True))
            spans = [[*norm.original_span(a0, a1), *ref.norm.original_span(b0, b1)] for a0, a1, b0, b1 in kept]
            matches.append(Match(source=key, ratio=sum(mine) / n, spans=spans))
        matches.sort(key=lambda m: (-m.ratio, m.source))
        ratio = sum(covered) / n
        return Report(ratio=ratio, flagged=ratio >= self.threshold, matches=matches)

    def _common_mask(self, text: str, exclude_key: str | None) -> list[bool]:
        """Which characters of the text lie in some set-phrase ``common_k``-gram."""
        ck = self.common_k
        limit = self.common_df
        own: set[int] = set()
        if exclude_key is not None and exclude_key in self._refs:
            own = _grams(self._refs[exclude_key].norm.text, ck)
        mask = [False] * len(text)
        for i in range(len(text) - ck + 1):
            gram = hash(text[i : i + ck])
            if self._df[gram] - (gram in own) > limit:
                mask[i : i + ck] = [True] * ck
        return mask

    def _candidates(self, text: str, exclude_key: str | None) -> list[str]:
        few = len(self._refs) < self.all_candidates_below
        keys = list(self._refs) if few else sorted(self._lsh_candidates(text))
        return [key for key in keys if key != exclude_key]

    def _lsh_candidates(self, text: str) -> set[str]:
        import numpy as np

        from taolun.text.lsh import LSHIndex
        from taolun.text.minhash import MinHasher
        from taolun.text.shingles import shingle_hashes

        if self._hasher is None:
            self._hasher = MinHasher()
        if self._lsh is None:
            self._lsh = LSHIndex()
            self._pending = list(self._refs)
        if self._pending:
            window_keys: list[str] = []
            shingles: list[np.ndarray] = []
            for key in self._pending:
                for start, window in _windows(self._refs[key].norm.text, REFERENCE_STEP):
                    window_keys.append(f"{key}{_SEPARATOR}{start}")
                    shingles.append(shingle_hashes(window))
            if shingles:
                self._lsh.add_many(window_keys, self._hasher.signatures(shingles))
            self._pending = []
        found: set[str] = set()
        pieces = [shingle_hashes(window) for _, window in _windows(text, ARTICLE_STEP)]
        if pieces:
            for signature in self._hasher.signatures(pieces):
                found.update(str(window_key).rsplit(_SEPARATOR, 1)[0] for window_key in self._lsh.query(signature))
        return found & set(self._refs)


def _windows(text: str, step: int) -> list[tuple[int, str]]:
    if len(text) <= WINDOW:
        return [(0, text)] if text else []
    return [(start, text[start : start + WINDOW]) for start in range(0, len(text) - WINDOW + step, step)]
