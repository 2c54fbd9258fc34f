"""Bad input answers 400 with a message naming the field to fix; nothing is written."""

from __future__ import annotations

import pytest

from taolun.orgs.models import Person

pytestmark = pytest.mark.django_db


def post_people(client, body: str):
    return client.post("/api/people", body, content_type="application/json")


def test_malformed_json_is_refused_with_the_position_of_the_mistake(org, as_user):
    response = post_people(as_user(org.user("office")), '{"name": "赵六",}')
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "body"
    assert "JSON" in error["message"]
    assert "第 1 行" in error["message"]


def test_a_body_that_is_not_an_object_is_refused(org, as_user):
    response = post_people(as_user(org.user("office")), "[1, 2]")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "body"


def test_an_empty_body_is_refused(org, as_user):
    response = post_people(as_user(org.user("office")), "")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "body"


def test_a_missing_required_field_is_named(org, as_user):
    response = post_people(as_user(org.user("office")), f'{{"unit": {org.community_a.pk}}}')
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "name", "message": "缺少必填字段“name”。"}]


def test_every_bad_field_is_reported_at_once(org, as_user):
    response = post_people(as_user(org.user("office")), '{"unit": "甲", "is_cadre": "maybe"}')
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["detail"]}
    assert fields == {"unit", "name", "is_cadre"}


def test_a_misspelt_field_is_reported_instead_of_ignored(org, as_user):
    response = post_people(
        as_user(org.user("office")), f'{{"unit": {org.community_a.pk}, "name": "赵六", "phon": "1"}}'
    )
    assert response.status_code == 400
    error = response.json()["detail"][0]
    assert error["field"] == "phon"
    assert "未知字段" in error["message"]
    assert not Person.objects.filter(name="赵六").exists()


def test_a_too_long_value_names_the_limit(org, as_user):
    response = post_people(as_user(org.user("office")), f'{{"unit": {org.community_a.pk}, "name": "{"长" * 61}"}}')
    assert response.status_code == 400
    assert response.json()["detail"] == [{"field": "name", "message": "“name”最多 60 个字符。"}]


def test_a_bad_query_parameter_is_named(org, as_user):
    response = as_user(org.user("office")).get("/api/people?offset=-1")
    assert response.status_code == 400
    assert response.json()["detail"][0]["field"] == "offset"


def test_a_non_numeric_id_in_the_path_is_not_found(org, as_user):
    assert as_user(org.user("office")).get("/api/units/abc").status_code == 404


def test_a_role_without_access_gets_403_with_a_reason(org, as_user):
    response = as_user(org.user("reviewer")).get("/api/units")
    assert response.status_code == 403
    assert "联络员" in response.json()["detail"]


def test_error_bodies_are_readable_chinese_not_escapes(org, as_user):
    response = as_user(org.user("reviewer")).get("/api/units")
    assert "\\u" not in response.content.decode()
    assert response["Content-Type"].startswith("application/json")
