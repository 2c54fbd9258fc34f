"""Plain-language descriptions of a requirement's scope and evidence, for pages and exports."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from taolun.core.text import join_alternatives, join_list
from taolun.orgs.models import PersonRole, UnitKind

from .plan import AppliesTo, UnitSelector

ACTIVITY_KINDS = {
    "study": gettext_lazy("集中学习研讨"),
    "seminar": gettext_lazy("专题研讨会"),
    "training": gettext_lazy("专题培训"),
    "inspection": gettext_lazy("视察活动"),
}
# The kinds as names of their own (a type label, a heading), not inside a sentence.
ACTIVITY_KIND_TITLES = {
    "study": pgettext_lazy("activity kind", "集中学习研讨"),
    "seminar": pgettext_lazy("activity kind", "专题研讨会"),
    "training": pgettext_lazy("activity kind", "专题培训"),
    "inspection": pgettext_lazy("activity kind", "视察活动"),
}
RECORDS = {
    "minutes": gettext_lazy("会议纪要"),
    "speeches": gettext_lazy("发言记录"),
    "photos": gettext_lazy("照片"),
    "opinions": gettext_lazy("意见建议"),
    "attendance": gettext_lazy("签到"),
}
STATUSES = {
    "registered": gettext_lazy("已登记"),
    "in_progress": gettext_lazy("进行中"),
    "reported": gettext_lazy("已报告"),
    "accepted": gettext_lazy("已验收"),
    "confirmed": gettext_lazy("已确认"),
    "rectifying": gettext_lazy("整改中"),
    "done": gettext_lazy("已完成"),
    "closed": gettext_lazy("已销号"),
    "submitted": gettext_lazy("已提交"),
    "approved": gettext_lazy("审核通过"),
    "excellent": gettext_lazy("优秀"),
    "published": gettext_lazy("已发布"),
}


def describe_units(sel: UnitSelector) -> str:
    if sel.root:
        return _("活动范围的根单位（本级）")
    parts: list[str] = []
    if sel.kinds:
        parts.append(join_list(UnitKind(k).label for k in sel.kinds))
    if sel.tags:
        parts.append(_("带“%(tags)s”标签的单位") % {"tags": join_list(sel.tags)})
    if sel.subtrees:
        parts.append(_("单位 %(codes)s 及其下级") % {"codes": join_list(sel.subtrees)})
    text = pgettext("separator between conditions that all hold", "，").join(parts) if parts else _("全部单位")
    if sel.exclude_tags:
        text += _("（不含带“%(tags)s”标签的单位）") % {"tags": join_list(sel.exclude_tags)}
    return text


def describe_applies_to(applies_to: dict[str, Any]) -> str:
    spec = AppliesTo.model_validate(applies_to)
    if spec.units is not None:
        return describe_units(spec.units)
    assert spec.people is not None  # noqa: S101 (the schema requires one of the two)
    text = _("每名%(roles)s") % {"roles": join_alternatives(PersonRole(r).label for r in spec.people.roles)}
    if spec.people.units is not None:
        text += _("（所在单位：%(units)s）") % {"units": describe_units(spec.people.units)}
    return text


def describe_evidence(evidence: dict[str, Any], *, activity_kinds: dict[str, str] | None = None) -> str:
    """``activity_kinds``: the campaign's own kind titles by key, for kinds a plan adds."""
    kind = evidence.get("kind")
    count = evidence.get("count", 1)
    statuses = join_list(STATUSES.get(s, s) for s in evidence.get("status", []))
    if kind == "activity":
        verb = _("参加") if evidence.get("role") == "attendee" else _("举办")
        text = _("%(verb)s%(activity)s %(count)s 次") % {
            "verb": verb,
            "activity": ACTIVITY_KINDS.get(
                evidence.get("activity_kind", ""),
                (activity_kinds or {}).get(evidence.get("activity_kind", ""), evidence.get("activity_kind")),
            ),
            "count": count,
        }
        if evidence.get("in_batches"):
            text += _("（分期分批）")
        if evidence.get("records"):
            text += _("，留存%(records)s") % {"records": join_list(RECORDS.get(r, r) for r in evidence["records"])}
        return text
    if kind == "research_topic":
        return _("调研课题 %(count)s 项（%(statuses)s）") % {"count": count, "statuses": statuses}
    if kind == "self_examination":
        text = _("自我剖析 %(count)s 份") % {"count": count}
        if evidence.get("aspects"):
            text += _("（%(aspects)s）") % {"aspects": join_list(evidence["aspects"])}
        return text
    if kind == "problem":
        text = _("查摆问题 %(count)s 个") % {"count": count}
        if evidence.get("with_measures"):
            text += _("，每个问题有整改措施")
        return text
    if kind == "article":
        return _("心得体会文章 %(count)s 篇（%(statuses)s）") % {"count": count, "statuses": statuses}
    if kind == "news_post":
        return _("宣传报道 %(count)s 篇") % {"count": count}
    if kind == "discussion":
        return _("网上建言答复率不低于 %(ratio)s%%") % {"ratio": round(float(evidence.get("replied_ratio", 1)) * 100)}
    return str(kind)
