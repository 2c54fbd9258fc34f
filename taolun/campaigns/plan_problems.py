"""What is wrong with a plan file, said twice: in English for the command line (``PlanError.problems``,
the wording docs/plan-format.md quotes) and as one sentence per problem in the user's language for
the pages (``PlanError.messages()``), naming the item and keeping the key path as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from taolun.core.text import join_list

# What each problem says, by code. The English text (the command line, docs/plan-format.md) is
# pydantic's or ours; the sentence shown on pages is the template below, through gettext.
MESSAGES: dict[str, Any] = {
    "yaml_syntax": gettext_lazy("不是有效的 YAML（%(problem)s）。"),
    "yaml_duplicate_key": gettext_lazy("同一层里键“%(key)s”写了两次，请删去其中一个。"),
    "yaml_alias": gettext_lazy("方案中不能使用 YAML 锚点和别名（&名称、*名称），请把内容直接写出来。"),
    "yaml_other": gettext_lazy("无法读取这一处（%(problem)s）。"),
    "not_mapping": gettext_lazy("方案的最外层应是一组键值（key、title、period、themes、stages 等）。"),
    "extra_forbidden": gettext_lazy("未知的键，请对照 docs/plan-format.md 检查拼写。"),
    "missing": gettext_lazy("缺少这个必填的键。"),
    "date_text": gettext_lazy("日期请写成 YYYY-MM-DD，例如 2018-10-15（现在写的是 %(got)s）。"),
    "date_invalid": gettext_lazy("不是有效的日期（%(detail)s）。"),
    "stage_window": gettext_lazy("结束日期 %(end)s 早于开始日期 %(start)s。"),
    "root_alone": gettext_lazy("“root: true”只选活动范围的根单位本身，请删去同时写的 kinds、tags、subtrees。"),
    "units_or_people": gettext_lazy("units 和 people 必须写一个，且只能写一个。"),
    "duplicate_item_key": gettext_lazy("“%(key)s”重复使用（第 %(first)s 项已经用了它），请换一个。"),
    "period_order": gettext_lazy("结束日期 %(period_end)s 早于开始日期 period.start %(period_start)s。"),
    "stage_outside_period": gettext_lazy(
        "阶段时间 %(start)s – %(end)s 超出了方案期间 %(period_start)s – %(period_end)s。"
    ),
    "undefined_stage": gettext_lazy("阶段“%(stage)s”没有定义（已定义的阶段：%(stages)s）。"),
    "undefined_activity_kind": gettext_lazy("活动类型“%(kind)s”没有定义（可用的类型：%(kinds)s）。"),
    "builtin_activity_kind": gettext_lazy("“%(key)s”是内置活动类型，无需在 activity_kinds 中再定义。"),
    "due_outside_period": gettext_lazy("截止日期 %(due)s 不在方案期间 %(period_start)s – %(period_end)s 之内。"),
    "choice": gettext_lazy("取值应为以下之一：%(expected)s。"),
    "evidence_kind": gettext_lazy("kind 的取值“%(tag)s”无效，应为以下之一：%(expected)s。"),
    "evidence_kind_missing": gettext_lazy("缺少 kind（应为以下之一：%(expected)s）。"),
    "key_pattern": gettext_lazy("只能包含小写英文字母、数字和连字符，并以字母或数字开头，例如 leader-research-topic。"),
    "empty": gettext_lazy("不能为空。"),
    "too_few": gettext_lazy("至少要写 %(min_length)s 项。"),
    "too_long": gettext_lazy("不能超过 %(max_length)s 个字。"),
    "at_least": gettext_lazy("不能小于 %(ge)s。"),
    "at_most": gettext_lazy("不能大于 %(le)s。"),
    "integer": gettext_lazy("应为整数。"),
    "number": gettext_lazy("应为数字。"),
    "decimal_places": gettext_lazy("最多 %(decimal_places)s 位小数。"),
    "boolean": gettext_lazy("应为 true 或 false。"),
    "text": gettext_lazy("应为文字。"),
    "list": gettext_lazy("应为列表（每项一行，以“- ”开头）。"),
    "mapping": gettext_lazy("应为一组键值（key: value）。"),
    "invalid": gettext_lazy("取值无效（%(detail)s）。"),
    "text_only": gettext_lazy("%(detail)s"),
}

# pydantic's error types → our codes (types not listed read "invalid" with pydantic's own words).
PYDANTIC_CODES = {
    "extra_forbidden": "extra_forbidden",
    "missing": "missing",
    "date_text": "date_text",
    "date_parsing": "date_invalid",
    "date_from_datetime_parsing": "date_invalid",
    "date_from_datetime_inexact": "date_invalid",
    "date_type": "date_invalid",
    "stage_window": "stage_window",
    "root_alone": "root_alone",
    "units_or_people": "units_or_people",
    "literal_error": "choice",
    "union_tag_invalid": "evidence_kind",
    "union_tag_not_found": "evidence_kind_missing",
    "string_pattern_mismatch": "key_pattern",
    "string_too_long": "too_long",
    "greater_than_equal": "at_least",
    "less_than_equal": "at_most",
    "int_parsing": "integer",
    "int_type": "integer",
    "int_from_float": "integer",
    "float_parsing": "number",
    "float_type": "number",
    "decimal_parsing": "number",
    "decimal_type": "number",
    "decimal_max_places": "decimal_places",
    "bool_parsing": "boolean",
    "bool_type": "boolean",
    "string_type": "text",
    "list_type": "list",
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "dict_type": "mapping",
}

# The plan's lists, as a sentence names an item of them ("第 2 项工作要求（key）").
LIST_LABELS = {
    "themes": gettext_lazy("讨论主题"),
    "shortcomings": gettext_lazy("短板"),
    "dimensions": gettext_lazy("维度"),
    "activity_kinds": gettext_lazy("活动类型"),
    "stages": gettext_lazy("阶段"),
    "requirements": gettext_lazy("工作要求"),
    "principles": gettext_lazy("原则"),
    "safeguards": gettext_lazy("保障措施"),
}
EVIDENCE_TAGS = {"activity", "research_topic", "self_examination", "problem", "article", "news_post", "discussion"}


@dataclass(frozen=True)
class PlanProblem:
    """One thing wrong with a plan file.

    ``where`` is the key path as written in English (``requirements[3] (topic).stage``), or the line
    and column for a YAML error; ``detail`` the English technical message; ``code`` and ``params``
    choose the sentence :meth:`message` shows on pages; ``place`` is where, said in that sentence
    (``None``: the same as ``where``; ``""``: the sentence needs no place).
    """

    where: str
    detail: str
    code: str = "text_only"
    params: dict[str, Any] = field(default_factory=dict)
    place: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}" if self.where else self.detail

    def message(self) -> str:
        """The problem as a sentence in the active language, with the key path kept verbatim."""
        params = self.params or {"detail": self.detail}
        what = str(MESSAGES.get(self.code, MESSAGES["text_only"])) % params
        place = self.where if self.place is None else self.place
        return _("%(where)s：%(what)s") % {"where": place, "what": what} if place else what


class PlanError(ValueError):
    """A plan file that cannot be used. ``problems`` lists each bad key and why, in English (for the
    command line); :meth:`messages` says the same in the user's language, one sentence each."""

    def __init__(self, problems: Sequence[PlanProblem | str]) -> None:
        self.details = [p if isinstance(p, PlanProblem) else PlanProblem(where="", detail=p) for p in problems]
        self.problems = [str(p) for p in self.details]
        super().__init__("; ".join(self.problems))

    def messages(self) -> list[str]:
        return [p.message() for p in self.details]


