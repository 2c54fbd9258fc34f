"""Forms of the ledger pages: the ledger's filters (shared with the Excel export) and the self-examination rows.

``ledger_filter_from(request.GET, user=…, campaign=…)`` turns the query string into a ``LedgerFilter``; the
ledger, its summaries and the export read the same parameters, so a filtered ledger exports as shown:

``unit`` (unit code, with its subunits), ``status`` (a status, or ``open``), ``source``, ``category``,
``theme``, ``dimension`` (ids of the campaign's items), ``light``, ``owner`` (a person's id, as the
summary links give it) or ``who`` (a name or person code typed in), ``q`` (text or number) and ``sort``.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign, Dimension, Shortcoming, Theme
from taolun.core.forms import PlainSelect
from taolun.orgs.forms import UnitField
from taolun.orgs.models import Person, Unit

from .lights import LIGHT_LABELS, LIGHTS
from .models import OPEN_STATUSES, ProblemSource, ProblemStatus
from .selectors import LedgerFilter, ledger_paths
from .selfexam import MAX_ITEMS

OPEN = "open"  # the pseudo-status "not yet done": found, confirmed or rectifying

SORT_CHOICES = [
    ("number", _("按编号")),
    ("due", _("按到期日")),
    ("-progress", _("按进度（高到低）")),
    ("progress", _("按进度（低到高）")),
    ("updated", _("最近更新")),
]


def _choices(field: forms.Field) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


def ledger_units(user: Any, campaign: Campaign | None) -> QuerySet[Unit]:
    """The units whose problems ``user`` browses in the ledger (within the campaign's organisation)."""
    units = Unit.objects.within_paths(ledger_paths(user))
    if campaign is not None:
        units = units.filter(path__startswith=campaign.root_unit.path)
    return units


def campaign_items(campaign: Campaign | None) -> dict[str, list[tuple[int, str]]]:
    """The campaign's categories (短板), themes and dimensions as ``(id, title)`` choices, in one query."""
    items: dict[str, list[tuple[int, str]]] = {"category": [], "theme": [], "dimension": []}
    if campaign is None:
        return items
    parts = [
        model.objects.filter(campaign=campaign)
        .order_by()
        .annotate(kind=Value(name))
        .values_list("kind", "order", "id", "title")
        for name, model in (("category", Shortcoming), ("theme", Theme), ("dimension", Dimension))
    ]
    for kind, _order, pk, title in sorted(parts[0].union(parts[1], parts[2], all=True)):
        items[kind].append((pk, title))
    return items


class LedgerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("问题内容或编号")}),
    )
    # Plain selects: written out directly, not an option template each (the ledger page is timed).
    status = forms.ChoiceField(label=_("状态"), required=False, widget=PlainSelect)
    source = forms.ChoiceField(label=_("问题来源"), required=False, widget=PlainSelect)
    category = forms.TypedChoiceField(
        label=_("短板类别"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    theme = forms.TypedChoiceField(
        label=_("讨论主题"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    dimension = forms.TypedChoiceField(
        label=_("高质量维度"), required=False, coerce=int, empty_value=None, widget=PlainSelect
    )
    light = forms.ChoiceField(label=_("亮灯"), required=False, widget=PlainSelect)
    who = forms.CharField(
        label=_("责任人"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": _("姓名或人员编号"), "autocomplete": "off"}),
        help_text=_("问题或其整改措施的责任人。"),
    )
    owner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES, widget=PlainSelect)

    def __init__(self, *args: Any, user: Any, campaign: Campaign | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.campaign = campaign
        self.fields["unit"] = UnitField(
            queryset=ledger_units(user, campaign), label=_("责任单位（含下级）"), required=False
        )
        self.order_fields(["q", "unit", "status", "light", "source", "category", "theme", "dimension", "who", "sort"])
        everything = [("", _("全部"))]
        _choices(self.fields["status"]).choices = [*everything, (OPEN, _("未办结")), *ProblemStatus.choices]
        _choices(self.fields["source"]).choices = [*everything, *ProblemSource.choices]
        _choices(self.fields["light"]).choices = [*everything, *((k, LIGHT_LABELS[k]) for k in LIGHTS)]
        items = campaign_items(campaign)
        for name in ("category", "theme", "dimension"):
            if items[name]:
                _choices(self.fields[name]).choices = [*everything, *items[name]]
            else:
                del self.fields[name]
        self.person: Person | None = None

    def _people(self) -> QuerySet[Person]:
        return Person.objects.within_paths(ledger_paths(self.user)).select_related("unit")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        who = (data.get("who") or "").strip()
        if who:
            found = list(self._people().filter(Q(code=who) | Q(name=who)).order_by("id")[:6])
            by_code = [p for p in found if p.code == who]
            if by_code:
                self.person = by_code[0]
            elif len(found) == 1:
                self.person = found[0]
            elif not found:
                self.add_error("who", _("找不到“%(who)s”，或不在您的范围内。") % {"who": who})
            else:
                self.add_error("who", _("有多位人员叫“%(who)s”，请输入人员编号。") % {"who": who})
        elif data.get("owner"):
            self.person = self._people().filter(pk=data["owner"]).first()
            if self.person is None:
                raise ValidationError(_("找不到这位责任人，或不在您的范围内。"))
        return data

    def to_filter(self) -> LedgerFilter:
        """The cleaned filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        status = data.get("status") or ""
        unit = data.get("unit")
        if unit is not None and self.campaign is not None and self.campaign.root_unit.path.startswith(unit.path):
            unit = None  # the whole campaign: every problem of it lies there, no need to ask the units table
        return LedgerFilter(
            campaign=self.campaign,
            unit=unit,
            status="" if status == OPEN else status,
            statuses=list(OPEN_STATUSES) if status == OPEN else [],
            source=data.get("source") or "",
            category=data.get("category"),
            theme=data.get("theme"),
            dimension=data.get("dimension"),
            owner=self.person.pk if self.person else None,
            light=data.get("light") or "",
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "number",
        )


def ledger_filter_from(
    data: Any, *, user: Any, campaign: Campaign | None
) -> tuple[LedgerFilterForm, LedgerFilter | None]:
    """The filter form bound to a query string and its ``LedgerFilter`` (None when the input is not valid).

    With no filters given the form stays unbound and the filter is the campaign's whole ledger in scope.
    """
    params = {k: v for k, v in data.items() if k in LedgerFilterForm.base_fields or k == "unit"}
    form = LedgerFilterForm(data if any(params.values()) else None, user=user, campaign=campaign)
    if not form.is_bound:
        return form, LedgerFilter(campaign=campaign)
    if not form.is_valid():
        return form, None
    return form, form.to_filter()


# —— leaders' self-examination ——


class SelfExamItemForm(forms.Form):
    """One row: an aspect, the gap found, the measure taken and by when. A blank row is left out."""

    aspect = forms.CharField(
        label=_("方面"), required=False, max_length=60, widget=forms.TextInput(attrs={"list": "aspect-options"})
    )
    gap = forms.CharField(
        label=_("存在差距"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    measure = forms.CharField(
        label=_("整改措施"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # ISO dates whatever the language: a date input shows nothing for "2030/06/30" (the zh-hans format).
    deadline = forms.DateField(
        label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.cleaned_data.get("DELETE"):
            return data
        texts = {name: (data.get(name) or "").strip() for name in ("aspect", "gap", "measure")}
        if any(texts.values()) or data.get("deadline"):
            for name, value in texts.items():
                if not value and name not in self.errors:
                    self.add_error(name, _("这一项填写了内容，此处不能为空。"))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(n) or "") for n in ("aspect", "gap", "measure", "deadline"))


def self_exam_formset(extra: int) -> type[forms.BaseFormSet]:
    """A formset of item rows with ``extra`` blank rows after the given ones."""
    return formset_factory(
        SelfExamItemForm,
        extra=extra,
        can_delete=True,
        max_num=MAX_ITEMS,
        validate_max=True,
        absolute_max=MAX_ITEMS + 10,
    )


def item_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The rows to save, in the form's order (deleted and blank rows dropped)."""
    rows = []
    for form in formset.forms:
        if not form.is_valid() or form.cleaned_data.get("DELETE") or form.is_blank():  # type: ignore[attr-defined]
            continue
        rows.append({k: form.cleaned_data.get(k) for k in ("aspect", "gap", "measure", "deadline")})
    return rows


def raw_rows(data: Any, prefix: str = "items") -> list[dict[str, Any]]:
    """The submitted rows as typed (no checking), without the deleted ones: to redraw the form with one row more."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_ITEMS + 10)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for i in range(max(total, 0)):
        if data.get(f"{prefix}-{i}-DELETE"):
            continue
        row = {k: (data.get(f"{prefix}-{i}-{k}") or "")[:5000] for k in ("aspect", "gap", "measure", "deadline")}
        if any(row.values()):
            rows.append(row)
    return rows


class SelfExamFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("提交情况"),
        required=False,
        choices=[("", _("全部")), ("submitted", _("已提交")), ("missing", _("未提交"))],
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(queryset=units, label=_("单位（含下级）"), required=False)
        self.order_fields(["unit", "state"])

    def narrow(self, qs: QuerySet[Person]) -> QuerySet[Person]:
        """The leaders of the chosen unit's subtree, submitted or not (call after ``is_valid()``)."""
        unit = self.cleaned_data.get("unit")
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
        state = self.cleaned_data.get("state")
        if state:
            qs = qs.filter(**{"submitted_at__isnull": state == "missing"})  # an annotation, unknown to the stubs
        return qs
