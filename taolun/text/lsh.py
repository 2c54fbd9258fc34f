"""A banded LSH index over MinHash signatures: incremental, and saved to one ``.npz`` file.

Each signature is cut into ``bands`` bands of ``rows = num_perm // bands`` values; each band is
hashed (with its band number) to one 64-bit key by a vectorised splitmix64 mix. Two documents are
candidates when any band key is equal, which happens with probability ``1 − (1 − J^rows)^bands``
for Jaccard index ``J`` (with 32 bands of 4 rows: 0.9996 at J = 0.8, 0.02 at J = 0.2).

The index is one sorted uint64 array of *entries*: the high 32 bits of a band key above the 32-bit
entry number, one entry per band of every document (32 M entries, 256 MB for 1 M documents). A
query is two binary searches per band. Keeping 32 bits of the band key adds about
``N / 2^32`` chance candidates per band (0.0075 per query at 1 M documents, all of them removed by
the verification that follows any LSH lookup). Entries added later go to a small sorted delta
(merged into it with ``np.insert``, linear in the delta's size) that is merged into the main array
once it holds ``_DELTA_MAX`` entries, so adding one document and querying at once stays cheap on a
large index; large batches go straight into the main array. Removed documents are tombstoned,
never returned, and dropped when the delta is merged or the index is saved.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from taolun.text.shingles import mix64

__all__ = ["LSHIndex"]

_FORMAT = 2
_DELTA_MAX = 1 << 20  # entries kept in the small delta before it is merged into the main array
_BAND_CHUNK = 32_768  # signatures hashed at a time (keeps the temporaries in cache)
_HIGH = np.uint64(0xFFFFFFFF00000000)
_LOW = np.uint64(0xFFFFFFFF)
_EMPTY = np.zeros(0, dtype=np.uint64)


def _insert_sorted(entries: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Merge sorted ``new`` into sorted ``entries``: linear, no full re-sort."""
    if len(entries) == 0:
        return new
    if len(new) == 0:
        return entries
    return np.insert(entries, np.searchsorted(entries, new), new)


