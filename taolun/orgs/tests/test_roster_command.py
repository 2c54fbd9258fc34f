"""``taolun roster import|export|template|cleanup`` through call_command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from taolun.orgs.models import Person, RosterImportJob
from taolun.orgs.roster_jobs import roster_job_create
from taolun.orgs.roster_jobs_read import upload_file

from .roster_files import db_counts, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def call(*args: str) -> str:
    out = io.StringIO()
    call_command("roster", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_command_writes_and_prints_the_counts(org, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1"), person_row("P-2", "赵六", "C-A1")]))
    out = call("import", str(path), "--under", "S-A")
    assert "人员：新建 2，更新 0，不变 0" in out and "导入完成" in out
    assert Person.objects.filter(code__in=["P-1", "P-2"]).count() == 2


def test_import_command_dry_run_writes_nothing(org, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]))
    before = db_counts()
    out = call("import", str(path), "--under", "S-A", "--dry-run")
    assert "人员：新建 1" in out and "试运行" in out
    assert db_counts() == before


def test_import_command_prints_the_error_table_and_fails(org, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1", phone="123"), person_row("P-2", "", "C-A1")]))
    before = db_counts()
    out = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处错误，未写入任何数据") as exc:
        call_command("roster", "import", str(path), stdout=out, stderr=io.StringIO())
    assert exc.value.returncode == 1
    lines = out.getvalue().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("工作表"))
    assert "修改方法" in lines[header] and set(lines[header + 1]) <= {"-", " "}
    assert lines[header + 2].split()[:3] == ["人员", "2", "手机号"]
    assert lines[header + 3].split()[:3] == ["人员", "3", "姓名"]
    assert db_counts() == before


def test_import_command_refuses_an_unknown_root_or_file(org, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call("import", str(tmp_path / "missing.xlsx"))
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]))
    with pytest.raises(CommandError, match="没有单位代码为“NOPE”的单位"):
        call("import", str(path), "--under", "NOPE")


def test_export_command_masks_unless_unmasked(org, tmp_path):
    masked, clear = tmp_path / "masked.xlsx", tmp_path / "clear.xlsx"
    call("export", "--root", "D001", "-o", str(masked))
    call("export", "--root", "D001", "-o", str(clear), "--unmasked")
    phones = [
        {r[1]: r[7] for r in load_workbook(p, read_only=True)["人员"].iter_rows(min_row=2, values_only=True)}
        for p in (masked, clear)
    ]
    assert phones[0]["张三"] == "138****1234" and phones[1]["张三"] == "13800001234"


def test_template_command_writes_the_template(db, tmp_path):
    path = tmp_path / "template.xlsx"
    assert "导入模板已写入" in call("template", "-o", str(path))
    assert load_workbook(path).sheetnames == ["单位", "人员", "说明"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_import_command_shows_a_progress_bar_on_a_terminal_only(org, tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]))
    terminal, pipe = Terminal(), io.StringIO()
    call_command("roster", "import", str(path), "--under", "S-A", stdout=io.StringIO(), stderr=terminal)
    assert "检查: 100%" in terminal.getvalue() and "写入: 100%" in terminal.getvalue()
    call_command("roster", "import", str(path), "--under", "S-A", stdout=io.StringIO(), stderr=pipe)
    assert pipe.getvalue() == ""


def test_cleanup_command_deletes_expired_uploads_and_says_what_it_did(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = SimpleUploadedFile("名册.xlsx", xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]))
    job = roster_job_create(upload=upload, filename="名册.xlsx", under=org.street_a, by=org.user("liaison"))
    RosterImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    out = call("cleanup")
    assert "已删除过期的导入任务 1 个" in out and "上传文件 1 个" in out
    assert not RosterImportJob.objects.exists() and not upload_file(job).exists()
    assert "已删除过期的导入任务 0 个" in call("cleanup")  # nothing more the second time
