"""The answer loop through the services: routing by rule or by the office, the reply deadline by kind,
replies by the responsible department, the author's rating, and 不满意 sending it back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from taolun.campaigns import services as campaign_services
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import selectors, services
from taolun.discussion.models import AnswerState, Kind, Rating, Reply, RoutingRule, Suggestion, Visibility
from taolun.discussion.tests.conftest import campaign_start
from tests.factories import make_unit

pytestmark = pytest.mark.django_db

A = AnswerState
ANSWER = "经核查，已安排工作人员周末轮班，服务大厅周六上午开放。"


def new_campaign(root, *, key: str):
    plan = campaign_services.plan_load(source=plan_yaml(plan_data(key=key)), by=None)
    created = campaign_services.campaign_create(
        plan=plan, root_unit=root, slug=key, start_date=campaign_start(), by=None
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


def close_to(when: dt.datetime | None, expected: dt.datetime, seconds: int = 60) -> bool:
    return when is not None and abs((when - expected).total_seconds()) < seconds


@pytest.fixture
def office(org):
    return org.user("office")


# --- settings and routing rules ---------------------------------------------------------------------


def test_forum_settings_are_checked_audited_and_kept_to_the_office(org_mixed_roles, campaign):
    org = org_mixed_roles
    forum = services.forum_of(campaign)
    assert (forum.days_suggest, forum.days_ask, forum.days_help, forum.days_complain) == (15, 5, 7, 10)
    for role in ("office_a", "publicity", "liaison", "citizen"):
        with pytest.raises(PermissionDenied):
            services.forum_update(forum=forum, by=org.user(role), days_ask=3)
    for bad in ({"days_ask": 0}, {"days_suggest": 366}, {"hide_after_reports": 0}):
        with pytest.raises(ValidationError) as refused:
            services.forum_update(forum=forum, by=org.user("office"), **bad)
        assert set(bad) <= set(refused.value.message_dict)
    with pytest.raises(ValidationError, match="未知的设置项"):
        services.forum_update(forum=forum, by=org.user("office"), campaign=None)
    with pytest.raises(ValidationError) as refused:
        services.forum_update(forum=forum, by=org.user("office"), moderation="never")
    assert "moderation" in refused.value.message_dict
    forum.refresh_from_db()
    assert forum.days_ask == 5 and forum.moderation == "post"
    services.forum_update(forum=forum, by=org.user("office"), days_ask=3, moderation="pre")
    forum.refresh_from_db()
    assert forum.days_ask == 3 and forum.moderation == "pre" and forum.updated_by == org.user("office")
    entry = AuditEntry.objects.get(action="discussion.forum_update")
    assert entry.before == {"days_ask": 5, "moderation": "post"}
    assert entry.after == {"days_ask": 3, "moderation": "pre"}
    services.forum_update(forum=forum, by=org.user("office"), days_ask=3)  # no change, no entry
    assert AuditEntry.objects.filter(action="discussion.forum_update").count() == 1


@pytest.mark.parametrize("bad", [{"days_ask": "abc"}, {"days_complain": None}, {"hide_after_reports": "三"}])
def test_forum_settings_that_are_not_numbers_are_refused_on_the_field(campaign, bad):
    with pytest.raises(ValidationError) as refused:
        services.forum_update(forum=services.forum_of(campaign), by=None, **bad)
    assert set(bad) <= set(refused.value.message_dict)


def test_routing_rules_are_checked(org, campaign, make_campaign, office):
    other = make_campaign()
    with pytest.raises(ValidationError) as refused:
        services.routing_rule_set(campaign=campaign, theme=other.themes.first(), department=org.department, by=office)
    assert "theme" in refused.value.message_dict
    outside = make_unit("外区某局", kind="department", code="OUT-1")
    with pytest.raises(ValidationError) as refused:
        services.routing_rule_set(campaign=campaign, theme=None, department=outside, by=office)
    assert "department" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=org.user("publicity"))
    assert not RoutingRule.objects.exists()


def test_routing_by_theme_rule_then_by_the_default_rule(org, campaign, make_suggestion, office):
    first, second = list(campaign.themes.order_by("order", "id")[:2])
    services.routing_rule_set(campaign=campaign, theme=first, department=org.street_a, by=office)
    services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=office)
    by_theme = make_suggestion(theme=first)
    by_default = make_suggestion(theme=second)
    assert by_theme.department == org.street_a and by_theme.answer_state == A.ASSIGNED
    assert by_default.department == org.department and by_default.answer_state == A.ASSIGNED
    entry = AuditEntry.objects.get(action="discussion.route", object_id=str(by_theme.pk))
    assert entry.actor is None and entry.after == {"answer_state": A.ASSIGNED, "department": org.street_a.pk}

    services.routing_rule_set(campaign=campaign, theme=first, department=None, by=office)  # removed
    assert make_suggestion(theme=first).department == org.department
    services.routing_rule_set(campaign=campaign, theme=None, department=None, by=office)
    unrouted = make_suggestion(theme=second)
    assert unrouted.department is None and unrouted.answer_state == A.UNROUTED
    rule_entries = AuditEntry.objects.filter(action="discussion.routing_rule").order_by("id")
    assert [(e.before, e.after) for e in rule_entries] == [
        (None, {"department": org.street_a.pk}),
        (None, {"department": org.department.pk}),
        ({"department": org.street_a.pk}, None),
        ({"department": org.department.pk}, None),
    ]


def test_changing_a_rule_keeps_one_rule(org, campaign, office):
    services.routing_rule_set(campaign=campaign, theme=None, department=org.street_a, by=office)
    services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=office)
    assert list(RoutingRule.objects.values_list("theme", "department")) == [(None, org.department.pk)]


def test_a_held_suggestion_is_routed_when_approved(org, campaign, make_suggestion, office, route_to_department):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = make_suggestion()
    assert held.department is None
    approved = services.moderate(item=held, action="approve", by=office)
    approved.refresh_from_db()
    assert approved.department == org.department and approved.answer_state == A.ASSIGNED
    assert close_to(approved.due_at, timezone.now() + dt.timedelta(days=15))


@pytest.mark.parametrize(("kind", "days"), [(Kind.SUGGEST, 15), (Kind.ASK, 5), (Kind.HELP, 7), (Kind.COMPLAIN, 10)])
def test_the_deadline_is_the_reply_days_of_the_kind(campaign, make_suggestion, route_to_department, kind, days):
    suggestion = make_suggestion(kind=kind)
    assert suggestion.due_at - suggestion.assigned_at == dt.timedelta(days=days)


def test_the_deadline_follows_the_settings(campaign, make_suggestion, route_to_department, office):
    services.forum_update(forum=services.forum_of(campaign), by=office, days_ask=2, days_complain=30)
    asked = make_suggestion(kind=Kind.ASK)
    complained = make_suggestion(kind=Kind.COMPLAIN)
    assert asked.due_at - asked.assigned_at == dt.timedelta(days=2)
    assert complained.due_at - complained.assigned_at == dt.timedelta(days=30)


# --- routing by the office ----------------------------------------------------------------------------


def test_the_office_routes_and_reroutes_with_a_new_deadline(org, campaign, make_suggestion, office, dept_liaison):
    suggestion = make_suggestion(kind=Kind.HELP)
    assert suggestion.answer_state == A.UNROUTED
    routed = services.suggestion_route(suggestion=suggestion, department=org.street_a, by=office, note="属地办理")
    assert routed.answer_state == A.ASSIGNED and routed.department == org.street_a
    assert close_to(routed.due_at, timezone.now() + dt.timedelta(days=7))
    first_due = routed.due_at
    entry = AuditEntry.objects.get(action="discussion.route", object_id=str(suggestion.pk))
    assert entry.actor == office and entry.note == "属地办理"
    assert entry.before["answer_state"] == A.UNROUTED and entry.after["department"] == org.street_a.pk

    rerouted = services.suggestion_route(suggestion=routed, department=org.department, by=office)
    assert rerouted.answer_state == A.ASSIGNED and rerouted.department == org.department
    assert rerouted.due_at >= first_due
    assert selectors.inbox(dept_liaison, campaign).filter(pk=suggestion.pk).exists()


def test_routing_tells_the_departments_liaisons(
    org, campaign, make_suggestion, office, dept_liaison, django_capture_on_commit_callbacks
):
    suggestion = make_suggestion()
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_route(suggestion=suggestion, department=org.department, by=office)
    (notice,) = Notification.objects.filter(recipient=dept_liaison)
    assert notice.title == "新交办建言，请按时答复" and notice.body == suggestion.title
    assert not Notification.objects.filter(recipient=org.user("liaison")).exists()


def test_routing_outside_the_campaigns_organisation_is_refused(org, office):
    street_campaign = new_campaign(org.street_b, key="disc-street-b")
    suggestion = services.suggestion_create(
        campaign=street_campaign,
        theme=street_campaign.themes.first(),
        title="关于乙街道增设路灯的建议",
        body="乙一社区北门道路夜间没有照明，建议增设路灯，方便居民出行。",
        by=org.user("citizen"),
    )
    for department in (org.department, org.street_a, org.community_a):
        with pytest.raises(ValidationError) as refused:
            services.suggestion_route(suggestion=suggestion, department=department, by=office)
        assert "department" in refused.value.message_dict
    suggestion.refresh_from_db()
    assert suggestion.department is None and suggestion.answer_state == A.UNROUTED
    routed = services.suggestion_route(suggestion=suggestion, department=org.community_b, by=office)
    assert routed.department == org.community_b


def test_only_the_office_covering_the_campaign_routes(org_mixed_roles, campaign, make_suggestion):
    org = org_mixed_roles
    suggestion = make_suggestion()
    for role in ("office_a", "publicity", "liaison", "liaison_publicity", "citizen", "reviewer"):
        with pytest.raises(PermissionDenied):
            services.suggestion_route(suggestion=suggestion, department=org.department, by=org.user(role))
    services.suggestion_route(suggestion=suggestion, department=org.department, by=org.user("admin"))


def test_a_held_suggestion_is_not_routed(campaign, make_suggestion, office, org):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = make_suggestion()
    with pytest.raises(ValidationError, match="公开后才能交办"):
        services.suggestion_route(suggestion=held, department=org.department, by=office)


# --- replies ------------------------------------------------------------------------------------------


def test_no_reply_before_routing(campaign, make_suggestion, office, dept_liaison):
    suggestion = make_suggestion()
    with pytest.raises(ValidationError, match="请先将建言交办"):
        services.reply_create(suggestion=suggestion, body=ANSWER, by=office)
    with pytest.raises(PermissionDenied):
        services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    assert not Reply.objects.exists()


def test_only_the_responsible_departments_liaisons_and_the_office_reply(
    org_mixed_roles, campaign, make_suggestion, route_to_department, dept_liaison
):
    org = org_mixed_roles
    suggestion = make_suggestion()
    for role in ("liaison", "liaison_b", "liaison_publicity", "publicity", "office_a", "citizen", "cadre"):
        with pytest.raises(PermissionDenied):
            services.reply_create(suggestion=suggestion, body=ANSWER, by=org.user(role))
    assert not Reply.objects.exists()
    reply = services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    assert reply.department == org.department and reply.author == dept_liaison


def test_a_reply_is_published_the_author_and_followers_told(
    org,
    campaign,
    make_suggestion,
    route_to_department,
    dept_liaison,
    citizen,
    citizen2,
    django_capture_on_commit_callbacks,
):
    suggestion = make_suggestion()
    services.follow_set(suggestion=suggestion, by=citizen2, on=True)
    with pytest.raises(ValidationError) as refused:
        services.reply_create(suggestion=suggestion, body="已收到", by=dept_liaison)
    assert "body" in refused.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    suggestion.refresh_from_db()
    assert suggestion.answer_state == A.REPLIED and close_to(suggestion.replied_at, timezone.now())
    assert selectors.replies_of(suggestion) == [reply]
    for follower in (citizen, citizen2):
        assert Notification.objects.filter(recipient=follower, title__contains="已有答复").count() == 1
    assert not Notification.objects.filter(recipient=dept_liaison, title__contains="已有答复").exists()
    entry = AuditEntry.objects.get(action="discussion.reply", object_id=str(suggestion.pk))
    assert entry.actor == dept_liaison and entry.after == {"answer_state": A.REPLIED, "reply": reply.pk}
    # One reply per round: the next waits for the rating.
    with pytest.raises(ValidationError, match="不能执行此操作"):
        services.reply_create(suggestion=suggestion, body=ANSWER + "补充", by=dept_liaison)
    assert selectors.inbox(dept_liaison, campaign, state="answered").filter(pk=suggestion.pk).exists()
    assert not selectors.inbox(dept_liaison, campaign).filter(pk=suggestion.pk).exists()


def test_the_office_may_reply_in_the_departments_name(org, campaign, make_suggestion, route_to_department, office):
    suggestion = make_suggestion()
    reply = services.reply_create(suggestion=suggestion, body=ANSWER, by=office)
    assert reply.department == org.department and reply.author == office


def test_a_hidden_suggestion_takes_no_reply(org, campaign, make_suggestion, route_to_department, office, dept_liaison):
    suggestion = make_suggestion()
    services.moderate(item=suggestion, action="hide", note="涉及隐私", by=office)
    with pytest.raises(ValidationError, match="公开后才能答复"):
        services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)


# --- rating ---------------------------------------------------------------------------------------------


def test_the_author_hears_of_the_reply_even_without_following(
    campaign, make_suggestion, route_to_department, dept_liaison, citizen, django_capture_on_commit_callbacks
):
    suggestion = make_suggestion()
    services.follow_set(suggestion=suggestion, by=citizen, on=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    assert Notification.objects.filter(recipient=citizen, title__contains="答复").count() == 1


def test_a_reply_is_checked_against_the_department_the_suggestion_has_now(org, campaign, make_suggestion, office):
    suggestion = make_suggestion()
    services.suggestion_route(suggestion=suggestion, department=org.community_a, by=office)
    street_liaison = org.user("liaison")
    page = Suggestion.objects.get(pk=suggestion.pk)  # what the street liaison's reply page loaded
    services.suggestion_route(suggestion=suggestion, department=org.department, by=office)  # then re-routed
    with pytest.raises(PermissionDenied):
        services.reply_create(suggestion=page, body=ANSWER, by=street_liaison)
    assert not Reply.objects.exists()


@pytest.fixture
def answered(campaign, make_suggestion, route_to_department, dept_liaison):
    suggestion = make_suggestion(kind=Kind.ASK)
    reply = services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    return suggestion, reply


def test_only_the_author_rates(org, answered, citizen2, office, dept_liaison):
    _suggestion, reply = answered
    for user in (citizen2, office, dept_liaison, org.user("admin")):
        with pytest.raises(PermissionDenied):
            services.reply_rate(reply=reply, rating=Rating.SATISFIED, by=user)
    reply.refresh_from_db()
    assert reply.rating == ""


def test_a_rating_must_be_known_and_unsatisfied_needs_a_note(answered, citizen):
    suggestion, reply = answered
    with pytest.raises(ValidationError) as refused:
        services.reply_rate(reply=reply, rating="great", by=citizen)
    assert "rating" in refused.value.message_dict
    for note in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note=note, by=citizen)
        assert "note" in refused.value.message_dict
    suggestion.refresh_from_db()
    assert suggestion.answer_state == A.REPLIED


@pytest.mark.parametrize("rating", [Rating.SATISFIED, Rating.BASIC])
def test_a_satisfied_rating_closes_it(answered, citizen, dept_liaison, rating):
    suggestion, reply = answered
    services.reply_rate(reply=reply, rating=rating, by=citizen)
    suggestion.refresh_from_db()
    reply.refresh_from_db()
    assert suggestion.answer_state == A.CLOSED and suggestion.reopen_count == 0
    assert reply.rating == rating and reply.rated_at is not None
    with pytest.raises(ValidationError):
        services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="改主意了", by=citizen)
    with pytest.raises(ValidationError, match="不能执行此操作"):
        services.reply_create(suggestion=suggestion, body=ANSWER, by=dept_liaison)
    with pytest.raises(ValidationError, match="不能执行此操作"):
        services.suggestion_route(suggestion=suggestion, department=suggestion.department, by=None)
    entry = AuditEntry.objects.get(action="discussion.rate", object_id=str(suggestion.pk))
    assert entry.actor == citizen and entry.after == {"answer_state": A.CLOSED, "rating": rating}


def test_unsatisfied_reopens_with_a_new_deadline_and_fresh_reminders(
    org, answered, citizen, dept_liaison, django_capture_on_commit_callbacks
):
    suggestion, reply = answered
    past = timezone.now() - dt.timedelta(days=20)
    type(suggestion).objects.filter(pk=suggestion.pk).update(
        due_at=past, reminded_at=past, urged_at=past, escalated_at=past
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="没有说明处理结果", by=citizen)
    suggestion.refresh_from_db()
    reply.refresh_from_db()
    assert suggestion.answer_state == A.REOPENED and suggestion.reopen_count == 1
    assert close_to(suggestion.due_at, timezone.now() + dt.timedelta(days=5))  # an ASK: 5 days
    assert (suggestion.reminded_at, suggestion.urged_at, suggestion.escalated_at) == (None, None, None)
    assert reply.rating == Rating.UNSATISFIED and reply.rating_note == "没有说明处理结果"
    assert Notification.objects.filter(recipient=dept_liaison, title__contains="不满意").count() == 1
    assert selectors.inbox(dept_liaison, suggestion.campaign).filter(pk=suggestion.pk).exists()

    # The reopened suggestion may be re-routed (staying reopened) and answered again.
    rerouted = services.suggestion_route(suggestion=suggestion, department=org.department, by=None)
    assert rerouted.answer_state == A.REOPENED
    second = services.reply_create(suggestion=suggestion, body=ANSWER + "现已延长到全天。", by=dept_liaison)
    with pytest.raises(ValidationError, match="新的答复"):
        services.reply_rate(reply=reply, rating=Rating.SATISFIED, by=citizen)
    services.reply_rate(reply=second, rating=Rating.SATISFIED, by=citizen)
    suggestion.refresh_from_db()
    assert suggestion.answer_state == A.CLOSED
    assert [r.rating for r in selectors.replies_of(suggestion)] == [Rating.UNSATISFIED, Rating.SATISFIED]


def test_answer_figures_follow_the_loop(org, campaign, make_suggestion, route_to_department, dept_liaison, citizen):
    late = make_suggestion()
    answered = make_suggestion()
    type(late).objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    reply = services.reply_create(suggestion=answered, body=ANSWER, by=dept_liaison)
    figures = selectors.answer_figures(campaign)
    assert figures == {"total": 2, "unrouted": 0, "awaiting": 1, "overdue": 1, "answered": 1, "reopened": 0}
    services.reply_rate(reply=reply, rating=Rating.UNSATISFIED, note="不具体", by=citizen)
    figures = selectors.answer_figures(campaign)
    assert (figures["awaiting"], figures["answered"], figures["reopened"]) == (2, 0, 1)
    assert list(selectors.inbox(dept_liaison, campaign, state="overdue")) == [late]


def test_visibility_of_held_and_routed_suggestions(org, campaign, make_suggestion, route_to_department, dept_liaison):
    services.forum_update(forum=services.forum_of(campaign), by=None, moderation="pre")
    held = make_suggestion()
    assert held.status == Visibility.PENDING
    assert not selectors.inbox(dept_liaison, campaign, state="all").filter(pk=held.pk).exists()
