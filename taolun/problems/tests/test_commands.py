"""``taolun problem …``: list, export and import the ledger from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from taolun.problems.models import Problem

from .conftest import days

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "问题内容",
    "问题来源",
    "责任单位",
    "责任人",
    "整改措施",
    "整改时限",
    "整改进展",
    "完成情况",
    "销号时间",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write_ledger(path, *rows: list[object]) -> str:
    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    workbook.save(path)
    return str(path)


def test_list_shows_problems_with_status_light_and_progress(org, campaign, make_problem):
    make_problem(content="甲街道的问题", confirmed=True)
    make_problem(unit=org.street_b, content="乙街道的问题")
    out = run("problem", "list", "--campaign", campaign.slug, "--unit", "S-A")
    assert "甲街道的问题" in out and "已确认" in out and "0%" in out and "乙街道的问题" not in out
    assert "共 1 个问题，显示 1 个" in out
    out = run("problem", "list", "--status", "found", "--limit", "0")
    assert "共 1 个问题，显示 0 个" in out


def test_list_by_light(org, campaign, make_problem):
    make_problem(
        content="逾期的问题", confirmed=True, deadline=days(10), measure_deadline=days(-1), starts_on=days(-20)
    )
    make_problem(content="正常的问题", confirmed=True, deadline=days(60))
    out = run("problem", "list", "--light", "red")
    assert "逾期的问题" in out and "正常的问题" not in out


def test_export_writes_the_ledger(org, campaign, make_problem, tmp_path):
    make_problem(content="甲街道的问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    target = tmp_path / "台账.xlsx"
    out = run("problem", "export", "--campaign", campaign.slug, "--unit", "S-B", "-o", str(target))
    assert "已写入" in out
    ws = load_workbook(target).worksheets[0]
    assert [c.value for c in ws[3]][:10] == HEADER
    assert [r[1] for r in ws.iter_rows(min_row=4, values_only=True)] == ["乙街道的问题"]


def test_import_writes_every_row(org, campaign, tmp_path):
    path = write_ledger(tmp_path / "l.xlsx", [1, "问题一", "自查", "甲街道"], [2, "问题二", "督导检查", "C-A1"])
    out = run("problem", "import", path, "--campaign", campaign.slug, "--unit", "S-A")
    assert "已导入 2 个问题、0 项整改措施（已查摆 2）" in out
    assert Problem.objects.count() == 2


def test_dry_run_writes_nothing(org, campaign, tmp_path):
    path = write_ledger(tmp_path / "l.xlsx", [1, "问题一", "自查", "甲街道"])
    out = run("problem", "import", path, "--campaign", campaign.slug, "--unit", "S-A", "--dry-run")
    assert "检查通过（仅检查，未写入）：1 个问题" in out
    assert Problem.objects.count() == 0


def test_a_bad_ledger_prints_each_bad_row_and_fails(org, campaign, tmp_path):
    path = write_ledger(
        tmp_path / "l.xlsx",
        [1, "问题一", "自查", "乙街道"],
        [2, "问题二", "不知道", "甲街道"],
        [3, "好的", "自查", "甲街道"],
    )
    out = StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误，未写入任何数据"):
        call_command("problem", "import", path, "--campaign", campaign.slug, "--unit", "S-A", stdout=out)
    printed = out.getvalue()
    assert "第 2 行［责任单位］" in printed and "第 3 行［问题来源］" in printed
    assert Problem.objects.count() == 0


def test_bad_arguments_say_what_is_wrong(org, campaign, tmp_path):
    path = write_ledger(tmp_path / "l.xlsx", [1, "问题一", "自查", "甲街道"])
    with pytest.raises(CommandError, match="没有标识为“nope”的大讨论活动"):
        run("problem", "import", path, "--campaign", "nope", "--unit", "S-A")
    with pytest.raises(CommandError, match="没有单位代码为“NOPE”的单位"):
        run("problem", "list", "--unit", "NOPE")
    with pytest.raises(CommandError, match="不存在"):
        run("problem", "import", str(tmp_path / "missing.xlsx"), "--campaign", campaign.slug, "--unit", "S-A")
    with pytest.raises(CommandError, match="不存在"):
        run("problem", "export", "--campaign", campaign.slug, "-o", str(tmp_path / "no" / "x.xlsx"))
    not_xlsx = tmp_path / "x.xlsx"
    not_xlsx.write_bytes(b"plain text")
    with pytest.raises(CommandError, match="1 处错误"):
        run("problem", "import", str(not_xlsx), "--campaign", campaign.slug, "--unit", "S-A")
