"""MinHash signatures of shingle-hash sets, computed with numpy in batches.

The permutations are the multiply-add family on 32-bit words, ``h_i(x) = a_i·x + b_i mod 2^32``
with ``a_i`` odd, applied to the high 32 bits of each shingle hash: each is a bijection of the
32-bit words, and since the inputs are already well-mixed hashes
(:func:`taolun.text.shingles.shingle_hashes`) the minimum over a set is an unbiased MinHash. Like
``datasketch`` the hashed values have 32 bits, but there is no modulo by the Mersenne prime
``2^61 − 1`` and the arithmetic runs on half-width words, so a signature costs a fraction of
``datasketch``'s while the estimates are as good (the tests and ``bench/text.py`` compare both
against the true Jaccard index). Signatures are returned as uint64 so that the empty document's
all-maximum signature (``2^64 − 1``) can never equal a real one.

A batch of documents is hashed together: all shingles are concatenated and the
``(num_perm × rows)`` matrix of hashed values is built a chunk of rows at a time (bounded memory,
cache-sized), then reduced per document with ``np.minimum.reduceat``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["EMPTY_VALUE", "MinHasher", "jaccard"]

EMPTY_VALUE = np.iinfo(np.uint64).max
DEFAULT_CHUNK_ROWS = 16_384


class MinHasher:
    """``num_perm`` seeded permutations; the same ``(num_perm, seed)`` always gives the same signatures."""

    def __init__(self, num_perm: int = 128, seed: int = 1, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        if num_perm < 1:
            raise ValueError("num_perm must be at least 1")
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        self.num_perm = num_perm
        self.seed = seed
        self.chunk_rows = chunk_rows
        rng = np.random.default_rng(seed)
        high = np.iinfo(np.uint64).max
        self.a = rng.integers(0, high, size=num_perm, dtype=np.uint64, endpoint=True) | np.uint64(1)
        self.b = rng.integers(0, high, size=num_perm, dtype=np.uint64, endpoint=True)
        # the 32-bit multipliers and offsets actually used, as columns for broadcasting
        self._a_col = ((self.a >> np.uint64(32)).astype(np.uint32) | np.uint32(1))[:, None]
        self._b_col = (self.b >> np.uint64(32)).astype(np.uint32)[:, None]

    def empty(self) -> np.ndarray:
        """The signature of an empty document: every position at the maximum value."""
        return np.full(self.num_perm, EMPTY_VALUE, dtype=np.uint64)

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """The signature (``num_perm`` uint64 values) of one set of shingle hashes."""
        return self.signatures([hashes])[0]

    def signatures(self, batch: Sequence[np.ndarray]) -> np.ndarray:
        """Signatures of many shingle-hash sets at once: an ``(n, num_perm)`` uint64 array."""
        arrays = [np.asarray(h, dtype=np.uint64).ravel() for h in batch]
        n = len(arrays)
        out = np.full((n, self.num_perm), EMPTY_VALUE, dtype=np.uint64)
        if n == 0:
            return out
        lengths = np.fromiter((a.shape[0] for a in arrays), dtype=np.int64, count=n)
        nonempty = np.flatnonzero(lengths)
        if nonempty.shape[0] == 0:
            return out
        values = (np.concatenate([arrays[i] for i in nonempty]) >> np.uint64(32)).astype(np.uint32)
        lens = lengths[nonempty]
        starts = np.zeros(lens.shape[0] + 1, dtype=np.int64)
        np.cumsum(lens, out=starts[1:])
        total = int(starts[-1])
        chunk = self.chunk_rows
        buf = np.empty((self.num_perm, min(chunk, total)), dtype=np.uint32)

        # Walk the documents in groups whose shingles fit in one chunk; a document larger than a
        # chunk is reduced piece by piece.
        doc = 0
        ndocs = lens.shape[0]
        while doc < ndocs:
            lo = int(starts[doc])
            if lens[doc] > chunk:
                acc = out[nonempty[doc]]
                for s in range(lo, int(starts[doc + 1]), chunk):
                    e = min(s + chunk, int(starts[doc + 1]))
                    h = self._hash_into(buf, values[s:e])
                    np.minimum(acc, h.min(axis=1).astype(np.uint64), out=acc)
                doc += 1
                continue
            last = int(np.searchsorted(starts, lo + chunk, side="right")) - 1  # docs [doc, last) fit
            last = max(min(last, ndocs), doc + 1)
            hi = int(starts[last])
            h = self._hash_into(buf, values[lo:hi])
            out[nonempty[doc:last]] = np.minimum.reduceat(h, starts[doc:last] - lo, axis=1).T
            doc = last
        return out

    def _hash_into(self, buf: np.ndarray, values: np.ndarray) -> np.ndarray:
        h = buf[:, : values.shape[0]]
        np.multiply(self._a_col, values, out=h)
        h += self._b_col
        return h


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """The Jaccard index estimated from two signatures: the share of positions where they agree.

    Two empty documents agree everywhere (1.0); an empty and a non-empty one nowhere (0.0).
    """
    a = np.asarray(sig_a)
    b = np.asarray(sig_b)
    if a.shape != b.shape:
        raise ValueError("signatures of different lengths")
    if a.size == 0:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size
