"""Offline input (线下意见导入): opinions gathered on paper, in inspections, at meetings or from a 12345
export come into a campaign's discussion from a CSV file, marked with their source. All rows or nothing.

The file is a CSV in the columns of ``TEMPLATE_HEADER`` (any order, extra columns ignored), UTF-8
with or without BOM, UTF-16 with BOM, or GB18030 as Excel on Chinese Windows saves it; the header is
row 1. Every row is checked first — in a fixed number of queries, whatever the number of rows — and
the result names each bad cell by its spreadsheet row number and column with what to change. Only
when no row is wrong is anything written, in one transaction and in bulk:

- the suggestions (no author; their source, source number and the person who gave them held in the
  back end), published at the time given (反映时间), or held for a moderator when a sensitive word
  hits, as posts are;
- their search entries (``SearchEntry``, the tokens of ``search``);
- routing: the department the row names (承办单位, by unit code or exact name within the campaign's
  organisation), else the campaign's routing rules, with the reply deadline of the row's kind
  starting now; a held row keeps the named department and is routed when a moderator approves it;
- one audit entry per suggestion and one for the import; each department routed to gets one notice.

A row whose source and source number (来源 + 来源编号) are already in the campaign, or repeat an
earlier row of the file, is refused, so importing the same export twice adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.accounts.models import Role
from taolun.accounts.selectors import users_covering
from taolun.campaigns.models import Campaign, Theme
from taolun.core.models import AuditEntry
from taolun.core.permissions import require_perm
from taolun.core.services import _actor_label, actor, audit_record, audit_record_many, bulk_insert, notify
from taolun.orgs.models import Unit
from taolun.orgs.validators import clean_phone
from taolun.text.normalize import normalize
from taolun.text.tokens import index_text

from . import screening
from .models import AnswerState, Forum, Kind, SearchEntry, SearchKind, Source, Suggestion, Visibility
from .services import TITLE_MAX, TITLE_MIN, body_limit, content_fingerprint, department_for, forum_of, routing_rules

if TYPE_CHECKING:
    from taolun.accounts.models import User

__all__ = ["TEMPLATE_HEADER", "ImportResult", "RowError", "decode_text", "import_offline", "parse_time", "template_csv"]

# The template's columns, in its order. 主题, 来源 and 内容 are required.
THEME, KIND, TITLE, BODY, SOURCE, REF, NAME, PHONE, TIME, DEPARTMENT = (
    "主题",
    "类型",
    "标题",
    "内容",
    "来源",
    "来源编号",
    "反映人",
    "联系电话",
    "反映时间",
    "承办单位",
)
TEMPLATE_HEADER = [THEME, KIND, TITLE, BODY, SOURCE, REF, NAME, PHONE, TIME, DEPARTMENT]
REQUIRED = (THEME, BODY, SOURCE)
# Other names for the same columns, as a 12345 export or a hand-made sheet may call them.
ALIASES = {
    "讨论主题": THEME,
    "留言类型": KIND,
    "留言主题": TITLE,
    "留言详情": BODY,
    "意见内容": BODY,
    "留言编号": REF,
    "工单编号": REF,
    "姓名": NAME,
    "电话": PHONE,
    "联系方式": PHONE,
    "留言时间": TIME,
    "时间": TIME,
    "责任单位": DEPARTMENT,
}
NAME_MAX = 60
REF_MAX = 60
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
IN_BATCH = 2000  # values per ``IN (...)`` when looking rows up
# Sources an import may carry (网上留言 is what participants post themselves).
IMPORT_SOURCES = [s for s in Source if s != Source.ONLINE]
# The names a file uses, in Chinese whatever the interface language (the labels of the current language
# are accepted as well), and the keys.
KIND_NAMES = {"建议": Kind.SUGGEST, "咨询": Kind.ASK, "求助": Kind.HELP, "投诉": Kind.COMPLAIN}
KIND_ALIASES = {"意见建议": Kind.SUGGEST, "建言": Kind.SUGGEST, "意见": Kind.SUGGEST, "举报": Kind.COMPLAIN}
SOURCE_NAMES = {
    "书面意见": Source.PAPER,
    "走访调研": Source.INSPECTION,
    "12345热线": Source.HOTLINE,
    "座谈会": Source.MEETING,
    "其他渠道": Source.OTHER,
}
SOURCE_ALIASES = {
    "12345": Source.HOTLINE,
    "热线": Source.HOTLINE,
    "书面": Source.PAPER,
    "走访": Source.INSPECTION,
    "调研": Source.INSPECTION,
    "其他": Source.OTHER,
    "市长热线": Source.HOTLINE,
    "政务热线": Source.HOTLINE,
    "12345政务服务热线": Source.HOTLINE,
}
ONLINE_NAMES = {"网上留言", Source.ONLINE.value}
SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")
TIME_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?$"
)
COMPACT_TIME_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2})(\d{2})(\d{2})?)?$")
EXCEL_DAY_ZERO = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's serial dates count local days from here)


@dataclass(frozen=True)
class RowError:
    """One thing to fix: the spreadsheet row (the header is row 1; None: the whole file), the column and what to do."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = _("第 %(row)s 行") % {"row": self.row} if self.row else _("文件")
        column = f"［{self.field}］" if self.field else ""
        return f"{where}{column}：{self.message}"


