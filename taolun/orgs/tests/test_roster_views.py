"""The roster pages: upload → background check → preview → confirm → background import → result (tasks run
eagerly after commit, as in the embedded set-up); who may see a job; polling; template; export; CSRF."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import shared_org
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, RosterImportJob, RosterJobStatus
from taolun.orgs.roster_jobs import UPLOAD_DIR, JobProgress
from taolun.orgs.roster_jobs_read import upload_file

from .roster_files import db_counts, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

IMPORT_URL = reverse("orgs:roster_import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = RosterJobStatus
GOOD = xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone="13800009999"), person_row("P-2", "赵六", "C-A1")])
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "roster-job-status"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run a request and then what it queued on commit (the eager Celery tasks), as outside a test."""

    def _run(send, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send(*args, **kwargs)

    return _run


@pytest.fixture
def upload(after_commit):
    def _upload(client: Client, unit_code: str, data: bytes, name: str = "名册.xlsx"):
        return after_commit(client.post, IMPORT_URL, {"unit": unit_code, "file": SimpleUploadedFile(name, data)})

    return _upload


def job_url(job: RosterImportJob, name: str = "orgs:roster_job") -> str:
    return reverse(name, args=[job.pk])


def uploads(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / UPLOAD_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_upload_page_shows_the_form_and_the_users_units(org, login):
    response = login(org.user("liaison")).get(IMPORT_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body and 'value="S-A"' in body
    assert reverse("orgs:roster_template") in body and reverse("orgs:roster_export") in body
    assert "还没有导入过名册" in body


def test_upload_is_checked_in_the_background_and_the_preview_waits_for_confirmation(org, login, upload, settings):
    client = login(org.user("liaison"))
    before = db_counts()[:2]
    response = upload(client, "S-A", GOOD)
    job = RosterImportJob.objects.get()
    assert response.status_code == 302 and response.url == job_url(job)
    assert job.status == S.READY and job.error_count == 0 and job.created_by == org.user("liaison")
    assert job.unit == org.street_a and job.filename == "名册.xlsx"
    assert job.counts["people"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert (job.rows_done, job.rows_total) == (2, 2)
    assert db_counts()[:2] == before  # the check is a dry run
    assert upload_file(job).is_file()  # kept for the confirmation
    page = client.get(job_url(job))
    body = page.content.decode()
    assert "检查通过" in body and "确认导入" in body and job_url(job, "orgs:roster_job_confirm") in body
    assert "王五" in body and "138****9999" in body and "13800009999" not in body
    assert 'hx-trigger="every 1s"' not in body  # nothing under way: no polling
    moves = AuditEntry.objects.filter(object_type="orgs.RosterImportJob").order_by("id")
    assert [e.action for e in moves] == ["orgs.roster_job.create", "orgs.roster_job.validate", "orgs.roster_job.ready"]


def test_confirm_imports_in_the_background_and_shows_the_result(org, login, upload, after_commit, settings):
    client = login(org.user("liaison"))
    upload(client, "S-A", GOOD)
    job = RosterImportJob.objects.get()
    response = after_commit(client.post, job_url(job, "orgs:roster_job_confirm"))
    assert response.status_code == 302 and response.url == job_url(job)
    job.refresh_from_db()
    assert job.status == S.DONE and job.confirmed_by == org.user("liaison") and job.finished_at is not None
    assert job.upload_path == "" and uploads(settings) == []  # the file is gone
    assert Person.objects.filter(code__in=["P-1", "P-2"], unit=org.community_a).count() == 2
    assert AuditEntry.objects.filter(action="orgs.roster.import", note="名册.xlsx").count() == 1
    assert AuditEntry.objects.filter(action="orgs.roster_job.done", object_id=str(job.pk)).count() == 1
    again = after_commit(client.post, job_url(job, "orgs:roster_job_confirm"))  # a second click
    assert again.status_code == 302 and Person.objects.filter(code__in=["P-1", "P-2"]).count() == 2
    assert AuditEntry.objects.filter(action="orgs.roster.import").count() == 1
    body = client.get(job_url(job)).content.decode()
    assert "导入完成" in body and "新建单位 0 个、更新 0 个；新建人员 2 人、更新 0 人" in body
    assert reverse("orgs:unit_detail", args=[org.street_a.pk]) in body
    assert f"{reverse('orgs:person_list')}?unit=S-A" in body
    listing = client.get(IMPORT_URL).content.decode()
    assert job_url(job) in listing and "已导入" in listing and "人员 新建 2、更新 0" in listing


def test_a_bad_file_is_ready_with_its_error_report_and_confirm_is_refused(org, login, upload, after_commit, settings):
    client = login(org.user("liaison"))
    before = db_counts()[:2]
    upload(client, "S-A", xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone="12345")]))
    job = RosterImportJob.objects.get()
    assert job.status == S.READY and job.error_count == 1
    (error,) = job.errors
    assert error["sheet"] == "人员" and error["row"] == 2 and error["column"] == "手机号"
    assert "11 位手机号" in error["message"] + error["hint"]
    assert uploads(settings) == []  # a file that cannot be imported is not kept
    body = client.get(job_url(job)).content.decode()
    assert "发现 1 处错误，未写入任何数据" in body and "确认导入" not in body and "未通过检查" in body
    response = after_commit(client.post, job_url(job, "orgs:roster_job_confirm"))
    assert response.status_code == 400 and "未通过检查，不能导入" in response.content.decode()
    job.refresh_from_db()
    assert job.status == S.READY and job.confirmed_at is None
    assert db_counts()[:2] == before


def test_a_non_excel_file_named_xlsx_gets_a_clear_message_on_the_job_page(org, login, upload):
    client = login(org.user("office"))
    upload(client, "D001", b"just some text")
    job = RosterImportJob.objects.get()
    assert job.status == S.READY and job.error_count == 1
    assert "这不是 Excel .xlsx 文件" in client.get(job_url(job)).content.decode()


def test_another_users_job_is_not_found(org, login, upload, after_commit):
    upload(login(org.user("liaison")), "S-A", GOOD)
    job = RosterImportJob.objects.get()
    before = db_counts()[:2]
    for role in ("liaison_b",):
        client = login(org.user(role))
        assert client.get(job_url(job)).status_code == 404
        assert client.get(job_url(job), **POLL).status_code == 404
        assert after_commit(client.post, job_url(job, "orgs:roster_job_confirm")).status_code == 404
    assert login(org.user("citizen")).get(job_url(job)).status_code == 403  # no roster pages at all
    job.refresh_from_db()
    assert job.status == S.READY and job.confirmed_at is None and db_counts()[:2] == before


def test_an_office_outside_the_jobs_unit_does_not_find_it(org_mixed_roles, login, upload):
    org = org_mixed_roles
    upload(login(org.user("liaison_b")), "S-B", xlsx_bytes(None, [person_row("P-9", "孙九", "C-B1")]))
    job = RosterImportJob.objects.get()
    assert login(org.user("office_a")).get(job_url(job)).status_code == 404


def test_an_office_covering_the_unit_may_see_and_confirm_a_liaisons_job(org, login, upload, after_commit):
    upload(login(org.user("liaison")), "S-A", GOOD)
    job = RosterImportJob.objects.get()
    office = login(org.user("office"))
    assert "确认导入" in office.get(job_url(job)).content.decode()
    assert after_commit(office.post, job_url(job, "orgs:roster_job_confirm")).status_code == 302
    job.refresh_from_db()
    assert job.status == S.DONE and job.confirmed_by == org.user("office")
    assert Person.objects.filter(code="P-1").exists()


def test_the_job_page_polls_while_the_check_is_queued_and_stops_when_it_is_ready(org, login):
    client = login(org.user("liaison"))
    client.post(IMPORT_URL, {"unit": "S-A", "file": SimpleUploadedFile("名册.xlsx", GOOD)})  # tasks not run yet
    job = RosterImportJob.objects.get()
    assert job.status == S.QUEUED
    page = client.get(job_url(job)).content.decode()
    assert 'id="roster-job-status"' in page and 'hx-trigger="every 1s"' in page and "排队等待检查" in page
    assert "确认导入" not in page
    JobProgress(job)("read", 5000, None)
    poll = client.get(job_url(job), **POLL)
    body = poll.content.decode()
    assert poll.status_code == 200 and "<h1" not in body  # the small partial only
    assert 'hx-trigger="every 1s"' in body and "已读取 5000 行" in body and "HX-Refresh" not in poll

    from taolun.orgs.tasks import roster_job_validate

    roster_job_validate.delay(job_id=job.pk)
    poll = client.get(job_url(job), **POLL)
    assert poll["HX-Refresh"] == "true" and 'hx-trigger="every 1s"' not in poll.content.decode()


def test_the_import_progress_is_shown_while_the_rows_are_written(org, login, upload):
    client = login(org.user("liaison"))
    upload(client, "S-A", GOOD)
    job = RosterImportJob.objects.get()
    client.post(job_url(job, "orgs:roster_job_confirm"))  # confirmed; the import task has not run yet
    job.refresh_from_db()
    body = client.get(job_url(job), **POLL).content.decode()
    assert "已确认，等待导入" in body and 'hx-trigger="every 1s"' in body
    JobProgress(job)("write", 1, 2)
    body = client.get(job_url(job), **POLL).content.decode()
    assert "写入数据：1 / 2 人" in body and 'value="1"' in body and 'max="2"' in body


def test_confirm_does_nothing_on_get(org, login, upload):
    client = login(org.user("liaison"))
    upload(client, "S-A", GOOD)
    job = RosterImportJob.objects.get()
    assert client.get(job_url(job, "orgs:roster_job_confirm")).status_code == 405
    job.refresh_from_db()
    assert job.confirmed_at is None


def test_confirm_rechecks_the_file_against_the_database(org, login, upload, after_commit):
    client = login(org.user("liaison"))
    upload(client, "S-A", GOOD)
    job = RosterImportJob.objects.get()
    org.community_a.code = "C-A1-RENAMED"
    org.community_a.save()
    after_commit(client.post, job_url(job, "orgs:roster_job_confirm"))
    job.refresh_from_db()
    assert job.status == S.FAILED and job.error_count >= 1 and "未写入任何数据" in job.message
    assert not Person.objects.filter(code="P-1").exists()
    body = client.get(job_url(job)).content.decode()
    assert "导入失败" in body and "“C-A1”不存在" in body


def test_the_import_page_lists_only_the_users_own_recent_jobs(org, login, upload):
    upload(login(org.user("office")), "D001", GOOD, name="办公室.xlsx")
    client = login(org.user("liaison"))
    upload(client, "S-A", GOOD, name="联络员.xlsx")
    body = client.get(IMPORT_URL).content.decode()
    assert "联络员.xlsx" in body and "办公室.xlsx" not in body and "我的导入记录" in body


def test_the_import_page_reads_its_job_list_with_a_fixed_number_of_queries(org, login, django_assert_num_queries):
    client = login(org.user("liaison"))
    client.get(IMPORT_URL)  # the session and the user, once
    for i in range(12):
        RosterImportJob.objects.create(created_by=org.user("liaison"), unit=org.street_a, filename=f"{i}.xlsx")
    # session, user, roles, the user's units, the jobs, two permission lookups, unread notices
    with django_assert_num_queries(7):
        response = client.get(IMPORT_URL)
    assert len(response.context["jobs"]) == 10


def test_liaison_cannot_upload_into_another_street(org, login, upload, settings):
    client = login(org.user("liaison"))
    before = db_counts()
    response = upload(client, "S-B", GOOD)
    assert response.status_code == 200
    assert response.context["form"].errors["unit"] == ["您没有权限操作“乙街道”的名册。"]
    assert db_counts() == before and not RosterImportJob.objects.exists()
    assert uploads(settings) == []


def test_an_oversized_upload_is_refused_next_to_the_field(org, login, upload, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024
    response = upload(login(org.user("office")), "D001", b"x" * 2048)
    assert "文件过大" in response.context["form"].errors["file"][0]
    assert not RosterImportJob.objects.exists()


def test_only_xlsx_and_csv_may_be_uploaded(org, login, upload):
    response = upload(login(org.user("office")), "D001", b"data", name="名册.xls")
    assert ".xlsx" in response.context["form"].errors["file"][0]


def test_citizen_and_cadre_cannot_reach_the_roster_pages(org, login):
    for role in ("citizen", "cadre", "reviewer"):
        client = login(org.user(role))
        assert client.get(IMPORT_URL).status_code == 403
        assert client.get(reverse("orgs:roster_export")).status_code == 403


def test_posts_without_a_csrf_token_are_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    assert client.post(IMPORT_URL, {"unit": "D001", "file": SimpleUploadedFile("a.xlsx", GOOD)}).status_code == 403
    assert client.post(reverse("orgs:roster_export"), {"unit": "D001"}).status_code == 403
    assert not RosterImportJob.objects.exists()


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


def export_form(body: str) -> str:
    found = re.search(rf'<form method="post" action="{reverse("orgs:roster_export")}".*?</form>', body, re.S)
    return found.group(0) if found else ""


def test_the_unit_page_has_an_export_button_that_posts_the_units_code(org, login):
    client = login(org.user("liaison"))
    form = export_form(client.get(reverse("orgs:unit_detail", args=[org.street_a.pk])).content.decode())
    assert 'name="unit" value="S-A"' in form and "导出名册" in form and "csrfmiddlewaretoken" in form
    response = client.post(reverse("orgs:roster_export"), {"unit": "S-A"})  # what the button sends
    assert response.status_code == 200 and response["Content-Type"] == XLSX


def test_the_unit_page_shows_the_export_button_only_with_the_export_permission(org, rf):
    def page_for(role: str) -> str:
        request = rf.get(reverse("orgs:unit_detail", args=[org.street_a.pk]))
        request.user = org.user(role)
        context = {"unit": org.street_a, "summary": {}, "ancestors": [], "children": [], "rows": []}
        return render_to_string("orgs/unit_detail.html", context, request=request)

    assert not org.user("cadre").has_perm("orgs.export_roster", org.street_a)
    assert export_form(page_for("liaison")) and not export_form(page_for("cadre"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["orgs:roster_import", "orgs:roster_export"])
def test_visitors_are_sent_to_log_in_from_the_roster_pages(client, name):
    from django.urls import reverse

    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
