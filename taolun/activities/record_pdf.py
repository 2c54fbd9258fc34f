"""The record of the meeting (会议记录) as a printable PDF. A pure function: the caller has checked
who may have it. It reads the activity in a fixed number of queries, whatever the number of speeches,
and embeds a subset of Noto Sans CJK SC, so it prints the same everywhere without system fonts.
"""

from __future__ import annotations

import copy
import io
import logging
import re
import threading
from collections.abc import Iterable

import noto_cjk_sans_otc
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from taolun.core.text import join_list

from . import selectors
from .exports import local_time, percent, when_text
from .models import (
    Activity,
    ActivityStatus,
    Attachment,
    AttachmentKind,
    Attendance,
    Opinion,
    OpinionSource,
    Speech,
)
from .selectors import kind_label

FONT_FAMILY = "notosanscjksc"
FONT_NUMBER = 2  # "Noto Sans CJK SC" in the collection
_font_lock = threading.Lock()
_font_template: TTFFont | None = None
# fontTools reports every subsetting step at INFO: one screenful per document in the server log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (156, 39, 6)
RULE = (222, 214, 208)
BODY_SIZE = 10.5
LINE = 6.2
PHOTO_COLUMNS = 3
PEOPLE_COLUMNS = 3
PHOTO_HEIGHT = 42.0
MAX_PHOTOS = 60
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _font() -> TTFFont:
    """The parsed font, once per process (parsing the collection takes a few tenths of a second)."""
    global _font_template
    with _font_lock:
        if _font_template is None:
            probe = FPDF()
            probe.add_font(FONT_FAMILY, "", noto_cjk_sans_otc.FONT_PATH, collection_font_number=FONT_NUMBER)
            _font_template = probe.fonts[FONT_FAMILY]  # type: ignore[assignment]
        return _font_template  # type: ignore[return-value]


def _install_font(pdf: FPDF) -> None:
    """Give ``pdf`` its own copy of the parsed font.

    Widths and the character map are shared and only read; what a document changes (the subset of
    glyphs used, and the font tables, which subsetting rewrites in place) is new for each document.
    """
    from fontTools import ttLib

    template = _font()
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(
        template.ttffile, recalcTimestamp=False, recalcBBoxes=False, fontNumber=FONT_NUMBER, lazy=True
    )
    font._hbfont = None
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font.color_font = None
    font.subset = SubsetMap(font)
    pdf.fonts[FONT_FAMILY] = font


