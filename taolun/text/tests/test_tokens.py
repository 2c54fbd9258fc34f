"""Search tokens: Han bigrams and whole Latin words, the same for texts and queries, with highlights."""

from __future__ import annotations

from taolun.text.tokens import highlight, index_text, query_tokens, tokens


def test_han_text_becomes_overlapping_bigrams_and_latin_runs_words():
    assert tokens("小区停车难") == ["小区", "区停", "停车", "车难"]
    assert tokens("建议在5G基站附近") == ["建议", "议在", "5g", "基站", "站附", "附近"]
    assert tokens("路。灯") == ["路灯"]  # punctuation is dropped before cutting, as the detector does
    assert tokens("难") == ["难"]
    assert tokens("") == [] and tokens("，。！") == []


def test_disguised_texts_index_as_their_plain_form():
    assert index_text("小區停車難") == index_text("小区停车难") == "小区 区停 停车 车难"
    assert tokens("ＷｉＦｉ覆盖") == ["wifi", "覆盖"]


def test_a_query_finds_the_same_tokens_in_any_text_that_holds_it():
    text = "我们小区的停车难问题已经反映多次，希望尽快解决停车难。"
    wanted = query_tokens("停车难")
    assert wanted == ["停车", "车难"]
    assert set(wanted) <= set(tokens(text))
    assert len(query_tokens("改革" * 100)) <= 32


def test_highlight_marks_the_original_text():
    text = "小區 停車難，停车位少"
    spans = highlight(text, "停车难")
    assert [text[a:b] for a, b in spans] == ["停車難", "停车"]
    assert highlight(text, "，。") == []
    assert highlight("", "停车") == []
