"""The copy detector's hashing core: MinHash throughput against datasketch, LSH build and query.

No database. Figures, all printed side by side:

* signature throughput of ``MinHasher.signatures`` against ``datasketch.MinHash.update_batch`` on the
  same shingle sets (2,000-character pieces of ``../shared/corpus``, or synthetic text when the
  corpus is absent) and the same permutation count (target ≥ 10×), with the mean |difference| of
  the two estimates over overlapping pairs and the mean error of each against the true Jaccard index;
* building an index of 100,000 articles (synthetic shingle sets of 2,000 shingles: signatures and
  insertion; target < 60 s);
* checking one article against a 1,000,000-entry index (random signatures; p95 of the LSH query, of
  text → shingles → signature → query, and of the whole check with normalisation and the candidates
  verified by passage alignment; target < 50 ms), and saving/loading that index.

Run alone with ``python -m bench.text``.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from taolun.text.align import passages
from taolun.text.lsh import LSHIndex
from taolun.text.minhash import MinHasher, jaccard
from taolun.text.normalize import normalize
from taolun.text.shingles import shingle_hashes

from .common import best_of, line, millis, seconds, timed, verdict

NUM_PERM, BANDS, K = 128, 32, 5
PIECE = 2_000  # characters in one benchmark "article"
THROUGHPUT_DOCS, DATASKETCH_DOCS = 2_000, 200
BUILD_DOCS, BUILD_SHINGLES = 100_000, 2_000
INDEX_SIZE, QUERIES = 1_000_000, 1_000
TARGET_RATIO, TARGET_BUILD_S, TARGET_QUERY_MS = 10.0, 60.0, 50.0
CORPUS = Path(os.environ.get("TAOLUN_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def _texts() -> tuple[list[str], str]:
    files = sorted(CORPUS.rglob("*.txt")) if CORPUS.is_dir() else []
    texts = ["".join(f.read_text(encoding="utf-8", errors="replace").split()) for f in files]
    texts = [t for t in texts if len(t) >= 2 * PIECE]
    if texts:
        return texts, f"{len(texts)} texts of {CORPUS}"
    rng = np.random.default_rng(0)
    alphabet = np.arange(0x4E00, 0x4E00 + 3000, dtype=np.uint32)
    texts = [rng.choice(alphabet, size=20 * PIECE).tobytes().decode("utf-32-le") for _ in range(20)]
    return texts, "synthetic text (corpus not found)"


def _pieces(texts: list[str], count: int) -> list[str]:
    pieces: list[str] = []
    while len(pieces) < count:
        for text in texts:
            start = (len(pieces) * 7919) % (len(text) - PIECE)
            pieces.append(text[start : start + PIECE])
            if len(pieces) == count:
                break
    return pieces


def _shingle_strings(text: str) -> list[bytes]:
    return list({text[i : i + K].encode("utf-8") for i in range(len(text) - K + 1)})


def throughput(texts: list[str]) -> None:
    import datasketch

    pieces = _pieces(texts, THROUGHPUT_DOCS)
    hashes = [shingle_hashes(p, K) for p in pieces]
    strings = [_shingle_strings(p) for p in pieces[:DATASKETCH_DOCS]]
    hasher = MinHasher(num_perm=NUM_PERM)
    mean_shingles = statistics.mean(len(h) for h in hashes)

    ours, _ = best_of(lambda: hasher.signatures(hashes), repeat=5)
    ours_text, _ = best_of(lambda: hasher.signatures([shingle_hashes(p, K) for p in pieces]), repeat=3)

    def run_datasketch() -> None:
        for shingles in strings:
            m = datasketch.MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch(shingles)

    theirs, _ = best_of(run_datasketch, repeat=3)
    # datasketch's own arithmetic alone: the shingle hashes handed over as precomputed 32-bit integers
    ints = [[int(v) for v in (h[:] >> np.uint64(32))] for h in hashes[:DATASKETCH_DOCS]]

    def run_datasketch_ints() -> None:
        for values in ints:
            m = datasketch.MinHash(num_perm=NUM_PERM, seed=1, hashfunc=int)
            m.update_batch(values)

    theirs_ints, _ = best_of(run_datasketch_ints, repeat=3)
    ours_rate, text_rate = len(pieces) / ours, len(pieces) / ours_text
    theirs_rate = len(strings) / theirs
    ratio = ours_rate / theirs_rate
    print(
        f"\nMinHash signatures — {NUM_PERM} permutations, {PIECE:,}-character pieces (~{mean_shingles:,.0f} shingles)"
    )
    line("datasketch MinHash.update_batch (shingles as UTF-8 bytes, sha1)", f"{theirs_rate:8,.0f} docs/s")
    line(
        "datasketch, shingle hashes precomputed (hashfunc=int, no sha1)",
        f"{len(ints) / theirs_ints:8,.0f} docs/s",
        f"taolun is {ours_rate / (len(ints) / theirs_ints):.1f} × this",
    )
    line("taolun MinHasher.signatures (shingle hashes, batched)", f"{ours_rate:8,.0f} docs/s")
    line(
        "ratio taolun / datasketch",
        f"{ratio:8.1f} ×",
        f"{'OK  ' if ratio >= TARGET_RATIO else 'SLOW'} target ≥ {TARGET_RATIO:.0f}×",
    )
    line("taolun text → shingle_hashes → signatures", f"{text_rate:8,.0f} docs/s", f"{text_rate / theirs_rate:.1f} ×")

    # Estimates: a piece against the same text shifted by 0..1,900 characters (true J from 1 to ~0).
    diffs, ours_err, theirs_err, chance = [], [], [], []
    for i, text in enumerate(texts[:10] * 10):
        shift = (i * 97) % 1_900
        start = (i * 1_013) % (len(text) - 2 * PIECE)
        a_text, b_text = text[start : start + PIECE], text[start + shift : start + shift + PIECE]
        sa, sb = set(_shingle_strings(a_text)), set(_shingle_strings(b_text))
        true = len(sa & sb) / len(sa | sb)
        ours_est = jaccard(hasher.signature(shingle_hashes(a_text, K)), hasher.signature(shingle_hashes(b_text, K)))
        ma, mb = datasketch.MinHash(num_perm=NUM_PERM, seed=1), datasketch.MinHash(num_perm=NUM_PERM, seed=1)
        ma.update_batch(list(sa))
        mb.update_batch(list(sb))
        theirs_est = ma.jaccard(mb)
        diffs.append(abs(ours_est - theirs_est))
        # E|X − Y| for two independent estimates X, Y ~ Binomial(NUM_PERM, J) / NUM_PERM (normal approx.)
        chance.append(math.sqrt(2 * true * (1 - true) / NUM_PERM) * math.sqrt(2 / math.pi))
        ours_err.append(abs(ours_est - true))
        theirs_err.append(abs(theirs_est - true))
    line(
        f"mean |taolun − datasketch| estimate over {len(diffs)} pairs",
        f"{statistics.mean(diffs):8.3f}",
        f"two independent estimates differ by {statistics.mean(chance):.3f} by chance",
    )
    line(
        "mean |estimate − true Jaccard|: taolun / datasketch",
        f"{statistics.mean(ours_err):8.3f}",
        f"/ {statistics.mean(theirs_err):.3f}",
    )


def build() -> None:
    rng = np.random.default_rng(1)
    hasher = MinHasher(num_perm=NUM_PERM)
    index = LSHIndex(num_perm=NUM_PERM, bands=BANDS)
    batch = 5_000
    sig_time = add_time = 0.0
    for start in range(0, BUILD_DOCS, batch):
        docs = list(rng.integers(0, 2**63, size=(batch, BUILD_SHINGLES), dtype=np.uint64))
        elapsed, sigs = timed(lambda docs=docs: hasher.signatures(docs))
        sig_time += elapsed
        keys = [f"article-{i}" for i in range(start, start + batch)]
        add_time += timed(lambda keys=keys, sigs=sigs: index.add_many(keys, sigs))[0]
    query_time, _ = timed(lambda: index.query(sigs[0]))  # merges the delta
    total = sig_time + add_time + query_time
    print(f"\nLSH index build — {BUILD_DOCS:,} articles of {BUILD_SHINGLES:,} shingles, {BANDS} bands")
    line("signatures (MinHasher.signatures, batches of 5,000)", seconds(sig_time))
    line("index insertion (LSHIndex.add_many, then the first query merges)", seconds(add_time + query_time))
    line("build total", seconds(total), f"{verdict(total, TARGET_BUILD_S)} target < {TARGET_BUILD_S:.0f} s")


def query(texts: list[str]) -> None:
    rng = np.random.default_rng(2)
    hasher = MinHasher(num_perm=NUM_PERM)
    gen_time, sigs = timed(lambda: rng.integers(0, 2**63, size=(INDEX_SIZE, NUM_PERM), dtype=np.uint64))
    pieces = _pieces(texts, QUERIES)
    # The articles checked: each has a near-copy in the index (its signature with a quarter of the values changed).
    real = hasher.signatures([shingle_hashes(normalize(p).text, K) for p in pieces])
    for i, sig in enumerate(real):
        copy = sig.copy()
        copy[rng.choice(NUM_PERM, NUM_PERM // 4, replace=False)] = rng.integers(
            0, 2**63, NUM_PERM // 4, dtype=np.uint64
        )
        sigs[i * (INDEX_SIZE // QUERIES)] = copy
    index = LSHIndex(num_perm=NUM_PERM, bands=BANDS)
    keys = [f"article-{i}" for i in range(INDEX_SIZE)]
    start = time.perf_counter()
    index.add_many(keys, sigs)
    add_time = time.perf_counter() - start
    del sigs
    print(f"\nLSH query — one article against {INDEX_SIZE:,} entries, {QUERIES:,} articles checked")
    line("set-up: random signatures (not measured)", seconds(gen_time))
    line(f"index insertion of {INDEX_SIZE:,} signatures", seconds(add_time))

    times, end_to_end, found = [], [], 0
    for i, (sig, piece) in enumerate(zip(real, pieces, strict=True)):
        start = time.perf_counter()
        hits = index.query(sig)
        times.append(time.perf_counter() - start)
        found += f"article-{i * (INDEX_SIZE // QUERIES)}" in hits
        start = time.perf_counter()
        index.query(hasher.signature(shingle_hashes(normalize(piece).text, K)))
        end_to_end.append(time.perf_counter() - start)
    p95, p95_full = float(np.percentile(times, 95)), float(np.percentile(end_to_end, 95))
    line(
        "query p95 (signature → candidate keys)",
        millis(p95),
        f"{verdict(p95 * 1000, TARGET_QUERY_MS)} median {statistics.median(times) * 1000:.2f} ms",
    )
    line(
        f"check p95 (text of {PIECE:,} characters → normalise → shingles → signature → query)",
        millis(p95_full),
        f"{verdict(p95_full * 1000, TARGET_QUERY_MS)} target < {TARGET_QUERY_MS:.0f} ms",
    )
    line("near-copies found (3/4 of the signature positions equal)", f"{found / QUERIES:8.1%}")

    # The whole check: normalise the article, query, and verify every candidate that has a text by
    # passage alignment (each planted near-copy's text is the article itself: a fully copied article,
    # the costliest alignment).
    step = INDEX_SIZE // QUERIES
    source_texts = {f"article-{i * step}": normalize(p).text for i, p in enumerate(pieces)}
    full, verified = [], 0
    for piece in pieces:
        start = time.perf_counter()
        norm = normalize(piece).text
        hits = index.query(hasher.signature(shingle_hashes(norm, K)))
        spans = [passages(norm, source_texts[key]) for key in hits if key in source_texts]
        full.append(time.perf_counter() - start)
        verified += any(spans)
    p95_check = float(np.percentile(full, 95))
    line(
        "full check p95 (normalise → signature → query → align each candidate)",
        millis(p95_check),
        f"{verdict(p95_check * 1000, TARGET_QUERY_MS)} {verified}/{QUERIES} copies verified",
    )

    # Incremental: one new article added, then checked, on the 1M-entry index (the submission path).
    extra = hasher.signatures([shingle_hashes(p, K) for p in _pieces(texts[::-1], 200)])
    incremental = []
    for i, sig in enumerate(extra):
        start = time.perf_counter()
        index.add(f"new-{i}", sig)
        hits = index.query(sig)
        incremental.append(time.perf_counter() - start)
        assert f"new-{i}" in hits
    p95_incr = float(np.percentile(incremental, 95))
    line(
        f"add one article then query it, p95 over {len(extra)}",
        millis(p95_incr),
        f"{verdict(p95_incr * 1000, TARGET_QUERY_MS)} max {max(incremental) * 1000:.1f} ms",
    )

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        start = time.perf_counter()
        index.save(path)
        save_time = time.perf_counter() - start
        size = path.stat().st_size
        del index
        start = time.perf_counter()
        loaded = LSHIndex.load(path)
        load_time = time.perf_counter() - start
        line(f"save ({size / 2**20:,.0f} MiB .npz)", seconds(save_time))
        line("load", seconds(load_time), f"{len(loaded):,} entries")


def run() -> None:
    texts, source = _texts()
    print(f"\nCopy detector hashing core — {source}")
    throughput(texts)
    build()
    query(texts)


if __name__ == "__main__":
    started = time.perf_counter()
    run()
    print(f"\n  total {time.perf_counter() - started:.0f} s")