@dataclass
class ImportResult:
    """``ok`` and how many suggestions were created, or every error found (and nothing written)."""

    ok: bool
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    held: int = 0  # of ``created``: waiting for a moderator (a sensitive word)
    routed: int = 0  # of ``created``: given to a department with a reply deadline


@dataclass
class _Planned:
    row: int
    theme_id: int
    kind: str
    title: str
    body: str
    source: str
    source_ref: str
    submitter_name: str
    submitter_phone: str
    at: dt.datetime
    department_id: int | None
    hits: list[str]


class _FileError(Exception):
    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.error = RowError(row, "", message)


def max_rows() -> int:
    return int(settings.DISCUSSION_IMPORT_MAX_ROWS)


def max_bytes() -> int:
    return int(getattr(settings, "DISCUSSION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def template_csv() -> bytes:
    """The template with one example row, UTF-8 with BOM so that Excel opens it in the right encoding."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(
        [
            "1",
            str(Kind.SUGGEST.label),
            "建议在老旧小区加装电梯",
            "我们小区是上世纪九十年代的六层楼，老人上下楼困难，建议政府牵头加装电梯并给予补贴。",
            str(Source.PAPER.label),
            "SM-2018-001",
            "王先生",
            "13800001234",
            "2018/6/1 09:30",
            "",
        ]
    )
    return out.getvalue().encode("utf-8-sig")


# --- reading the file -----------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (what Excel on Chinese Windows saves);
    ValueError, saying what to do, for anything else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("无法识别文件的文字编码。请在 Excel/WPS 中“另存为” CSV UTF-8（逗号分隔）文件后重新导入。"))


def _header_name(cell: str) -> str:
    name = re.sub(r"[\s\ufeff\u200b*＊]", "", cell or "")
    name = re.sub(r"[（(](必填|选填|可选)[）)]$", "", name)
    return ALIASES.get(name, name)


def _records(data: bytes) -> list[list[str]]:
    if len(data) > max_bytes():
        raise _FileError(_("文件超过 %(mb)s MB，请拆分成几个文件分别导入。") % {"mb": max_bytes() // (1024 * 1024)})
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileError(
            _("这是 Excel 工作簿，不是 CSV 文件。请在 Excel/WPS 中“另存为” CSV UTF-8（逗号分隔）文件后导入。")
        )
    try:
        text = decode_text(data)
    except ValueError as exc:
        raise _FileError(str(exc)) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _FileError(
            _("CSV 文件格式有误（%(error)s）。请在 Excel/WPS 中重新“另存为” CSV UTF-8（逗号分隔）文件。")
            % {"error": exc}
        ) from exc


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _header_name(cell)
        if name not in TEMPLATE_HEADER:
            continue
        if name in columns:
            raise _FileError(_("表头中“%(name)s”出现了两次，请只保留一列。") % {"name": name}, row=1)
        columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise _FileError(
            _("表头缺少必填列：%(missing)s。第 1 行应为表头，列名为：%(names)s（主题、内容、来源必填）。")
            % {"missing": "、".join(missing), "names": "、".join(TEMPLATE_HEADER)},
            row=1,
        )
    return columns


def _data_rows(records: list[list[str]], columns: dict[str, int]) -> list[tuple[int, dict[str, str]]]:
    rows: list[tuple[int, dict[str, str]]] = []
    limit = max_rows()
    for number, record in enumerate(records[1:], start=2):
        cells = {
            name: (record[index] if index < len(record) else "").strip().strip("\ufeff\u200b")
            for name, index in columns.items()
        }
        if not any(cells.values()):
            continue
        rows.append((number, cells))
        if len(rows) > limit:
            raise _FileError(_("文件的数据超过 %(max)s 行（表头之后），请拆分成几个文件分别导入。") % {"max": limit})
    if not rows:
        raise _FileError(_("文件中没有数据：表头（第 1 行）之后的行都是空的。"))
    return rows


# --- reading a row's values -----------------------------------------------------------------------


def _title_from(body: str) -> str:
    """A title from the body's first sentence (more sentences while it is too short), cut to fit."""
    title = ""
    for sentence in SENTENCE_END.split(body):
        title += sentence.strip()
        if len(normalize(title).text) >= TITLE_MIN:
            break
    title = re.sub(r"\s+", " ", title).rstrip("。；;，,")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title


def parse_time(value: str) -> dt.datetime:
    """A time as people write it (2019/2/28 11:25:05, 2019-02-28, 2019年2月28日, an Excel serial number),
    read in the current time zone; ValueError when it is none of those."""
    text = value.strip()
    match = TIME_RE.match(text) or COMPACT_TIME_RE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups())
        naive = dt.datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 (made aware just below)
    elif re.fullmatch(r"\d{5}(\.\d+)?", text) and 20000 <= float(text) <= 80000:
        naive = EXCEL_DAY_ZERO + dt.timedelta(days=float(text))
        naive = naive.replace(microsecond=0)
    else:
        raise ValueError(text)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def _kinds() -> dict[str, str]:
    return {
        **{str(label): value for value, label in Kind.choices},
        **{value: value for value in Kind.values},
        **{name: kind.value for name, kind in KIND_ALIASES.items()},
        **{name: kind.value for name, kind in KIND_NAMES.items()},
    }


def _sources() -> dict[str, str]:
    return {
        **{str(s.label): s.value for s in IMPORT_SOURCES},
        **{s.value: s.value for s in IMPORT_SOURCES},
        **{name: s.value for name, s in SOURCE_ALIASES.items()},
        **{name: s.value for name, s in SOURCE_NAMES.items()},
    }


class _Checker:
    """Checks rows against the campaign; the lookups are made once for the whole file."""

    def __init__(self, campaign: Campaign, rows: list[tuple[int, dict[str, str]]], now: dt.datetime) -> None:
        self.campaign = campaign
        self.now = now
        self.errors: list[RowError] = []
        self.themes = list(Theme.objects.filter(campaign=campaign).order_by("order", "id"))
        self.body_max = body_limit("suggestion")
        self.screen = screening.screen()
        self.units = self._units({cells.get(DEPARTMENT, "") for _n, cells in rows} - {""})
        self.existing = _existing_refs(campaign, {cells.get(REF, "") for _n, cells in rows} - {""})
        self.seen: dict[tuple[str, str], int] = {}
        self.kinds = _kinds()
        self.sources = _sources()

    def _units(self, wanted: set[str]) -> list[Unit]:
        if not wanted:
            return []
        root = self.campaign.root_unit
        found: list[Unit] = []
        values = sorted(wanted)
        for start in range(0, len(values), IN_BATCH):
            chunk = values[start : start + IN_BATCH]
            found.extend(
                Unit.objects.filter(path__startswith=root.path)
                .filter(Q(code__in=chunk) | Q(name__in=chunk))
                .only("pk", "name", "code", "path", "is_active")
            )
        return found

    def fail(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def theme(self, row: int, value: str) -> Theme | None:
        if not value:
            self.fail(row, THEME, _("请填写主题：主题的标题、序号（1–%(n)s）或标识。") % {"n": len(self.themes)})
            return None
        # "1. 紧紧围绕…", as the list of choices below shows them, is the title.
        named = re.sub(r"^\d+\s*[.．、]\s*", "", value)
        for theme in self.themes:
            if named in (theme.title, theme.key) or (value.isdigit() and int(value) == theme.order):
                return theme
        within = [theme for theme in self.themes if len(named) >= 2 and named in theme.title]
        if len(within) == 1:
            return within[0]
        choices = "；".join(f"{theme.order}. {theme.title}" for theme in self.themes)
        self.fail(
            row,
            THEME,
            _("没有主题“%(value)s”。请填写本次活动的主题或其序号：%(choices)s。")
            % {"value": value, "choices": choices},
        )
        return None

    def kind(self, row: int, value: str) -> str | None:
        if not value:
            return str(Kind.SUGGEST)
        kind = self.kinds.get(value) or self.kinds.get(value.removesuffix("类"))
        if kind is None:
            self.fail(
                row,
                KIND,
                _("类型“%(value)s”无法识别，应为：%(choices)s（留空为建议）。")
                % {"value": value, "choices": "、".join(KIND_NAMES)},
            )
        return kind

    def source(self, row: int, value: str) -> str | None:
        choices = "、".join(SOURCE_NAMES)
        if not value:
            self.fail(row, SOURCE, _("请填写来源：%(choices)s。") % {"choices": choices})
            return None
        if value in ONLINE_NAMES or value == str(Source.ONLINE.label):
            self.fail(
                row,
                SOURCE,
                _("网上留言由群众在网上发表，不能导入。请填写线下来源：%(choices)s。") % {"choices": choices},
            )
            return None
        source = self.sources.get(value)
        if source is None:
            self.fail(
                row,
                SOURCE,
                _("来源“%(value)s”无法识别，应为：%(choices)s。") % {"value": value, "choices": choices},
            )
        return source

    def title(self, row: int, value: str, body: str) -> str:
        if not value:
            title = _title_from(body) if body else ""
            if body and not normalize(title).text:
                self.fail(row, TITLE, _("内容中没有可作标题的文字，请填写标题。"))
            return title
        if len(value) > TITLE_MAX:
            self.fail(
                row,
                TITLE,
                _("标题有 %(n)s 字，最多 %(max)s 字，请缩短（或留空，将取内容的第一句）。")
                % {"n": len(value), "max": TITLE_MAX},
            )
        elif len(normalize(value).text) < TITLE_MIN:
            self.fail(row, TITLE, _("标题至少 %(min)s 个字，请补充（或留空，将取内容的第一句）。") % {"min": TITLE_MIN})
        return value

    def body(self, row: int, value: str) -> str:
        if not value:
            self.fail(row, BODY, _("请填写内容。"))
        elif len(value) > self.body_max:
            self.fail(
                row,
                BODY,
                _("内容有 %(n)s 字，最多 %(max)s 字，请删减或拆成几条。") % {"n": len(value), "max": self.body_max},
            )
        return value

    def text(self, row: int, column: str, value: str, limit: int) -> str:
        if len(value) > limit:
            self.fail(row, column, _("最多 %(max)s 字，现有 %(n)s 字，请缩短。") % {"max": limit, "n": len(value)})
        return value

    def phone(self, row: int, value: str) -> str:
        try:
            return clean_phone(value)
        except ValidationError as error:
            self.fail(row, PHONE, " ".join(error.messages))
            return ""

    def time(self, row: int, value: str) -> dt.datetime:
        if not value:
            return self.now
        try:
            at = parse_time(value)
        except ValueError:
            self.fail(
                row,
                TIME,
                _("时间“%(value)s”无法识别，请写成 2019/2/28 11:25:05 或 2019-02-28 这样的格式（留空为导入时间）。")
                % {"value": value},
            )
            return self.now
        if at > self.now + dt.timedelta(minutes=5):
            self.fail(row, TIME, _("时间“%(value)s”晚于现在，请核对。") % {"value": value})
        return at

    def department(self, row: int, value: str) -> int | None:
        if not value:
            return None
        by_code = [unit for unit in self.units if unit.code == value]
        found = by_code or [unit for unit in self.units if unit.name == value]
        if not found:
            self.fail(
                row,
                DEPARTMENT,
                _(
                    "在“%(root)s”范围内没有代码或名称为“%(value)s”的单位，请填写单位代码或单位全称（留空则按分办规则交办）。"
                )
                % {"root": self.campaign.root_unit.name, "value": value},
            )
            return None
        if len(found) > 1:
            codes = "、".join(unit.code for unit in found[:5])
            self.fail(
                row,
                DEPARTMENT,
                _("有 %(n)s 个单位名为“%(value)s”，请改填单位代码（%(codes)s）。")
                % {"n": len(found), "value": value, "codes": codes},
            )
            return None
        if not found[0].is_active:
            self.fail(row, DEPARTMENT, _("单位“%(value)s”已停用，请改填其他承办单位。") % {"value": value})
            return None
        return found[0].pk

    def duplicate(self, row: int, source: str | None, ref: str) -> None:
        if not ref or source is None:
            return
        key = (source, ref)
        if key in self.existing:
            self.fail(
                row,
                REF,
                _("来源编号“%(ref)s”（%(source)s）已导入过，请删去这一行。")
                % {"ref": ref, "source": Source(source).label},
            )
        elif key in self.seen:
            self.fail(
                row,
                REF,
                _("来源编号“%(ref)s”与第 %(row)s 行重复，请删去其中一行。") % {"ref": ref, "row": self.seen[key]},
            )
        else:
            self.seen[key] = row

    def check(self, number: int, cells: dict[str, str]) -> _Planned | None:
        before = len(self.errors)
        theme = self.theme(number, cells.get(THEME, ""))
        kind = self.kind(number, cells.get(KIND, ""))
        source = self.source(number, cells.get(SOURCE, ""))
        body = self.body(number, cells.get(BODY, ""))
        title = self.title(number, cells.get(TITLE, ""), body)
        ref = self.text(number, REF, cells.get(REF, ""), REF_MAX)
        name = self.text(number, NAME, cells.get(NAME, ""), NAME_MAX)
        phone = self.phone(number, cells.get(PHONE, ""))
        at = self.time(number, cells.get(TIME, ""))
        department_id = self.department(number, cells.get(DEPARTMENT, ""))
        self.duplicate(number, source, ref)
        if len(self.errors) > before or theme is None or kind is None or source is None:
            return None
        return _Planned(
            row=number,
            theme_id=theme.pk,
            kind=kind,
            title=title,
            body=body,
            source=source,
            source_ref=ref,
            submitter_name=name,
            submitter_phone=phone,
            at=at,
            department_id=department_id,
            hits=list(dict.fromkeys([*self.screen.words_in(title), *self.screen.words_in(body)])),
        )


def _existing_refs(campaign: Campaign, refs: Iterable[str]) -> set[tuple[str, str]]:
    """The (source, source number) pairs among ``refs`` that the campaign already holds."""
    values = sorted(refs)
    found: set[tuple[str, str]] = set()
    for start in range(0, len(values), IN_BATCH):
        found.update(
            Suggestion.objects.filter(campaign=campaign, source_ref__in=values[start : start + IN_BATCH]).values_list(
                "source", "source_ref"
            )
        )
    return found


# --- the import -----------------------------------------------------------------------------------


def import_offline(*, campaign: Campaign, data: bytes, filename: str, by: User | None) -> ImportResult:
    """Check a CSV of offline opinions and, when every row is right, create them as ``campaign``'s
    suggestions; otherwise write nothing and return every error. The office running the campaign may."""
    require_perm(by, "discussion.manage_forum", campaign)
    now = timezone.now()
    try:
        records = _records(data)
        if not records:
            raise _FileError(_("文件是空的。第 1 行应为表头：%(names)s。") % {"names": "、".join(TEMPLATE_HEADER)})
        rows = _data_rows(records, _columns(records[0]))
    except _FileError as exc:
        return ImportResult(ok=False, errors=[exc.error])
    checker = _Checker(campaign, rows, now)
    plans = [plan for number, cells in rows if (plan := checker.check(number, cells)) is not None]
    if checker.errors:
        return ImportResult(ok=False, errors=checker.errors)
    with transaction.atomic():
        forum = Forum.objects.select_for_update().get(pk=forum_of(campaign).pk)
        # Another import of the same rows may have committed while these were checked.
        taken = _existing_refs(campaign, {plan.source_ref for plan in plans if plan.source_ref})
        late = [p for p in plans if (p.source, p.source_ref) in taken]
        if late:
            errors = [
                RowError(p.row, REF, _("来源编号“%(ref)s”刚刚已被导入，请删去这一行。") % {"ref": p.source_ref})
                for p in late
            ]
            return ImportResult(ok=False, errors=errors)
        suggestions = _write(plans, campaign=campaign, forum=forum, by=by, filename=filename, now=now)
    held = sum(1 for s in suggestions if s.status == Visibility.PENDING)
    routed = sum(1 for s in suggestions if s.answer_state == AnswerState.ASSIGNED)
    return ImportResult(ok=True, created=len(suggestions), held=held, routed=routed)


def _write(
    plans: list[_Planned], *, campaign: Campaign, forum: Forum, by: User | None, filename: str, now: dt.datetime
) -> list[Suggestion]:
    routes = routing_rules(campaign.pk)
    who = actor(by)
    suggestions: list[Suggestion] = []
    for plan in plans:
        held = bool(plan.hits)
        department_id = department_for(routes, plan.theme_id, plan.department_id)
        routed = department_id is not None and not held
        suggestions.append(
            Suggestion(
                campaign=campaign,
                theme_id=plan.theme_id,
                kind=plan.kind,
                title=plan.title,
                body=plan.body,
                source=plan.source,
                source_ref=plan.source_ref,
                submitter_name=plan.submitter_name,
                submitter_phone=plan.submitter_phone,
                imported_by=who,
                status=Visibility.PENDING if held else Visibility.PUBLISHED,
                published_at=None if held else plan.at,
                screen_hits=plan.hits,
                content_hash=content_fingerprint(plan.title, plan.body),
                created_at=plan.at,
                updated_at=now,
                last_activity_at=plan.at,
                # A held row keeps the department it names; it is routed when a moderator approves it.
                department_id=plan.department_id if held else department_id,
                answer_state=AnswerState.ASSIGNED if routed else AnswerState.UNROUTED,
                assigned_at=now if routed else None,
                due_at=forum.reply_due(plan.kind, now) if routed else None,
            )
        )
    bulk_insert(Suggestion, suggestions)
    bulk_insert(
        SearchEntry,
        [
            SearchEntry(
                kind=SearchKind.SUGGESTION,
                object_id=s.pk,
                suggestion_id=s.pk,
                campaign_id=campaign.pk,
                is_public=s.status == Visibility.PUBLISHED,
                tokens=index_text(f"{s.title}\n{s.body}"),
                created_at=now,
            )
            for s in suggestions
        ],
    )
    path = str(campaign.root_unit.path)
    label = _actor_label(by)[:150]
    audit_record_many(
        AuditEntry(
            at=now,
            actor=who,
            actor_label=label,
            action="discussion.suggestion_import",
            object_type=Suggestion._meta.label,
            object_id=str(s.pk),
            object_repr=s.title[:200],
            unit_path=path,
            after={
                "status": s.status,
                "answer_state": s.answer_state,
                "department": s.department_id,
                "due_at": s.due_at.isoformat() if s.due_at else None,
                "source": s.source,
                "source_ref": s.source_ref,
                "row": plan.row,
            },
            note=filename[:500],
        )
        for s, plan in zip(suggestions, plans, strict=True)
    )
    counts = Counter(s.status for s in suggestions)
    audit_record(
        actor=by,
        action="discussion.import",
        obj=campaign,
        after={
            "file": filename,
            "created": len(suggestions),
            "held": counts.get(Visibility.PENDING, 0),
            "ids": [suggestions[0].pk, suggestions[-1].pk] if suggestions else [],
        },
        note=filename[:500],
        unit_path=path,
    )
    by_department: dict[int, int] = defaultdict(int)
    for s in suggestions:
        if s.answer_state == AnswerState.ASSIGNED and s.department_id is not None:
            by_department[s.department_id] += 1
    if by_department:
        transaction.on_commit(lambda: _notify_departments(dict(by_department)))
    return suggestions


def _notify_departments(counts: dict[int, int]) -> None:
    """One notice per department routed to (not one per row: an export may hold thousands)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    for department in Unit.objects.filter(pk__in=list(counts)):
        notify(
            recipients=users.filter(pk__in=users_covering(department, Role.LIAISON)),
            title=_("新交办建言 %(n)s 条（线下意见导入），请按时答复") % {"n": counts[department.pk]},
            url=reverse("discussion:inbox"),
            kind="discussion",
            email=True,
        )
