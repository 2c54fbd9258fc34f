"""Sensitive-word screening finds listed words through width, script and filler disguises, at original offsets."""

from __future__ import annotations

import random

from taolun.text.screen import Hit, Screen


def test_disguised_words_are_found_at_their_original_offsets():
    screen = Screen(["敏感词", "违禁品", "abc"])
    text = "前言：敏 感·詞，还有违—禁—品和ＡＢＣ。"
    hits = screen.find(text)
    assert [hit.word for hit in hits] == ["敏感词", "违禁品", "abc"]
    assert [text[hit.start : hit.end] for hit in hits] == ["敏 感·詞", "违—禁—品", "ＡＢＣ"]
    assert screen.words_in(text) == ["敏感词", "违禁品", "abc"]


def test_overlapping_and_nested_words_are_all_reported():
    screen = Screen(["he", "she", "his", "hers", "刷单", "刷单返利"])
    hits = screen.find("ushers 刷单返利")
    assert {(hit.word, hit.start, hit.end) for hit in hits} == {
        ("she", 1, 4),
        ("he", 2, 4),
        ("hers", 2, 6),
        ("刷单", 7, 9),
        ("刷单返利", 7, 11),
    }
    assert hits == sorted(hits, key=lambda h: (h.start, -h.end, h.word))


def test_listed_words_are_normalised_alike_and_empty_ones_set_aside():
    screen = Screen(["敏感詞", "敏感词", "  ", "·—·", "ＸＹ"])
    assert screen.words == ["敏感詞", "ＸＹ"]
    assert screen.ignored == ["  ", "·—·"]
    assert screen.find("这里有敏感词和xy") == [Hit("敏感詞", 3, 6), Hit("ＸＹ", 7, 9)]
    assert Screen([]).find("任何文字") == []
    assert Screen(["词"]).find("") == []


def test_the_automaton_agrees_with_a_plain_search():
    rng = random.Random(11)
    alphabet = "改革发展稳定民生就业ab"
    words = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(60)})
    screen = Screen(words)
    for _ in range(50):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        expected = {(w, i, i + len(w)) for w in words for i in range(len(text)) if text.startswith(w, i)}
        assert {(h.word, h.start, h.end) for h in screen.find(text)} == expected
