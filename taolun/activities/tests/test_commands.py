"""``taolun activity …``: list, attendance sheet, meeting record and coverage from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from taolun.activities import checkin

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_list_shows_activities_with_attendance(org, make_activity, invite, campaign):
    activity = make_activity(title="甲街道集中学习")
    make_activity(unit=org.street_b, title="乙街道集中学习")
    invite(activity, org.person_a)
    checkin.attendance_mark(activity=activity, present=[org.person_a.pk], by=None)
    out = run("activity", "list", "--campaign", campaign.slug, "--unit", "S-A")
    assert "甲街道集中学习" in out and "1/1" in out
    assert "乙街道集中学习" not in out


def test_attendance_and_record_files_are_written(org, make_activity, invite, tmp_path):
    activity = make_activity(title="专题研讨会")
    invite(activity, org.person_a)
    sheet, record = tmp_path / "a.xlsx", tmp_path / "r.pdf"
    run("activity", "attendance", str(activity.pk), "-o", str(sheet))
    run("activity", "record", str(activity.pk), "-o", str(record))
    rows = [[c for c in row if c is not None] for row in load_workbook(sheet).active.iter_rows(values_only=True)]
    assert any("张三" in row for row in rows)
    assert any("13800001234" in row for row in rows)  # the operator's console is not masked
    assert record.read_bytes().startswith(b"%PDF")


def test_bad_arguments_say_what_is_wrong(org, campaign, tmp_path):
    with pytest.raises(CommandError, match="没有编号为 999999 的活动"):
        run("activity", "record", "999999", "-o", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="没有单位代码为“NOPE”的单位"):
        run("activity", "list", "--unit", "NOPE")
    with pytest.raises(CommandError, match="日期“2018-13-01”无效"):
        run("activity", "list", "--since", "2018-13-01")


def test_coverage_lists_the_leaders_not_yet_trained(org, make_activity, invite, campaign):
    training = make_activity(unit=org.district, kind="training", batch=1, title="专题培训第一期")
    invite(training, org.person_b)
    out = run("activity", "coverage", "--campaign", campaign.slug, "--unit", "D001")
    assert "领导干部 1 人，已参加培训 0 人" in out and "✗ 李四" in out
    checkin.attendance_mark(activity=training, present=[org.person_b.pk], by=None)
    out = run("activity", "coverage", "--campaign", campaign.slug, "--unit", "D001")
    assert "已参加培训 1 人（100%）" in out and "✗" not in out


def test_recount_restores_the_stored_counts(org, make_activity, invite, campaign):
    from taolun.activities.models import Activity

    activity = make_activity(title="专题研讨会")
    invite(activity, org.person_a)
    checkin.attendance_mark(activity=activity, present=[org.person_a.pk], by=None)
    Activity.objects.filter(pk=activity.pk).update(invited_count=0, present_count=0)
    assert "已重新统计 1 项活动" in run("activity", "recount", "--campaign", campaign.slug)
    activity.refresh_from_db()
    assert (activity.invited_count, activity.present_count) == (1, 1)