def location(loc: tuple[int | str, ...], data: object) -> str:
    """``requirements[3] (leader-research-topic).applies_to.people.roles[0]`` from a pydantic loc."""
    return "".join(_path_parts(loc, data)) or "(top level)"


def _path_parts(loc: tuple[int | str, ...], data: object) -> list[str]:
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("key"), str):
                    label += f" ({node['key']})"
            else:
                node = None
            parts.append(label)
        else:
            node = node.get(part) if isinstance(node, dict) else None
            # Discriminated unions add the tag to the path; it is not a key in the file.
            if part in EVIDENCE_TAGS and parts and parts[-1].endswith("evidence"):
                continue
            parts.append(("." if parts else "") + str(part))
    return parts


def _place(loc: tuple[int | str, ...], data: object) -> str:
    """Where a key is, for the sentence on the page: ``第 4 项工作要求（topic）的 stage`` for an item of
    one of the plan's lists, the key path verbatim otherwise (``period.end``)."""
    if not loc:
        return _("方案")
    parts = _path_parts(loc, data)
    if len(loc) >= 2 and loc[0] in LIST_LABELS and isinstance(loc[1], int):
        item_data = data.get(loc[0]) if isinstance(data, dict) else None
        item = item_data[loc[1]] if isinstance(item_data, list) and loc[1] < len(item_data) else None
        key = item.get("key") if isinstance(item, dict) else None
        params = {"n": loc[1] + 1, "list": LIST_LABELS[str(loc[0])], "key": key}
        where = (
            _("第 %(n)s 项%(list)s（%(key)s）") % params if isinstance(key, str) else _("第 %(n)s 项%(list)s") % params
        )
        rest = "".join(parts[2:]).lstrip(".")
        return _("%(item)s的 %(path)s") % {"item": where, "path": rest} if rest else where
    return "".join(parts)


