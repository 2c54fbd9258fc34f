"""The organisation pages in a real browser: lazy tree expansion by keyboard, live search and filters,
confirm-before-revoke — with htmx served locally and nothing blocked by the content security policy.

Drives Debian's Chromium through Playwright (no browser download); skipped locally without it.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from conftest import CHROMIUM, require_chromium
from taolun.accounts.models import RoleAssignment
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page(live_server):
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.outside = []
        page.problems = []
        page.on(
            "request",
            lambda req: page.outside.append(req.url) if not req.url.startswith((live_server.url, "data:")) else None,
        )
        # Script errors and policy violations; failed loads are caught by status below (the browser's own
        # favicon probe aside).
        page.on(
            "console",
            lambda msg: (
                page.problems.append(msg.text)
                if (msg.type == "error" and "Failed to load resource" not in msg.text)
                or "Content Security Policy" in msg.text
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                page.problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        yield page
        context.close()
        browser.close()
        connections.close_all()


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_tree_expands_lazily_from_the_keyboard(org, page, live_server):
    sign_in(page, live_server, org.user("office"))
    page.goto("/orgs/units/")
    district = page.locator("summary", has_text="示例区")
    assert page.get_by_role("link", name="乙街道").count() == 0
    district.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="乙街道").wait_for()
    street = page.locator("summary", has_text="甲街道")
    street.focus()
    page.keyboard.press("Space")
    page.get_by_role("link", name="甲一社区").wait_for()
    # Closing and reopening does not fetch again.
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="甲一社区").count() == 1
    assert page.outside == [] and page.problems == []


def test_tree_search_updates_in_place_and_in_the_address_bar(org, page, live_server):
    sign_in(page, live_server, org.user("liaison"))
    page.goto("/orgs/units/")
    page.get_by_label("查找单位").fill("社区")
    page.get_by_role("heading", name="“社区”的查找结果").wait_for()
    assert page.get_by_role("link", name="甲一社区").count() == 1
    assert page.get_by_role("link", name="乙一社区").count() == 0
    page.wait_for_url("**/orgs/units/?q=*")
    assert page.locator("#tree-status").inner_text() == "找到 1 个单位"
    assert page.outside == [] and page.problems == []


def test_people_filters_and_pages_without_reloading(org, page, live_server, settings):
    settings.TAOLUN_PAGE_SIZE = 2
    for i in range(3):
        PersonFactory(unit=org.community_b, name=f"乙社区人员{i}")
    sign_in(page, live_server, org.user("office"))
    page.goto("/orgs/people/")
    page.get_by_label("搜索").fill("乙社区")
    page.locator("#person-status", has_text="共 3 人").wait_for(state="attached")
    page.get_by_role("link", name="下一页").click()
    page.get_by_text("第 2 / 2 页").wait_for()
    assert page.locator("#person-rows tbody tr").count() == 1
    assert page.locator("h1", has_text="人员名册").count() == 1  # still one page, not nested
    page.get_by_role("link", name="乙社区人员2").click()
    page.get_by_role("heading", name="乙社区人员2").wait_for()
    assert page.outside == [] and page.problems == []


def test_revoke_asks_first_and_a_dismissed_dialog_changes_nothing(org, page, live_server):
    assignment = RoleAssignment.objects.get(user=org.user("liaison_b"))
    sign_in(page, live_server, org.user("office"))
    page.goto("/accounts/roles/?q=liaison_b")
    button = page.get_by_role("button", name="撤销 单位联络员")
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    page.wait_for_timeout(300)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    page.get_by_text("已撤销角色").wait_for()
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert page.outside == [] and page.problems == []
