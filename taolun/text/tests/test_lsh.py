import numpy as np
import pytest

from taolun.text.lsh import LSHIndex
from taolun.text.minhash import MinHasher

NUM_PERM = 128


def _corpus(seed: int, docs: int, size: int = 1000) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.unique(rng.integers(0, 2**63, size=size, dtype=np.uint64)) for _ in range(docs)]


def _near(doc: np.ndarray, jaccard: float, seed: int) -> np.ndarray:
    """A copy of ``doc`` whose Jaccard index with it is ``jaccard`` (shingles replaced by new ones)."""
    rng = np.random.default_rng(seed)
    # keeping s of n and adding n - s new ones gives J = s / (2n - s)
    n = len(doc)
    keep = round(2 * n * jaccard / (1 + jaccard))
    kept = rng.choice(doc, size=keep, replace=False)
    return np.concatenate([kept, rng.integers(0, 2**63, size=n - keep, dtype=np.uint64)])


@pytest.fixture(scope="module")
def hasher() -> MinHasher:
    return MinHasher(num_perm=NUM_PERM, seed=1)


@pytest.fixture(scope="module")
def built(hasher):
    docs = _corpus(1, 300)
    index = LSHIndex(num_perm=NUM_PERM, bands=32)
    index.add_many([f"doc-{i}" for i in range(len(docs))], hasher.signatures(docs))
    return index, docs


def test_finds_near_duplicates(built, hasher):
    index, docs = built
    assert len(index) == 300
    found = 0
    for i in range(0, 300, 3):
        probe = hasher.signature(_near(docs[i], 0.8, seed=i))
        found += f"doc-{i}" in index.query(probe)
    assert found >= 98  # P(candidate | J = 0.8) ≈ 0.9996 with 32 bands of 4 rows


def test_rarely_returns_unrelated(built, hasher):
    index, _docs = built
    unrelated = _corpus(2, 100)
    hits = sum(len(index.query(sig)) for sig in hasher.signatures(unrelated))
    assert hits <= 2
    # J = 0.2: about 5 % candidates expected
    index_docs = built[1]
    far = sum(f"doc-{i}" in index.query(hasher.signature(_near(index_docs[i], 0.2, i))) for i in range(100))
    assert far <= 15


def test_exact_duplicate_and_rows(built, hasher):
    index, docs = built
    assert index.rows == 4
    assert index.query(hasher.signature(docs[7])) == {"doc-7"}


def test_remove_and_replace(hasher):
    docs = _corpus(3, 5)
    sigs = hasher.signatures(docs)
    index = LSHIndex()
    index.add_many(["a", "b", "c", "d", "e"], sigs)
    assert index.remove("b")
    assert not index.remove("b")
    assert "b" not in index
    assert len(index) == 4
    assert index.query(sigs[1]) == set()
    index.add("c", sigs[1])  # replaces c's signature
    assert len(index) == 4
    assert index.query(sigs[1]) == {"c"}
    assert index.query(sigs[2]) == set()


def test_incremental_adds_and_delta_merge(hasher, monkeypatch):
    import taolun.text.lsh as lsh

    monkeypatch.setattr(lsh, "_DELTA_MAX", 64)  # merges after two entries' worth of band keys
    docs = _corpus(4, 40, size=200)
    sigs = hasher.signatures(docs)
    index = LSHIndex()
    for i, sig in enumerate(sigs):
        index.add(f"k{i}", sig)
        assert index.query(sig) == {f"k{i}"}
    for i, sig in enumerate(sigs):
        assert index.query(sig) == {f"k{i}"}
    index.remove("k3")
    for i in range(40, 45):
        index.add(f"k{i}", sigs[i - 40])
    assert index.query(sigs[0]) == {"k0", "k40"}
    assert index.query(sigs[3]) == {"k43"}


def test_save_load_round_trip_and_add_after_load(tmp_path, hasher):
    docs = _corpus(5, 50, size=300)
    sigs = hasher.signatures(docs)
    index = LSHIndex(num_perm=NUM_PERM, bands=16)
    index.add_many([f"文章/{i}.txt" for i in range(50)], sigs)
    index.remove("文章/10.txt")
    path = tmp_path / "index.npz"
    index.save(path)
    loaded = LSHIndex.load(path)
    assert (loaded.num_perm, loaded.bands, loaded.rows) == (NUM_PERM, 16, 8)
    assert len(loaded) == 49
    assert set(loaded.keys()) == set(index.keys())
    for i, sig in enumerate(sigs):
        assert loaded.query(sig) == index.query(sig) == (set() if i == 10 else {f"文章/{i}.txt"})
    extra = hasher.signatures(_corpus(6, 3, size=300))
    loaded.add_many(["x", "y", "z"], extra)
    loaded.add("文章/10.txt", sigs[10])
    assert loaded.query(extra[1]) == {"y"}
    assert loaded.query(sigs[10]) == {"文章/10.txt"}
    loaded.save(path)
    again = LSHIndex.load(path)
    assert len(again) == 53
    assert again.query(extra[2]) == {"z"}


def test_empty_index_save_load(tmp_path, hasher):
    index = LSHIndex()
    assert index.query(hasher.signature(_corpus(7, 1)[0])) == set()
    index.save(tmp_path / "empty.npz")
    loaded = LSHIndex.load(tmp_path / "empty.npz")
    assert len(loaded) == 0
    loaded.add("a", hasher.signature(_corpus(7, 1)[0]))
    assert len(loaded) == 1


def test_bad_input(hasher):
    index = LSHIndex()
    sig = hasher.signature(_corpus(8, 1)[0])
    with pytest.raises(ValueError):
        index.add("bad\x00key", sig)
    with pytest.raises(ValueError):
        index.add("short", sig[:64])
    with pytest.raises(ValueError):
        index.add_many(["a", "a"], np.stack([sig, sig]))
    with pytest.raises(ValueError):
        LSHIndex(num_perm=8, bands=16)


def test_load_rejects_other_files(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, meta=np.array([99, 128, 32, 0], dtype=np.int64))
    with pytest.raises(ValueError):
        LSHIndex.load(path)
    np.savez(
        path,
        meta=np.array([2, 128, 32, 1], dtype=np.int64),
        entries=np.array([5], dtype=np.uint64),
        names=np.frombuffer(b"a", dtype=np.uint8),
    )
    with pytest.raises(ValueError):
        LSHIndex.load(path)
