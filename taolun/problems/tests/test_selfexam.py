"""Leaders' self-examination (把自己摆进去): saving replaces the items, submitting needs every aspect the plan
names, bad rows are reported by number and nothing is saved, and only the leader writes their own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.accounts.models import User
from taolun.core.models import AuditEntry
from taolun.problems.models import SelfExamination, SelfExaminationItem
from taolun.problems.selfexam import MAX_ITEMS, required_aspects, self_examination_save
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

ASPECTS = ["政治定力", "工作思路", "能力素质"]


def row(aspect: str, gap: str | None = None, measure: str | None = None, **extra) -> dict:
    return {"aspect": aspect, "gap": gap or f"{aspect}有差距", "measure": measure or f"加强{aspect}", **extra}


def stored_items(campaign, person) -> list[tuple[str, str, str, dt.date | None]]:
    return list(
        SelfExaminationItem.objects.filter(examination__campaign=campaign, examination__person=person)
        .order_by("order")
        .values_list("aspect", "gap", "measure", "deadline")
    )


def test_the_builtin_plan_asks_for_three_aspects(campaign):
    assert required_aspects(campaign) == ASPECTS


def test_saving_replaces_the_items(org, campaign, leader):
    by = org.user("leader")
    first = self_examination_save(campaign=campaign, person=leader, items=[row("政治定力"), row("工作思路")], by=by)
    assert first.submitted_at is None and first.unit == org.street_a
    second = self_examination_save(
        campaign=campaign, person=leader, items=[row("能力素质", deadline="2030-06-30")], by=by
    )
    assert second.pk == first.pk
    assert stored_items(campaign, leader) == [("能力素质", "能力素质有差距", "加强能力素质", dt.date(2030, 6, 30))]
    assert SelfExamination.objects.count() == 1 and SelfExaminationItem.objects.count() == 1
    saves = AuditEntry.objects.filter(action="problems.self_examination.save").order_by("id")
    assert [len(e.before["items"]) for e in saves] == [0, 2]
    assert saves.last().after["items"] == [
        {"aspect": "能力素质", "gap": "能力素质有差距", "measure": "加强能力素质", "deadline": "2030-06-30"}
    ]
    assert saves.last().after["submitted"] is False


def test_blank_rows_are_skipped_and_order_follows_the_rows(campaign, leader):
    self_examination_save(
        campaign=campaign,
        person=leader,
        items=[{"aspect": " ", "gap": "", "measure": ""}, row(" 工作思路 "), {}, row("政治定力")],
        by=None,
    )
    assert [a for a, *_ in stored_items(campaign, leader)] == ["工作思路", "政治定力"]


def test_submitting_needs_every_aspect(org, campaign, leader):
    with pytest.raises(ValidationError) as caught:
        self_examination_save(
            campaign=campaign, person=leader, items=[row("政治定力")], by=org.user("leader"), submit=True
        )
    message = caught.value.message_dict["items"][0]
    assert "工作思路" in message and "能力素质" in message and "政治定力" not in message
    assert SelfExamination.objects.count() == 0


def test_submitting_nothing_is_refused(campaign, leader):
    with pytest.raises(ValidationError) as caught:
        self_examination_save(campaign=campaign, person=leader, items=[], by=None, submit=True)
    assert "items" in caught.value.message_dict
    assert SelfExamination.objects.count() == 0


def test_submitting_hands_it_in_once(org, campaign, leader):
    items = [row(a) for a in ASPECTS]
    exam = self_examination_save(campaign=campaign, person=leader, items=items, by=org.user("leader"), submit=True)
    assert exam.submitted_at is not None
    entry = AuditEntry.objects.get(action="problems.self_examination.submit")
    assert entry.after["submitted"] is True and entry.object_repr == "王局长"
    again = self_examination_save(
        campaign=campaign, person=leader, items=[*items, row("廉洁自律")], by=org.user("leader"), submit=True
    )
    assert again.submitted_at == exam.submitted_at
    assert len(stored_items(campaign, leader)) == 4


def test_bad_rows_are_reported_by_number_and_nothing_is_saved(campaign, leader):
    self_examination_save(campaign=campaign, person=leader, items=[row("政治定力")], by=None)
    audit = AuditEntry.objects.count()
    rows = [
        row("工作思路"),  # 1: fine
        {"aspect": "能力素质", "gap": "", "measure": "加强学习"},  # 2: no gap
        {},  # 3: blank, skipped
        row("政治定力", deadline="明年"),  # 4: not a date
        row("政" * 61),  # 5: aspect too long
        {"aspect": "", "gap": "有差距", "measure": ""},  # 6: no aspect, no measure
    ]
    with pytest.raises(ValidationError) as caught:
        self_examination_save(campaign=campaign, person=leader, items=rows, by=None)
    errors = caught.value.message_dict["items"]
    assert len(errors) == 4
    assert errors[0].startswith("第 2 项") and "存在差距" in errors[0]
    assert errors[1].startswith("第 4 项") and "明年" in errors[1]
    assert errors[2].startswith("第 5 项")
    assert errors[3].startswith("第 6 项") and "方面" in errors[3] and "整改措施" in errors[3]
    assert stored_items(campaign, leader) == [("政治定力", "政治定力有差距", "加强政治定力", None)]
    assert AuditEntry.objects.count() == audit


def test_too_many_items_are_refused(campaign, leader):
    with pytest.raises(ValidationError) as caught:
        self_examination_save(
            campaign=campaign, person=leader, items=[row(f"方面{i}") for i in range(MAX_ITEMS + 1)], by=None
        )
    assert str(MAX_ITEMS) in caught.value.message_dict["items"][-1]
    assert SelfExamination.objects.count() == 0


@pytest.mark.parametrize("role", ["admin", "office", "liaison", "cadre", "owner", "other_leader"])
def test_only_the_leader_writes_their_own(org, campaign, leader, owner, role):
    if role == "other_leader":
        colleague = PersonFactory(
            unit=org.street_a, name="副局长", is_leading_cadre=True, user=User.objects.create(username="colleague")
        )
        user = colleague.user
    else:
        user = org.user(role)
    with pytest.raises(PermissionDenied):
        self_examination_save(campaign=campaign, person=leader, items=[row("政治定力")], by=user)
    assert SelfExamination.objects.count() == 0


def test_a_person_who_is_not_a_leading_cadre_has_none(org, campaign):
    with pytest.raises(ValidationError):
        self_examination_save(campaign=campaign, person=org.person_a, items=[row("政治定力")], by=None)
    with pytest.raises(PermissionDenied):
        self_examination_save(campaign=campaign, person=org.person_a, items=[row("政治定力")], by=org.user("cadre"))
    assert SelfExamination.objects.count() == 0


def test_the_office_covering_the_leader_reads_it(org_mixed_roles, campaign, leader):
    org = org_mixed_roles
    exam = self_examination_save(campaign=campaign, person=leader, items=[row("政治定力")], by=None)
    fresh = {role: User.objects.get(pk=org.user(role).pk) for role in ("office", "office_a", "admin", "liaison")}
    assert fresh["office"].has_perm("problems.view_self_examination", exam)
    assert fresh["office_a"].has_perm("problems.view_self_examination", exam)
    assert fresh["admin"].has_perm("problems.view_self_examination", exam)
    assert not fresh["liaison"].has_perm("problems.view_self_examination", exam)
    assert User.objects.get(pk=org.user("leader").pk).has_perm("problems.view_self_examination", exam)
