"""A leading cadre's main journey on a phone: what the campaign asks of them and by when, their profile,
and a new password that works at the next sign-in while the old one no longer does.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from taolun.accounts.models import Role, RoleAssignment
from taolun.campaigns.services import campaign_setup
from tests.factories import PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN_START = dt.date(2018, 10, 15)  # the built-in plan's own calendar
NEW_PASSWORD = "Xin-mima-2025"


@pytest.fixture
def leader(org):
    user = UserFactory(username="leader", display_name="王局长")
    RoleAssignment.objects.create(user=user, role=Role.CADRE)
    PersonFactory(unit=org.department, name="王局长", position="局长", is_leading_cadre=True, user=user)
    return user


def test_leading_cadre_sees_their_research_topic_due_then_changes_password(org, leader, page, sign_in):
    start = timezone.localdate() - dt.timedelta(days=20)
    campaign_setup(plan_key="xihu-2018", root_unit=org.district, slug="shiqu", start_date=start, activate=True, by=None)
    research_due = start + (dt.date(2018, 11, 30) - PLAN_START)
    self_exam_due = start + (dt.date(2018, 11, 20) - PLAN_START)

    sign_in("leader")
    asked = page.get_by_role("region", name="对您的要求")
    expect(asked.get_by_role("heading", name="王局长（区发展和改革局）本人")).to_be_visible()
    topic = asked.get_by_role("listitem").filter(has_text="牵头主持1项重点调研课题")
    expect(topic).to_contain_text(f"认真查摆问题 · {research_due.isoformat()} 前完成")
    expect(asked.get_by_role("listitem").filter(has_text="剖析自身差距")).to_contain_text(self_exam_due.isoformat())
    # Not a party member: no reflection article is asked of them.
    expect(asked.get_by_text("撰写一篇有价值的心得体会文章")).to_have_count(0)

    # The profile, reached from the menu by their name.
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="王局长").click()
    expect(page.get_by_role("heading", name="王局长", level=1)).to_be_visible()
    expect(page.get_by_text("区发展和改革局")).to_be_visible()
    expect(page.get_by_text("局长", exact=True)).to_be_visible()

    # Change the password, sign out, and sign in with the new one.
    page.get_by_role("link", name="修改密码").click()
    page.get_by_label("旧密码").fill(PASSWORD)
    page.get_by_label(re.compile(r"^新密码(?!确认)")).fill(NEW_PASSWORD)
    page.get_by_label("新密码确认").fill(NEW_PASSWORD)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="密码更改成功", level=1)).to_be_visible()
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="退出", include_hidden=True)).to_have_count(0)

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "/accounts/login/" in page.url

    sign_in("leader", NEW_PASSWORD)
    expect(page.get_by_role("region", name="对您的要求")).to_be_visible()
    page.get_by_role("button", name="菜单").click()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="王局长")).to_be_visible()
