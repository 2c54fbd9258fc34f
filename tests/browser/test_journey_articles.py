"""A reflection article (心得体会文章) from the first draft to the public site, in the browser on a phone.

张三 (user ``cadre``) writes an article that copies a long passage of a government report held in the
reference library (比对文库) and submits it; street A's reviewer opens it from the review queue, sees the
copied passage highlighted on the copy check page with the ratio and the source beside it, and returns it
with a comment; 张三 reads the comment, replaces the copied passage with his own words and resubmits; the
reviewer approves it with the three scores and marks it excellent; the publicity officer publishes it (张三
consented when writing); and an anonymous visitor reads it on the public articles page.

Also: the draft saves itself as the author types, and an unsaved change is not handed in.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from taolun.articles import detection, references, selectors, services
from taolun.articles.models import ArticleStatus, ReferenceText
from taolun.articles.tests import conftest as article_fixtures
from taolun.articles.tests.test_views_author import body_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The articles' own fixtures: the running campaign, 张三, street A's reviewer, the report texts.
campaign, author, reviewer_a, texts = (
    article_fixtures.campaign,
    article_fixtures.author,
    article_fixtures.reviewer_a,
    article_fixtures.texts,
)


@pytest.fixture(autouse=True)
def index_dir(tmp_path, settings):
    """Each test's detection library lives in its own folder (the database is emptied; files would stay)."""
    settings.ARTICLES_INDEX_DIR = tmp_path / "articles-index"
    detection._libraries.clear()
    yield settings.ARTICLES_INDEX_DIR
    detection._libraries.clear()


# What 张三 writes himself: his opening and closing, kept through the revision.
OPENING = (
    "参加这次解放思想大讨论以来，我结合社区工作反复学习、认真思考，对推动高质量发展有了新的认识。\n"
    "作为基层干部，我深感只有把群众的急难愁盼放在心上，才能把讨论的成果落到实处。\n"
)
CLOSING = (
    "\n今后我要带头转变作风，每周走访辖区居民和企业，把收集到的意见逐条登记、限时办结。\n"
    "同时建议街道建立问题清单月度通报制度，让整改进度公开透明，接受群众监督。"
)
# What replaces the copied passage in the revision: his own account of the work.
OWN_MIDDLE = (
    "去年以来，我们社区把老旧小区加装电梯作为民生实事来抓，先后召开楼道议事会十一次，"
    "逐户上门听取意见，最终有六个单元达成一致并完成加装。\n"
    "在这个过程中我体会到，群众工作没有捷径可走，只有把道理讲透、把难处想到前头，"
    "才能化解分歧、凝聚共识。\n"
    "我们还组织志愿者为独居老人建立联系卡，遇到停水停电第一时间上门，"
    "这些小事让居民感受到了实实在在的变化，也让我明白解放思想最终要体现在解决问题的实效上。"
)


