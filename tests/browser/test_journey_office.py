"""The office's main journey on a phone: set up a campaign from the built-in plan on new dates, start it,
see it on the home page, give a street a liaison and take the role back, and find all of it in the audit log.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns.models import Campaign, CampaignStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUILTIN_PLAN_TITLE = "关于在全区开展“解放思想推动高质量发展大讨论”的实施方案"


def open_from_menu(page: Page, label: str) -> None:
    """Open the phone menu and follow one of its links, waiting until that page has loaded."""
    page.get_by_role("button", name="菜单").click()
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    path = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def test_office_sets_up_and_starts_a_campaign_assigns_a_liaison_and_reads_the_audit_log(org, page, sign_in):
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=10), today + dt.timedelta(days=70)
    sign_in("office")

    # 活动方案 → create a campaign from the built-in plan for the district on new dates.
    open_from_menu(page, "活动方案")
    expect(page.get_by_role("heading", name="大讨论活动", level=1)).to_be_visible()
    page.get_by_role("link", name="按方案创建活动").click()
    page.wait_for_url("**/campaigns/new/")
    page.get_by_label("实施方案").select_option(label=f"{BUILTIN_PLAN_TITLE}（内置 xihu-2018）")
    page.get_by_label("组织范围（单位代码）").fill("D001")
    page.get_by_label("活动标识").fill("shiqu-2025")
    page.get_by_label("活动标题").fill("示例区解放思想大讨论")
    page.get_by_label("开始日期").fill(start.isoformat())
    page.get_by_label("结束日期").fill(end.isoformat())
    page.get_by_role("button", name="创建活动").click()
    page.wait_for_url("**/campaigns/shiqu-2025/")
    expect(
        page.get_by_role("status").filter(has_text="已按方案创建活动“示例区解放思想大讨论”（筹备中）")
    ).to_be_visible()

    # It is in the list, still in preparation.
    open_from_menu(page, "活动方案")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="示例区解放思想大讨论"))
    expect(row).to_contain_text("筹备中")
    expect(row).to_contain_text(f"{start.isoformat()} — {end.isoformat()}")
    expect(row).to_contain_text("示例区")

    # Start it (启动).
    row.get_by_role("link", name="示例区解放思想大讨论").click()
    page.get_by_role("button", name="启动活动").click()
    expect(page.get_by_role("status").filter(has_text="已启动")).to_be_visible()
    assert Campaign.objects.get(slug="shiqu-2025").status == CampaignStatus.ACTIVE

    # The home page shows the six themes and the three stages, the current one marked.
    open_from_menu(page, "首页")
    expect(page.get_by_role("heading", name="示例区解放思想大讨论", level=1)).to_be_visible()
    themes = page.get_by_role("region", name="讨论主题").get_by_role("listitem")
    expect(themes).to_have_count(6)
    expect(themes.first).to_contain_text("紧紧围绕提振信心进行深入讨论")
    stages = page.get_by_role("region", name="重点环节").get_by_role("listitem")
    expect(stages).to_have_count(3)
    current = page.locator('[aria-current="step"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text("深入学习研讨")
    expect(page.get_by_text("当前阶段：深入学习研讨")).to_be_visible()

    # 角色分配: give user "citizen" the liaison role for 乙街道, see it listed, then revoke it.
    open_from_menu(page, "角色分配")
    page.get_by_role("link", name="分配角色", exact=True).click()
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("角色").select_option(label="单位联络员")
    page.get_by_label("负责范围").select_option(value="S-B")
    page.get_by_role("button", name="分配", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已分配角色")).to_be_visible()
    citizen_row = page.get_by_role("row").filter(has_text="citizen")
    expect(citizen_row.get_by_text("单位联络员 · 乙街道")).to_be_visible()
    assert RoleAssignment.objects.filter(user=org.user("citizen"), role=Role.LIAISON, unit=org.street_b).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    citizen_row.get_by_role("button", name="撤销 单位联络员").click()
    expect(page.get_by_role("status").filter(has_text="已撤销角色")).to_be_visible()
    expect(citizen_row.get_by_text("单位联络员 · 乙街道")).to_have_count(0)
    assert not RoleAssignment.objects.filter(user=org.user("citizen"), role=Role.LIAISON).exists()

    # 审计日志 shows each of those actions, done by the office.
    open_from_menu(page, "审计日志")
    log = page.get_by_role("table", name="审计日志")
    for action in (
        "campaigns.campaign.create",
        "campaigns.campaign.activate",
        "accounts.role.assign",
        "accounts.role.revoke",
    ):
        entry = log.get_by_role("row").filter(has=page.get_by_text(action, exact=True))
        expect(entry).to_have_count(1)
        expect(entry).to_contain_text("office")
