"""The attendance sheet (签到表) of an activity as a workbook, and the helpers the printed record shares.
A pure function: the caller has checked who may have it. It reads the activity in a fixed number of
queries, whatever the number of invitees.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from taolun.core.xlsx import text_cell
from taolun.orgs.masking import mask_phone
from taolun.orgs.models import Person

from . import selectors
from .models import (
    Activity,
    CheckinMethod,
    InvitationStatus,
    Speech,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


def local_time(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def when_text(activity: Activity) -> str:
    """``2024-05-06 09:00—11:30``, or both dates when the activity spans several days."""
    start, end = local_time(activity.start_at), local_time(activity.end_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}—{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}—{end:%Y-%m-%d %H:%M}"


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- the attendance sheet (签到表) ----------------------------------------------------------------

SHEET_COLUMNS = [  # (header, width): widths in Excel character units, a Chinese character taking two
    (gettext_lazy("序号"), 6),
    (gettext_lazy("姓名"), 12),
    (gettext_lazy("单位"), 30),
    (gettext_lazy("职务"), 20),
    (gettext_lazy("手机号"), 15),
    (gettext_lazy("出席情况"), 16),
    (gettext_lazy("签到时间"), 18),
    (gettext_lazy("签到方式"), 12),
    (gettext_lazy("请假事由"), 32),
    (gettext_lazy("是否发言"), 10),
]
HEADER_ROW = 3
TITLE_FONT = Font(bold=True, size=16)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3EFEC")
CENTER = Alignment(horizontal="center", vertical="center")
WRAP = Alignment(vertical="top", wrap_text=True)
TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _presence_words(held: bool) -> dict[str, str]:
    """What the 出席情况 column says, translated once per sheet rather than once per row."""
    return {
        "present": _("已签到"),
        InvitationStatus.LEAVE_APPROVED: _("请假（已准假）"),
        InvitationStatus.LEAVE_REQUESTED: _("请假待批"),
        # Before the end nobody is absent yet: the sheet is also printed beforehand to sign on paper.
        "absent": _("缺席") if held else _("未签到"),
        "walk_in": _("已签到（未受邀）"),
    }


def _sheet_start(ws: Any, activity: Activity) -> None:
    """Column widths, the frozen header, printing (landscape, one page wide), title and particulars."""
    last = get_column_letter(len(SHEET_COLUMNS))
    for i, (_header, width) in enumerate(SHEET_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    title = WriteOnlyCell(ws, value=activity.title)
    title.font, title.alignment = TITLE_FONT, CENTER
    ws.append([title])
    info = _("举办单位：%(unit)s　时间：%(when)s　地点：%(place)s　主持人：%(host)s") % {
        "unit": activity.unit.name,
        "when": when_text(activity),
        "place": activity.place or "—",
        "host": activity.host or "—",
    }
    ws.append([info])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    headers = []
    for header, _width in SHEET_COLUMNS:
        cell = WriteOnlyCell(ws, value=str(header))
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, CENTER
        headers.append(cell)
    ws.append(headers)


def attendance_workbook(activity: Activity, *, unmasked_check: Callable[[Person], bool]) -> bytes:
    """The attendance sheet: invitees (by unit, leading cadres first), then walk-ins, then the totals.

    Phone numbers are masked unless ``unmasked_check(person)`` allows them in clear. The rows stream
    into a write-only workbook from one query for the invitees and one for the walk-ins.
    """
    words = _presence_words(held=activity.end_at <= timezone.now())
    yes_no = {True: _("是"), False: _("否")}
    methods = {value: str(label) for value, label in CheckinMethod.choices}
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(_("签到表"))
    _sheet_start(ws, activity)
    number = 0

    def append(
        person: Person, presence: str, at: dt.datetime | None, method: str | None, reason: str, spoke: bool
    ) -> None:
        nonlocal number
        number += 1
        phone = person.phone if unmasked_check(person) else mask_phone(person.phone)
        time_cell = WriteOnlyCell(ws, value=local_time(at).replace(tzinfo=None, microsecond=0) if at else None)
        time_cell.number_format = TIME_FORMAT
        unit, method_label, spoke_label = person.unit.name, methods.get(method or "", ""), yes_no[bool(spoke)]
        ws.append(
            [
                number,
                text_cell(ws, person.name),
                text_cell(ws, unit),
                text_cell(ws, person.position),
                phone,
                presence,
                time_cell,
                method_label,
                text_cell(ws, reason),
                spoke_label,
            ]
        )

    invited = excused = leave_requested = present_invited = walk_in_count = 0
    for inv in selectors.participant_rows(activity).iterator(chunk_size=2000):
        at: dt.datetime | None = inv.checked_in_at  # type: ignore[attr-defined]
        invited += 1
        excused += inv.status == InvitationStatus.LEAVE_APPROVED
        leave_requested += inv.status == InvitationStatus.LEAVE_REQUESTED
        present_invited += at is not None and inv.status != InvitationStatus.LEAVE_APPROVED
        presence = words["present"] if at is not None else words.get(inv.status, words["absent"])
        append(inv.person, presence, at, inv.checkin_method, inv.leave_reason, inv.has_speech)  # type: ignore[attr-defined]
    spoke = Speech.objects.filter(activity=activity, person=OuterRef("person"))
    for att in (
        selectors.walk_ins(activity)
        .annotate(has_speech=Exists(spoke))
        .order_by("person__unit__path", "person__name", "person_id")
        .iterator(chunk_size=2000)
    ):
        walk_in_count += 1
        append(att.person, words["walk_in"], att.checked_in_at, att.method, "", att.has_speech)  # type: ignore[attr-defined]

    stats = selectors.Stats(
        invited=invited,
        leave_requested=leave_requested,
        excused=excused,
        present=present_invited + walk_in_count,
        present_invited=present_invited,
        walk_ins=walk_in_count,
        speeches=0,
    )
    ws.append([])
    summary = [
        (_("应邀人数"), stats.invited),
        (_("请假（已准假）"), stats.excused),
        (_("应到"), stats.expected),
        (_("实到"), stats.present_invited),
        (_("未受邀签到"), stats.walk_ins),
        (_("出席率"), percent(stats.rate)),
    ]
    for label, value in summary:
        label_cell = WriteOnlyCell(ws, value=label)
        label_cell.font = HEADER_FONT
        ws.append([None, label_cell, value])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
