"""Importing an Excel ledger (台账导入): what rows become, and a broken ledger changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from conftest import shared_org
from taolun.campaigns import services as campaign_services
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.imports import ledger_import
from taolun.problems.ledger_xlsx import ledger_template, ledger_workbook
from taolun.problems.models import Measure, MeasureUpdate, Problem, ProblemStatus
from taolun.problems.selectors import LedgerFilter, filter_problems
from tests.factories import PersonFactory

from .conftest import campaign_start, days

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


def xlsx(rows: list[list[object]], header: list[str] = HEADER, *, title: str | None = None) -> io.BytesIO:
    workbook = Workbook()
    ws = workbook.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def run(file_obj, campaign, unit, *, by=None, dry_run=False, filename="台账.xlsx"):
    return ledger_import(file_obj=file_obj, filename=filename, campaign=campaign, unit=unit, by=by, dry_run=dry_run)


def row(content="审批环节多、时限长", source="自查", unit="甲街道", owner="", measures="", deadline=None, **extra):
    cells = {"updates": "", "result": "", "closed_on": None} | extra
    return [1, content, source, unit, owner, measures, deadline, cells["updates"], cells["result"], cells["closed_on"]]


def test_rows_become_problems_with_measures_status_and_numbers(org, campaign, owner, make_problem):
    existing = make_problem()
    deadline = days(60)
    header = [*HEADER, "整改标准", "短板类别"]
    file = xlsx(
        [
            [*row(content="只有内容的问题"), "", ""],
            [
                *row(
                    content="五个明确齐全的问题",
                    source="视察意见",
                    unit="C-A1",
                    owner="赵科长",
                    measures=(
                        f"1. 梳理清单（赵科长，{days(30).isoformat()}）\n2. 召开座谈会（每月一次）\n"
                        f"3. 建立台账（孙干事，{days(45).isoformat()}）"
                    ),
                    deadline=deadline,
                ),
                "审批时限压缩一半",
                "体制机制短板",
            ],
        ],
        header,
        title="某某问题清单整改台账",
    )
    report = run(file, campaign, org.street_a)
    assert report.ok, report.errors
    assert report.written and (report.problems, report.measures) == (2, 3)
    found, confirmed = Problem.objects.filter(campaign=campaign).exclude(pk=existing.pk).order_by("number")
    assert (found.number, confirmed.number) == (existing.number + 1, existing.number + 2)
    assert found.status == ProblemStatus.FOUND and found.unit == org.street_a and found.measure_count == 0
    assert confirmed.status == ProblemStatus.CONFIRMED
    assert (confirmed.unit, confirmed.owner, confirmed.source) == (org.community_a, owner, "inspection")
    assert confirmed.category.title == "体制机制短板"
    assert confirmed.original_deadline == deadline and confirmed.confirmed_at is not None
    assert (confirmed.measure_count, confirmed.due_on, confirmed.progress) == (3, days(30), 0)
    first, second, third = confirmed.measures.order_by("order")
    assert (first.content, first.owner, first.deadline) == ("梳理清单", owner, days(30))
    assert (second.content, second.owner, second.deadline) == ("召开座谈会（每月一次）", None, deadline)
    # Someone the roster does not know is kept as written; without a date, "（孙干事）" would stay in the text.
    assert (third.content, third.owner, third.owner_name, third.deadline) == ("建立台账", None, "孙干事", days(45))
    assert AuditEntry.objects.filter(action="problems.import").count() == 2
    summary = AuditEntry.objects.get(action="problems.ledger.import")
    assert summary.after["problems"] == 2 and summary.note == "台账.xlsx"


def test_progress_and_closing_are_imported(org, campaign, owner):
    header = [*HEADER, "整改标准"]
    measures = f"1. 梳理清单（赵科长，{days(10).isoformat()}）\n2. 建立机制（{days(20).isoformat()}）"
    progress = f"1. {days(-3).isoformat()} 已梳理事项86项（60%）\n2. 已起草制度（20％）"
    closed = days(-30).strftime("%Y年%m月%d日")  # ten days after its deadline
    file = xlsx(
        [
            [*row(owner="赵科长", measures=measures, deadline=days(30), updates=progress), "标准"],
            [
                *row(
                    content="已销号的问题", measures="整改到位", deadline=days(-40), result="已完成", closed_on=closed
                ),
                "",
            ],
        ],
        header,
    )
    report = run(file, campaign, org.street_a)
    assert report.ok, report.errors
    rectifying, closed_problem = Problem.objects.filter(campaign=campaign).order_by("number")
    assert rectifying.status == ProblemStatus.RECTIFYING and rectifying.progress == 40
    first, second = rectifying.measures.order_by("order")
    assert (first.progress, second.progress, second.owner_name) == (60, 20, "")
    update = MeasureUpdate.objects.get(measure=first)
    assert (update.happened_on, update.progress, update.note) == (days(-3), 60, "已梳理事项86项")
    assert MeasureUpdate.objects.get(measure=second).happened_on == days(0)  # no date given: the day of import
    assert closed_problem.status == ProblemStatus.CLOSED
    assert closed_problem.result == "已完成" and closed_problem.closed_on_time is False
    assert closed_problem.progress == 100 and closed_problem.measures.get().deadline == days(-40)


def test_export_then_import_into_another_campaign_gives_the_same_ledger(org, campaign, make_problem, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_problem(content="只查摆的问题", source="discussion")
    confirmed = make_problem(confirmed=True, deadline=days(50), measure_deadline=days(25))
    services.measure_add(problem=confirmed, content="推行“一网通办”", deadline=days(50), owner_name="钱主任", by=None)
    services.measure_progress(measure=confirmed.measures.first(), progress=50, note="过半", by=None)
    closed = make_problem(confirmed=True, unit=org.community_a)
    services.measure_progress(
        measure=closed.measures.get(),
        progress=100,
        note="完成",
        by=None,
        files=[SimpleUploadedFile("证.pdf", b"%PDF-1.4\n", content_type="application/pdf")],
    )
    services.problem_finish(problem=closed, result="已整改到位", by=None)
    services.problem_close(problem=closed, by=None)
    data = ledger_workbook(filter_problems(Problem.objects.all(), LedgerFilter(campaign=campaign)), campaign=campaign)
    other = campaign_services.campaign_create(
        plan=campaign.plan, root_unit=org.district, slug="xihu-2", start_date=campaign_start(), by=None
    )
    report = run(io.BytesIO(data), other, org.district)
    assert report.ok, report.errors

    def ledger(c):
        problems = []
        for p in Problem.objects.filter(campaign=c).order_by("number"):
            measures = [
                (m.content, m.owner_id, m.owner_name, m.deadline, m.progress) for m in p.measures.order_by("order")
            ]
            category = p.category.key if p.category else None
            problems.append(
                (p.content, p.source, p.unit_id, p.owner_id, p.standard, p.deadline, p.result, category, measures)
            )
        return problems

    assert ledger(other) == ledger(campaign)
    statuses = list(Problem.objects.filter(campaign=other).order_by("number").values_list("status", flat=True))
    assert statuses == [ProblemStatus.FOUND, ProblemStatus.RECTIFYING, ProblemStatus.CLOSED]


def test_a_broken_ledger_changes_nothing_and_names_each_bad_row(org, campaign):
    before = (Problem.objects.count(), Measure.objects.count(), AuditEntry.objects.count())
    file = xlsx(
        [
            row(content="时限写错", deadline="2024年13月40日"),
            row(content="单位不存在", unit="丙街道"),
            row(content="来源不认识", source="上级交办"),
            row(content=""),
            row(content="措施晚于时限", measures=f"1. 梳理（{days(40).isoformat()}）", deadline=days(30)),
            row(content="单位在别的街道", unit="乙街道"),
            row(content="好的一行"),
        ]
    )
    report = run(file, campaign, org.street_a)
    assert not report.ok and not report.written
    where = {(e.row, e.column) for e in report.errors}
    assert where == {
        (2, "整改时限"),
        (3, "责任单位"),
        (4, "问题来源"),
        (5, "问题内容"),
        (6, "整改措施"),
        (7, "责任单位"),
    }
    messages = {e.row: e for e in report.errors}
    assert "2024年13月40日" in messages[2].message and "2024-06-30" in messages[2].hint
    assert "上级交办" in messages[4].message and "督导检查" in messages[4].hint
    assert "晚于整改时限" in messages[6].message
    assert (Problem.objects.count(), Measure.objects.count(), AuditEntry.objects.count()) == before


def test_owners_must_be_on_the_units_roster(org, campaign, owner):
    PersonFactory(unit=org.community_a, name="重名")
    PersonFactory(unit=org.street_a, name="重名", code="P-2")
    PersonFactory(unit=org.street_a, name="街道的人")
    PersonFactory(unit=org.street_b, name="乙街道的人")
    file = xlsx(
        [
            row(owner="查无此人"),
            row(owner="重名"),
            row(unit="甲一社区", owner="街道的人"),
            row(owner="乙街道的人"),
            row(owner="重名（P-2）"),
            row(unit="甲一社区", owner="赵科长"),
        ]
    )
    report = run(file, campaign, org.street_a)
    errors = {e.row: e for e in report.errors}
    assert set(errors) == {2, 3, 4, 5}
    assert "甲街道”的名册中没有“查无此人" in errors[2].message and "补录" in errors[2].hint
    assert "姓名（人员编号）" in errors[3].hint and "P-2" in errors[3].hint
    assert "不在责任单位“甲一社区”" in errors[4].message
    assert "乙街道的人" in errors[5].message
    assert Problem.objects.count() == 0


def test_the_header_is_found_under_a_title_in_any_order_with_extra_columns(org, campaign):
    header = ["备注", "责任单位", "问题内容", "问题来源", "整改时限"]
    deadline = dt.datetime.combine(days(100), dt.time.min)
    file = xlsx([["无关", "甲街道", "内容", "督导检查", deadline]], header, title="标题行")
    report = run(file, campaign, org.street_a)
    assert report.ok, report.errors
    problem = Problem.objects.get()
    assert (problem.source, problem.deadline) == ("spot_check", days(100))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-06-30", dt.date(2030, 6, 30)),
        ("2030年6月30日", dt.date(2030, 6, 30)),
        ("2030/6/30", dt.date(2030, 6, 30)),
        ("2030年6月底", dt.date(2030, 6, 30)),
    ],
)
def test_dates_may_be_written_as_offices_write_them(org, campaign, text, expected):
    campaign.end_date = dt.date(2029, 12, 31)
    campaign.save()
    report = run(xlsx([row(deadline=text)]), campaign, org.street_a)
    assert report.ok, report.errors
    assert Problem.objects.get().deadline == expected


def test_dry_run_checks_everything_and_writes_nothing(org, campaign):
    report = run(xlsx([row(), row(content="第二个")]), campaign, org.street_a, dry_run=True)
    assert report.ok and not report.written and report.problems == 2
    assert Problem.objects.count() == 0 and not AuditEntry.objects.filter(action__startswith="problems.").exists()


def test_too_many_rows_is_refused(org, campaign, settings):
    settings.PROBLEMS_IMPORT_MAX_ROWS = 3
    report = run(xlsx([row(content=f"问题{i}") for i in range(4)]), campaign, org.street_a)
    (error,) = report.errors
    assert "3 行的上限" in error.message and Problem.objects.count() == 0


def _zip_without_workbook() -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    out.seek(0)
    return out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (io.BytesIO(b"id,content\n1,x\n"), "不是 Excel .xlsx 文件"),
        (io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100), "旧版 Excel .xls"),
        (_zip_without_workbook(), "不是 Excel .xlsx 文件"),
        (io.BytesIO(b""), "文件是空的"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(org, campaign, content, message):
    report = run(content, campaign, org.street_a)
    (error,) = report.errors
    assert message in error.message and error.row is None
    assert Problem.objects.count() == 0


def test_a_missing_required_column_is_named(org, campaign):
    report = run(xlsx([["甲街道", "内容", "x"]], ["责任单位", "问题内容", "责任人"]), campaign, org.street_a)
    (error,) = report.errors
    assert "问题来源" in error.message and error.row == 1


def test_the_template_example_imports_once_its_unit_and_people_exist(org, campaign):
    from tests.factories import make_unit

    data = ledger_template()
    report = run(io.BytesIO(data), campaign, org.district, dry_run=True)
    assert [e.column for e in report.errors] == ["责任单位"]  # 示例街道 is not on this roster
    street = make_unit("示例街道", parent=org.district, kind="street", code="S-X")
    PersonFactory(unit=street, name="张三")
    report = run(io.BytesIO(data), campaign, org.district)
    assert report.ok, report.errors
    problem = Problem.objects.get()
    assert problem.status == ProblemStatus.RECTIFYING and problem.measure_count == 2
    assert problem.measures.get(order=2).owner_name == "李四"


def test_only_those_covering_the_unit_may_import(org, campaign):
    with pytest.raises(PermissionDenied):
        run(xlsx([row()]), campaign, org.street_b, by=org.users["liaison"])
    with pytest.raises(PermissionDenied):
        run(xlsx([row()]), campaign, org.street_a, by=org.users["cadre"])
    report = run(xlsx([row()]), campaign, org.street_a, by=org.users["liaison"])
    assert report.written
    assert Problem.objects.get().created_by == org.users["liaison"]


def test_the_unit_must_lie_within_the_campaign(org, campaign):
    from tests.factories import make_unit

    elsewhere = make_unit("外区", kind="district", code="D-X")
    with pytest.raises(ValidationError):
        run(xlsx([row(unit="外区")]), campaign, elsewhere)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1. 甲；2. 乙\n3、丙\n续行\n（4）丁\n⑤戊", [(1, "甲"), (2, "乙"), (3, "丙\n续行"), (4, "丁"), (5, "戊")]),
        ("无编号一\n\n无编号二", [(None, "无编号一"), (None, "无编号二")]),
        ("1.5万元资金到位", [(None, "1.5万元资金到位")]),
    ],
)
def test_a_cell_of_measures_is_read_item_by_item(cell, expected):
    from taolun.problems.ledger_format import items

    assert items(cell) == expected


@pytest.mark.parametrize(
    ("line", "content", "owner", "deadline"),
    [
        ("梳理清单（赵科长，2030-06-30）", "梳理清单", "赵科长", dt.date(2030, 6, 30)),
        ("建立机制(2030/6/30)", "建立机制", "", dt.date(2030, 6, 30)),
        ("建立机制（张三 2030年6月30日）。", "建立机制", "张三", dt.date(2030, 6, 30)),
        ("召开座谈会（每月一次）", "召开座谈会（每月一次）", "", None),
        ("约谈企业（赵科长）", "约谈企业", "赵科长", None),  # a name the roster knows
    ],
)
def test_a_measure_line_may_end_with_its_owner_and_deadline(line, content, owner, deadline):
    from taolun.problems.ledger_format import split_measure

    parsed = split_measure(line, known_name=lambda name: name == "赵科长")
    assert (parsed.content, parsed.owner, parsed.deadline) == (content, owner, deadline)


def _import_queries(org, campaign, n: int, offset: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [
        row(
            content=f"问题{offset + i}", owner="赵科长", unit="甲一社区", measures="1. 梳理\n2. 整改", deadline=days(30)
        )
        for i in range(n)
    ]
    with CaptureQueriesContext(connection) as ctx:
        report = run(xlsx(rows), campaign, org.street_a)
    assert report.written, report.errors
    return len(ctx.captured_queries)


def test_import_query_count_does_not_grow_with_rows(org, campaign, owner):
    assert _import_queries(org, campaign, 3, 0) == _import_queries(org, campaign, 30, 100)
