"""The sources a detector checks against, without their texts: set-phrase frequencies and an LSH index.

A :class:`Library` knows, for every source (a reference or an earlier article, by key), its length,
the document frequency of every ``common_k``-gram across all sources (to recognise set phrases, 提法),
and a MinHash/LSH index of the windows of each source (to propose candidates for a new text). The
texts themselves live elsewhere (a database); the detector fetches the few candidates it verifies.

Persistence is incremental, in a directory:

* ``CURRENT`` names the base, a folder ``base-NNNNNNNN`` holding the whole index as of sequence ``N``;
* each save after it writes one small segment ``seg-NNNNNNNN.npz``: the sources added (their window band
  keys, lengths and gram counts) and removed since the last save, in order;
* a process holding a library applies the segments newer than its own sequence (:meth:`refresh`), so
  several workers share one index without reading it all again;
* once the segments grow large they are folded into a new base (compaction);
* ``GENERATION`` holds a token written with the first save: a directory emptied and built again gets a
  new one, and a process holding the old library reads everything afresh.

Writers take the directory's lock (:meth:`Library.updating`): refresh, change, save, release. Texts
given to :meth:`add` and :meth:`remove` are normalised already (:func:`taolun.text.normalize.normalize`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from taolun.text.lsh import LSHIndex
from taolun.text.minhash import MinHasher
from taolun.text.shingles import position_hashes, shingle_hashes

__all__ = ["Library", "windows"]

# LSH works on windows of the texts: a copied passage is a small part of both texts. Sources are cut
# into windows side by side (every WINDOW characters) and the text checked into windows every
# QUERY_STEP: a passage of 2 × WINDOW characters holds a whole source window, and some window of the
# checked text starts within QUERY_STEP / 2 of it, so their shingle sets overlap by ~90 % and share a
# band almost surely. The index holds one band set per 64 characters of every source.
WINDOW = 64
SOURCE_STEP = WINDOW
QUERY_STEP = 8
COMMON_WINDOW_SHARE = 0.5  # a checked window with more of its characters in set phrases asks nothing
SHINGLE_K = 5
_FORMAT = 1
_EMPTY_U = np.zeros(0, dtype=np.uint64)
_EMPTY_C = np.zeros(0, dtype=np.int32)
_DELTA_MAX = 1 << 18  # the least a tier of the set-phrase table holds before it joins the one below
_PENDING_MAX = 64  # arrays added to the set-phrase table before they are sorted into its delta
_SEGMENTS_MAX = 64  # segments kept before they may be folded into a new base
_SEGMENTS_HARD_MAX = 1024  # ... and before they are, however light


def windows(text: str, step: int = SOURCE_STEP, width: int = WINDOW) -> list[tuple[int, str]]:
    """Windows of ``width`` characters every ``step`` (the whole text when shorter)."""
    if len(text) <= width:
        return [(0, text)] if text else []
    return [(start, text[start : start + width]) for start in range(0, len(text) - width + step, step)]


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def _combine(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (key, count) tables added together in one pass; keys whose count falls to zero are dropped."""
    parts = [(keys, counts) for keys, counts in parts if len(keys)]
    if not parts:
        return _EMPTY_U, _EMPTY_C
    if len(parts) == 1:
        return parts[0]
    unique, inverse = np.unique(np.concatenate([keys for keys, _ in parts]), return_inverse=True)
    weights = np.concatenate([counts for _, counts in parts]).astype(np.float64)
    summed = np.rint(np.bincount(inverse, weights=weights, minlength=len(unique))).astype(np.int32)
    keep = summed != 0
    return unique[keep], summed[keep]


