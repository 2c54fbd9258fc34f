"""/api/discussion: the public site read without signing in, taking part, answering, moderating and the
settings, through the same services as the pages — who may do what where, refusals that say why and
change nothing, identities masked and shown to moderators only, and votes that cannot be counted twice.

The fixtures come from the discussion app's own tests: the built-in plan's campaign ``xihu`` over the
district, running today; ``citizen`` (热心市民) and ``citizen2`` (市民乙) taking part; ``dept_liaison``
answering for the district's 发展和改革局 (``org.department``, code DEP-FG).
"""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import MATRIX_ROLES, require_postgres
from taolun.accounts.services import token_create
from taolun.api.routers.discussion import QueueName, SortName
from taolun.campaigns import services as campaign_services
from taolun.core.models import AuditEntry
from taolun.discussion import selectors, services
from taolun.discussion.models import (
    AnswerState,
    Comment,
    Follow,
    Forum,
    Participant,
    Reply,
    Report,
    RoutingRule,
    Suggestion,
    Visibility,
    Vote,
)
from taolun.discussion.tests import conftest as fixtures
from tests.concurrency import race
from tests.factories import UserFactory, make_unit

pytestmark = pytest.mark.django_db

# The discussion app's fixtures.
campaign, theme, citizen, citizen2, dept_liaison, route_to_department, make_suggestion, words = (
    fixtures.campaign,
    fixtures.theme,
    fixtures.citizen,
    fixtures.citizen2,
    fixtures.dept_liaison,
    fixtures.route_to_department,
    fixtures.make_suggestion,
    fixtures.words,
)

API = "/api/discussion"
V = Visibility
A = AnswerState
HELD_BODY = "这里有人宣传法 轮功，请有关部门关注并依法处理，谢谢。"


def s_url(pk: int, tail: str = "") -> str:
    return f"{API}/suggestions/{pk}{tail}"


