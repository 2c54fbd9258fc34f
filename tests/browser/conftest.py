"""Playwright driving Debian's Chromium against the live test server.

No browser is downloaded: Playwright is pointed at /usr/bin/chromium (CHROMIUM_PATH to override).
"""

from __future__ import annotations

import os

import pytest

from conftest import CHROMIUM, PASSWORD, require_chromium

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and the tests use the Django test
    # database from the same thread: allow it for the browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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
