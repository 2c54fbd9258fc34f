"""/api/articles: a reflection article from draft to the public site through the API, who sees which, and
bad input that is refused by name and changes nothing.

The fixtures come from the articles app's own tests: the built-in plan's campaign ``xihu`` running around
today, 张三 (``org.person_a``, user ``cadre``) in community A1, ``reviewer_a`` reviewing street A, and
``make_article`` walking an article through the services (the copy check runs as on a real commit).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from conftest import shared_org
from taolun.articles import services
from taolun.articles.models import (
    Article,
    ArticleReview,
    ArticleRevision,
    ArticleStatus,
    RecheckRun,
    ReferenceCollection,
    ReferenceText,
)
from taolun.articles.tests import conftest as fixtures
from taolun.core.models import AuditEntry

from .test_activities import errors_by_field, post

pytestmark = pytest.mark.django_db

# The articles app's fixtures (``index_dir`` is autouse: each test's detection library in its own folder).
index_dir, campaign, author, reviewer_a, texts, make_author, make_article = (
    fixtures.index_dir,
    fixtures.campaign,
    fixtures.author,
    fixtures.reviewer_a,
    fixtures.texts,
    fixtures.make_author,
    fixtures.make_article,
)

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

URL = "/api/articles"
S = ArticleStatus


def patch(client, url, body):
    return client.patch(url, body, content_type="application/json")


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        sorted(
            Article.objects.values_list(
                "pk", "title", "body", "status", "chars", "reviewer_id", "score", "consent_public", "submitted_at"
            )
        ),
        sorted(Article.themes.through.objects.values_list("article_id", "theme_id")),
        ArticleRevision.objects.count(),
        ArticleReview.objects.count(),
        ReferenceText.objects.count(),
        AuditEntry.objects.count(),
    )


def own_words(n: int = 40) -> str:
    """A text of the author's own (no source has it), long enough for the call's minimum."""
    return "".join(
        f"第{i}条：我们社区在第{i * 7}次走访中记下了{i * 3}户居民的难处，逐户建立台账限期解决。" for i in range(n)
    )


def copied_from(text: str) -> str:
    return (
        "我认真学习后体会很深。"
        + text[500:2000]
        + "今后要结合本职工作抓好落实，把学习成果转化为推动发展的实际行动。" * 3
    )


def txt(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


# --- the whole path -------------------------------------------------------------------------------
def test_an_article_goes_from_draft_to_the_public_site(
    org, campaign, author, reviewer_a, texts, as_user, django_capture_on_commit_callbacks
):
    office = as_user(org.user("office"))
    created = post(office, f"{URL}/references/collections", {"name": "政府工作报告", "description": "历年报告"})
    assert created.status_code == 201, created.content
    collection_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):  # the texts join the detection library on commit
        imported = office.post(
            f"{URL}/references/collections/{collection_id}/import", {"files": [txt("2018年报告.txt", texts[0])]}
        )
    assert imported.status_code == 201, imported.content
    assert (imported.json()["added"], imported.json()["skipped"]) == (1, 0)
    assert ReferenceText.objects.get().indexed

    cadre = as_user(org.user("cadre"))
    theme = campaign.themes.order_by("order").first()
    started = post(
        cadre,
        URL,
        {
            "campaign": "xihu",
            "title": "学习体会",
            "body": copied_from(texts[0]),
            "themes": [theme.pk],
            "consent_public": True,
        },
    )
    assert started.status_code == 201, started.content
    body = started.json()
    article_id = body["id"]
    assert (body["status"], body["author"]["name"], body["unit"]["name"]) == ("draft", "张三", "甲一社区")
    assert body["themes"] == [{"id": theme.pk, "key": theme.key, "title": theme.title}]
    assert (body["can_change"], body["can_review"], body["ratio"], body["reviews"]) == (True, False, None, [])

    saved = patch(cadre, f"{URL}/{article_id}", {"title": "解放思想的几点体会"})
    assert saved.status_code == 200, saved.content
    assert saved.json()["title"] == "解放思想的几点体会"
    assert saved.json()["body"] == copied_from(texts[0])

    with django_capture_on_commit_callbacks(execute=True):  # the copy check runs on commit
        submitted = post(cadre, f"{URL}/{article_id}/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["reviewer"] == {"id": reviewer_a.pk, "name": "甲街道审阅人"}
    assert submitted.json()["ratio"] is None  # the author does not see the check
    assert cadre.get(f"{URL}/{article_id}/check").status_code == 403

    reviewer = as_user(reviewer_a)
    check = reviewer.get(f"{URL}/{article_id}/check")
    assert check.status_code == 200, check.content
    result = check.json()
    assert result["flagged"] and result["ratio"] > 0.6
    assert result["threshold"] == pytest.approx(0.3)
    source = result["sources"][0]
    assert (source["kind"], source["title"], source["label"]) == ("reference", "2018年报告", "政府工作报告")
    start, end, _s0, _s1 = source["spans"][0]
    assert copied_from(texts[0])[start:end][:50] in texts[0]
    detail = reviewer.get(f"{URL}/{article_id}").json()
    assert detail["flagged"] is True and detail["can_review"] is True

    returned = post(reviewer, f"{URL}/{article_id}/return", {"comment": "请用自己的话写体会。"})
    assert returned.status_code == 200, returned.content
    assert returned.json()["status"] == "returned"
    mine = as_user(org.user("cadre")).get(f"{URL}/mine?campaign=xihu")
    assert mine.status_code == 200
    assert [(r["action"], r["comment"]) for r in mine.json()["reviews"]] == [("return", "请用自己的话写体会。")]

    cadre = as_user(org.user("cadre"))
    assert patch(cadre, f"{URL}/{article_id}", {"body": own_words()}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        resubmitted = post(cadre, f"{URL}/{article_id}/submit")
    assert resubmitted.json()["status"] == "submitted", resubmitted.content

    reviewer = as_user(reviewer_a)
    recheck = reviewer.get(f"{URL}/{article_id}/check").json()
    assert not recheck["flagged"] and recheck["ratio"] < 0.1
    approved = post(
        reviewer, f"{URL}/{article_id}/approve", {"thought": 36, "practice": 26, "suggestions": 24, "comment": "扎实"}
    )
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["score"]) == ("approved", 86)
    assert (approved.json()["thought_score"], approved.json()["practice_score"]) == (36, 26)
    excellent = post(reviewer, f"{URL}/{article_id}/excellent", {"comment": "联系实际"})
    assert excellent.json()["status"] == "excellent", excellent.content

    published = post(as_user(org.user("publicity")), f"{URL}/{article_id}/publish")
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"

    public = Client().get(f"{URL}/published?campaign=xihu")
    assert public.status_code == 200
    [item] = public.json()["items"]
    assert (item["id"], item["title"], item["author"], item["unit"]) == (
        article_id,
        "解放思想的几点体会",
        "张三",
        "甲一社区",
    )
    assert item["body"] == own_words() and item["published_at"]
    assert "phone" not in public.content.decode() and "13800001234" not in public.content.decode()

    revisions = as_user(org.user("cadre")).get(f"{URL}/{article_id}/revisions").json()
    kinds = [r["kind"] for r in revisions["items"]]
    assert kinds.count("submission") == 2 and revisions["count"] == len(kinds)
    first = revisions["items"][-1]["number"]
    assert as_user(org.user("cadre")).get(f"{URL}/{article_id}/revisions/{first}").json()["body"] == copied_from(
        texts[0]
    )
    actions = set(AuditEntry.objects.filter(object_id=str(article_id)).values_list("action", flat=True))
    assert {"articles.create", "articles.submit", "articles.return", "articles.approve", "articles.publish"} <= actions


def test_the_author_withdraws_and_takes_consent_back(org, campaign, author, make_article, as_user):
    submitted = make_article(author, status=S.SUBMITTED)
    cadre = as_user(org.user("cadre"))
    withdrawn = post(cadre, f"{URL}/{submitted.pk}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "draft"
    assert withdrawn.json()["reviews"] == []
    again = post(cadre, f"{URL}/{submitted.pk}/withdraw")
    assert again.status_code == 400
    assert "不能改为" in errors_by_field(again)["__all__"]
    consent = post(cadre, f"{URL}/{submitted.pk}/consent", {"consent": False})
    assert consent.json()["consent_public"] is False


def test_withdrawing_consent_takes_a_published_article_down(org, campaign, make_author, make_article, as_user):
    writer = make_author()
    article = make_article(writer, status=S.PUBLISHED)
    assert Client().get(f"{URL}/published?campaign=xihu").json()["count"] == 1
    response = post(as_user(writer.user), f"{URL}/{article.pk}/consent", {"consent": False})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["consent_public"]) == ("excellent", False)
    assert Client().get(f"{URL}/published?campaign=xihu").json()["count"] == 0


def test_unpublish_and_unexcellent_need_a_reason(org, campaign, make_author, make_article, reviewer_a, as_user):
    article = make_article(make_author(), status=S.PUBLISHED)
    publicity = as_user(org.user("publicity"))
    before = state()
    refused = post(publicity, f"{URL}/{article.pk}/unpublish", {"reason": "  "})
    assert refused.status_code == 400
    assert set(errors_by_field(refused)) == {"reason"}
    assert state() == before
    assert post(publicity, f"{URL}/{article.pk}/unpublish", {"reason": "作者要求修改"}).json()["status"] == "excellent"
    down = post(as_user(reviewer_a), f"{URL}/{article.pk}/unexcellent", {"reason": "评选复核"})
    assert down.status_code == 200, down.content
    assert down.json()["status"] == "approved"


def test_unexcellent_never_approves_a_submitted_article(org, campaign, author, make_article, reviewer_a, as_user):
    article = make_article(author, status=S.SUBMITTED)
    before = state()
    response = post(as_user(reviewer_a), f"{URL}/{article.pk}/unexcellent", {"reason": "想跳过打分"})
    assert response.status_code == 400
    assert "不能改为" in errors_by_field(response)["__all__"]
    assert state() == before


# --- who sees which ------------------------------------------------------------------------------
@pytest.fixture
def three(org, campaign, author, make_author, make_article, reviewer_a):
    """张三's submitted article (street A, reviewer_a), one of street B (the district reviewer), and an
    excellent one of street A."""
    return {
        "own": make_article(author, status=S.SUBMITTED),
        "b": make_article(make_author(unit=org.community_b), status=S.SUBMITTED),
        "excellent": make_article(make_author(), status=S.EXCELLENT),
    }


SEES = {
    "cadre": {"own"},
    "reviewer_a": {"own", "excellent"},  # assigned to both (street A); not street B's
    "reviewer": {"b"},  # holds only the reviewer role: what is assigned to them
    "office": {"own", "b", "excellent"},
    "liaison": {"own", "excellent"},
    "liaison_b": {"b"},
    "publicity": {"excellent"},
    "citizen": set(),
}


@pytest.mark.parametrize("viewer", list(SEES))
def test_each_role_sees_exactly_its_articles(org, three, as_user, viewer):
    client = as_user(org.user(viewer))
    listed = client.get(URL)
    assert listed.status_code == 200
    ids = {name: article.pk for name, article in three.items()}
    assert {item["id"] for item in listed.json()["items"]} == {ids[name] for name in SEES[viewer]}
    assert listed.json()["count"] == len(SEES[viewer])
    for name, pk in ids.items():
        response = client.get(f"{URL}/{pk}")
        assert response.status_code == (200 if name in SEES[viewer] else 404), (viewer, name)
        if name not in SEES[viewer]:
            assert response.json() == {"detail": "未找到：对象不存在，或不在您的可见范围内。"}


def test_a_reviewer_lists_only_the_articles_assigned_to_them(org, three, as_user):
    assert three["own"].reviewer == org.user("reviewer_a")
    assert three["b"].reviewer == org.user("reviewer")
    only_reviewer = as_user(org.user("reviewer"))
    assert [item["id"] for item in only_reviewer.get(URL).json()["items"]] == [three["b"].pk]
    # The district-wide reviewer role covers street A too, yet what is not assigned stays out of reach.
    assert (
        post(
            only_reviewer, f"{URL}/{three['own'].pk}/approve", {"thought": 1, "practice": 1, "suggestions": 1}
        ).status_code
        == 404
    )
    assert only_reviewer.get(f"{URL}/{three['own'].pk}/check").status_code == 404
    assert only_reviewer.get(f"{URL}/{three['b'].pk}/check").status_code == 200


def test_a_cadre_cannot_touch_another_authors_article(org, three, as_user):
    cadre = as_user(org.user("cadre"))
    before = state()
    other = three["excellent"].pk
    assert patch(cadre, f"{URL}/{other}", {"title": "改"}).status_code == 404
    for action in ("submit", "withdraw", "publish"):
        assert post(cadre, f"{URL}/{other}/{action}").status_code == 404
    assert post(cadre, f"{URL}/{other}/consent", {"consent": False}).status_code == 404
    assert cadre.get(f"{URL}/{other}/revisions").status_code == 404
    # Their own article: visible, but reviewing it is not theirs to do.
    own = three["own"].pk
    refused = post(cadre, f"{URL}/{own}/approve", {"thought": 40, "practice": 30, "suggestions": 30})
    assert refused.status_code == 403
    assert cadre.get(f"{URL}/{own}/check").status_code == 403
    assert state() == before


def test_liaisons_see_their_street_but_neither_review_nor_see_checks(org, three, as_user):
    liaison = as_user(org.user("liaison"))
    own = three["own"].pk
    detail = liaison.get(f"{URL}/{own}").json()
    assert (detail["ratio"], detail["flagged"], detail["checked_at"], detail["reviews"]) == (None, None, None, None)
    assert (detail["can_review"], detail["can_view_check"], detail["can_change"]) == (False, False, False)
    assert liaison.get(f"{URL}/{own}/check").status_code == 403
    before = state()
    assert post(liaison, f"{URL}/{own}/return", {"comment": "改"}).status_code == 403
    assert patch(liaison, f"{URL}/{own}", {"title": "改"}).status_code == 403
    assert state() == before
    liaison_b = as_user(org.user("liaison_b"))
    assert liaison_b.get(f"{URL}/{own}").status_code == 404
    assert liaison_b.get(f"{URL}/{own}/revisions").status_code == 404
    assert post(liaison_b, f"{URL}/{own}/return", {"comment": "改"}).status_code == 404


def test_publicity_publishes_excellent_articles_only(org, three, as_user):
    publicity = as_user(org.user("publicity"))
    assert post(publicity, f"{URL}/{three['own'].pk}/publish").status_code == 404  # not excellent: not theirs to see
    detail = publicity.get(f"{URL}/{three['excellent'].pk}").json()
    assert (detail["can_publish"], detail["reviews"], detail["ratio"]) == (True, None, None)
    assert post(publicity, f"{URL}/{three['excellent'].pk}/publish").json()["status"] == "published"
    # The office sees every article but does not publish.
    assert (
        post(as_user(org.user("office")), f"{URL}/{three['excellent'].pk}/unpublish", {"reason": "x"}).status_code
        == 403
    )


def test_the_office_assigns_a_reviewer_covering_the_unit(org, three, as_user):
    office = as_user(org.user("office"))
    own = three["own"].pk
    moved = post(office, f"{URL}/{own}/assign", {"reviewer": org.user("reviewer").pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["reviewer"]["id"] == org.user("reviewer").pk
    before = state()
    not_reviewer = post(office, f"{URL}/{own}/assign", {"reviewer": org.user("citizen").pk})
    assert not_reviewer.status_code == 400
    assert "不是覆盖作者单位的审阅人" in errors_by_field(not_reviewer)["reviewer"]
    missing = post(office, f"{URL}/{own}/assign", {"reviewer": 999999})
    assert set(errors_by_field(missing)) == {"reviewer"}
    assert (
        post(as_user(org.user("liaison")), f"{URL}/{own}/assign", {"reviewer": org.user("reviewer").pk}).status_code
        == 403
    )
    assert state() == before


ALL_ROUTES = [
    ("get", URL),
    ("post", URL),
    ("get", f"{URL}/mine"),
    ("get", f"{URL}/{{id}}"),
    ("patch", f"{URL}/{{id}}"),
    ("post", f"{URL}/{{id}}/submit"),
    ("post", f"{URL}/{{id}}/withdraw"),
    ("post", f"{URL}/{{id}}/consent"),
    ("post", f"{URL}/{{id}}/return"),
    ("post", f"{URL}/{{id}}/approve"),
    ("post", f"{URL}/{{id}}/excellent"),
    ("post", f"{URL}/{{id}}/unexcellent"),
    ("post", f"{URL}/{{id}}/publish"),
    ("post", f"{URL}/{{id}}/unpublish"),
    ("post", f"{URL}/{{id}}/assign"),
    ("get", f"{URL}/{{id}}/revisions"),
    ("get", f"{URL}/{{id}}/revisions/1"),
    ("get", f"{URL}/{{id}}/check"),
    ("post", f"{URL}/recheck?campaign=xihu"),
    ("get", f"{URL}/rechecks/1"),
    ("get", f"{URL}/references/collections"),
    ("post", f"{URL}/references/collections"),
    ("get", f"{URL}/references/collections/1/texts"),
    ("post", f"{URL}/references/collections/1/import"),
    ("delete", f"{URL}/references/texts/1"),
]


def test_anonymous_callers_get_401_everywhere_but_the_published_list(org, campaign, author, make_article):
    article = make_article(author, status=S.PUBLISHED)
    client = Client()
    for method, url in ALL_ROUTES:
        response = getattr(client, method)(url.replace("{id}", str(article.pk)), content_type="application/json")
        assert response.status_code == 401, (method, url)
        assert "detail" in response.json()
    assert client.get(f"{URL}/published?campaign=xihu").json()["count"] == 1
    assert client.get(f"{URL}/published").json()["count"] == 1
    assert client.get(f"{URL}/published?campaign=nope").status_code == 404
    # A bad token does not shut the public list.
    assert Client(headers={"Authorization": "Bearer tl_wrong"}).get(f"{URL}/published").status_code == 200


def test_a_personal_token_works_as_the_session(org, campaign, author, make_article, token_client):
    article = make_article(author)
    client = token_client(org.user("cadre"))
    assert client.get(f"{URL}/mine").json()["id"] == article.pk
    saved = client.patch(f"{URL}/{article.pk}", {"title": "令牌保存"}, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["title"] == "令牌保存"


def test_mine_is_404_until_the_article_is_started(org, campaign, as_user):
    cadre = as_user(org.user("cadre"))
    assert cadre.get(f"{URL}/mine").status_code == 404
    assert cadre.get(f"{URL}/mine?campaign=nope").status_code == 404
    assert post(cadre, URL, {"campaign": "xihu", "title": "体会"}).status_code == 201
    assert cadre.get(f"{URL}/mine?campaign=xihu").json()["title"] == "体会"
    assert cadre.get(f"{URL}/mine").json()["title"] == "体会"  # the current campaign


def test_only_roster_party_members_and_cadres_start_articles(org, campaign, as_user):
    before = state()
    for user in ("office", "citizen"):  # no roster entry
        response = post(as_user(org.user(user)), URL, {"campaign": "xihu", "title": "体会"})
        assert response.status_code == 403, user
    assert state() == before


# --- the list ------------------------------------------------------------------------------------
def test_the_list_filters_and_sorts_by_ratio_only_where_the_check_is_visible(
    org, campaign, make_author, make_article, texts, reviewer_a, as_user
):
    first = make_article(make_author(), body=texts[0][:3000], status=S.SUBMITTED)
    copy = make_article(make_author(), body=copied_from(texts[0]), status=S.SUBMITTED)
    plain = make_article(make_author(unit=org.community_b), body=own_words(), status=S.SUBMITTED)
    copy.refresh_from_db()
    assert copy.flagged
    office = as_user(org.user("office"))
    flagged = office.get(f"{URL}?campaign=xihu&flagged=true").json()
    assert [item["id"] for item in flagged["items"]] == [copy.pk]
    assert flagged["items"][0]["ratio"] > 0.6
    ranked = [item["id"] for item in office.get(f"{URL}?sort=ratio").json()["items"]]
    assert ranked[0] == copy.pk and set(ranked) == {first.pk, copy.pk, plain.pk}
    assert [i["id"] for i in office.get(f"{URL}?unit={org.community_b.pk}").json()["items"]] == [plain.pk]
    assert [i["id"] for i in office.get(f"{URL}?q=作者2").json()["items"]] == [copy.pk]
    assert office.get(f"{URL}?campaign=nope").json()["count"] == 0
    assert office.get(f"{URL}?status=approved").json()["count"] == 0
    bad = office.get(f"{URL}?sort=length")
    assert bad.status_code == 400 and set(errors_by_field(bad)) == {"sort"}

    # The liaison sees street A's articles, but which of them is flagged is not theirs to learn.
    liaison = as_user(org.user("liaison"))
    assert liaison.get(f"{URL}").json()["count"] == 2
    assert liaison.get(f"{URL}?flagged=true").json()["count"] == 0
    assert liaison.get(f"{URL}?min_ratio=0.5").json()["count"] == 0
    rows = liaison.get(f"{URL}?sort=ratio").json()["items"]
    assert {row["ratio"] for row in rows} == {None}
    assert [row["id"] for row in rows] == [copy.pk, first.pk]  # by submission time, newest first
    # reviewer_a reviews both of street A's: they see their checks.
    assert [i["id"] for i in as_user(reviewer_a).get(f"{URL}?flagged=true").json()["items"]] == [copy.pk]


# Session and user (2), the viewer's roles (1), the campaign filter (1), the viewer's roster entry (1); then
# the count and the page with authors, units, reviewers and campaigns (2).
LIST_QUERIES = 2 + 1 + 1 + 1 + 2


@pytest.mark.parametrize("viewer", ["office", "liaison", "reviewer_a"])
def test_the_list_costs_the_same_whatever_the_number_of_articles(
    org, campaign, make_author, make_article, reviewer_a, as_user, viewer, django_assert_num_queries
):
    make_article(make_author(), status=S.SUBMITTED)
    client = as_user(org.user(viewer))
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(f"{URL}?campaign=xihu").json()["count"] == 1
    for _ in range(4):
        make_article(make_author(), status=S.SUBMITTED)
    client = as_user(org.user(viewer))
    with django_assert_num_queries(LIST_QUERIES):
        assert len(client.get(f"{URL}?campaign=xihu&sort=ratio").json()["items"]) == 5


def test_the_published_list_costs_the_same_whatever_the_number_of_articles(
    org, campaign, make_author, make_article, django_assert_num_queries
):
    make_article(make_author(), status=S.PUBLISHED)
    make_article(make_author(), status=S.EXCELLENT)  # not published: not listed
    # The campaign, the count, the page with authors, units and campaigns.
    with django_assert_num_queries(3):
        assert Client().get(f"{URL}/published?campaign=xihu").json()["count"] == 1
    for _ in range(3):
        make_article(make_author(unit=org.community_b), status=S.PUBLISHED)
    with django_assert_num_queries(3):
        items = Client().get(f"{URL}/published?campaign=xihu").json()["items"]
    assert {item["unit"] for item in items} == {"甲一社区", "乙一社区"} and len(items) == 4


# --- bad input ------------------------------------------------------------------------------------
def test_submitting_without_title_or_body_names_both_and_changes_nothing(org, campaign, as_user):
    cadre = as_user(org.user("cadre"))
    article_id = post(cadre, URL, {"campaign": "xihu"}).json()["id"]
    before = state()
    response = post(cadre, f"{URL}/{article_id}/submit")
    assert response.status_code == 400
    errors = errors_by_field(response)
    assert set(errors) == {"title", "body"}
    assert "请填写标题" in errors["title"] and "正文" in errors["body"]
    assert state() == before
    assert patch(cadre, f"{URL}/{article_id}", {"title": "体会", "body": "太短了"}).status_code == 200
    before = state()
    short = post(cadre, f"{URL}/{article_id}/submit")
    assert short.status_code == 400
    assert errors_by_field(short) == {"body": "正文 3 字，少于要求的 300 字。"}
    assert state() == before


def test_an_oversized_body_is_refused_on_body(org, campaign, author, make_article, as_user):
    cadre = as_user(org.user("cadre"))
    too_long = "字" * 20001
    response = post(cadre, URL, {"campaign": "xihu", "title": "长文", "body": too_long})
    assert response.status_code == 400
    assert "超过上限 20000 字" in errors_by_field(response)["body"]
    assert not Article.objects.exists()
    article = make_article(author)
    before = state()
    response = patch(cadre, f"{URL}/{article.pk}", {"body": too_long})
    assert response.status_code == 400 and set(errors_by_field(response)) == {"body"}
    assert state() == before


@pytest.mark.parametrize(
    ("scores", "field", "message"),
    [
        ({"thought": 41, "practice": 20, "suggestions": 20}, "thought", "0–40 分"),
        ({"thought": 30, "practice": -1, "suggestions": 20}, "practice", "0–30 分"),
        ({"thought": 30, "practice": 20, "suggestions": "很好"}, "suggestions", "应为整数"),
        ({"thought": 30, "practice": 20}, "suggestions", "缺少必填字段"),
    ],
)
def test_a_bad_score_names_the_dimension_and_changes_nothing(
    org, campaign, author, make_article, reviewer_a, as_user, scores, field, message
):
    article = make_article(author, status=S.SUBMITTED)
    before = state()
    response = post(as_user(reviewer_a), f"{URL}/{article.pk}/approve", scores)
    assert response.status_code == 400
    errors = errors_by_field(response)
    assert set(errors) == {field} and message in errors[field]
    assert state() == before


def test_submitting_after_the_deadline_is_refused(org, campaign, author, make_article, as_user):
    article = make_article(author, body=own_words())
    services.call_update(campaign=campaign, by=None, deadline=timezone.now() - dt.timedelta(hours=1))
    before = state()
    response = post(as_user(org.user("cadre")), f"{URL}/{article.pk}/submit")
    assert response.status_code == 400
    assert "提交截止时间" in errors_by_field(response)["__all__"]
    assert state() == before


def test_an_unknown_theme_is_refused_on_themes(org, campaign, author, make_article, as_user):
    cadre = as_user(org.user("cadre"))
    theme = campaign.themes.first()
    response = post(cadre, URL, {"campaign": "xihu", "title": "体会", "themes": [theme.pk, 999999]})
    assert response.status_code == 400
    assert "999999" in errors_by_field(response)["themes"]
    assert not Article.objects.exists()
    article = make_article(author)
    before = state()
    response = patch(cadre, f"{URL}/{article.pk}", {"themes": [999999], "title": "新标题"})
    assert response.status_code == 400 and set(errors_by_field(response)) == {"themes"}
    assert state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"campaign": "nope"}, "campaign"),
        ({"campaign": "xihu", "extra": 1}, "extra"),
        ({"campaign": "xihu", "consent_public": "maybe"}, "consent_public"),
        ({"campaign": "xihu", "title": "字" * 201}, "title"),
    ],
)
def test_a_bad_start_names_the_field(org, campaign, as_user, body, field):
    response = post(as_user(org.user("cadre")), URL, body)
    assert response.status_code == 400
    assert set(errors_by_field(response)) == {field}
    assert not Article.objects.exists()


def test_a_second_article_in_the_campaign_is_refused(org, campaign, author, make_article, as_user):
    make_article(author)
    before = state()
    response = post(as_user(org.user("cadre")), URL, {"campaign": "xihu", "title": "第二篇"})
    assert response.status_code == 400
    assert "每人撰写一篇" in errors_by_field(response)["campaign"]
    assert state() == before


def test_a_binary_file_stops_the_whole_import_and_is_named(org, campaign, texts, as_user):
    office = as_user(org.user("office"))
    collection = ReferenceCollection.objects.create(name="讲话")
    before = state()
    picture = SimpleUploadedFile("图片.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, content_type="text/plain")
    response = office.post(
        f"{URL}/references/collections/{collection.pk}/import",
        {"files": [txt("讲话一.txt", texts[1]), picture, SimpleUploadedFile("空.txt", b"")]},
    )
    assert response.status_code == 400
    body = response.json()
    assert {f["name"] for f in body["files"]} == {"图片.txt", "空.txt"}
    assert all(e["field"] == "files" for e in body["detail"])
    assert any("图片.txt" in e["message"] and "不是文本文件" in e["message"] for e in body["detail"])
    assert any(e["message"] == "空.txt：文件是空的。" for e in body["detail"])
    assert state() == before
    nothing = office.post(f"{URL}/references/collections/{collection.pk}/import", {})
    assert nothing.status_code == 400 and nothing.json()["detail"][0]["field"] == "files"


# --- the reference library and the re-check ----------------------------------------------------------
def test_the_office_keeps_the_reference_library(org, campaign, texts, as_user, django_capture_on_commit_callbacks):
    office = as_user(org.user("office"))
    collection_id = post(office, f"{URL}/references/collections", {"name": "社论"}).json()["id"]
    duplicate = post(office, f"{URL}/references/collections", {"name": "社论"})
    assert duplicate.status_code == 400 and set(errors_by_field(duplicate)) == {"name"}
    with django_capture_on_commit_callbacks(execute=True):
        first = office.post(
            f"{URL}/references/collections/{collection_id}/import",
            {"files[]": [txt("一.txt", texts[1]), txt("二.txt", texts[2])]},
        )
    assert first.status_code == 201, first.content
    again = office.post(
        f"{URL}/references/collections/{collection_id}/import", {"files": [txt("一副本.txt", texts[1])]}
    )
    assert (again.json()["added"], again.json()["skipped"]) == (0, 1)
    listed = office.get(f"{URL}/references/collections").json()
    assert [(c["name"], c["text_count"]) for c in listed["items"]] == [("社论", 2)]
    listed_texts = office.get(f"{URL}/references/collections/{collection_id}/texts").json()
    assert [(t["title"], t["indexed"]) for t in listed_texts["items"]] == [("一", True), ("二", True)]
    assert office.get(f"{URL}/references/collections/{collection_id}/texts?q=二").json()["count"] == 1
    text_id = listed_texts["items"][0]["id"]
    assert office.delete(f"{URL}/references/texts/{text_id}").status_code == 204
    assert office.delete(f"{URL}/references/texts/{text_id}").status_code == 404
    assert office.get(f"{URL}/references/collections/999999/texts").status_code == 404

    liaison = as_user(org.user("liaison"))
    assert liaison.get(f"{URL}/references/collections").status_code == 403
    assert post(liaison, f"{URL}/references/collections", {"name": "x"}).status_code == 403
    assert liaison.delete(f"{URL}/references/texts/{listed_texts['items'][1]['id']}").status_code == 403
    assert ReferenceText.objects.count() == 1


def test_the_office_rechecks_a_campaign_and_follows_its_progress(
    org, campaign, make_author, make_article, as_user, django_capture_on_commit_callbacks
):
    for _ in range(2):
        make_article(make_author(), status=S.SUBMITTED)
    make_article(make_author())  # a draft is not checked
    office = as_user(org.user("office"))
    with django_capture_on_commit_callbacks(execute=True):
        started = post(office, f"{URL}/recheck?campaign=xihu")
    assert started.status_code == 201, started.content
    run_id = started.json()["id"]
    progress = office.get(f"{URL}/rechecks/{run_id}").json()
    assert (progress["status"], progress["total"], progress["done"], progress["percent"]) == ("done", 2, 2, 100)

    liaison = as_user(org.user("liaison"))
    assert post(liaison, f"{URL}/recheck?campaign=xihu").status_code == 403
    assert liaison.get(f"{URL}/rechecks/{run_id}").status_code == 404
    assert post(as_user(org.user("office")), f"{URL}/recheck?campaign=nope").status_code == 404
    assert RecheckRun.objects.count() == 1
