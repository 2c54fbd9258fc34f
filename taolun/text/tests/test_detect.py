"""The detector on real government reports: spliced copies are caught with the right ratio, and
independent reports of the same register — full of shared set phrases (提法) — are not."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest

from taolun.text.detect import Detector
from taolun.text.normalize import normalize

from . import corpus

SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def _reports() -> dict[str, str]:
    return corpus.reports()


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


@cache
def _to_traditional(char: str) -> str:
    converted: str = _s2t().convert(char)
    return converted if len(converted) == 1 else char


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.findall(text) if len(re.sub(r"\W", "", s)) >= 10]


def _edit(sentence: str, rng: random.Random) -> str:
    """What a copier does: punctuation to the other width, some characters traditional, a word swapped."""
    chars = []
    for char in sentence:
        roll = rng.random()
        if char == "，" and roll < 0.3:
            char = ", "
        elif char == "。" and roll < 0.3:
            char = "."
        elif "0" <= char <= "9" and roll < 0.5:
            char = chr(ord(char) + 0xFEE0)
        elif "０" <= char <= "９" and roll < 0.5:
            char = chr(ord(char) - 0xFEE0)
        elif roll < 0.05:
            char = _to_traditional(char)
        chars.append(char)
    edited = "".join(chars)
    if len(edited) > 20 and rng.random() < 0.2:
        at = rng.randrange(4, len(edited) - 8)
        edited = edited[:at] + edited[at + 2 : at + 4] + edited[at : at + 2] + edited[at + 4 :]
    return edited


def splice(source: str, own: str, share: float, rng: random.Random, sentences: int = 60) -> tuple[str, float]:
    """An article of ``share`` of its sentences from ``source``, the rest from ``own``, lightly edited
    and reordered; returns it with its true copied share of normalised characters."""
    copied_from, own_from = _sentences(source), _sentences(own)
    copied_count = round(sentences * share)
    start = rng.randrange(len(copied_from) - copied_count)
    parts = [(s, True) for s in copied_from[start : start + copied_count]]
    parts += [(s, False) for s in rng.sample(own_from, sentences - copied_count)]
    rng.shuffle(parts)
    lengths = [(len(normalize(s).text), copied) for s, copied in parts]
    true_share = sum(n for n, copied in lengths if copied) / sum(n for n, _ in lengths)
    return "".join(_edit(s, rng) for s, _ in parts), true_share


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return _reports()


@pytest.fixture(scope="module")
def detector(reports) -> Detector:
    detector = Detector()
    for year, text in reports.items():
        if year < "2000":
            detector.add_reference(year, text)
    return detector


def test_spliced_articles_are_flagged_with_the_true_ratio(reports, detector):
    rng = random.Random(5)
    references = [year for year in reports if year < "2000"]
    originals = [year for year in reports if year >= "2000"]
    errors = []
    for share in (0.5, 0.5, 0.35, 0.6, 0.75, 0.9):
        source, own = rng.choice(references), rng.choice(originals)
        article, true_share = splice(reports[source], reports[own], share, rng)
        report = detector.check(article)
        assert report.flagged, (source, own, true_share, report.ratio)
        assert report.matches[0].source == source
        assert abs(report.ratio - true_share) <= 0.1, (source, own, true_share, report.ratio)
        errors.append(abs(report.ratio - true_share))
    assert sum(errors) / len(errors) <= 0.05


def test_spans_are_original_offsets_of_the_copied_text(reports, detector):
    source = reports["1996"]
    copied = source[3000:3600]
    article = "我认真学习了这份报告，体会很深。" + copied + "今后要结合本职工作抓好落实。"
    report = detector.check(article)
    match = report.matches[0]
    assert match.source == "1996"
    [[start, end, source_start, source_end]] = match.spans
    assert article[start:end] in copied
    assert len(article[start:end]) > 550
    assert normalize(article[start:end]).text == normalize(source[source_start:source_end]).text


def test_independent_reports_of_other_years_are_not_flagged(reports, detector):
    for year, text in reports.items():
        if year >= "2000":
            report = detector.check(text)
            assert not report.flagged, (year, report.ratio, [(m.source, m.ratio) for m in report.matches[:3]])


def test_set_phrases_alone_do_not_make_a_copy():
    phrases = "坚持以经济建设为中心坚持四项基本原则坚持改革开放全面建设小康社会"
    detector = Detector(common_df=3)
    for n in range(6):
        detector.add_reference(
            f"r{n}", f"第{n}号文件。" + phrases + "。" + f"本文件的独有内容编号{n}在这里写成很长的一段话"
        )
    report = detector.check("心得：" + phrases + "。我自己的体会是要把学习成果转化为实际行动。")
    assert report.ratio == 0
    assert report.matches == []


def test_excluded_key_and_empty_text():
    detector = Detector()
    text = "要把发展经济的着力点放在实体经济上深化供给侧结构性改革增强创新能力和竞争力"
    detector.add_reference("me", text)
    assert detector.check(text).ratio == 1.0
    assert detector.check(text, exclude_key="me").matches == []
    assert detector.check("。，！ \n").ratio == 0.0


def test_many_references_go_through_the_lsh_index(reports):
    rng = random.Random(7)
    detector = Detector(all_candidates_below=0)
    for year, text in reports.items():
        if year < "2000":
            detector.add_reference(year, text)
    article, true_share = splice(reports["1988"], reports["2010"], 0.5, rng)
    report = detector.check(article)
    assert report.flagged
    assert report.matches[0].source == "1988"
    assert abs(report.ratio - true_share) <= 0.1
