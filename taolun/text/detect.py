"""The copy detector: an article's repetition ratio (重复率), its sources and the copied passages.

The sources (references and earlier articles) are held by a :class:`~taolun.text.library.Library`:
their lengths, set-phrase frequencies and window LSH index, persisted if it has a directory. An
article is compared with every source while there are few of them, and with the candidates the LSH
index proposes once there are many; the texts of those are kept here or fetched on demand. Each
candidate is verified by passage alignment (:mod:`taolun.text.align`); the ratio is the share of the
article's normalised characters that lie in a passage from any source.

Set phrases (提法) — 全面建成小康社会, 坚持稳中求进工作总基调 — appear in every official text. A
document-frequency table of ``common_k``-grams across the sources marks them; they never seed a
match, and a passage made only of them is dropped, so two independent texts of the same register do
not look copied.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from taolun.text.align import Passage, index, passages
from taolun.text.library import Library
from taolun.text.normalize import Normalized, normalize
from taolun.text.shingles import position_hashes, shingle_hashes

__all__ = ["Detector", "Match", "Report"]

# Below this many references, checking all of them is cheaper and surer than the LSH index.
ALL_CANDIDATES_BELOW = 200
_CACHE = 512  # normalised source texts kept between checks when they are fetched


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


class Detector:
    """Check articles against the sources of a :class:`~taolun.text.library.Library`.

    Without ``fetch`` the detector keeps the texts it is given (:meth:`add_reference`); with it, the
    library holds only the index and ``fetch(keys)`` returns the texts of the candidates to verify
    (an application keeps its texts in its database and its library on disk).
    """

    def __init__(
        self,
        threshold: float = 0.30,
        min_len: int = 12,
        *,
        k: int = 8,
        common_k: int = 12,
        common_df: int | None = None,
        all_candidates_below: int = ALL_CANDIDATES_BELOW,
        library: Library | None = None,
        fetch: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> None:
        self.threshold = threshold
        self.min_len = min_len
        self.k = k
        self.library = library if library is not None else Library(common_k=common_k)
        self.common_k = self.library.common_k
        self._common_df = common_df
        self.all_candidates_below = all_candidates_below
        self._fetch = fetch
        self._norms: dict[str, Normalized] = {}  # every text without ``fetch``; a few recent ones with it

    def __len__(self) -> int:
        return len(self.library)

    @property
    def common_df(self) -> int:
        """A ``common_k``-gram in more sources than this is a set phrase (5 %, at least 3)."""
        if self._common_df is not None:
            return self._common_df
        return max(3, math.ceil(0.05 * len(self.library)))

    def add_reference(self, key: str, text: str) -> None:
        """Add a source (replacing one of the same key) to the library and keep its text."""
        norm = normalize(text)
        if key in self.library:
            old = self._normalized([key]).get(key)
            self.library.remove(key, old.text if old is not None else "")
        self.library.add(key, norm.text)
        if self._fetch is None:
            self._norms[key] = norm

    def _normalized(self, keys: list[str]) -> dict[str, Normalized]:
        if self._fetch is None:
            return {key: self._norms[key] for key in keys if key in self._norms}
        missing = [key for key in keys if key not in self._norms]
        if missing:
            if len(self._norms) + len(missing) > _CACHE:
                self._norms = {}
            for key, text in self._fetch(missing).items():
                self._norms[key] = normalize(text)
        return {key: self._norms[key] for key in keys if key in self._norms}

    def check(
        self,
        text: str,
        *,
        exclude_key: str | None = None,
        exclude: Callable[[list[str]], Iterable[str]] | None = None,
    ) -> Report:
        """The text's repetition ratio, sources and passages.

        ``exclude_key`` is the text's own key when it is a source itself. ``exclude(candidates)`` may
        name candidates not to compare with (an application's rule, e.g. only sources handed in
        before this text), asked once per check with the candidates the index proposed.
        """
        norm = normalize(text)
        n = len(norm.text)
        if n == 0:
            return Report(ratio=0.0, flagged=False)
        common = self._common_mask(norm.text, exclude_key)
        # prefix[i]: how many of the first i characters lie outside every set phrase
        prefix = np.concatenate([[0], np.cumsum(~common)]).tolist()
        flags = common.tolist()
        ck = self.common_k

        def seed_is_common(i: int) -> bool:
            # A seed inside a set phrase would start a match that only the set phrase supports.
            return bool(flags[i] and flags[min(i + self.k - 1, n - 1)])

        article_index = index(norm.text, self.k)
        covered = np.zeros(n, dtype=bool)
        matches: list[Match] = []
        candidates = self._candidates(norm.text, exclude_key, common)
        if exclude is not None and candidates:
            skipped = set(exclude(candidates))
            candidates = [key for key in candidates if key not in skipped]
        sources = self._normalized(candidates)
        for key in candidates:
            ref = sources.get(key)
            if ref is None:
                continue  # removed from the store since the index proposed it
            kept: list[Passage] = [
                p
                for p in passages(
                    norm.text, ref.text, min_len=self.min_len, k=self.k, skip=seed_is_common, a_index=article_index
                )
                if prefix[p[1]] - prefix[p[0]] >= max(ck // 2, self.min_len // 2)
            ]
            if not kept:
                continue
            mine = np.zeros(n, dtype=bool)
            for a0, a1, _, _ in kept:
                mine[a0:a1] = True
            covered |= mine
            spans = [[*norm.original_span(a0, a1), *ref.original_span(b0, b1)] for a0, a1, b0, b1 in kept]
            matches.append(Match(source=key, ratio=int(mine.sum()) / n, spans=spans))
        matches.sort(key=lambda m: (-m.ratio, m.source))
        ratio = int(covered.sum()) / n
        return Report(ratio=ratio, flagged=ratio >= self.threshold, matches=matches)

    def _common_mask(self, text: str, exclude_key: str | None) -> np.ndarray:
        """Which characters of the text lie in some set-phrase ``common_k``-gram."""
        ck = self.common_k
        counts = self.library.frequencies(text)
        if exclude_key is not None and exclude_key in self.library and len(counts):
            own = self._normalized([exclude_key]).get(exclude_key)
            if own is not None:
                counts = counts - np.isin(position_hashes(text, ck), shingle_hashes(own.text, ck))
        common_gram = counts > self.common_df
        mask = np.zeros(len(text), dtype=bool)
        if common_gram.any():
            # character i is common when a common gram starts in [i - ck + 1, i]
            starts = np.concatenate([[0], np.cumsum(common_gram)])
            last = np.minimum(np.arange(len(text)), len(common_gram) - 1)
            first = np.maximum(np.arange(len(text)) - ck + 1, 0)
            mask = (starts[last + 1] - starts[np.minimum(first, len(common_gram))]) > 0
        return mask

    def _candidates(self, text: str, exclude_key: str | None, common: np.ndarray) -> list[str]:
        few = len(self.library) < self.all_candidates_below
        keys = list(self.library.keys()) if few else sorted(self.library.candidates(text, common))
        return [key for key in keys if key != exclude_key]
