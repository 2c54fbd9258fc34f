"""The library persists incrementally: segments per save, shared between processes, folded into a base."""

from __future__ import annotations

import random

import pytest

from taolun.text import library as library_module
from taolun.text.detect import Detector
from taolun.text.library import Library
from taolun.text.normalize import normalize
from taolun.text.splice import splice

from . import corpus


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return corpus.reports()


def _norm(text: str) -> str:
    return normalize(text).text


def test_saved_segments_are_read_by_another_process(tmp_path, reports):
    years = sorted(reports)[:6]
    writer = Library.open(tmp_path)
    with writer.updating():
        for year in years[:3]:
            writer.add(year, _norm(reports[year]))
    reader = Library.open(tmp_path)
    assert set(reader.keys()) == set(years[:3])
    with writer.updating():
        writer.add(years[3], _norm(reports[years[3]]))
        writer.remove(years[0], _norm(reports[years[0]]))
    assert sorted(p.name for p in tmp_path.glob("seg-*.npz")) == ["seg-00000001.npz", "seg-00000002.npz"]
    reader.refresh()
    assert set(reader.keys()) == set(years[1:4])
    assert reader.sequence == writer.sequence == 2
    # the reader answers as the writer does: the same candidates and the same frequencies
    probe = _norm(reports[years[2]][1000:3000])
    assert reader.candidates(probe) == writer.candidates(probe) == {years[2]}
    assert (reader.frequencies(probe) == writer.frequencies(probe)).all()
    assert years[0] not in reader.candidates(_norm(reports[years[0]][1000:3000]))


def test_many_segments_fold_into_a_base(tmp_path, reports, monkeypatch):
    monkeypatch.setattr(library_module, "_SEGMENTS_MAX", 3)
    years = sorted(reports)[:6]
    writer = Library.open(tmp_path)
    reader = Library.open(tmp_path)
    for year in years:
        with writer.updating():
            writer.add(year, _norm(reports[year]))
    assert (tmp_path / "CURRENT").read_text().startswith("base-")
    assert len(list(tmp_path.glob("seg-*.npz"))) < 3
    reader.refresh()
    fresh = Library.open(tmp_path)
    for lib in (reader, fresh):
        assert set(lib.keys()) == set(years)
        probe = _norm(reports[years[4]][2000:4000])
        assert years[4] in lib.candidates(probe)
        assert (lib.frequencies(probe) == writer.frequencies(probe)).all()


def test_replacing_a_source_forgets_its_old_text(tmp_path, reports):
    old = _norm(reports[sorted(reports)[0]])
    new = old[::-1]  # the same characters, no shared window
    lib = Library.open(tmp_path)
    with lib.updating():
        lib.add("a", old)
    with lib.updating():
        lib.remove("a", old)
        lib.add("a", new)
    again = Library.open(tmp_path)
    assert again.candidates(old[500:2500]) == set()
    assert again.candidates(new[500:2500]) == {"a"}
    assert again.frequencies(old[:200]).max() == 0
    with pytest.raises(ValueError, match="already in the library"):
        lib.add("a", new)


def test_a_detector_over_a_saved_library_fetches_only_what_it_verifies(tmp_path, reports):
    texts = {year: text for year, text in reports.items() if year < "2000"}
    lib = Library.open(tmp_path)
    with lib.updating():
        for year, text in texts.items():
            lib.add(year, _norm(text))
    asked: list[list[str]] = []

    def fetch(keys: list[str]) -> dict[str, str]:
        asked.append(keys)
        return {key: texts[key] for key in keys}

    detector = Detector(library=Library.open(tmp_path), fetch=fetch, all_candidates_below=0)
    article, share = splice(texts["1990"], reports[max(reports)], 0.5, random.Random(3))
    report = detector.check(article)
    assert report.flagged and report.matches[0].source == "1990"
    assert abs(report.ratio - share) <= 0.1
    fetched = {key for keys in asked for key in keys}
    assert "1990" in fetched and len(fetched) < len(texts)


def test_a_rebuilt_directory_is_read_afresh(tmp_path, reports):
    years = sorted(reports)[:3]
    writer = Library.open(tmp_path)
    for year in years[:2]:
        with writer.updating():
            writer.add(year, _norm(reports[year]))
    reader = Library.open(tmp_path)
    assert set(reader.keys()) == set(years[:2])
    # An operator empties the folder and builds it again: its segments are numbered from 1 again.
    (tmp_path / "unrelated.txt").write_text("kept")
    Library.erase(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lock", "unrelated.txt"]
    rebuilt = Library.open(tmp_path)
    with rebuilt.updating():
        rebuilt.add(years[2], _norm(reports[years[2]]))
    reader.refresh()
    assert set(reader.keys()) == {years[2]}


def test_the_set_phrase_table_counts_as_a_counter_does_across_its_tiers(monkeypatch):
    from collections import Counter

    import numpy as np

    monkeypatch.setattr(library_module, "_DELTA_MAX", 50)
    monkeypatch.setattr(library_module, "_PENDING_MAX", 4)
    rng = np.random.default_rng(3)
    table = library_module._Counts()
    expected: Counter[int] = Counter()
    added: list[np.ndarray] = []
    for step in range(300):
        if added and step % 5 == 0:  # take a source away again
            keys = added.pop(int(rng.integers(len(added))))
            table.add(keys, -np.ones(len(keys), dtype=np.int64))
            expected.subtract(keys.tolist())
        else:
            keys = np.unique(rng.integers(0, 400, size=int(rng.integers(1, 30))).astype(np.uint64))
            table.add(keys, np.ones(len(keys), dtype=np.int64))
            expected.update(keys.tolist())
            added.append(keys)
        probe = np.arange(400, dtype=np.uint64)
        assert table.lookup(probe).tolist() == [expected[k] for k in range(400)]
    table.merge()
    assert table.keys.tolist() == sorted(k for k, n in expected.items() if n)
