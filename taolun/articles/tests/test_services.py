"""The article services: the transition table and its one door, one article per author, writing and its
revisions, and bad input refused in words with nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import shared_org
from taolun.articles import services
from taolun.articles.models import (
    HANDED_IN,
    Article,
    ArticleQuerySet,
    ArticleRevision,
    ArticleStatus,
    RevisionKind,
)
from taolun.articles.services import HARD_MAX_CHARS, REVISION_SITTING, TRANSITIONS

from .helpers import actions_of, audit_of, messages, state

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ArticleStatus
BODY = "我们社区在大讨论中逐户走访，把群众反映的问题列成清单，明确责任人和时限，办结后回访。" * 12

# Every service that moves an article, called by the system, and the status it moves to.
MOVES: dict[str, tuple[str, Callable[[Article], Article]]] = {
    "submit": (S.SUBMITTED, lambda a: services.article_submit(article=a, by=None)),
    "withdraw": (S.DRAFT, lambda a: services.article_withdraw(article=a, by=None)),
    "return": (S.RETURNED, lambda a: services.article_return(article=a, by=None, comment="请结合实际修改。")),
    "approve": (
        S.APPROVED,
        lambda a: services.article_approve(article=a, by=None, thought=30, practice=20, suggestions=20),
    ),
    "excellent": (S.EXCELLENT, lambda a: services.article_mark_excellent(article=a, by=None)),
    "unexcellent": (S.APPROVED, lambda a: services.article_unmark_excellent(article=a, by=None, reason="评优有误")),
    "publish": (S.PUBLISHED, lambda a: services.article_publish(article=a, by=None)),
    "unpublish": (S.EXCELLENT, lambda a: services.article_unpublish(article=a, by=None, reason="内容需要核实")),
}
ALLOWED = [(source, to, action) for source, moves in TRANSITIONS.items() for to, action in moves.items()]
REFUSED = [
    (source, action)
    for source in S.values
    for action, (to, _call) in MOVES.items()
    if TRANSITIONS[source].get(to) != action
]


def age_revisions(article: Article, by: dt.timedelta) -> None:
    """Move the article's revisions back in time, as if the last save was ``by`` ago."""
    for revision in ArticleRevision.objects.filter(article=article):
        ArticleRevision.objects.filter(pk=revision.pk).update(
            created_at=revision.created_at - by, saved_at=revision.saved_at - by
        )


# -- the transition table ---------------------------------------------------------------------------


def test_the_table_names_every_status_and_only_known_actions():
    assert set(TRANSITIONS) == set(S.values)
    for source, moves in TRANSITIONS.items():
        for to, action in moves.items():
            assert to in S.values and to != source
            assert MOVES[action][0] == to, (source, to, action)
    assert {action for _s, _t, action in ALLOWED} == set(MOVES)
    assert len(ALLOWED) + len(REFUSED) == len(S.values) * len(MOVES)


@pytest.mark.parametrize(("source", "to", "action"), ALLOWED, ids=[f"{s}-{a}" for s, _t, a in ALLOWED])
def test_every_allowed_move_writes_one_audit_entry(campaign, make_article, author, reviewer_a, source, to, action):
    article = make_article(author, status=source)
    before = actions_of(article)
    moved = MOVES[action][1](article)
    assert moved.status == to
    assert Article.objects.get(pk=article.pk).status == to
    entries = audit_of(article)[len(before) :]
    assert [e.action for e in entries] == [f"articles.{action}"]
    assert entries[0].before["status"] == source
    assert entries[0].after["status"] == to


