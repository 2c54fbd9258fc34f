"""The detector on real government reports: spliced copies are caught with the right ratio, and
independent reports of the same register — full of shared set phrases (提法) — are not."""

from __future__ import annotations

import random

import pytest

from taolun.text.detect import Detector
from taolun.text.normalize import normalize
from taolun.text.splice import splice

from . import corpus


def _reports() -> dict[str, str]:
    return corpus.reports()


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


def test_an_exclusion_rule_removes_candidates(reports):
    detector = Detector()
    detector.add_reference("early", reports["1990"])
    detector.add_reference("late", reports["1990"])
    article = reports["1990"][2000:4000]
    asked: list[list[str]] = []

    def later(keys: list[str]) -> list[str]:
        asked.append(sorted(keys))
        return [key for key in keys if key == "late"]

    report = detector.check(article, exclude=later)
    assert [m.source for m in report.matches] == ["early"]
    assert asked == [["early", "late"]]
