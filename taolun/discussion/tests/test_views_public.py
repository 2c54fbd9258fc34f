"""The public discussion pages: reading without an account, taking part once signed in, and what each
page costs in queries whatever the number of rows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from taolun.discussion import services
from taolun.discussion.models import (
    AnswerState,
    Comment,
    Follow,
    Kind,
    Participant,
    Rating,
    Report,
    Suggestion,
    Visibility,
    Vote,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = '"><svg onload=alert(1)>'


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.DISCUSSION_RATE_LIMITS = {}


@pytest.fixture
def office(org):
    return org.user("office")


def set_forum(campaign, office, **values):
    services.forum_update(forum=services.forum_of(campaign), by=office, **values)


def url(name, *args):
    return reverse(f"discussion:{name}", args=args)


def page(response) -> str:
    return response.content.decode()


def position(html: str, text: str) -> int:
    at = html.find(text)
    assert at >= 0, f"{text!r} not on the page"
    return at


# --- reading without an account -------------------------------------------------------------------


def test_anonymous_reads_the_front_page_with_themes_questions_figures_and_feeds(client, campaign, make_suggestion):
    make_suggestion(title="建议增设社区食堂")
    html = page(client.get(url("index")))
    for theme in campaign.themes.all():
        assert theme.title in html
        assert theme.question.splitlines()[0] in html
    assert "建议增设社区食堂" in html
    assert f'href="{url("suggestion_new")}?campaign={campaign.slug}"' in html
    assert (
        f'type="application/atom+xml" title="最新建言" href="{url("feed_suggestions")}?campaign={campaign.slug}"'
        in html
    )
    assert f'href="{url("feed_replies")}?campaign={campaign.slug}"' in html
    assert 'property="og:title"' in html
    assert 'content="http://testserver/discussion/?campaign=xihu"' in html
    assert 'src="data:image/svg+xml' in html  # the share QR
    assert f'action="{url("search")}"' in html


def test_front_page_figures_count_the_published_only(client, campaign, make_suggestion, words):
    make_suggestion()
    make_suggestion()
    words("违禁词")
    make_suggestion(body="这里有违禁词的内容，应当先审核再公开，谢谢。")
    response = client.get(url("index"))
    assert response.context["figures"] == {"suggestions": 2, "answered": 0, "participants": 1}


def test_another_campaign_is_named_by_its_slug(client, campaign, make_campaign):
    other = make_campaign()
    response = client.get(url("index") + f"?campaign={other.slug}")
    assert response.context["campaign"] == other
    assert client.get(url("index") + "?campaign=nope").status_code == 404


def test_theme_page_shows_rows_with_kind_state_name_and_counts(client, campaign, theme, make_suggestion, citizen2):
    suggestion = make_suggestion(title="公交线路优化建议", kind=Kind.ASK)
    services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    services.comment_create(suggestion=suggestion, body="赞同这个建议", by=citizen2)
    response = client.get(url("theme", theme.pk))
    html = page(response)
    assert theme.question.splitlines()[0] in html
    row = html[position(html, "公交线路优化建议") :]
    row = row[: row.index("</li>")]
    assert "咨询" in row
    assert "待分办" in row
    assert "热心市民" in row
    assert "支持 1" in row and "反对 0" in row and "评论 1" in row
    assert "周末延长服务大厅" in row  # the excerpt


@pytest.fixture
def ranked(campaign, theme, make_suggestion, citizen2, dept_liaison, route_to_department):
    """Three suggestions: ``old`` most supported, ``talked`` most discussed, ``answered`` replied to (newest)."""
    old = make_suggestion(title="最早的一条建言")
    talked = make_suggestion(title="讨论最多的建言", kind=Kind.COMPLAIN)
    answered = make_suggestion(title="已经答复的建言")
    services.vote_cast(suggestion=old, value=1, by=citizen2)
    for n in range(2):
        services.comment_create(suggestion=talked, body=f"第{n}条评论内容", by=citizen2)
    services.reply_create(suggestion=answered, body="已转有关部门核查处理，感谢您的反映。", by=dept_liaison)
    return {"old": old, "talked": talked, "answered": answered}


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("new", ["已经答复的建言", "讨论最多的建言", "最早的一条建言"]),
        ("top", ["最早的一条建言"]),
        ("talk", ["讨论最多的建言"]),
        ("answered", ["已经答复的建言"]),
        ("awaiting", ["讨论最多的建言", "最早的一条建言"]),
    ],
)
def test_theme_sorts(client, theme, ranked, sort, order):
    response = client.get(url("theme", theme.pk) + f"?sort={sort}")
    titles = [row["title"] for row in response.context["rows"]]
    assert titles[: len(order)] == order
    if sort == "answered":
        assert titles == ["已经答复的建言"]
    if sort == "awaiting":
        assert "已经答复的建言" not in titles
    assert 'aria-current="true">' in page(response)


def test_theme_kind_filter_and_an_unknown_sort_falls_back(client, theme, ranked):
    response = client.get(url("theme", theme.pk) + "?kind=complain")
    assert [row["title"] for row in response.context["rows"]] == ["讨论最多的建言"]
    response = client.get(url("theme", theme.pk) + "?sort=drop&kind=nonsense")
    assert response.context["sort"] == "new"
    assert len(response.context["rows"]) == 3


def test_theme_page_is_paged_without_counting(client, campaign, theme, make_suggestion):
    for _n in range(23):
        make_suggestion()
    first = client.get(url("theme", theme.pk))
    assert len(first.context["rows"]) == 20
    assert 'rel="next"' in page(first)
    second = client.get(url("theme", theme.pk) + "?page=2")
    assert len(second.context["rows"]) == 3
    assert 'rel="prev"' in page(second)
    assert 'rel="next"' not in page(second)


def test_theme_of_a_draft_campaign_or_unknown_is_404(client, theme):
    assert client.get(url("theme", 999999)).status_code == 404


def test_held_suggestion_is_shown_to_its_author_only_with_a_notice(client, login, campaign, make_suggestion, words):
    words("违禁词")
    held = make_suggestion(body="这里有违禁词的内容，应当先审核再公开，谢谢。")
    assert held.status == Visibility.PENDING
    assert client.get(url("suggestion", held.pk)).status_code == 404
    assert client.get(url("qr", held.pk)).status_code == 404
    login(held.author.user)
    html = page(client.get(url("suggestion", held.pk)))
    assert "待审核" in html
    assert "审核通过后公开显示" in html
    assert 'id="vote-box"' not in html


def test_suggestion_page_shows_replies_comments_and_the_viewers_standing(
    client, login, campaign, make_suggestion, citizen, citizen2, dept_liaison, route_to_department
):
    suggestion = make_suggestion()
    top = services.comment_create(suggestion=suggestion, body="第一条评论", by=citizen2)
    services.comment_create(suggestion=suggestion, body="回复第一条评论", by=citizen, parent=top)
    services.reply_create(suggestion=suggestion, body="已转有关部门核查处理，感谢您的反映。", by=dept_liaison)
    services.vote_cast(suggestion=suggestion, value=1, by=citizen2)
    login(citizen2)
    response = client.get(url("suggestion", suggestion.pk))
    html = page(response)
    assert "区发展和改革局" in html
    assert "已转有关部门核查处理" in html
    assert [(c.body, level) for c, level in response.context["comments"]] == [("第一条评论", 0), ("回复第一条评论", 1)]
    assert 'class="disc-comment depth-1"' in html
    assert 'value="1" class="vote support" aria-pressed="true"' in html
    assert 'id="rate-form"' not in html  # only the author rates


def test_open_graph_tags_and_share_qr(client, campaign, theme, make_suggestion):
    suggestion = make_suggestion(title="关于老旧小区加装电梯的建议", body="建议加快老旧小区加装电梯的审批，" * 20)
    html = page(client.get(url("suggestion", suggestion.pk)))
    assert '<meta property="og:title" content="关于老旧小区加装电梯的建议">' in html
    description = re.search(r'<meta property="og:description" content="([^"]*)">', html).group(1)
    assert description.startswith("建议加快老旧小区加装电梯的审批") and description.endswith("…")
    assert len(description) <= 150
    assert f'<meta property="og:url" content="http://testserver/discussion/s/{suggestion.pk}/">' in html
    assert f'src="{url("qr", suggestion.pk)}"' in html
    svg = client.get(url("qr", suggestion.pk))
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert "public" in svg["Cache-Control"]
    theme_svg = client.get(url("theme_qr", theme.pk))
    assert theme_svg.status_code == 200 and b"<svg" in theme_svg.content
    assert client.get(url("theme_qr", 999999)).status_code == 404


def test_search_marks_matches_and_links_to_the_comment(client, campaign, make_suggestion, citizen2):
    suggestion = make_suggestion(title="关于停车难的建议", body="小区停车难的问题由来已久，建议挖掘车位。")
    comment = services.comment_create(suggestion=suggestion, body="我们小区停车难的情况也很严重", by=citizen2)
    response = client.get(url("search") + "?q=停车难")
    html = page(response)
    assert "关于<mark>停车难</mark>的建议" in html
    assert "小区<mark>停车难</mark>的问题" in html
    assert "我们小区<mark>停车难</mark>的情况" in html
    assert f'href="{url("suggestion", suggestion.pk)}#c{comment.pk}"' in html
    assert sorted(row["label"] for row in response.context["hits"]) == ["建言", "评论"]
    assert client.get(url("search") + "?q=没有这样的内容").context["hits"] == []
    assert client.get(url("search")).status_code == 200


def test_search_excerpt_is_cut_around_the_first_match(client, campaign, make_suggestion):
    make_suggestion(title="一条很长的建言", body="无关的话。" * 60 + "关键的垃圾分类问题" + "后面的话。" * 60)
    html = page(client.get(url("search") + "?q=垃圾分类"))
    excerpt = re.search(r'<p class="disc-excerpt">(.*?)</p>', html, re.S).group(1)
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>垃圾分类</mark>" in excerpt
    assert len(excerpt) < 250


# --- queries stay flat ----------------------------------------------------------------------------


def _many(make_suggestion, n):
    return [make_suggestion() for _ in range(n)]


@pytest.mark.parametrize("rows", [2, 30])
def test_front_and_theme_pages_cost_the_same_queries_whatever_the_rows(
    client, login, campaign, theme, make_suggestion, citizen2, rows, django_assert_max_num_queries
):
    _many(make_suggestion, rows)
    with django_assert_max_num_queries(5):
        client.get(url("index"))
    with django_assert_max_num_queries(3):
        response = client.get(url("theme", theme.pk) + "?sort=top")
    assert len(response.context["rows"]) == min(rows, 20)
    login(citizen2)
    with django_assert_max_num_queries(10):
        client.get(url("index"))
    with django_assert_max_num_queries(8):
        client.get(url("theme", theme.pk))


@pytest.mark.parametrize("comments", [2, 40])
def test_suggestion_page_costs_the_same_queries_whatever_the_comments_and_replies(
    client,
    login,
    campaign,
    make_suggestion,
    citizen,
    citizen2,
    dept_liaison,
    route_to_department,
    comments,
    django_assert_max_num_queries,
):
    suggestion = make_suggestion()
    parent = None
    for n in range(comments):
        parent = services.comment_create(
            suggestion=suggestion, body=f"评论内容第{n}条", by=citizen2 if n % 2 else citizen, parent=parent
        )
        if n % 4 == 3:
            parent = None
    reply = services.reply_create(suggestion=suggestion, body="已转有关部门核查处理，感谢您的反映。", by=dept_liaison)
    services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="没有说明结果", by=citizen)
    services.reply_create(suggestion=suggestion, body="经核查已依法处理，谢谢您的监督。", by=dept_liaison)
    with django_assert_max_num_queries(4):
        client.get(url("suggestion", suggestion.pk))
    login(citizen)
    with django_assert_max_num_queries(13):
        response = client.get(url("suggestion", suggestion.pk))
    assert len(response.context["comments"]) == comments
    assert response.context["rateable"] is not None


@pytest.mark.parametrize("rows", [2, 30])
def test_search_costs_the_same_queries_whatever_the_hits(
    client, campaign, make_suggestion, citizen2, rows, django_assert_max_num_queries
):
    for suggestion in _many(make_suggestion, rows):
        services.comment_create(suggestion=suggestion, body="社区服务需要改进", by=citizen2)
    with django_assert_max_num_queries(6):
        response = client.get(url("search") + "?q=社区服务")
    assert len(response.context["hits"]) == min(2 * rows, 20)


# --- posting --------------------------------------------------------------------------------------


def test_posting_needs_an_account(client, campaign):
    response = client.get(url("suggestion_new") + "?campaign=xihu")
    assert response.status_code == 302
    assert response["Location"] == url("signup") + "?next=%2Fdiscussion%2Fnew%2F%3Fcampaign%3Dxihu"


def _post_suggestion(client, theme, **data):
    form = {
        "theme": theme.pk,
        "kind": "suggest",
        "title": "关于增设公交站的建议",
        "body": "建议在幸福路口增设公交站，方便居民出行。",
    }
    form.update(data)
    return client.post(url("suggestion_new") + "?campaign=xihu", form)


def test_a_posted_suggestion_is_public_at_once(client, login, campaign, theme, citizen):
    login(citizen)
    response = _post_suggestion(client, theme)
    created = Suggestion.objects.get(title="关于增设公交站的建议")
    assert response.status_code == 302
    assert response["Location"] == url("suggestion", created.pk)
    assert created.status == Visibility.PUBLISHED
    html = page(client.get(response["Location"]))
    assert "建言已发表，已公开显示。" in html


def test_a_suggestion_with_a_screened_word_is_held_and_says_so(client, login, campaign, theme, citizen, words):
    words("违禁词")
    login(citizen)
    response = _post_suggestion(client, theme, body="这里有违禁词的内容，应当先审核再公开。")
    created = Suggestion.objects.get(title="关于增设公交站的建议")
    assert created.status == Visibility.PENDING
    html = page(client.get(response["Location"]))
    assert "正在等待审核" in html
    assert "待审核" in html


def test_pre_moderation_holds_every_suggestion(client, login, campaign, theme, citizen, office):
    set_forum(campaign, office, moderation="pre")
    login(citizen)
    html = page(client.get(url("suggestion_new") + "?campaign=xihu"))
    assert "先审后发" in html
    _post_suggestion(client, theme)
    assert Suggestion.objects.get(title="关于增设公交站的建议").status == Visibility.PENDING


def test_errors_are_shown_next_to_their_fields(client, login, campaign, theme, citizen):
    login(citizen)
    response = _post_suggestion(client, theme, title="短", body="太短")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["title"] == ["标题至少 4 个字。"]
    assert not Suggestion.objects.exists()
    html = page(response)
    assert 'id="id_title_error"' in html
    response = _post_suggestion(client, theme, body="太短")
    assert response.context["form"].errors["body"] == ["内容至少 10 个字。"]


def test_a_duplicate_is_refused_above_the_form(client, login, campaign, theme, citizen):
    login(citizen)
    _post_suggestion(client, theme)
    response = _post_suggestion(client, theme)
    assert response.context["form"].non_field_errors() == ["您已发表过相同的建言，请勿重复提交。"]
    assert Suggestion.objects.count() == 1


def test_real_names_required_sends_to_the_real_name_page(client, login, campaign, theme, citizen, office):
    set_forum(campaign, office, require_real_name=True)
    login(citizen)
    html = page(client.get(url("suggestion_new") + "?campaign=xihu"))
    assert url("real_name") + "?next=" in html
    assert 'name="title"' not in html
    response = _post_suggestion(client, theme)
    assert "后台实名" in str(response.context["form"].non_field_errors())


def test_blocked_participant_is_refused_with_the_reason(
    client, login, campaign, theme, citizen, office, make_suggestion
):
    suggestion = make_suggestion()
    participant = Participant.objects.get(user=citizen)
    services.participant_block(participant=participant, reason="多次发布广告", by=office, campaign=campaign)
    login(citizen)
    html = page(client.get(url("suggestion_new") + "?campaign=xihu"))
    assert "多次发布广告" in html
    response = _post_suggestion(client, theme, title="另一条建言标题")
    assert "多次发布广告" in str(response.context["form"].non_field_errors())
    response = client.post(url("vote", suggestion.pk), {"value": "1"}, follow=True)
    assert "多次发布广告" in page(response)
    assert not Vote.objects.exists()


def test_closed_discussion_is_read_only(client, login, campaign, make_suggestion, citizen2, office):
    suggestion = make_suggestion()
    set_forum(campaign, office, is_open=False)
    login(citizen2)
    html = page(client.get(url("suggestion", suggestion.pk)))
    assert "不接受新的发言" in html
    assert 'id="comment-form"' not in html
    assert "disabled" in html[position(html, 'id="vote-box"') :]
    assert "不接受新的发言" in page(client.get(url("index")))
    response = client.post(url("comment", suggestion.pk), {"body": "还能评论吗"})
    assert "网上讨论已关闭" in str(response.context["comment_form"].non_field_errors())


# --- comments, votes, follows, reports ------------------------------------------------------------


def test_anonymous_posts_are_sent_to_sign_up(client, campaign, make_suggestion):
    suggestion = make_suggestion()
    for name in ("comment", "vote", "follow", "report"):
        response = client.post(url(name, suggestion.pk), {"value": "1", "body": "评论内容"})
        assert response.status_code == 302
        assert response["Location"].startswith(url("signup") + "?next=%2Fdiscussion%2Fs%2F")
    response = client.post(url("vote", suggestion.pk), {"value": "1"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"].startswith(url("signup"))
    assert not Vote.objects.exists() and not Comment.objects.exists()
    assert client.get(url("vote", suggestion.pk)).status_code == 405


def test_comments_thread_and_own_held_ones_are_marked(
    client, login, campaign, make_suggestion, citizen, citizen2, words
):
    suggestion = make_suggestion()
    login(citizen2)
    response = client.post(url("comment", suggestion.pk), {"body": "很好的建议"})
    top = Comment.objects.get(body="很好的建议")
    assert response["Location"] == url("suggestion", suggestion.pk) + f"#c{top.pk}"
    client.post(url("comment", suggestion.pk), {"body": "补充一点意见", "parent": top.pk})
    child = Comment.objects.get(body="补充一点意见")
    assert (child.parent, child.depth) == (top, 1)
    words("违禁词")
    response = client.post(url("comment", suggestion.pk), {"body": "这条有违禁词"}, follow=True)
    html = page(response)
    assert "评论已提交，正在等待审核" in html
    held = html[position(html, "这条有违禁词") - 400 :]
    assert "待审核" in held[:500]
    login(citizen)
    assert "这条有违禁词" not in page(client.get(url("suggestion", suggestion.pk)))


def test_comment_errors_keep_the_text(client, login, campaign, make_suggestion, citizen2):
    suggestion = make_suggestion()
    login(citizen2)
    response = client.post(url("comment", suggestion.pk), {"body": "好"})
    assert response.status_code == 200
    assert response.context["comment_form"].errors["body"] == ["评论至少 2 个字。"]
    response = client.post(url("comment", suggestion.pk), {"body": "回复不存在的评论", "parent": 999999})
    assert "回复的评论不存在或未公开。" in str(response.context["comment_form"].non_field_errors())


def test_voting_twice_keeps_one_vote_and_htmx_gets_the_box(client, login, campaign, make_suggestion, citizen2):
    suggestion = make_suggestion()
    login(citizen2)
    response = client.post(url("vote", suggestion.pk), {"value": "1"})
    assert response["Location"] == url("suggestion", suggestion.pk) + "#vote-box"
    client.post(url("vote", suggestion.pk), {"value": "1"})
    assert Vote.objects.filter(suggestion=suggestion).count() == 1
    suggestion.refresh_from_db()
    assert suggestion.supports_count == 1
    response = client.post(url("vote", suggestion.pk), {"value": "-1"}, HTTP_HX_REQUEST="true")
    html = page(response)
    assert html.startswith('<div id="vote-box"')
    assert "<html" not in html
    assert 'value="-1" class="vote oppose" aria-pressed="true">反对 <span class="count">1</span>' in html
    assert '<span class="count">0</span>' in html
    response = client.post(url("vote", suggestion.pk), {"value": "withdraw"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="true"' not in page(response)
    assert not Vote.objects.exists()
    response = client.post(url("vote", suggestion.pk), {"value": "5"}, HTTP_HX_REQUEST="true")
    assert "请选择支持或反对" in page(response)


def test_follow_and_unfollow(client, login, campaign, make_suggestion, citizen2):
    suggestion = make_suggestion()
    login(citizen2)
    response = client.post(url("follow", suggestion.pk), {"on": "1"}, follow=True)
    assert "已关注，有新评论或答复时会通知您。" in page(response)
    assert Follow.objects.filter(suggestion=suggestion, user=citizen2).exists()
    response = client.post(url("follow", suggestion.pk), {"on": "0"}, HTTP_HX_REQUEST="true")
    assert page(response).startswith('<div id="follow-box"')
    assert not Follow.objects.filter(suggestion=suggestion, user=citizen2).exists()
    html = page(client.get(url("me")))
    assert suggestion.title not in html[position(html, "我关注的建言") :]


def test_reporting_a_suggestion_and_a_comment(client, login, campaign, make_suggestion, citizen, citizen2):
    suggestion = make_suggestion()
    comment = services.comment_create(suggestion=suggestion, body="一条广告评论", by=citizen)
    login(citizen2)
    response = client.post(url("report", suggestion.pk), {"reason": "spam", "note": "广告"}, follow=True)
    assert "已收到您的举报" in page(response)
    assert "您已举报这条建言" in page(response)
    response = client.post(url("report", suggestion.pk), {"reason": "spam"}, follow=True)
    assert "您已举报过该内容" in page(response)
    response = client.post(url("report_comment", comment.pk), {"reason": "abuse"})
    assert response["Location"] == url("suggestion", suggestion.pk) + f"#c{comment.pk}"
    assert Report.objects.filter(comment=comment, reason="abuse").exists()
    response = client.post(url("report_comment", comment.pk), {"reason": "no-such"}, follow=True)
    assert "请选择举报原因" in page(response)
    login(citizen)
    response = client.post(url("report", suggestion.pk), {"reason": "spam"}, follow=True)
    assert "不能举报自己发表的内容" in page(response)
    assert client.post(url("report_comment", 999999), {"reason": "spam"}).status_code == 404


def test_rating_flow_unsatisfied_reopens(
    client, login, campaign, make_suggestion, citizen, citizen2, dept_liaison, route_to_department
):
    suggestion = make_suggestion()
    reply = services.reply_create(suggestion=suggestion, body="已转有关部门核查处理，感谢您的反映。", by=dept_liaison)
    login(citizen2)
    response = client.post(url("rate", reply.pk), {"rating": "satisfied"}, follow=True)
    assert "您没有权限执行此操作。" in page(response)
    reply.refresh_from_db()
    assert reply.rating == ""
    login(citizen)
    html = page(client.get(url("suggestion", suggestion.pk)))
    assert 'id="rate-form"' in html
    response = client.post(url("rate", reply.pk), {"rating": Rating.UNSATISFIED})
    assert response.context["rate_form"].errors["note"] == ["请填写评价说明。"]
    response = client.post(
        url("rate", reply.pk), {"rating": Rating.UNSATISFIED, "note": "没有说明处理结果"}, follow=True
    )
    html = page(response)
    assert "建言已退回承办单位重新办理" in html
    assert "不满意" in html and "没有说明处理结果" in html
    assert 'id="rate-form"' not in html
    suggestion.refresh_from_db()
    assert suggestion.answer_state == AnswerState.REOPENED
    response = client.post(url("rate", reply.pk), {"rating": Rating.SATISFIED}, follow=True)
    assert "这条答复已评价过或已有新的答复。" in page(response)
    second = services.reply_create(suggestion=suggestion, body="经核查已依法处理，谢谢您的监督。", by=dept_liaison)
    response = client.post(url("rate", second.pk), {"rating": Rating.SATISFIED}, follow=True)
    assert "感谢您的评价" in page(response)
    suggestion.refresh_from_db()
    assert suggestion.answer_state == AnswerState.CLOSED


def test_the_answering_department_sees_a_link_to_reply(
    client, login, campaign, make_suggestion, dept_liaison, route_to_department
):
    suggestion = make_suggestion()
    login(dept_liaison)
    assert f'href="{url("reply", suggestion.pk)}"' in page(client.get(url("suggestion", suggestion.pk)))
    client.logout()
    assert f'href="{url("reply", suggestion.pk)}"' not in page(client.get(url("suggestion", suggestion.pk)))


# --- my pages -------------------------------------------------------------------------------------


def test_my_page_lists_every_state_with_the_moderators_note(
    client, login, campaign, make_suggestion, citizen, office, words
):
    public = make_suggestion(title="公开的建言标题")
    words("违禁词")
    refused = make_suggestion(title="被驳回的建言", body="这里有违禁词的内容，应当先审核再公开。")
    services.moderate(item=refused, action="reject", note="含有不实信息", by=office)
    services.follow_set(suggestion=public, by=citizen, on=True)
    assert client.get(url("me"))["Location"] == url("signup") + "?next=%2Fdiscussion%2Fme%2F"
    login(citizen)
    response = client.get(url("me"))
    html = page(response)
    assert "公开的建言标题" in html and "被驳回的建言" in html
    assert "未通过" in html and "含有不实信息" in html
    assert response["Cache-Control"] == "no-store"
    response = client.post(url("me"), {"nickname": "新的昵称"}, follow=True)
    assert "昵称已修改" in page(response)
    assert Participant.objects.get(user=citizen).nickname == "新的昵称"
    response = client.post(url("me"), {"nickname": "违禁词昵称"})
    assert response.context["form"].errors["nickname"]


def test_real_name_is_registered_and_shown_masked(client, login, campaign, citizen):
    login(citizen)
    response = client.post(url("real_name"), {"real_name": "王小明", "id_number": "123"})
    assert response.context["form"].errors["id_number"]
    response = client.post(
        url("real_name"), {"real_name": "王小明", "id_number": "11010519491231002X", "next": "https://evil.example/"}
    )
    assert response["Location"] == url("me")
    participant = Participant.objects.get(user=citizen)
    assert participant.is_verified
    html = page(client.get(url("real_name")))
    assert "王**" in html
    assert "1101**********002X" in html
    assert "11010519491231002X" not in html
    assert "王小明" not in html


# --- stored XSS -----------------------------------------------------------------------------------


def assert_inert(html: str) -> None:
    for raw in ("<script>alert(1)", "<img src=x", "<svg onload"):
        assert raw not in html
    assert any(shown in html for shown in ("&lt;script&gt;", "&lt;img src=x", "&lt;svg onload"))


def test_stored_xss_is_inert_on_every_public_page(
    client, login, campaign, theme, citizen, citizen2, dept_liaison, route_to_department, make_suggestion
):
    Participant.objects.filter(user=citizen).update(nickname=SVG)
    Participant.objects.filter(user=citizen2).update(nickname=SCRIPT)
    suggestion = make_suggestion(title=f"标题{IMG}", body=f"正文内容{SCRIPT}{IMG}请相关部门重视")
    services.comment_create(suggestion=suggestion, body=f"评论{SCRIPT}{IMG}", by=citizen2)
    services.reply_create(suggestion=suggestion, body=f"答复内容{SCRIPT}{IMG}已处理", by=dept_liaison)
    pages = [
        url("index"),
        url("theme", theme.pk),
        url("suggestion", suggestion.pk),
        url("search") + "?q=" + SCRIPT,
        url("search") + "?q=正文内容",
        url("search") + "?q=评论",
        url("search") + "?q=答复内容",
    ]
    for address in pages:
        assert_inert(page(client.get(address)))
    html = page(client.get(url("suggestion", suggestion.pk)))
    assert "标题&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'content="标题&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in html  # og:title
    assert "&lt;svg onload=alert(1)&gt;" in html  # the author's nickname
    search = page(client.get(url("search") + "?q=正文内容"))
    assert "<mark>正文内容</mark>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in search
    login(citizen)
    for address in (url("suggestion", suggestion.pk), url("me")):
        assert_inert(page(client.get(address)))
