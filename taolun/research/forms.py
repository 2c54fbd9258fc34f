"""Forms for research topics. They parse and check input; the services decide and write."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign
from taolun.core.forms import PlainSelect, PlainSelectMultiple
from taolun.core.text import join_list
from taolun.orgs.forms import UnitField
from taolun.orgs.models import Person, Unit

from .models import ResearchTopic, TopicStatus

# Up to this many people in scope a person picker is a select; beyond it, a field for 人员编号.
PEOPLE_SELECT_LIMIT = 300
_SPLIT = re.compile(r"[\s,，、;；]+")


def person_label(person: Person) -> str:
    return _("%(name)s（%(unit)s）") % {"name": person.name, "unit": person.unit.name}


class PeopleField(forms.Field):
    """People chosen from ``queryset``: a select (one or several) for small scopes, a list of 人员编号
    for large ones, so an office covering a whole district never downloads its roster as options.

    Either way the lookup runs inside ``queryset`` only: someone outside it is "not found". Cleaned
    value: a Person (or None) when ``multiple`` is false, else a list of Persons, their units loaded.
    In code mode, ``keep`` are chosen people without a 人员编号: they cannot be typed, so they stay.
    """

    def __init__(
        self, *, queryset: QuerySet[Person], multiple: bool = False, keep: list[Person] | None = None, **kwargs: Any
    ) -> None:
        self.queryset = queryset.select_related("unit")
        self.multiple = multiple
        self.keep = keep or []
        listed = list(self.queryset.order_by("unit__path", "name", "id")[: PEOPLE_SELECT_LIMIT + 1])
        self.as_select = len(listed) <= PEOPLE_SELECT_LIMIT
        if self.as_select:
            choices = [(str(p.pk), person_label(p)) for p in listed]
            if multiple:
                kwargs["widget"] = PlainSelectMultiple(attrs={"size": min(max(len(choices), 3), 8)})
                kwargs["widget"].choices = choices
            else:
                kwargs["widget"] = PlainSelect(choices=[("", _("—— 请选择 ——")), *choices])
        else:
            attrs = {"autocomplete": "off", "spellcheck": "false"}
            kwargs["widget"] = forms.Textarea(attrs={**attrs, "rows": 2}) if multiple else forms.TextInput(attrs=attrs)
            hint = _("请输入人员编号，多个用逗号或空格分开。") if multiple else _("请输入人员编号。")
            kwargs["help_text"] = f"{kwargs['help_text']} {hint}" if kwargs.get("help_text") else hint
            if self.keep:
                kept = _("没有人员编号的成员保持不变：%(names)s。") % {"names": join_list(p.name for p in self.keep)}
                kwargs["help_text"] = f"{kwargs['help_text']} {kept}"
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        people = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(p, Person) for p in people):
            return value
        if self.as_select:
            keys = [str(p.pk) for p in people]
            return keys if self.multiple else (keys[0] if keys else "")
        return " ".join(p.code for p in people if p.code)

    def to_python(self, value: Any) -> Any:
        if self.as_select:
            raw = value if isinstance(value, list | tuple) else ([value] if value else [])
            keys = [str(v).strip() for v in raw if str(v).strip()]
            if any(not k.isdigit() for k in keys):
                raise ValidationError(_("请从列表中选择。"), code="invalid_choice")
            found = {str(p.pk): p for p in self.queryset.filter(pk__in=[int(k) for k in keys])}
        else:
            keys = [c for c in _SPLIT.split(value if isinstance(value, str) else "") if c]
            found = {p.code: p for p in self.queryset.filter(code__in=keys) if p.code}
        missing = [k for k in keys if k not in found]
        if missing:
            raise ValidationError(
                _("找不到人员 %(keys)s，或不在可选范围内。"),
                code="unknown_person",
                params={"keys": join_list(missing[:10])},
            )
        chosen = list(dict.fromkeys(found[k] for k in keys))
        if not self.multiple:
            if len(chosen) > 1:
                raise ValidationError(_("只能选择一人。"), code="too_many")
            return chosen[0] if chosen else None
        if not self.as_select:
            chosen += [p for p in self.keep if p not in chosen]
        return chosen

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


def choices_of(field: forms.Field) -> forms.ChoiceField:
    """A choice field as declared (the form's ``fields`` mapping types every field as a plain Field)."""
    return cast(forms.ChoiceField, field)


def _theme_choices(campaign: Campaign) -> list[tuple[str, str]]:
    return [(str(t.pk), t.title) for t in campaign.themes.order_by("order", "id")]


class TopicForm(forms.Form):
    """The topic's registration details: who leads it (when creating), title, theme, contact point, team, plan."""

    title = forms.CharField(label=_("课题名称"), max_length=200)
    theme = forms.TypedChoiceField(label=_("讨论主题"), required=False, coerce=int, empty_value=None)
    other_members = forms.CharField(
        label=_("其他成员"),
        required=False,
        max_length=500,
        help_text=_("不在名册中的成员，用顿号或逗号分隔。"),
    )
    plan = forms.CharField(
        label=_("调研计划"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("调研的对象、方式、步骤和时间安排。登记前须填写讨论主题、联系点和调研计划。"),
    )

    def __init__(
        self,
        *args: Any,
        campaign: Campaign,
        leaders: QuerySet[Person] | None = None,
        topic: ResearchTopic | None = None,
        **kwargs: Any,
    ) -> None:
        members = list(topic.members.select_related("unit").order_by("unit__path", "name")) if topic else []
        if topic is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": topic.title,
                    "theme": topic.theme_id,
                    "contact_unit": topic.contact_unit,
                    "members": members,
                    "other_members": topic.other_members,
                    "plan": topic.plan,
                },
            )
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.themes = {t.pk: t for t in campaign.themes.all()}
        choices_of(self.fields["theme"]).choices = [("", _("—— 请选择 ——")), *_theme_choices(campaign)]
        root = campaign.root_unit.path
        if leaders is not None:
            self.fields["leader"] = PeopleField(
                queryset=leaders, label=_("牵头领导"), help_text=_("每名领导干部在本次大讨论中牵头 1 项重点调研课题。")
            )
            self.fields["leader"].required = True
        self.fields["contact_unit"] = UnitField(
            queryset=Unit.objects.filter(path__startswith=root, is_active=True),
            label=_("联系点"),
            required=False,
            help_text=_("领导干部包扶的联系点单位。"),
        )
        self.fields["members"] = PeopleField(
            queryset=Person.objects.filter(unit__path__startswith=root, is_active=True),
            multiple=True,
            keep=[m for m in members if not m.code],
            label=_("课题组成员"),
            required=False,
        )
        self.order_fields(["leader", "title", "theme", "contact_unit", "members", "other_members", "plan"])

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "theme": self.themes.get(data["theme"]) if data.get("theme") else None,
            "contact_unit": data.get("contact_unit"),
            "members": data.get("members") or [],
            "other_members": data.get("other_members", ""),
            "plan": data.get("plan", ""),
        }


class ProgressForm(forms.Form):
    happened_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    content = forms.CharField(
        label=_("进展情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("走访、座谈、起草报告等，写明做了什么、了解到什么。"),
    )
    file = forms.FileField(
        label=_("附件"), required=False, help_text=_("可选：照片、PDF、Word、Excel 或 PowerPoint 文件。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"happened_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ReportForm(forms.Form):
    findings = forms.CharField(label=_("调研发现"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    countermeasures = forms.CharField(label=_("对策建议"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    report = forms.CharField(
        label=_("调研报告"),
        required=False,
        max_length=100000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("可选：调研报告全文。"),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("通过验收")), ("return", _("退回修改"))])
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("退回时必填，写明需要修改的地方。"),
    )


class TopicFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("课题名称或牵头领导")}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *TopicStatus.choices])
    theme = forms.TypedChoiceField(label=_("讨论主题"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, campaign: Campaign | None, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices_of(self.fields["theme"]).choices = [("", _("全部")), *(_theme_choices(campaign) if campaign else [])]
        self.fields["unit"] = UnitField(queryset=units, label=_("单位（含下级）"), required=False)
        self.order_fields(["q", "unit", "status", "theme"])
