"""The main journey of a reviewer and of a publicity officer on a phone: the menu offers only what the role may
use, the campaign home page reads well on a small screen, and the office's pages stay closed even when their
address is typed. (Their own work — reviewing articles, publishing news — arrives with those capabilities.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from taolun.campaigns.services import campaign_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFICE_ONLY = ["活动方案", "组织机构", "人员名册", "名册导入", "角色分配", "审计日志"]


@pytest.mark.parametrize(("username", "role_label"), [("reviewer", "审阅人"), ("publicity", "宣传人员")])
def test_reviewer_and_publicity_see_only_their_menu_and_a_readable_home_page(org, page, sign_in, username, role_label):
    campaign_setup(
        plan_key="xihu-2018",
        root_unit=org.district,
        slug="shiqu",
        start_date=timezone.localdate() - dt.timedelta(days=5),
        activate=True,
        by=None,
    )
    sign_in(username)

    toggle = page.get_by_role("button", name="菜单")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="首页")).to_be_visible()
    expect(nav.get_by_role("link", name=username)).to_be_visible()
    for label in OFFICE_ONLY:
        expect(nav.get_by_role("link", name=label)).to_have_count(0)

    # The home page: the campaign, its stages and themes, without sideways scrolling on a phone.
    expect(page.get_by_role("heading", name="解放思想推动高质量发展大讨论", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="重点环节").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("region", name="讨论主题").get_by_role("listitem")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    # Their role shows on their profile.
    nav.get_by_role("link", name=username).click()
    expect(page.get_by_text(role_label, exact=True)).to_be_visible()

    # Typing the address of an office page gives the no-access page.
    for path in ("/orgs/roster/import/", "/accounts/roles/"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_role("heading", name="没有访问权限", level=1)).to_be_visible()
