"""The copy detector as the articles app uses it: a library on disk, texts fetched by key. No database.

Figures, each printed beside a baseline measured in the same run:

* (a) building a library of N sources (article-sized texts of 2,000–3,000 characters) in a directory,
  one ``updating()`` per source as ``detection.index_article`` does on every submission (lock, refresh,
  add, save one segment; a compaction every 64 segments) — beside the in-memory ``Detector`` library of
  the same texts;
* (b) one article checked end to end as ``detection.check_revision`` does (a new ``Detector`` on the
  library, ``fetch`` answering from a dict instead of the database: normalise → LSH candidates → fetch
  and normalise their texts → align → report), p50/p95 — beside the same check with the LSH disabled
  (every source fetched and aligned) on a smaller library, the cost the index saves;
* (c) a second process keeping its library current: ``refresh()`` after one new segment, beside a full
  ``Library.open`` of the directory (what a worker does when it starts); and the writer's side: one
  source added, and a compaction;
* (d) the directory's size, per source.

The texts: independent "articles" drawn from the character frequencies of the national reports in
``../shared/corpus`` (or ``$TAOLUN_CORPUS``; the stand-ins of ``taolun.text.tests.corpus`` without
it), each carrying a few of the reports' most frequent 12-character runs as set phrases (提法), already
normalised (only characters the detector compares). The article checked copies two passages of one
source into fresh text.

Run with ``python -m bench.articles [--sources N]`` (default 2,000; about two minutes on a small
two-core machine).
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from taolun.text.detect import Detector, Report
from taolun.text.library import Library
from taolun.text.tests import corpus

from .common import line, millis, seconds

DEFAULT_SOURCES = 2_000
SMALL = 200  # sources in the baseline library that has the LSH disabled
CHECKS, SMALL_CHECKS = 50, 5
SET_PHRASES, PHRASES_PER_TEXT = 300, 3
REFRESH_ROUNDS = 10
SEED = 2026


# -- texts ----------------------------------------------------------------------------------------


def _cjk(text: str) -> str:
    return "".join(char for char in text if "\u4e00" <= char <= "\u9fff")


class Texts:
    """Independent article-sized texts with the corpus's character frequencies and set phrases."""

    def __init__(self) -> None:
        reports = corpus.reports()
        stream = "".join(_cjk(text) for text in reports.values())
        self.source = f"{len(reports)} reports of {corpus.NATIONAL}" if corpus.NATIONAL.is_dir() else "stand-ins"
        counts = collections.Counter(stream)
        chars = sorted(counts)
        self.alphabet = np.array([ord(c) for c in chars], dtype=np.uint32)
        weights = np.array([counts[c] for c in chars], dtype=np.float64)
        self.p = weights / weights.sum()
        grams = collections.Counter(stream[i : i + 12] for i in range(0, len(stream) - 12, 3))
        self.phrases = [gram for gram, _n in grams.most_common(SET_PHRASES)]
        self.rng = np.random.default_rng(SEED)

    def fresh(self, size: int) -> str:
        return self.rng.choice(self.alphabet, size=size, p=self.p).tobytes().decode("utf-32-le")

    def article(self) -> str:
        body = self.fresh(int(self.rng.integers(2_000, 3_000)))
        for _ in range(PHRASES_PER_TEXT):
            at = int(self.rng.integers(0, len(body)))
            body = body[:at] + self.phrases[int(self.rng.integers(0, len(self.phrases)))] + body[at:]
        return body

    def copied(self, source: str) -> str:
        """Two passages of 400 characters of ``source`` in 1,200 fresh ones (a ratio of about 0.4)."""
        first, second = source[100:500], source[-500:-100]
        return self.fresh(400) + first + self.fresh(400) + second + self.fresh(400)


# -- helpers --------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _size(directory: Path) -> tuple[int, int, int]:
    """Bytes in the whole directory, in the base and in the segments."""
    total = base = segments = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            size = (Path(root) / name).stat().st_size
            total += size
            if Path(root).name.startswith("base-"):
                base += size
            elif name.startswith("seg-"):
                segments += size
    return total, base, segments


