"""The reviewer's, the office's and the publicity staff's article pages: who reaches which, the review
actions through the panel, the copy check laid out side by side, the office list with its filters and
export, the call, the bulk re-check and the publish queue.

The article under test is 张三's (user ``cadre``, community A1 of street A); ``reviewer_a`` reviews street A
and is assigned to it. Those who may not see an article get 404 (as for an id that does not exist), those
who see it but may not act 403, the browsing pages 403 to those without the rule; anonymous viewers are
sent to log in.
"""

from __future__ import annotations

import copy
import io
import re

import pytest
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from conftest import add_mixed_roles, add_scoped_user, make_org, module_rows, start_builtin_campaign
from taolun.accounts.models import Role, RoleAssignment
from taolun.articles import checks, services
from taolun.articles.models import Article, ArticleCall, ArticleReview, ArticleStatus, RecheckRun, RecheckStatus
from taolun.core.models import Notification

pytestmark = pytest.mark.django_db

S = ArticleStatus
ROLES = [
    "admin",
    "office",
    "office_a",
    "liaison",
    "liaison_b",
    "reviewer",
    "reviewer_a",
    "publicity",
    "cadre",
    "citizen",
    "anonymous",
]
HX = {"HTTP_HX_REQUEST": "true"}
MARK = re.compile(r'<mark class="copied"[^>]*>(?:<a [^>]*>\d+</a>)?(.*?)</mark>', re.S)


def viewer(org, role: str):
    return None if role == "anonymous" else org.users[role]


def expect(role: str, allowed: set[str], sees: set[str] | frozenset[str] = frozenset()) -> int:
    """200 for ``allowed``, 403 for those who see the article but may not, 404 for the rest; 302 anonymous."""
    if role == "anonymous":
        return 302
    if role in allowed:
        return 200
    return 403 if role in sees else 404


def copied_body(text: str) -> str:
    return (
        "我认真学习后体会很深。"
        + text[500:2000]
        + "今后要结合本职工作抓好落实，把学习成果转化为推动发展的实际行动。" * 3
    )


# Every test starts from the same rows, built once for the module: the organisation with the mixed roles and
# reviewer_a (as the fixtures org_mixed_roles and reviewer_a make them) and the running campaign.
@module_rows
def _rows():
    org = add_mixed_roles(make_org())
    add_scoped_user(org, "reviewer_a", "甲街道审阅人", Role.REVIEWER, org.street_a)
    return org, start_builtin_campaign(org)


@pytest.fixture
def _copy(_rows, db):
    return copy.deepcopy(_rows)


@pytest.fixture
def org(_copy):
    return _copy[0]


@pytest.fixture
def campaign(_copy):
    return _copy[1]


@pytest.fixture
def users(org):
    return org


@pytest.fixture
def reviewer_a(org):
    return org.users["reviewer_a"]


@pytest.fixture
def submitted(users, campaign, make_article, author):
    return make_article(author, status=S.SUBMITTED, title="甲社区学习心得")


# --- who reaches which page ------------------------------------------------------------------------

# Who sees 张三's submitted article at all: the author, its reviewer, the offices and the liaison covering it.
SEES = {"admin", "office", "office_a", "liaison", "reviewer_a", "cadre"}
REVIEWS = {"admin", "office", "office_a", "reviewer_a"}


@pytest.mark.parametrize("role", ROLES)
def test_check_page_by_role(users, submitted, login, role):
    response = login(viewer(users, role)).get(reverse("articles:check", args=[submitted.pk]))
    assert response.status_code == expect(role, REVIEWS, SEES)
    body = response.content.decode()
    assert ("甲社区学习心得" in body) == (response.status_code == 200)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ROLES)
def test_review_panel_by_role(users, submitted, login, role):
    response = login(viewer(users, role)).get(reverse("articles:review", args=[submitted.pk]), **HX)
    assert response.status_code == expect(role, REVIEWS, SEES)
    if response.status_code == 200:
        assert 'id="approve-form"' in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_returning_by_role(users, submitted, login, role):
    response = login(viewer(users, role)).post(
        reverse("articles:review", args=[submitted.pk]), {"action": "return", "return-comment": "请修改。"}
    )
    allowed = role in REVIEWS
    assert response.status_code == (302 if allowed or role == "anonymous" else expect(role, set(), SEES))
    submitted.refresh_from_db()
    assert submitted.status == (S.RETURNED if allowed else S.SUBMITTED)


