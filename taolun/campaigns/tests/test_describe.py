"""Plain-language descriptions of requirements: every fixed word, separators included, goes through gettext."""

from __future__ import annotations

from taolun.campaigns.describe import describe_applies_to, describe_evidence


def test_people_and_units_are_described_in_chinese():
    assert describe_applies_to({"people": {"roles": ["leading_cadre", "party_member"]}}) == "每名领导干部或党员"
    assert describe_applies_to({"units": {"kinds": ["street", "department"], "tags": ["试点"]}}) == (
        "街道乡镇、部门，带“试点”标签的单位"
    )
    assert describe_evidence({"kind": "article", "status": ["approved", "excellent"]}) == (
        "心得体会文章 1 篇（审核通过、优秀）"
    )


def test_alternatives_and_lists_are_joined_through_gettext(en_catalogue):
    en_catalogue(
        {
            "每名%(roles)s": "every %(roles)s",
            "领导干部": "leading cadre",
            "党员": "party member",
            "separator between alternatives\x04或": " or ",
            "separator between items of a list\x04、": ", ",
            "separator between conditions that all hold\x04，": "; ",
            "街道乡镇": "street",
            "部门": "department",
            "带“%(tags)s”标签的单位": "units tagged %(tags)s",
        }
    )
    assert describe_applies_to({"people": {"roles": ["leading_cadre", "party_member"]}}) == (
        "every leading cadre or party member"
    )
    assert describe_applies_to({"units": {"kinds": ["street", "department"], "tags": ["a", "b"]}}) == (
        "street, department; units tagged a, b"
    )
