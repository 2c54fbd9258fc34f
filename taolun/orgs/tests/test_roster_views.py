"""The roster pages: upload → preview → confirm, template download, export; scope, CSRF and private files."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from taolun.core.models import AuditEntry
from taolun.orgs.models import Person
from taolun.orgs.views_roster import purge_uploads, upload_dir

from .roster_files import db_counts, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("orgs:roster_import")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: Client, unit_code: str, data: bytes, name: str = "名册.xlsx"):
    return client.post(IMPORT_URL, {"unit": unit_code, "file": SimpleUploadedFile(name, data)})


GOOD = xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone="13800009999"), person_row("P-2", "赵六", "C-A1")])


def test_upload_page_shows_the_form_and_the_users_units(org, login):
    response = login(org.user("liaison")).get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and 'value="S-A"' in body
    assert reverse("orgs:roster_template") in body and reverse("orgs:roster_export") in body


def test_upload_preview_confirm_imports_the_file(org, login):
    client = login(org.user("liaison"))
    before = db_counts()
    response = upload(client, "S-A", GOOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "确认导入" in body and "王五" in body and "138****9999" in body and "13800009999" not in body
    assert response.context["report"].people.created == 2
    assert db_counts() == before  # the preview is a dry run
    token = response.context["token"]
    assert (upload_dir() / token).is_file()
    confirm = client.post(reverse("orgs:roster_import_confirm", args=[token]))
    assert confirm.status_code == 302 and confirm.url == IMPORT_URL
    assert Person.objects.filter(code__in=["P-1", "P-2"], unit=org.community_a).count() == 2
    assert AuditEntry.objects.filter(action="orgs.roster.import", note="名册.xlsx").count() == 1
    assert not (upload_dir() / token).exists()  # deleted after the import
    assert "已导入" in client.get(IMPORT_URL).content.decode()


def test_a_bad_file_shows_the_error_table_and_no_confirm_button(org, login):
    client = login(org.user("liaison"))
    before = db_counts()
    data = xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone="12345")])
    response = upload(client, "S-A", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "发现 1 处错误，未写入任何数据" in body and "手机号" in body and "11 位手机号" in body
    assert "确认导入" not in body and response.context["token"] == ""
    assert db_counts() == before
    assert not any(upload_dir().iterdir())  # a file that cannot be imported is not kept


def test_a_non_excel_file_named_xlsx_gets_a_clear_message_on_the_page(org, login):
    response = upload(login(org.user("office")), "D001", b"just some text")
    assert "这不是 Excel .xlsx 文件" in response.content.decode()


def test_liaison_cannot_upload_into_another_street(org, login):
    client = login(org.user("liaison"))
    before = db_counts()
    response = upload(client, "S-B", GOOD)
    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["您没有权限操作“乙街道”的名册。"]
    assert db_counts() == before
    assert not upload_dir().exists() or not any(upload_dir().iterdir())


def test_an_oversized_upload_is_refused_next_to_the_field(org, login, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024
    response = upload(login(org.user("office")), "D001", b"x" * 2048)
    assert "文件过大" in response.context["form"].errors["file"][0]


def test_only_xlsx_and_csv_may_be_uploaded(org, login):
    response = upload(login(org.user("office")), "D001", b"data", name="名册.xls")
    assert ".xlsx" in response.context["form"].errors["file"][0]


def test_citizen_and_cadre_cannot_reach_the_roster_pages(org, login):
    for role in ("citizen", "cadre", "reviewer"):
        client = login(org.user(role))
        assert client.get(IMPORT_URL).status_code == 403
        assert client.get(reverse("orgs:roster_export")).status_code == 403


def test_confirm_with_another_users_token_is_not_found(org, login):
    token = upload(login(org.user("liaison")), "S-A", GOOD).context["token"]
    before = db_counts()
    response = login(org.user("office")).post(reverse("orgs:roster_import_confirm", args=[token]))
    assert response.status_code == 404
    assert db_counts() == before


def test_confirm_with_a_made_up_token_is_not_found(org, login):
    client = login(org.user("office"))
    assert client.post(reverse("orgs:roster_import_confirm", args=["x" * 32])).status_code == 404
    assert client.post(reverse("orgs:roster_import_confirm", args=["..%2F..%2Fetc"])).status_code == 404


def test_confirm_does_nothing_on_get(org, login):
    client = login(org.user("liaison"))
    token = upload(client, "S-A", GOOD).context["token"]
    before = db_counts()
    assert client.get(reverse("orgs:roster_import_confirm", args=[token])).status_code == 405
    assert db_counts() == before


def test_confirm_rechecks_the_file_against_the_database(org, login):
    client = login(org.user("liaison"))
    token = upload(client, "S-A", GOOD).context["token"]
    org.community_a.code = "C-A1-RENAMED"
    org.community_a.save()
    response = client.post(reverse("orgs:roster_import_confirm", args=[token]))
    assert response.status_code == 400 and "“C-A1”不存在" in response.content.decode()
    assert not Person.objects.filter(code="P-1").exists()


def test_expired_uploads_are_purged_and_cannot_be_confirmed(org, login):
    client = login(org.user("liaison"))
    token = upload(client, "S-A", GOOD).context["token"]
    old = time.time() - 2 * 24 * 3600
    for name in (token, f"{token}.json"):
        os.utime(upload_dir() / name, (old, old))
    assert client.post(reverse("orgs:roster_import_confirm", args=[token])).status_code == 404
    assert purge_uploads() == 2 and not any(upload_dir().iterdir())


def test_posts_without_a_csrf_token_are_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    assert upload(client, "D001", GOOD).status_code == 403
    assert client.post(reverse("orgs:roster_export"), {"unit": "D001"}).status_code == 403


def test_template_download(org, login):
    response = login(org.user("liaison")).get(reverse("orgs:roster_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["单位", "人员", "说明"]


def test_export_page_get_only_shows_the_form(org, login):
    client = login(org.user("liaison"))
    response = client.get(reverse("orgs:roster_export") + "?unit=S-A")
    assert response.status_code == 200 and 'value="S-A"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="orgs.roster.export").exists()


def test_export_download_is_masked_for_a_liaison(org, login):
    response = login(org.user("liaison")).post(reverse("orgs:roster_export"), {"unit": "S-A"})
    assert response.status_code == 200 and 'filename="roster-S-A.xlsx"' in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True)["人员"].iter_rows(values_only=True))
    assert rows[1][1] == "张三" and rows[1][7] == "138****1234"


def test_export_of_another_street_is_refused_next_to_the_field(org, login):
    response = login(org.user("liaison")).post(reverse("orgs:roster_export"), {"unit": "S-B"})
    assert response.status_code == 200 and "您没有权限" in response.context["form"].errors["unit"][0]
    assert not AuditEntry.objects.filter(action="orgs.roster.export").exists()
