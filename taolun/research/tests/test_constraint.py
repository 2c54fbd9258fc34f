"""One research topic per leader per campaign is the database's rule, not only the form's: a row inserted
past the services is refused by the constraint (run on SQLite and on PostgreSQL), and a request that
raced past the service's own check gets the same readable refusal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from taolun.problems.tests.helpers import plan_campaign
from taolun.research import services
from taolun.research.models import ResearchTopic, TopicQuerySet

pytestmark = pytest.mark.django_db


def test_the_constraint_is_in_the_schema():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ResearchTopic._meta.db_table)
    unique = [c for name, c in constraints.items() if c["unique"] and not c["primary_key"]]
    assert any(sorted(c["columns"]) == ["campaign_id", "leader_id"] for c in unique), constraints


def test_the_database_refuses_a_second_topic_for_the_same_leader(org, campaign, leader, make_topic):
    first = make_topic(leader)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchTopic.objects.create(campaign=campaign, leader=leader, unit=leader.unit, title="绕过表单的第二个课题")
    assert list(ResearchTopic.objects.values_list("pk", flat=True)) == [first.pk]


def test_the_database_refuses_it_whatever_the_unit_or_status(org, campaign, leader, make_topic):
    make_topic(leader, status="reported")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResearchTopic.objects.create(
            campaign=campaign, leader=leader, unit=org.community_a, title="另一个", status="draft"
        )
    assert ResearchTopic.objects.count() == 1


def test_the_same_leader_leads_one_topic_in_each_campaign(org, campaign, leader, make_topic):
    make_topic(leader)
    later = plan_campaign(org, key="second-round")
    services.topic_create(campaign=later, leader=leader, title="第二轮调研", by=None)
    assert ResearchTopic.objects.filter(leader=leader).count() == 2


def test_a_request_that_raced_past_the_check_gets_the_readable_refusal(campaign, leader, make_topic, monkeypatch):
    make_topic(leader)
    # As if the other request committed between this one's check and its insert: the check sees nothing.
    monkeypatch.setattr(TopicQuerySet, "first", lambda self: None)
    with pytest.raises(ValidationError) as caught:
        services.topic_create(campaign=campaign, leader=leader, title="并发的第二个课题", by=None)
    assert "每名领导干部牵头 1 项" in caught.value.message_dict["leader"][0]
    monkeypatch.undo()
    assert ResearchTopic.objects.count() == 1
