"""The Excel ledger format (整改台账): its columns, the words in its cells, and how cells are written and read.

The standard columns are those offices mail back and forth — 序号, 问题内容, 问题来源, 责任单位, 责任人,
整改措施, 整改时限, 整改进展, 完成情况, 销号时间 — followed by the platform's own (编号, 短板类别, 讨论主题,
高质量维度, 整改标准, 状态, 进度(%), 预警). Headers and the words in cells (问题来源) are data: they stay
Chinese whatever the interface language, so that an exported ledger imports back unchanged.

A problem's measures share one cell, one per line, numbered, each optionally followed by its owner and
deadline in parentheses: ``1. 梳理审批事项清单（赵科长，2024-06-30）``. The 整改进展 cell holds each
measure's latest update on the line of the same number: ``1. 2024-05-06 已完成清单梳理（60%）``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .models import ProblemSource


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int  # Excel character units; a Chinese character takes two
    aliases: tuple[str, ...] = ()
    wrap: bool = False
    required: bool = False  # an imported file must have this column
    imported: bool = True  # read on import (the others are shown only)


STANDARD_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 6, ("序", "seq", "no")),
    Column(
        "content", "问题内容", 42, ("问题", "问题描述", "存在问题", "问题表现", "content"), wrap=True, required=True
    ),
    Column("source", "问题来源", 12, ("来源", "source"), required=True),
    Column("unit", "责任单位", 18, ("牵头单位", "责任部门", "unit"), required=True),
    Column("owner", "责任人", 10, ("责任领导", "牵头领导", "owner")),
    Column("measures", "整改措施", 48, ("措施", "整改举措", "measures"), wrap=True),
    Column("deadline", "整改时限", 12, ("办结时限", "完成时限", "时限", "deadline")),
    Column("updates", "整改进展", 42, ("进展", "进展情况", "progress"), wrap=True),
    Column("result", "完成情况", 30, ("整改结果", "整改成效", "result"), wrap=True),
    Column("closed_on", "销号时间", 12, ("销号日期", "closed_on")),
)
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("number", "编号", 8, ("number",), imported=False),
    Column("category", "短板类别", 14, ("类别", "问题类别", "category")),
    Column("theme", "讨论主题", 22, ("主题", "theme"), wrap=True),
    Column("dimension", "高质量维度", 14, ("维度", "dimension")),
    Column("standard", "整改标准", 30, ("标准", "standard"), wrap=True),
    Column("status", "状态", 12, ("status",), imported=False),
    Column("percent", "进度(%)", 9, ("进度", "percent"), imported=False),
    Column("light", "预警", 12, ("light",), imported=False),
)
COLUMNS = STANDARD_COLUMNS + EXTRA_COLUMNS
TITLE_SUFFIX = "问题清单整改台账"

# 问题来源 as offices write it; the first word of each source is what an export writes.
SOURCE_WORDS: dict[str, str] = {
    "自查": ProblemSource.SELF_EXAMINATION,
    "调研课题": ProblemSource.RESEARCH_TOPIC,
    "视察意见": ProblemSource.INSPECTION,
    "网上大讨论": ProblemSource.DISCUSSION,
    "督导检查": ProblemSource.SPOT_CHECK,
    "其他": ProblemSource.OTHER,
}
SOURCE_LABELS = {value: word for word, value in SOURCE_WORDS.items()}
SOURCE_SYNONYMS = {
    "自查自纠": ProblemSource.SELF_EXAMINATION,
    "自我查摆": ProblemSource.SELF_EXAMINATION,
    "查摆": ProblemSource.SELF_EXAMINATION,
    "调研": ProblemSource.RESEARCH_TOPIC,
    "视察": ProblemSource.INSPECTION,
    "网上讨论": ProblemSource.DISCUSSION,
    "大讨论": ProblemSource.DISCUSSION,
    "督导": ProblemSource.SPOT_CHECK,
    "督查": ProblemSource.SPOT_CHECK,
    "检查": ProblemSource.SPOT_CHECK,
    "其它": ProblemSource.OTHER,
}


def norm(value: Any) -> str:
    """A header or a word as compared: full-width folded, spaces, ``*`` and bracketed notes dropped."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    text = re.sub(r"\(.*?\)", "", text)  # "进度(%)" → "进度", "整改时限（月底前）" → "整改时限"
    return re.sub(r"[\s*_\-]", "", text)


HEADER_KEYS: dict[str, str] = {}
for _col in COLUMNS:
    for _name in (_col.header, _col.key, *_col.aliases):
        HEADER_KEYS.setdefault(norm(_name), _col.key)
SOURCE_KEYS = {norm(w): v for w, v in (SOURCE_WORDS | SOURCE_SYNONYMS).items()} | {
    norm(v): v for v in ProblemSource.values
}


def source_of(value: Any) -> str | None:
    return SOURCE_KEYS.get(norm(value))


# —— dates ——

