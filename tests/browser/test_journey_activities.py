"""A seminar from plan to requirement met: the street liaison plans it and invites the street's party
members, a cadre checks in on their phone with the code from the screen (a wrong code is refused
first), the liaison records the cadre's speech and the minutes, and the street's "开好专题研讨会"
requirement turns from pending to done on the liaison's home page.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from taolun.activities.models import Activity, Attendance, Speech
from taolun.campaigns import services as campaign_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(org):
    plan = campaign_services.plan_load_builtin(by=None)
    # Today lies in the study stage, before the seminar requirement's due date.
    start = timezone.localdate() - dt.timedelta(days=10)
    campaign = campaign_services.campaign_create(
        plan=plan, root_unit=org.district, slug="demo-seminar", start_date=start, title="示例区大讨论", by=None
    )
    return campaign_services.campaign_activate(campaign=campaign, by=None)


def open_from_menu(page: Page, label: str) -> None:
    page.get_by_role("button", name="菜单").click()
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    path = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def sign_in_as(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def seminar_requirement(page: Page):
    return page.locator('li[data-requirement="unit-seminar"] [data-state]')


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_liaison_plans_a_seminar_cadre_checks_in_and_requirement_is_met(org, campaign, page, browser, live_server):
    sign_in_as(page, "liaison")
    page.goto("/")
    expect(seminar_requirement(page)).to_have_attribute("data-state", "pending")

    # Plan the seminar for their street.
    open_from_menu(page, "活动安排")
    page.get_by_role("link", name="安排活动").click()
    page.get_by_label("活动类型").select_option(label="专题研讨会")
    page.get_by_label("活动名称").fill("甲街道解放思想专题研讨会")
    page.get_by_label("举办单位").select_option(label="甲街道（S-A）")
    now = timezone.now()
    page.get_by_label("开始时间").fill(local(now - dt.timedelta(minutes=10)))
    page.get_by_label("结束时间").fill(local(now + dt.timedelta(hours=2)))
    page.get_by_label("地点").fill("甲街道二楼会议室")
    page.get_by_role("button", name="保存").click()

    # Invite the street's party members (the street is chosen already; its communities are included).
    expect(page.get_by_role("heading", name="邀请参加人员", level=1)).to_be_visible()
    expect(page.get_by_label("单位", exact=True)).to_have_values(["S-A"])
    page.get_by_label("党员").check()
    page.get_by_role("button", name="邀请并通知").click()
    expect(page.get_by_role("status").filter(has_text="新邀请 1 人")).to_be_visible()
    activity = Activity.objects.get(title="甲街道解放思想专题研讨会")
    assert list(activity.invitations.values_list("person_id", flat=True)) == [org.person_a.pk]

    # The check-in screen shows the current code.
    page.goto(f"/activities/{activity.pk}/screen/")
    code = page.locator("[data-code]").inner_text().strip()
    assert len(code) == 6 and code.isdigit()

    # The cadre, on a phone, follows the QR code's address; a mistyped code is refused first.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url)
    cadre = phone.new_page()
    try:
        sign_in_as(cadre, "cadre")
        wrong = "000000" if code != "000000" else "111111"
        cadre.goto(f"/activities/checkin/?a={activity.pk}&c={wrong}")
        expect(cadre.get_by_text("甲街道解放思想专题研讨会")).to_be_visible()
        cadre.get_by_role("button", name="确认签到").click()
        expect(cadre.get_by_role("alert")).to_contain_text("签到码")
        assert not Attendance.objects.filter(activity=activity).exists()
        cadre.get_by_label("签到码").fill(code)
        cadre.get_by_role("button", name="确认签到").click()
        expect(cadre.get_by_role("status").filter(has_text="签到成功")).to_be_visible()
        # A second check-in is refused and says when the first one was.
        cadre.goto(f"/activities/checkin/?a={activity.pk}&c={code}")
        cadre.get_by_role("button", name="确认签到").click()
        expect(cadre.get_by_role("alert")).to_contain_text("无需重复签到")
    finally:
        phone.close()
    assert Attendance.objects.filter(activity=activity, person=org.person_a).count() == 1

    # The liaison records the cadre's speech and the minutes.
    page.goto(f"/activities/{activity.pk}/")
    expect(page.get_by_text("已签到但尚未记录发言：张三")).to_be_visible()
    page.get_by_text("记录发言", exact=True).click()
    page.get_by_label("发言人").select_option(label="张三（甲一社区）")
    page.get_by_label("发言内容").fill("把自己摆进去：社区服务群众“最后一公里”还有堵点，要逐项整改。")
    page.get_by_role("button", name="保存发言").click()
    expect(page.get_by_role("status").filter(has_text="已记录 张三 的发言")).to_be_visible()
    page.get_by_text("填写纪要", exact=True).click()
    page.get_by_role("textbox", name="会议纪要").fill("与会党员逐一发言，查摆了社区服务中的堵点问题。")
    page.get_by_role("button", name="保存纪要").click()
    expect(page.get_by_role("status").filter(has_text="会议纪要已保存")).to_be_visible()
    assert Speech.objects.filter(activity=activity, person=org.person_a).exists()

    # The street's seminar requirement is now met.
    page.goto("/")
    expect(seminar_requirement(page)).to_have_attribute("data-state", "done")
    expect(seminar_requirement(page)).to_have_text("已完成")
