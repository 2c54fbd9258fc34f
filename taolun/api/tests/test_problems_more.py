"""The rest of /api/problems and /api/research: publishing, evidence, topic progress with a file, leaders'
self-examination, and the public ledger as JSON.

Each endpoint is asked by every viewer of the ledger pages: admin, office, office_a (office of street A),
liaison (street A), liaison_b (street B), leader (王局长, leading cadre of street A), owner (赵科长, who
answers for street A's problems), cadre (张三, who owns a measure of each of street A's problems), citizen
and no one. "Own" is street A's side, "other" street B's. Out of scope answers 404 like a missing id;
visible but not allowed answers 403; a refused request changes nothing.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from conftest import shared_org
from taolun.campaigns.models import CampaignStatus
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import EvidenceFile, Problem, SelfExamination, SelfExaminationItem
from taolun.problems.selfexam import self_examination_save
from taolun.problems.tests import conftest as ledger
from taolun.problems.tests.conftest import days
from taolun.research.models import ResearchTopic, TopicStatus, TopicUpdate
from tests.factories import PersonFactory

from .test_activities import errors_by_field, post

pytestmark = pytest.mark.django_db

# The ledger's fixtures, shared with taolun/problems/tests.
campaign, leader, owner, make_problem, make_topic = (
    ledger.campaign,
    ledger.leader,
    ledger.owner,
    ledger.make_problem,
    ledger.make_topic,
)

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(mixed_roles=True, campaign=True))

ROLES = ["admin", "office", "office_a", "liaison", "liaison_b", "leader", "owner", "cadre", "citizen", "anonymous"]
SIDES = ["own", "other"]
EVERYWHERE = {"admin", "office"}
OFFICE_OF = {"office_a": "own"}
LIAISON_OF = {"liaison": "own", "liaison_b": "other"}
# Who sees street A's problems without managing them: the leader leads the street, the owner and the cadre
# answer for a problem or a measure of each of them.
SEES_OWN = {"leader", "owner", "cadre"}
NOT_FOUND = {"detail": "未找到：对象不存在，或不在您的可见范围内。"}
ASPECTS = ["政治定力", "工作思路", "能力素质"]


def pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%test\n", content_type="application/pdf")


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return SimpleUploadedFile("现场.png", out.getvalue(), content_type="image/png")


def disguised() -> SimpleUploadedFile:
    """An HTML page named and declared as a PDF."""
    return SimpleUploadedFile("报告.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Every cell of a matrix sees the same data: what a request changed is undone afterwards (a savepoint)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def role_status(role: str, side: str, ok: int, *, allowed: set[str]) -> int:
    """What ``role`` gets for an action on a problem of ``side`` that the roles in ``allowed`` (besides the
    offices and liaisons covering it, when ``allowed`` names them) may take."""
    if role == "anonymous":
        return 401
    in_scope = (
        role in EVERYWHERE
        or OFFICE_OF.get(role) == side
        or LIAISON_OF.get(role) == side
        or (role in SEES_OWN and side == "own")
    )
    if not in_scope:
        return 404
    return ok if role in allowed else 403


def close(problem: Problem, *, by=None, publish: bool = False, result: str = "审批时限由20天压缩到8天") -> Problem:
    """Take a confirmed problem through its measures, evidence and verification to closed."""
    for measure in problem.measures.all():
        services.measure_progress(measure=measure, progress=100, note="已完成", by=None)
    services.evidence_add(problem=problem, upload=pdf(), by=None)
    problem.refresh_from_db()
    services.problem_finish(problem=problem, result=result, by=None)
    services.problem_close(problem=problem, by=by, publish=publish)
    problem.refresh_from_db()
    return problem


@pytest.fixture
def world(org_mixed_roles, campaign, leader, owner, make_problem):
    """Per side: a confirmed problem with a piece of evidence, and a closed problem not yet published.
    Street A's problems are 赵科长's, and 张三 (the cadre) owns a measure of each."""
    org = org_mixed_roles
    org.open, org.closed, org.evidence = {}, {}, {}
    for side, unit, responsible in (("own", org.community_a, owner), ("other", org.community_b, org.person_b)):
        cadre = org.person_a if side == "own" else None
        problem = make_problem(unit=unit, content=f"{side}-整改中的问题", confirmed=True, owner=responsible)
        services.measure_add(problem=problem, content=f"{side}-措施", deadline=days(20), owner=cadre, by=None)
        org.open[side] = problem
        org.evidence[side] = services.evidence_add(problem=problem, upload=pdf(), caption=f"{side}-材料", by=None)
        done = make_problem(unit=unit, content=f"{side}-已销号的问题", confirmed=True, owner=responsible)
        services.measure_add(problem=done, content=f"{side}-措施", deadline=days(20), owner=cadre, by=None)
        org.closed[side] = close(done)
    return org


def ledger_state() -> tuple:
    return (
        sorted(Problem.objects.values_list("pk", "status", "is_public", "updated_at")),
        sorted(EvidenceFile.objects.values_list("pk", "problem_id", "measure_id", "caption", "file")),
        AuditEntry.objects.count(),
    )


def assert_refused_quietly(response, before) -> None:
    """A refusal is a bare message: no data of either side, and nothing changed."""
    assert set(response.json()) == {"detail"}
    text = response.content.decode()
    assert "own-" not in text and "other-" not in text
    assert ledger_state() == before


# --- publishing -----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_who_may_publish_a_closed_problem(world, as_user, role):
    for side in SIDES:
        with rolled_back():
            problem = world.closed[side]
            before = ledger_state()
            response = post(as_user(world.user(role)), f"/api/problems/{problem.pk}/public", {"public": True})
            status = role_status(role, side, 200, allowed=EVERYWHERE | {r for r, s in OFFICE_OF.items() if s == side})
            assert response.status_code == status, (side, response.content)
            if status == 200:
                assert response.json()["is_public"] is True
                problem.refresh_from_db()
                assert problem.is_public
                assert AuditEntry.objects.filter(action="problems.publish").count() == 1
            else:
                assert_refused_quietly(response, before)


def test_publishing_puts_the_problem_on_the_public_ledger_and_taking_it_off_removes_it(world, as_user):
    client = as_user(world.user("office"))
    problem = world.closed["own"]
    public_url = "/api/problems/public/xihu"
    assert Client().get(public_url).json()["count"] == 0
    assert post(client, f"/api/problems/{problem.pk}/public", {"public": True}).status_code == 200
    assert [item["content"] for item in Client().get(public_url).json()["items"]] == ["own-已销号的问题"]
    response = post(client, f"/api/problems/{problem.pk}/public", {"public": False})
    assert response.status_code == 200 and response.json()["is_public"] is False
    assert Client().get(public_url).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "public"),
        ({"public": "maybe"}, "public"),
        ({"public": True, "publish": True}, "publish"),
    ],
)
def test_bad_publishing_bodies_name_the_field_and_change_nothing(world, as_user, body, field):
    before = ledger_state()
    response = post(as_user(world.user("office")), f"/api/problems/{world.closed['own'].pk}/public", body)
    assert response.status_code == 400
    assert field in errors_by_field(response)
    assert ledger_state() == before


def test_a_problem_not_yet_closed_cannot_be_published(world, as_user):
    before = ledger_state()
    response = post(as_user(world.user("office")), f"/api/problems/{world.open['own'].pk}/public", {"public": True})
    assert response.status_code == 400
    assert "销号" in response.json()["detail"][0]["message"]
    assert ledger_state() == before


# --- evidence -------------------------------------------------------------------------------
def upload(client, problem, **data):
    data.setdefault("file", pdf())
    return client.post(f"/api/problems/{problem.pk}/evidence", data)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_upload_evidence(world, as_user, role):
    # The offices and liaisons covering the unit, and those who answer for the problem or a measure of it.
    for side in SIDES:
        with rolled_back():
            before = ledger_state()
            response = upload(as_user(world.user(role)), world.open[side], caption="会议纪要")
            managers = EVERYWHERE | {r for r, s in {**OFFICE_OF, **LIAISON_OF}.items() if s == side}
            status = role_status(role, side, 201, allowed=managers | {"owner", "cadre"})
            assert response.status_code == status, (side, response.content)
            if status == 201:
                body = response.json()
                item = EvidenceFile.objects.get(pk=body["id"])
                assert (item.problem_id, item.caption, body["caption"]) == (world.open[side].pk, "会议纪要", "会议纪要")
                assert body["url"] == f"/problems/evidence/{item.pk}/"
            else:
                assert_refused_quietly(response, before)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_delete_evidence(world, as_user, role):
    for side in SIDES:
        with rolled_back():
            item = world.evidence[side]
            before = ledger_state()
            response = as_user(world.user(role)).delete(f"/api/problems/evidence/{item.pk}")
            managers = EVERYWHERE | {r for r, s in {**OFFICE_OF, **LIAISON_OF}.items() if s == side}
            status = role_status(role, side, 204, allowed=managers)
            assert response.status_code == status, (side, response.content)
            if status == 204:
                assert not EvidenceFile.objects.filter(pk=item.pk).exists()
                assert AuditEntry.objects.filter(action="problems.evidence.delete").count() == 1
            else:
                assert_refused_quietly(response, before)


def test_uploaded_evidence_is_checked_stored_and_downloadable_only_by_those_who_see_the_problem(world, as_user):
    problem, measure = world.open["own"], world.open["own"].measures.order_by("id").first()
    client = as_user(world.user("owner"))
    response = upload(client, problem, file=png(), caption="整改现场", measure=measure.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["content_type"], body["original_name"], body["measure"]) == ("image/png", "现场.png", measure.pk)
    assert body["uploaded_by"] == "赵科长"
    item = EvidenceFile.objects.get(pk=body["id"])
    assert item.thumbnail  # an image gets its thumbnail, as on the page
    entry = AuditEntry.objects.filter(action="problems.evidence.add").latest("id")
    assert entry.actor == world.user("owner")
    assert client.get(body["url"]).status_code == 200
    detail = client.get(f"/api/problems/{problem.pk}").json()
    assert body["id"] in {e["id"] for e in detail["evidence"]}
    assert as_user(world.user("liaison_b")).get(body["url"]).status_code == 404


@pytest.mark.parametrize(
    ("make_file", "limit", "message"),
    [
        (disguised, None, "改扩展名"),
        (lambda: SimpleUploadedFile("空.pdf", b"", content_type="application/pdf"), None, "空"),
        (pdf, 8, "超过上限"),
    ],
    ids=["disguised", "empty", "too-big"],
)
def test_bad_files_are_refused_on_the_file_field_and_nothing_is_kept(
    world, as_user, settings, make_file, limit, message
):
    if limit is not None:
        settings.ACTIVITY_MAX_UPLOAD_BYTES = limit
    before = ledger_state()
    response = upload(as_user(world.user("liaison")), world.open["own"], file=make_file())
    assert response.status_code == 400, response.content
    errors = errors_by_field(response)
    assert list(errors) == ["file"]
    assert message in errors["file"]
    assert ledger_state() == before


def test_an_upload_without_a_file_or_with_bad_fields_changes_nothing(world, as_user, make_problem):
    client = as_user(world.user("liaison"))
    problem = world.open["own"]
    other_measure = make_problem(unit=world.community_a, confirmed=True).measures.get()
    before = ledger_state()
    cases = [
        ({"file": ""}, "file"),
        ({"measure": other_measure.pk}, "measure"),
        ({"measure": "x"}, "measure"),
        ({"caption": "长" * 201}, "caption"),
    ]
    for data, field in cases:
        data = dict(data)
        if data.get("file") == "":
            data.pop("file")
            response = client.post(f"/api/problems/{problem.pk}/evidence", data)
        else:
            response = upload(client, problem, **data)
        assert response.status_code == 400, (data, response.content)
        assert field in errors_by_field(response), (data, response.json())
    assert ledger_state() == before


def test_evidence_cannot_be_added_to_a_closed_problem_nor_deleted_from_one_done(world, as_user):
    client = as_user(world.user("office"))
    before = ledger_state()
    assert upload(client, world.closed["own"]).status_code == 400
    kept = world.closed["own"].evidence.get()
    response = client.delete(f"/api/problems/evidence/{kept.pk}")
    assert response.status_code == 400
    assert "不能删除" in response.json()["detail"][0]["message"]
    assert ledger_state() == before


def test_guessing_evidence_ids_gives_404(world, as_user):
    client = as_user(world.user("liaison_b"))
    missing = EvidenceFile.objects.order_by("-pk").first().pk + 100
    before = ledger_state()
    for pk in (world.evidence["own"].pk, missing):
        response = client.delete(f"/api/problems/evidence/{pk}")
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    response = upload(client, Problem(pk=Problem.objects.order_by("-pk").first().pk + 100))
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert ledger_state() == before


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("office"))
    before = ledger_state()
    refused = [
        client.post(f"/api/problems/{world.open['own'].pk}/evidence", {"file": pdf()}),
        client.post(
            f"/api/problems/{world.closed['own'].pk}/public", {"public": True}, content_type="application/json"
        ),
        client.delete(f"/api/problems/evidence/{world.evidence['own'].pk}"),
    ]
    for response in refused:
        assert response.status_code == 403
        assert "X-CSRFToken" in response.json()["detail"]
    assert ledger_state() == before
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(
        f"/api/problems/{world.open['own'].pk}/evidence", {"file": pdf()}, headers={"X-CSRFToken": "a" * 32}
    )
    assert response.status_code == 201


def test_a_token_uploads_without_csrf(world, token_client):
    response = token_client(world.user("liaison")).post(
        f"/api/problems/{world.open['own'].pk}/evidence", {"file": pdf(), "caption": "令牌上传"}
    )
    assert response.status_code == 201, response.content
    assert AuditEntry.objects.filter(action="problems.evidence.add").latest("id").actor == world.user("liaison")


# --- research topic progress with a file ------------------------------------------------------
def topic_world(org, make_topic, leader) -> dict[str, ResearchTopic]:
    topics = {
        "own": make_topic(leader, status=TopicStatus.REGISTERED, title="own-营商环境调研"),
        "other": make_topic(org.person_b, status=TopicStatus.REGISTERED, title="other-乡村振兴调研"),
    }
    topics["own"].members.add(org.person_a)  # the cadre sees the topic as a team member
    return topics


def progress_file(client, topic, **data):
    data.setdefault("date", days(0).isoformat())
    data.setdefault("content", "座谈会一次")
    return client.post(f"/api/research/topics/{topic.pk}/progress/file", data)


def topic_state() -> tuple:
    return (
        sorted(ResearchTopic.objects.values_list("pk", "status", "updated_at")),
        sorted(TopicUpdate.objects.values_list("pk", "content", "file")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_may_post_progress_with_a_file(org_mixed_roles, campaign, leader, owner, make_topic, as_user, role):
    org = org_mixed_roles
    for side in SIDES:
        with rolled_back():
            topics = topic_world(org, make_topic, leader)
            before = topic_state()
            response = progress_file(as_user(org.user(role)), topics[side], file=pdf("座谈纪要.pdf"))
            if role == "anonymous":
                status = 401
            elif role in EVERYWHERE or OFFICE_OF.get(role) == side or LIAISON_OF.get(role) == side:
                status = 201
            elif side == "own" and role == "leader":
                status = 201  # their own topic
            elif side == "own" and role == "cadre":
                status = 403  # a team member sees the topic, and changes nothing
            else:
                status = 404
            assert response.status_code == status, (side, response.content)
            if status == 201:
                assert response.json()["file_name"] == "座谈纪要.pdf"
            else:
                assert set(response.json()) == {"detail"}
                assert "调研" not in response.content.decode()
                assert topic_state() == before


def test_progress_with_a_file_moves_the_topic_on_and_the_file_is_served_after_a_check(
    org_mixed_roles, campaign, leader, make_topic, as_user
):
    org = org_mixed_roles
    topic = topic_world(org, make_topic, leader)["own"]
    client = as_user(org.user("leader"))
    response = progress_file(client, topic, file=pdf("座谈纪要.pdf"))
    assert response.status_code == 201, response.content
    body = response.json()
    update = TopicUpdate.objects.get(pk=body["id"])
    assert (update.original_name, update.content_type) == ("座谈纪要.pdf", "application/pdf")
    assert body["file_url"] and body["created_by"] == "王局长"
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS
    assert client.get(body["file_url"]).status_code == 200
    # The multipart form without a file, and the JSON form, both still record progress.
    without = progress_file(client, topic, content="走访企业3家")
    assert without.status_code == 201 and without.json()["file_url"] is None
    json_form = post(client, f"/api/research/topics/{topic.pk}/progress", {"date": days(0).isoformat(), "content": "x"})
    assert json_form.status_code == 201
    assert TopicUpdate.objects.filter(topic=topic).count() == 3
    assert as_user(org.user("liaison_b")).get(body["file_url"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"file": disguised()}, "file"),
        ({"file": SimpleUploadedFile("空.pdf", b"")}, "file"),
        ({"date": "明天"}, "date"),
        ({"date": days(1).isoformat()}, "date"),
        ({"content": ""}, "content"),
        ({"content": "长" * 5001}, "content"),
    ],
    ids=["disguised", "empty-file", "not-a-date", "future", "no-content", "too-long"],
)
def test_bad_progress_with_a_file_names_the_field_and_records_nothing(
    org_mixed_roles, campaign, leader, make_topic, as_user, data, field
):
    topic = topic_world(org_mixed_roles, make_topic, leader)["own"]
    before = topic_state()
    response = progress_file(as_user(org_mixed_roles.user("leader")), topic, **data)
    assert response.status_code == 400, response.content
    assert field in errors_by_field(response), response.json()
    assert topic_state() == before


def test_progress_cannot_be_posted_to_a_reported_topic(org_mixed_roles, campaign, leader, make_topic, as_user):
    topic = make_topic(leader, status=TopicStatus.REPORTED)
    before = topic_state()
    response = progress_file(as_user(org_mixed_roles.user("leader")), topic, file=pdf())
    assert response.status_code == 400
    assert topic_state() == before


# --- leaders' self-examination ----------------------------------------------------------------
MINE = "/api/problems/self-examination"
LIST = "/api/problems/self-examinations"


def full_items() -> list[dict]:
    return [
        {"aspect": a, "gap": f"{a}方面的差距", "measure": f"{a}方面的措施", "deadline": "2030-06-30"} for a in ASPECTS
    ]


def put(client, body, url: str = MINE):
    return client.put(url, body, content_type="application/json")


def exam_state() -> tuple:
    return (
        sorted(SelfExamination.objects.values_list("pk", "person_id", "submitted_at")),
        sorted(SelfExaminationItem.objects.values_list("examination_id", "aspect", "gap", "measure", "deadline")),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def exams(org_mixed_roles, campaign, leader, owner):
    """王局长's self-examination (street A, saved, not submitted) and 李四's (community B1, submitted)."""
    org = org_mixed_roles
    org.exams = {
        "own": self_examination_save(
            campaign=campaign,
            person=leader,
            items=[{"aspect": "政治定力", "gap": "own-理论学习不够", "measure": "own-每周学习"}],
            by=None,
        ),
        "other": self_examination_save(
            campaign=campaign,
            person=org.person_b,
            items=[{"aspect": a, "gap": f"other-{a}差距", "measure": f"other-{a}措施"} for a in ASPECTS],
            by=None,
            submit=True,
        ),
    }
    return org


@pytest.mark.parametrize("role", ROLES)
def test_only_a_leading_cadre_reads_and_writes_their_own_self_examination(exams, as_user, role):
    client = as_user(exams.user(role))
    before = exam_state()
    read = client.get(MINE)
    write = put(client, {"items": full_items(), "submit": True})
    if role == "anonymous":
        assert (read.status_code, write.status_code) == (401, 401)
    elif role == "leader":
        assert (read.status_code, write.status_code) == (200, 200), write.content
        assert read.json()["person"]["name"] == "王局长"
        return
    else:
        assert (read.status_code, write.status_code) == (403, 403)
        assert "领导干部" in read.json()["detail"]
    assert exam_state() == before


def test_a_leader_saves_then_submits_and_a_submitted_one_stays_complete(org_mixed_roles, campaign, leader, as_user):
    client = as_user(org_mixed_roles.user("leader"))
    empty = client.get(MINE).json()
    assert (empty["id"], empty["items"], empty["submitted_at"]) == (None, [], None)
    assert empty["required_aspects"] == ASPECTS and empty["missing"] == ASPECTS
    assert empty["campaign"] == "xihu" and empty["unit"]["code"] == "S-A"

    saved = put(client, {"items": full_items()[:1], "submit": False})
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["id"] and body["submitted_at"] is None
    assert [i["aspect"] for i in body["items"]] == ["政治定力"] and body["items"][0]["deadline"] == "2030-06-30"
    assert body["missing"] == ["工作思路", "能力素质"]
    assert AuditEntry.objects.filter(action="problems.self_examination.save").count() == 1

    incomplete = put(client, {"items": full_items()[:2], "submit": True})
    assert incomplete.status_code == 400
    assert list(errors_by_field(incomplete)) == ["items"] and "能力素质" in errors_by_field(incomplete)["items"]

    submitted = put(client, {"items": full_items(), "submit": True})
    assert submitted.status_code == 200
    assert submitted.json()["submitted_at"] is not None and submitted.json()["missing"] == []
    assert client.get(f"{MINE}?campaign=xihu").json()["id"] == body["id"]

    before = exam_state()
    shrunk = put(client, {"items": full_items()[:1], "submit": False})
    assert shrunk.status_code == 400 and list(errors_by_field(shrunk)) == ["items"]
    assert exam_state() == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"items": [{"aspect": "政治定力", "gap": "差距"}]}, "items", "整改措施"),
        ({"items": [{"aspect": "长" * 61, "gap": "差距", "measure": "措施"}]}, "items", "太长"),
        ({"items": [{"aspect": "a", "gap": "g", "measure": "m"}] * 31}, "items", "30"),
        ({"items": [], "submit": True}, "items", "至少"),
        ({"items": [{"aspect": "a", "gap": "g", "measure": "m", "deadline": "下个月"}]}, "items.0.deadline", ""),
        ({"items": [{"aspect": "a", "gap": "g", "measure": "m", "owner": 1}]}, "items.0.owner", ""),
        ({"items": "政治定力"}, "items", ""),
        ({"submit": True}, "items", ""),
    ],
    ids=["row-incomplete", "too-long", "too-many", "submit-empty", "bad-date", "unknown-field", "not-a-list", "none"],
)
def test_bad_self_examinations_name_the_field_and_change_nothing(exams, as_user, body, field, message):
    before = exam_state()
    response = put(as_user(exams.user("leader")), body)
    assert response.status_code == 400, response.content
    errors = errors_by_field(response)
    assert field in errors, errors
    assert message in errors[field]
    assert exam_state() == before


def test_an_unknown_campaign_or_none_at_all_is_not_found(org_mixed_roles, campaign, leader, as_user):
    client = as_user(org_mixed_roles.user("leader"))
    before = exam_state()
    assert client.get(f"{MINE}?campaign=no-such").status_code == 404
    assert put(client, {"items": full_items()}, url=f"{MINE}?campaign=no-such").status_code == 404
    campaign.status = CampaignStatus.DRAFT
    campaign.save(update_fields=["status"])
    assert client.get(MINE).json() == NOT_FOUND  # a draft is no one's current campaign
    assert exam_state() == before


OFFICE_LIST_SEES = {"admin": {"王局长", "李四"}, "office": {"王局长", "李四"}, "office_a": {"王局长"}}


@pytest.mark.parametrize("role", ROLES)
def test_the_office_lists_the_leaders_in_its_scope(exams, as_user, role):
    response = as_user(exams.user(role)).get(LIST)
    if role == "anonymous":
        assert response.status_code == 401
        return
    if role not in OFFICE_LIST_SEES:
        assert response.status_code == 403
        assert set(response.json()) == {"detail"} and "own-" not in response.content.decode()
        return
    body = response.json()
    assert response.status_code == 200 and body["campaign"] == "xihu"
    rows = {row["person"]["name"]: row for row in body["items"]}
    assert set(rows) == OFFICE_LIST_SEES[role] and body["count"] == len(rows)
    own = rows["王局长"]
    assert (own["submitted"], own["item_count"], own["examination"]) == (False, 1, exams.exams["own"].pk)
    assert own["unit"]["code"] == "S-A"
    if "李四" in rows:
        assert (rows["李四"]["submitted"], rows["李四"]["item_count"]) == (True, 3)


def test_the_office_list_filters_and_pages(exams, as_user, campaign):
    extra = PersonFactory(unit=exams.street_b, name="钱主任", phone="13700009999", is_leading_cadre=True)
    client = as_user(exams.user("office"))

    def names(query: str) -> list[str]:
        return [row["person"]["name"] for row in client.get(f"{LIST}?{query}").json()["items"]]

    assert set(names("state=submitted")) == {"李四"}
    assert set(names("state=missing")) == {"王局长", "钱主任"}
    missing_row = next(r for r in client.get(f"{LIST}?state=missing").json()["items"] if r["person"]["id"] == extra.pk)
    assert (missing_row["examination"], missing_row["item_count"], missing_row["submitted_at"]) == (None, 0, None)
    assert set(names(f"unit={exams.street_b.pk}")) == {"李四", "钱主任"}
    assert set(names("campaign=xihu")) == {"王局长", "李四", "钱主任"}
    for query in ("campaign=no-such", "unit=999999"):
        body = client.get(f"{LIST}?{query}").json()
        assert (body["count"], body["items"]) == (0, [])
    page = client.get(f"{LIST}?limit=2&offset=2").json()
    assert (page["count"], len(page["items"])) == (3, 1)
    assert "13700009999" not in client.get(LIST).content.decode()  # no phone numbers, ever
    assert client.get(f"{LIST}?state=done").status_code == 400


def test_the_office_list_costs_the_same_whatever_the_number_of_leaders(
    exams, campaign, as_user, django_assert_num_queries
):
    client = as_user(exams.user("office"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for n in range(6):
        person = PersonFactory(unit=exams.community_a, name=f"领导{n}", is_leading_cadre=True)
        self_examination_save(
            campaign=campaign, person=person, items=[{"aspect": "a", "gap": "g", "measure": "m"}], by=None
        )
    with django_assert_num_queries(len(few)):
        body = client.get(LIST).json()
    assert body["count"] == 8


DETAIL_SEES = {"own": {"admin", "office", "office_a", "leader"}, "other": {"admin", "office"}}


@pytest.mark.parametrize("role", ROLES)
def test_one_self_examination_is_read_by_its_leader_and_the_office_covering_them(exams, as_user, role):
    client = as_user(exams.user(role))
    for side in SIDES:
        response = client.get(f"{LIST}/{exams.exams[side].pk}")
        if role == "anonymous":
            assert response.status_code == 401
        elif role in DETAIL_SEES[side]:
            assert response.status_code == 200
            body = response.json()
            assert body["id"] == exams.exams[side].pk
            assert body["items"][0]["gap"].startswith(f"{side}-")
            assert body["missing"] == ([] if side == "other" else ["工作思路", "能力素质"])
        else:
            assert response.json() == NOT_FOUND, (side, response.content)
    missing = SelfExamination.objects.order_by("-pk").first().pk + 100
    if role != "anonymous":
        assert client.get(f"{LIST}/{missing}").json() == NOT_FOUND


# --- the public ledger ------------------------------------------------------------------------
PUBLIC = "/api/problems/public/xihu"
DEFAULT_FIELDS = ["number", "content", "unit", "category", "theme", "measures", "result", "closed_at"]


@pytest.fixture
def published(org_mixed_roles, campaign, leader, owner, make_problem):
    """Street A: one problem closed and published, one closed and kept private, one still being rectified."""
    org = org_mixed_roles
    theme = campaign.themes.order_by("order").first()
    category = campaign.shortcomings.order_by("order").first()
    problem = make_problem(confirmed=True, content="公开的问题：办事难", theme=theme, category=category)
    services.measure_add(problem=problem, content="走访企业、限时办结", deadline=days(10), owner=org.person_a, by=None)
    org.public = close(problem, by=org.user("office"), publish=True)
    close(make_problem(confirmed=True, content="未公开的问题"), by=org.user("office"))
    make_problem(confirmed=True, content="整改中的问题")
    return org


@pytest.mark.parametrize("role", ROLES)
def test_anyone_reads_the_public_ledger_and_sees_the_same(published, as_user, role):
    response = as_user(published.user(role)).get(PUBLIC)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["campaign"] == "xihu" and body["fields"] == DEFAULT_FIELDS
    assert body == Client().get(PUBLIC).json()
    (item,) = body["items"]
    assert item["content"] == "公开的问题：办事难"
    assert item["measures"] == ["梳理审批事项清单，取消不必要的环节", "走访企业、限时办结"]
    assert item["unit"]["name"] == "甲街道" and item["theme"]["title"] and item["category"]["title"]


def test_the_public_ledger_names_no_one_and_holds_only_the_chosen_fields(published, settings):
    text = Client().get(PUBLIC).content.decode()
    for name in ("赵科长", "张三", "王局长", "office", "owner"):
        assert name not in text, name
    (item,) = Client().get(PUBLIC).json()["items"]
    assert list(item) == DEFAULT_FIELDS
    assert "id" not in item and "status" not in item

    settings.PROBLEMS_PUBLIC_FIELDS = ("number", "unit", "result", "owner", "closed_by")
    body = Client().get(PUBLIC).json()
    assert body["fields"] == ["number", "unit", "result"]  # a field naming a person is never published
    (item,) = body["items"]
    assert set(item) == {"number", "unit", "result"}
    assert item["result"] == "审批时限由20天压缩到8天"
    assert "赵科长" not in Client().get(PUBLIC).content.decode()

    settings.PROBLEMS_PUBLIC_FIELDS = ("source", "deadline")
    (item,) = Client().get(PUBLIC).json()["items"]
    assert item == {
        "source": "self_examination",
        "source_label": "自查",
        "deadline": published.public.deadline.isoformat(),
    }


def test_only_closed_and_published_problems_of_a_published_campaign_are_shown(published, campaign):
    client = Client()
    assert [item["content"] for item in client.get(PUBLIC).json()["items"]] == ["公开的问题：办事难"]
    assert client.get("/api/problems/public/no-such").json() == NOT_FOUND
    campaign.status = CampaignStatus.DRAFT
    campaign.save(update_fields=["status"])
    assert client.get(PUBLIC).json() == NOT_FOUND
    # Even the office covering the draft sees no public ledger of it: it has not been published.
    office = Client()
    office.force_login(published.user("office"))
    assert office.get(PUBLIC).status_code == 404


def test_a_reopened_problem_leaves_the_public_ledger(published):
    services.problem_reopen(problem=published.public, reason="群众反映问题反弹", by=None)
    assert Client().get(PUBLIC).json()["count"] == 0


def test_the_public_ledger_pages_may_be_cached_and_set_no_cookie(published, make_problem):
    for n in range(2):
        close(make_problem(confirmed=True, content=f"公开问题{n}"), publish=True)
    client = Client()
    first = client.get(f"{PUBLIC}?limit=2")
    assert (first.json()["count"], len(first.json()["items"])) == (3, 2)
    rest = client.get(f"{PUBLIC}?limit=2&offset=2").json()["items"]
    assert len(rest) == 1
    seen = {item["number"] for item in first.json()["items"]} | {rest[0]["number"]}
    assert len(seen) == 3
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    assert "Accept-Language" in first["Vary"]
    assert not first.cookies
    assert client.get(f"{PUBLIC}?limit=0").status_code == 400
    assert client.get(f"{PUBLIC}?limit=201").status_code == 400


def test_the_public_ledger_ignores_credentials(published):
    assert Client(headers={"Authorization": "Bearer tl_wrong"}).get(PUBLIC).status_code == 200


def test_the_public_ledger_costs_the_same_whatever_the_number_of_rows(
    published, make_problem, django_assert_num_queries
):
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get(PUBLIC)
    for n in range(4):
        close(make_problem(confirmed=True, content=f"公开问题{n}"), publish=True)
    with django_assert_num_queries(len(few)):
        assert client.get(PUBLIC).json()["count"] == 5


# --- the schema -------------------------------------------------------------------------------
def test_the_new_operations_are_documented():
    paths = Client().get("/api/openapi.json").json()["paths"]
    wanted = {
        ("post", "/api/problems/{problem_id}/public"): "problem_publish",
        ("post", "/api/problems/{problem_id}/evidence"): "evidence_add",
        ("delete", "/api/problems/evidence/{evidence_id}"): "evidence_delete",
        ("get", "/api/problems/self-examination"): "self_examination_mine",
        ("put", "/api/problems/self-examination"): "self_examination_update",
        ("get", "/api/problems/self-examinations"): "self_examination_list",
        ("get", "/api/problems/self-examinations/{examination_id}"): "self_examination_detail",
        ("get", "/api/problems/public/{campaign_slug}"): "public_ledger",
        ("post", "/api/research/topics/{topic_id}/progress/file"): "topic_progress_file",
    }
    for (method, path), operation_id in wanted.items():
        operation = paths[path][method]
        assert operation["operationId"] == operation_id
        assert operation["description"]
        assert ("security" in operation) == (operation_id != "public_ledger"), operation_id
    for path in ("/api/problems/{problem_id}/evidence", "/api/research/topics/{topic_id}/progress/file"):
        assert "multipart/form-data" in paths[path]["post"]["requestBody"]["content"]