@pytest.mark.parametrize("role", ROLES)
def test_assigning_by_role(users, submitted, login, role):
    response = login(viewer(users, role)).post(
        reverse("articles:assign", args=[submitted.pk]), {"assign-reviewer": users.user("reviewer").pk}
    )
    allowed = role in {"admin", "office", "office_a"}
    assert response.status_code == (302 if allowed or role == "anonymous" else expect(role, set(), SEES))
    submitted.refresh_from_db()
    expected = users.user("reviewer") if allowed else users.user("reviewer_a")
    assert submitted.reviewer_id == expected.pk


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("articles:review_queue", {"admin", "office", "office_a", "reviewer", "reviewer_a"}),
        ("articles:list", {"admin", "office", "office_a", "liaison", "liaison_b"}),
        ("articles:export", {"admin", "office", "office_a", "liaison", "liaison_b"}),
        ("articles:call", {"admin", "office"}),
        ("articles:publish_queue", {"admin", "publicity"}),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_office_and_queue_pages_by_role(users, campaign, login, role, name, allowed):
    response = login(viewer(users, role)).get(reverse(name), {"campaign": campaign.slug})
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("role", ROLES)
def test_publishing_by_role(users, campaign, make_article, author, login, role):
    article = make_article(author, status=S.EXCELLENT, title="优秀心得")
    response = login(viewer(users, role)).post(reverse("articles:publish", args=[article.pk]), {"action": "publish"})
    allowed = role in {"admin", "publicity"}
    # The excellent article is seen by its author, reviewer, the offices and liaison — and by publicity.
    sees = SEES | {"publicity"}
    assert response.status_code == (302 if allowed or role == "anonymous" else expect(role, set(), sees))
    article.refresh_from_db()
    assert article.status == (S.PUBLISHED if allowed else S.EXCELLENT)


@pytest.mark.parametrize("role", ROLES)
def test_recheck_and_assign_all_by_role(users, campaign, login, role, django_capture_on_commit_callbacks):
    client = login(viewer(users, role))
    with django_capture_on_commit_callbacks(execute=True):
        recheck = client.post(reverse("articles:recheck"), {"campaign": campaign.slug})
    assign = client.post(reverse("articles:assign_all"), {"campaign": campaign.slug})
    allowed = role in {"admin", "office"}
    for response in (recheck, assign):
        assert response.status_code == (302 if allowed or role == "anonymous" else 403)
    assert RecheckRun.objects.filter(campaign=campaign).exists() == allowed


def test_an_article_that_does_not_exist_is_not_found(users, campaign, login):
    client = login(users.user("office"))
    assert client.get(reverse("articles:check", args=[999999])).status_code == 404
    assert client.post(reverse("articles:review", args=[999999]), {"action": "return"}).status_code == 404
    assert client.post(reverse("articles:publish", args=[999999]), {"action": "publish"}).status_code == 404


# --- reviewing through the panel -------------------------------------------------------------------