def signed_in(user: Any) -> Client:
    """A client of its own, signed in as ``user`` (None: anonymous); CSRF is not enforced by the test client."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def call(client: Client, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json", **extra)


def fields(response: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["detail"]}


def state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        sorted(Suggestion.objects.values_list("pk", "status", "answer_state", "supports_count", "opposes_count")),
        sorted(Comment.objects.values_list("pk", "status")),
        sorted(Vote.objects.values_list("pk", "value")),
        Report.objects.count(),
        Reply.objects.count(),
        AuditEntry.objects.filter(action__startswith="discussion.").count(),
    )


def post_suggestion(client: Client, theme_id: int, environ: dict[str, str] | None = None, **body: Any) -> Any:
    data = {
        "theme": theme_id,
        "title": "关于增设社区食堂的建议",
        "body": "建议在每个社区设立老年食堂，解决老人吃饭难的问题。",
    }
    return call(client, "post", f"{API}/suggestions", {**data, **body}, **(environ or {}))


def second_campaign(org: Any, root: Any, slug: str) -> Any:
    """Another running campaign of the built-in plan over ``root``'s subtree."""
    plan = campaign_services.plan_load_builtin()
    created = campaign_services.campaign_create(
        plan=plan, root_unit=root, slug=slug, start_date=fixtures.campaign_start(), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


def test_the_literal_names_of_sorts_and_queues_are_the_selectors():
    assert set(get_args(SortName)) == set(selectors.SORTS)
    assert set(get_args(QueueName)) == set(selectors.QUEUES)


# --- the public site ------------------------------------------------------------------------------
def test_themes_are_public_with_their_questions_and_counts(org, campaign, theme, citizen2, make_suggestion):
    make_suggestion()
    make_suggestion(by=citizen2)
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    make_suggestion(title="先审后发时的一条建议")  # held: not counted

    response = Client().get(f"{API}/themes")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["campaign"]["slug"] == "xihu"
    assert (body["campaign"]["is_open"], body["campaign"]["moderation"]) == (True, "pre")
    assert len(body["themes"]) == campaign.themes.count() == 6
    first = body["themes"][0]
    assert (first["id"], first["title"], first["question"]) == (theme.pk, theme.title, theme.question)
    assert (first["suggestion_count"], first["answered_count"]) == (2, 0)
    assert body["figures"] == {"suggestions": 2, "answered": 0, "participants": 2}
    assert Client().get(f"{API}/themes?campaign=xihu").json() == body
    assert Client().get(f"{API}/themes?campaign=no-such-campaign").status_code == 404

    services.forum_update(forum=services.forum_of(campaign), by=None, is_open=False)
    assert Client().get(f"{API}/themes").json()["campaign"]["is_open"] is False


def test_the_list_sorts_filters_and_pages_without_a_total(org, campaign, theme, citizen, citizen2, make_suggestion):
    other_theme = campaign.themes.order_by("order", "id")[1]
    a = make_suggestion()
    b = make_suggestion(by=citizen2, kind="ask")
    c = make_suggestion(theme=other_theme)
    services.vote_cast(suggestion=b, value=1, by=citizen)
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = make_suggestion(title="还在审核中的建议")
    anonymous = Client()

    newest = anonymous.get(f"{API}/suggestions").json()
    assert [item["id"] for item in newest["items"]] == [c.pk, b.pk, a.pk]
    assert held.pk not in {item["id"] for item in newest["items"]}
    assert "count" not in newest and newest["has_more"] is False
    assert newest["items"][0]["my_vote"] is None
    top = anonymous.get(f"{API}/suggestions?sort=top&limit=2").json()
    assert top["items"][0]["id"] == b.pk and top["items"][0]["supports_count"] == 1
    assert (len(top["items"]), top["has_more"]) == (2, True)
    rest = anonymous.get(f"{API}/suggestions?sort=top&limit=2&offset=2").json()
    assert (len(rest["items"]), rest["has_more"]) == (1, False)
    themed = anonymous.get(f"{API}/suggestions?theme={theme.pk}").json()
    assert {item["id"] for item in themed["items"]} == {a.pk, b.pk}
    assert [item["id"] for item in anonymous.get(f"{API}/suggestions?kind=ask").json()["items"]] == [b.pk]
    assert anonymous.get(f"{API}/suggestions?sort=awaiting").json()["items"][0]["answer_state"] == A.UNROUTED

    mine = signed_in(citizen).get(f"{API}/suggestions").json()
    assert {item["id"]: item["my_vote"] for item in mine["items"]} == {a.pk: 0, b.pk: 1, c.pk: 0}

    assert anonymous.get(f"{API}/suggestions?sort=oldest").status_code == 400
    assert "sort" in fields(anonymous.get(f"{API}/suggestions?sort=oldest"))
    assert anonymous.get(f"{API}/suggestions?limit=0").status_code == 400
    assert anonymous.get(f"{API}/suggestions?theme=999999").status_code == 404


def test_a_suggestion_shows_its_reply_and_comment_tree_to_anyone(
    org, campaign, citizen, citizen2, dept_liaison, route_to_department, make_suggestion
):
    suggestion = make_suggestion()
    first = services.comment_create(suggestion=suggestion, body="我也赞同这条建议", by=citizen2)
    answer = services.comment_create(suggestion=suggestion, body="谢谢您的支持", by=citizen, parent=first)
    services.reply_create(suggestion=suggestion, body="已收到您的建议，正在研究落实方案。", by=dept_liaison)

    body = Client().get(s_url(suggestion.pk)).json()
    assert (body["title"], body["author"], body["status"]) == (suggestion.title, "热心市民", V.PUBLISHED)
    assert body["department"] == {"id": org.department.pk, "name": org.department.name}
    assert body["answer_state"] == A.REPLIED
    assert [node["id"] for node in body["comments"]] == [first.pk]
    assert [node["id"] for node in body["comments"][0]["children"]] == [answer.pk]
    assert body["comments"][0]["author"] == "市民乙"
    assert [reply["body"] for reply in body["replies"]] == ["已收到您的建议，正在研究落实方案。"]
    assert body["replies"][0]["department"]["name"] == org.department.name
    assert (body["viewer"], body["identity"], body["moderation_note"]) == (None, None, "")
    assert body["allowed"] == {"take_part": True, "reply": False, "route": False, "moderate": False, "rate": False}

    as_author = signed_in(citizen).get(s_url(suggestion.pk)).json()
    assert as_author["allowed"]["rate"] is True
    assert as_author["viewer"] == {"vote": 0, "following": True, "reported": False}
    assert as_author["comments"][0]["children"][0]["mine"] is True
    assert as_author["comments"][0]["mine"] is False
    assert signed_in(dept_liaison).get(s_url(suggestion.pk)).json()["allowed"]["reply"] is True
    assert Client().get(s_url(999_999)).status_code == 404


def test_a_held_suggestion_is_seen_by_its_author_and_moderators_only(org, campaign, citizen, citizen2, words):
    words("法轮")
    client = signed_in(citizen)
    created = post_suggestion(client, campaign.themes.first().pk, body=HELD_BODY)
    assert created.status_code == 201, created.content
    held = created.json()
    assert (held["status"], held["screen_hits"], held["identity"]) == (V.PENDING, [], None)

    seen = {
        name: signed_in(user).get(s_url(held["id"])).status_code
        for name, user in [
            ("anonymous", None),
            ("citizen2", citizen2),
            ("liaison", org.user("liaison")),
            ("reviewer", org.user("reviewer")),
            ("author", citizen),
            ("publicity", org.user("publicity")),
            ("office", org.user("office")),
        ]
    }
    assert seen == {
        "anonymous": 404,
        "citizen2": 404,
        "liaison": 404,
        "reviewer": 404,
        "author": 200,
        "publicity": 200,
        "office": 200,
    }
    moderator_view = signed_in(org.user("publicity")).get(s_url(held["id"])).json()
    assert moderator_view["screen_hits"] == ["法轮"]
    assert moderator_view["identity"]["participant_id"] == citizen.participant.pk
    assert moderator_view["allowed"]["moderate"] is True
    assert held["id"] not in {item["id"] for item in Client().get(f"{API}/suggestions").json()["items"]}
    assert Client().get(f"{API}/search?q=有关部门").json()["items"] == []


def test_search_gives_excerpts_and_mark_spans_as_numbers_not_html(org, campaign, citizen, citizen2, make_suggestion):
    suggestion = make_suggestion(
        title="关于垃圾分类的建议", body="填充" * 150 + "建议在小区增设垃圾分类投放点，并安排志愿者指导居民。"
    )
    comment = services.comment_create(suggestion=suggestion, body="垃圾分類要從娃娃抓起", by=citizen2)
    response = Client().get(f"{API}/search?q=垃圾分类")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {(item["kind"], item["id"]) for item in body["items"]} == {
        ("suggestion", suggestion.pk),
        ("comment", comment.pk),
    }
    for item in body["items"]:
        assert item["suggestion"] == {"id": suggestion.pk, "title": "关于垃圾分类的建议", "title_marks": [[2, 6]]}
        assert item["marks"], item
        assert {item["text"][start:end] for start, end in item["marks"]} <= {"垃圾分类", "垃圾分類"}
        assert len(item["text"]) <= 160
    found = {item["kind"]: item for item in body["items"]}
    assert found["suggestion"]["offset"] > 0  # the match lies deep in the body: the excerpt starts near it
    full = suggestion.body
    start, end = found["suggestion"]["marks"][0]
    offset = found["suggestion"]["offset"]
    assert full[offset + start : offset + end] == "垃圾分类"
    assert (found["comment"]["offset"], found["comment"]["marks"]) == (0, [[0, 4]])
    assert b"<mark" not in response.content and b"<em" not in response.content
    assert Client().get(f"{API}/search").status_code == 400
    assert Client().get(f"{API}/search?q=垃圾分类&limit=1").json()["has_more"] is True


@pytest.mark.parametrize("viewer", ["anonymous", "citizen"])
def test_the_public_list_reads_the_same_number_of_queries_whatever_its_length(
    org, campaign, citizen, citizen2, make_suggestion, settings, viewer
):
    settings.DISCUSSION_RATE_LIMITS = {}
    client = signed_in(citizen if viewer == "citizen" else None)
    counts = []
    for size in (2, 12):
        while Suggestion.objects.count() < size:
            services.vote_cast(suggestion=make_suggestion(by=citizen2), value=1, by=citizen)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/suggestions?limit=50")
        assert len(response.json()["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= (3 if viewer == "anonymous" else 7), counts


# --- taking part ----------------------------------------------------------------------------------
def test_posting_a_suggestion_publishes_it_or_holds_it(org, campaign, theme, citizen, words):
    client = signed_in(citizen)
    created = post_suggestion(client, theme.pk, kind="help")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["kind"], body["campaign"], body["author"]) == (V.PUBLISHED, "help", "xihu", "热心市民")
    assert body["viewer"] == {"vote": 0, "following": True, "reported": False}
    stored = Suggestion.objects.get(pk=body["id"])
    assert stored.ip_address == "127.0.0.1"  # the caller's address is recorded for the rate limits

    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = post_suggestion(client, theme.pk, title="先审后发的建议", campaign="xihu")
    assert (held.status_code, held.json()["status"]) == (201, V.PENDING)


def test_a_suggestion_that_cannot_be_posted_is_refused_by_field(org, campaign, theme, citizen, citizen2):
    client = signed_in(citizen)
    assert post_suggestion(client, theme.pk).status_code == 201
    before = state()
    refusals = {
        "unknown theme": (post_suggestion(client, 999_999), "theme"),
        "theme of another campaign": (post_suggestion(client, theme.pk, campaign="other"), "theme"),
        "short title": (post_suggestion(client, theme.pk, title="建议"), "title"),
        "short body": (post_suggestion(client, theme.pk, title="另一条建议标题", body="太短"), "body"),
        "bad kind": (post_suggestion(client, theme.pk, kind="praise"), "kind"),
        "unknown field": (post_suggestion(client, theme.pk, author="别人"), "author"),
        "missing title": (call(client, "post", f"{API}/suggestions", {"theme": theme.pk, "body": "x" * 20}), "title"),
    }
    for name, (response, field) in refusals.items():
        assert response.status_code == 400, (name, response.content)
        assert field in fields(response), (name, response.json())
        assert all(message for message in fields(response).values()), name
    repeated = post_suggestion(client, theme.pk)
    assert repeated.status_code == 400 and "重复" in fields(repeated)["__all__"]
    assert post_suggestion(Client(), theme.pk).status_code == 401
    assert state() == before
    services.forum_update(forum=services.forum_of(campaign), by=None, is_open=False)
    closed = post_suggestion(signed_in(citizen2), theme.pk)
    assert closed.status_code == 400 and "关闭" in fields(closed)["__all__"]
    assert Suggestion.objects.count() == 1


def test_comments_thread_under_their_parent(org, campaign, citizen, citizen2, make_suggestion):
    suggestion = make_suggestion()
    other = make_suggestion(title="另一条建议的标题")
    top = call(signed_in(citizen2), "post", s_url(suggestion.pk, "/comments"), {"body": "我赞同这条建议"})
    assert top.status_code == 201, top.content
    assert (top.json()["depth"], top.json()["parent_id"], top.json()["mine"]) == (0, None, True)
    reply = call(
        signed_in(citizen), "post", s_url(suggestion.pk, "/comments"), {"body": "谢谢", "parent": top.json()["id"]}
    )
    assert reply.status_code == 201, reply.content
    assert (reply.json()["depth"], reply.json()["parent_id"]) == (1, top.json()["id"])
    tree = Client().get(s_url(suggestion.pk)).json()["comments"]
    assert tree[0]["children"][0]["id"] == reply.json()["id"]
    assert Suggestion.objects.get(pk=suggestion.pk).comments_count == 2

    before = state()
    elsewhere = call(
        signed_in(citizen), "post", s_url(other.pk, "/comments"), {"body": "回复别处", "parent": top.json()["id"]}
    )
    assert elsewhere.status_code == 400 and "parent" in fields(elsewhere)
    assert call(signed_in(citizen), "post", s_url(suggestion.pk, "/comments"), {"body": ""}).status_code == 400
    assert call(Client(), "post", s_url(suggestion.pk, "/comments"), {"body": "匿名评论"}).status_code == 401
    assert call(signed_in(citizen), "post", s_url(999_999, "/comments"), {"body": "不存在"}).status_code == 404
    assert state() == before


def test_replaying_a_vote_changes_nothing(org, campaign, citizen, citizen2, make_suggestion):
    suggestion = make_suggestion(by=citizen2)
    client = signed_in(citizen)
    url = s_url(suggestion.pk, "/vote")
    answers = [call(client, "put", url, {"value": 1}) for _ in range(5)]
    assert {response.status_code for response in answers} == {200}
    assert all(response.json() == {"value": 1, "supports_count": 1, "opposes_count": 0} for response in answers)
    assert Vote.objects.filter(suggestion=suggestion).count() == 1
    assert AuditEntry.objects.filter(action="discussion.vote").count() == 1

    assert call(client, "put", url, {"value": -1}).json() == {"value": -1, "supports_count": 0, "opposes_count": 1}
    for _ in range(2):
        withdrawn = call(client, "delete", url)
        assert withdrawn.status_code == 200
        assert withdrawn.json() == {"value": 0, "supports_count": 0, "opposes_count": 0}
    assert not Vote.objects.exists()

    bad = call(client, "put", url, {"value": 2})
    assert bad.status_code == 400 and "value" in fields(bad)
    assert call(Client(), "put", url, {"value": 1}).status_code == 401


def test_follow_and_unfollow_are_idempotent(org, campaign, citizen, citizen2, make_suggestion):
    suggestion = make_suggestion()  # the author follows their own suggestion
    client = signed_in(citizen2)
    url = s_url(suggestion.pk, "/follow")
    for _ in range(2):
        assert call(client, "put", url).json() == {"following": True, "follows_count": 2}
    for _ in range(2):
        assert call(client, "delete", url).json() == {"following": False, "follows_count": 1}
    assert Follow.objects.filter(suggestion=suggestion).count() == 1
    assert call(Client(), "put", url).status_code == 401


def test_reports_reach_the_moderators_and_hide_what_enough_people_report(
    org, campaign, citizen, citizen2, make_suggestion
):
    services.forum_update(forum=services.forum_of(campaign), by=None, hide_after_reports=2)
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="广告：加微信领红包", by=citizen2)
    url = f"{API}/comments/{comment.pk}/reports"

    own = call(signed_in(citizen2), "post", url, {"reason": "spam"})
    assert own.status_code == 400 and "自己" in fields(own)["__all__"]
    first = call(signed_in(citizen), "post", url, {"reason": "spam", "note": "广告"})
    assert first.status_code == 201, first.content
    assert (first.json()["kind"], first.json()["target_id"], first.json()["reason"]) == ("comment", comment.pk, "spam")
    again = call(signed_in(citizen), "post", url, {"reason": "abuse"})
    assert again.status_code == 400 and "举报过" in fields(again)["__all__"]
    assert "reason" in fields(call(signed_in(citizen), "post", url, {"reason": "boring"}))

    third = UserFactory(username="citizen3")
    assert call(signed_in(third), "post", url, {"reason": "spam"}).status_code == 201
    assert Comment.objects.get(pk=comment.pk).status == V.HIDDEN
    assert Client().get(s_url(suggestion.pk)).json()["comments"] == []
    hidden = signed_in(org.user("office")).get(f"{API}/moderation?campaign=xihu&queue=hidden").json()
    assert [(item["kind"], item["id"]) for item in hidden["items"]] == [("comment", comment.pk)]
    assert hidden["items"][0]["report_reasons"] == ["垃圾广告"]
    assert call(signed_in(citizen), "post", url, {"reason": "spam"}).status_code == 404  # no longer shown

    on_suggestion = call(signed_in(citizen2), "post", s_url(suggestion.pk, "/reports"), {"reason": "false"})
    assert on_suggestion.status_code == 201
    assert (on_suggestion.json()["kind"], on_suggestion.json()["target_id"]) == ("suggestion", suggestion.pk)
    assert signed_in(citizen2).get(s_url(suggestion.pk)).json()["viewer"]["reported"] is True


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_blocked_participant_cannot_post_comment_vote_or_report(
    org, campaign, theme, citizen, citizen2, make_suggestion, token_client, via
):
    suggestion = make_suggestion(by=citizen2)
    services.participant_block(participant=citizen.participant, reason="多次发布广告", by=None, campaign=campaign)
    client = signed_in(citizen) if via == "session" else token_client(citizen)
    before = state()
    attempts = {
        "post": post_suggestion(client, theme.pk),
        "comment": call(client, "post", s_url(suggestion.pk, "/comments"), {"body": "封禁后的评论"}),
        "vote": call(client, "put", s_url(suggestion.pk, "/vote"), {"value": 1}),
        "withdraw": call(client, "delete", s_url(suggestion.pk, "/vote")),
        "report": call(client, "post", s_url(suggestion.pk, "/reports"), {"reason": "spam"}),
    }
    for name, response in attempts.items():
        assert response.status_code == 403, (name, response.content)
        assert "多次发布广告" in response.json()["detail"], name
    assert state() == before

    services.participant_unblock(participant=citizen.participant, by=None, campaign=campaign)
    assert call(client, "put", s_url(suggestion.pk, "/vote"), {"value": 1}).status_code == 200


def test_over_a_rate_limit_the_answer_is_429_with_retry_after(
    org, campaign, citizen, citizen2, make_suggestion, settings
):
    suggestion = make_suggestion(by=citizen2)
    settings.DISCUSSION_RATE_LIMITS = {"vote": (3, 1000, 600), "comment": (100, 2, 900)}
    client = signed_in(citizen)
    url = s_url(suggestion.pk, "/vote")
    for value in (1, -1, 1):
        assert call(client, "put", url, {"value": value}).status_code == 200
    refused = call(client, "put", url, {"value": -1})
    assert refused.status_code == 429, refused.content
    assert refused["Retry-After"] == "600"
    assert "操作过于频繁" in refused.json()["detail"]
    assert Vote.objects.get().value == 1

    # Per address: two participants behind one address share its limit of two comments.
    comments = s_url(suggestion.pk, "/comments")
    shared = {"REMOTE_ADDR": "198.51.100.9"}
    assert call(signed_in(citizen), "post", comments, {"body": "第一条评论"}, **shared).status_code == 201
    assert call(signed_in(citizen2), "post", comments, {"body": "第二条评论"}, **shared).status_code == 201
    third = call(signed_in(citizen2), "post", comments, {"body": "第三条评论"}, **shared)
    assert (third.status_code, third["Retry-After"]) == (429, "900")
    elsewhere = call(signed_in(citizen2), "post", comments, {"body": "换个地址的评论"}, REMOTE_ADDR="198.51.100.10")
    assert elsewhere.status_code == 201
    assert Comment.objects.count() == 3


XSS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(document.cookie)>',
    "javascript:alert(1)//",
    "{{7*7}} ${7*7}",
]


