"""Normalisation folds what a copier changes cheaply, and every character finds its way back."""

from __future__ import annotations

from taolun.text.normalize import normalize

from . import corpus


def test_full_width_letters_and_digits_become_half_width_and_lower_case():
    assert normalize("ＧＤＰ增长７．５％").text == "gdp增长75"


def test_traditional_characters_become_simplified():
    assert normalize("經濟發展，穩中求進。").text == "经济发展稳中求进"


def test_punctuation_whitespace_and_symbols_are_dropped():
    assert normalize("“一、 坚持——改革！”\n（二）《报告》…… ★ a-b, c.").text == "一坚持改革二报告abc"
    assert normalize(" \t\n，。、；：！？").text == ""


def test_offsets_point_at_the_original_characters():
    original = "  一、發展ＧＤＰ，\n 穩中求進。"
    norm = normalize(original)
    assert norm.text == "一发展gdp稳中求进"
    assert len(norm.offsets) == len(norm.text)
    assert [original[i] for i in norm.offsets] == list("一發展ＧＤＰ穩中求進")
    assert norm.original_span(1, 3) == (4, 6)


def test_offsets_round_trip_on_a_real_report():
    original = corpus.report("2010")
    norm = normalize(original)
    assert len(norm.text) > 15000
    assert norm.offsets == sorted(set(norm.offsets))
    # Each normalised character is its original character, folded the same way.
    assert "".join(normalize(original[i]).text for i in norm.offsets) == normalize(norm.text).text == norm.text
