"""The organisation pages in a real browser: lazy tree expansion by keyboard, live search and filters,
confirm-before-revoke — with htmx served locally and no script error or content-security-policy report.
"""

from __future__ import annotations

import pytest

from taolun.accounts.models import RoleAssignment
from tests.browser.conftest import htmx_settled
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def problems(page):
    """Script errors, policy reports and failed loads on the page (the browser's favicon probe aside)."""
    found: list[str] = []
    page.on(
        "console",
        lambda msg: (
            found.append(msg.text)
            if (msg.type == "error" and "Failed to load resource" not in msg.text)
            or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            found.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    return found


def test_tree_expands_lazily_from_the_keyboard(org, page, sign_in, problems):
    sign_in("office")
    page.goto("/orgs/units/")
    district = page.locator("summary", has_text="示例区")
    assert page.get_by_role("link", name="乙街道").count() == 0
    district.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="乙街道").wait_for()
    htmx_settled(page)
    street = page.locator("summary", has_text="甲街道")
    street.focus()
    page.keyboard.press("Space")
    page.get_by_role("link", name="甲一社区").wait_for()
    htmx_settled(page)
    # Closing and reopening does not fetch again.
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.get_by_role("link", name="甲一社区").count() == 1
    assert problems == []


def test_tree_search_updates_in_place_and_in_the_address_bar(org, page, sign_in, problems):
    sign_in("liaison")
    page.goto("/orgs/units/")
    page.get_by_label("查找单位").fill("社区")
    page.get_by_role("heading", name="“社区”的查找结果").wait_for()
    assert page.get_by_role("link", name="甲一社区").count() == 1
    assert page.get_by_role("link", name="乙一社区").count() == 0
    page.wait_for_url("**/orgs/units/?q=*")
    assert page.locator("#tree-status").inner_text() == "找到 1 个单位"
    assert problems == []


def test_people_filters_and_pages_without_reloading(org, page, sign_in, problems, settings):
    settings.TAOLUN_PAGE_SIZE = 2
    for i in range(3):
        PersonFactory(unit=org.community_b, name=f"乙社区人员{i}")
    sign_in("office")
    page.goto("/orgs/people/")
    page.get_by_label("搜索").fill("乙社区")
    page.locator("#person-status", has_text="共 3 人").wait_for(state="attached")
    page.get_by_role("link", name="下一页").click()
    page.get_by_text("第 2 / 2 页").wait_for()
    assert page.locator("#person-rows tbody tr").count() == 1
    assert page.locator("h1", has_text="人员名册").count() == 1  # still one page, not nested
    page.get_by_role("link", name="乙社区人员2").click()
    page.get_by_role("heading", name="乙社区人员2").wait_for()
    assert problems == []


def test_revoke_asks_first_and_a_dismissed_dialog_changes_nothing(org, page, sign_in, problems):
    assignment = RoleAssignment.objects.get(user=org.user("liaison_b"))
    sign_in("office")
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
    assert problems == []