def test_markup_comes_back_verbatim_as_json_strings(org, campaign, theme, citizen2):
    author = UserFactory(username="markup")
    services.participant_ensure(user=author, nickname="<script>x</script>")
    title = "标题<script>alert(1)</script>"
    body = "内容：" + " ".join(XSS)
    created = post_suggestion(signed_in(author), theme.pk, title=title, body=body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert call(signed_in(citizen2), "post", s_url(pk, "/comments"), {"body": XSS[1] + "评论"}).status_code == 201
    report = call(signed_in(citizen2), "post", s_url(pk, "/reports"), {"reason": "other", "note": XSS[0]})
    assert report.status_code == 201

    for url in (s_url(pk), f"{API}/suggestions", f"{API}/search?q=内容", f"{API}/themes"):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
    detail = Client().get(s_url(pk)).json()
    assert (detail["title"], detail["body"], detail["author"]) == (title, body, "<script>x</script>")
    assert detail["comments"][0]["body"] == XSS[1] + "评论"
    assert detail["comments"][0]["author"] == "市民乙"
    listed = Client().get(f"{API}/suggestions").json()["items"][0]
    assert (listed["title"], listed["author"]) == (title, "<script>x</script>")
    assert listed["excerpt"] == body[:120]
    hit = Client().get(f"{API}/search?q=内容").json()["items"][0]
    assert hit["text"] == body and hit["marks"] == [[0, 2]]
    queue = signed_in(org.user("office")).get(f"{API}/moderation?campaign=xihu&queue=reported").json()
    assert queue["items"][0]["body"] == body
    assert queue["items"][0]["identity"]["nickname"] == "<script>x</script>"


# --- identities -----------------------------------------------------------------------------------
SECRETS = ("13800001234", "王小明", "11010519491231002X", "203.0.113.7", "citizen@example.org")


def test_identities_are_shown_masked_and_only_to_moderators(
    org, campaign, theme, citizen, citizen2, dept_liaison, route_to_department, words
):
    citizen.phone = "13800001234"
    citizen.save(update_fields=["phone"])
    services.participant_register_name(
        participant=citizen.participant, real_name="王小明", id_number="11010519491231002X", by=citizen
    )
    words("法轮")
    created = post_suggestion(signed_in(citizen), theme.pk, body=HELD_BODY, environ={"REMOTE_ADDR": "203.0.113.7"})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    masked = {
        "participant_id": citizen.participant.pk,
        "nickname": "热心市民",
        "real_name": "王**",
        "verified": True,
        "blocked": False,
        "phone": "138****1234",
        "email": "ci***@example.org",
        "id_number": "1101**********002X",
        "ip": "203.0.*.*",
        "submitter_name": "",
        "submitter_phone": "",
    }
    queue = signed_in(org.user("publicity")).get(f"{API}/moderation?campaign=xihu")
    assert queue.status_code == 200, queue.content
    assert queue.json()["counts"] == {"pending": 1, "reported": 0, "hidden": 0, "rejected": 0}
    assert queue.json()["items"][0]["identity"] == masked
    moderator_detail = signed_in(org.user("office")).get(s_url(pk))
    assert moderator_detail.json()["identity"] == masked
    for response in (queue, moderator_detail):
        assert not [secret for secret in SECRETS if secret in response.content.decode()]

    services.moderate(item=Suggestion.objects.get(pk=pk), action="approve", by=None)
    for viewer in (None, citizen, citizen2, dept_liaison, org.user("liaison"), org.user("reviewer")):
        for url in (s_url(pk), f"{API}/suggestions", f"{API}/search?q=有关部门"):
            response = signed_in(viewer).get(url)
            assert response.status_code == 200
            text = response.content.decode()
            assert not [secret for secret in SECRETS if secret in text], (viewer, url)
            assert '"participant_id"' not in text
        inbox = signed_in(dept_liaison).get(f"{API}/inbox").content.decode()
        assert not [secret for secret in SECRETS if secret in inbox]


# --- answers --------------------------------------------------------------------------------------
def test_the_office_routes_the_department_replies_and_the_author_rates(
    org, campaign, citizen, citizen2, dept_liaison, make_suggestion
):
    suggestion = make_suggestion()  # no routing rule: waits for the office
    office = signed_in(org.user("office"))
    unrouted = call(office, "post", s_url(suggestion.pk, "/replies"), {"body": "尚未交办时的答复内容。"})
    assert unrouted.status_code == 400 and "交办" in fields(unrouted)["__all__"]
    outside = make_unit("外区", code="OUT-1")
    for department in ("NO-SUCH-UNIT", outside.pk, outside.code, 999_999):
        wrong = call(office, "post", s_url(suggestion.pk, "/route"), {"department": department})
        assert wrong.status_code == 400 and "department" in fields(wrong), department
    routed = call(office, "post", s_url(suggestion.pk, "/route"), {"department": "DEP-FG", "note": "请发改局办理"})
    assert routed.status_code == 200, routed.content
    assert routed.json()["department"]["id"] == org.department.pk
    assert (routed.json()["answer_state"], routed.json()["due_at"] is not None) == (A.ASSIGNED, True)
    again = call(office, "post", s_url(suggestion.pk, "/route"), {"department": org.department.pk})
    assert again.status_code == 200
    assert (
        call(signed_in(org.user("liaison")), "post", s_url(suggestion.pk, "/route"), {"department": 1}).status_code
        == 403
    )

    inbox = signed_in(dept_liaison).get(f"{API}/inbox")
    assert inbox.status_code == 200
    assert [item["id"] for item in inbox.json()["items"]] == [suggestion.pk]
    assert inbox.json()["items"][0]["is_overdue"] is False
    assert signed_in(dept_liaison).get(f"{API}/inbox?state=answered").json()["items"] == []
    assert signed_in(dept_liaison).get(f"{API}/inbox?state=soon").status_code == 400

    replies = s_url(suggestion.pk, "/replies")
    not_theirs = call(signed_in(org.user("liaison")), "post", replies, {"body": "不是承办单位的答复内容。"})
    assert not_theirs.status_code == 403
    short = call(signed_in(dept_liaison), "post", replies, {"body": "收到"})
    assert short.status_code == 400 and "body" in fields(short)
    replied = call(signed_in(dept_liaison), "post", replies, {"body": "已收到您的建议，下月启动试点，感谢关心。"})
    assert replied.status_code == 201, replied.content
    reply_id = replied.json()["id"]
    assert (replied.json()["answer_state"], replied.json()["department"]["id"]) == (A.REPLIED, org.department.pk)

    rating = f"{API}/replies/{reply_id}/rating"
    assert call(signed_in(citizen2), "post", rating, {"rating": "satisfied"}).status_code == 403
    assert call(Client(), "post", rating, {"rating": "satisfied"}).status_code == 401
    no_reason = call(signed_in(citizen), "post", rating, {"rating": "unsatisfied"})
    assert no_reason.status_code == 400 and "note" in fields(no_reason)
    assert "rating" in fields(call(signed_in(citizen), "post", rating, {"rating": "great"}))
    rated = call(signed_in(citizen), "post", rating, {"rating": "unsatisfied", "note": "没有说明具体时间"})
    assert rated.status_code == 200, rated.content
    assert (rated.json()["rating"], rated.json()["answer_state"]) == ("unsatisfied", A.REOPENED)
    assert call(signed_in(citizen), "post", rating, {"rating": "satisfied"}).status_code == 400
    reopened = signed_in(dept_liaison).get(f"{API}/inbox").json()["items"][0]
    assert (reopened["id"], reopened["answer_state"], reopened["reopen_count"]) == (suggestion.pk, A.REOPENED, 1)
    assert call(signed_in(citizen), "post", f"{API}/replies/999999/rating", {"rating": "basic"}).status_code == 404


# --- moderation -----------------------------------------------------------------------------------
def test_bulk_moderation_is_all_or_nothing(org, campaign, citizen, citizen2, make_suggestion):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    published = services.moderate(item=make_suggestion(), action="approve", by=None)
    held = make_suggestion(by=citizen2)
    comment = services.comment_create(suggestion=published, body="等待审核的评论", by=citizen2)
    moderator = signed_in(org.user("office"))
    url = f"{API}/moderation"
    items = [{"kind": "suggestion", "id": held.pk}, {"kind": "comment", "id": comment.pk}]

    before = state()
    mixed = call(
        moderator, "post", url, {"items": [*items, {"kind": "suggestion", "id": published.pk}], "action": "approve"}
    )
    assert mixed.status_code == 400, mixed.content
    assert "不能执行此操作" in fields(mixed)["__all__"]
    unknown = call(moderator, "post", url, {"items": [*items, {"kind": "comment", "id": 999_999}], "action": "approve"})
    assert unknown.status_code == 400 and "999999" in fields(unknown)["items"]
    no_note = call(moderator, "post", url, {"items": items, "action": "reject"})
    assert no_note.status_code == 400 and "note" in fields(no_note)
    assert call(moderator, "post", url, {"items": [], "action": "approve"}).status_code == 400
    assert call(moderator, "post", url, {"items": items, "action": "delete"}).status_code == 400
    assert call(moderator, "post", url, {"items": [{"kind": "reply", "id": 1}], "action": "approve"}).status_code == 400
    assert state() == before

    done = call(moderator, "post", url, {"items": items, "action": "approve", "note": "内容合规"})
    assert done.status_code == 200, done.content
    assert done.json()["done"] == 2
    assert {(item["kind"], item["id"], item["status"]) for item in done.json()["items"]} == {
        ("suggestion", held.pk, V.PUBLISHED),
        ("comment", comment.pk, V.PUBLISHED),
    }
    assert Suggestion.objects.get(pk=published.pk).comments_count == 1
    hide = call(moderator, "post", url, {"items": items[:1], "action": "hide", "note": "与主题无关"})
    assert hide.status_code == 200
    assert Client().get(s_url(held.pk)).status_code == 404
    queue = moderator.get(f"{API}/moderation?campaign=xihu&queue=hidden").json()
    assert [item["id"] for item in queue["items"]] == [held.pk]
    assert queue["items"][0]["moderation_note"] == "与主题无关"


def test_the_queue_pages_suggestions_and_comments_together_oldest_first(
    org, campaign, citizen, citizen2, make_suggestion, settings
):
    settings.DISCUSSION_RATE_LIMITS = {}
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    anchor = services.moderate(item=make_suggestion(), action="approve", by=None)
    held = []
    for n in range(3):
        held.append(("suggestion", make_suggestion(by=citizen2).pk))
        held.append(("comment", services.comment_create(suggestion=anchor, body=f"待审评论{n}", by=citizen2).pk))
    moderator = signed_in(org.user("admin"))
    first = moderator.get(f"{API}/moderation?limit=4").json()
    second = moderator.get(f"{API}/moderation?limit=4&offset=4").json()
    assert (first["has_more"], second["has_more"]) == (True, False)
    assert [(item["kind"], item["id"]) for item in first["items"] + second["items"]] == held
    assert first["counts"]["pending"] == 6
    assert moderator.get(f"{API}/moderation?queue=spam").status_code == 400


def test_moderators_block_and_unblock_participants_of_their_campaign(org, campaign, citizen, citizen2, make_suggestion):
    make_suggestion(by=citizen2)
    moderator = signed_in(org.user("publicity"))
    pk = citizen2.participant.pk
    no_reason = call(moderator, "post", f"{API}/participants/{pk}/block", {"reason": " "})
    assert no_reason.status_code == 400 and "reason" in fields(no_reason)
    blocked = call(moderator, "post", f"{API}/participants/{pk}/block", {"campaign": "xihu", "reason": "发布广告"})
    assert blocked.status_code == 200, blocked.content
    assert (blocked.json()["blocked"], blocked.json()["blocked_reason"]) == (True, "发布广告")
    assert blocked.json()["identity"]["blocked"] is True
    assert call(moderator, "post", f"{API}/participants/{pk}/block", {"reason": "再次"}).status_code == 400
    assert post_suggestion(signed_in(citizen2), campaign.themes.first().pk).status_code == 403

    never_took_part = Participant.objects.create(user=UserFactory(username="lurker"), nickname="潜水员")
    assert call(moderator, "post", f"{API}/participants/{never_took_part.pk}/block", {"reason": "x"}).status_code == 404
    assert call(moderator, "post", f"{API}/participants/999999/block", {"reason": "x"}).status_code == 404
    assert call(signed_in(citizen), "post", f"{API}/participants/{pk}/unblock", {}).status_code == 403

    unblocked = call(moderator, "post", f"{API}/participants/{pk}/unblock", {})
    assert (unblocked.status_code, unblocked.json()["blocked"]) == (200, False)
    assert post_suggestion(signed_in(citizen2), campaign.themes.first().pk).status_code == 201


# --- settings -------------------------------------------------------------------------------------
def test_the_office_reads_and_changes_the_settings_and_routing_rules(org, campaign, theme):
    office = signed_in(org.user("office"))
    url = f"{API}/settings?campaign=xihu"
    read = office.get(url)
    assert read.status_code == 200, read.content
    assert (read.json()["moderation"], read.json()["days_suggest"], read.json()["routing"]) == ("post", 15, [])
    assert not Forum.objects.filter(campaign=campaign).exists()  # reading creates nothing

    patched = call(office, "patch", url, {"moderation": "pre", "days_ask": 3, "require_real_name": True})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["moderation"], patched.json()["days_ask"], patched.json()["require_real_name"]) == (
        "pre",
        3,
        True,
    )
    assert (patched.json()["days_help"], patched.json()["is_open"]) == (7, True)
    for body, field in (
        ({"days_ask": 0}, "days_ask"),
        ({"moderation": "never"}, "moderation"),
        ({"is_open": None}, "is_open"),
        ({"colour": "red"}, "colour"),
    ):
        refused = call(office, "patch", url, body)
        assert refused.status_code == 400 and field in fields(refused), body
    assert Forum.objects.get(campaign=campaign).days_ask == 3

    routing = f"{API}/settings/routing?campaign=xihu"
    by_theme = call(office, "put", routing, {"theme": theme.pk, "department": "DEP-FG"})
    assert by_theme.status_code == 200, by_theme.content
    assert by_theme.json()["routing"] == [
        {
            "theme": {"id": theme.pk, "title": theme.title},
            "department": {"id": org.department.pk, "name": org.department.name},
        }
    ]
    default = call(office, "put", routing, {"theme": None, "department": org.street_a.pk})
    assert [rule["theme"] for rule in default.json()["routing"]] == [{"id": theme.pk, "title": theme.title}, None]
    removed = call(office, "put", routing, {"theme": theme.pk, "department": None})
    assert [rule["department"]["id"] for rule in removed.json()["routing"]] == [org.street_a.pk]
    assert RoutingRule.objects.count() == 1
    assert "theme" in fields(call(office, "put", routing, {"theme": 999_999, "department": "DEP-FG"}))
    assert "department" in fields(call(office, "put", routing, {"theme": theme.pk, "department": "NOPE"}))
    assert "department" in fields(call(office, "put", routing, {"theme": theme.pk}))

    liaison = signed_in(org.user("liaison"))
    assert liaison.get(url).status_code == 403
    assert call(liaison, "patch", url, {"is_open": False}).status_code == 403
    assert call(liaison, "put", routing, {"theme": None, "department": "DEP-FG"}).status_code == 403
    assert Client().get(url).status_code == 401
    assert office.get(f"{API}/settings?campaign=no-such").status_code == 404


