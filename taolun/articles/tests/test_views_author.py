"""The author's article pages: who reaches them, the path from start to submission through the pages, and
bad input (an error next to its field, nothing changed).

The article belongs to 张三 (user ``cadre``, party member in community A1 of street A). Those who may not see
it get 404 (the same as an id that does not exist); those who see it but are not its author get 403 on the
author's pages and actions.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import MATRIX_ROLES, shared_org
from taolun.articles import services
from taolun.articles.models import Article, ArticleCall, ArticleRevision, ArticleStatus, RevisionKind
from taolun.articles.views import revision_diff
from taolun.core.history import entries_of
from taolun.text.tests.word import docx_of
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


# Who sees 张三's draft (street A): the author, the office and admin, street A's office and liaisons.
VIEWERS = {"cadre", "admin", "office", "office_a", "liaison", "liaison_reviewer", "liaison_publicity"}
READ_PAGES = ["articles:detail", "articles:revisions", "articles:history"]
ACTIONS = ["articles:edit", "articles:autosave", "articles:upload", "articles:submit", "articles:withdraw"]
HX = {"HTTP_HX_REQUEST": "true"}


def body_of(texts, n: int = 0, chars: int = 600) -> str:
    """A paragraph-per-line article body cut from the reports (at least ``chars`` characters)."""
    text = "".join(texts[n].split())[:chars]
    return "\n".join(text[i : i + 120] for i in range(0, len(text), 120))


def docx(*paragraphs: str) -> bytes:
    """A real, minimal Word document holding ``paragraphs``."""
    return docx_of("\n".join(paragraphs))


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(article: Article, **overrides):
    data = {
        "title": article.title,
        "body": article.body,
        "themes": [str(pk) for pk in article.themes.values_list("pk", flat=True)],
    }
    if article.consent_public:
        data["consent_public"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def field_errors(response, field: str, form: str = "form") -> list[str]:
    return [str(e) for e in response.context[form].errors.get(field, [])]


def snapshot(article: Article) -> tuple:
    article.refresh_from_db()
    return (
        article.title,
        article.body,
        article.chars,
        article.status,
        article.revisions.count(),
        sorted(article.themes.values_list("pk", flat=True)),
    )


@pytest.fixture
def draft(author, make_article, texts):
    return make_article(author, body=body_of(texts), title="立足岗位谈解放思想")


@pytest.fixture
def small_call(campaign):
    """A call with small limits, so a too-long text is cheap to write."""
    return ArticleCall.objects.create(
        campaign=campaign, deadline=timezone.now() + dt.timedelta(days=10), min_chars=20, max_chars=200
    )


# --- who reaches which page -----------------------------------------------------------------------


def viewer(org, role: str):
    return org.users.get(role) if role != "anonymous" else None


@pytest.mark.parametrize("name", [*READ_PAGES, "articles:revision"])
@pytest.mark.parametrize("role", [*MATRIX_ROLES, "other_author"])
def test_article_pages_by_role(org_mixed_roles, campaign, draft, make_author, login, role, name):
    org = org_mixed_roles
    user = make_author().user if role == "other_author" else viewer(org, role)
    args = [draft.pk, 1] if name == "articles:revision" else [draft.pk]
    response = login(user).get(reverse(name, args=args))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/" in response["Location"]
        return
    assert response.status_code == (200 if role in VIEWERS else 404)
    assert ("立足岗位谈解放思想" in response.content.decode()) == (role in VIEWERS)


@pytest.mark.parametrize("role", [*MATRIX_ROLES, "other_author"])
def test_only_the_author_opens_the_edit_page(org_mixed_roles, campaign, draft, make_author, login, role):
    org = org_mixed_roles
    user = make_author().user if role == "other_author" else viewer(org, role)
    response = login(user).get(reverse("articles:edit", args=[draft.pk]))
    if role == "anonymous":
        assert response.status_code == 302
    elif role == "cadre":
        assert response.status_code == 200
    else:
        assert response.status_code == (403 if role in VIEWERS else 404)


@pytest.mark.parametrize("name", [*ACTIONS, "articles:consent"])
@pytest.mark.parametrize("role", ["office", "liaison", "liaison_b", "reviewer", "other_author", "anonymous"])
def test_no_one_else_changes_the_article(org, campaign, draft, make_author, login, texts, role, name):
    user = make_author().user if role == "other_author" else viewer(org, role)
    before = snapshot(draft)
    consent = draft.consent_public
    data = {**form_data(draft, body=body_of(texts, 1)), "consent": "0", "file": upload("a.txt", "新的正文".encode())}
    response = login(user).post(reverse(name, args=[draft.pk]), data, **HX)
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/" in response["Location"]
    else:
        assert response.status_code == (403 if role in {"office", "liaison"} else 404)
    assert snapshot(draft) == before
    assert draft.consent_public == consent


@pytest.mark.parametrize("name", [*ACTIONS[1:], "articles:consent"])
def test_changes_are_post_only(org, campaign, draft, login, name):
    assert login(org.user("cadre")).get(reverse(name, args=[draft.pk])).status_code == 405


@pytest.mark.parametrize("name", READ_PAGES + ACTIONS)
def test_an_article_that_does_not_exist_is_not_found(org, campaign, login, name):
    assert login(org.user("office")).get(reverse(name, args=[999999])).status_code in (404, 405)
    assert login(org.user("cadre")).post(reverse(name, args=[999999])).status_code == 404


def test_a_revision_that_does_not_exist_is_not_found(org, campaign, draft, login):
    assert login(org.user("cadre")).get(reverse("articles:revision", args=[draft.pk, 99])).status_code == 404


def test_publicity_sees_excellent_articles_only(org, campaign, author, make_article, reviewer_a, login):
    article = make_article(author, status=ArticleStatus.SUBMITTED)
    client = login(org.user("publicity"))
    assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 404
    services.article_approve(article=article, by=None, thought=35, practice=25, suggestions=25)
    services.article_mark_excellent(article=article, by=None)
    assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 200


def test_the_review_panel_is_included_for_the_reviewer_not_for_the_author(
    org, campaign, author, make_article, reviewer_a, login
):
    article = make_article(author, status=ArticleStatus.SUBMITTED)
    assert article.reviewer_id == reviewer_a.pk
    url = reverse("articles:detail", args=[article.pk])
    response = login(reviewer_a).get(url)
    assert response.status_code == 200
    assert "articles/_review_panel.html" in [t.name for t in response.templates]
    response = login(org.user("cadre")).get(url)
    assert "articles/_review_panel.html" not in [t.name for t in response.templates]
    assert "撤回修改" in response.content.decode()
    # A liaison sees the article but reviews nothing: no panel, no author's buttons.
    response = login(org.user("liaison")).get(url)
    assert response.status_code == 200
    assert "articles/_review_panel.html" not in [t.name for t in response.templates]
    assert "撤回修改" not in response.content.decode()


# --- the landing page -----------------------------------------------------------------------------


def test_my_article_shows_the_call_and_the_start_form(org, campaign, login):
    response = login(org.user("cadre")).get(reverse("articles:mine"))
    assert response.status_code == 200
    assert response.context["form"] is not None and response.context["article"] is None
    html = response.content.decode()
    call = response.context["call"]
    assert timezone.localtime(call.deadline).strftime("%Y-%m-%d %H:%M") in html
    assert f"{call.min_chars}–{call.max_chars} 字" in html
    assert 'action="/articles/start/"' in html and f'value="{campaign.slug}"' in html
    assert "我的心得文章" in html  # the navigation item


@pytest.mark.parametrize(
    ("role", "reason"),
    [("office", "没有关联名册中的人员"), ("citizen", "没有关联名册中的人员"), ("bystander", "不是党员或干部")],
)
def test_my_article_explains_why_a_non_author_writes_none(org, campaign, login, role, reason):
    if role == "bystander":
        user = UserFactory(username="bystander")
        PersonFactory(unit=org.community_a, user=user, is_cadre=False, is_party_member=False)
    else:
        user = org.user(role)
    response = login(user).get(reverse("articles:mine"))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert reason in response.content.decode()
    assert "我的心得文章</a>" not in response.content.decode()  # no navigation item for them
    # Posting the start form anyway is refused and creates nothing.
    response = login(user).post(reverse("articles:start"), {"campaign": campaign.slug, "title": "x"})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_my_article_without_a_campaign(org, login):
    response = login(org.user("cadre")).get(reverse("articles:mine"))
    assert response.status_code == 200
    assert "目前没有进行中的大讨论" in response.content.decode()


def test_my_article_shows_the_article_once_started(org, campaign, draft, login):
    response = login(org.user("cadre")).get(reverse("articles:mine"))
    html = response.content.decode()
    assert response.context["form"] is None and response.context["article"] == draft
    assert "立足岗位谈解放思想" in html and "草稿" in html
    assert reverse("articles:edit", args=[draft.pk]) in html


def test_anonymous_is_sent_to_log_in(campaign, client):
    response = client.get(reverse("articles:mine"))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


# --- the path through the pages -------------------------------------------------------------------


def test_start_autosave_upload_and_submit(
    org, campaign, author, reviewer_a, login, texts, django_capture_on_commit_callbacks
):
    client = login(org.user("cadre"))
    themes = list(campaign.themes.order_by("order")[:2])
    response = client.post(
        reverse("articles:start"),
        {
            "campaign": campaign.slug,
            "title": "以思想大解放推动高质量发展",
            "body": "初稿",
            "themes": [themes[0].pk, themes[1].pk],
            "consent_public": "on",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("articles:edit", args=[article.pk])
    assert (article.author, article.unit, article.status, article.consent_public) == (
        author,
        org.community_a,
        ArticleStatus.DRAFT,
        True,
    )
    assert set(article.themes.all()) == set(themes)
    assert client.get(reverse("articles:mine")).context["article"] == article

    # The edit page: the form autosaves through htmx.
    html = client.get(reverse("articles:edit", args=[article.pk])).content.decode()
    assert f'hx-post="{reverse("articles:autosave", args=[article.pk])}"' in html
    assert 'hx-trigger="input delay:3s' in html and "articles.js" in html

    # Two autosaves in one sitting: one draft revision, holding the latest text.
    first = body_of(texts, 0, 400)
    second = first + "\n今后要结合本职工作抓好落实。"
    for body in (first, second):
        response = client.post(
            reverse("articles:autosave", args=[article.pk]), form_data(article, body=body, themes=[themes[0].pk]), **HX
        )
        assert response.status_code == 200
        assert "已自动保存" in response.content.decode()
        assert 'data-state="saved"' in response.content.decode()
    article.refresh_from_db()
    assert article.body == second
    assert list(article.themes.all()) == [themes[0]]
    revisions = list(article.revisions.all())
    assert len(revisions) == 1 and revisions[0].kind == RevisionKind.DRAFT and revisions[0].body == second

    # Upload a .txt (GB18030, as Chinese Windows saves it): the body is replaced, the title kept.
    txt = body_of(texts, 1, 500)
    response = client.post(
        reverse("articles:upload", args=[article.pk]), {"file": upload("心得.txt", txt.encode("gb18030"), "text/plain")}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == txt and article.title == "以思想大解放推动高质量发展"
    # …and a real .docx.
    paragraphs = body_of(texts, 2, 600).split("\n")
    response = client.post(
        reverse("articles:upload", args=[article.pk]), {"file": upload("心得.docx", docx(*paragraphs))}
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "\n".join(paragraphs)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("心得.docx" in m for m in messages)

    # Submit: the copy check runs once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("articles:submit", args=[article.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("articles:detail", args=[article.pk])
    article.refresh_from_db()
    assert article.status == ArticleStatus.SUBMITTED
    assert article.reviewer_id == reviewer_a.pk
    assert article.ratio is not None and article.checked_at is not None
    assert article.revisions.filter(kind=RevisionKind.SUBMISSION).count() == 1

    # The detail page: the text in paragraphs, the withdraw button; the edit page sends back to it.
    html = client.get(reverse("articles:detail", args=[article.pk])).content.decode()
    assert f"<p>{paragraphs[1]}</p>" in html and "待审阅" in html and "撤回修改" in html
    response = client.get(reverse("articles:edit", args=[article.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("articles:detail", args=[article.pk])
    response = client.post(reverse("articles:autosave", args=[article.pk]), form_data(article, body="改"), **HX)
    assert "不能再修改" in response.content.decode()
    article.refresh_from_db()
    assert article.body == "\n".join(paragraphs)

    # Withdraw (before the deadline and the review): back to the draft and the edit page.
    response = client.post(reverse("articles:withdraw", args=[article.pk]))
    assert response["Location"] == reverse("articles:edit", args=[article.pk])
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT

    # The revisions list and the history show it all.
    html = client.get(reverse("articles:revisions", args=[article.pk])).content.decode()
    assert "提交稿" in html and "草稿" in html
    html = client.get(reverse("articles:history", args=[article.pk])).content.decode()
    assert "articles.submit" in html and "articles.withdraw" in html and "待审阅" in html


def test_saving_by_hand_and_the_consent_toggle(org, campaign, draft, login, texts):
    client = login(org.user("cadre"))
    response = client.post(
        reverse("articles:edit", args=[draft.pk]), form_data(draft, title="新标题", body=body_of(texts, 3))
    )
    assert response.status_code == 302 and response["Location"] == reverse("articles:edit", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("新标题", body_of(texts, 3))

    assert draft.consent_public
    response = client.post(reverse("articles:consent", args=[draft.pk]), {"consent": "0"})
    assert response["Location"] == reverse("articles:detail", args=[draft.pk])
    draft.refresh_from_db()
    assert not draft.consent_public
    assert "同意公开" in client.get(reverse("articles:detail", args=[draft.pk])).content.decode()
    client.post(reverse("articles:consent", args=[draft.pk]), {"consent": "1"})
    draft.refresh_from_db()
    assert draft.consent_public
    assert [e.action for e in entries_of(draft)][-2:] == ["articles.consent", "articles.consent"]


def test_a_returned_article_shows_its_comments_and_the_way_back(org, campaign, author, make_article, reviewer_a, login):
    article = make_article(author, status=ArticleStatus.RETURNED)
    client = login(org.user("cadre"))
    html = client.get(reverse("articles:detail", args=[article.pk])).content.decode()
    assert 'id="return-comment"' in html and "请结合本职工作修改。" in html
    assert "修改后重新提交" in html and reverse("articles:edit", args=[article.pk]) in html
    # The reviewer's name stays with the review pages.
    assert reviewer_a.get_full_name() not in html
    html = client.get(reverse("articles:edit", args=[article.pk])).content.decode()
    assert "请结合本职工作修改。" in html and "重新提交" in html


def test_an_approved_article_shows_its_scores(org, campaign, author, make_article, reviewer_a, login):
    article = make_article(author, status=ArticleStatus.APPROVED)
    html = login(org.user("cadre")).get(reverse("articles:detail", args=[article.pk])).content.decode()
    assert 'id="scores"' in html
    for part in ("35 / 40", "25 / 30", "<strong>85</strong> / 100"):
        assert part in html
    draft_html = login(org.user("cadre")).get(reverse("articles:mine")).content.decode()
    assert "审核通过" in draft_html


def test_the_body_is_escaped(org, campaign, author, make_article, login):
    article = make_article(author, body="<script>alert(1)</script>\n第二段")
    html = login(org.user("cadre")).get(reverse("articles:detail", args=[article.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<p>第二段</p>" in html


def test_a_revision_is_shown_against_the_one_before(
    org, campaign, draft, login, texts, django_capture_on_commit_callbacks
):
    user = org.user("cadre")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_submit(article=draft, by=user)
    services.article_withdraw(article=draft, by=user)
    changed = draft.body.replace(draft.body[130:140], "这里改写了一句话")
    services.article_save(article=draft, by=user, title=draft.title, body=changed)
    latest = ArticleRevision.objects.filter(article=draft).order_by("-number").first()
    assert latest.number == 3 and latest.kind == RevisionKind.DRAFT
    response = login(user).get(reverse("articles:revision", args=[draft.pk, 3]))
    html = response.content.decode()
    assert "与第 2 版相比" in html
    assert "这里改写了一句话</ins>" in html and "<del>" in html
    first = login(user).get(reverse("articles:revision", args=[draft.pk, 1])).content.decode()
    assert "与第" not in first and draft.body.split("\n")[0] in first


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "新的一段"),
        ("第一段\n第二段\n第三段", "第一段\n第二段改了\n第三段\n第四段"),
        ("甲\n乙\n丙", "丙\n乙\n甲"),
        ("一段\n", "一段"),
    ],
)
def test_revision_diff_rebuilds_both_texts(before, after):
    pieces = revision_diff(before, after)
    assert "".join(p.text for p in pieces if p.op != "insert") == before
    assert "".join(p.text for p in pieces if p.op != "delete") == after


def test_revision_diff_of_long_texts_rebuilds_them(texts):
    before = body_of(texts, 0, 20000)
    lines = before.split("\n")
    lines[10] = lines[10][:50] + "改写" + lines[10][60:]
    del lines[40]
    lines.insert(90, "新增的一段话。")
    after = "\n".join(lines)
    pieces = revision_diff(before, after)
    assert "".join(p.text for p in pieces if p.op != "insert") == before
    assert "".join(p.text for p in pieces if p.op != "delete") == after
    assert sum(len(p.text) for p in pieces if p.op != "equal") < 400


# --- bad input: an error next to its field, nothing changed ---------------------------------------


def test_submitting_an_empty_article_is_refused(org, campaign, author, make_article, login):
    article = make_article(author, body="")
    article = services.article_save(article=article, by=author.user, title="", body="")
    before = snapshot(article)
    response = login(org.user("cadre")).post(reverse("articles:submit", args=[article.pk]))
    assert response.status_code == 400
    assert field_errors(response, "title") == ["请填写标题。"]
    assert field_errors(response, "body") == ["请填写正文。"]
    assert "未能提交" in response.content.decode()
    assert snapshot(article) == before


def test_submitting_too_short_an_article_is_refused(org, campaign, author, make_article, login):
    article = make_article(author, body="只写了一句话。")
    before = snapshot(article)
    response = login(org.user("cadre")).post(reverse("articles:submit", args=[article.pk]))
    assert response.status_code == 400
    assert "少于要求的 300 字" in field_errors(response, "body")[0]
    assert field_errors(response, "title") == []
    assert snapshot(article) == before


def test_too_long_a_text_is_refused_on_save_and_autosave(org, campaign, draft, small_call, login):
    before = snapshot(draft)
    client = login(org.user("cadre"))
    long_body = "字" * 201
    response = client.post(reverse("articles:edit", args=[draft.pk]), form_data(draft, body=long_body))
    assert response.status_code == 400
    assert "超过上限 200 字" in field_errors(response, "body")[0]
    assert long_body in response.content.decode()  # what was typed is kept in the form
    response = client.post(reverse("articles:autosave", args=[draft.pk]), form_data(draft, body=long_body), **HX)
    assert response.status_code == 200  # htmx swaps only successful answers
    html = response.content.decode()
    assert 'data-state="error"' in html and "超过上限 200 字" in html and "未能自动保存" in html
    response = client.post(reverse("articles:autosave", args=[draft.pk]), form_data(draft, body=long_body))
    assert response.status_code == 400
    assert snapshot(draft) == before


def test_a_title_over_200_characters_is_refused_by_autosave(org, campaign, draft, login):
    before = snapshot(draft)
    response = login(org.user("cadre")).post(
        reverse("articles:autosave", args=[draft.pk]), form_data(draft, title="题" * 201), **HX
    )
    assert 'data-state="error"' in response.content.decode()
    assert snapshot(draft) == before


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("照片.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "这不是文本文件"),
        ("心得.docx", "这只是改了扩展名的文本。".encode(), "不是有效的 Word"),
        ("心得.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".doc"),
        ("心得.pdf", b"%PDF-1.4\n", "只能导入纯文本"),
        ("空白.txt", b"", "文件"),
        ("空白.txt", b"   \n  ", "没有文字"),
    ],
)
def test_an_unreadable_file_is_refused(org, campaign, draft, login, name, data, error):
    before = snapshot(draft)
    response = login(org.user("cadre")).post(reverse("articles:upload", args=[draft.pk]), {"file": upload(name, data)})
    assert response.status_code == 400
    errors = field_errors(response, "file", "upload_form")
    assert errors and error in errors[0]
    assert error in response.content.decode()
    assert snapshot(draft) == before


def test_an_uploaded_text_over_the_limit_is_refused(org, campaign, draft, small_call, login):
    before = snapshot(draft)
    response = login(org.user("cadre")).post(
        reverse("articles:upload", args=[draft.pk]), {"file": upload("长文.txt", ("字" * 300).encode())}
    )
    assert response.status_code == 400
    assert "超过上限 200 字" in field_errors(response, "file", "upload_form")[0]
    assert snapshot(draft) == before


def test_an_oversized_file_is_refused(org, campaign, draft, login, settings):
    from taolun.articles import forms

    before = snapshot(draft)
    data = ("字" * 20 + "\n").encode() * (forms.UPLOAD_MAX_BYTES // 60 + 10)
    assert len(data) > forms.UPLOAD_MAX_BYTES
    response = login(org.user("cadre")).post(
        reverse("articles:upload", args=[draft.pk]), {"file": upload("大.txt", data)}
    )
    assert response.status_code == 400
    assert "超过 5 MB" in field_errors(response, "file", "upload_form")[0]
    assert snapshot(draft) == before


def test_submitting_after_the_deadline_is_refused(org, campaign, draft, login):
    ArticleCall.objects.create(campaign=campaign, deadline=timezone.now() - dt.timedelta(hours=1))
    before = snapshot(draft)
    client = login(org.user("cadre"))
    html = client.get(reverse("articles:edit", args=[draft.pk])).content.decode()
    assert "提交截止时间已过" in html and reverse("articles:submit", args=[draft.pk]) not in html
    response = client.post(reverse("articles:submit", args=[draft.pk]))
    assert response.status_code == 400
    assert any("已过" in e for e in response.context["form"].non_field_errors())
    assert snapshot(draft) == before


def test_withdrawing_after_the_deadline_is_refused(org, campaign, author, make_article, login):
    article = make_article(author, status=ArticleStatus.SUBMITTED)
    ArticleCall.objects.create(campaign=campaign, deadline=timezone.now() - dt.timedelta(minutes=1))
    client = login(org.user("cadre"))
    response = client.post(reverse("articles:withdraw", args=[article.pk]), follow=True)
    assert "不能再撤回" in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.SUBMITTED


def test_starting_a_second_article_is_refused(org, campaign, draft, login):
    response = login(org.user("cadre")).post(
        reverse("articles:start"), {"campaign": campaign.slug, "title": "第二篇", "body": "x"}, follow=True
    )
    assert Article.objects.count() == 1
    # Back on the landing page, which shows the article there is, with the service's refusal.
    assert response.redirect_chain[-1][0].startswith(reverse("articles:mine"))
    assert response.context["article"] == draft
    assert "每人撰写一篇" in response.content.decode()


def test_a_theme_of_another_campaign_is_refused(org, campaign, draft, login):
    before = snapshot(draft)
    response = login(org.user("cadre")).post(
        reverse("articles:edit", args=[draft.pk]), form_data(draft, themes=["999999"])
    )
    assert response.status_code == 400 and field_errors(response, "themes")
    assert snapshot(draft) == before


# --- queries stay flat ----------------------------------------------------------------------------


def test_my_article_and_the_detail_page_make_a_bounded_number_of_queries(
    org, campaign, author, make_article, reviewer_a, login, django_assert_max_num_queries
):
    client = login(org.user("cadre"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("articles:mine")).status_code == 200
    article = make_article(author, status=ArticleStatus.RETURNED)
    for _round in range(3):  # more reviews, revisions and audit entries: the same number of queries
        services.article_save(article=article, by=author.user, title=article.title, body=article.body + "补充。")
        article = services.article_submit(article=article, by=author.user)
        article = services.article_return(article=article, by=None, comment="再改一改。")
    article.themes.set(campaign.themes.all())
    for user in (org.user("cadre"), org.user("office"), reviewer_a):
        client = login(user)
        with django_assert_max_num_queries(16):  # the office and the reviewer: with the review panel
            assert client.get(reverse("articles:detail", args=[article.pk])).status_code == 200
    client = login(org.user("cadre"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("articles:mine")).status_code == 200
    for name in ("articles:revisions", "articles:history", "articles:edit"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=[article.pk])).status_code == 200
