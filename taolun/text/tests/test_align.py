"""Alignment finds the shared passages, across small edits, and nothing else."""

from __future__ import annotations

from taolun.text.align import passages
from taolun.text.normalize import normalize

from . import corpus


def test_finds_a_shared_passage_at_its_offsets():
    shared = "坚持以经济建设为中心全面深化改革扩大对外开放"
    a = "我们单位认真学习" + shared + "取得了明显成效"
    b = "报告指出" + shared + "推动高质量发展"
    assert passages(a, b) == [(8, 8 + len(shared), 4, 4 + len(shared))]


def test_short_coincidences_are_not_passages():
    assert passages("今天我们学习了报告内容非常好", "明天他们学习了报告然后讨论", min_len=12) == []


def test_a_changed_character_or_swapped_word_does_not_split_the_passage():
    b = "要把发展经济的着力点放在实体经济上深化供给侧结构性改革增强创新能力和竞争力"
    a = "要把发展经济的着力点放在实体经济上深化供给侧结构性改革提高创新能力和竞争力"
    assert passages(a, b) == [(0, len(a), 0, len(b))]
    swapped = "要把发展经济的着力点放在经济实体上深化供给侧结构性改革增强创新能力和竞争力"
    [(a0, a1, b0, b1)] = passages(swapped, b)
    assert (a0, a1, b0, b1) == (0, len(swapped), 0, len(b))


def test_finds_a_known_passage_between_real_reports():
    source = normalize(corpus.report("2010")).text
    copied = source[5000:5400]
    article = "我认真学习了政府工作报告" * 3 + copied + "深受教育很有启发" * 3
    found = passages(article, source)
    start = len("我认真学习了政府工作报告") * 3
    assert (start, start + 400, 5000, 5400) in found
    assert sum(p[1] - p[0] for p in found) < 420