def _check(library: Library, texts: dict[str, str], text: str, *, below: int | None = None) -> Report:
    """One check as ``detection.check_revision`` runs it: a new Detector, texts fetched by key."""

    def fetch(keys: list[str]) -> dict[str, str]:
        return {key: texts[key] for key in keys if key in texts}

    params: dict[str, Any] = {"library": library, "fetch": fetch}
    if below is not None:
        params["all_candidates_below"] = below
    return Detector(threshold=0.30, **params).check(text)


# -- (a) build ------------------------------------------------------------------------------------


def build(texts: dict[str, str], directory: Path) -> Library:
    keys = list(texts)
    print(f"\n(a) Library build — {len(keys):,} sources of 2,000–3,000 characters", flush=True)

    def in_memory() -> Library:
        # What Detector.add_reference does for each text once it is normalised, without a directory.
        memory = Library()
        for key in keys:
            memory.add(key, texts[key])
        memory.candidates(texts[keys[0]])  # hashes every source's windows into the LSH index
        return memory

    started = time.perf_counter()
    memory = in_memory()
    baseline = time.perf_counter() - started
    line("baseline: in memory, as a Detector holds it (add all, hash windows)", seconds(baseline))
    del memory

    started = time.perf_counter()
    library = Library.open(directory)
    adds: list[float] = []
    for key in keys:
        at = time.perf_counter()
        with library.updating():
            library.add(key, texts[key])
        adds.append(time.perf_counter() - at)
    total = time.perf_counter() - started
    line(
        "on disk, one updating() per source (lock, refresh, add, save)",
        seconds(total),
        f"{total / baseline:.1f} × the baseline",
    )
    line(
        "  one source: p50, then p95 / max (the max: a compaction)",
        millis(_percentile(adds, 50)),
        f"{_percentile(adds, 95) * 1000:.1f} ms / {max(adds) * 1000:.0f} ms",
    )
    return library


# -- (b) check ------------------------------------------------------------------------------------


def check(library: Library, texts: dict[str, str], maker: Texts) -> None:
    keys = list(texts)
    rng = np.random.default_rng(SEED + 1)
    print(f"\n(b) One article checked end to end against {len(keys):,} sources (fetch from a dict)", flush=True)
    times: list[float] = []
    found = candidates = 0
    ratios: list[float] = []
    for _ in range(CHECKS):
        source = keys[int(rng.integers(0, len(keys)))]
        article = maker.copied(texts[source])
        started = time.perf_counter()
        report = _check(library, texts, article)
        times.append(time.perf_counter() - started)
        candidates += len(library.candidates(article))  # not timed: how many the index proposed
        found += bool(report.matches) and report.matches[0].source == source
        ratios.append(report.ratio)
    p50, p95 = _percentile(times, 50), _percentile(times, 95)
    line(f"check with the LSH index, p50 over {CHECKS}", millis(p50), f"p95 {p95 * 1000:.1f} ms")
    line(
        "  top source is the copied one",
        f"{found / CHECKS:8.0%}",
        f"{candidates / CHECKS:.1f} candidates, ratio {statistics.fmean(ratios):.2f} (true ≈ 0.40)",
    )

    small_keys = keys[:SMALL]
    small = Library()
    for key in small_keys:
        small.add(key, texts[key])
    small_texts = {key: texts[key] for key in small_keys}
    baseline: list[float] = []
    for i in range(SMALL_CHECKS):
        article = maker.copied(small_texts[small_keys[i]])
        started = time.perf_counter()
        _check(small, small_texts, article, below=10**9)
        baseline.append(time.perf_counter() - started)
    b50 = _percentile(baseline, 50)
    per_source = b50 / len(small_keys)
    line(
        f"baseline: LSH off, all {len(small_keys)} sources fetched and aligned, p50",
        millis(b50),
        f"p95 {_percentile(baseline, 95) * 1000:.0f} ms; {per_source * 1000:.1f} ms per source",
    )
    line(
        f"  without the index at {len(keys):,} sources (linear estimate)",
        seconds(per_source * len(keys)),
        f"{per_source * len(keys) / p50:,.0f} × the indexed check",
    )


# -- (c) refresh ----------------------------------------------------------------------------------