def _quoted_choices(expected: str) -> str:
    """``'a', 'b' or 'c'`` (pydantic's wording) as ``a、b、c``."""
    return join_list(re.findall(r"'([^']*)'", expected)) or expected


def pydantic_problems(exc: ValidationError, data: object) -> list[PlanProblem]:
    problems: list[PlanProblem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        ctx = dict(err.get("ctx") or {})
        kind = err["type"]
        if kind == "plan_checks":
            problems.extend(_check_problem(check, data) for check in ctx["checks"])
            continue
        if kind == "duplicate_item_key":
            problems.append(_duplicate_key_problem(loc, ctx, data))
            continue
        detail = err["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            detail = "unknown key (check its spelling against docs/plan-format.md)"
        elif kind == "missing":
            detail = "required key is missing"
        code = PYDANTIC_CODES.get(kind, "invalid")
        if kind in {"string_too_short", "too_short"}:
            code = "empty" if ctx.get("min_length") == 1 and kind == "string_too_short" else "too_few"
        params: dict[str, Any] = {**ctx, "detail": ctx.get("error", detail)}
        if code == "choice":
            params["expected"] = _quoted_choices(str(ctx.get("expected", "")))
        elif code in {"evidence_kind", "evidence_kind_missing"}:
            params["expected"] = _quoted_choices(str(ctx.get("expected_tags", "")))
        problems.append(PlanProblem(location(loc, data), detail, code, params, _place(loc, data)))
    return problems


def _duplicate_key_problem(loc: tuple[int | str, ...], ctx: dict[str, Any], data: object) -> PlanProblem:
    """A key used twice in one list: reported on the second item's ``key``."""
    item_loc = (*loc, ctx["index"], "key")
    detail = f"'{ctx['key']}' is used twice (also at [{ctx['first']}])"
    params = {"key": ctx["key"], "first": ctx["first"] + 1}
    return PlanProblem(location(item_loc, data), detail, "duplicate_item_key", params, _place(item_loc, data))


CHECK_DETAILS = {
    "period_order": "{period_end} is before period.start {period_start}",
    "stage_outside_period": "window {start} – {end} lies outside the period {period_start} – {period_end}",
    "undefined_stage": "'{stage}' is not defined (stages: {stage_list})",
    "due_outside_period": "{due} lies outside the period {period_start} – {period_end}",
    "undefined_activity_kind": "activity kind '{kind}' is not defined (kinds: {kind_list})",
    "builtin_activity_kind": "'{key}' is a built-in activity kind; do not define it again",
}


def _check_problem(check: tuple[tuple[int | str, ...], str, dict[str, Any]], data: object) -> PlanProblem:
    loc, code, params = check
    if code == "undefined_stage":
        detail = CHECK_DETAILS[code].format(**params, stage_list=", ".join(params["stages"]))
        params = {**params, "stages": join_list(params["stages"])}
    elif code == "undefined_activity_kind":
        detail = CHECK_DETAILS[code].format(**params, kind_list=", ".join(params["kinds"]))
        params = {**params, "kinds": join_list(params["kinds"])}
    else:
        detail = CHECK_DETAILS[code].format(**params)
    return PlanProblem(location(loc, data), detail, code, params, _place(loc, data))
