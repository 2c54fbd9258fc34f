"""The office imports a roster on a phone: the template is downloaded and filled in, a file with one bad
row is checked in the background and refused with the row, the column and what to fix (and nothing is
written), the corrected file is previewed and confirmed, imported in the background, listed among the
office's imports, and the new people are in the roster — phone in full for the office, masked for the
street's liaison.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from taolun.orgs.models import Person, RosterImportJob, Unit
from taolun.orgs.roster_jobs import roster_job_check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNIT_ROWS = [("C-A2", "甲二社区", "S-A", "社区村", None, "社区", 2)]
PEOPLE_ROWS = [
    ("P1001", "赵六", "C-A2", "社区主任", "否", "是", "是", "13700001111", None, 1),
    ("P1002", "钱七", "S-A", "科员", "否", "否", "是", "1370000", None, None),  # phone too short
]


def open_from_menu(page: Page, label: str) -> None:
    """Open the phone menu and follow one of its links, waiting until that page has loaded."""
    page.get_by_role("button", name="菜单").click()
    link = page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True)
    path = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="退出", include_hidden=True)).to_have_count(0)


def fill_template(template, target, people_rows):
    """The downloaded template with its example rows replaced by ours, as an office would fill it in."""
    book = openpyxl.load_workbook(template)
    for title, rows in (("单位", UNIT_ROWS), ("人员", people_rows)):
        sheet = book[title]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append(row)
    book.save(target)
    return target


def upload(page: Page, path) -> None:
    """Upload, then wait on the job's page until the background check has ended."""
    page.get_by_label("导入到单位（单位代码）").fill("D001")
    page.get_by_label("名册文件").set_input_files(path)
    page.get_by_role("button", name="上传并预览").click()
    expect(page.get_by_role("heading", name=f"名册导入：{path.name}", level=1)).to_be_visible()
    expect(page.locator("#roster-job-status")).to_have_count(0)  # no longer polling


def test_office_imports_a_roster_fixing_a_bad_row_first(org, page, sign_in, tmp_path):
    people_before = Person.objects.count()
    sign_in("office")
    open_from_menu(page, "名册导入")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载导入模板").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    assert download_info.value.suggested_filename == "名册模板.xlsx"
    assert openpyxl.load_workbook(template).sheetnames[:2] == ["单位", "人员"]

    # One bad phone number: the preview says where and what to fix, and nothing is written.
    upload(page, fill_template(template, tmp_path / "名册.xlsx", PEOPLE_ROWS))
    expect(page.get_by_role("heading", name="发现 1 处错误，未写入任何数据")).to_be_visible()
    error = page.get_by_role("table", name="错误报告").get_by_role("row").nth(1)
    for cell in ("人员", "3", "手机号"):
        expect(error.get_by_role("cell", name=cell, exact=True)).to_be_visible()
    expect(error).to_contain_text("手机号“1370000”格式不正确：应为 11 位手机号")
    expect(error.get_by_role("cell").last).not_to_be_empty()  # 修改方法: how to fix it
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    assert Person.objects.count() == people_before
    assert not Unit.objects.filter(code="C-A2").exists()

    # The corrected file: preview, confirm, written.
    page.get_by_role("link", name="重新上传").click()
    fixed = [*PEOPLE_ROWS[:1], (*PEOPLE_ROWS[1][:7], "13700002222", None, None)]
    upload(page, fill_template(template, tmp_path / "名册-改.xlsx", fixed))
    expect(page.get_by_role("heading", name="检查通过")).to_be_visible()
    counts = page.get_by_role("region", name="将要写入")
    expect(counts.get_by_role("row", name="单位")).to_contain_text("1")
    expect(counts.get_by_role("row", name="人员")).to_contain_text("2")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("heading", name="导入完成")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="新建单位 1 个")).to_contain_text("新建人员 2 人")
    assert Person.objects.count() == people_before + 2

    # Both uploads are in the office's list of imports: the refused one and the imported one.
    page.get_by_role("link", name="继续导入").click()
    imports = page.get_by_role("table", name="我的导入记录")
    expect(imports.get_by_role("row").filter(has_text="名册-改.xlsx")).to_contain_text("已导入")
    expect(imports.get_by_role("row").filter(has_text="名册.xlsx")).to_contain_text("1 处错误")

    # 人员名册: the office reads the phone in full.
    open_from_menu(page, "人员名册")
    page.get_by_label("搜索").fill("赵六")
    row = page.get_by_role("table", name="人员名册").get_by_role("row").filter(has_text="赵六")
    expect(row).to_contain_text("13700001111")
    expect(row).to_contain_text("甲二社区")

    # The street's liaison sees the same person with the phone masked.
    sign_out(page)
    sign_in("liaison")
    open_from_menu(page, "人员名册")
    page.get_by_label("搜索").fill("赵六")
    row = page.get_by_role("table", name="人员名册").get_by_role("row").filter(has_text="赵六")
    expect(row).to_contain_text("137****1111")
    expect(page.get_by_text("13700001111")).to_have_count(0)


def test_the_job_page_follows_the_background_check_until_the_preview_is_ready(org, page, sign_in, tmp_path, settings):
    """With a worker elsewhere the page polls: it shows the job queued, then the preview once the check ran."""
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = settings.MEDIA_ROOT / "roster-uploads"
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "人员"
    sheet.append(["人员编号", "姓名", "单位代码", "职务", "领导干部", "党员", "干部", "手机号", "身份证号", "培训批次"])
    sheet.append(["P2001", "孙八", "C-A1", "科员", "否", "是", "是", "13700003333", None, None])
    book.save(folder / "queued-upload")
    job = RosterImportJob.objects.create(
        created_by=org.user("office"),
        unit=org.district,
        filename="后台.xlsx",
        upload_path="roster-uploads/queued-upload",
    )
    sign_in("office")
    page.goto(reverse("orgs:roster_job", args=[job.pk]))
    expect(page.get_by_role("heading", name="排队等待检查")).to_be_visible()
    roster_job_check(job_id=job.pk)  # what the worker does
    expect(page.get_by_role("heading", name="检查通过")).to_be_visible()
    expect(page.get_by_role("region", name="将要写入").get_by_role("row", name="人员")).to_contain_text("1")
    expect(page.get_by_role("button", name="确认导入")).to_be_visible()
