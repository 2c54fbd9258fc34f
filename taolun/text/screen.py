"""Sensitive-word screening: every listed word found in a text, however it is disguised.

The words and the text are normalised alike (:func:`taolun.text.normalize.normalize`): full-width
characters become half-width, traditional characters simplified, ASCII lower-cased, and punctuation,
whitespace and filler symbols dropped — so 「敏 感·词」, 「敏感詞」 and 「ＡＢＣ」 all meet their listed form.
An Aho–Corasick automaton over the normalised words then finds every occurrence in one pass over the
text, overlapping ones included, and each hit is reported at its offsets in the original text.

A :class:`Screen` is built once from a word list (thousands of words take milliseconds) and is safe to
share between threads: it is never changed after it is built.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from taolun.text.normalize import normalize

__all__ = ["Hit", "Screen"]


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed word found in a text: the word as listed, and [start, end) in the original text."""

    word: str
    start: int
    end: int


class Screen:
    """The words of a list, ready to be found in texts."""

    def __init__(self, words: Iterable[str]) -> None:
        # State 0 is the root; _goto[s] maps a character to the next state, _fail[s] is the longest
        # proper suffix of s's path that is also a path, _out[s] the listed words ending at s (their
        # normalised lengths), _link[s] the nearest state down the failure chain that ends a word.
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[list[tuple[str, int]]] = [[]]
        self.words: list[str] = []
        self.ignored: list[str] = []  # listed words with nothing left once normalised
        seen: set[str] = set()
        for word in words:
            key = normalize(word).text
            if not key:
                self.ignored.append(word)
                continue
            if key in seen:
                continue
            seen.add(key)
            self.words.append(word)
            state = 0
            for char in key:
                nxt = self._goto[state].get(char)
                if nxt is None:
                    nxt = len(self._goto)
                    self._goto[state][char] = nxt
                    self._goto.append({})
                    self._out.append([])
                state = nxt
            self._out[state].append((word, len(key)))
        self._fail = [0] * len(self._goto)
        self._link = [0] * len(self._goto)
        queue: deque[int] = deque(self._goto[0].values())
        while queue:
            state = queue.popleft()
            for char, nxt in self._goto[state].items():
                queue.append(nxt)
                fail = self._fail[state]
                while fail and char not in self._goto[fail]:
                    fail = self._fail[fail]
                target = self._goto[fail].get(char, 0)
                self._fail[nxt] = target if target != nxt else 0
                self._link[nxt] = self._fail[nxt] if self._out[self._fail[nxt]] else self._link[self._fail[nxt]]

    def __len__(self) -> int:
        return len(self.words)

    def find(self, text: str) -> list[Hit]:
        """Every occurrence of a listed word in ``text``, by start, at offsets of the original text."""
        if not self.words:
            return []
        norm = normalize(text)
        goto, fail, out, link = self._goto, self._fail, self._out, self._link
        hits: list[Hit] = []
        state = 0
        for i, char in enumerate(norm.text):
            while state and char not in goto[state]:
                state = fail[state]
            state = goto[state].get(char, 0)
            ending = state
            while ending:
                for word, length in out[ending]:
                    start, end = norm.original_span(i - length + 1, i + 1)
                    hits.append(Hit(word, start, end))
                ending = link[ending]
        hits.sort(key=lambda hit: (hit.start, -hit.end, hit.word))
        return hits

    def words_in(self, text: str) -> list[str]:
        """The listed words found in ``text``, each once, in the order they first appear."""
        return list(dict.fromkeys(hit.word for hit in self.find(text)))