def sign_in_as(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def open_menu(page: Page, label: str) -> None:
    """Follow ``label`` in the main navigation (folded behind the menu button on a phone)."""
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()


def accept_dialogs(page: Page) -> list[str]:
    """Accept every confirm/alert the page raises; what they said, in order."""
    said: list[str] = []

    def answer(dialog):
        said.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return said


def test_a_copied_article_is_caught_returned_revised_approved_and_published(
    org, campaign, author, reviewer_a, texts, page
):
    # —— the reference library holds a government report ——
    collection = references.collection_create(name="政府工作报告", by=None)
    report = references.references_import(collection=collection, files=[("2010年报告.txt", texts[3].encode())], by=None)
    assert report.ok, report.errors
    assert ReferenceText.objects.get(pk=report.ids[0]).indexed  # joined the library once the import committed
    copied = "".join(texts[3].split())[1000:1460]
    assert len(copied) >= 400
    first_body = OPENING + copied + CLOSING
    call = selectors.call_of(campaign)
    assert services.count_chars(first_body) >= call.min_chars
    title = "解放思想要落到为民办实事上"
    theme = campaign.themes.order_by("order").first().title
    dialogs = accept_dialogs(page)

    # —— 张三 starts his article on his phone, writes it, saves and submits ——
    sign_in_as(page, "cadre")
    open_menu(page, "我的心得文章")
    expect(page.get_by_role("heading", name="我的心得文章", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="征文要求")).to_contain_text(str(call.min_chars))
    page.get_by_label("标题").fill(title)
    page.get_by_label("同意公开").check()
    page.get_by_role("button", name="开始撰写（保存草稿）").click()
    expect(page.get_by_role("heading", name="撰写心得体会文章", level=1)).to_be_visible()
    expect(page.get_by_text("已创建草稿，写作中会自动保存。")).to_be_visible()
    article = selectors.article_of(campaign, author)
    assert article is not None and article.status == ArticleStatus.DRAFT and article.consent_public

    page.get_by_label("正文", exact=True).fill(first_body)
    expect(page.locator("[data-char-number]")).to_have_text(str(services.count_chars(first_body)))
    page.get_by_label(theme).check()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("button", name="提交文章").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    assert "确定提交这篇文章吗？" in dialogs
    article.refresh_from_db()
    assert article.status == ArticleStatus.SUBMITTED
    assert article.reviewer_id == reviewer_a.pk
    # The copy check ran once the submission committed: the copied passage is caught.
    assert article.ratio is not None and article.flagged
    percent = f"{round(float(article.ratio) * 100)}%"

    # —— street A's reviewer opens it from the queue and looks at the copy check ——
    sign_in_as(page, "reviewer_a")
    open_menu(page, "文章审阅")
    queue = page.get_by_role("table")
    expect(queue.get_by_role("row").filter(has_text=title)).to_contain_text(percent)
    queue.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    panel = page.locator("#review-panel")
    panel.get_by_role("link", name="查看比对详情（相似段落对照）").click()
    expect(page.get_by_role("heading", name="重复率检测", level=1)).to_be_visible()

    summary = page.locator("#check-summary")
    expect(summary.locator(".ratio")).to_have_text(percent)
    expect(summary.get_by_text("疑似抄袭")).to_be_visible()
    # The whole text with the copied passage marked …
    marked = page.locator("#overview mark.copied")
    expect(marked.filter(has_text=copied[100:140])).to_have_count(1)
    expect(marked.filter(has_text=OPENING[:20])).to_have_count(0)
    # … and the source named beside it: the reference's title, its collection, the same passage marked.
    source = page.get_by_role("region", name="1. 2010年报告")
    expect(source).to_contain_text("比对文库：政府工作报告")
    expect(source.locator("mark.copied").filter(has_text=copied[200:240]).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.go_back()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    comment = "第二部分大段照抄政府工作报告，请删去，结合本职工作用自己的话写。"
    panel.get_by_label("修改意见").fill(comment)
    panel.get_by_role("button", name="退回修改").click()
    expect(page.get_by_text("已退回修改，并通知了作者。")).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETURNED

    # —— 张三 reads the comment, writes the passage himself and resubmits ——
    sign_in_as(page, "cadre")
    open_menu(page, "我的心得文章")
    expect(page.get_by_role("note").filter(has_text="文章被退回修改")).to_be_visible()
    page.get_by_role("link", name="修改后重新提交").click()
    expect(page.locator("#return-comment")).to_contain_text(comment)
    second_body = OPENING + OWN_MIDDLE + CLOSING
    assert services.count_chars(second_body) >= call.min_chars
    page.get_by_label("正文", exact=True).fill(second_body)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("button", name="重新提交").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.SUBMITTED and article.body == second_body
    assert article.ratio is not None and not article.flagged

    # —— the reviewer approves it with the three scores and marks it excellent ——
    sign_in_as(page, "reviewer_a")
    open_menu(page, "文章审阅")
    page.get_by_role("table").get_by_role("link", name=title).click()
    panel.get_by_label(f"思想认识（0–{call.thought_max} 分）").fill("36")
    panel.get_by_label(f"实践感悟（0–{call.practice_max} 分）").fill("27")
    panel.get_by_label(f"意见建议（0–{call.suggestions_max} 分）").fill("26")
    panel.get_by_label("审阅意见").fill("结合社区工作谈体会，建议具体。")
    panel.get_by_role("button", name="审核通过").click()
    expect(page.get_by_text("已审核通过，得分 89。")).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.APPROVED
    assert (article.thought_score, article.practice_score, article.suggestions_score, article.score) == (
        36,
        27,
        26,
        89,
    )
    panel.get_by_label("推荐理由").fill("联系实际，可作为基层干部的示范。")
    panel.get_by_role("button", name="评为优秀").click()
    expect(page.get_by_text("已评为优秀。")).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXCELLENT

    # —— the publicity officer publishes it ——
    sign_in_as(page, "publicity")
    open_menu(page, "优秀文章发布")
    row = page.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("优秀")
    expect(row).not_to_contain_text("未同意")  # the author's consent, given when writing
    row.get_by_role("button", name="发布到网站").click()
    expect(page.get_by_text("已发布到网站。")).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_at is not None

    # —— anyone reads it on the public site ——
    page.context.clear_cookies()
    page.goto(reverse("articles:public_current"))
    expect(page.get_by_role("heading", name="优秀心得体会文章", level=1)).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    public = page.get_by_role("article")
    expect(public).to_contain_text("张三")
    for paragraph in second_body.split("\n"):
        expect(public.get_by_text(paragraph, exact=True)).to_be_visible()
    expect(public).not_to_contain_text(copied[100:140])
    assert re.search(r"/articles/public/[\w-]+/\d+/$", page.url)


# --- the draft saves itself -------------------------------------------------------------------------


def test_the_draft_saves_itself_as_the_author_types(org, campaign, author, page, sign_in, texts):
    article = services.article_start(campaign=campaign, author=author, by=author.user, title="初稿", body="")
    dialogs: list[str] = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    sign_in("cadre")
    page.goto(reverse("articles:edit", args=[article.pk]))
    textarea = page.get_by_label("正文", exact=True)
    body = body_of(texts, 0, 320)
    # The count follows the typing at once; the save comes a few seconds after typing stops.
    with page.expect_response(lambda response: "/autosave/" in response.url, timeout=15_000):
        textarea.fill(body)
        expect(page.locator("[data-char-number]")).to_have_text(str(len(body.replace("\n", ""))))
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存")
    article.refresh_from_db()
    assert article.body == body and article.revisions.count() == 1

    # Submitting right after typing would hand in the text saved before: the page asks to save first.
    page.get_by_label(campaign.themes.order_by("order").first().title).check()
    textarea.press("End")
    textarea.press_sequentially("补充一句。")
    page.get_by_role("button", name="提交文章").click()
    assert any("未保存" in message for message in dialogs)
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT

    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    page.get_by_role("button", name="提交文章").click()
    expect(page.get_by_role("heading", name="初稿", level=1)).to_be_visible()
    article.refresh_from_db()
    assert article.status == ArticleStatus.SUBMITTED and article.themes.count() == 1
    assert article.body == body + "补充一句。"
