"""Forms of the discussion's staff pages: moderation, the word list, answers, routing, the settings and the
offline import. They parse input; the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign, Theme
from taolun.core.forms import PlainSelect
from taolun.orgs.models import Unit, UnitKind

from .models import AnswerState, Forum, RoutingRule
from .services import FORUM_FIELDS, REASON_MAX, body_limit

# The units a suggestion is most often routed to (the code field reaches any other under the campaign).
ANSWERING_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET)
UNIT_CHOICES_LIMIT = 500

ACTION_LABELS = {
    "approve": _("通过"),
    "reject": _("驳回"),
    "hide": _("隐藏"),
    "restore": _("恢复"),
    "dismiss": _("举报不成立"),
}


def answering_units(campaign: Campaign) -> list[Unit]:
    """The campaign's departments and streets (streets' offices answer for their area), by kind and name."""
    units = Unit.objects.filter(
        path__startswith=campaign.root_unit.path, is_active=True, kind__in=ANSWERING_KINDS
    ).only("id", "name", "kind", "path", "code")
    return list(units.order_by("kind", "sort_order", "name")[:UNIT_CHOICES_LIMIT])


def unit_choices(units: list[Unit], blank: Any) -> list[tuple[Any, Any]]:
    return [("", blank), *((u.pk, f"{u.name}（{u.get_kind_display()}）") for u in units)]


class IdListField(forms.Field):
    """Many ids sent under one name (the checked boxes of a list)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("所选内容有误，请刷新页面后重试。")) from None


def _note(label: Any, *, required: bool = False, rows: int = 2, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


# --- moderation -------------------------------------------------------------------------------------


class ModerateForm(forms.Form):
    """One decision on one suggestion or comment."""

    action = forms.ChoiceField(label=_("操作"), choices=list(ACTION_LABELS.items()))
    note = _note(_("审核意见"), help_text=_("驳回或隐藏时必填，会告知发布人。"))


class BulkModerationForm(forms.Form):
    """The same decision on every checked item, all or nothing."""

    action = forms.ChoiceField(label=_("批量操作"), choices=[("", _("请选择操作")), *ACTION_LABELS.items()])
    note = _note(_("审核意见"), help_text=_("驳回或隐藏时必填，会告知发布人。"))
    suggestions = IdListField(required=False)
    comments = IdListField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "suggestions" in data and "comments" in data and not (data["suggestions"] or data["comments"]):
            raise forms.ValidationError(_("请至少选择一项。"))
        return data


class BlockForm(forms.Form):
    reason = _note(
        _("封禁原因"),
        required=True,
        help_text=_("参与者发言被拒时会看到这一原因。"),
    )
    reason.error_messages["required"] = _("请说明封禁原因。")


class WordsAddForm(forms.Form):
    words = forms.CharField(
        label=_("敏感词"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一个词，最多 40 字；已在词库中的词会跳过。"),
        max_length=200_000,
    )
    category = forms.CharField(label=_("类别"), required=False, max_length=30)

    def lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["words"].splitlines() if line.strip()]


class WordsFilterForm(forms.Form):
    q = forms.CharField(
        label=_("查找"), required=False, max_length=40, widget=forms.TextInput(attrs={"type": "search"})
    )
    category = forms.ChoiceField(label=_("类别"), required=False)

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("全部类别")), *((c, c) for c in categories)]


# --- answers ----------------------------------------------------------------------------------------


class ReplyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = forms.CharField(
            label=_("答复内容"),
            max_length=body_limit("reply"),
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=_("答复会公开发布，并通知建言人和关注者。"),
        )


class RouteForm(forms.Form):
    """交办: a department or street from the list, or any unit of the campaign by its code."""

    department = forms.IntegerField(label=_("承办单位"), required=False, widget=PlainSelect)
    code = forms.CharField(
        label=_("或填写单位代码"),
        required=False,
        max_length=64,
        help_text=_("承办单位不在列表中时，填写其单位代码。"),
    )
    note = _note(_("交办说明"))

    def __init__(self, *args: Any, campaign: Campaign, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.units = {u.pk: u for u in units}
        self.fields["department"].widget.choices = unit_choices(units, _("请选择承办单位"))  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("code") or "").strip()
        department_id = data.get("department")
        unit: Unit | None = None
        if code:
            unit = Unit.objects.filter(code=code, is_active=True).first()
            if unit is None or not unit.path.startswith(self.campaign.root_unit.path):
                self.add_error("code", _("本次活动范围内没有代码为“%(code)s”的单位。") % {"code": code})
                return data
        elif department_id:
            unit = self.units.get(department_id)
            if unit is None:
                self.add_error("department", _("请从列表中选择承办单位。"))
                return data
        elif "department" not in self.errors:
            self.add_error("department", _("请选择承办单位，或填写单位代码。"))
            return data
        data["unit"] = unit
        return data


