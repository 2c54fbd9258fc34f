"""The Excel ledger (整改台账) export: the standard columns, what each cell holds, and flat query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from taolun.problems import services
from taolun.problems.ledger_xlsx import ledger_template, ledger_workbook
from taolun.problems.models import Problem
from taolun.problems.selectors import LedgerFilter, filter_problems

from .conftest import days

pytestmark = pytest.mark.django_db

STANDARD = [
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
EXTRA = ["编号", "短板类别", "讨论主题", "高质量维度", "整改标准", "状态", "进度(%)", "预警"]


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def rows_of(data: bytes) -> list[dict[str, object]]:
    ws = sheet_of(data)
    values = list(ws.iter_rows(values_only=True))
    header = list(values[2])
    return [dict(zip(header, row, strict=False)) for row in values[3:]]


def export(campaign, **filters) -> bytes:
    qs = filter_problems(Problem.objects.all(), LedgerFilter(campaign=campaign, **filters))
    return ledger_workbook(qs, campaign=campaign)


def test_title_and_header_are_the_standard_columns_then_the_extras(campaign, make_problem):
    make_problem()
    ws = sheet_of(export(campaign))
    assert ws["A1"].value == "解放思想推动高质量发展大讨论问题清单整改台账"
    assert [c.value for c in ws[3]] == STANDARD + EXTRA
    assert ws.freeze_panes == "A4"
    assert ws["A3"].font.bold
    assert ws.column_dimensions["B"].width > 30


def test_a_row_holds_the_measures_their_latest_progress_and_real_dates(org, campaign, make_problem, owner):
    deadline = days(40)
    problem = make_problem(confirmed=True, deadline=deadline, measure_deadline=days(20))
    services.measure_add(problem=problem, content="推行“一网通办”", deadline=deadline, owner_name="钱主任", by=None)
    first = problem.measures.order_by("order").first()
    services.measure_progress(measure=first, progress=30, note="召开座谈会", by=None, happened_on=days(0))
    services.measure_progress(measure=first, progress=60, note="已梳理事项86项", by=None, happened_on=days(0))
    (row,) = rows_of(export(campaign))
    assert row["序号"] == 1
    assert row["问题来源"] == "自查"
    assert row["责任单位"] == "甲街道"
    assert row["责任人"] == "赵科长"
    assert row["整改措施"] == (
        f"1. 梳理审批事项清单，取消不必要的环节（赵科长，{days(20).isoformat()}）\n"
        f"2. 推行“一网通办”（钱主任，{deadline.isoformat()}）"
    )
    assert row["整改进展"] == f"1. {days(0).isoformat()} 已梳理事项86项（60%）"
    assert isinstance(row["整改时限"], dt.datetime) and row["整改时限"].date() == deadline
    assert row["编号"] == problem.number
    assert row["状态"] == "整改中"
    assert row["进度(%)"] == 30
    assert row["整改标准"] == "审批时限压缩一半，群众满意度达到90%"
    assert row["预警"] in {"正常推进", "临期或滞后"}
    assert row["销号时间"] is None


def test_a_closed_problem_has_its_result_and_closing_date(org, campaign, make_problem):
    from django.core.files.uploadedfile import SimpleUploadedFile

    problem = make_problem(confirmed=True)
    measure = problem.measures.get()
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    services.measure_progress(measure=measure, progress=100, note="已完成", by=None, files=[pdf])
    services.problem_finish(problem=problem, result="审批时限由20天压缩到8天", by=None)
    services.problem_close(problem=problem, by=None)
    (row,) = rows_of(export(campaign))
    assert row["完成情况"] == "审批时限由20天压缩到8天"
    assert row["销号时间"].date() == days(0)
    assert row["状态"] == "已销号" and row["预警"] == "已完成"


def test_filters_and_order_are_those_given(org, campaign, make_problem):
    make_problem(content="甲街道的问题")
    make_problem(unit=org.street_b, content="乙街道的问题")
    rows = rows_of(export(campaign, unit=org.street_b))
    assert [r["问题内容"] for r in rows] == ["乙街道的问题"]


def test_text_that_looks_like_a_formula_stays_text(campaign, make_problem):
    make_problem(content='=HYPERLINK("http://evil.example","点我")')
    ws = sheet_of(export(campaign))
    cell = ws["B4"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def _queries(campaign) -> int:
    with CaptureQueriesContext(connection) as ctx:
        export(campaign)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(org, campaign, make_problem):
    problem = make_problem(confirmed=True)
    services.measure_progress(measure=problem.measures.get(), progress=10, note="启动", by=None)
    few = _queries(campaign)
    for _i in range(6):
        p = make_problem(confirmed=True)
        services.measure_add(problem=p, content="第二项措施", deadline=p.deadline, by=None)
        services.measure_progress(measure=p.measures.first(), progress=20, note="推进", by=None)
    assert _queries(campaign) == few == 5  # count, ids, then problems + measures + latest updates per chunk


def test_template_has_the_header_and_an_example_that_imports(org, campaign):
    ws = load_workbook(io.BytesIO(ledger_template())).worksheets[0]
    assert [c.value for c in ws[2]][: len(STANDARD)] == STANDARD
    assert ws["B3"].value