# --- who may do what where ------------------------------------------------------------------------
MODERATORS = {"admin", "office", "publicity", "liaison_publicity"}
RUNS = {"admin", "office"}
ANSWERS = {"admin", "office", "dept_liaison"}
HANDLES = {
    "admin",
    "office",
    "office_a",
    "liaison",
    "liaison_b",
    "liaison_reviewer",
    "liaison_publicity",
    "publicity",
    "dept_liaison",
}
SEES_INBOX_ITEM = {"admin", "office", "dept_liaison"}
MODERATE_SOMEWHERE = MODERATORS | {"office_a"}
ACTIONS = [
    "read",
    "read_held",
    "identity",
    "vote",
    "inbox",
    "inbox_item",
    "reply",
    "route",
    "queue",
    "moderate",
    "settings",
    "settings_patch",
    "routing",
    "block",
]


def expected(role: str) -> dict[str, Any]:
    def gate(allowed: set[str], ok: int) -> int:
        if role == "anonymous":
            return 401
        return ok if role in allowed else 403

    moderate = gate(MODERATORS, 200)
    if role == "office_a":  # moderates somewhere, but the items lie in a campaign it does not moderate
        moderate = 400
    return {
        "read": 200,
        "read_held": 200 if role in MODERATORS else 404,
        "identity": role in MODERATORS,
        "vote": 401 if role == "anonymous" else 200,
        "inbox": gate(HANDLES, 200),
        "inbox_item": role in SEES_INBOX_ITEM,
        "reply": gate(ANSWERS, 201),
        "route": gate(RUNS, 200),
        "queue": gate(MODERATORS, 200),
        "moderate": moderate,
        "settings": gate(RUNS, 200),
        "settings_patch": gate(RUNS, 200),
        "routing": gate(RUNS, 200),
        "block": gate(MODERATORS, 200),
    }


