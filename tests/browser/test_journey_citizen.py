"""A member of the public on a phone: the campaign home page without signing in, the menu, the language
switch, the login page, and pages for staff sending them to sign in first.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from taolun.campaigns.services import campaign_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(org):
    return campaign_setup(
        plan_key="xihu-2018",
        root_unit=org.district,
        slug="shiqu",
        start_date=timezone.localdate() - dt.timedelta(days=5),
        activate=True,
        by=None,
    )


def test_anonymous_visitor_reads_the_home_page_switches_language_and_is_sent_to_login(org, campaign, page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="解放思想推动高质量发展大讨论", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="讨论主题").get_by_role("listitem")).to_have_count(6)
    expect(page.get_by_role("region", name="重点环节").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("region", name="对您的要求")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # The menu button opens the navigation, which is closed on a phone until then.
    nav = page.get_by_role("navigation", name="主导航")
    toggle = page.get_by_role("button", name="菜单")
    expect(nav.get_by_role("link", name="登录")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="首页")).to_be_visible()
    expect(nav.get_by_role("link", name="登录")).to_be_visible()

    # Language: to English and back, staying on the same page.
    nav.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/")
    english_nav = page.get_by_role("navigation", name="Main navigation")
    page.get_by_role("button", name="Menu").click()
    expect(english_nav.get_by_role("link", name="Log in")).to_be_visible()
    english_nav.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The login page from the menu.
    page.get_by_role("button", name="菜单").click()
    nav.get_by_role("link", name="登录").click()
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()

    # A staff page sends them to sign in, and back there afterwards.
    page.goto("/orgs/units/")
    page.wait_for_url("**/accounts/login/?next=/orgs/units/")
    page.get_by_label("用户名").fill("liaison")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/orgs/units/")
    expect(page.get_by_role("heading", name="组织机构", level=1)).to_be_visible()


def test_signed_in_citizen_reads_the_campaign_and_has_no_staff_pages(org, campaign, page, sign_in):
    sign_in("citizen")
    expect(page.get_by_role("heading", name="解放思想推动高质量发展大讨论", level=1)).to_be_visible()
    page.get_by_role("button", name="菜单").click()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="citizen")).to_be_visible()
    for label in ("活动方案", "组织机构", "人员名册", "名册导入", "角色分配", "审计日志"):
        expect(nav.get_by_role("link", name=label)).to_have_count(0)
    # The full list of requirements is public once the campaign has started.
    page.get_by_role("link", name="查看全部工作要求").click()
    expect(page.get_by_role("region", name="全部工作要求").get_by_role("row")).to_have_count(16)
    response = page.goto("/orgs/units/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="没有访问权限", level=1)).to_be_visible()
