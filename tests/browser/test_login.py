import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_signs_in_from_a_phone_and_out_again(org, page, sign_in):
    sign_in("office")
    page.get_by_role("button", name="菜单").click()
    nav = page.get_by_role("navigation", name="主导航")
    assert nav.get_by_role("link", name="office").is_visible()
    page.get_by_role("button", name="退出").click()
    page.get_by_role("button", name="菜单").click()
    assert nav.get_by_role("link", name="登录").is_visible()


def test_a_wrong_password_is_refused_with_a_message(org, page):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").first).to_contain_text("请输入一个正确的")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