@pytest.mark.parametrize(("source", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_every_other_move_is_refused_in_words_and_changes_nothing(
    campaign, make_article, author, reviewer_a, source, action
):
    article = make_article(author, status=source)
    to, call = MOVES[action]
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        call(article)
    text = messages(refused.value)
    assert str(S(source).label) in text and str(S(to).label) in text
    assert state(article) == before


def test_a_move_by_someone_without_the_rule_is_refused(org, campaign, make_article, author, reviewer_a):
    from django.core.exceptions import PermissionDenied

    article = make_article(author, status=S.SUBMITTED)
    before = state(article)
    for _user, call in [
        (
            org.user("cadre"),
            lambda: services.article_approve(
                article=article, by=org.user("cadre"), thought=1, practice=1, suggestions=1
            ),
        ),
        (org.user("liaison"), lambda: services.article_return(article=article, by=org.user("liaison"), comment="改")),
        (reviewer_a, lambda: services.article_withdraw(article=article, by=reviewer_a)),
    ]:
        with pytest.raises(PermissionDenied):
            call()
    assert state(article) == before


# -- one article per author per campaign ---------------------------------------------------------------


def test_a_second_article_for_the_same_author_is_refused(org, campaign, author):
    first = services.article_start(campaign=campaign, author=author, by=org.user("cadre"), title="第一篇", body=BODY)
    audit = len(audit_of(first))
    with pytest.raises(ValidationError) as refused:
        services.article_start(campaign=campaign, author=author, by=org.user("cadre"), title="第二篇", body=BODY)
    assert "每人撰写一篇" in refused.value.message_dict["author"][0]
    assert "第一篇" in refused.value.message_dict["author"][0]
    assert list(Article.objects.values_list("pk", flat=True)) == [first.pk]
    assert len(audit_of(first)) == audit


def test_the_database_refuses_a_second_article_for_the_same_author(campaign, author, make_article):
    first = make_article(author, status=S.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(campaign=campaign, author=author, unit=author.unit, title="绕过服务的第二篇")
    assert list(Article.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_start_that_raced_past_the_check_gets_the_readable_refusal(org, campaign, author, monkeypatch):
    services.article_start(campaign=campaign, author=author, by=None, title="第一篇", body=BODY)
    entries = len(audit_of(Article.objects.get()))
    # As if the other request committed between this one's check and its insert: the check sees nothing.
    monkeypatch.setattr(ArticleQuerySet, "first", lambda self: None)
    with pytest.raises(ValidationError) as refused:
        services.article_start(campaign=campaign, author=author, by=None, title="并发的第二篇", body=BODY)
    monkeypatch.undo()
    assert "每人撰写一篇" in refused.value.message_dict["author"][0]
    assert Article.objects.count() == 1
    assert ArticleRevision.objects.count() == 1
    assert len(audit_of(Article.objects.get())) == entries


def test_the_same_author_writes_one_article_in_each_campaign(campaign, make_campaign, author):
    later = make_campaign(key="second-round")
    services.article_start(campaign=campaign, author=author, by=None, title="第一轮", body=BODY)
    services.article_start(campaign=later, author=author, by=None, title="第二轮", body=BODY)
    assert Article.objects.filter(author=author).count() == 2


def test_only_party_members_and_cadres_in_the_campaign_write(org, campaign, make_author):
    citizen = make_author(is_party_member=False, is_cadre=False)
    with pytest.raises(ValidationError) as refused:
        services.article_start(campaign=campaign, author=citizen, by=None, title="标题", body=BODY)
    assert "author" in refused.value.message_dict
    assert not Article.objects.exists()


# -- writing: revisions, cleaning, counting -------------------------------------------------------------


def test_saves_in_one_sitting_fold_into_one_draft_revision(org, campaign, author):
    cadre = org.user("cadre")
    article = services.article_start(campaign=campaign, author=author, by=cadre, title="标题", body="初稿")
    assert actions_of(article) == ["articles.create"]
    for n in range(1, 4):
        article = services.article_save(article=article, by=cadre, title="标题", body="初稿" + "续写" * n)
    [revision] = ArticleRevision.objects.filter(article=article)
    assert (revision.number, revision.kind, revision.body) == (1, RevisionKind.DRAFT, "初稿续写续写续写")
    # The autosaves of one sitting are the revision's: no audit entry for each keystroke pause.
    assert actions_of(article) == ["articles.create"]

    age_revisions(article, REVISION_SITTING + dt.timedelta(minutes=1))
    article = services.article_save(article=article, by=cadre, title="标题", body="第二次坐下来写的稿子")
    assert list(ArticleRevision.objects.filter(article=article).values_list("number", "kind", "body")) == [
        (2, RevisionKind.DRAFT, "第二次坐下来写的稿子"),
        (1, RevisionKind.DRAFT, "初稿续写续写续写"),
    ]
    assert actions_of(article) == ["articles.create", "articles.save"]

    # Within the new sitting, a change of title is worth an entry; the text folds into revision 2.
    article = services.article_save(article=article, by=cadre, title="新标题", body="第二次坐下来写的稿子，又改了")
    assert ArticleRevision.objects.filter(article=article).count() == 2
    assert actions_of(article)[-1] == "articles.save"
    assert audit_of(article)[-1].after["title"] == "新标题"


def test_a_save_by_someone_else_starts_a_new_revision(org, campaign, author):
    article = services.article_start(campaign=campaign, author=author, by=org.user("cadre"), title="标题", body="初稿")
    services.article_save(article=article, by=None, title="标题", body="系统导入的稿子")
    assert list(ArticleRevision.objects.filter(article=article).values_list("number", "created_by")) == [
        (2, None),
        (1, org.user("cadre").pk),
    ]


def test_submission_keeps_a_submission_revision(org, campaign, author, reviewer_a, django_capture_on_commit_callbacks):
    cadre = org.user("cadre")
    article = services.article_start(campaign=campaign, author=author, by=cadre, title="标题", body=BODY)
    with django_capture_on_commit_callbacks(execute=True):
        article = services.article_submit(article=article, by=cadre)
    revisions = list(ArticleRevision.objects.filter(article=article).values_list("number", "kind", "body"))
    assert revisions == [(2, RevisionKind.SUBMISSION, BODY), (1, RevisionKind.DRAFT, BODY)]
    assert article.status == S.SUBMITTED and article.submitted_at is not None
    assert article.reviewer_id == reviewer_a.pk


def test_an_unchanged_save_changes_nothing(org, campaign, author):
    cadre = org.user("cadre")
    article = services.article_start(campaign=campaign, author=author, by=cadre, title="标题", body=BODY)
    before = state(article)
    # The same text, with Windows line ends and trailing blanks the cleaning removes anyway.
    services.article_save(article=article, by=cadre, title=" 标题 ", body=BODY.replace("。", "。") + "\r\n  ")
    services.article_save(article=article, by=cadre, title="标题", body=BODY, themes=[], consent_public=False)
    assert state(article) == before


def test_control_characters_are_stripped_and_line_ends_unified(org, campaign, author):
    article = services.article_start(
        campaign=campaign,
        author=author,
        by=None,
        title="标题\x00\x1b\n第二行",
        body="第一段\x00\x07\x1b内容\r\n第二段\ufffe\r第三段\t有制表符\x7f",
    )
    assert article.title == "标题 第二行"
    assert article.body == "第一段内容\n第二段\n第三段\t有制表符"
    assert ArticleRevision.objects.get(article=article).body == article.body


def test_the_character_count_ignores_whitespace(campaign, author):
    assert services.count_chars("一 二\n三\t四\u3000五  ") == 5
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body="一 二\n\n三　四")
    assert article.chars == 4
    article = services.article_save(article=article, by=None, title="标题", body="一二三四五 六")
    assert article.chars == 6
    assert ArticleRevision.objects.get(article=article).chars == 6


def test_themes_and_consent_are_saved_and_audited(org, campaign, author):
    themes = list(campaign.themes.order_by("pk")[:2])
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body=BODY)
    services.article_save(article=article, by=None, title="标题", body=BODY, themes=themes, consent_public=True)
    stored = Article.objects.get(pk=article.pk)
    assert sorted(stored.themes.values_list("pk", flat=True)) == [t.pk for t in themes]
    assert stored.consent_public
    entry = audit_of(article)[-1]
    assert entry.action == "articles.save"
    assert entry.before == {"consent_public": False, "themes": []}
    assert entry.after == {"consent_public": True, "themes": [t.pk for t in themes]}
    assert ArticleRevision.objects.filter(article=article).count() == 1  # the text did not change


# -- bad input: refused in words, nothing changed -------------------------------------------------------


def test_submitting_without_title_or_body_is_refused_on_both(org, campaign, author):
    article = services.article_start(campaign=campaign, author=author, by=None)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_submit(article=article, by=org.user("cadre"))
    assert set(refused.value.message_dict) == {"title", "body"}
    assert "请填写正文" in refused.value.message_dict["body"][0]
    assert state(article) == before


def test_an_empty_body_is_refused_even_without_a_minimum(org, campaign, author, set_call):
    set_call(min_chars=0)
    article = services.article_start(campaign=campaign, author=author, by=None, title="只有标题")
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_submit(article=article, by=None)
    assert set(refused.value.message_dict) == {"body"}
    assert state(article) == before


def test_a_too_short_article_is_refused(campaign, author):
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body="太短了" * 30)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_submit(article=article, by=None)
    assert refused.value.message_dict["body"] == ["正文 90 字，少于要求的 300 字。"]
    assert state(article) == before


def test_an_oversized_text_is_refused_on_start_and_save(campaign, author, make_author, set_call):
    set_call(max_chars=1000)
    with pytest.raises(ValidationError) as refused:
        services.article_start(campaign=campaign, author=make_author(), by=None, title="长", body="字" * 1001)
    assert "1001" in refused.value.message_dict["body"][0] and "1000" in refused.value.message_dict["body"][0]
    assert not Article.objects.exists()

    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body="字" * 1000)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, by=None, title="标题", body="字" * 1001)
    assert "body" in refused.value.message_dict
    assert state(article) == before