@pytest.mark.parametrize("role", [*MATRIX_ROLES, "dept_liaison"])
def test_scope_matrix(
    org_mixed_roles, campaign, citizen, citizen2, dept_liaison, route_to_department, make_suggestion, words, role
):
    org = org_mixed_roles
    routed = make_suggestion()
    to_route = make_suggestion()
    to_hide = make_suggestion()
    words("法轮")
    held = make_suggestion(by=citizen2, body=HELD_BODY)
    client = signed_in(org.user(role))
    detail = client.get(s_url(routed.pk))
    inbox = client.get(f"{API}/inbox")
    outcome = {
        "read": detail.status_code,
        "read_held": client.get(s_url(held.pk)).status_code,
        "identity": detail.json()["identity"] is not None,
        "vote": call(client, "put", s_url(routed.pk, "/vote"), {"value": 1}).status_code,
        "inbox": inbox.status_code,
        "inbox_item": inbox.status_code == 200 and routed.pk in {item["id"] for item in inbox.json()["items"]},
        "reply": call(
            client, "post", s_url(routed.pk, "/replies"), {"body": "已收到您的建议，正在研究办理。"}
        ).status_code,
        "route": call(client, "post", s_url(to_route.pk, "/route"), {"department": "DEP-FG"}).status_code,
        "queue": client.get(f"{API}/moderation?campaign=xihu").status_code,
        "moderate": call(
            client,
            "post",
            f"{API}/moderation",
            {"items": [{"kind": "suggestion", "id": to_hide.pk}], "action": "hide", "note": "无关"},
        ).status_code,
        "settings": client.get(f"{API}/settings?campaign=xihu").status_code,
        "settings_patch": call(client, "patch", f"{API}/settings?campaign=xihu", {"days_ask": 4}).status_code,
        "routing": call(
            client, "put", f"{API}/settings/routing?campaign=xihu", {"theme": None, "department": "DEP-FG"}
        ).status_code,
        "block": call(
            client,
            "post",
            f"{API}/participants/{citizen2.participant.pk}/block",
            {"campaign": "xihu", "reason": "测试"},
        ).status_code,
    }
    assert outcome == expected(role)
    assert set(outcome) == set(ACTIONS)
    changed = {
        "replied": Reply.objects.filter(suggestion=routed).exists(),
        "hidden": Suggestion.objects.get(pk=to_hide.pk).status == V.HIDDEN,
        "days_ask": Forum.objects.get(campaign=campaign).days_ask == 4,
        "blocked": Participant.objects.get(pk=citizen2.participant.pk).is_blocked,
    }
    assert changed == {
        "replied": role in ANSWERS,
        "hidden": role in MODERATORS,
        "days_ask": role in RUNS,
        "blocked": role in MODERATORS,
    }


