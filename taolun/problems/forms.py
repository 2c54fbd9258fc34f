"""Forms for one problem's pages: filing and editing, measures and progress, evidence, extensions, moves.

They only parse and check input; the services decide and write. Several of them sit on the same
detail page, so each is built with its own ``auto_id`` (the element ids differ, the posted names stay
plain: ``reason``, ``note``, ``file`` …).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign
from taolun.core.forms import PlainSelect
from taolun.orgs.forms import UnitField, unit_select_limit
from taolun.orgs.models import Person, Unit

from .models import Measure, Problem, ProblemSource, ProblemStatus

DATE_FORMAT = "%Y-%m-%d"
MAX_FILES = 10


def choices_of(field: forms.Field) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATE_FORMAT)


def person_label(person: Person) -> str:
    extra = f"·{person.position}" if person.position else ""
    return f"{person.name}（{person.unit.name}{extra}）"


class PersonField(forms.Field):
    """A person chosen from ``queryset``: a select when the list is short, otherwise their 人员编号.

    The value is looked up inside ``queryset`` only, so a person outside it is "not found" whatever
    is posted. Names and positions are shown; phone and id numbers never are.
    """

    def __init__(self, *, queryset: QuerySet[Person], **kwargs: Any) -> None:
        self.queryset = queryset
        limit = unit_select_limit()
        people = list(
            queryset.select_related("unit")
            .only("id", "name", "position", "unit__name")
            .order_by("unit__path", "-is_leading_cadre", "name", "id")[: limit + 1]
        )
        self.as_select = len(people) <= limit
        if self.as_select:
            choices = [("", _("—— 暂不指定 ——"))] + [(str(p.pk), person_label(p)) for p in people]
            kwargs["widget"] = PlainSelect(choices=choices)
        else:
            kwargs["widget"] = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
            hint = _("人员较多，请输入责任人的人员编号（可在“人员名册”中查到）。")
            kwargs["help_text"] = f"{kwargs['help_text']} {hint}" if kwargs.get("help_text") else hint
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Person):
            return str(value.pk) if self.as_select else (value.code or "")
        return value

    def to_python(self, value: Any) -> Person | None:
        if isinstance(value, Person):
            return value
        text = str(value or "").strip()
        if not text:
            return None
        qs = self.queryset.select_related("unit")
        if self.as_select:
            person = qs.filter(pk=int(text)).first() if text.isdigit() else None
        else:
            person = qs.filter(code=text).first()
        if person is None:
            raise ValidationError(_("找不到这位人员，或其不在责任单位的名册中。"), code="unknown_person")
        return person


def people_under(unit: Unit | None) -> QuerySet[Person]:
    """Who may answer for a problem of ``unit``: the active people of its subtree."""
    if unit is None:
        return Person.objects.none()
    return Person.objects.filter(unit__path__startswith=unit.path, is_active=True)


class ProblemForm(forms.Form):
    """The five clarities and the classification; filing (with the source) or editing (without)."""

    content = forms.CharField(label=_("问题内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    source = forms.ChoiceField(label=_("问题来源"), choices=ProblemSource.choices)
    source_note = forms.CharField(
        label=_("来源说明"), max_length=200, required=False, help_text=_("如：某次视察、某次座谈会。")
    )
    standard = forms.CharField(
        label=_("整改标准"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("整改到什么程度算完成，尽量可衡量。"),
    )
    deadline = forms.DateField(label=_("办结时限"), required=False, widget=DateInput())
    category = forms.ChoiceField(label=_("短板类别"), required=False)
    theme = forms.ChoiceField(label=_("讨论主题"), required=False)
    dimension = forms.ChoiceField(label=_("高质量维度"), required=False)

    def __init__(
        self,
        *args: Any,
        campaign: Campaign,
        units: QuerySet[Unit],
        owner_unit: Unit | None,
        problem: Problem | None = None,
        **kwargs: Any,
    ) -> None:
        if problem is not None:
            kwargs.setdefault(
                "initial",
                {
                    "content": problem.content,
                    "source_note": problem.source_note,
                    "unit": problem.unit,
                    "owner": problem.owner,
                    "standard": problem.standard,
                    "deadline": problem.deadline,
                    "category": problem.category_id or "",
                    "theme": problem.theme_id or "",
                    "dimension": problem.dimension_id or "",
                },
            )
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.maps: dict[str, dict[str, Any]] = {
            "category": {str(x.pk): x for x in campaign.shortcomings.all()},
            "theme": {str(x.pk): x for x in campaign.themes.all()},
            "dimension": {str(x.pk): x for x in campaign.dimensions.all()},
        }
        for name, items in self.maps.items():
            choices_of(self.fields[name]).choices = [("", _("—— 不选 ——"))] + [
                (key, item.title) for key, item in items.items()
            ]
        if problem is None or problem.status == ProblemStatus.FOUND:
            self.fields["unit"] = UnitField(queryset=units, label=_("责任单位"))
        self.fields["owner"] = PersonField(
            queryset=people_under(owner_unit),
            label=_("责任人"),
            help_text=_("责任单位及其下级单位的在册人员。"),
        )
        if problem is not None:
            del self.fields["source"]
            if problem.status != ProblemStatus.FOUND:
                self.fields["deadline"].help_text = _("问题确认后，办结时限只能通过延期申请调整。")
        self.order_fields(
            ["content", "source", "source_note", "unit", "owner", "standard", "deadline", "category", "theme"]
        )

    def chosen(self, name: str) -> Any:
        return self.maps[name].get(self.cleaned_data.get(name) or "")

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "content": data["content"],
            "source_note": data["source_note"],
            "owner": data.get("owner"),
            "standard": data["standard"],
            "deadline": data["deadline"],
            "category": self.chosen("category"),
            "theme": self.chosen("theme"),
            "dimension": self.chosen("dimension"),
        }
        if "unit" in self.fields:
            fields["unit"] = data["unit"]
        return fields


class MeasureForm(forms.Form):
    content = forms.CharField(label=_("整改措施"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    owner_name = forms.CharField(
        label=_("责任人姓名"), max_length=60, required=False, help_text=_("责任人不在名册中时填写姓名。")
    )
    starts_on = forms.DateField(label=_("开始日期"), required=False, widget=DateInput(), help_text=_("不填：今天。"))
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput())
    weight = forms.IntegerField(
        label=_("权重"),
        min_value=1,
        max_value=100,
        initial=1,
        required=False,
        help_text=_("汇总问题进度时这项措施所占的分量；不填为 1。"),
    )

    def __init__(self, *args: Any, people: QuerySet[Person], measure: Measure | None = None, **kwargs: Any) -> None:
        if measure is not None:
            kwargs.setdefault(
                "initial",
                {
                    "content": measure.content,
                    "owner": measure.owner,
                    "owner_name": measure.owner_name,
                    "starts_on": measure.starts_on,
                    "deadline": measure.deadline,
                    "weight": measure.weight,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner"] = PersonField(queryset=people, label=_("责任人"))
        self.order_fields(["content", "owner", "owner_name", "starts_on", "deadline", "weight"])

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "content": data["content"],
            "owner": data.get("owner"),
            "owner_name": data["owner_name"],
            "starts_on": data["starts_on"],
            "deadline": data["deadline"],
            "weight": data["weight"] or 1,
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the service checks each one's size and real type)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(items) > MAX_FILES:
            raise ValidationError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
        return [single(item, initial) for item in items if item]


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    happened_on = forms.DateField(label=_("日期"), required=False, widget=DateInput(), help_text=_("不填：今天。"))
    note = forms.CharField(label=_("进展情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    file = MultipleFileField(
        label=_("佐证材料"), required=False, help_text=_("可选，可多选：图片、PDF、Word、Excel、PowerPoint。")
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("文件"), help_text=_("图片（JPEG、PNG、WebP）或 PDF、Word、Excel、PowerPoint 文档。")
    )
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
    measure = forms.ChoiceField(label=_("对应整改措施"), required=False)

    def __init__(self, *args: Any, measures: list[Measure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure_map = {str(m.pk): m for m in measures}
        choices_of(self.fields["measure"]).choices = [("", _("—— 整个问题 ——"))] + [
            (key, m.content[:40]) for key, m in self.measure_map.items()
        ]

    def chosen_measure(self) -> Measure | None:
        return self.measure_map.get(self.cleaned_data.get("measure") or "")


class ExtensionForm(forms.Form):
    new_deadline = forms.DateField(label=_("申请延至"), widget=DateInput())
    reason = forms.CharField(label=_("申请理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    """The office's decision on an extension request: the button pressed (``decision``) and a note."""

    note = forms.CharField(label=_("审批意见"), max_length=500, required=False, help_text=_("不批准时必须填写。"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = self.data.get("decision", "")
        if decision not in ("approve", "reject"):
            raise ValidationError(_("请选择批准或不批准。"))
        data["decision"] = decision
        return data


class ActionForm(forms.Form):
    """A status move without fields (its refusals show above its button)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label


class FinishForm(forms.Form):
    result = forms.CharField(
        label=_("完成情况"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("整改取得的实际效果；提交后由办公室核验销号。"),
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("核验意见"), max_length=500, required=False)
    publish = forms.BooleanField(label=_("在公开台账中公布"), required=False)
