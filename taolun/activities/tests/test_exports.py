"""The attendance sheet (.xlsx) and the record of the meeting (.pdf): content, masking, access."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import shared_org
from taolun.activities import checkin, records, services
from taolun.activities.exports import attendance_workbook
from taolun.activities.record_pdf import record_pdf
from taolun.orgs.selectors import pii_checker

from .conftest import at, code_at, image_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))

HEADERS = ("序号", "姓名", "单位", "职务", "手机号", "出席情况", "签到时间", "签到方式", "请假事由", "是否发言")


@pytest.fixture
def held(org, make_activity, make_person, invite):
    """A study session of street A that ended an hour ago: 张三 checked in with the code and spoke,
    王五 was excused, 赵六 asked for leave (undecided), 钱七 stayed away, 孙八 walked in uninvited."""
    liaison = org.user("liaison")
    activity = make_activity(
        title="学习研讨会（第一期）",
        start_at=at(hours=-3),
        end_at=at(hours=-1),
        place="街道会议室",
        host="周主任",
        allow_walk_in=True,
        by=liaison,
    )
    excused = make_person(name="王五", phone="13700002222", position="副主任")
    pending = make_person(name="赵六", phone="13600003333")
    absent = make_person(name="钱七", phone="13500004444")
    walk_in = make_person(name="孙八", phone="13400005555")
    invite(activity, org.person_a, excused, pending, absent, by=liaison)
    during = at(hours=-2)
    checkin.checkin_by_code(activity=activity, person=org.person_a, code=code_at(activity, during), by=None, now=during)
    checkin.checkin_by_code(activity=activity, person=walk_in, code=code_at(activity, during), by=None, now=during)
    invitations = {i.person.name: i for i in activity.invitations.select_related("person", "activity__unit")}
    checkin.leave_request(invitation=invitations["王五"], reason="外出培训", by=None, now=at(hours=-4))
    checkin.leave_decide(invitation=invitations["王五"], approve=True, by=liaison)
    checkin.leave_request(invitation=invitations["赵六"], reason="身体不适", by=None, now=at(hours=-4))
    records.speech_save(activity=activity, person=org.person_a, content="结合本单位实际谈体会。", by=liaison)
    return activity


def sheet_rows(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def people_rows(rows: list[tuple]) -> dict[str, dict]:
    header = rows.index(HEADERS)
    found = {}
    for row in rows[header + 1 :]:
        if row[0] is None:
            break
        found[row[1]] = dict(zip(HEADERS, row, strict=True))
    return found


def summary(rows: list[tuple]) -> dict[str, object]:
    return {row[1]: row[2] for row in rows if row[0] is None and row[1]}


def test_sheet_has_title_particulars_and_headers(org, held):
    rows = sheet_rows(attendance_workbook(held, unmasked_check=pii_checker(org.user("office"))))
    assert rows[0][0] == "学习研讨会（第一期）"
    assert "甲街道" in rows[1][0] and "街道会议室" in rows[1][0] and "周主任" in rows[1][0]
    assert rows[2] == HEADERS


def test_sheet_header_row_is_frozen_and_columns_are_wide_enough(org, held):
    ws = load_workbook(io.BytesIO(attendance_workbook(held, unmasked_check=lambda p: False))).active
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["C"].width >= 20  # 单位
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}


def test_sheet_says_how_each_invitee_attended(org, held):
    people = people_rows(sheet_rows(attendance_workbook(held, unmasked_check=lambda p: True)))
    assert people["张三"]["出席情况"] == "已签到"
    assert people["张三"]["签到方式"] == "扫码签到"
    assert people["张三"]["签到时间"] is not None
    assert people["张三"]["是否发言"] == "是"
    assert people["王五"]["出席情况"] == "请假（已准假）"
    assert people["王五"]["请假事由"] == "外出培训"
    assert people["王五"]["职务"] == "副主任"
    assert people["赵六"]["出席情况"] == "请假待批"
    assert people["钱七"]["出席情况"] == "缺席"
    assert people["钱七"]["是否发言"] == "否"
    assert people["孙八"]["出席情况"] == "已签到（未受邀）"
    assert [p["序号"] for p in people.values()] == [1, 2, 3, 4, 5]
    assert list(people)[-1] == "孙八"  # walk-ins after the invitees


def test_sheet_check_in_time_is_local_time(org, held):
    people = people_rows(sheet_rows(attendance_workbook(held, unmasked_check=lambda p: True)))
    attended = timezone.localtime(held.attendances.get(person=org.person_a).checked_in_at)
    assert people["张三"]["签到时间"] == attended.replace(tzinfo=None, microsecond=0)


def test_sheet_summary_counts_expected_present_and_rate(org, held):
    rows = summary(sheet_rows(attendance_workbook(held, unmasked_check=lambda p: False)))
    assert rows["应邀人数"] == 4
    assert rows["请假（已准假）"] == 1
    assert rows["应到"] == 3
    assert rows["实到"] == 1
    assert rows["未受邀签到"] == 1
    assert rows["出席率"] == "33.3%"


def test_office_sees_phone_numbers_in_clear(org, held):
    people = people_rows(sheet_rows(attendance_workbook(held, unmasked_check=pii_checker(org.user("office")))))
    assert people["张三"]["手机号"] == "13800001234"
    assert people["孙八"]["手机号"] == "13400005555"


def test_liaison_gets_phone_numbers_masked(org, held):
    people = people_rows(sheet_rows(attendance_workbook(held, unmasked_check=pii_checker(org.user("liaison")))))
    assert people["张三"]["手机号"] == "138****1234"
    assert people["王五"]["手机号"] == "137****2222"
    assert people["孙八"]["手机号"] == "134****5555"


def test_before_the_activity_ends_nobody_is_absent_yet(org, make_activity, make_person, invite):
    activity = make_activity(start_at=at(hours=2))
    invite(activity, make_person(name="周九"))
    people = people_rows(sheet_rows(attendance_workbook(activity, unmasked_check=lambda p: False)))
    assert people["周九"]["出席情况"] == "未签到"


def test_sheet_reads_in_the_same_number_of_queries_for_more_invitees(org, make_activity, make_person, invite):
    def queries(n: int) -> int:
        activity = make_activity()
        people = [make_person(phone=f"1390000{i:04d}") for i in range(n)]
        invite(activity, *people)
        checker = pii_checker(org.user("liaison"))
        with CaptureQueriesContext(connection) as ctx:
            attendance_workbook(activity, unmasked_check=checker)
        return len(ctx.captured_queries)

    assert queries(2) == queries(25)


# --- the record (PDF) ------------------------------------------------------------------------------


def page_text(page) -> str:
    # pypdf does not apply the embedded CID encoding CMap and leaves a NUL before each character.
    return (page.extract_text() or "").replace("\x00", "")


def pdf_text(data: bytes) -> str:
    return "\n".join(page_text(page) for page in PdfReader(io.BytesIO(data)).pages)


def test_record_is_a_pdf_with_the_cjk_font_embedded(org, held):
    data = record_pdf(held)
    assert data.startswith(b"%PDF")
    assert b"/FontFile" in data
    assert b"NotoSansCJK" in data


def test_record_holds_the_particulars_attendance_and_speeches(org, held):
    text = pdf_text(record_pdf(held))
    assert "学习研讨会（第一期）" in text
    assert "甲街道" in text and "街道会议室" in text and "周主任" in text
    assert "集中学习研讨" in text  # the campaign's label for the kind
    assert "应邀 4 人，请假 1 人，应到 3 人，实到 1 人，出席率 33.3%" in text
    assert "张三" in text and "甲一社区" in text
    assert "结合本单位实际谈体会。" in text
    assert "未确认" in text
    assert "第 1 页 / 共 1 页" in text


def test_record_shows_who_confirmed_it(org, held):
    services.activity_confirm(activity=held, by=org.user("office"))
    text = pdf_text(record_pdf(held))
    assert "已确认（office，" in text


def test_long_minutes_run_over_several_pages_with_page_numbers(org, held):
    paragraph = "坚持问题导向，聚焦群众反映强烈的突出问题，逐条研究整改措施，明确责任单位和完成时限。" * 12
    records.minutes_save(activity=held, minutes="\n\n".join([paragraph] * 12), by=org.user("liaison"))
    reader = PdfReader(io.BytesIO(record_pdf(held)))
    pages = len(reader.pages)
    assert pages >= 3
    assert f"第 {pages} 页 / 共 {pages} 页" in page_text(reader.pages[-1])
    assert "明确责任单位和完成时限" in page_text(reader.pages[1])


def test_unbroken_text_and_control_characters_still_make_a_record(org, held):
    link = "https://example.org/" + "a" * 400
    records.minutes_save(activity=held, minutes=f"见附件\x07链接：{link}\r\n第二段\t缩进", by=org.user("liaison"))
    text = pdf_text(record_pdf(held)).replace("\n", "")
    assert "a" * 100 in text
    assert "第二段" in text


def test_record_reads_in_the_same_number_of_queries_for_more_people_and_speeches(
    org, make_activity, make_person, invite
):
    def queries(n: int) -> int:
        activity = make_activity(kind="seminar")
        people = [make_person() for _ in range(n)]
        invite(activity, *people)
        checkin.attendance_mark(activity=activity, present=[p.pk for p in people], by=None)
        for person in people:
            records.speech_save(activity=activity, person=person, content="发言。", by=None)
        with CaptureQueriesContext(connection) as ctx:
            record_pdf(activity)
        return len(ctx.captured_queries)

    assert queries(2) == queries(12)


def test_speeches_appear_in_their_order(org, held, make_person, invite):
    liaison = org.user("liaison")
    second = make_person(name="吴十")
    invite(held, second, by=liaison)
    records.speech_save(activity=held, person=second, content="第二位发言的内容。", by=liaison)
    text = pdf_text(record_pdf(held))
    assert text.index("1. 张三") < text.index("2. 吴十") < text.index("第二位发言的内容。")


def test_inspection_record_has_places_opinions_evaluation_and_proposals(org, campaign, make_activity):
    liaison = org.user("liaison")
    dimension = campaign.dimensions.order_by("order").first()
    activity = make_activity(kind="inspection", title="视察老旧小区改造", dimensions=[dimension], by=liaison)
    records.inspection_save(
        activity=activity,
        places_visited=["甲一社区服务中心", "幸福里小区"],
        evaluation="改造进度总体较快。",
        proposals="建议加快加装电梯审批。",
        by=liaison,
    )
    records.opinion_add(
        activity=activity,
        content="希望增加停车位。",
        dimension=dimension,
        source_kind="public",
        source_name="居民刘某",
        place="幸福里小区",
        by=liaison,
    )
    text = pdf_text(record_pdf(activity))
    for expected in ("视察活动", "甲一社区服务中心", "幸福里小区", "希望增加停车位。", "居民刘某", "群众"):
        assert expected in text
    assert dimension.title in text
    assert "改造进度总体较快。" in text and "建议加快加装电梯审批。" in text


def test_record_embeds_photo_thumbnails(org, held, media):
    upload = SimpleUploadedFile("现场.jpg", image_bytes(size=(640, 480)), content_type="image/jpeg")
    records.attachment_add(activity=held, upload=upload, kind="photo", caption="会议现场", by=org.user("liaison"))
    data = record_pdf(held)
    assert b"/Subtype /Image" in data
    assert "会议现场" in pdf_text(data)


def test_record_of_a_study_session_has_no_inspection_sections(org, held):
    assert "视察评议" not in pdf_text(record_pdf(held))


# --- downloads -------------------------------------------------------------------------------------


def disposition_name(response) -> str:
    value = response["Content-Disposition"]
    assert value.startswith("attachment;")
    return unquote(value.split("filename*=UTF-8''", 1)[1])


def test_liaison_downloads_the_attendance_sheet(org, held, login):
    response = login(org.user("liaison")).get(reverse("activities:attendance_xlsx", args=[held.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Cache-Control"] == "no-store"
    assert disposition_name(response) == "签到表-学习研讨会（第一期）.xlsx"
    people = people_rows(sheet_rows(response.content))
    assert people["张三"]["手机号"] == "138****1234"


def test_office_download_shows_phone_numbers(org, held, login):
    response = login(org.user("office")).get(reverse("activities:attendance_xlsx", args=[held.pk]))
    assert people_rows(sheet_rows(response.content))["张三"]["手机号"] == "13800001234"


def test_record_download_is_a_pdf_attachment(org, held, login):
    response = login(org.user("liaison")).get(reverse("activities:record_pdf", args=[held.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert disposition_name(response) == "会议记录-学习研讨会（第一期）.pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("name", ["attendance_xlsx", "record_pdf"])
def test_liaison_of_another_street_cannot_download(org, held, login, name):
    response = login(org.user("liaison_b")).get(reverse(f"activities:{name}", args=[held.pk]))
    assert response.status_code in (403, 404)
    assert not response.content.startswith((b"%PDF", b"PK"))


def test_invitee_may_have_the_record_but_not_the_sheet_with_phone_numbers(org, held, login):
    client = login(org.user("cadre"))  # 张三's account, invited
    assert client.get(reverse("activities:record_pdf", args=[held.pk])).status_code == 200
    assert client.get(reverse("activities:attendance_xlsx", args=[held.pk])).status_code == 403


@pytest.mark.parametrize("name", ["attendance_xlsx", "record_pdf"])
def test_downloads_need_a_sign_in(org, held, login, name):
    response = login(None).get(reverse(f"activities:{name}", args=[held.pk]))
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_unknown_activity_is_404(org, login):
    assert login(org.user("office")).get(reverse("activities:record_pdf", args=[999999])).status_code == 404


def test_unsafe_characters_in_the_title_do_not_reach_the_file_name(org, make_activity, login):
    activity = make_activity(title='整改/落实:"回头看"')
    response = login(org.user("office")).get(reverse("activities:record_pdf", args=[activity.pk]))
    assert disposition_name(response) == "会议记录-整改_落实_回头看_.pdf"
    assert f'filename="record-{activity.pk}.pdf"' in response["Content-Disposition"]