def test_nothing_is_longer_than_the_hard_limit(campaign, author, make_author, set_call):
    set_call(max_chars=HARD_MAX_CHARS)
    with pytest.raises(ValidationError) as refused:
        services.article_start(
            campaign=campaign, author=make_author(), by=None, title="长", body="字" * (HARD_MAX_CHARS + 1)
        )
    assert str(HARD_MAX_CHARS) in refused.value.message_dict["body"][0]
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body=BODY)
    before = state(article)
    # Blanks do not count as characters, but they do not make an article endless either.
    for body in ("字" * (HARD_MAX_CHARS + 1), "字" + " " * (2 * HARD_MAX_CHARS) + "字"):
        with pytest.raises(ValidationError):
            services.article_save(article=article, by=None, title="标题", body=body)
    assert state(article) == before
    with pytest.raises(ValidationError) as refused:
        set_call(max_chars=HARD_MAX_CHARS + 1)
    assert "max_chars" in refused.value.message_dict


def test_a_text_longer_than_a_lowered_limit_cannot_be_submitted(campaign, author, set_call):
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body="字" * 2000)
    set_call(max_chars=1500)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_submit(article=article, by=None)
    assert refused.value.message_dict["body"] == ["正文 2000 字，超过上限 1500 字。"]
    assert state(article) == before


