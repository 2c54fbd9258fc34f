import numpy as np
import pytest

from taolun.text.shingles import mix64, shingle_hashes


def test_deterministic_sorted_unique_uint64():
    text = "学习贯彻党的二十大精神，学习贯彻党的二十大精神。"
    a = shingle_hashes(text)
    b = shingle_hashes(text)
    assert a.dtype == np.uint64
    assert np.array_equal(a, b)
    assert np.array_equal(a, np.unique(a))
    # 24 characters, 20 windows of 5, the repeated phrase contributes its windows once
    assert len(a) < len(text) - 5 + 1


def test_count_of_distinct_windows():
    text = "abcdefghij"
    assert len(shingle_hashes(text, k=3)) == 8
    assert len(shingle_hashes("aaaaaaa", k=3)) == 1


def test_order_sensitive():
    assert not np.array_equal(shingle_hashes("abc", k=3), shingle_hashes("cba", k=3))
    assert not np.array_equal(shingle_hashes("abc", k=3), shingle_hashes("acb", k=3))
    assert set(shingle_hashes("xabcx", k=3).tolist()).isdisjoint(shingle_hashes("xacbx", k=3).tolist())


def test_equal_shingles_hash_equal_across_texts():
    a = set(shingle_hashes("甲乙丙丁戊己", k=3).tolist())
    b = set(shingle_hashes("乙丙丁", k=3).tolist())
    assert b <= a


def test_short_and_empty_texts():
    assert shingle_hashes("", k=5).shape == (0,)
    short = shingle_hashes("党建", k=5)
    assert short.shape == (1,)
    assert not np.array_equal(short, shingle_hashes("党", k=5))
    assert not np.array_equal(short, shingle_hashes("建党", k=5))
    # a text of exactly k characters is one ordinary shingle
    assert shingle_hashes("abcde", k=5).shape == (1,)


def test_astral_characters_are_one_code_point():
    assert len(shingle_hashes("𠀀𠀁𠀂𠀃", k=2)) == 3


def test_bad_k():
    with pytest.raises(ValueError):
        shingle_hashes("abc", k=0)


def test_mix64_is_a_good_mix():
    values = mix64(np.arange(100_000, dtype=np.uint64))
    assert len(np.unique(values)) == 100_000
    bits = np.unpackbits(values.view(np.uint8)).reshape(-1, 64).mean(axis=0)
    assert np.all(np.abs(bits - 0.5) < 0.01)
