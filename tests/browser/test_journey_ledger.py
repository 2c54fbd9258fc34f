"""From research to 销号, in the browser: a leader registers a research topic, posts progress and reports it;
an opinion gathered on an inspection becomes a problem; the street liaison completes its five clarities and
sets a measure that is already overdue, which shows red; the work is done with evidence; the office
verifies and closes the problem; and the exported 台账 holds it in the standard columns.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from taolun.activities import records
from taolun.activities.tests import conftest as activity_fixtures
from taolun.problems.models import Problem, ProblemStatus
from taolun.problems.tests import conftest as ledger_fixtures
from taolun.research.models import ResearchTopic, TopicStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The activities' and the ledger's own fixtures.
campaign, make_activity, media = activity_fixtures.campaign, activity_fixtures.make_activity, activity_fixtures.media
leader, owner = ledger_fixtures.leader, ledger_fixtures.owner

STANDARD_COLUMNS = [
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


def sign_in_as(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def day(offset: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def test_from_research_topic_to_a_closed_problem_in_the_exported_ledger(
    org, campaign, make_activity, media, leader, owner, page
):
    # —— the leader's research topic ——
    sign_in_as(page, "leader")
    page.goto("/research/mine/")
    page.get_by_label("课题名称").fill("优化营商环境、压缩审批时限调研")
    page.get_by_label("讨论主题").select_option(label=campaign.themes.order_by("order").first().title)
    page.get_by_label("联系点").select_option(org.community_a.code)
    page.get_by_label("调研计划").fill("走访企业20家，召开座谈会2次")
    page.get_by_role("button", name="保存草稿").click()
    page.get_by_role("link", name="登记课题").click()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_text("已登记").first).to_be_visible()
    page.get_by_text("记录进展", exact=True).click()
    page.get_by_label("进展情况").fill("走访企业5家，收集意见12条")
    page.get_by_role("button", name="保存进展").click()
    expect(page.get_by_text("走访企业5家，收集意见12条")).to_be_visible()
    page.get_by_role("link", name="报送调研报告").click()
    page.get_by_label("调研发现").fill("企业反映审批环节多、时限长")
    page.get_by_label("对策建议").fill("推行一网通办，审批时限压缩一半")
    page.get_by_role("button", name="报送").click()
    expect(page.get_by_text("已报送").first).to_be_visible()
    topic = ResearchTopic.objects.get(leader=leader)
    assert topic.status == TopicStatus.REPORTED and topic.updates.count() == 1

    # —— an inspection opinion becomes a problem ——
    visit = make_activity(kind="inspection", title="营商环境视察")
    records.opinion_add(activity=visit, content="企业反映开办审批要跑多个窗口", by=None)
    sign_in_as(page, "liaison")
    page.goto(f"/activities/{visit.pk}/")
    page.get_by_role("button", name="转为问题").click()
    page.wait_for_url(lambda url: "/problems/" in url)
    problem = Problem.objects.get(opinion__activity=visit)
    assert problem.status == ProblemStatus.FOUND and problem.source == "inspection"

    # —— the liaison completes the five clarities and sets a measure already overdue ——
    page.get_by_role("link", name="修改问题").click()
    page.get_by_label("责任人").select_option(str(owner.pk))
    page.get_by_label("整改标准").fill("开办审批一窗受理、一日办结")
    page.get_by_label("办结时限").fill(day(20))
    page.get_by_role("button", name="保存").click()
    page.get_by_text("添加整改措施").click()
    measures = page.locator("#measures")
    measures.get_by_label("整改措施").fill("设立开办企业综合窗口")
    measures.get_by_label("开始日期").fill(day(-20))
    measures.get_by_label("完成时限").fill(day(-1))
    measures.get_by_role("button", name="添加").click()
    expect(measures.get_by_text("设立开办企业综合窗口")).to_be_visible()
    expect(measures.locator("tbody").first.get_by_text("逾期")).to_be_visible()
    page.get_by_role("button", name="确认问题").click()
    expect(page.get_by_text("问题已确认").first).to_be_visible()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CONFIRMED and problem.measure_count == 1

    # —— the work is done, with evidence ——
    page.get_by_text("报告进展").click()
    measures.get_by_label("进度（%）").fill("100")
    measures.get_by_label("进展情况").fill("综合窗口已运行")
    measures.get_by_label("佐证材料").set_input_files(
        files=[{"name": "窗口照片.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%test\n"}]
    )
    measures.get_by_role("button", name="提交进展").click()
    expect(measures.get_by_text("综合窗口已运行")).to_be_visible()
    page.reload()
    page.get_by_text("整改完成，申请核验销号").first.click()
    page.get_by_label("完成情况").fill("开办企业审批由5天压缩到1天")
    page.get_by_role("button", name="整改完成，申请核验销号").click()
    expect(page.get_by_text("已提交核验销号").first).to_be_visible()

    # —— the office verifies and closes it, then exports the ledger ——
    sign_in_as(page, "office")
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_text("核验通过，销号").first.click()
    page.get_by_label("核验意见").fill("现场核验属实")
    page.get_by_label("在公开台账中公布").check()
    page.get_by_role("button", name="核验通过，销号").click()
    expect(page.get_by_text("问题已销号").first).to_be_visible()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CLOSED and problem.is_public

    page.goto("/problems/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出台账").click()
    data = download_info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "序号")
    header = list(rows[header_at])
    assert header[: len(STANDARD_COLUMNS)] == STANDARD_COLUMNS
    row = dict(
        zip(header, next(r for r in rows[header_at + 1 :] if r[1] == "企业反映开办审批要跑多个窗口"), strict=False)
    )
    assert row["问题来源"] == "视察意见"
    assert row["责任单位"] == org.street_a.name
    assert row["责任人"] == owner.name
    assert "设立开办企业综合窗口" in row["整改措施"]
    assert "100" in row["整改进展"]
    assert row["完成情况"] == "开办企业审批由5天压缩到1天"
    assert row["销号时间"] is not None
