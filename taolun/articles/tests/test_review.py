"""Review and publication: who is assigned to review an article (by unit or from the pool), the office's
assignments, publishing with the author's consent, and the notices each step sends."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import shared_org
from taolun.accounts.models import Role, RoleAssignment
from taolun.articles import selectors, services
from taolun.articles.models import Article, ArticleStatus, AssignMode
from taolun.core.models import Notification
from tests.factories import UserFactory

from .helpers import actions_of, audit_of, notices, state

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

S = ArticleStatus


def reviewer(org, name: str, unit=None):
    user = UserFactory(username=name, display_name=name)
    RoleAssignment.objects.create(user=user, role=Role.REVIEWER, unit=unit)
    return user


# -- assignment -----------------------------------------------------------------------------------------


def test_by_unit_the_nearest_covering_reviewer_reviews(org, campaign, make_article, author, make_author, reviewer_a):
    # 张三 is in community A1: the street-A reviewer is nearer than the district-wide one.
    assert make_article(author, status=S.SUBMITTED).reviewer_id == reviewer_a.pk
    # In community B1 only the district-wide reviewer covers the author.
    assert make_article(make_author(org.community_b), status=S.SUBMITTED).reviewer_id == org.user("reviewer").pk
    # A reviewer of community A1 itself is nearer still.
    nearest = reviewer(org, "reviewer_a1", org.community_a)
    assert make_article(make_author(org.community_a), status=S.SUBMITTED).reviewer_id == nearest.pk


def test_by_unit_the_least_loaded_of_equally_near_reviewers_reviews(
    org, campaign, make_article, make_author, reviewer_a
):
    second = reviewer(org, "reviewer_a2", org.street_a)
    assigned = [make_article(make_author(), status=S.SUBMITTED).reviewer_id for _ in range(5)]
    assert assigned == [reviewer_a.pk, second.pk, reviewer_a.pk, second.pk, reviewer_a.pk]
    assert org.user("reviewer").pk not in assigned


def test_the_pool_spreads_articles_across_every_covering_reviewer(
    org, campaign, make_article, make_author, reviewer_a, reviewer_b, set_call
):
    set_call(assign_mode=AssignMode.POOL)
    everywhere = org.user("reviewer")
    assigned = [make_article(make_author(org.community_a), status=S.SUBMITTED).reviewer_id for _ in range(4)]
    assert sorted(assigned) == sorted([everywhere.pk, everywhere.pk, reviewer_a.pk, reviewer_a.pk])
    # Street B's reviewer never gets street A's articles; in B1 it shares with the district-wide one.
    assert reviewer_b.pk not in assigned
    in_b = [make_article(make_author(org.community_b), status=S.SUBMITTED).reviewer_id for _ in range(2)]
    assert reviewer_b.pk in in_b and everywhere.pk not in in_b  # the district reviewer has two already


@pytest.mark.parametrize("mode", [AssignMode.UNIT, AssignMode.POOL])
def test_the_author_never_reviews_their_own_article(org, campaign, make_article, author, reviewer_a, set_call, mode):
    set_call(assign_mode=mode)
    cadre = org.user("cadre")
    RoleAssignment.objects.create(user=cadre, role=Role.REVIEWER, unit=org.community_a)  # the nearest of all
    RoleAssignment.objects.filter(role=Role.REVIEWER).exclude(user=cadre).delete()
    article = make_article(author, status=S.SUBMITTED)
    assert article.reviewer_id is None
    assert cadre.pk not in services.reviewer_candidates(article)
    with pytest.raises(ValidationError) as refused:
        services.article_assign(article=article, by=None, reviewer=cadre)
    assert "reviewer" in refused.value.message_dict
    assert Article.objects.get(pk=article.pk).reviewer_id is None


def test_without_a_reviewer_the_office_is_told(org_mixed_roles, campaign, make_article, author, make_author):
    org = org_mixed_roles
    RoleAssignment.objects.filter(role=Role.REVIEWER).delete()
    article = make_article(author, status=S.SUBMITTED)
    assert article.reviewer_id is None
    told = set(
        Notification.objects.filter(title__contains="待分配审阅人").values_list("recipient__username", flat=True)
    )
    # The district office and the office of street A cover community A1; nobody else is told.
    assert told == {"office", "office_a"}
    other = make_article(make_author(org.community_b), status=S.SUBMITTED)
    assert other.reviewer_id is None
    assert notices(org.user("office_a")).count(f"有心得体会文章待分配审阅人：{other.title}") == 0
    assert notices(org.user("office")).count(f"有心得体会文章待分配审阅人：{other.title}") == 1


def test_the_office_assigns_only_a_reviewer_covering_the_unit(
    org, campaign, make_article, author, reviewer_a, reviewer_b
):
    article = make_article(author, status=S.SUBMITTED)
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_assign(article=article, by=org.user("office"), reviewer=reviewer_b)
    assert reviewer_b.display_name in refused.value.message_dict["reviewer"][0]
    assert state(article) == before

    everywhere = org.user("reviewer")
    article = services.article_assign(article=article, by=org.user("office"), reviewer=everywhere)
    assert Article.objects.get(pk=article.pk).reviewer_id == everywhere.pk
    entry = audit_of(article)[-1]
    assert (entry.action, entry.before, entry.after) == (
        "articles.assign",
        {"reviewer": reviewer_a.pk},
        {"reviewer": everywhere.pk},
    )
    assert notices(everywhere) == [f"有心得体会文章待您审阅：{article.title}"]
    # The same reviewer again changes nothing.
    before = state(article)
    services.article_assign(article=article, by=org.user("office"), reviewer=everywhere)
    assert state(article) == before


def test_a_reviewed_article_keeps_its_reviewer(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.APPROVED)
    with pytest.raises(ValidationError):
        services.article_assign(article=article, by=None, reviewer=org.user("reviewer"))
    assert Article.objects.get(pk=article.pk).reviewer_id == reviewer_a.pk


def test_assign_unassigned_fills_the_gaps(org, campaign, make_article, make_author):
    RoleAssignment.objects.filter(role=Role.REVIEWER).delete()
    waiting = [make_article(make_author(), status=S.SUBMITTED) for _ in range(3)]
    draft = make_article(make_author())
    assert all(a.reviewer_id is None for a in waiting)

    street = reviewer(org, "reviewer_late", org.street_a)
    assert services.assign_unassigned(campaign=campaign, by=org.user("office")) == 3
    for article in waiting:
        assert Article.objects.get(pk=article.pk).reviewer_id == street.pk
        assert actions_of(article)[-1] == "articles.assign"
    assert Article.objects.get(pk=draft.pk).reviewer_id is None
    assert len(notices(street)) == 3
    # Run again: nothing is left to assign, nothing changes.
    assert services.assign_unassigned(campaign=campaign, by=org.user("office")) == 0
    assert len(notices(street)) == 3


# -- publication ----------------------------------------------------------------------------------------


def test_only_an_excellent_article_with_consent_is_published(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.APPROVED, consent=False)
    before = state(article)
    with pytest.raises(PermissionDenied):  # the rule: publicity staff publish excellent articles only
        services.article_publish(article=article, by=org.user("publicity"))
    with pytest.raises(ValidationError) as refused:  # and the service says so to the system too
        services.article_publish(article=article, by=None)
    assert str(S.APPROVED.label) in " ".join(refused.value.messages)
    assert state(article) == before

    article = services.article_mark_excellent(article=article, by=reviewer_a, comment="联系实际，有见地")
    assert notices(org.user("publicity")) == []  # no consent: nothing to publish yet
    before = state(article)
    with pytest.raises(ValidationError) as refused:
        services.article_publish(article=article, by=org.user("publicity"))
    assert "同意公开" in " ".join(refused.value.messages)
    assert state(article) == before

    # The author consents after it was marked excellent: the publicity staff hear of it then.
    article = services.article_set_consent(article=article, by=org.user("cadre"), consent=True)
    assert notices(org.user("publicity")) == [f"有优秀心得体会文章可以发布：{article.title}"]
    article = services.article_publish(article=article, by=org.user("publicity"))
    assert article.status == S.PUBLISHED and article.published_by == org.user("publicity")
    assert list(selectors.published_articles(campaign)) == [article]
    assert actions_of(article)[-2:] == ["articles.consent", "articles.publish"]


def test_withdrawing_consent_takes_a_published_article_down(org, campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.PUBLISHED)
    article = services.article_set_consent(article=article, by=org.user("cadre"), consent=False)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.status, stored.consent_public, stored.published_at, stored.published_by) == (
        S.EXCELLENT,
        False,
        None,
        None,
    )
    entry = audit_of(article)[-1]
    assert entry.action == "articles.unpublish"
    assert entry.before == {"status": S.PUBLISHED, "consent_public": True}
    assert entry.after == {"status": S.EXCELLENT, "consent_public": False}
    assert list(selectors.published_articles(campaign)) == []
    # Saying it again changes nothing.
    before = state(article)
    services.article_set_consent(article=article, by=org.user("cadre"), consent=False)
    assert state(article) == before


def test_unpublishing_and_unmarking_need_a_reason(campaign, make_article, author, reviewer_a):
    article = make_article(author, status=S.PUBLISHED)
    before = state(article)
    with pytest.raises(ValidationError):
        services.article_unpublish(article=article, by=None, reason=" ")
    assert state(article) == before
    article = services.article_unpublish(article=article, by=None, reason="内容需要核实")
    assert (article.status, article.published_at) == (S.EXCELLENT, None)
    with pytest.raises(ValidationError):
        services.article_unmark_excellent(article=article, by=None, reason="")
    article = services.article_unmark_excellent(article=article, by=None, reason="评优有误")
    assert article.status == S.APPROVED and article.score == 85


def test_each_step_tells_the_people_it_concerns(
    org_mixed_roles, campaign, make_article, author, reviewer_a, publicity_b
):
    org = org_mixed_roles
    cadre = org.user("cadre")
    article = make_article(author, status=S.SUBMITTED)
    assert notices(reviewer_a) == [f"有心得体会文章待您审阅：{article.title}"]
    assert notices(cadre) == []

    article = services.article_return(article=article, by=reviewer_a, comment="请补充本单位的具体做法。")
    returned = Notification.objects.get(recipient=cadre)
    assert returned.title == f"您的心得体会文章被退回修改：{article.title}"
    assert returned.body == "请补充本单位的具体做法。"
    assert returned.url == article.get_absolute_url()

    article = services.article_submit(article=article, by=cadre)
    # The same reviewer again, told of the new submission.
    assert notices(reviewer_a) == [f"有心得体会文章待您审阅：{article.title}"] * 2
    article = services.article_approve(
        article=article, by=reviewer_a, thought=36, practice=26, suggestions=24, comment="思路清楚"
    )
    approved = Notification.objects.filter(recipient=cadre).latest("id")
    assert approved.title == f"您的心得体会文章已审核通过：{article.title}"
    assert approved.body == "得分 86 / 100。\n思路清楚"

    article = services.article_mark_excellent(article=article, by=reviewer_a)
    assert notices(cadre)[-1] == f"您的心得体会文章被评为优秀：{article.title}"
    can_publish = f"有优秀心得体会文章可以发布：{article.title}"
    told = set(Notification.objects.filter(title=can_publish).values_list("recipient__username", flat=True))
    # Publicity staff covering community A1 (district-wide ones); not street B's.
    assert told == {"publicity", "liaison_publicity"}
    assert notices(publicity_b) == []

    services.article_publish(article=article, by=org.user("publicity"))
    assert notices(cadre)[-1] == f"您的心得体会文章已在网站发布：{article.title}"
    assert len(notices(cadre)) == 4
