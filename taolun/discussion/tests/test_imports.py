"""Offline input by CSV: every row checked and reported by its spreadsheet row, all rows or nothing, then
created in bulk with their search entries, routing, deadlines, screening and audit."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from conftest import require_postgres
from taolun.core.models import AuditEntry, Notification
from taolun.discussion import services
from taolun.discussion.imports import TEMPLATE_HEADER, import_offline, parse_time, template_csv
from taolun.discussion.models import AnswerState, SearchEntry, Source, Suggestion, Visibility
from taolun.discussion.search import matching
from taolun.discussion.selectors import search_entries
from tests.factories import make_unit

pytestmark = pytest.mark.django_db

BODY = "小区门前的道路坑洼不平，雨天积水严重，老人孩子出行很不方便，希望尽快修补。"


def row(**cells: str) -> dict[str, str]:
    base = {"主题": "1", "类型": "建议", "标题": "", "内容": BODY, "来源": "书面意见"}
    base.update(cells)
    return base


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or TEMPLATE_HEADER, extrasaction="ignore")
    writer.writeheader()
    for cells in rows:
        writer.writerow(cells)
    return out.getvalue().encode(encoding)


def run(campaign, data: bytes, by=None, filename: str = "意见.csv"):
    return import_offline(campaign=campaign, data=data, filename=filename, by=by)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_rows_are_created_from_utf8_bom_and_gb18030_files(org, campaign, encoding):
    office = org.user("office")
    rows = [
        row(
            主题="紧紧围绕提振信心进行深入讨论",
            标题="修补小区门前道路",
            来源编号="SM-1",
            反映人="王先生",
            联系电话="138 0000 1234",
            反映时间="2019/2/28 11:25:05",
        ),
        row(主题="work-style", 类型="投诉", 来源="12345热线", 来源编号="RX-1", 反映时间="2019-02-28"),
        row(主题="对标先进", 类型="咨询", 来源="走访调研", 内容="请问社区养老服务中心什么时候开放？我家老人想去。"),
        row(主题="4. 紧紧围绕“六项重点工作”进行深入讨论", 类型="投诉类", 来源="市长热线", 来源编号="RX-2"),
    ]
    result = run(campaign, csv_bytes(rows, encoding=encoding), by=office)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.held) == (4, 0)
    first, second, third, fourth = Suggestion.objects.filter(campaign=campaign).order_by("pk")
    themes = {t.key: t for t in campaign.themes.all()}
    assert first.theme == themes["confidence"] and second.theme == themes["work-style"]
    assert third.theme == themes["benchmarking"]
    assert (first.title, first.source, first.source_ref) == ("修补小区门前道路", Source.PAPER, "SM-1")
    assert (first.submitter_name, first.submitter_phone) == ("王先生", "13800001234")
    assert first.author is None and first.imported_by == office
    assert first.status == Visibility.PUBLISHED
    tz = timezone.get_current_timezone()
    assert first.published_at == dt.datetime(2019, 2, 28, 11, 25, 5, tzinfo=tz) == first.created_at
    assert (second.kind, second.source) == ("complain", Source.HOTLINE)
    assert second.published_at == dt.datetime(2019, 2, 28, tzinfo=tz)
    # No title: the body's first sentence; no time: now.
    assert third.title == "请问社区养老服务中心什么时候开放？"
    assert third.kind == "ask" and third.source == Source.INSPECTION
    assert timezone.now() - third.published_at < dt.timedelta(minutes=1)
    assert (fourth.theme, fourth.kind, fourth.source) == (themes["key-tasks"], "complain", Source.HOTLINE)
    assert first.content_hash and first.content_hash != second.content_hash
    audit = AuditEntry.objects.filter(action="discussion.suggestion_import")
    assert audit.count() == 4 and audit.filter(object_id=str(first.pk), actor=office).exists()
    summary = AuditEntry.objects.get(action="discussion.import")
    assert summary.after["created"] == 4 and summary.after["file"] == "意见.csv"


def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_written(org, campaign):
    rows = [
        row(来源编号="OK-1"),  # row 2: fine
        row(主题=""),  # 3
        row(主题="不存在的主题"),  # 4
        row(类型="表扬"),  # 5
        row(来源="网上留言"),  # 6
        row(来源="微信"),  # 7
        row(标题="长" * 61),  # 8
        row(内容=""),  # 9
        row(内容="多" * 3001),  # 10
        row(联系电话="12345"),  # 11
        row(反映时间="去年春天"),  # 12
        row(反映时间="2099-01-01"),  # 13
        row(承办单位="没有这个单位"),  # 14
        row(反映人="名" * 61, 来源编号="号" * 61),  # 15
        row(来源编号="OK-1"),  # 16: the same number as row 2
        row(标题="短"),  # 17
        row(内容="？？？……"),  # 18: nothing to make a title of
    ]
    result = run(campaign, csv_bytes(rows), by=org.user("office"))
    assert not result.ok and result.created == 0
    found = {(e.row, e.field) for e in result.errors}
    assert found == {
        (3, "主题"),
        (4, "主题"),
        (5, "类型"),
        (6, "来源"),
        (7, "来源"),
        (8, "标题"),
        (9, "内容"),
        (10, "内容"),
        (11, "联系电话"),
        (12, "反映时间"),
        (13, "反映时间"),
        (14, "承办单位"),
        (15, "反映人"),
        (15, "来源编号"),
        (16, "来源编号"),
        (17, "标题"),
        (18, "标题"),
    }
    messages = {(e.row, e.field): e.message for e in result.errors}
    assert "书面意见" in messages[(6, "来源")] and "不能导入" in messages[(6, "来源")]
    assert "第 2 行" in messages[(16, "来源编号")]
    assert "3000" in messages[(10, "内容")]
    assert "2019/2/28" in messages[(12, "反映时间")]
    assert str(result.errors[0]).startswith("第 3 行［主题］：")
    assert not Suggestion.objects.exists() and not SearchEntry.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="discussion.").exists()


def test_blank_rows_are_skipped_and_row_numbers_count_the_header_and_blank_lines(org, campaign):
    data = csv_bytes([row(), {}, row(类型="表扬")])
    result = run(campaign, data)
    assert [(e.row, e.field) for e in result.errors] == [(4, "类型")]


def test_file_level_problems(org, campaign, settings):
    assert run(campaign, b"").errors[0].row is None
    no_body = run(campaign, "主题,来源\n1,书面意见\n".encode())
    assert no_body.errors[0].row == 1 and "内容" in no_body.errors[0].message
    header_only = run(campaign, csv_bytes([]))
    assert not header_only.ok and "没有数据" in header_only.errors[0].message
    workbook = run(campaign, b"PK\x03\x04rest-of-a-zip", filename="意见.xlsx")
    assert "另存为" in workbook.errors[0].message
    settings.DISCUSSION_IMPORT_MAX_ROWS = 3
    too_many = run(campaign, csv_bytes([row(来源编号=f"N{i}") for i in range(4)]))
    assert not too_many.ok and "3" in too_many.errors[0].message
    assert len(too_many.errors) == 1
    settings.DISCUSSION_IMPORT_MAX_BYTES = 100
    too_big = run(campaign, csv_bytes([row()]))
    assert not too_big.ok and "MB" in too_big.errors[0].message
    assert not Suggestion.objects.exists()


def test_aliases_and_column_order_and_a_required_mark_in_the_header(org, campaign):
    header = ["留言编号", "内容*", "来源", "主题（必填）", "留言时间", "备注"]
    data = csv_bytes(
        [
            {
                "留言编号": "188006",
                "内容*": BODY,
                "来源": "12345",
                "主题（必填）": "2",
                "留言时间": "2019/2/14 20:00",
                "备注": "x",
            }
        ],
        header=header,
    )
    result = run(campaign, data)
    assert result.ok, [str(e) for e in result.errors]
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.source_ref, suggestion.theme.order) == (Source.HOTLINE, "188006", 2)


def test_source_numbers_already_imported_are_refused(org, campaign):
    assert run(campaign, csv_bytes([row(来源编号="A-1"), row(来源编号="A-2")])).ok
    again = run(campaign, csv_bytes([row(来源编号="A-3"), row(来源编号="A-2")]))
    assert not again.ok
    assert [(e.row, e.field) for e in again.errors] == [(3, "来源编号")]
    assert "已导入过" in again.errors[0].message
    # The same number from another source is another record.
    assert run(campaign, csv_bytes([row(来源编号="A-2", 来源="座谈会")])).ok
    assert Suggestion.objects.count() == 3


def test_department_by_code_or_name_within_the_campaign_routes_with_the_kinds_deadline(org, campaign):
    outside = make_unit("外区发展和改革局", kind="department", code="OUT-FG")
    same_name_a = make_unit("综合办", parent=org.street_a, code="S-A-ZH")
    make_unit("综合办", parent=org.street_b, code="S-B-ZH")
    forum = services.forum_of(campaign)
    services.forum_update(forum=forum, by=None, days_complain=4)
    before = timezone.now()
    ok = run(
        campaign,
        csv_bytes(
            [
                row(承办单位="DEP-FG", 类型="投诉"),
                row(承办单位="甲街道"),
                row(承办单位="S-A-ZH"),
            ]
        ),
    )
    assert ok.ok and ok.routed == 3
    by_code, by_name, by_code_of_shared_name = Suggestion.objects.order_by("pk")
    assert by_code.department == org.department and by_code.answer_state == AnswerState.ASSIGNED
    assert by_code.assigned_at >= before
    assert by_code.due_at - by_code.assigned_at == dt.timedelta(days=4)
    assert by_name.department == org.street_a
    assert by_name.due_at - by_name.assigned_at == dt.timedelta(days=forum.days_suggest)
    assert by_code_of_shared_name.department == same_name_a
    bad = run(campaign, csv_bytes([row(承办单位="综合办"), row(承办单位=outside.code), row(承办单位=outside.name)]))
    assert [(e.row, e.field) for e in bad.errors] == [(2, "承办单位"), (3, "承办单位"), (4, "承办单位")]
    assert "S-A-ZH" in bad.errors[0].message and "单位代码" in bad.errors[0].message


def test_routing_rules_route_rows_without_a_department_and_notify_once_per_department(
    org, campaign, dept_liaison, django_capture_on_commit_callbacks
):
    themes = list(campaign.themes.order_by("order"))
    services.routing_rule_set(campaign=campaign, theme=themes[0], department=org.street_a, by=None)
    services.routing_rule_set(campaign=campaign, theme=None, department=org.department, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        result = run(campaign, csv_bytes([row(主题="1"), row(主题="2"), row(主题="3", 类型="求助")]))
    assert result.ok and result.routed == 3
    first, second, third = Suggestion.objects.order_by("pk")
    assert first.department == org.street_a
    assert second.department == third.department == org.department
    assert third.due_at - third.assigned_at == dt.timedelta(days=services.forum_of(campaign).days_help)
    # The department's liaison hears of both in one notice; the street's liaison of theirs.
    notices = Notification.objects.filter(recipient=dept_liaison)
    assert notices.count() == 1 and "2 条" in notices.get().title
    assert Notification.objects.filter(recipient=org.user("liaison")).count() == 1


def test_a_row_without_a_rule_or_department_waits_for_the_office(org, campaign):
    assert run(campaign, csv_bytes([row()])).ok
    suggestion = Suggestion.objects.get()
    assert suggestion.answer_state == AnswerState.UNROUTED and suggestion.department is None
    assert suggestion.due_at is None


def test_a_sensitive_word_holds_the_row_for_a_moderator(org, campaign, words, route_to_department):
    words("代开发票")
    result = run(
        campaign,
        csv_bytes([row(内容="小区门口有人贴小广告，写着代 开 發 票，希望有关部门清理。"), row(来源编号="fine")]),
    )
    assert result.ok and (result.created, result.held, result.routed) == (2, 1, 1)
    held, fine = Suggestion.objects.order_by("pk")
    assert held.status == Visibility.PENDING and held.screen_hits == ["代开发票"]
    assert held.published_at is None and held.answer_state == AnswerState.UNROUTED
    assert fine.status == Visibility.PUBLISHED
    assert not SearchEntry.objects.get(object_id=held.pk).is_public
    assert not search_entries(campaign, "小广告").exists()
    # Approving it publishes it and routes it by the rule, as for a post.
    services.moderate(item=held, action="approve", by=org.user("office"))
    held.refresh_from_db()
    assert held.status == Visibility.PUBLISHED and held.answer_state == AnswerState.ASSIGNED
    assert search_entries(campaign, "小广告").exists()


def test_imported_text_is_found_by_search(org, campaign):
    assert run(campaign, csv_bytes([row(内容="建议在溪湖公园增设健身步道和公共厕所，方便晨练的居民。")])).ok
    suggestion = Suggestion.objects.get()
    entries = search_entries(campaign, "健身步道")
    assert [e.object_id for e in entries] == [suggestion.pk]
    assert list(matching("公共厕所").values_list("object_id", flat=True)) == [suggestion.pk]
    assert not search_entries(campaign, "游泳馆").exists()


@pytest.mark.postgres
def test_imported_text_is_found_through_the_postgres_tsvector(org, campaign):
    require_postgres()
    assert run(campaign, csv_bytes([row(内容="建议在溪湖公园增设健身步道和公共厕所，方便晨练的居民。")])).ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsv IS NOT NULL FROM discussion_searchentry")
        assert cursor.fetchall() == [(True,)]
    assert search_entries(campaign, "健身步道").count() == 1


def test_a_liaison_may_not_import_and_the_office_of_another_area_neither(org_mixed_roles, campaign):
    for user in (org_mixed_roles.user("liaison"), org_mixed_roles.user("office_a"), org_mixed_roles.user("citizen")):
        with pytest.raises(PermissionDenied):
            run(campaign, csv_bytes([row()]), by=user)
    assert not Suggestion.objects.exists()


def test_times_in_common_formats():
    tz = timezone.get_current_timezone()
    expected = dt.datetime(2019, 2, 28, 11, 25, 5, tzinfo=tz)
    for text in ("2019/2/28 11:25:05", "2019-02-28 11:25:05", "2019-02-28T11:25:05", "2019年2月28日 11:25:05"):
        assert parse_time(text) == expected, text
    assert parse_time("2019.2.28") == dt.datetime(2019, 2, 28, tzinfo=tz)
    assert parse_time("20190228") == dt.datetime(2019, 2, 28, tzinfo=tz)
    assert parse_time("43524.5") == dt.datetime(2019, 2, 28, 12, tzinfo=tz)
    for bad in ("2019/2/30", "28/2/2019", "昨天"):
        with pytest.raises(ValueError):
            parse_time(bad)


def test_the_template_imports_as_it_is(org, campaign):
    result = run(campaign, template_csv())
    assert result.ok and result.created == 1


def test_excel_unicode_text_is_read_too(org, campaign):
    """Excel's “Unicode 文本” export: UTF-16 with BOM, tab-separated."""
    lines = ["\t".join(TEMPLATE_HEADER), "\t".join(["2", "建议", "", BODY, "座谈会", "ZT-1", "", "", "", ""])]
    result = run(campaign, ("\r\n".join(lines) + "\r\n").encode("utf-16"))
    assert result.ok, [str(e) for e in result.errors]
    assert Suggestion.objects.get().source == Source.MEETING