def test_objects_of_another_campaign_or_department_cannot_be_reached_by_guessing_ids(
    org_mixed_roles, campaign, citizen, citizen2, dept_liaison, make_suggestion, words
):
    org = org_mixed_roles
    street = second_campaign(org, org.street_a, "jia")  # run by office_a (the office of street A)
    street_theme = street.themes.order_by("order", "id").first()
    services.routing_rule_set(campaign=campaign, theme=None, department=org.street_b, by=None)
    district_item = make_suggestion()  # routed to street B: liaison_b answers, not dept_liaison
    words("法轮")
    held = make_suggestion(by=citizen2, body=HELD_BODY)
    street_item = services.suggestion_create(
        campaign=street,
        theme=street_theme,
        title="甲街道的一条建议",
        body="建议甲街道增加公共自行车停放点。",
        by=citizen2,
    )
    office_a = signed_in(org.user("office_a"))

    # office_a runs its own campaign ...
    assert office_a.get(f"{API}/settings?campaign=jia").status_code == 200
    assert (
        call(office_a, "post", s_url(street_item.pk, "/route"), {"department": org.community_a.pk}).status_code == 200
    )
    assert office_a.get(f"{API}/moderation?campaign=jia").status_code == 200
    # ... and nothing of the district's.
    before = state()
    assert office_a.get(f"{API}/settings?campaign=xihu").status_code == 403
    assert office_a.get(f"{API}/moderation?campaign=xihu").status_code == 403
    assert (
        call(office_a, "post", s_url(district_item.pk, "/route"), {"department": org.community_a.pk}).status_code == 403
    )
    assert office_a.get(s_url(held.pk)).status_code == 404
    guessed = call(
        office_a, "post", f"{API}/moderation", {"items": [{"kind": "suggestion", "id": held.pk}], "action": "approve"}
    )
    assert guessed.status_code == 400 and str(held.pk) in fields(guessed)["items"]
    blocked = call(
        office_a, "post", f"{API}/participants/{citizen.participant.pk}/block", {"campaign": "jia", "reason": "x"}
    )
    assert blocked.status_code == 404  # citizen never took part in office_a's campaign
    # A unit of another campaign's organisation is not a department of this one.
    street_route = call(office_a, "post", s_url(street_item.pk, "/route"), {"department": org.department.code})
    assert street_route.status_code == 400 and "department" in fields(street_route)
    assert state() == before

    # Departments answer only what is routed to them.
    assert signed_in(dept_liaison).get(f"{API}/inbox").json()["items"] == []
    body = {"body": "已收到您的建议，正在研究办理。"}
    assert call(signed_in(dept_liaison), "post", s_url(district_item.pk, "/replies"), body).status_code == 403
    assert call(signed_in(org.user("liaison")), "post", s_url(district_item.pk, "/replies"), body).status_code == 403
    liaison_b = signed_in(org.user("liaison_b"))
    assert [item["id"] for item in liaison_b.get(f"{API}/inbox").json()["items"]] == [district_item.pk]
    assert call(liaison_b, "post", s_url(district_item.pk, "/replies"), body).status_code == 201

    # Held things of others answer 404 to participants, whatever they try.
    stranger = signed_in(citizen)
    assert stranger.get(s_url(held.pk)).status_code == 404
    assert call(stranger, "post", s_url(held.pk, "/comments"), {"body": "猜编号评论"}).status_code == 404
    assert call(stranger, "put", s_url(held.pk, "/vote"), {"value": 1}).status_code == 404
    assert call(stranger, "put", s_url(held.pk, "/follow")).status_code == 404
    assert call(stranger, "post", s_url(held.pk, "/reports"), {"reason": "spam"}).status_code == 404
    held_comment = Comment.objects.create(
        suggestion=district_item, author=citizen2.participant, body="待审评论", status=V.PENDING, content_hash="x"
    )
    assert call(stranger, "post", f"{API}/comments/{held_comment.pk}/reports", {"reason": "spam"}).status_code == 404
    # The theme list of another campaign does not take this campaign's theme.
    assert Client().get(f"{API}/suggestions?campaign=jia&theme={campaign.themes.first().pk}").status_code == 404
    other_theme = post_suggestion(stranger, campaign.themes.first().pk, campaign="jia")
    assert other_theme.status_code == 400 and "theme" in fields(other_theme)


