"""A party-member cadre's main journey on a phone: the reflection article the campaign asks of them and
its due date, their profile, and their own record with their own phone number shown in full.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from taolun.campaigns.services import campaign_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN_START = dt.date(2018, 10, 15)  # the built-in plan's own calendar


def test_party_member_sees_their_article_due_and_their_own_record(org, page, sign_in):
    start = timezone.localdate() - dt.timedelta(days=20)
    campaign_setup(plan_key="xihu-2018", root_unit=org.district, slug="shiqu", start_date=start, activate=True, by=None)
    article_due = start + (dt.date(2018, 12, 20) - PLAN_START)

    sign_in("cadre")
    expect(page.get_by_role("heading", name="解放思想", level=1)).to_be_visible()
    asked = page.get_by_role("region", name="对您的要求")
    expect(asked.get_by_role("heading", name="张三（甲一社区）本人")).to_be_visible()
    article = asked.get_by_role("listitem").filter(has_text="撰写一篇有价值的心得体会文章")
    expect(article).to_contain_text(f"注重成果转化 · {article_due.isoformat()} 前完成")
    # Not a leading cadre: no research topic.
    expect(asked.get_by_text("牵头主持1项重点调研课题")).to_have_count(0)
    # The nearest deadlines are listed for everyone, the soonest first.
    expect(page.get_by_role("region", name="近期截止").get_by_role("listitem").first).to_be_visible()

    # Profile → own record: their own phone and ID number are not masked for them.
    page.get_by_role("button", name="菜单").click()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="组织机构")).to_have_count(0)
    nav.get_by_role("link", name="cadre").click()
    expect(page.get_by_role("heading", name="cadre", level=1)).to_be_visible()
    expect(page.get_by_text("甲一社区")).to_be_visible()
    page.get_by_role("link", name="我的人员信息").click()
    expect(page.get_by_role("heading", name="张三", level=1)).to_be_visible()
    expect(page.get_by_text("13800001234")).to_be_visible()
    expect(page.get_by_text("11010519491231002X")).to_be_visible()
    expect(page.get_by_role("link", name="编辑人员")).to_have_count(0)
