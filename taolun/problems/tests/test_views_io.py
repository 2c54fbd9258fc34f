"""The Excel ledger pages: who may export and import what, the download, the import form and its report."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from conftest import MATRIX_ROLES, shared_org
from taolun.problems.models import Problem

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

HEADER = [
    "序号",
    "问题内容",
    "问题来源",
    "责任单位",
    "责任人",
    "整改措施",
    "整改时限",
    "整改进展",
    "完成情况",
    "销号时间",
]
LEDGER_ROLES = {"admin", "office", "office_a", "liaison", "liaison_b", "liaison_reviewer", "liaison_publicity"}
SEES_A = {"admin", "office", "office_a", "liaison", "liaison_reviewer", "liaison_publicity"}
SEES_B = {"admin", "office", "liaison_b"}
IMPORTS_INTO_A = SEES_A


def ledger_file(*rows: list[object], name: str = "台账.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    ws = workbook.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def good_row(content: str = "导入的问题", unit: str = "甲街道") -> list[object]:
    return [1, content, "自查", unit, "", "", None, "", "", None]


def contents(response) -> list[str]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [row[1] for row in ws.iter_rows(min_row=4, values_only=True)]


@pytest.fixture
def two_streets(org_mixed_roles, make_problem):
    make_problem(content="甲街道的问题")
    make_problem(unit=org_mixed_roles.street_b, content="乙街道的问题")
    return org_mixed_roles


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_export_by_role_holds_only_what_the_viewer_may_see(two_streets, campaign, login, role):
    response = login(two_streets.user(role)).get(reverse("problems:export"), {"campaign": campaign.slug})
    if role == "anonymous":
        assert response.status_code == 302
        return
    if role not in LEDGER_ROLES:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    expected = [c for c, sees in (("甲街道的问题", SEES_A), ("乙街道的问题", SEES_B)) if role in sees]
    assert contents(response) == expected


def test_export_is_a_named_download_of_the_filtered_ledger(org, campaign, make_problem, login):
    make_problem(content="甲街道的问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    response = login(org.users["office"]).get(
        reverse("problems:export"), {"campaign": campaign.slug, "unit": org.street_b.code}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Cache-Control"] == "no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="ledger-')
    assert "问题清单整改台账-乙街道-" in unquote(disposition.split("UTF-8''")[1])
    assert contents(response) == ["乙街道的问题"]
    response = login(org.users["office"]).get(
        reverse("problems:export"), {"campaign": campaign.slug, "status": "closed"}
    )
    assert contents(response) == []


def test_export_of_an_unknown_campaign_is_404_and_bad_filters_are_named(org, campaign, login):
    client = login(org.users["office"])
    assert client.get(reverse("problems:export"), {"campaign": "nope"}).status_code == 404
    response = client.get(reverse("problems:export"), {"unit": "NO-SUCH-UNIT", "sort": "bogus"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert client.post(reverse("problems:export")).status_code == 405


def test_the_ledger_pages_export_link_exports_what_the_page_lists(org, campaign, make_problem, login):
    make_problem(unit=org.community_a, content="甲一社区的问题")
    make_problem(unit=org.street_a, content="甲街道本级的问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    client = login(org.users["liaison"])
    page = client.get(reverse("problems:ledger"), {"unit": org.community_a.code}).content.decode()
    (link,) = re.findall(r'href="(/problems/export\.xlsx[^"]*)"', page)
    assert contents(client.get(html.unescape(link))) == ["甲一社区的问题"]


def test_template_download(org, login):
    response = login(org.users["liaison"]).get(reverse("problems:import_template"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in ws[2]][: len(HEADER)] == HEADER
    assert login(org.users["cadre"]).get(reverse("problems:import_template")).status_code == 403


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_import_into_street_a_by_role(org_mixed_roles, campaign, login, role):
    client = login(org_mixed_roles.user(role))
    page = client.get(reverse("problems:import"))
    post = client.post(
        reverse("problems:import"),
        {"campaign": campaign.slug, "unit": org_mixed_roles.street_a.pk, "file": ledger_file(good_row())},
    )
    if role == "anonymous":
        assert (page.status_code, post.status_code) == (302, 302)
        assert "/accounts/" in post["Location"] or "login" in post["Location"]
    elif role not in LEDGER_ROLES:
        assert (page.status_code, post.status_code) == (403, 403)
    elif role in IMPORTS_INTO_A:
        assert page.status_code == 200
        assert post.status_code == 302 and post["Location"] == reverse("problems:import")
    else:  # liaison_b: may open the page, may not import into another street
        assert (page.status_code, post.status_code) == (200, 403)
    assert Problem.objects.count() == (1 if role in IMPORTS_INTO_A else 0)


def test_a_successful_import_shows_its_summary_once(org, campaign, login):
    client = login(org.users["liaison"])
    response = client.post(
        reverse("problems:import"),
        {"campaign": campaign.slug, "unit": org.street_a.pk, "file": ledger_file(good_row(), good_row("第二个"))},
        follow=True,
    )
    text = response.content.decode()
    assert "导入 2 个问题、0 项整改措施" in text
    assert f"?campaign={campaign.slug}&amp;unit={org.street_a.pk}" in text
    assert "导入 2 个问题" not in client.get(reverse("problems:import")).content.decode()
    assert Problem.objects.count() == 2


def test_the_unit_list_offers_only_the_viewers_units(org, campaign, login):
    text = login(org.users["liaison"]).get(reverse("problems:import")).content.decode()
    assert "甲街道" in text and "甲一社区" in text and "乙街道" not in text


def test_a_bad_ledger_shows_each_bad_row_and_writes_nothing(org, campaign, login):
    response = login(org.users["liaison"]).post(
        reverse("problems:import"),
        {
            "campaign": campaign.slug,
            "unit": org.street_a.pk,
            "file": ledger_file(good_row(), good_row(unit="丙街道"), [3, "", "上级交办", "甲街道"]),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "发现 3 处错误，未写入任何数据" in text
    assert "丙街道" in text and "上级交办" in text and "问题内容是空的" in text
    assert Problem.objects.count() == 0


def test_a_file_that_is_not_a_workbook_is_reported(org, campaign, login):
    upload = SimpleUploadedFile("台账.xlsx", b"<html>not a workbook</html>", content_type="application/vnd.ms-excel")
    response = login(org.users["office"]).post(
        reverse("problems:import"), {"campaign": campaign.slug, "unit": org.district.pk, "file": upload}
    )
    assert "这不是 Excel .xlsx 文件" in response.content.decode()
    assert Problem.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(org, campaign, login):
    response = login(org.users["office"]).post(
        reverse("problems:import"),
        {"campaign": campaign.slug, "unit": org.district.pk, "file": ledger_file(good_row()), "dry_run": "on"},
    )
    assert response.status_code == 200
    assert "检查通过" in response.content.decode()
    assert Problem.objects.count() == 0


def test_a_unit_outside_the_campaign_is_a_form_error(org, campaign, login):
    from tests.factories import make_unit

    elsewhere = make_unit("外区", kind="district", code="D-X")
    response = login(org.users["admin"]).post(
        reverse("problems:import"), {"campaign": campaign.slug, "unit": elsewhere.pk, "file": ledger_file(good_row())}
    )
    assert response.status_code == 200
    assert "不在这次大讨论的范围内" in response.content.decode()
    assert Problem.objects.count() == 0


def test_import_needs_the_csrf_token(org, campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.users["office"])
    response = client.post(
        reverse("problems:import"),
        {"campaign": campaign.slug, "unit": org.district.pk, "file": ledger_file(good_row())},
    )
    assert response.status_code == 403
    assert Problem.objects.count() == 0
