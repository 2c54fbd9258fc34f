"""Forms for units and people. They only parse and check input; the services do the writing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taolun.core.forms import PlainSelect

from . import validators
from .models import PersonRole, Unit, UnitKind

TAG_SPLIT_RE = re.compile(r"[,，、;；\s]+")


def unit_select_limit() -> int:
    """Up to this many units in scope the unit picker is a select; beyond it, a code field."""
    return int(getattr(settings, "TAOLUN_UNIT_SELECT_LIMIT", 300))


def unit_option_label(unit: Unit, base_depth: int) -> str:
    return f"{'　' * max(0, unit.depth - base_depth)}{unit.name}（{unit.code}）"


class UnitField(forms.Field):
    """A unit chosen from ``queryset`` by its code.

    Small scopes get a select listing the subtree in tree order; large ones a text field for the unit
    code, so a province-wide office never downloads 100,000 options. Either way the submitted value is
    the code, looked up inside ``queryset`` only: a unit outside the scope is "not found".
    """

    def __init__(self, *, queryset: QuerySet[Unit], **kwargs: Any) -> None:
        self.queryset = queryset
        limit = unit_select_limit()
        units = list(queryset.order_by("path").only("id", "name", "code", "depth", "path")[: limit + 1])
        self.as_select = len(units) <= limit
        if self.as_select:
            base = min((u.depth for u in units), default=0)
            choices = [("", _("—— 请选择 ——"))] + [(u.code, unit_option_label(u, base)) for u in units]
            kwargs["widget"] = PlainSelect(choices=choices)
        else:
            kwargs["widget"] = forms.TextInput(
                attrs={"autocomplete": "off", "placeholder": _("单位代码，如 S-A"), "spellcheck": "false"}
            )
            hint = _("请输入单位代码；不知道代码时可在“组织机构”页面搜索单位名称查看。")
            kwargs["help_text"] = f"{kwargs['help_text']} {hint}" if kwargs.get("help_text") else hint
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Unit) else value

    def to_python(self, value: Any) -> Unit | None:
        if isinstance(value, Unit):  # a disabled field keeps its initial unit
            return value
        code = (value or "").strip()
        if not code:
            return None
        unit = self.queryset.filter(code=code).first()
        if unit is None:
            raise ValidationError(
                _("单位代码“%(code)s”不存在，或不在您的管理范围内。"), code="unknown_unit", params={"code": code}
            )
        return unit


def split_tags(value: str) -> list[str]:
    return [t for t in TAG_SPLIT_RE.split(value or "") if t]


def add_service_errors(form: forms.Form, exc: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form: next to the field it names, otherwise above the form."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("您没有权限执行此操作。"))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and not form.fields[field].disabled else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class UnitSearchForm(forms.Form):
    q = forms.CharField(
        label=_("查找单位"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称或代码"), "autocomplete": "off"}),
    )


class UnitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=120)
    short_name = forms.CharField(label=_("简称"), max_length=60, required=False)
    code = forms.CharField(label=_("单位代码"), max_length=64, help_text=_("字母、数字和 _ . -，全区唯一。"))
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices, initial=UnitKind.UNIT)
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=500, help_text=_("多个标签用逗号或空格分开，如：街道 重点单位")
    )
    sort_order = forms.IntegerField(label=_("排序"), initial=0, required=False, help_text=_("数字小的排在前面。"))
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        parents: QuerySet[Unit],
        unit: Unit | None = None,
        parent_required: bool = True,
        parent_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        if unit is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": unit.name,
                    "short_name": unit.short_name,
                    "code": unit.code,
                    "kind": unit.kind,
                    "parent": unit.parent,
                    "tags": " ".join(t.name for t in unit.tags.all()),
                    "sort_order": unit.sort_order,
                    "is_active": unit.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if unit is not None:
            parents = parents.exclude(path__startswith=unit.path)
        help_text = _("不选表示顶级单位。") if not parent_required else ""
        if unit is not None and not parent_locked:
            moving = _("更换上级单位会连同全部下级单位一起移动。")
            help_text = f"{help_text} {moving}".strip()
        if parent_locked:
            # The editor's own top unit: show where it sits, but it cannot be moved from here.
            current = unit.parent if unit is not None else None
            field = UnitField(
                queryset=parents.none(),
                label=_("上级单位"),
                required=False,
                disabled=True,
                help_text=_("这是您管理范围的顶层单位，不能在这里移动。"),
            )
            field.widget = forms.Select(
                choices=[(current.code, unit_option_label(current, current.depth))]
                if current is not None
                else [("", _("（顶级单位）"))]
            )
            self.fields["parent"] = field
        else:
            self.fields["parent"] = UnitField(
                queryset=parents, label=_("上级单位"), required=parent_required, help_text=help_text
            )
        if unit is None:
            del self.fields["is_active"]
        self.order_fields(["name", "short_name", "code", "kind", "parent", "tags", "sort_order", "is_active"])

    def clean_tags(self) -> list[str]:
        tags = split_tags(self.cleaned_data.get("tags", ""))
        too_long = [t for t in tags if len(t) > 50]
        if too_long:
            raise ValidationError(_("标签“%(tag)s”太长：每个标签最多 50 个字。"), params={"tag": too_long[0]})
        return tags

    def clean_code(self) -> str:
        return validators.clean_code(self.cleaned_data.get("code"), label=str(_("单位代码")))

    def clean_sort_order(self) -> int:
        return self.cleaned_data.get("sort_order") or 0


class PersonFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("姓名、编号、职务或单位")}),
    )
    unit = forms.CharField(
        label=_("单位代码（含下级）"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("身份"), required=False, choices=[("", _("全部")), *PersonRole.choices])
    batch = forms.IntegerField(label=_("培训批次"), required=False, min_value=1, max_value=32767)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        self.units = units
        super().__init__(*args, **kwargs)

    def clean_unit(self) -> Unit | None:
        code = (self.cleaned_data.get("unit") or "").strip()
        if not code:
            return None
        unit = self.units.filter(code=code).first()
        if unit is None:
            raise ValidationError(_("单位代码“%(code)s”不存在，或不在您的查看范围内。"), params={"code": code})
        return unit


class PersonForm(forms.Form):
    """Create or edit a person. Phone and ID number stay masked for editors who may not read them:
    the fields then start empty, and an empty field keeps the stored value."""

    name = forms.CharField(label=_("姓名"), max_length=60)
    code = forms.CharField(label=_("人员编号"), max_length=64, required=False, help_text=_("可不填；填写时全区唯一。"))
    position = forms.CharField(label=_("职务"), max_length=120, required=False)
    is_leading_cadre = forms.BooleanField(label=_("领导干部"), required=False)
    is_party_member = forms.BooleanField(label=_("党员"), required=False)
    is_cadre = forms.BooleanField(label=_("干部"), required=False)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    training_batch = forms.IntegerField(label=_("培训批次"), required=False, min_value=1, max_value=32767)
    is_active = forms.BooleanField(label=_("在册"), required=False, initial=True)

    PII_FIELDS = ("phone", "id_number")

    def __init__(
        self,
        *args: Any,
        units: QuerySet[Unit],
        person: Any = None,
        show_pii: bool = True,
        **kwargs: Any,
    ) -> None:
        self.person = person
        self.show_pii = show_pii
        if person is not None:
            initial = {
                "name": person.name,
                "code": person.code or "",
                "unit": person.unit,
                "position": person.position,
                "is_leading_cadre": person.is_leading_cadre,
                "is_party_member": person.is_party_member,
                "is_cadre": person.is_cadre,
                "training_batch": person.training_batch,
                "is_active": person.is_active,
            }
            if show_pii:
                initial.update(phone=person.phone, id_number=person.id_number or "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(queryset=units, label=_("单位"), required=True)
        if person is not None and not show_pii:
            from .masking import mask_id_number, mask_phone

            for name, masked in (("phone", mask_phone(person.phone)), ("id_number", mask_id_number(person.id_number))):
                field = self.fields[name]
                field.help_text = (
                    _("当前：%(value)s。留空表示不修改。") % {"value": masked} if masked else _("当前未填写。")
                )
        if person is None:
            del self.fields["is_active"]
        self.order_fields(["name", "code", "unit", "position"])

    # The service checks these again; checking here too shows every mistake in one round.
    def clean_code(self) -> str:
        raw = self.cleaned_data.get("code", "").strip()
        return validators.clean_code(raw, label=str(_("人员编号"))) if raw else ""

    def clean_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data.get("phone"))

    def clean_id_number(self) -> str:
        return validators.clean_id_number(self.cleaned_data.get("id_number")) or ""

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as service keyword arguments (without ``unit`` and ``name``)."""
        data = dict(self.cleaned_data)
        data.pop("unit", None)
        data.pop("name", None)
        if self.person is not None and not self.show_pii:
            for name in self.PII_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


class PersonAccountForm(forms.Form):
    username = forms.CharField(
        label=_("登录用户名"),
        max_length=150,
        help_text=_("字母、数字和 @ . + - _；本人将用它登录。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_username(self) -> str:
        from django.contrib.auth.validators import UnicodeUsernameValidator

        value = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        return value