# --- races on PostgreSQL --------------------------------------------------------------------------
def _vote_in_parallel(clients: list[Client], url: str) -> list[int]:
    def vote(client: Client) -> Any:
        return lambda: call(client, "put", url, {"value": 1}).status_code

    return race([vote(client) for client in clients])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_parallel_votes_of_one_participant_count_once(org, campaign, citizen, citizen2, make_suggestion):
    require_postgres()
    _token, raw = token_create(user=citizen, name="race")
    for attempt in range(3):
        suggestion = make_suggestion(by=citizen2)
        clients = [Client(headers={"Authorization": f"Bearer {raw}"}) for _ in range(8)]
        statuses = _vote_in_parallel(clients, s_url(suggestion.pk, "/vote"))
        assert statuses == [200] * 8, (attempt, statuses)
        stored = Suggestion.objects.get(pk=suggestion.pk)
        assert Vote.objects.filter(suggestion=suggestion).count() == 1
        assert (stored.supports_count, stored.opposes_count) == (1, 0)
        assert AuditEntry.objects.filter(action="discussion.vote", object_id=str(suggestion.pk)).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_votes_of_eight_participants_all_count(org, campaign, citizen, make_suggestion):
    require_postgres()
    suggestion = make_suggestion()
    voters = [UserFactory(username=f"voter{n}") for n in range(8)]
    clients = [Client(headers={"Authorization": f"Bearer {token_create(user=u, name='race')[1]}"}) for u in voters]
    statuses = _vote_in_parallel(clients, s_url(suggestion.pk, "/vote"))
    assert statuses == [200] * 8
    stored = Suggestion.objects.get(pk=suggestion.pk)
    assert stored.supports_count == Vote.objects.filter(suggestion=suggestion).count() == 8
    assert Participant.objects.filter(user__in=voters).count() == 8
    # The counters agree with the rows after a second round of the same votes (replayed in parallel).
    assert _vote_in_parallel(clients, s_url(suggestion.pk, "/vote")) == [200] * 8
    stored.refresh_from_db()
    assert (stored.supports_count, stored.opposes_count) == (8, 0)
