"""Character shingles of a normalised text, hashed to 64-bit integers with numpy.

The text is encoded as UTF-32 so that every character is one code point; the ``k`` code points
of each window are combined with a polynomial hash in wrapping uint64 arithmetic and the result
is passed through the splitmix64 finaliser, so that every bit of a shingle hash depends on every
character of the shingle. The hashes are what :mod:`taolun.text.minhash` consumes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mix64", "position_hashes", "shingle_hashes"]

_BASE = np.uint64(0x100000001B3)  # an odd 64-bit multiplier (the FNV prime)
_SEED = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser applied element-wise to a uint64 array (a new array; wraps silently)."""
    z = np.asarray(values, dtype=np.uint64) + _SEED
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _rolling(text: str, k: int) -> np.ndarray:
    """The hash of each ``k``-gram in order (a text shorter than ``k`` is one shingle of the whole)."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = codes.shape[0]
    width = max(n - k + 1, 1)
    span = min(k, n)
    acc = np.full(width, np.uint64(span), dtype=np.uint64)  # the length keeps short texts distinct
    for j in range(span):
        acc *= _BASE
        acc += codes[j : j + width]
    return mix64(acc)


def position_hashes(text: str, k: int) -> np.ndarray:
    """The hash of the ``k``-gram starting at each position ``0 .. len(text) - k`` (empty when shorter).

    Equal ``k``-grams hash as :func:`shingle_hashes` hashes them, so the two can be compared.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if len(text) < k:
        return np.empty(0, dtype=np.uint64)
    return _rolling(text, k)


def shingle_hashes(text: str, k: int = 5) -> np.ndarray:
    """The distinct 64-bit hashes (sorted, dtype uint64) of the character ``k``-grams of ``text``.

    ``text`` is expected to be normalised already. A text shorter than ``k`` (but not empty) is a
    single shingle of the whole text, so that short texts still have a signature; an empty text
    gives an empty array. The hash of a shingle depends on its characters and their order only, so
    equal shingles in different texts hash equally.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if not text:
        return np.empty(0, dtype=np.uint64)
    hashes = np.sort(_rolling(text, k))
    if hashes.shape[0] > 1:  # np.unique, without its overhead on small arrays
        keep = np.empty(hashes.shape[0], dtype=bool)
        keep[0] = True
        np.not_equal(hashes[1:], hashes[:-1], out=keep[1:])
        hashes = hashes[keep]
    return hashes
