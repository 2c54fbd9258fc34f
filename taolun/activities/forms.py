"""Forms for activities: planning, inviting, check-in, leave, records and filters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign
from taolun.core.forms import PlainSelectMultiple
from taolun.core.text import join_list
from taolun.orgs.forms import UnitField, unit_option_label, unit_select_limit
from taolun.orgs.models import PersonRole, Unit

from .models import Activity, ActivityStatus, AttachmentKind, OpinionSource

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def choices_of(field: forms.Field) -> forms.ChoiceField:
    """A choice field as declared (the form's ``fields`` mapping types every field as a plain Field)."""
    return cast(forms.ChoiceField, field)


class DateTimeLocalField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
    input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _to_minute(moment: dt.datetime) -> dt.datetime:
    """As the datetime-local input shows it, so an untouched field counts as unchanged."""
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def _kind_choices(campaign: Campaign) -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in campaign.activity_kinds.all()]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("活动类型"))
    title = forms.CharField(label=_("活动名称"), max_length=200)
    start_at = DateTimeLocalField(label=_("开始时间"))
    end_at = DateTimeLocalField(label=_("结束时间"))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    host = forms.CharField(label=_("主持人"), max_length=100, required=False)
    agenda = forms.CharField(label=_("议程"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    batch = forms.IntegerField(
        label=_("批次"), required=False, min_value=1, max_value=999, help_text=_("分期分批举办（如专题培训）时填写。")
    )
    themes = forms.MultipleChoiceField(label=_("讨论主题"), required=False, widget=forms.CheckboxSelectMultiple)
    dimensions = forms.MultipleChoiceField(
        label=_("视察维度"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("视察活动着眼的高质量发展维度。"),
    )
    checkin_opens_at = DateTimeLocalField(
        label=_("签到开始"), required=False, help_text=_("不填：开始前 30 分钟；修改活动时间时随之移动。")
    )
    checkin_closes_at = DateTimeLocalField(label=_("签到截止"), required=False, help_text=_("不填：活动结束时。"))
    allow_walk_in = forms.BooleanField(
        label=_("允许未受邀人员签到"), required=False, help_text=_("举办单位及其下级单位的在册人员凭签到码也可签到。")
    )
    reason = forms.CharField(
        label=_("修改原因"), required=False, max_length=500, help_text=_("记录已确认，修改须说明原因。")
    )

    def __init__(
        self,
        *args: Any,
        campaign: Campaign,
        units: QuerySet[Unit] | None = None,
        activity: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        if activity is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": activity.kind,
                    "title": activity.title,
                    "start_at": timezone.localtime(activity.start_at),
                    "end_at": timezone.localtime(activity.end_at),
                    "place": activity.place,
                    "host": activity.host,
                    "agenda": activity.agenda,
                    "batch": activity.batch,
                    "themes": [t.key for t in activity.themes.all()],
                    "dimensions": [d.key for d in activity.dimensions.all()],
                    "allow_walk_in": activity.allow_walk_in,
                    "checkin_opens_at": _to_minute(activity.checkin_opens_at),
                    "checkin_closes_at": _to_minute(activity.checkin_closes_at),
                },
            )
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        choices_of(self.fields["kind"]).choices = _kind_choices(campaign)
        self.theme_map = {t.key: t for t in campaign.themes.all()}
        self.dim_map = {d.key: d for d in campaign.dimensions.all()}
        choices_of(self.fields["themes"]).choices = [(k, t.title) for k, t in self.theme_map.items()]
        choices_of(self.fields["dimensions"]).choices = [(k, d.title) for k, d in self.dim_map.items()]
        if units is not None:
            self.fields["unit"] = UnitField(queryset=units, label=_("举办单位"))
            self.order_fields(["kind", "title", "unit"])
        if activity is None or not activity.is_locked:
            del self.fields["reason"]
        else:
            self.fields["reason"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_at"), data.get("end_at")
        if start and end and end <= start:
            self.add_error("end_at", _("结束时间必须晚于开始时间。"))
        opens, closes = data.get("checkin_opens_at"), data.get("checkin_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("checkin_closes_at", _("签到截止时间必须晚于签到开始时间。"))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "start_at": data["start_at"],
            "end_at": data["end_at"],
            "place": data["place"],
            "host": data["host"],
            "agenda": data["agenda"],
            "batch": data["batch"],
            "allow_walk_in": data["allow_walk_in"],
            # The window only when the planner changed it: otherwise it moves along with the activity.
            "checkin_opens_at": data.get("checkin_opens_at") if "checkin_opens_at" in self.changed_data else None,
            "checkin_closes_at": data.get("checkin_closes_at") if "checkin_closes_at" in self.changed_data else None,
        }

    def chosen_themes(self) -> list[Any]:
        return [self.theme_map[k] for k in self.cleaned_data.get("themes", [])]

    def chosen_dimensions(self) -> list[Any]:
        return [self.dim_map[k] for k in self.cleaned_data.get("dimensions", [])]


_SPLIT = re.compile(r"[\s,，、;；]+")


class InviteForm(forms.Form):
    """Who to invite: units (with their subunits), roles and a batch, and people named one by one."""

    units = forms.MultipleChoiceField(label=_("单位"), required=False)
    include_subunits = forms.BooleanField(label=_("包括下级单位"), required=False, initial=True)
    roles = forms.MultipleChoiceField(
        label=_("身份"),
        required=False,
        choices=PersonRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示所选单位的全部在册人员。"),
    )
    batch = forms.IntegerField(label=_("培训批次"), required=False, min_value=1, max_value=32767)
    people = forms.CharField(
        label=_("指定人员"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("人员编号，多个用逗号或空格分开。"),
    )

    def __init__(self, *args: Any, units: QuerySet[Unit], people: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_qs = units
        self.people_qs = people
        limit = unit_select_limit()
        listed = list(units.order_by("path").only("id", "name", "code", "depth", "path")[: limit + 1])
        if len(listed) <= limit:
            base = min((u.depth for u in listed), default=0)
            self.fields["units"].widget = PlainSelectMultiple(attrs={"size": min(max(len(listed), 3), 10)})
            choices_of(self.fields["units"]).choices = [(u.code, unit_option_label(u, base)) for u in listed]
        else:
            self.fields["units"] = forms.CharField(
                label=_("单位代码"), required=False, max_length=2000, help_text=_("多个单位代码用逗号或空格分开。")
            )

    def clean_units(self) -> list[Unit]:
        raw = self.cleaned_data.get("units") or []
        codes = [c for c in (_SPLIT.split(raw) if isinstance(raw, str) else raw) if c]
        found = {u.code: u for u in self.unit_qs.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                _("找不到单位代码 %(codes)s，或不在您的范围内。"), params={"codes": join_list(missing[:10])}
            )
        return [found[c] for c in codes]

    def clean_people(self) -> list[int]:
        codes = [c for c in _SPLIT.split(self.cleaned_data.get("people") or "") if c]
        found = dict(self.people_qs.filter(code__in=codes).values_list("code", "pk"))
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(
                _("找不到人员编号 %(codes)s，或不在您的范围内。"), params={"codes": join_list(missing[:10])}
            )
        return [found[c] for c in codes]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("units") or data.get("roles") or data.get("batch") or data.get("people")
        if not chosen and not self.errors:
            raise ValidationError(_("请至少选择单位、身份、批次或指定人员中的一项。"))
        return data


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "autofocus": True}
        ),
        help_text=_("屏幕上显示的 6 位数字；扫码进入时已自动填好。"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LeaveForm(forms.Form):
    reason = forms.CharField(label=_("请假事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("准假")), ("reject", _("不准假"))])
    note = forms.CharField(label=_("审批意见"), max_length=500, required=False)


class LockedReasonMixin(forms.Form):
    """Adds the reason field when the activity's records are confirmed (locked)."""

    reason = forms.CharField(label=_("修改原因"), max_length=500, required=False)

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _("记录已经办公室确认，修改须说明原因。")
        else:
            del self.fields["reason"]


class MinutesForm(LockedReasonMixin):
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 10}))
    field_order = ["minutes", "reason"]


class SpeechForm(LockedReasonMixin):
    person = forms.TypedChoiceField(label=_("发言人"), coerce=int)
    content = forms.CharField(label=_("发言内容"), widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["person", "content", "reason"]

    def __init__(self, *args: Any, participants: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices_of(self.fields["person"]).choices = [("", _("—— 请选择 ——")), *participants]


class AttachmentForm(LockedReasonMixin):
    kind = forms.ChoiceField(label=_("类别"), choices=AttachmentKind.choices, initial=AttachmentKind.PHOTO)
    file = forms.FileField(label=_("文件"), help_text=_("照片：JPEG、PNG、WebP；附件：PDF、Word、Excel、PowerPoint。"))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
    field_order = ["kind", "file", "caption", "reason"]


class InspectionForm(LockedReasonMixin):
    places_visited = forms.CharField(
        label=_("视察地点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一处。"),
    )
    evaluation = forms.CharField(label=_("视察评议"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    proposals = forms.CharField(label=_("对策建议"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    field_order = ["places_visited", "evaluation", "proposals", "reason"]

    def clean_places_visited(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("places_visited") or "").splitlines() if line.strip()]


class OpinionForm(LockedReasonMixin):
    dimension = forms.ChoiceField(label=_("高质量维度"), required=False)
    source_kind = forms.ChoiceField(label=_("意见来源"), choices=OpinionSource.choices)
    source_name = forms.CharField(label=_("提出人"), max_length=100, required=False)
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    content = forms.CharField(label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["dimension", "source_kind", "source_name", "place", "content", "reason"]

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dim_map = {d.key: d for d in campaign.dimensions.all()}
        choices_of(self.fields["dimension"]).choices = [("", _("—— 不限 ——"))] + [
            (k, d.title) for k, d in self.dim_map.items()
        ]

    def chosen_dimension(self) -> Any:
        return self.dim_map.get(self.cleaned_data.get("dimension") or "")


class ActivityFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("名称、地点或主持人")}),
    )
    kind = forms.ChoiceField(label=_("类型"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ActivityStatus.choices])
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, campaign: Campaign | None, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = _kind_choices(campaign) if campaign is not None else []
        choices_of(self.fields["kind"]).choices = [("", _("全部")), *kinds]
        self.fields["unit"] = UnitField(queryset=units, label=_("单位（含下级）"), required=False)
        self.order_fields(["q", "unit", "kind", "status", "since", "until"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, dt.date) and isinstance(until, dt.date) and since > until:
            self.add_error("until", _("结束日期不能早于起始日期。"))
        return data
