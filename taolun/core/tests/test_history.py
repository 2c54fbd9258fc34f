"""A record's versions from its audit entries: character diffs of Chinese text, labelled field changes,
ids shown as names, and the entries of one record only, oldest first."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taolun.core.history import DIFF_FROM, Piece, entries_of, entry_changes, text_diff, versions
from taolun.core.models import AuditEntry
from taolun.core.services import audit_record


def old_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op != "insert")


def new_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op != "delete")


def test_a_changed_word_in_a_chinese_sentence():
    pieces = text_diff("审批环节多、时限长", "审批环节少、时限长")
    assert pieces == [
        Piece("equal", "审批环节"),
        Piece("delete", "多"),
        Piece("insert", "少"),
        Piece("equal", "、时限长"),
    ]


def test_insertions_and_deletions_alone():
    assert text_diff("企业反映办事难", "企业群众反映办事难") == [
        Piece("equal", "企业"),
        Piece("insert", "群众"),
        Piece("equal", "反映办事难"),
    ]
    assert text_diff("老旧小区积水严重", "小区积水") == [
        Piece("delete", "老旧"),
        Piece("equal", "小区积水"),
        Piece("delete", "严重"),
    ]


def test_a_lone_matching_character_between_changes_is_folded_in():
    # "，" is all that the two clauses share between the rewritten parts: one deletion, one insertion.
    pieces = text_diff("时限长，企业反映办事难", "时限短，群众反映办事难")
    assert pieces == [
        Piece("equal", "时限"),
        Piece("delete", "长，企业"),
        Piece("insert", "短，群众"),
        Piece("equal", "反映办事难"),
    ]


def test_two_kept_characters_stay_kept():
    pieces = text_diff("甲乙丙丁戊", "子乙丙丑戊")
    assert Piece("equal", "乙丙") in pieces


def test_identical_and_empty_texts():
    assert text_diff("整改完成", "整改完成") == [Piece("equal", "整改完成")]
    assert text_diff("", "新增内容") == [Piece("insert", "新增内容")]
    assert text_diff("删除内容", "") == [Piece("delete", "删除内容")]
    assert text_diff("", "") == []


def test_lines_are_diffed_too():
    pieces = text_diff("第一条：走访\n第二条：座谈", "第一条：走访\n第二条：问卷\n第三条：座谈")
    assert old_text(pieces) == "第一条：走访\n第二条：座谈"
    assert new_text(pieces) == "第一条：走访\n第二条：问卷\n第三条：座谈"
    assert pieces[0] == Piece("equal", "第一条：走访\n第二条：")


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="审批环节多少时限长短，企业群众反映办事难的。\n", max_size=40),
    st.text(alphabet="审批环节多少时限长短，企业群众反映办事难的。\n", max_size=40),
)
def test_the_pieces_rebuild_both_texts(before, after):
    pieces = text_diff(before, after)
    assert old_text(pieces) == before
    assert new_text(pieces) == after
    assert all(p.text for p in pieces)
    # No two kept runs and no two changes of the same kind follow each other.
    for first, second in itertools.pairwise(pieces):
        assert first.op != second.op
        assert not (first.op == "insert" and second.op == "delete")


# —— changes of one entry ——


def entry(before, after, **fields) -> AuditEntry:
    return AuditEntry(action="x.update", before=before, after=after, **fields)


def test_changes_are_labelled_in_the_order_of_the_entry():
    changes = entry_changes(
        entry(
            {"standard": "", "deadline": "2025-01-01"},
            {"standard": "满意度90%", "deadline": "2025-02-01", "status": "confirmed"},
        ),
        {"standard": "整改标准", "deadline": "办结时限"},
    )
    assert [(c.name, c.label, c.before, c.after, c.diff) for c in changes] == [
        ("standard", "整改标准", "", "满意度90%", None),
        ("deadline", "办结时限", "2025-01-01", "2025-02-01", None),
        ("status", "status", None, "confirmed", None),  # no label given: the field's name
    ]


def test_long_texts_get_a_diff_short_ones_do_not():
    long_before = "问题：" + "审批环节多" * 6
    long_after = "问题：" + "审批环节少" + "审批环节多" * 5
    assert len(long_before) >= DIFF_FROM
    (change,) = entry_changes(entry({"content": long_before}, {"content": long_after}), {})
    assert change.diff is not None
    assert old_text(change.diff) == long_before and new_text(change.diff) == long_after
    (multiline,) = entry_changes(entry({"plan": "走访"}, {"plan": "走访\n座谈"}), {})
    assert multiline.diff == [Piece("equal", "走访"), Piece("insert", "\n座谈")]
    (same,) = entry_changes(entry({"content": long_before}, {"content": long_before}), {})
    assert same.diff is None
    (created,) = entry_changes(entry(None, {"content": long_after}), {})
    assert created.before is None and new_text(created.diff) == long_after


def test_show_turns_stored_ids_into_names():
    names = {1: "甲街道", 2: "乙街道"}

    def show(name, value):
        return names.get(value, value) if name == "unit" else value

    (change,) = entry_changes(entry({"unit": 1}, {"unit": 2}), {"unit": "责任单位"}, show)
    assert (change.label, change.before, change.after) == ("责任单位", "甲街道", "乙街道")


def test_entries_that_are_not_mappings_show_no_changes():
    assert entry_changes(entry(["a"], "b"), {}) == []


@pytest.mark.django_db
def test_the_versions_of_one_record_oldest_first(org):
    unit = org.street_a
    audit_record(
        actor=None, action="orgs.unit.update", obj=unit, before={"name": "甲街道"}, after={"name": "甲街道办事处"}
    )
    audit_record(actor=None, action="orgs.unit.update", obj=org.street_b, before={"name": "乙"}, after={"name": "丙"})
    audit_record(
        actor=org.user("admin"),
        action="orgs.unit.update",
        obj=unit,
        before={"name": "甲街道办事处"},
        after={"name": "甲街道"},
    )
    mine = entries_of(unit)
    assert all(e.object_id == str(unit.pk) and e.object_type == "orgs.Unit" for e in mine)
    rows = versions(mine.filter(action="orgs.unit.update"), {"name": "名称"})
    assert [(v.entry.actor, [(c.label, c.before, c.after) for c in v.changes]) for v in rows] == [
        (None, [("名称", "甲街道", "甲街道办事处")]),
        (org.user("admin"), [("名称", "甲街道办事处", "甲街道")]),
    ]
