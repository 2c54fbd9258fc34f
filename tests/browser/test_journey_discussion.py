"""The online discussion (网上大讨论) on a phone, from a citizen's first visit to a reopened answer.

A resident with no account opens the discussion, signs up with a code sent to their phone and posts a
suggestion that names a screened word (代开发票): it is held for review, and only they see it, marked
待审核. The publicity officer finds it in the moderation queue with the word marked and approves it; the
theme's routing rule sends it to 区发展和改革局, whose liaison answers it from the department's inbox. The
resident reads the answer, finds it wanting, rates it 不满意 with a note, and the suggestion goes back
to the department (重新办理).

Every page of the journey fits the phone's width: nothing scrolls sideways at 390 px.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from taolun.core import sms
from taolun.discussion import services
from taolun.discussion.models import AnswerState, Participant, Rating, Suggestion, Visibility
from taolun.discussion.tests import conftest as discussion_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The discussion's own fixtures: the running campaign over the district, its first theme, and the
# liaison of the district's 发展和改革局.
campaign, theme, dept_liaison = (
    discussion_fixtures.campaign,
    discussion_fixtures.theme,
    discussion_fixtures.dept_liaison,
)

PHONE = "13912345678"
MASKED_PHONE = "139****5678"
NICKNAME = "幸福里老住户"
WORD = "代开发票"
TITLE = "小区门口小广告太多，建议加强清理"
BODY = (
    "幸福里小区东门的电线杆和墙面上贴满了代开发票、办证的小广告，刚清理过几天又贴满了。\n"
    "建议街道和城管加强巡查，对小广告上的电话依法处理，并在门口设置便民信息公告栏。"
)
ANSWER = (
    "感谢您的建议。我局已会同街道城管中队对幸福里小区周边开展专项清理，"
    "并将小广告上的号码移交相关部门处理。便民信息公告栏将在下月设置。"
)
UNSATISFIED_NOTE = "清理后第二天又贴满了，公告栏也没有具体时间，希望有长效办法。"
VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Codes go to ``taolun.core.sms.outbox``: the live server runs in this process and reads these settings."""
    settings.SMS_BACKEND = "taolun.core.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def fits_the_phone(page: Page) -> None:
    """Nothing on the page scrolls sideways."""
    width, room = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert room == VIEWPORT["width"]
    assert width <= room, f"{page.url} is {width}px wide on a {room}px screen"


