"""A street liaison's main journey on a phone: their own street in the tree, a person of the street edited
with the phone kept masked, and the other street's people out of reach even by typing the address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from taolun.orgs.models import Person
from tests.browser.conftest import htmx_settled

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_from_menu(page: Page, label: str) -> None:
    """Open the phone menu and follow one of its links, waiting until that page has loaded."""
    page.get_by_role("button", name="菜单").click()
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    path = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def test_liaison_works_on_their_own_street_only(org, page, sign_in):
    sign_in("liaison")

    # 组织机构: the tree starts at their street; the district and the other street are not there.
    open_from_menu(page, "组织机构")
    expect(page.get_by_role("heading", name="组织机构", level=1)).to_be_visible()
    tree = page.get_by_role("list", name="组织机构树")
    expect(tree.get_by_role("link", name="甲街道")).to_be_visible()
    expect(page.get_by_role("link", name="示例区")).to_have_count(0)
    expect(page.get_by_role("link", name="乙街道")).to_have_count(0)

    # Expanding the street (its disclosure names the street for screen readers) loads its community in place.
    htmx_settled(page)
    tree.get_by_text("下级单位 1 个（甲街道）").click()
    community = tree.get_by_role("link", name="甲一社区")
    expect(community).to_be_visible()
    expect(page.get_by_role("link", name="乙一社区")).to_have_count(0)

    # A person of the street: the phone and ID number are masked for a liaison.
    community.click()
    expect(page.get_by_role("heading", name="甲一社区", level=1)).to_be_visible()
    page.get_by_role("table", name="本单位人员").get_by_role("link", name="张三").click()
    expect(page.get_by_role("heading", name="张三", level=1)).to_be_visible()
    expect(page.get_by_text("138****1234")).to_be_visible()
    expect(page.get_by_text("13800001234")).to_have_count(0)

    # Edit the position; the phone field starts empty (kept as is) and says what is stored, masked.
    page.get_by_role("link", name="编辑人员").click()
    expect(page.get_by_label("手机号")).to_have_value("")
    expect(page.get_by_text("当前：138****1234。留空表示不修改。")).to_be_visible()
    page.get_by_label("职务").fill("社区党委书记")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="已保存人员“张三”")).to_be_visible()
    expect(page.get_by_role("heading", name="张三", level=1)).to_be_visible()
    expect(page.get_by_text("社区党委书记")).to_be_visible()
    expect(page.get_by_text("138****1234")).to_be_visible()
    person = Person.objects.get(pk=org.person_a.pk)
    assert (person.position, person.phone) == ("社区党委书记", "13800001234")

    # Typing the address of a person of the other street gives the no-access page, and shows nothing of them.
    response = page.goto(f"/orgs/people/{org.person_b.pk}/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="没有访问权限", level=1)).to_be_visible()
    expect(page.get_by_text("李四")).to_have_count(0)
    expect(page.get_by_role("button", name="菜单")).to_be_visible()

    # A person number that does not exist: the not-found page, with the menu to go on from.
    response = page.goto("/orgs/people/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在", level=1)).to_be_visible()
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
