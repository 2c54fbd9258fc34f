"""A signed-in user on a phone creates a personal API token, copies it from the page (shown once), and a
program using it is answered as that user — by the token alone, with no session.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_user_creates_a_token_in_the_ui_and_the_api_answers_with_it(org, page, sign_in):
    sign_in("liaison")
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="liaison").click()
    page.get_by_role("link", name="API 令牌").click()
    expect(page.get_by_role("heading", name="API 令牌", level=1)).to_be_visible()
    expect(page.get_by_role("table", name="我的令牌")).to_contain_text("您还没有令牌。")

    page.get_by_label("名称").fill("数据同步")
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page.get_by_role("heading", name="新令牌“数据同步”已创建")).to_be_visible()
    raw = page.get_by_role("textbox", name="令牌").input_value()
    assert raw.startswith("tl_")
    expect(page.get_by_role("table", name="我的令牌").get_by_role("row").filter(has_text="数据同步")).to_be_visible()

    # Shown once: reloading the list does not show it again.
    page.goto("/accounts/tokens/")
    expect(page.get_by_role("textbox", name="令牌")).to_have_count(0)
    expect(page.get_by_text(raw)).to_have_count(0)

    # Signed out, the API refuses the browser and answers the token.
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="退出", include_hidden=True)).to_have_count(0)
    assert page.request.get("/api/me").status == 401
    response = page.request.get("/api/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status == 200
    me = response.json()
    assert me["username"] == "liaison"
    assert [(r["role"], r["unit"]["code"]) for r in me["roles"]] == [("liaison", "S-A")]