FULL_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
MONTH_END = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*(?:底|末|底前|前)?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DATE_HINT = "2024-06-30、2024年6月30日、2024/6/30 或 2024年6月底"
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any) -> dt.date | None:
    """A cell as a date (None when blank); ValueError when it is not one.

    Excel date cells, Excel day numbers, and text such as 2024-06-30, 2024年6月30日, 2024/6/30, 20240630;
    ``2024年6月`` and ``2024年6月底`` mean the month's last day.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        if 20000 <= value <= 80000:  # an Excel day number whose cell lost its date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    for pattern in (FULL_DATE, COMPACT_DATE):
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)  # ValueError for 2024-02-30
    match = MONTH_END.match(text)
    if match and ("年" in text or "-" in text or "/" in text or "." in text):
        year, month = int(match.group(1)), int(match.group(2))
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    raise ValueError(value)


def date_text(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


# —— measures and progress lines ——

NUMBERING = re.compile(
    r"^\s*(?:(\d{1,3})\s*[.．、)）](?!\d)|[(（]\s*(\d{1,3})\s*[)）]|([①-⑳])|([一二三四五六七八九十]{1,3})\s*、)\s*"
)
# Items run together on one line ("1. 甲；2. 乙"): split before a number that follows a separator.
INLINE_ITEM = re.compile(r"(?<=[；;。])\s*(?=(?:\d{1,3}\s*[.．、)）](?!\d)|[(（]\d{1,3}[)）]|[①-⑳]))")
TRAILING_GROUP = re.compile(r"[(（]([^()（）]*)[)）]\s*[。；;，,]?\s*$")
PART_SPLIT = re.compile(r"[，,、；;]+|\s+")
PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*[%％]")
LEADING_DATE = re.compile(r"^(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?)\s*[:：，,]?\s*")
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _chinese_number(text: str) -> int:
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + CHINESE_DIGITS.get(text[1:], 0)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return CHINESE_DIGITS.get(tens, 0) * 10 + CHINESE_DIGITS.get(ones, 0)
    return CHINESE_DIGITS.get(text, 0)


def numbered(line: str) -> tuple[int | None, str]:
    """``"2. 乙"`` → ``(2, "乙")``; a line without a number → ``(None, line)``."""
    match = NUMBERING.match(line)
    if not match:
        return None, line.strip()
    digits, bracketed, circled, chinese = match.groups()
    if digits or bracketed:
        number = int(digits or bracketed)
    elif circled:
        number = ord(circled) - ord("①") + 1
    else:
        number = _chinese_number(chinese)
    return number, line[match.end() :].strip()


def items(text: Any) -> list[tuple[int | None, str]]:
    """The numbered items of a cell: one per line (or per number on a line); unnumbered lines after a
    numbered one continue it."""
    raw = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [piece for line in raw.split("\n") for piece in INLINE_ITEM.split(line)]
    found: list[tuple[int | None, str]] = []
    for line in lines:
        if not line.strip():
            continue
        number, rest = numbered(line)
        if number is None and found and found[0][0] is not None:
            previous_number, previous = found[-1]
            found[-1] = (previous_number, f"{previous}\n{line.strip()}")
            continue
        found.append((number, rest))
    return [(number, text.rstrip("；;，, ")) for number, text in found]


@dataclass
class MeasureText:
    content: str
    owner: str = ""
    deadline: dt.date | None = None
    bad_date: str = ""


def split_measure(text: str, known_name: Any = None) -> MeasureText:
    """``"梳理清单（赵科长，2024-06-30）"`` → content, owner and deadline.

    The trailing parentheses are read as owner and deadline only when they hold a date, or a name the
    roster knows (``known_name(name)``); otherwise, as in ``召开座谈会（每月一次）``, they stay part of the text.
    """
    match = TRAILING_GROUP.search(text)
    if not match:
        return MeasureText(text.strip())
    parts = [p for p in PART_SPLIT.split(match.group(1).strip()) if p]
    deadline: dt.date | None = None
    names: list[str] = []
    bad = ""
    for part in parts:
        try:
            day = parse_date(part)
        except ValueError:
            day = None
            if re.search(r"\d{4}\s*[-/.年]", part):
                bad = part  # looks like a date but is not one
                continue
        if day is not None:
            deadline = day
        else:
            names.append(part)
    owner = "、".join(names)
    if bad:
        return MeasureText(text[: match.start()].strip(), owner, None, bad)
    if deadline is None and not (known_name and len(names) == 1 and known_name(names[0])):
        return MeasureText(text.strip())
    return MeasureText(text[: match.start()].strip(), owner, deadline)


def measure_line(number: int, content: str, owner: str, deadline: dt.date | None) -> str:
    suffix = "，".join(p for p in (owner, date_text(deadline)) if p)
    one_line = " ".join(content.split())
    return f"{number}. {one_line}（{suffix}）" if suffix else f"{number}. {one_line}"


@dataclass
class ProgressText:
    note: str
    happened_on: dt.date | None = None
    progress: int | None = None
    bad: str = ""


def split_progress(text: str) -> ProgressText:
    """``"2024-05-06 已完成清单梳理（60%）"`` → date, note and percentage (each optional)."""
    happened_on: dt.date | None = None
    bad = ""
    rest = text.strip()
    match = LEADING_DATE.match(rest)
    if match:
        try:
            happened_on = parse_date(match.group(1))
        except ValueError:
            bad = match.group(1)
        rest = rest[match.end() :]
    progress: int | None = None
    percents = list(PERCENT.finditer(rest))
    if percents:
        progress = int(float(percents[-1].group(1)))
        group = TRAILING_GROUP.search(rest)
        if group and PERCENT.fullmatch(group.group(1).strip()):
            rest = rest[: group.start()]
    return ProgressText(rest.strip(" ，,;；"), happened_on, progress, bad)


def progress_line(number: int, happened_on: dt.date | None, note: str, progress: int) -> str:
    head = f"{number}. {date_text(happened_on)} " if happened_on else f"{number}. "
    return f"{head}{' '.join(note.split())}（{progress}%）"