def _reader(directory: str, conn: Any) -> None:
    """A second process: open the library, then refresh it each time the writer says it saved."""
    started = time.perf_counter()
    library = Library.open(directory)
    conn.send(("open", time.perf_counter() - started, len(library)))
    while True:
        message = conn.recv()
        if message == "stop":
            break
        if message == "open":
            started = time.perf_counter()
            fresh = Library.open(directory)
            conn.send(("open", time.perf_counter() - started, len(fresh)))
            del fresh
            continue
        started = time.perf_counter()
        library.refresh()
        conn.send(("refresh", time.perf_counter() - started, len(library)))


def refresh(library: Library, directory: Path, maker: Texts) -> None:
    print("\n(c) A second process keeping up with the directory", flush=True)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    segments = len(list(directory.glob("seg-*.npz")))
    process = context.Process(target=_reader, args=(str(directory), child), daemon=True)
    process.start()
    try:
        _kind, first_open, size = parent.recv()
        opens = [first_open]
        for _ in range(2):
            parent.send("open")
            opens.append(parent.recv()[1])
        refreshes: list[float] = []
        writes: list[float] = []
        for i in range(REFRESH_ROUNDS):
            started = time.perf_counter()
            with library.updating():
                library.add(f"new-{i}", maker.article())
            writes.append(time.perf_counter() - started)
            parent.send("refresh")
            _kind, elapsed, seen = parent.recv()
            if seen != len(library):
                print(f"  the reader saw {seen:,} sources, the writer has {len(library):,}")
            refreshes.append(elapsed)
        before = _size(directory)
        started = time.perf_counter()
        with library.updating():
            library.compact()
        compaction = time.perf_counter() - started
        parent.send("refresh")
        after_compaction = parent.recv()[1]
        parent.send("stop")
    finally:
        process.join(timeout=30)
    r50 = _percentile(refreshes, 50)
    o50 = statistics.median(opens)
    line(
        f"baseline: Library.open of the directory ({size:,} sources), median of 3",
        seconds(o50),
        f"a base and {segments} segments",
    )
    line(
        f"refresh() after one new segment, p50 over {REFRESH_ROUNDS}",
        millis(r50),
        f"max {max(refreshes) * 1000:.1f} ms; {o50 / r50:,.0f} × faster than opening",
    )
    line("writer: add one source (lock, refresh, add, save), p50", millis(_percentile(writes, 50)))
    line("writer: compaction (the segments folded into a new base)", seconds(compaction))
    line("refresh() after a compaction (reads the new base)", seconds(after_compaction))
    total, base, segment_bytes = before
    line(
        "directory before the compaction",
        f"{total / 2**20:8.1f} MiB",
        f"base {base / 2**20:.1f} MiB, segments {segment_bytes / 2**20:.1f} MiB",
    )


# -- (d) size -------------------------------------------------------------------------------------


def size(library: Library, directory: Path) -> None:
    total, _base, _segments = _size(directory)
    chars = sum(library.size(key) for key in library)
    print("\n(d) Library directory (each process holds about as much in memory)", flush=True)
    line(
        f"size for {len(library):,} sources, compacted",
        f"{total / 2**20:8.1f} MiB",
        f"{total / len(library) / 1024:.1f} KiB per source, {total / chars * 1000 / 1024:.1f} KiB per 1,000 characters",
    )


def run(sources: int = DEFAULT_SOURCES) -> None:
    started = time.perf_counter()
    maker = Texts()
    texts = {f"article:{i}:{i}": maker.article() for i in range(sources)}
    print(f"\nCopy detection as the articles app runs it — texts from {maker.source}", flush=True)
    line(f"set-up: {sources:,} texts generated (not measured)", seconds(time.perf_counter() - started))
    with tempfile.TemporaryDirectory(prefix="taolun-bench-articles-") as tmp:
        directory = Path(tmp) / "articles-index"
        library = build(texts, directory)
        check(library, texts, maker)
        refresh(library, directory, maker)
        size(library, directory)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.articles", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sources", type=int, default=DEFAULT_SOURCES, metavar="N", help=f"library size (default {DEFAULT_SOURCES:,})"
    )
    args = parser.parse_args(argv)
    if args.sources < SMALL:
        parser.error(f"--sources must be at least {SMALL}")
    run(args.sources)


if __name__ == "__main__":
    began = time.perf_counter()
    main()
    print(f"\n  total {time.perf_counter() - began:.0f} s")