def test_reviewer_returns_with_comment_and_the_author_is_told(users, submitted, login):
    response = login(users.user("reviewer_a")).post(
        reverse("articles:review", args=[submitted.pk]),
        {"action": "return", "return-comment": "请结合社区工作实际，补充具体做法。"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(submitted.get_absolute_url())
    submitted.refresh_from_db()
    assert submitted.status == S.RETURNED
    review = ArticleReview.objects.get(article=submitted)
    assert (review.action, review.comment, review.reviewer) == (
        "return",
        "请结合社区工作实际，补充具体做法。",
        users.user("reviewer_a"),
    )
    notice = Notification.objects.get(recipient=users.user("cadre"), title__contains="退回修改")
    assert "补充具体做法" in notice.body


def test_returning_without_a_comment_shows_the_error_next_to_the_field(users, submitted, login):
    response = login(users.user("reviewer_a")).post(
        reverse("articles:review", args=[submitted.pk]), {"action": "return", "return-comment": "  "}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_return-comment_error"' in body
    assert 'id="review-panel"' in body and "甲社区学习心得" in body  # the article's page, with the panel
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    assert not ArticleReview.objects.exists()


def test_approving_with_scores(users, submitted, login):
    response = login(users.user("reviewer_a")).post(
        reverse("articles:review", args=[submitted.pk]),
        {
            "action": "approve",
            "approve-thought_score": "36",
            "approve-practice_score": "24",
            "approve-suggestions_score": "20",
            "approve-comment": "联系实际，建议具体。",
        },
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.APPROVED
    assert (submitted.thought_score, submitted.practice_score, submitted.suggestions_score) == (36, 24, 20)
    assert submitted.score == 80
    assert Notification.objects.filter(recipient=users.user("cadre"), title__contains="审核通过").exists()


@pytest.mark.parametrize(
    ("scores", "wrong"),
    [
        ({"thought_score": "41", "practice_score": "20", "suggestions_score": "20"}, ["thought_score"]),
        (
            {"thought_score": "30", "practice_score": "-1", "suggestions_score": "abc"},
            ["practice_score", "suggestions_score"],
        ),
        ({"thought_score": "", "practice_score": "20", "suggestions_score": "20"}, ["thought_score"]),
    ],
)
def test_bad_scores_show_errors_next_to_their_fields_and_change_nothing(users, submitted, login, scores, wrong):
    data = {"action": "approve", **{f"approve-{k}": v for k, v in scores.items()}}
    response = login(users.user("reviewer_a")).post(reverse("articles:review", args=[submitted.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    for field in ("thought_score", "practice_score", "suggestions_score"):
        assert (f'id="id_approve-{field}_error"' in body) == (field in wrong)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.score, submitted.thought_score) == (S.SUBMITTED, None, None)


def test_scores_follow_the_calls_maxima(users, campaign, submitted, login):
    services.call_update(campaign=campaign, by=None, thought_max=50, practice_max=25, suggestions_max=25)
    client = login(users.user("reviewer_a"))
    panel = client.get(reverse("articles:review", args=[submitted.pk]), **HX).content.decode()
    assert 'max="50"' in panel and "0–50" in panel
    data = {"action": "approve", "approve-thought_score": "50", "approve-practice_score": "25"}
    response = client.post(reverse("articles:review", args=[submitted.pk]), {**data, "approve-suggestions_score": "25"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.score == 100


def test_excellent_and_back(users, campaign, make_article, author, login):
    article = make_article(author, status=S.APPROVED)
    client = login(users.user("reviewer_a"))
    response = client.post(
        reverse("articles:review", args=[article.pk]), {"action": "excellent", "excellent-comment": "典型"}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == S.EXCELLENT
    # Taking it back needs a reason.
    url = reverse("articles:review", args=[article.pk])
    response = client.post(url, {"action": "unexcellent", "unexcellent-reason": ""})
    assert response.status_code == 400
    assert 'id="id_unexcellent-reason_error"' in response.content.decode()
    article.refresh_from_db()
    assert article.status == S.EXCELLENT
    assert client.post(url, {"action": "unexcellent", "unexcellent-reason": "重复率偏高"}).status_code == 302
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_an_action_the_status_does_not_allow_is_refused_on_the_page(users, campaign, make_article, author, login):
    article = make_article(author, status=S.APPROVED)
    response = login(users.user("reviewer_a")).post(
        reverse("articles:review", args=[article.pk]), {"action": "return", "return-comment": "再改改"}
    )
    assert response.status_code == 400
    assert "不能改为" in response.content.decode()
    article.refresh_from_db()
    assert article.status == S.APPROVED


def test_unknown_action_is_a_bad_request(users, submitted, login):
    client = login(users.user("reviewer_a"))
    assert client.post(reverse("articles:review", args=[submitted.pk]), {"action": "delete"}).status_code == 400


def test_office_assigns_a_reviewer_among_the_candidates(users, submitted, login, make_author):
    client = login(users.user("office"))
    panel = client.get(reverse("articles:review", args=[submitted.pk]), **HX).content.decode()
    assert 'id="assign-form"' in panel
    assert f'value="{users.user("reviewer").pk}"' in panel
    # Someone who does not review (the citizen) is no candidate: the error is next to the field.
    response = client.post(
        reverse("articles:assign", args=[submitted.pk]), {"assign-reviewer": users.user("citizen").pk}
    )
    assert response.status_code == 400
    assert 'id="id_assign-reviewer_error"' in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.reviewer == users.user("reviewer_a")
    response = client.post(
        reverse("articles:assign", args=[submitted.pk]), {"assign-reviewer": users.user("reviewer").pk}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.reviewer == users.user("reviewer")
    assert Notification.objects.filter(recipient=users.user("reviewer"), title__contains="待您审阅").exists()


def test_the_panel_page_without_htmx_is_the_article_page(users, submitted, login):
    response = login(users.user("reviewer_a")).get(reverse("articles:review", args=[submitted.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>甲社区学习心得</h1>" in body and 'id="return-form"' in body


# --- publishing ------------------------------------------------------------------------------------


def test_publishing_without_consent_is_refused_with_a_clear_message(users, campaign, make_article, author, login):
    article = make_article(author, status=S.EXCELLENT, consent=False)
    client = login(users.user("publicity"))
    panel = client.get(reverse("articles:review", args=[article.pk]), **HX).content.decode()
    assert "作者尚未同意公开这篇文章" in panel and 'id="publish-form"' not in panel
    queue = client.get(reverse("articles:publish_queue")).content.decode()
    assert "作者尚未同意公开，不能发布" in queue
    response = client.post(reverse("articles:publish", args=[article.pk]), {"action": "publish"})
    assert response.status_code == 400
    assert "作者尚未同意公开这篇文章，不能发布" in response.content.decode()
    article.refresh_from_db()
    assert (article.status, article.published_at) == (S.EXCELLENT, None)


def test_publishing_with_consent_from_the_queue(users, campaign, make_article, author, login):
    article = make_article(author, status=S.EXCELLENT, title="优秀心得")
    client = login(users.user("publicity"))
    queue_url = reverse("articles:publish_queue")
    queue = client.get(queue_url).content.decode()
    assert "优秀心得" in queue and "发布到网站" in queue
    response = client.post(reverse("articles:publish", args=[article.pk]), {"action": "publish", "next": queue_url})
    assert response.status_code == 302 and response["Location"] == queue_url
    article.refresh_from_db()
    assert article.status == S.PUBLISHED and article.published_by == users.user("publicity")
    # Taking it down needs a reason; a foreign ``next`` is ignored.
    url = reverse("articles:publish", args=[article.pk])
    response = client.post(url, {"action": "unpublish", "unpublish-reason": ""})
    assert response.status_code == 400 and 'id="id_unpublish-reason_error"' in response.content.decode()
    response = client.post(
        url, {"action": "unpublish", "unpublish-reason": "作者要求", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"].startswith(article.get_absolute_url())
    article.refresh_from_db()
    assert (article.status, article.published_at) == (S.EXCELLENT, None)


def test_publish_queue_lists_excellent_and_published_in_scope(
    users, campaign, make_article, make_author, login, django_assert_max_num_queries
):
    excellent = make_article(make_author(), status=S.EXCELLENT, title="优秀一")
    published = make_article(make_author(), status=S.PUBLISHED, title="已发布二")
    approved = make_article(make_author(), status=S.APPROVED, title="通过三")
    client = login(users.user("publicity"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("articles:publish_queue"))
    rows = response.context["rows"]
    assert {a.pk for a in rows} == {excellent.pk, published.pk}
    assert approved.pk not in {a.pk for a in rows}
    assert "撤下" in response.content.decode()


# --- the copy check ----------------------------------------------------------------------------------


def test_check_page_highlights_the_copied_passages_on_both_sides(
    users, campaign, make_article, make_author, texts, login
):
    source = make_article(make_author(), body=texts[0][:3000], status=S.SUBMITTED, title="原创文章")
    copy = make_article(make_author(), body=copied_body(texts[0]), status=S.SUBMITTED, title="照抄文章")
    response = login(users.user("office")).get(reverse("articles:check", args=[copy.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    copy.refresh_from_db()
    assert copy.flagged and f'<span class="ratio big flagged">{round(copy.ratio * 100)}%</span>' in body
    assert "检测中" not in body
    marked = MARK.findall(body)
    assert marked, "no highlighted passage"
    copied = escape(texts[0][600:700])
    assert any(copied in text for text in marked)
    # The source, labelled by its author, beside the article; passage 1 links to its twin and back.
    assert "原创文章" in body and source.author.name in body
    assert 'id="s0-a0"' in body and 'href="#s0-b0"' in body
    assert 'id="s0-b0"' in body and 'href="#s0-a0"' in body
    # Text outside any copied passage is not marked.
    assert not any("我认真学习后体会很深" in text for text in marked)


def test_check_page_escapes_the_texts(users, campaign, make_article, make_author, texts, login):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    original = texts[1][:1200] + payload + texts[1][1200:2600]
    make_article(make_author(), body=original, status=S.SUBMITTED)
    copy = make_article(
        make_author(), body="引用如下：" + original[800:2400] + "。以上是我的体会。" * 3, status=S.SUBMITTED
    )
    body = login(users.user("office")).get(reverse("articles:check", args=[copy.pk])).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert escape(payload) in body
    assert any(escape("<script>") in text for text in MARK.findall(body))


def test_check_page_polls_while_the_check_runs_and_reloads_when_done(users, campaign, author, login, texts):
    article = services.article_start(
        campaign=campaign, author=author, by=author.user, title="待检测", body=texts[2][:1500]
    )
    article = services.article_submit(article=article, by=author.user)  # the check waits for the commit
    client = login(users.user("reviewer_a"))
    url = reverse("articles:check", args=[article.pk])
    body = client.get(url).content.decode()
    assert "检测中" in body and 'hx-trigger="every 3s"' in body and 'id="check-status"' in body
    still = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="check-status")
    assert "HX-Refresh" not in still and 'id="check-status"' in still.content.decode()
    revision = article.revisions.get(kind="submission")
    checks.check_submission(article_id=article.pk, revision_id=revision.pk)
    done = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="check-status")
    assert done["HX-Refresh"] == "true"
    body = client.get(url).content.decode()
    assert "检测中" not in body and "没有发现与其他文章或比对文库相同的段落" in body


def test_check_page_of_a_draft_says_there_is_no_check(users, campaign, make_article, author, login):
    article = make_article(author)
    body = login(users.user("office")).get(reverse("articles:check", args=[article.pk])).content.decode()
    assert "文章尚未提交" in body and "检测中" not in body


# --- the reviewer's queue --------------------------------------------------------------------------


def test_review_queue_puts_waiting_articles_first(users, campaign, make_article, make_author, texts, login):
    done = make_article(make_author(), status=S.APPROVED, title="已审文章")
    make_article(make_author(), body=texts[0][:3000], status=S.SUBMITTED)
    waiting = make_article(make_author(), body=copied_body(texts[0]), status=S.SUBMITTED, title="待审文章")
    make_article(make_author(unit=users.community_b), status=S.SUBMITTED, title="乙街道文章")  # someone else's
    response = login(users.user("reviewer_a")).get(reverse("articles:review_queue"))
    rows = response.context["rows"]
    assert rows[-1].pk == done.pk
    assert all(a.status == S.SUBMITTED for a in rows[:-1])
    assert "乙街道文章" not in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.flagged
    assert f'class="ratio flagged" href="{reverse("articles:check", args=[waiting.pk])}"' in response.content.decode()
    only = login(users.user("reviewer_a")).get(reverse("articles:review_queue"), {"status": "approved"})
    assert [a.pk for a in only.context["rows"]] == [done.pk]


# --- the office list -------------------------------------------------------------------------------


@pytest.fixture
def three(users, campaign, make_article, make_author, texts):
    """An original, a copy of it (flagged), and a draft (never checked)."""
    original = make_article(make_author(), body=texts[0][:3000], status=S.SUBMITTED, title="原创")
    copy = make_article(make_author(), body=copied_body(texts[0]), status=S.SUBMITTED, title="照抄")
    draft = make_article(make_author(unit=users.community_b), title="草稿")
    for article in (original, copy, draft):
        article.refresh_from_db()
    assert copy.ratio > original.ratio and copy.flagged and not original.flagged
    return original, copy, draft


def test_office_list_sorts_by_ratio_with_unchecked_last(users, three, login):
    original, copy, draft = three
    client = login(users.user("office"))
    response = client.get(reverse("articles:list"))
    assert [a.pk for a in response.context["rows"]] == [copy.pk, original.pk, draft.pk]
    response = client.get(reverse("articles:list"), {"sort": "-ratio"})
    assert [a.pk for a in response.context["rows"]] == [original.pk, copy.pk, draft.pk]
    counts = {s: n for s, _label, n in response.context["counts"]}
    assert counts["submitted"] == 2 and counts["draft"] == 1 and response.context["flagged_total"] == 1


@pytest.mark.parametrize("query", [{"flagged": "on"}, {"min_ratio": "50"}, {"q": "照抄"}])
def test_office_list_filters(users, three, login, query):
    _original, copy, _draft = three
    response = login(users.user("office")).get(reverse("articles:list"), query)
    assert [a.pk for a in response.context["rows"]] == [copy.pk]


def test_office_list_filters_by_theme_and_reviewer(users, three, campaign, login):
    _original, copy, draft = three
    theme = campaign.themes.order_by("order").first()
    services.article_save(article=draft, by=draft.author.user, title=draft.title, body=draft.body, themes=[theme])
    services.article_assign(article=copy, by=None, reviewer=users.user("reviewer"))
    client = login(users.user("office"))
    rows = client.get(reverse("articles:list"), {"theme": theme.pk}).context["rows"]
    assert [a.pk for a in rows] == [draft.pk]
    rows = client.get(reverse("articles:list"), {"reviewer": users.user("reviewer").pk}).context["rows"]
    assert [a.pk for a in rows] == [copy.pk]


def test_liaison_lists_only_their_street(users, three, login):
    original, copy, _draft = three
    rows = login(users.user("liaison")).get(reverse("articles:list")).context["rows"]
    assert {a.pk for a in rows} == {original.pk, copy.pk}
    # A unit outside their scope is refused by the filter, and lists nothing.
    response = login(users.user("liaison")).get(reverse("articles:list"), {"unit": "C-B1"})
    assert response.context["rows"] == [] and response.context["form"].errors


def test_office_list_htmx_answers_with_the_rows(users, three, login):
    response = login(users.user("office")).get(
        reverse("articles:list"), {"flagged": "on"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="article-rows"
    )
    body = response.content.decode()
    assert body.startswith('<div id="article-rows">') and "<html" not in body


def grow(make_article, make_author, users, n: int) -> None:
    """``n`` drafts in street A with a reviewer each (assigned by the office)."""
    for _ in range(n):
        article = make_article(make_author())
        services.article_assign(article=article, by=None, reviewer=users.user("reviewer_a"))


LIST_QUERIES = 15


@pytest.mark.parametrize("size", [5, 30])
def test_office_list_query_count_does_not_grow_with_the_rows(
    users, campaign, make_article, make_author, login, django_assert_max_num_queries, size
):
    grow(make_article, make_author, users, size)
    client = login(users.user("office"))
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("articles:list"))
    assert len(response.context["rows"]) == size
    assert "甲街道审阅人" in response.content.decode()
    with django_assert_max_num_queries(LIST_QUERIES + 1):  # + the unit filter's lookup
        response = client.get(reverse("articles:list"), {"unit": "S-A", "reviewer": users.user("reviewer_a").pk})
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [5, 30])
def test_review_queue_query_count_does_not_grow(
    users, campaign, make_article, make_author, login, django_assert_max_num_queries, size
):
    grow(make_article, make_author, users, size)
    Article.objects.update(status=S.SUBMITTED)  # as if handed in: the queue leaves drafts out
    client = login(users.user("reviewer_a"))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("articles:review_queue"))
    assert len(response.context["rows"]) == size


def test_export_holds_the_filtered_rows(users, three, login, campaign):
    _original, copy, _draft = three
    response = login(users.user("office")).get(reverse("articles:export"), {"flagged": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("序号", "标题", "作者")
    data = rows[2:]
    assert len(data) == 1
    assert data[0][1] == "照抄" and data[0][2] == copy.author.name and data[0][8] == "是"
    assert data[0][7] == pytest.approx(copy.ratio, abs=1e-4)
    everything = load_workbook(io.BytesIO(login(users.user("office")).get(reverse("articles:export")).content))
    assert len(list(everything.active.iter_rows(values_only=True))) == 2 + 3


def test_export_keeps_formulas_as_text(users, campaign, make_article, make_author, login):
    make_article(make_author(), title='=HYPERLINK("http://evil.example","点我")')
    response = login(users.user("office")).get(reverse("articles:export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=3, column=2)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def test_export_with_bad_filters_is_refused(users, campaign, login):
    response = login(users.user("office")).get(reverse("articles:export"), {"min_ratio": "200"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()


# --- the call ---------------------------------------------------------------------------------------


def call_data(**changes):
    data = {
        "deadline": "2030-06-30T18:00",
        "min_chars": "500",
        "max_chars": "8000",
        "flag_threshold": "25",
        "assign_mode": "pool",
        "thought_max": "40",
        "practice_max": "30",
        "suggestions_max": "30",
    }
    return {**data, **changes}


def test_call_form_saves_the_call(users, campaign, login):
    response = login(users.user("office")).post(reverse("articles:call"), call_data())
    assert response.status_code == 302
    call = ArticleCall.objects.get(campaign=campaign)
    assert (call.min_chars, call.max_chars, call.assign_mode) == (500, 8000, "pool")
    assert float(call.flag_threshold) == 0.25
    assert call.updated_by == users.user("office")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_chars": "9000"}, "min_chars"),
        ({"flag_threshold": "120"}, "flag_threshold"),
        ({"deadline": "下周"}, "deadline"),
        ({"max_chars": "200000"}, "max_chars"),
        ({"assign_mode": "lottery"}, "assign_mode"),
    ],
)
def test_call_form_errors_are_next_to_their_fields(users, campaign, login, changes, field):
    response = login(users.user("office")).post(reverse("articles:call"), call_data(**changes))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ArticleCall.objects.filter(campaign=campaign).exists()


def test_call_form_shows_the_current_call(users, campaign, login):
    services.call_update(campaign=campaign, by=None, flag_threshold="0.45", min_chars=800)
    body = login(users.user("office")).get(reverse("articles:call")).content.decode()
    assert 'name="flag_threshold" value="45"' in body and 'name="min_chars" value="800"' in body


# --- the bulk re-check and assigning the unassigned -------------------------------------------------


def test_recheck_runs_to_the_end_with_the_counts(users, three, campaign, login, django_capture_on_commit_callbacks):
    client = login(users.user("office"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("articles:recheck"), {"campaign": campaign.slug}, **HX)
    assert response.status_code == 200
    run = RecheckRun.objects.get(campaign=campaign)
    # Checked again, the original is compared only with what was handed in before it: still clean.
    flagged = Article.objects.filter(campaign=campaign, flagged=True).count()
    assert (run.status, run.total, run.done, run.flagged, flagged) == (RecheckStatus.DONE, 2, 2, 1, 1)
    status = client.get(reverse("articles:recheck_status", args=[run.pk]), **HX)
    body = status.content.decode()
    assert "已完成" in body and "已检测 2 / 2 篇（100%），疑似抄袭 1 篇" in body
    assert "every 2s" not in body  # finished: no more polling
    # The list shows the run and offers another.
    listing = client.get(reverse("articles:list")).content.decode()
    assert 'id="recheck"' in listing and "重新检测全部文章" in listing


def test_recheck_progress_polls_while_queued_and_refuses_a_second_run(users, campaign, login):
    client = login(users.user("office"))
    client.post(reverse("articles:recheck"), {"campaign": campaign.slug})  # queued: the task waits for the commit
    run = RecheckRun.objects.get(campaign=campaign)
    body = client.get(reverse("articles:recheck_status", args=[run.pk]), **HX).content.decode()
    assert run.status == RecheckStatus.QUEUED and "every 2s" in body
    again = client.post(reverse("articles:recheck"), {"campaign": campaign.slug}, **HX)
    assert again.status_code == 400 and "正在进行" in again.content.decode()
    assert RecheckRun.objects.count() == 1
    # Someone without the rule does not learn of the run.
    assert login(users.user("liaison")).get(reverse("articles:recheck_status", args=[run.pk]), **HX).status_code == 404


def test_assign_all_gives_unassigned_articles_a_reviewer(users, campaign, make_article, author, login):
    RoleAssignment.objects.filter(role=Role.REVIEWER).delete()
    article = make_article(author, status=S.SUBMITTED)
    assert article.reviewer_id is None
    RoleAssignment.objects.create(user=users.user("reviewer_a"), role=Role.REVIEWER, unit=users.street_a)
    response = login(users.user("office")).post(reverse("articles:assign_all"), {"campaign": campaign.slug})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.reviewer == users.user("reviewer_a")