@contextmanager
def phone(browser, live_server) -> Iterator[Page]:
    """A second person's phone: a browser context of its own, set up as the ``page`` fixture's."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", base_url=live_server.url)
    other = context.new_page()
    other.set_default_timeout(10_000)
    outside: list[str] = []
    other.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    try:
        yield other
    finally:
        context.close()
    assert outside == [], f"requests left the server: {outside}"


def sign_in_as(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_menu(page: Page, label: str) -> None:
    """Follow ``label`` in the main navigation (folded behind the menu button on a phone)."""
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()


def code_in(text: str) -> str:
    found = re.search(r"验证码(?:是|：)\s*(\d{6})", text)
    assert found, text
    return found.group(1)


def test_a_screened_suggestion_is_held_approved_answered_and_reopened_on_a_phone(
    org, campaign, theme, dept_liaison, browser, live_server, page, sms_outbox
):
    department = org.department
    services.words_add(words=[WORD], category="广告", by=None)
    services.routing_rule_set(campaign=campaign, theme=theme, department=department, by=None)

    # —— a resident with no account opens the discussion and signs up with a code sent to the phone ——
    page.goto(reverse("discussion:index"))
    expect(page.get_by_role("heading", name=campaign.title, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="讨论主题", level=2)).to_be_visible()
    expect(page.get_by_role("link", name=theme.title)).to_be_visible()
    expect(page.get_by_text("还没有公开的建言。")).to_be_visible()
    fits_the_phone(page)

    page.get_by_role("link", name="注册 / 登录").click()
    expect(page.get_by_role("heading", name="注册 / 登录", level=1)).to_be_visible()
    fits_the_phone(page)
    page.get_by_label("手机号", exact=True).check()
    page.get_by_label("手机号或电子邮箱").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#code-status")).to_contain_text(f"验证码已发送至 {MASKED_PHONE}，请查收后填写。")
    # The button counts down before another code may be asked for.
    expect(page.locator("[data-send-code]")).to_be_disabled()
    expect(page.locator("[data-send-code]")).to_contain_text("秒后可重新发送")
    assert [message.to for message in sms_outbox] == [PHONE]
    page.get_by_label(re.compile(r"^验证码")).fill(code_in(sms_outbox[-1].text))
    page.get_by_label("昵称").fill(NICKNAME)
    page.get_by_role("button", name="验证并进入").click()

    expect(page.get_by_text("登录成功，欢迎参与讨论。")).to_be_visible()
    expect(page.get_by_role("heading", name=campaign.title, level=1)).to_be_visible()
    expect(page.get_by_role("link", name="我的参与")).to_be_visible()
    resident = Participant.objects.select_related("user").get(nickname=NICKNAME)
    assert resident.user.phone == PHONE

    # —— the resident posts a suggestion naming a screened word: it is held for review ——
    page.get_by_role("link", name="我要建言").click()
    expect(page.get_by_role("heading", name="我要建言", level=1)).to_be_visible()
    expect(page.get_by_text(f"公开显示的署名：{NICKNAME}")).to_be_visible()
    page.get_by_label("讨论主题").select_option(label=theme.title)
    page.get_by_label("留言类型").select_option(label="建议")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("内容").fill(BODY)
    fits_the_phone(page)
    page.get_by_role("button", name="提交建言").click()

    expect(page.get_by_text("建言已提交，正在等待审核，审核通过后公开显示。")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    held = page.locator(".notice.held")
    expect(held).to_contain_text("待审核")
    expect(held).to_contain_text("在此之前只有您和审核人员能看到。")
    expect(page.get_by_text("建言公开后交由承办单位答复。")).to_be_visible()
    fits_the_phone(page)
    suggestion = Suggestion.objects.get(title=TITLE)
    assert suggestion.author_id == resident.pk
    assert suggestion.status == Visibility.PENDING
    assert WORD in suggestion.screen_hits
    assert suggestion.department_id is None
    suggestion_url = reverse("discussion:suggestion", args=[suggestion.pk])
    assert page.url.endswith(suggestion_url)

    # —— the publicity officer finds it in the moderation queue and approves it ——
    with phone(browser, live_server) as moderator:
        sign_in_as(moderator, "publicity")
        open_menu(moderator, "讨论审核")
        expect(moderator.get_by_role("heading", name="讨论审核", level=1)).to_be_visible()
        queue = moderator.get_by_role("navigation", name="审核队列")
        expect(queue.get_by_role("link", name="待审核 1")).to_have_attribute("aria-current", "true")
        item = moderator.locator(f"#item-suggestion-{suggestion.pk}")
        expect(item.get_by_role("heading", name=TITLE, level=3)).to_be_visible()
        expect(item.locator(".queue-body mark.hit")).to_have_text(WORD)
        expect(item).to_contain_text(f"命中敏感词：{WORD}")
        expect(item).to_contain_text(NICKNAME)
        expect(item.get_by_role("button", name="通过", exact=True)).to_be_visible()
        fits_the_phone(moderator)

        item.get_by_role("button", name="通过", exact=True).click()
        expect(item.get_by_role("status")).to_have_text("已通过。")
        expect(item.locator(".status.published")).to_have_text("已公开")
        expect(item.get_by_role("link", name="查看公开页面")).to_be_visible()
        fits_the_phone(moderator)
        moderator.reload()
        expect(queue.get_by_role("link", name="待审核 0")).to_be_visible()
        expect(moderator.get_by_text("这里没有待处理的建言。")).to_be_visible()
    suggestion.refresh_from_db()
    assert suggestion.status == Visibility.PUBLISHED
    # The theme's routing rule sent it to the department, with a reply deadline.
    assert suggestion.department_id == department.pk
    assert suggestion.answer_state == AnswerState.ASSIGNED and suggestion.due_at is not None

    # —— the department's liaison answers it from the inbox ——
    with phone(browser, live_server) as liaison:
        sign_in_as(liaison, dept_liaison.username)
        open_menu(liaison, "建言办理")
        expect(liaison.get_by_role("heading", name="建言办理", level=1)).to_be_visible()
        row = liaison.locator(f"#s-{suggestion.pk}")
        expect(row.get_by_role("link", name=TITLE)).to_be_visible()
        expect(row).to_contain_text(f"承办：{department.name}")
        expect(row).to_contain_text("办理中")
        expect(row).to_contain_text("办理期内")
        expect(row).to_contain_text(f"期限：{timezone.localtime(suggestion.due_at):%Y-%m-%d}")
        fits_the_phone(liaison)
        row.get_by_text("答复", exact=True).click()
        row.get_by_label("答复内容").fill(ANSWER)
        expect(row.get_by_role("button", name="发布答复")).to_be_visible()
        row.get_by_role("button", name="发布答复").click()

        expect(liaison.get_by_text("答复已发布，建言人和关注者会收到通知。")).to_be_visible()
        expect(liaison.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
        liaison_replies = liaison.locator("#replies")
        expect(liaison_replies).to_contain_text(ANSWER)
        expect(liaison_replies).to_contain_text(department.name)
        fits_the_phone(liaison)
    suggestion.refresh_from_db()
    assert suggestion.answer_state == AnswerState.REPLIED
    reply = suggestion.replies.get()

    # —— the resident reads the answer, rates it 不满意 with a note, and the suggestion is reopened ——
    page.goto(reverse("discussion:index"))
    expect(page.get_by_text("建言 1 条 · 已答复 1 条")).to_be_visible()
    page.get_by_role("link", name="我的参与").click()
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    assert page.url.endswith(suggestion_url)
    expect(page.locator(".notice.held")).to_have_count(0)
    expect(page.locator(".disc-meta .answer")).to_have_text("已答复")
    expect(page.get_by_text(f"承办单位：{department.name}")).to_be_visible()
    answer = page.locator(f"#r{reply.pk}")
    expect(answer).to_contain_text(department.name)
    expect(answer).to_contain_text(ANSWER)
    rate_form = answer.locator("#rate-form")
    expect(rate_form.get_by_role("group", name="您对答复是否满意")).to_be_visible()
    fits_the_phone(page)

    # 不满意 without a reason is refused next to the field.
    rate_form.get_by_label("不满意", exact=True).check()
    rate_form.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    rate_form = page.locator("#rate-form")
    expect(rate_form.get_by_role("alert")).to_have_text("请填写评价说明。")
    expect(rate_form.get_by_role("alert")).to_be_visible()
    fits_the_phone(page)
    reply.refresh_from_db()
    assert reply.rating == ""

    rate_form.get_by_label("不满意", exact=True).check()
    rate_form.get_by_label("评价说明").fill(UNSATISFIED_NOTE)
    rate_form.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("已收到您的评价。建言已退回承办单位重新办理。")).to_be_visible()
    expect(page.locator(".disc-meta .answer")).to_have_text("重新办理")
    answer = page.locator(f"#r{reply.pk}")
    expect(answer.locator(".rating")).to_contain_text("建言人评价：不满意")
    expect(answer.locator(".rating")).to_contain_text(UNSATISFIED_NOTE)
    expect(page.locator("#rate-form")).to_have_count(0)
    expect(page.get_by_text("建言人对答复不满意，已退回承办单位重新办理。")).to_be_visible()
    fits_the_phone(page)

    reply.refresh_from_db()
    suggestion.refresh_from_db()
    assert reply.rating == Rating.UNSATISFIED and reply.rating_note == UNSATISFIED_NOTE
    assert suggestion.answer_state == AnswerState.REOPENED
    assert suggestion.department_id == department.pk