class RecordDocument(FPDF):
    def __init__(self, *, footer_note: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_note = footer_note
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        _install_font(self)
        self.alias_nb_pages()
        self.set_font(FONT_FAMILY, size=BODY_SIZE)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _fit(self, self.footer_note, self.width - 36), align="L")
        self.set_x(self.l_margin)
        pages = _("第 %(page)s 页 / 共 %(pages)s 页") % {"page": self.page_no(), "pages": self.str_alias_nb_pages}
        self.cell(0, 5, pages, align="R")
        self.set_text_color(*INK)

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str) -> None:
        """A section heading, never left alone at the foot of a page."""
        if self.will_page_break(22):
            self.add_page()
        self.ln(3)
        self.set_font(FONT_FAMILY, size=13)
        self.set_text_color(*ACCENT)
        self.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        y = self.get_y()
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(2)
        self.set_text_color(*INK)
        self.set_font(FONT_FAMILY, size=BODY_SIZE)

    def paragraph(self, text: str, *, size: float = BODY_SIZE, color: tuple[int, int, int] = INK) -> None:
        text = _clean(text)
        if not text:
            return
        self.set_font(FONT_FAMILY, size=size)
        self.set_text_color(*color)
        self.multi_cell(0, size * 0.59, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FONT_FAMILY, size=BODY_SIZE)

    def field(self, label: str, value: str, label_width: float = 22) -> None:
        """One ``label value`` line of the activity's particulars; the value wraps under itself."""
        self.set_x(self.l_margin)
        self.set_text_color(*MUTED)
        self.cell(label_width, LINE, label)
        self.set_text_color(*INK)
        self.multi_cell(0, LINE, _clean(value) or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph_or(self, text: str, missing: str) -> None:
        """``text``, or ``missing`` in grey when nothing was written."""
        if _clean(text):
            self.paragraph(text)
        else:
            self.paragraph(missing, color=MUTED)

    def empty(self, text: str) -> None:
        self.paragraph(text, color=MUTED)


def _clean(text: str | None) -> str:
    """Line ends normalised, tabs as spaces, control characters and trailing blanks dropped."""
    if not text:
        return ""
    text = CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip()


def _confirmation(activity: Activity) -> str:
    if activity.status == ActivityStatus.CANCELLED:
        return _("已取消")
    if activity.status == ActivityStatus.CONFIRMED and activity.confirmed_at:
        who = activity.confirmed_by.get_full_name() if activity.confirmed_by else _("系统")
        return _("已确认（%(who)s，%(when)s）") % {
            "who": who,
            "when": f"{local_time(activity.confirmed_at):%Y-%m-%d %H:%M}",
        }
    return _("未确认")


def _present_people(activity: Activity) -> list[Attendance]:
    return list(
        Attendance.objects.filter(activity=activity)
        .select_related("person__unit")
        .order_by("person__unit__path", "-person__is_leading_cadre", "person__name", "person_id")
    )


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits in ``width`` on one line."""
    if pdf.get_string_width(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits together with the ellipsis
        mid = (low + high + 1) // 2
        if pdf.get_string_width(text[:mid] + "…") <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low] + "…"


def _present_table(pdf: RecordDocument, people: Iterable[Attendance]) -> None:
    """Name and unit, three people to a row, one line each, the heading repeated on each page.

    Drawn cell by cell rather than with ``FPDF.table``: a meeting of thousands stays a matter of
    seconds, and every name keeps to one line (a long unit name is cut with an ellipsis).
    """
    rows = [(a.person.name, a.person.unit.name) for a in people]
    if not rows:
        pdf.empty(_("无人签到。"))
        return
    pair = pdf.width / PEOPLE_COLUMNS
    widths = (pair * 0.3, pair * 0.7)
    pad, height = 1.2, 5.2
    labels = (_("姓名"), _("单位"))

    def header() -> None:
        pdf.set_font(FONT_FAMILY, size=8.5)
        pdf.set_text_color(*MUTED)
        pdf.set_fill_color(246, 242, 239)
        pdf.set_x(pdf.l_margin)
        for _column in range(PEOPLE_COLUMNS):
            for label, width in zip(labels, widths, strict=True):
                pdf.cell(width, height, label, fill=True)
        pdf.ln(height)
        pdf.set_text_color(*INK)

    saved_margin, pdf.c_margin = pdf.c_margin, pad
    header()
    for start in range(0, len(rows), PEOPLE_COLUMNS):
        if pdf.will_page_break(height):
            pdf.add_page()
            header()
        pdf.set_x(pdf.l_margin)
        for name, unit in rows[start : start + PEOPLE_COLUMNS]:
            pdf.cell(widths[0], height, _fit(pdf, name, widths[0] - 2 * pad))
            pdf.cell(widths[1], height, _fit(pdf, unit, widths[1] - 2 * pad))
        pdf.ln(height)
        y = pdf.get_y()
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.c_margin = saved_margin
    pdf.set_font(FONT_FAMILY, size=BODY_SIZE)


def _speeches(pdf: RecordDocument, speeches: list[Speech]) -> None:
    if not speeches:
        pdf.empty(_("尚无发言记录。"))
        return
    for number, speech in enumerate(speeches, start=1):
        if pdf.will_page_break(16):
            pdf.add_page()
        pdf.ln(1.5)
        pdf.set_font(FONT_FAMILY, size=11)
        pdf.set_text_color(*ACCENT)
        pdf.cell(0, 6.5, f"{number}. {speech.person.name}", new_x=XPos.END)
        pdf.set_x(pdf.l_margin)
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT_FAMILY, size=9)
        pdf.cell(0, 6.5, speech.person.unit.name, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.paragraph(speech.content)


def _opinions(pdf: RecordDocument, opinions: list[Opinion]) -> None:
    if not opinions:
        pdf.empty(_("尚未记录意见建议。"))
        return
    for number, opinion in enumerate(opinions, start=1):
        if pdf.will_page_break(14):
            pdf.add_page()
        source = str(OpinionSource(opinion.source_kind).label) if opinion.source_kind in OpinionSource.values else ""
        meta = "　".join(
            part
            for part in (
                _("来源：%(s)s") % {"s": source} if source else "",
                _("提出人：%(s)s") % {"s": opinion.source_name} if opinion.source_name else "",
                _("地点：%(s)s") % {"s": opinion.place} if opinion.place else "",
                _("维度：%(s)s") % {"s": opinion.dimension.title} if opinion.dimension else "",
            )
            if part
        )
        pdf.ln(1)
        pdf.paragraph(f"{number}. {meta}" if meta else f"{number}.", size=9, color=MUTED)
        pdf.paragraph(opinion.content)


def _photos(pdf: RecordDocument, photos: list[Attachment]) -> None:
    gap = 5.0
    box = (pdf.width - gap * (PHOTO_COLUMNS - 1)) / PHOTO_COLUMNS
    for start in range(0, len(photos), PHOTO_COLUMNS):
        if pdf.will_page_break(PHOTO_HEIGHT + 8):
            pdf.add_page()
        top = pdf.get_y()
        for column, photo in enumerate(photos[start : start + PHOTO_COLUMNS]):
            x = pdf.l_margin + column * (box + gap)
            _photo(pdf, photo, x, top, box)
            pdf.set_xy(x, top + PHOTO_HEIGHT + 0.8)
            pdf.set_font(FONT_FAMILY, size=8)
            pdf.set_text_color(*MUTED)
            caption = photo.caption or photo.original_name
            while caption and pdf.get_string_width(caption) > box:
                caption = caption[:-1]
            pdf.cell(box, 4.5, caption)
        pdf.set_text_color(*INK)
        pdf.set_font(FONT_FAMILY, size=BODY_SIZE)
        pdf.set_xy(pdf.l_margin, top + PHOTO_HEIGHT + 7)


def _photo(pdf: RecordDocument, photo: Attachment, x: float, y: float, width: float) -> None:
    try:
        with photo.thumbnail.open("rb") as fh:
            data = io.BytesIO(fh.read())
        pdf.image(data, x=x, y=y, w=width, h=PHOTO_HEIGHT, keep_aspect_ratio=True)
    except Exception:  # a missing or unreadable file leaves an empty frame, never a failed record
        pdf.rect(x, y, width, PHOTO_HEIGHT)
        pdf.set_xy(x, y + PHOTO_HEIGHT / 2 - 3)
        pdf.set_font(FONT_FAMILY, size=8)
        pdf.cell(width, 6, _("（图片无法读取）"), align="C")


def record_pdf(activity: Activity) -> bytes:
    """The record of the meeting as a printable A4 PDF (a fixed number of queries)."""
    activity = Activity.objects.select_related("unit", "campaign", "confirmed_by").get(pk=activity.pk)
    stats = selectors.activity_stats(activity)
    present = _present_people(activity)
    speeches = list(selectors.speakers(activity))
    photos = list(
        Attachment.objects.filter(activity=activity, kind=AttachmentKind.PHOTO)
        .exclude(thumbnail="")
        .order_by("uploaded_at", "id")[:MAX_PHOTOS]
    )
    themes = [t.title for t in activity.themes.order_by("order", "id")]

    pdf = RecordDocument(
        footer_note=_("%(title)s　记录状态：%(state)s") % {"title": activity.title, "state": _confirmation(activity)}
    )
    pdf.set_title(activity.title)
    pdf.set_subject(_("会议记录"))
    pdf.set_creator("Taolun")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, size=18)
    pdf.multi_cell(0, 9, activity.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, size=10)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 7, _("会议记录"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(3)

    pdf.set_font(FONT_FAMILY, size=BODY_SIZE)
    pdf.field(_("举办单位"), activity.unit.name)
    pdf.field(
        _("活动类型"), kind_label(activity) + (_("（第 %(n)s 批）") % {"n": activity.batch} if activity.batch else "")
    )
    pdf.field(_("时间"), when_text(activity))
    pdf.field(_("地点"), activity.place)
    pdf.field(_("主持人"), activity.host)
    pdf.field(_("讨论主题"), join_list(themes))
    pdf.field(_("记录状态"), _confirmation(activity))
    if activity.status == ActivityStatus.CANCELLED and activity.cancel_reason:
        pdf.field(_("取消原因"), activity.cancel_reason)

    pdf.heading(_("议程"))
    pdf.paragraph_or(activity.agenda, _("未填写议程。"))

    pdf.heading(_("出席情况"))
    summary = _(
        "应邀 %(invited)s 人，请假 %(excused)s 人，应到 %(expected)s 人，实到 %(present)s 人，出席率 %(rate)s。"
    ) % {
        "invited": stats.invited,
        "excused": stats.excused,
        "expected": stats.expected,
        "present": stats.present_invited,
        "rate": percent(stats.rate),
    }
    if stats.walk_ins:
        summary += _("另有未受邀人员签到 %(n)s 人。") % {"n": stats.walk_ins}
    pdf.paragraph(summary)
    pdf.ln(1.5)
    _present_table(pdf, present)

    pdf.heading(_("会议纪要"))
    pdf.paragraph_or(activity.minutes, _("尚未填写会议纪要。"))

    pdf.heading(_("发言记录"))
    _speeches(pdf, speeches)

    if activity.is_inspection:
        _inspection(pdf, activity)

    if photos:
        pdf.heading(_("活动照片"))
        _photos(pdf, photos)
    try:
        return bytes(pdf.output())
    finally:
        pdf.fonts[FONT_FAMILY].ttfont.close()  # type: ignore[union-attr]


def _inspection(pdf: RecordDocument, activity: Activity) -> None:
    dimensions = [d.title for d in activity.dimensions.order_by("order", "id")]
    opinions = list(Opinion.objects.filter(activity=activity).select_related("dimension").order_by("id"))
    pdf.heading(_("视察维度"))
    pdf.paragraph_or(join_list(dimensions), _("未选择视察维度。"))
    pdf.heading(_("视察地点"))
    places = [p for p in activity.places_visited or [] if isinstance(p, str) and p.strip()]
    pdf.paragraph_or("\n".join(f"{i}. {p}" for i, p in enumerate(places, start=1)), _("未填写视察地点。"))
    pdf.heading(_("收集的意见建议"))
    _opinions(pdf, opinions)
    pdf.heading(_("视察评议"))
    pdf.paragraph_or(activity.evaluation, _("未填写视察评议。"))
    pdf.heading(_("对策建议"))
    pdf.paragraph_or(activity.proposals, _("未填写对策建议。"))
