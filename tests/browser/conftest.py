"""Playwright driving Debian's Chromium against the live test server.

The ``browser`` itself (one per test process) is in the root conftest.py; here each test gets a phone-sized
page of its own.
"""

from __future__ import annotations

import pytest

from conftest import PASSWORD


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Nothing may be fetched from outside the app.
    outside: list[str] = []
    page.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith((live_server.url, "data:", "blob:")) else None,
    )
    yield page
    context.close()
    assert outside == [], f"requests left the server: {outside}"


@pytest.fixture
def sign_in(page):
    def _sign_in(username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return _sign_in


def htmx_settled(page) -> None:
    """Wait until htmx has no request in flight and has processed what it swapped in.

    htmx attaches triggers to new content while it settles; a key pressed in between is lost.
    """
    page.wait_for_function(
        "() => window.htmx && !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added')"
    )