def test_themes_of_another_campaign_are_refused(campaign, make_campaign, author, make_author):
    foreign = make_campaign(key="other-plan").themes.first()
    with pytest.raises(ValidationError) as refused:
        services.article_start(
            campaign=campaign, author=make_author(), by=None, title="标题", body=BODY, themes=[foreign]
        )
    assert "themes" in refused.value.message_dict
    assert not Article.objects.exists()

    own = campaign.themes.first()
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body=BODY, themes=[own])
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, by=None, title="新标题", body=BODY, themes=[own, foreign])
    assert "themes" in refused.value.message_dict
    assert state(article) == before


@pytest.mark.parametrize(
    ("scores", "fields"),
    [
        (
            {"thought": 41, "practice": "abc", "suggestions": -1},
            {"thought_score", "practice_score", "suggestions_score"},
        ),
        (
            {"thought": 35.5, "practice": True, "suggestions": ""},
            {"thought_score", "practice_score", "suggestions_score"},
        ),
        ({"thought": None, "practice": 30, "suggestions": 31}, {"thought_score", "suggestions_score"}),
        ({"thought": "40", "practice": "1e3", "suggestions": 30}, {"practice_score"}),
    ],
)
def test_scores_out_of_range_or_not_numbers_are_refused_on_each_field(
    campaign, make_article, author, reviewer_a, scores, fields
):
    article = make_article(author, status=S.SUBMITTED)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_approve(article=article, by=reviewer_a, **scores)
    assert set(refused.value.message_dict) == fields
    assert state(article) == before


