"""The API docs page in a real browser: it renders, works, and fetches nothing from another host.

Drives Debian's Chromium through Playwright (no browser download); skipped locally without it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser, live_server):
    """A page of the test process's one Chromium (``browser`` in the root conftest.py)."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.outside = []  # requests that left the server
    page.violations = []  # content security policy reports
    page.on(
        "request",
        lambda req: (
            page.outside.append(req.url) if not req.url.startswith((live_server.url, "data:", "blob:")) else None
        ),
    )
    page.on(
        "console",
        lambda msg: page.violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    # Queries made while Playwright's loop runs use their own connection: close it, or PostgreSQL
    # refuses to drop the test database at the end.
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


def test_the_docs_page_runs_a_request_with_the_session_and_stays_on_this_server(org, browser_page, live_server):
    page = browser_page
    sign_in(page, live_server, org.user("office"))
    page.goto("/api/docs")
    operation = page.locator(".opblock-summary-path", has_text="/api/me").first
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    response = page.locator(".live-responses-table tbody .response-col_description").first
    response.wait_for()
    assert '"username": "office"' in response.inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/people/{person_id}").count() == 2  # GET and PATCH
    assert page.outside == []
    assert page.violations == []


def test_a_post_from_the_docs_page_carries_the_csrf_token(org, browser_page, live_server):
    from taolun.accounts.models import ApiToken

    page = browser_page
    sign_in(page, live_server, org.user("liaison"))
    page.goto("/api/docs")
    block = page.locator(".opblock-post", has=page.locator(".opblock-summary-path", has_text="/api/tokens")).first
    block.locator(".opblock-summary").click()
    block.get_by_role("button", name="Try it out").click()
    block.locator("textarea.body-param__text").fill('{"name": "浏览器"}')
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    assert ApiToken.objects.filter(user=org.user("liaison"), name="浏览器").exists()
    # The schemas section renders too, and a schema opens.
    schema = page.locator("section.models article", has=page.get_by_text("UnitOut", exact=True)).first
    schema.locator(".json-schema-2020-12-accordion").click()
    schema.get_by_text("kind_label").wait_for()
    assert page.outside == []
    assert page.violations == []