class _Counts:
    """A multiset of 64-bit keys in three tiers: a large sorted table, a smaller sorted delta, and the
    sorted arrays added since (each searched as it is). A tier joins the one below once it weighs a
    fraction of it, so each table is rewritten only when it has grown by that fraction: building a large
    library costs O(n log n), and reading the counts never waits for a sort."""

    def __init__(self, keys: np.ndarray = _EMPTY_U, counts: np.ndarray = _EMPTY_C) -> None:
        self.keys, self.counts = keys, counts.astype(np.int32, copy=False)
        self._dkeys, self._dcounts = _EMPTY_U, _EMPTY_C
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_size = 0

    def add(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add sorted distinct ``keys`` with their ``counts`` (negative to take away)."""
        self._pending.append((keys, counts.astype(np.int32, copy=False)))
        self._pending_size += len(keys)
        if len(self._pending) >= _PENDING_MAX or self._pending_size >= max(_DELTA_MAX, len(self._dkeys) // 4):
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._dkeys, self._dcounts = _combine([(self._dkeys, self._dcounts), *self._pending])
            self._pending, self._pending_size = [], 0
        if len(self._dkeys) >= max(_DELTA_MAX, len(self.keys) // 8):
            self.keys, self.counts = _combine([(self.keys, self.counts), (self._dkeys, self._dcounts)])
            self._dkeys, self._dcounts = _EMPTY_U, _EMPTY_C

    def merge(self) -> None:
        """Everything in the one sorted table (to save it)."""
        self._flush()
        self.keys, self.counts = _combine([(self.keys, self.counts), (self._dkeys, self._dcounts)])
        self._dkeys, self._dcounts = _EMPTY_U, _EMPTY_C

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(hashes), dtype=np.int64)
        if len(hashes) == 0:
            return out
        for keys, counts in ((self.keys, self.counts), (self._dkeys, self._dcounts), *self._pending):
            if len(keys) == 0:
                continue
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            hit = keys[at] == hashes
            out[hit] += counts[at[hit]]
        return out


class Library:
    """Sources by key: lengths, set-phrase frequencies and a window LSH index; optionally persisted."""

    def __init__(
        self,
        *,
        common_k: int = 12,
        num_perm: int = 128,
        bands: int = 32,
        seed: int = 1,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        self.common_k = common_k
        self.hasher = MinHasher(num_perm=num_perm, seed=seed)
        self.lsh = LSHIndex(num_perm=num_perm, bands=bands)
        self.df = _Counts()
        self._sizes: dict[str, int] = {}
        self._unhashed: dict[str, str] = {}  # sources whose windows are not in the LSH index yet
        self.directory = Path(directory) if directory is not None else None
        self._base = ""
        self._seq = 0
        self._generation = ""
        self._journal: list[tuple[str, str, int]] = []  # (kind, key, size) in order
        self._journal_bands: dict[str, np.ndarray] = {}
        self._journal_df: list[tuple[np.ndarray, int]] = []

    # -- sources -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._sizes)

    def __contains__(self, key: object) -> bool:
        return key in self._sizes

    def __iter__(self) -> Iterator[str]:
        return iter(self._sizes)

    def keys(self) -> Iterable[str]:
        return self._sizes.keys()

    def size(self, key: str) -> int:
        return self._sizes[key]

    @property
    def sequence(self) -> int:
        """How many saves the library has seen (the sequence of its newest segment)."""
        return self._seq

    def add(self, key: str, text: str) -> None:
        """Add (or replace: :meth:`remove` it first, with its old text) one source's normalised text."""
        if not isinstance(key, str) or not key or "\x00" in key:
            raise ValueError(f"keys must be non-empty strings without NUL characters: {key!r}")
        if key in self._sizes:
            raise ValueError(f"{key!r} is already in the library: remove it first")
        grams = shingle_hashes(text, self.common_k) if len(text) >= self.common_k else _EMPTY_U
        self.df.add(grams, np.ones(len(grams), dtype=np.int64))
        self._sizes[key] = len(text)
        self._unhashed[key] = text
        if self.directory is not None:
            self._journal.append(("add", key, len(text)))
            self._journal_df.append((grams, 1))

    def remove(self, key: str, text: str) -> bool:
        """Remove a source; ``text`` is the normalised text it was added with. False when absent."""
        if key not in self._sizes:
            return False
        grams = shingle_hashes(text, self.common_k) if len(text) >= self.common_k else _EMPTY_U
        self.df.add(grams, -np.ones(len(grams), dtype=np.int64))
        del self._sizes[key]
        self._unhashed.pop(key, None)
        self.lsh.remove(key)
        if self.directory is not None:
            self._journal.append(("remove", key, 0))
            self._journal_bands.pop(key, None)
            self._journal_df.append((grams, -1))
        return True

    def _hash_windows(self) -> None:
        """Put the windows of the sources added since the last query into the LSH index."""
        if not self._unhashed:
            return
        keys = list(self._unhashed)
        pieces: list[np.ndarray] = []
        rows: list[int] = []
        for key in keys:
            parts = windows(self._unhashed[key]) or [(0, "")]
            rows.append(len(parts))
            pieces.extend(shingle_hashes(window, SHINGLE_K) for _, window in parts)
        band = self.lsh.band_keys(self.hasher.signatures(pieces))
        self.lsh.add_bands(keys, band, rows)
        if self.directory is not None:
            offsets = np.cumsum([0, *rows])
            for i, key in enumerate(keys):
                self._journal_bands[key] = band[offsets[i] : offsets[i + 1]]
        self._unhashed = {}

    # -- what a check asks -----------------------------------------------------------------------

    def candidates(self, text: str, common: np.ndarray | None = None) -> set[str]:
        """Sources that share a window band with any window of the normalised ``text``.

        ``common`` marks the characters that lie in set phrases: a window mostly made of them would
        propose every source that uses the same phrases, so it asks nothing.
        """
        self._hash_windows()
        parts = windows(text, QUERY_STEP)
        if common is not None and len(common) == len(text) and parts:
            shared = np.concatenate([[0], np.cumsum(common)])
            parts = [
                (start, window)
                for start, window in parts
                if shared[start + len(window)] - shared[start] <= len(window) * COMMON_WINDOW_SHARE
            ]
        if not parts:
            return set()
        signatures = self.hasher.signatures([shingle_hashes(window, SHINGLE_K) for _, window in parts])
        return self.lsh.query_many(signatures) & self._sizes.keys()

    def frequencies(self, text: str) -> np.ndarray:
        """For each ``common_k``-gram of the normalised ``text`` (by start), how many sources contain it."""
        return self.df.lookup(position_hashes(text, self.common_k))

    # -- persistence ---------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: str | os.PathLike[str], **params: int) -> Library:
        """The library saved in ``directory`` (an empty one when nothing is saved there yet)."""
        library = cls(directory=directory, **params)
        Path(directory).mkdir(parents=True, exist_ok=True)
        library.refresh()
        return library

    @contextlib.contextmanager
    def updating(self) -> Iterator[Library]:
        """Hold the directory's lock, bring the library up to date, let the caller change it, save."""
        directory = self._require_directory()
        with open(directory / "lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.refresh()
                yield self
                self.save()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def erase(directory: str | os.PathLike[str]) -> None:
        """Remove the library saved in ``directory`` (its files only, under its lock): the next save starts
        a new generation, which every process holding the old library notices and reads afresh."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                for pattern in ("CURRENT", "CURRENT.tmp", "GENERATION", "GENERATION.tmp", "seg-*.npz*", "base-*"):
                    for entry in folder.glob(pattern):
                        if entry.is_dir():
                            shutil.rmtree(entry, ignore_errors=True)
                        else:
                            entry.unlink(missing_ok=True)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _require_directory(self) -> Path:
        if self.directory is None:
            raise ValueError("this library has no directory")
        return self.directory

    def refresh(self) -> None:
        """Apply what other processes saved since this library was read (or read it all again)."""
        directory = self._require_directory()
        generation = _read(directory / "GENERATION")
        if generation != self._generation:
            # The directory was emptied and rebuilt since this library read it: its sequence numbers
            # started again, so nothing read before can be kept.
            self._generation, self._base = generation, "\x00"
        for _attempt in range(5):
            current = _read(directory / "CURRENT")
            try:
                if current != self._base:
                    self._load_base(current)
                for seq, path in self._segments():
                    if seq > self._seq:
                        self._apply_segment(path)
                        self._seq = seq
                return
            except FileNotFoundError:
                self._base = "\x00"  # a compaction removed what was listed: read the new base
        raise RuntimeError(f"could not read the library in {directory}")

    def _segments(self) -> list[tuple[int, Path]]:
        found = []
        for path in self._require_directory().glob("seg-*.npz"):
            with contextlib.suppress(ValueError):
                found.append((int(path.stem[4:]), path))
        return sorted(found)

    def _load_base(self, name: str) -> None:
        fresh = Library(common_k=self.common_k, num_perm=self.lsh.num_perm, bands=self.lsh.bands)
        self.lsh, self.df, self._sizes = fresh.lsh, fresh.df, fresh._sizes
        self._unhashed, self._seq, self._base = {}, 0, name
        if not name:
            return
        base = self._require_directory() / name
        with np.load(base / "stats.npz", allow_pickle=False) as data:
            fmt, common_k, seq = (int(v) for v in data["meta"])
            if fmt != _FORMAT or common_k != self.common_k:
                raise ValueError(f"{base}: a library of another format or gram length")
            names = data["names"].tobytes().decode("utf-8")
            sizes = data["sizes"].tolist()
            self.df = _Counts(data["df_keys"], data["df_counts"])
        self._sizes = dict(zip(names.split("\x00") if sizes else [], sizes, strict=True))
        self.lsh = LSHIndex.load(base / "lsh.npz")
        self._seq = seq

    def _apply_segment(self, path: Path) -> None:
        with np.load(path, allow_pickle=False) as data:
            names = data["names"].tobytes().decode("utf-8").split("\x00")
            kinds, rows, sizes = data["kinds"].tolist(), data["rows"].tolist(), data["sizes"].tolist()
            band = data["bands"]
            self.df.add(data["df_keys"], data["df_counts"])
        offset = 0
        for key, kind, row, size in zip(names, kinds, rows, sizes, strict=True):
            if kind == 0:
                self._sizes.pop(key, None)
                self.lsh.remove(key)
            else:
                self._sizes[key] = size
                self.lsh.add_bands([key], band[offset : offset + row], [row])
                offset += row

    def save(self) -> None:
        """Write what changed since the last save as one segment (or fold everything into a new base)."""
        directory = self._require_directory()
        self._hash_windows()
        if not self._journal:
            return
        if not self._generation:
            self._generation = secrets.token_hex(8)
            tmp = directory / "GENERATION.tmp"
            tmp.write_text(self._generation)
            os.replace(tmp, directory / "GENERATION")
        segments = self._segments()
        seq = max([self._seq, *(s for s, _ in segments)]) + 1
        if self._should_compact(segments):
            self._write_base(seq)
        else:
            self._write_segment(directory / f"seg-{seq:08d}.npz")
        self._seq = seq
        self._journal, self._journal_bands, self._journal_df = [], {}, []

    def _should_compact(self, segments: list[tuple[int, Path]]) -> bool:
        """Fold the segments into a new base once there are many and together they weigh a quarter of the
        base: the base is rewritten each time the index grows by a quarter, so the cost of writing it
        stays proportional to the index (a fixed count of segments would rewrite a large base too often)."""
        if len(segments) < _SEGMENTS_MAX:
            return False
        if len(segments) >= _SEGMENTS_HARD_MAX or not self._base:
            return True
        weight = sum(path.stat().st_size for _, path in segments if path.exists())
        base = self._require_directory() / self._base
        base_weight = sum(entry.stat().st_size for entry in base.iterdir()) if base.is_dir() else 0
        return 4 * weight >= base_weight

    def _write_segment(self, target: Path) -> None:
        # A source added and removed within one journal has no bands: it is written as removed only.
        ops = [(kind, key, size) for kind, key, size in self._journal if kind == "remove" or key in self._journal_bands]
        seen_add: set[str] = set()
        ordered: list[tuple[str, str, int]] = []
        for kind, key, size in reversed(ops):  # a key added twice keeps its last addition only
            if kind == "add":
                if key in seen_add:
                    continue
                seen_add.add(key)
            ordered.append((kind, key, size))
        ordered.reverse()
        bands = [self._journal_bands[key] for kind, key, _ in ordered if kind == "add"]
        df_keys, df_counts = _combine(
            [(grams, np.full(len(grams), sign, np.int32)) for grams, sign in self._journal_df]
        )
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                names=np.frombuffer("\x00".join(key for _, key, _ in ordered).encode("utf-8"), dtype=np.uint8),
                kinds=np.array([1 if kind == "add" else 0 for kind, _, _ in ordered], dtype=np.uint8),
                rows=np.array(
                    [len(self._journal_bands[k]) if kind == "add" else 0 for kind, k, _ in ordered], np.int64
                ),
                sizes=np.array([size for _, _, size in ordered], dtype=np.int64),
                bands=np.concatenate(bands) if bands else np.zeros((0, self.lsh.bands), dtype=np.uint64),
                df_keys=df_keys,
                df_counts=df_counts,
            )
        os.replace(tmp, target)

    def _write_base(self, seq: int) -> None:
        directory = self._require_directory()
        name = f"base-{seq:08d}"
        folder = directory / name
        folder.mkdir(exist_ok=True)
        self.df.merge()
        self.lsh.save(folder / "lsh.npz")
        keys = list(self._sizes)
        with open(folder / "stats.npz", "wb") as fh:
            np.savez(
                fh,
                meta=np.array([_FORMAT, self.common_k, seq], dtype=np.int64),
                names=np.frombuffer("\x00".join(keys).encode("utf-8"), dtype=np.uint8),
                sizes=np.array([self._sizes[k] for k in keys], dtype=np.int64),
                df_keys=self.df.keys,
                df_counts=self.df.counts,
            )
        tmp = directory / "CURRENT.tmp"
        tmp.write_text(name)
        os.replace(tmp, directory / "CURRENT")
        old = self._base
        self._base = name
        for s, path in self._segments():
            if s <= seq:
                path.unlink(missing_ok=True)
        if old and old != name:
            shutil.rmtree(directory / old, ignore_errors=True)

    def compact(self) -> None:
        """Fold the base and every segment into a new base (under :meth:`updating`'s lock)."""
        self._hash_windows()
        seq = max([self._seq, *(s for s, _ in self._segments())]) + 1
        self._write_base(seq)
        self._seq = seq
        self._journal, self._journal_bands, self._journal_df = [], {}, []
