"""Bad roster files: each gets a clear message saying where and how to fix it, and nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest

from conftest import shared_org
from taolun.orgs.models import Person

from .roster_files import (
    ID_1,
    ID_2,
    ID_3,
    PERSON_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    db_counts,
    messages,
    person_row,
    run,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())


@pytest.fixture
def unchanged(org):
    """Asserts after the test that no unit, person or audit entry was written."""
    before = db_counts()
    yield
    assert db_counts() == before


def only_error(report):
    assert not report.ok and not report.written
    assert len(report.errors) == 1, messages(report)
    return report.errors[0]


def test_wrong_headers_name_the_missing_column_and_list_the_expected_ones(org, unchanged):
    headers = ["人员编号", "名字", "单位代码", "手机号"]
    report = run(xlsx_bytes(None, [["P-1", "王五", "C-A1", ""]], person_headers=headers), under=org.street_a)
    error = only_error(report)
    assert (error.sheet, error.row) == ("人员", 1)
    assert "缺少必填列：姓名" in error.message
    assert "姓名*" in error.hint and "单位代码*" in error.hint and "身份证号" in error.hint


def test_a_header_that_appears_twice_is_refused(org, unchanged):
    headers = [*PERSON_HEADERS, "姓名"]
    error = only_error(run(xlsx_bytes(None, [], person_headers=headers), under=org.street_a))
    assert "“姓名”列出现了两次" in error.message


def test_an_empty_file_is_refused(org, unchanged):
    error = only_error(run(b"", filename="empty.xlsx", under=org.street_a))
    assert error.message == "文件是空的。"


def test_a_sheet_with_only_its_header_says_there_are_no_rows(org, unchanged):
    error = only_error(run(xlsx_bytes(None, []), under=org.street_a))
    assert "没有数据行" in error.message


def test_a_workbook_without_roster_sheets_says_which_sheets_are_expected(org, unchanged):
    from openpyxl import Workbook

    wb = Workbook()
    assert wb.active is not None
    wb.active.append(["随便", "什么"])
    out = io.BytesIO()
    wb.save(out)
    error = only_error(run(out.getvalue(), under=org.street_a))
    assert "没有“单位”或“人员”工作表" in error.message


def test_partly_filled_rows_are_checked_and_reported_with_excel_row_numbers(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1"), [None] * 10, ["", "", "", "", "", "", "", "13800001234", "", ""]]
    report = run(xlsx_bytes(None, rows), under=org.street_a)
    assert not report.ok
    problems = {(e.row, e.column) for e in report.errors}
    assert problems == {(4, "姓名"), (4, "单位代码")}
    assert all("不能为空" in e.message for e in report.errors)


def test_duplicate_unit_codes_in_the_file_point_at_the_first_row(org, unchanged):
    units = [["N-1", "新单位一", "", "", "", "", ""], ["N-1", "新单位二", "", "", "", "", ""]]
    error = only_error(run(xlsx_bytes(units, None), under=org.street_a))
    assert (error.sheet, error.row, error.column) == ("单位", 3, "单位代码")
    assert "与第 2 行重复" in error.message and "唯一" in error.hint


def test_duplicate_person_codes_in_the_file_are_refused(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1"), person_row("P-1", "赵六", "C-A1")]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert (error.row, error.column) == (3, "人员编号") and "与第 2 行重复" in error.message


def test_duplicate_id_numbers_in_the_file_are_refused(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1", id_number=ID_2), person_row("P-2", "赵六", "C-A1", id_number=ID_2)]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert (error.row, error.column) == (3, "身份证号") and "与第 2 行重复" in error.message


def test_a_bad_phone_number_says_what_a_good_one_looks_like(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1", phone="1380000")]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert (error.row, error.column) == (2, "手机号")
    assert "1380000" in error.message and "11 位手机号" in error.message


def test_a_bad_id_number_check_digit_is_refused(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1", id_number=ID_2[:-1] + "5")]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert error.column == "身份证号" and "校验位不正确" in error.message


def test_an_id_number_excel_stored_as_a_number_explains_the_text_format(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1", id_number=110101199003071000)]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert error.column == "身份证号" and "“文本”格式" in error.hint


def test_a_person_in_an_unknown_unit_is_refused(org, unchanged):
    rows = [person_row("P-1", "王五", "NO-SUCH")]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert error.column == "单位代码" and "“NO-SUCH”不存在" in error.message and "添加该单位" in error.hint


def test_a_unit_with_an_unknown_parent_is_refused(org, unchanged):
    units = [["N-1", "新单位", "NO-SUCH", "", "", "", ""]]
    error = only_error(run(xlsx_bytes(units, None), under=org.street_a))
    assert error.column == "上级单位代码" and "“NO-SUCH”不存在" in error.message


def test_a_parent_cycle_is_reported_on_each_unit_in_it(org, unchanged):
    units = [["N-1", "甲", "N-2", "", "", "", ""], ["N-2", "乙", "N-1", "", "", "", ""]]
    report = run(xlsx_bytes(units, None), under=org.street_a)
    assert not report.ok
    assert {e.row for e in report.errors} == {2, 3}
    assert all("上级单位形成了循环：N-1 → N-2 → N-1" in e.message for e in report.errors)


def test_moving_an_existing_unit_under_its_own_descendant_is_a_cycle(org, unchanged):
    units = [["S-A", "甲街道", "C-A1", "街道乡镇", "", "街道", 0]]
    report = run(xlsx_bytes(units, None), under=org.district)
    assert not report.ok and "循环" in messages(report)


def test_people_under_a_unit_whose_ancestors_form_a_cycle_do_not_hang_the_check(org, unchanged):
    units = [["S-A", "甲街道", "X-1", "街道乡镇", "", "街道", 0], ["X-1", "新单位", "S-A", "", "", "", ""]]
    report = run(xlsx_bytes(units, [person_row("P-1", "王五", "C-A1")]), under=org.district)
    assert {(e.sheet, e.row) for e in report.errors} == {("单位", 2), ("单位", 3)}
    assert all("循环" in e.message for e in report.errors)


def test_a_50_megabyte_file_is_refused_before_it_is_read(org, unchanged, tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    from taolun.orgs.roster import roster_import

    report = roster_import(path=big, filename="big.xlsx", under=org.street_a, by=None)
    error = only_error(report)
    assert "文件过大（50.0 MB）" in error.message and "拆成几个文件" in error.hint


def test_a_text_file_named_xlsx_is_not_an_excel_file(org, unchanged):
    error = only_error(run("姓名,单位代码\n王五,C-A1\n".encode(), filename="名册.xlsx", under=org.street_a))
    assert "这不是 Excel .xlsx 文件" in error.message and "CSV UTF-8" in error.hint


def test_a_zip_that_is_not_a_workbook_is_not_an_excel_file(org, unchanged):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    error = only_error(run(out.getvalue(), filename="名册.xlsx", under=org.street_a))
    assert "这不是 Excel .xlsx 文件" in error.message


def test_a_broken_workbook_package_is_not_an_excel_file(org, unchanged):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<garbage")
    error = only_error(run(out.getvalue(), filename="名册.xlsx", under=org.street_a))
    assert "这不是 Excel .xlsx 文件" in error.message


def test_a_zip_bomb_is_refused_by_its_uncompressed_size(org, unchanged, settings):
    settings.ROSTER_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    data = io.BytesIO(xlsx_bytes(None, [person_row("P-1", "王五", "C-A1")]))
    with zipfile.ZipFile(data, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))
    assert len(data.getvalue()) < 100 * 1024  # small on disk, large inflated
    error = only_error(run(data.getvalue(), under=org.street_a))
    assert "解压后过大" in error.message


def test_too_many_rows_are_refused(org, unchanged, settings):
    settings.ROSTER_MAX_ROWS = 3
    rows = [person_row(f"P-{i}", f"人{i}", "C-A1") for i in range(5)]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert "超过上限 3 行" in error.message and "拆成" in error.hint


def test_an_old_xls_file_is_refused_with_how_to_save_it(org, unchanged):
    error = only_error(run(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, filename="名册.xls", under=org.street_a))
    assert ".xls" in error.message and ".xlsx" in error.hint


def test_an_unsupported_file_type_is_refused(org, unchanged):
    error = only_error(run(b"hello", filename="名册.txt", under=org.street_a))
    assert "不支持的文件类型“.txt”" in error.message


def test_a_csv_in_an_unknown_encoding_is_refused(org, unchanged):
    data = "姓名,单位代码\n".encode() + b"\xff\xfe\xff\xff,C-A1\n"
    error = only_error(run(data, filename="bad.csv", under=org.street_a))
    assert "文字编码" in error.message and "CSV UTF-8" in error.hint


def test_a_gbk_csv_with_a_bad_row_reports_it_in_chinese(org, unchanged):
    data = csv_bytes(PERSON_HEADERS, [person_row("P-1", "王五", "C-A1", phone="电话不详")], encoding="gbk")
    error = only_error(run(data, filename="gbk.csv", under=org.street_a))
    assert error.column == "手机号" and "电话不详" in error.message


def test_a_csv_whose_header_fits_neither_sheet_lists_both(org, unchanged):
    error = only_error(run("甲,乙,丙\n1,2,3\n".encode(), filename="x.csv", under=org.street_a))
    assert "单位表还是人员表" in error.message and "姓名*" in error.hint and "单位名称*" in error.hint


def test_bad_yes_no_kind_and_batch_cells_each_say_what_to_write(org, unchanged):
    units = [["N-1", "新单位", "", "大区", "", "", "第一"]]
    rows = [person_row("P-1", "王五", "C-A1", leader="也许", batch="两批")]
    report = run(xlsx_bytes(units, rows), under=org.street_a)
    columns = {e.column: e for e in report.errors}
    assert set(columns) == {"单位类型", "排序", "领导干部", "培训批次"}
    assert "街道乡镇" in columns["单位类型"].hint and "是/否" in columns["领导干部"].hint


def test_a_masked_phone_for_a_new_person_is_refused(org, unchanged):
    rows = [person_row("P-1", "王五", "C-A1", phone="138****1234")]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert error.column == "手机号" and "打码" in error.message


def test_an_id_number_belonging_to_another_person_is_refused(org, unchanged):
    rows = [person_row(org.person_b.code, "李四", "C-B1", id_number=ID_1)]
    error = only_error(run(xlsx_bytes(None, rows), under=org.district))
    assert error.column == "身份证号" and "另一名人员" in error.message


def test_two_rows_for_the_same_existing_person_are_refused(org, unchanged):
    rows = [person_row(org.person_a.code, "张三", "C-A1"), person_row("P-NEW", "张三", "C-A1", id_number=ID_1)]
    error = only_error(run(xlsx_bytes(None, rows), under=org.street_a))
    assert error.row == 3 and "与第 2 行是同一人" in error.message


def test_one_bad_row_among_good_ones_writes_none_of_them(org, unchanged):
    units = [["N-1", "新单位", "", "", "", "", ""]]
    rows = [person_row(f"P-{i}", f"人{i}", "N-1", id_number=ID_3 if i == 0 else "") for i in range(20)]
    rows.append(person_row("P-X", "坏行", "N-1", phone="12"))
    report = run(xlsx_bytes(units, rows), under=org.street_a)
    assert report.error_count == 1 and report.errors[0].row == 22
    assert not Person.objects.filter(code="P-0").exists()


def test_units_sheet_header_row_below_five_rows_is_not_searched(org, unchanged):
    data = csv_bytes(UNIT_HEADERS, [])
    report = run(b"\n\n\n\n\n\n" + data, filename="units.csv", under=org.street_a)
    assert not report.ok
