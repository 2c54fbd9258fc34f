"""Turning an inspection opinion into something else with one action: the link is kept and audited.

The problem ledger and the public discussion register their converters; here a converter made in the
test stands in for them, since what is tested is the opinion's side: one action, the link kept, a
second conversion refused, the permission checked, and the button shown only to those allowed.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from taolun.activities import records
from taolun.core.models import AuditEntry

pytestmark = pytest.mark.django_db

made: list[tuple[int, str]] = []


def _make_problem(*, opinion, by):
    made.append((opinion.pk, opinion.content))
    return 900 + len(made), f"/problems/{900 + len(made)}/"


@pytest.fixture
def converter():
    made.clear()
    # A stand-in target of its own key, so that the registry's real converters stay as they are.
    records.register_converter(
        records.Converter(key="stand-in", label="转为测试对象", perm="activities.change_activity", create=_make_problem)
    )
    yield records.CONVERTERS["stand-in"]
    records.CONVERTERS.pop("stand-in", None)


@pytest.fixture
def opinion(org, make_activity):
    visit = make_activity(kind="inspection", title="视察")
    return records.opinion_add(activity=visit, content="老旧小区积水严重", by=None)


def test_an_opinion_becomes_a_problem_once_and_keeps_the_link(org, opinion, converter):
    url = records.opinion_convert(opinion=opinion, to="stand-in", by=org.user("liaison"))
    opinion.refresh_from_db()
    assert (opinion.link_type, opinion.link_id, url) == ("stand-in", 901, "/problems/901/")
    assert made == [(opinion.pk, "老旧小区积水严重")]
    assert AuditEntry.objects.filter(action="activities.opinion.convert", object_id=str(opinion.activity_id)).exists()
    with pytest.raises(ValidationError):
        records.opinion_convert(opinion=opinion, to="stand-in", by=org.user("liaison"))
    assert len(made) == 1
    with pytest.raises(ValidationError):
        records.opinion_delete(opinion=opinion, by=org.user("liaison"))


def test_another_streets_liaison_cannot_convert(org, opinion, converter):
    with pytest.raises(PermissionDenied):
        records.opinion_convert(opinion=opinion, to="stand-in", by=org.user("liaison_b"))
    opinion.refresh_from_db()
    assert opinion.link_type == "" and made == []


def test_unknown_target_is_refused(org, opinion):
    with pytest.raises(ValidationError):
        records.opinion_convert(opinion=opinion, to="nothing", by=org.user("liaison"))


def test_the_button_converts_from_the_page(org, opinion, converter, login):
    client = login(org.user("liaison"))
    page = client.get(reverse("activities:detail", args=[opinion.activity_id])).content.decode()
    assert "转为测试对象" in page and "转为问题" in page
    response = client.post(reverse("activities:opinion_convert", args=[opinion.pk]), {"to": "stand-in"})
    assert response.status_code == 302 and response["Location"] == "/problems/901/"
    cadre_page = (
        login(org.user("office")).get(reverse("activities:detail", args=[opinion.activity_id])).content.decode()
    )
    assert "已转办" in cadre_page
