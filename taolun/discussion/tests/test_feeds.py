"""Atom feeds of a campaign's new suggestions and of the departments' replies."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from taolun.discussion import services
from taolun.discussion.models import Participant

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.DISCUSSION_RATE_LIMITS = {}


def feed(client, name: str, query: str = "") -> ET.Element:
    response = client.get(reverse(f"discussion:{name}") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert "public" in response["Cache-Control"]
    return ET.fromstring(response.content)  # noqa: S314 - the app's own feed, built by Django


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def text(element: ET.Element, tag: str) -> str:
    return element.find(f"{ATOM}{tag}").text or ""


def test_suggestions_feed_lists_the_published_newest_first(client, campaign, make_suggestion, words):
    make_suggestion(title="第一条公开建言")
    second = make_suggestion(title="第二条公开建言")
    words("违禁词")
    make_suggestion(title="待审核的建言", body="这里有违禁词的内容，应当先审核再公开。")
    root = feed(client, "feed_suggestions")
    assert text(root, "id") == "http://testserver/discussion/feeds/suggestions.atom?campaign=xihu"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "http://testserver/discussion/?campaign=xihu",
        "self": "http://testserver/discussion/feeds/suggestions.atom?campaign=xihu",
    }
    items = entries(root)
    assert [text(item, "title") for item in items] == ["第二条公开建言", "第一条公开建言"]
    newest = items[0]
    assert newest.find(f"{ATOM}link").get("href") == f"http://testserver/discussion/s/{second.pk}/"
    assert text(newest, "id").startswith("tag:testserver,")
    assert text(newest, "id") != text(items[1], "id")
    assert text(newest, "updated").startswith(second.published_at.strftime("%Y-%m-%dT"))
    assert text(root, "updated") == text(newest, "updated")
    assert newest.find(f"{ATOM}author/{ATOM}name").text == "热心市民"
    assert {c.get("term") for c in newest.findall(f"{ATOM}category")} == {second.theme.title, "建议"}


def test_replies_feed_links_to_the_reply(client, campaign, make_suggestion, dept_liaison, route_to_department):
    suggestion = make_suggestion(title="关于路灯维修的建议")
    reply = services.reply_create(suggestion=suggestion, body="已安排维修，三日内完成。感谢反映。", by=dept_liaison)
    root = feed(client, "feed_replies", "?campaign=xihu")
    (item,) = entries(root)
    assert text(item, "title") == "区发展和改革局答复：关于路灯维修的建议"
    assert item.find(f"{ATOM}link").get("href") == f"http://testserver/discussion/s/{suggestion.pk}/#r{reply.pk}"
    assert "已安排维修" in text(item, "summary")


def test_feeds_are_per_campaign(client, campaign, make_campaign, make_suggestion):
    make_suggestion(title="本次活动的建言")
    other = make_campaign()
    assert entries(feed(client, "feed_suggestions", f"?campaign={other.slug}")) == []
    assert entries(feed(client, "feed_replies", f"?campaign={other.slug}")) == []
    assert client.get(reverse("discussion:feed_suggestions") + "?campaign=none").status_code == 404


def test_feed_text_is_escaped_for_readers(
    client, campaign, make_suggestion, citizen, dept_liaison, route_to_department
):
    Participant.objects.filter(user=citizen).update(nickname=SCRIPT)
    suggestion = make_suggestion(title=f"标题{IMG}", body=f"正文{SCRIPT}{IMG}请重视")
    services.reply_create(suggestion=suggestion, body=f"答复{SCRIPT}{IMG}已处理", by=dept_liaison)
    for name in ("feed_suggestions", "feed_replies"):
        raw = client.get(reverse(f"discussion:{name}")).content.decode()
        assert "<script>" not in raw and "<img" not in raw
        (item,) = entries(ET.fromstring(raw))  # noqa: S314 - the app's own feed
        summary = item.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        # The summary is HTML once the XML is read: the text inside it must still be escaped.
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary.text
        assert "<script" not in summary.text and "<img" not in summary.text
        assert IMG in text(item, "title")  # a plain-text title: readers show it as text