def test_scores_given_as_text_or_whole_floats_are_accepted(campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.SUBMITTED)
    article = services.article_approve(article=article, by=reviewer_a, thought="40", practice=30.0, suggestions=" 0 ")
    assert (article.thought_score, article.practice_score, article.suggestions_score, article.score) == (40, 30, 0, 70)
    assert audit_of(article)[-1].after["score"] == 70


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_returning_without_a_comment_is_refused(campaign, make_article, author, reviewer_a, comment):
    article = make_article(author, status=S.SUBMITTED)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_return(article=article, by=reviewer_a, comment=comment)  # type: ignore[arg-type]
    assert "comment" in refused.value.message_dict
    assert state(article) == before


def test_submitting_after_the_deadline_is_refused(org, campaign, author, set_call):
    article = services.article_start(campaign=campaign, author=author, by=None, title="标题", body=BODY)
    set_call(deadline=timezone.now() - dt.timedelta(hours=1))
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_submit(article=article, by=org.user("cadre"))
    assert "截止时间" in messages(refused.value)
    assert state(article) == before
    assert not ArticleRevision.objects.filter(article=article, kind=RevisionKind.SUBMISSION).exists()


def test_a_returned_article_may_come_back_after_the_deadline(org, campaign, make_article, author, reviewer_a, set_call):
    article = make_article(author, status=S.RETURNED)
    set_call(deadline=timezone.now() - dt.timedelta(days=1))
    cadre = org.user("cadre")
    article = services.article_save(
        article=article, by=cadre, title=article.title, body=article.body + "补充了整改措施。"
    )
    article = services.article_submit(article=article, by=cadre)
    assert article.status == S.SUBMITTED
    kinds = list(ArticleRevision.objects.filter(article=article).values_list("kind", flat=True))
    assert kinds.count(RevisionKind.SUBMISSION) == 2
    assert article.status in HANDED_IN


def test_withdrawing_after_the_deadline_is_refused(org, campaign, make_article, author, reviewer_a, set_call):
    article = make_article(author, status=S.SUBMITTED)
    set_call(deadline=timezone.now() - dt.timedelta(minutes=1))
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_withdraw(article=article, by=org.user("cadre"))
    assert "截止时间" in messages(refused.value)
    assert state(article) == before


def test_withdrawing_before_the_deadline_returns_the_draft(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.SUBMITTED)
    article = services.article_withdraw(article=article, by=org.user("cadre"))
    assert article.status == S.DRAFT
    article = services.article_save(article=article, by=org.user("cadre"), title="改过的标题", body=article.body)
    assert article.title == "改过的标题"


def test_an_article_under_review_cannot_be_edited(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.SUBMITTED)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, by=org.user("cadre"), title="偷偷改", body="改过的正文")
    assert str(S.SUBMITTED.label) in messages(refused.value)
    assert state(article) == before


def test_the_call_refuses_a_minimum_above_the_maximum(campaign, set_call):
    with pytest.raises(ValidationError) as refused:
        set_call(min_chars=5000, max_chars=1000)
    assert refused.value.message_dict
    with pytest.raises(ValidationError):
        set_call(reviewer="nobody")
