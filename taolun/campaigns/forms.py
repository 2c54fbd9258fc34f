from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taolun.orgs.models import Unit

from .models import Plan
from .plan import PlanError, builtin_plans, parse_plan

PLAN_MAX_BYTES = 512 * 1024
UPLOAD = "upload"


@functools.lru_cache(maxsize=32)
def _builtin_title(path: str, mtime: float) -> str | None:
    try:
        return parse_plan(Path(path).read_text(encoding="utf-8")).title
    except PlanError:
        return None


def plan_choices(*, can_upload: bool = True) -> list[tuple[str, str]]:
    """Built-in plans, plans uploaded before (newest version of each key), and a new upload (for
    those who may load plans)."""
    choices: list[tuple[str, str]] = []
    for key, path in builtin_plans().items():
        title = _builtin_title(str(path), path.stat().st_mtime)
        if title is not None:
            choices.append((f"builtin:{key}", str(_("%(title)s（内置 %(key)s）") % {"title": title, "key": key})))
    seen: set[str] = set()
    for plan in Plan.objects.filter(is_builtin=False).order_by("key", "-version"):
        if plan.key not in seen:
            seen.add(plan.key)
            label = _("%(title)s（%(key)s 第 %(version)s 版）") % {
                "title": plan.title,
                "key": plan.key,
                "version": plan.version,
            }
            choices.append((f"plan:{plan.pk}", str(label)))
    if can_upload:
        choices.append((UPLOAD, str(_("上传新的方案文件（YAML）"))))
    return choices


class DateInput(forms.DateInput):
    input_type = "date"


class CampaignCreateForm(forms.Form):
    plan = forms.ChoiceField(label=_("实施方案"))
    plan_file = forms.FileField(
        label=_("方案文件"),
        required=False,
        help_text=_("选择“上传新的方案文件”时必填：UTF-8 编码的 YAML，格式见 docs/plan-format.md。"),
    )
    root_unit = forms.CharField(
        label=_("组织范围（单位代码）"),
        max_length=64,
        help_text=_("活动覆盖这个单位及其全部下级单位，例如区的单位代码。"),
    )
    slug = forms.SlugField(
        label=_("活动标识"), max_length=80, help_text=_("用于网址，只能用英文字母、数字和连字符，例如 xihu-2019。")
    )
    title = forms.CharField(label=_("活动标题"), max_length=200, required=False, help_text=_("留空则使用方案标题。"))
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_date = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=DateInput,
        help_text=_("留空：方案的各阶段和截止日期整体平移；填写：按新的起止日期等比例换算。"),
    )
    activate = forms.BooleanField(label=_("创建后立即启动"), required=False)

    def __init__(self, *args: Any, can_upload: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = plan_choices(can_upload=can_upload)  # type: ignore[attr-defined]
        if not can_upload:
            del self.fields["plan_file"]
            self.fields["plan"].error_messages["invalid_choice"] = _(
                "请选择列表中的方案。上传新方案限于不限单位的大讨论办公室和系统管理员，因为方案由所有活动共用。"
            )

    def clean_root_unit(self) -> Unit:
        code = self.cleaned_data["root_unit"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("没有单位代码为“%(code)s”的单位。"), params={"code": code})
        return unit

    def clean_plan_file(self) -> str | None:
        upload = self.cleaned_data.get("plan_file")
        if not upload:
            return None
        if upload.size > PLAN_MAX_BYTES:
            raise forms.ValidationError(_("方案文件不能超过 512 KB。"))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("方案文件不是 UTF-8 编码的文本，请另存为 UTF-8 后再上传。")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("plan") == UPLOAD and not data.get("plan_file") and "plan_file" not in self.errors:
            self.add_error("plan_file", _("请选择要上传的方案文件。"))
        return data

    def plan_arguments(self) -> dict[str, Any]:
        """How campaign_setup should find the plan."""
        choice = self.cleaned_data["plan"]
        if choice == UPLOAD:
            return {"plan_source": self.cleaned_data["plan_file"]}
        kind, _sep, value = choice.partition(":")
        if kind == "builtin":
            return {"plan_key": value}
        return {"plan": Plan.objects.get(pk=int(value))}