OVERDUE = "overdue"


class OfficeFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("办理状态"), required=False)
    theme = forms.ModelChoiceField(label=_("讨论主题"), required=False, queryset=Theme.objects.none())
    department = forms.TypedChoiceField(label=_("承办单位"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, campaign: Campaign, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("全部")),
            *AnswerState.choices,
            (OVERDUE, _("已逾期")),
        ]
        themes: QuerySet[Theme] = Theme.objects.filter(campaign=campaign).order_by("order", "id")
        theme_field = self.fields["theme"]
        theme_field.queryset = themes  # type: ignore[attr-defined]
        theme_field.empty_label = _("全部主题")  # type: ignore[attr-defined]
        self.fields["department"].choices = unit_choices(units, _("全部单位"))  # type: ignore[attr-defined]
        self.fields["department"].widget = PlainSelect(choices=self.fields["department"].choices)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound else {}
        theme = data.get("theme")
        return {
            "state": data.get("state") or "",
            "theme_id": theme.pk if theme else None,
            "department_id": data.get("department"),
        }


# --- settings -----------------------------------------------------------------------------------------


class ForumForm(forms.ModelForm):
    class Meta:
        model = Forum
        fields = FORUM_FIELDS
        widgets = {"moderation": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("days_suggest", "days_ask", "days_help", "days_complain"):
            self.fields[name].widget.attrs.update({"min": 1, "max": 365, "inputmode": "numeric"})
        for name in ("hide_after_reports", "remind_days", "escalate_days"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        self.fields["hide_after_reports"].widget.attrs["min"] = 1

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FORUM_FIELDS}


class RoutingForm(forms.Form):
    """The department answering each theme, and the default for the rest (blank: no rule)."""

    DEFAULT = "default"

    def __init__(self, *args: Any, campaign: Campaign, units: list[Unit], rules: list[RoutingRule], **kwargs: Any):
        self.themes = list(Theme.objects.filter(campaign=campaign).order_by("order", "id"))
        current = {rule.theme_id: rule.department_id for rule in rules}
        kwargs.setdefault(
            "initial",
            {self.field_name(t): current.get(t.pk) for t in self.themes} | {self.DEFAULT: current.get(None)},
        )
        super().__init__(*args, **kwargs)
        self.current = current
        self.units = {u.pk: u for u in units}
        # A rule may name a unit outside the list (routed by code): keep it choosable.
        for rule in rules:
            if rule.department_id not in self.units:
                self.units[rule.department_id] = rule.department
        listed = list(self.units.values())
        for theme in self.themes:
            self.fields[self.field_name(theme)] = self._unit_field(
                _("“%(title)s”的承办单位") % {"title": theme.title}, listed, _("（按默认规则）")
            )
        self.fields[self.DEFAULT] = self._unit_field(_("默认承办单位"), listed, _("（不自动交办）"))
        self.fields[self.DEFAULT].help_text = _("没有专门规则的主题，其建言公开后交给这个单位。")

    @staticmethod
    def field_name(theme: Theme) -> str:
        return f"theme_{theme.pk}"

    @staticmethod
    def _unit_field(label: Any, units: list[Unit], blank: Any) -> forms.TypedChoiceField:
        return forms.TypedChoiceField(
            label=label,
            required=False,
            coerce=int,
            empty_value=None,
            choices=unit_choices(units, blank),
            widget=PlainSelect,
        )

    def changes(self) -> list[tuple[str, Theme | None, Unit | None]]:
        """``(field, theme, unit)`` for each rule that differs from the stored one (None: remove it)."""
        wanted = [(self.field_name(t), t) for t in self.themes] + [(self.DEFAULT, None)]
        out = []
        for name, theme in wanted:
            department_id = self.cleaned_data.get(name)
            if department_id != self.current.get(theme.pk if theme else None):
                out.append((name, theme, self.units.get(department_id) if department_id else None))
        return out


# --- offline import -------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 文件"))

    def __init__(self, *args: Any, max_bytes: int, max_rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text = _("CSV 文件，不超过 %(mb)s MB、%(rows)s 行。") % {
            "mb": max(max_bytes // (1024 * 1024), 1),
            "rows": max_rows,
        }
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("文件过大：不能超过 %(mb)s MB。") % {"mb": max(self.max_bytes // (1024 * 1024), 1)}
            )
        return upload