class LSHIndex:
    """Keys (strings) → signatures, queried for keys whose signatures share a band."""

    def __init__(self, num_perm: int = 128, bands: int = 32) -> None:
        if bands < 1 or num_perm < bands:
            raise ValueError("need 1 ≤ bands ≤ num_perm")
        self.num_perm = num_perm
        self.bands = bands
        self.rows = num_perm // bands
        self._salt = mix64(np.arange(bands, dtype=np.uint64) + np.uint64(0x5BD1E995))
        self._keys: list[str | None] = []  # entry number → key (None once removed)
        self._ids: dict[str, int] = {}  # key → entry number
        self._alive = np.zeros(0, dtype=bool)
        self._main = _EMPTY
        self._delta = _EMPTY
        self._pending: list[np.ndarray] = []
        self._pending_count = 0
        self._dead = 0

    # -- band keys -----------------------------------------------------------------------------

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """The ``(n, bands)`` uint64 band keys of ``(n, num_perm)`` signatures (or one signature)."""
        sigs = np.asarray(signatures, dtype=np.uint64)
        if sigs.ndim == 1:
            sigs = sigs[None, :]
        if sigs.ndim != 2 or sigs.shape[1] != self.num_perm:
            raise ValueError(f"signatures must have {self.num_perm} values")
        out = np.empty((sigs.shape[0], self.bands), dtype=np.uint64)
        for start in range(0, sigs.shape[0], _BAND_CHUNK):
            part = sigs[start : start + _BAND_CHUNK, : self.bands * self.rows]
            banded = part.reshape(part.shape[0], self.bands, self.rows)
            acc = np.broadcast_to(self._salt, (part.shape[0], self.bands)).copy()
            for r in range(self.rows):
                acc ^= banded[:, :, r]
                acc = mix64(acc)
            out[start : start + part.shape[0]] = acc
        return out

    # -- adding and removing -------------------------------------------------------------------

    def add(self, key: str, signature: np.ndarray) -> None:
        """Add (or replace) one entry."""
        self.add_many([key], np.asarray(signature, dtype=np.uint64)[None, :])

    def add_many(self, keys: Sequence[str], signatures: np.ndarray, counts: Sequence[int] | None = None) -> None:
        """Add (or replace) many entries at once.

        ``signatures`` is ``(sum(counts), num_perm)``: ``counts[i]`` consecutive rows belong to
        ``keys[i]`` (one row each when ``counts`` is None). An entry with several signatures — the
        windows of a long text — is returned when any of them shares a band with the query.
        """
        sigs = np.asarray(signatures, dtype=np.uint64)
        if sigs.ndim != 2:
            raise ValueError("signatures must be a 2-D array")
        self.add_bands(keys, self.band_keys(sigs) if len(sigs) else np.zeros((0, self.bands), np.uint64), counts)

    def add_bands(self, keys: Sequence[str], band: np.ndarray, counts: Sequence[int] | None = None) -> None:
        """:meth:`add_many` with the band keys already computed by :meth:`band_keys` (a saved journal)."""
        keys = list(keys)
        rows = np.ones(len(keys), dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
        band = np.asarray(band, dtype=np.uint64)
        if rows.shape != (len(keys),) or (rows < 1).any():
            raise ValueError("one positive count per key")
        if band.ndim != 2 or band.shape[1] != self.bands or band.shape[0] != int(rows.sum()):
            raise ValueError("one signature row per key" if counts is None else "rows must add up to the counts")
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate keys in one add_many call")
        for key in keys:
            if not isinstance(key, str) or "\x00" in key:
                raise ValueError(f"keys must be strings without NUL characters: {key!r}")
        if not keys:
            return
        first = len(self._keys)
        if first + len(keys) > int(_LOW):
            raise ValueError("index full")
        for key in keys:
            if key in self._ids:
                self.remove(key)
        ids = np.repeat(np.arange(first, first + len(keys), dtype=np.uint64), rows)
        entries = (band & _HIGH) | ids[:, None]  # a new array: the caller's is left as it was
        self._keys.extend(keys)
        self._ids.update(zip(keys, range(first, first + len(keys)), strict=True))
        self._alive = np.concatenate([self._alive, np.ones(len(keys), dtype=bool)])
        self._pending.append(entries.ravel())
        self._pending_count += entries.size
        if self._pending_count >= _DELTA_MAX:
            self._flush()

    def query_many(self, signatures: np.ndarray) -> set[str]:
        """Keys sharing a band with any of ``signatures`` (the windows of one text)."""
        sigs = np.asarray(signatures, dtype=np.uint64)
        if sigs.ndim == 1:
            sigs = sigs[None, :]
        if len(sigs) == 0:
            return set()
        self._flush()
        low = (self.band_keys(sigs) & _HIGH).ravel()
        low = np.unique(low)
        high = low | _LOW
        found: list[np.ndarray] = []
        for entries in (self._main, self._delta):
            if len(entries) == 0:
                continue
            left = np.searchsorted(entries, low, side="left")
            right = np.searchsorted(entries, high, side="right")
            hit = np.flatnonzero(right > left)
            found.extend(entries[lo:hi] for lo, hi in zip(left[hit].tolist(), right[hit].tolist(), strict=True))
        if not found:
            return set()
        ids = np.unique(np.concatenate(found) & _LOW)
        ids = ids[self._alive[ids]]
        return {self._keys[i] for i in ids.tolist()}  # type: ignore[misc]

    def remove(self, key: str) -> bool:
        """Remove ``key``; False when it was not in the index."""
        entry = self._ids.pop(key, None)
        if entry is None:
            return False
        self._keys[entry] = None
        self._alive[entry] = False
        self._dead += 1
        return True

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def keys(self) -> Iterable[str]:
        return self._ids.keys()

    def _flush(self, merge: bool = False) -> None:
        if self._pending:
            new = np.sort(np.concatenate(self._pending))
            self._pending, self._pending_count = [], 0
            if len(new) >= _DELTA_MAX or len(self._main) == 0:
                self._main = _insert_sorted(self._main, new)
            else:
                self._delta = _insert_sorted(self._delta, new)
        if merge or len(self._delta) >= _DELTA_MAX:
            self._merge()

    def _merge(self) -> None:
        entries = _insert_sorted(self._main, self._delta)
        if self._dead:
            entries = entries[self._alive[entries & _LOW]]
            self._dead = 0
        self._main, self._delta = entries, _EMPTY

    # -- querying ------------------------------------------------------------------------------

    def query(self, signature: np.ndarray) -> set[str]:
        """Keys of the entries sharing at least one band with ``signature``."""
        self._flush()
        low = self.band_keys(signature)[0] & _HIGH
        high = low | _LOW
        found: list[np.ndarray] = []
        for entries in (self._main, self._delta):
            if len(entries) == 0:
                continue
            left = np.searchsorted(entries, low, side="left").tolist()
            right = np.searchsorted(entries, high, side="right").tolist()
            found.extend(entries[lo:hi] for lo, hi in zip(left, right, strict=True) if hi > lo)
        if not found:
            return set()
        ids = np.unique(np.concatenate(found) & _LOW)
        ids = ids[self._alive[ids]]
        return {self._keys[i] for i in ids.tolist()}  # type: ignore[misc]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` (an uncompressed ``.npz``; hashes don't compress)."""
        self._flush(merge=True)
        # Renumber the live entries 0..n-1 so removed ones leave no trace in the file; the
        # renumbering keeps the order of entry numbers, so the array stays sorted.
        live = np.flatnonzero(self._alive)
        renumber = np.zeros(len(self._alive), dtype=np.uint64)
        renumber[live] = np.arange(live.shape[0], dtype=np.uint64)
        entries = (self._main & _HIGH) | renumber[self._main & _LOW]
        names = "\x00".join(self._keys[i] for i in live.tolist())  # type: ignore[misc]
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                meta=np.array([_FORMAT, self.num_perm, self.bands, live.shape[0]], dtype=np.int64),
                entries=entries,
                names=np.frombuffer(names.encode("utf-8"), dtype=np.uint8),
            )
        os.replace(tmp, target)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LSHIndex:
        """Read an index written by :meth:`save`; it can be added to and saved again."""
        with np.load(path, allow_pickle=False) as data:
            fmt, num_perm, bands, count = (int(v) for v in data["meta"])
            if fmt != _FORMAT:
                raise ValueError(f"unknown LSH index format {fmt}")
            index = cls(num_perm=num_perm, bands=bands)
            entries = data["entries"]
            names = data["names"].tobytes().decode("utf-8")
        if entries.dtype != np.uint64 or entries.ndim != 1 or (len(entries) and int((entries & _LOW).max()) >= count):
            raise ValueError("corrupt LSH index: entries")
        keys: list[str | None] = list(names.split("\x00")) if count else []
        if len(keys) != count:
            raise ValueError("corrupt LSH index: key count does not match")
        index._main = entries
        index._keys = keys
        index._ids = dict(zip(keys, range(count), strict=True))  # type: ignore[arg-type]
        index._alive = np.ones(count, dtype=bool)
        return index
