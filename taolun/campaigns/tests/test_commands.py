"""``taolun plan …`` and ``taolun campaign …`` run as the system and say what they did."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taolun.campaigns.models import Campaign, CampaignStatus, Plan
from taolun.core.models import AuditEntry

from .conftest import plan_data, plan_yaml


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> tuple[CommandError, str]:
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=StringIO(), stderr=err)
    return caught.value, err.getvalue()


def test_plan_validate_accepts_the_builtin_plan(db):
    out, _ = run("plan", "validate", "xihu-2018")
    assert "有效" in out and "6 个主题、3 个阶段、15 项工作要求" in out


def test_plan_validate_lists_each_bad_key_and_exits_with_1(tmp_path, db):
    data = plan_data()
    data["themes"][0]["questoin"] = "x"
    data["requirements"] = [
        {
            "key": "r",
            "title": "R",
            "stage": "s",
            "due": "2018-11-01",
            "applies_to": {"people": {"roles": ["boss"]}},
            "evidence": {"kind": "article"},
        }
    ]
    path = tmp_path / "bad.yaml"
    path.write_text(plan_yaml(data), encoding="utf-8")
    error, err = fails("plan", "validate", str(path))
    assert error.returncode == 1
    assert "themes[0] (theme-1).questoin: unknown key" in err
    assert "requirements[0] (r).applies_to.people.roles[0]" in err
    assert "2 处错误" in str(error)


def test_plan_validate_of_a_missing_file_says_so(db):
    error, err = fails("plan", "validate", "/nonexistent/plan.yaml")
    assert error.returncode == 1 and "no built-in plan or file named '/nonexistent/plan.yaml'" in err
    assert "xihu-2018" in err


def test_plan_load_is_idempotent_and_refuses_changed_text_under_the_same_version(tmp_path, db):
    path = tmp_path / "p.yaml"
    path.write_text(plan_yaml(plan_data(key="p")), encoding="utf-8")
    assert "已载入方案 p 第 1 版" in run("plan", "load", str(path))[0]
    assert "内容相同，未作改动" in run("plan", "load", str(path))[0]
    changed = plan_data(key="p")
    changed["title"] = "改了"
    path.write_text(plan_yaml(changed), encoding="utf-8")
    error, err = fails("plan", "load", str(path))
    assert error.returncode == 1 and "version" in err
    assert Plan.objects.count() == 1
    assert AuditEntry.objects.get(action="campaigns.plan.load").actor is None


def test_plan_list_shows_builtin_and_loaded_plans(db):
    run("plan", "load", "xihu-2018")
    out, _ = run("plan", "list")
    assert out.count("xihu-2018") == 2 and "[内置]" in out


def test_plan_schema_prints_json_schema(db):
    schema = json.loads(run("plan", "schema")[0])
    assert {"themes", "stages", "requirements", "period"} <= set(schema["properties"])


def test_campaign_create_activate_list_and_close(org):
    out, _ = run(
        "campaign",
        "create",
        "--plan",
        "xihu-2018",
        "--root",
        "D001",
        "--slug",
        "xihu-2019",
        "--start",
        "2019-03-01",
        "--end",
        "2019-05-31",
        "--title",
        "溪湖区2019年大讨论",
        "--activate",
    )
    assert "已创建活动 xihu-2019（进行中）" in out and "2019-03-01 — 2019-03-25  深入学习研讨" in out
    campaign = Campaign.objects.get(slug="xihu-2019")
    assert campaign.title == "溪湖区2019年大讨论" and campaign.created_by is None
    assert "xihu-2019  [进行中]" in run("campaign", "list")[0]
    assert "已结束" in run("campaign", "close", "xihu-2019")[0]
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED
    assert "已启动" in run("campaign", "activate", "xihu-2019")[0]


def test_campaign_create_from_a_file(org, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(plan_yaml(plan_data(key="file-plan")), encoding="utf-8")
    run("campaign", "create", "--plan", str(path), "--root", "S-A", "--slug", "street", "--start", "2019-01-01")
    campaign = Campaign.objects.get(slug="street")
    assert campaign.plan.key == "file-plan" and campaign.root_unit == org.street_a
    assert campaign.status == CampaignStatus.DRAFT


def test_campaign_create_reports_each_problem_and_creates_nothing(org):
    error, err = fails(
        "campaign",
        "create",
        "--plan",
        "xihu-2018",
        "--root",
        "D001",
        "--slug",
        "x",
        "--start",
        "2019-03-01",
        "--end",
        "2019-01-01",
    )
    assert error.returncode == 1 and "end_date:" in err
    assert not Campaign.objects.exists() and not Plan.objects.exists()


def test_campaign_create_refuses_unknown_unit_and_bad_date(org):
    error, _ = fails(
        "campaign", "create", "--plan", "xihu-2018", "--root", "NOPE", "--slug", "x", "--start", "2019-03-01"
    )
    assert "NOPE" in str(error)
    error, _ = fails(
        "campaign", "create", "--plan", "xihu-2018", "--root", "D001", "--slug", "x", "--start", "2019-3-1x"
    )
    assert "YYYY-MM-DD" in str(error)


def test_invalid_transitions_and_unknown_slugs_are_explained(org):
    run("campaign", "create", "--plan", "xihu-2018", "--root", "D001", "--slug", "x", "--start", "2019-03-01")
    error, _ = fails("campaign", "close", "x")
    assert "筹备中" in str(error)
    error, _ = fails("campaign", "activate", "nowhere")
    assert "nowhere" in str(error)
