import numpy as np
import pytest

from taolun.text.minhash import EMPTY_VALUE, MinHasher, jaccard
from taolun.text.shingles import shingle_hashes


def _pairs(seed: int, count: int = 40) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Random pairs of shingle-hash sets with Jaccard indices spread over 0.05..0.95."""
    rng = np.random.default_rng(seed)
    pairs = []
    for target in np.linspace(0.05, 0.95, count):
        union = int(rng.integers(300, 3000))
        pool = rng.integers(0, np.iinfo(np.uint64).max, size=union, dtype=np.uint64, endpoint=True)
        pool = np.unique(pool)
        shared = round(target * len(pool))
        rest = pool[shared:]
        half = len(rest) // 2
        a = np.concatenate([pool[:shared], rest[:half]])
        b = np.concatenate([pool[:shared], rest[half:]])
        true = shared / len(pool)
        pairs.append((a, b, true))
    return pairs


def test_estimates_close_to_true_jaccard():
    hasher = MinHasher(num_perm=128, seed=7)
    errors = []
    for a, b, true in _pairs(1):
        est = jaccard(hasher.signature(a), hasher.signature(b))
        assert abs(est - true) <= 0.15
        errors.append(abs(est - true))
    # binomial standard error at 128 permutations is at most 0.044
    assert np.mean(errors) < 0.05
    assert np.mean(np.array(errors) <= 0.1) >= 0.9


def test_estimates_unbiased():
    hasher = MinHasher(num_perm=256, seed=3)
    diffs = [jaccard(hasher.signature(a), hasher.signature(b)) - t for a, b, t in _pairs(2, 60)]
    assert abs(np.mean(diffs)) < 0.015


def test_equal_in_quality_to_datasketch():
    datasketch = pytest.importorskip("datasketch")
    hasher = MinHasher(num_perm=128, seed=1)
    ours, theirs = [], []
    for a, b, true in _pairs(5, 60):
        ours.append(abs(jaccard(hasher.signature(a), hasher.signature(b)) - true))
        ma = datasketch.MinHash(num_perm=128, seed=1)
        mb = datasketch.MinHash(num_perm=128, seed=1)
        ma.update_batch([v.tobytes() for v in a])
        mb.update_batch([v.tobytes() for v in b])
        theirs.append(abs(ma.jaccard(mb) - true))
    assert np.mean(ours) < 0.05
    assert np.mean(theirs) < 0.05
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.015


def test_batch_equals_single_across_chunk_boundaries():
    rng = np.random.default_rng(11)
    sizes = [0, 1, 5, 900, 0, 2500, 1000, 1, 7000, 3]
    docs = [rng.integers(0, 2**63, size=s, dtype=np.uint64) for s in sizes]
    small = MinHasher(num_perm=64, seed=2, chunk_rows=1000)  # forces groups and oversized documents
    big = MinHasher(num_perm=64, seed=2)
    batch = small.signatures(docs)
    assert batch.shape == (len(docs), 64)
    assert batch.dtype == np.uint64
    for i, doc in enumerate(docs):
        assert np.array_equal(batch[i], small.signature(doc))
        assert np.array_equal(batch[i], big.signature(doc))
        if len(doc):
            x = (doc >> np.uint64(32)).astype(np.uint32)[:, None]
            a = (small.a >> np.uint64(32)).astype(np.uint32) | np.uint32(1)
            b = (small.b >> np.uint64(32)).astype(np.uint32)
            expected = (x * a[None, :] + b[None, :]).min(axis=0).astype(np.uint64)
            assert np.array_equal(batch[i], expected)


def test_empty_documents():
    hasher = MinHasher(num_perm=32)
    sig = hasher.signature(np.empty(0, dtype=np.uint64))
    assert np.all(sig == EMPTY_VALUE)
    assert hasher.signatures([]).shape == (0, 32)
    both = hasher.signatures([np.empty(0, dtype=np.uint64)] * 3)
    assert np.all(both == EMPTY_VALUE)
    assert jaccard(sig, hasher.signature(shingle_hashes("一段文字内容"))) == 0.0


def test_seeded_and_text_level():
    text_a = "坚持以人民为中心的发展思想，推动高质量发展取得新成效。"
    text_b = "坚持以人民为中心的发展思想，推动高质量发展取得新进展。"
    h1, h2 = MinHasher(seed=4), MinHasher(seed=4)
    assert np.array_equal(h1.signature(shingle_hashes(text_a)), h2.signature(shingle_hashes(text_a)))
    assert not np.array_equal(h1.a, MinHasher(seed=5).a)
    sa, sb = h1.signature(shingle_hashes(text_a)), h1.signature(shingle_hashes(text_b))
    true = len(set(shingle_hashes(text_a).tolist()) & set(shingle_hashes(text_b).tolist())) / len(
        set(shingle_hashes(text_a).tolist()) | set(shingle_hashes(text_b).tolist())
    )
    assert abs(jaccard(sa, sb) - true) < 0.15


def test_bad_arguments():
    with pytest.raises(ValueError):
        MinHasher(num_perm=0)
    with pytest.raises(ValueError):
        jaccard(np.zeros(3, dtype=np.uint64), np.zeros(4, dtype=np.uint64))
