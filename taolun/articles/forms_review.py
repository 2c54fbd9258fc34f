"""Forms for the review, office and publicity pages of articles. They parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from taolun.accounts.models import User
from taolun.campaigns.models import Campaign
from taolun.core.forms import PlainSelect
from taolun.orgs.forms import UnitField
from taolun.orgs.models import Unit

from .models import ArticleCall, ArticleStatus, AssignMode
from .services import COMMENT_LIMIT, HARD_MAX_CHARS

REASON_LIMIT = 500


def _text(label: Any, *, required: bool, limit: int, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


# -- the review panel on the article's page ----------------------------------------------------------


class ReturnForm(forms.Form):
    """退回修改: the comments the author will read."""

    prefix = "return"
    comment = _text(_("修改意见"), required=True, limit=COMMENT_LIMIT, rows=4, help_text=_("作者会看到这些意见。"))


class ApproveForm(forms.Form):
    """审核通过 with a score on each of the plan's three dimensions, up to the call's maxima."""

    prefix = "approve"

    def __init__(self, *args: Any, call: ArticleCall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, maximum in (
            ("thought_score", _("思想认识"), call.thought_max),
            ("practice_score", _("实践感悟"), call.practice_max),
            ("suggestions_score", pgettext("article score", "意见建议"), call.suggestions_max),
        ):
            self.fields[name] = forms.IntegerField(
                label=_("%(label)s（0–%(max)s 分）") % {"label": label, "max": maximum},
                min_value=0,
                max_value=maximum,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields["comment"] = _text(_("审阅意见"), required=False, limit=COMMENT_LIMIT)


class ExcellentForm(forms.Form):
    prefix = "excellent"
    comment = _text(_("推荐理由"), required=False, limit=COMMENT_LIMIT, rows=2)


class UnexcellentForm(forms.Form):
    prefix = "unexcellent"
    reason = _text(_("取消原因"), required=True, limit=REASON_LIMIT, rows=2)


class AssignForm(forms.Form):
    """The office chooses the reviewer among those covering the author's unit."""

    prefix = "assign"
    reviewer = forms.TypedChoiceField(label=_("审阅人"), coerce=int)

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {u.pk: u for u in candidates}
        field = cast(forms.TypedChoiceField, self.fields["reviewer"])
        field.choices = [("", _("—— 请选择 ——"))] + [(str(pk), str(u)) for pk, u in self.candidates.items()]
        field.widget = PlainSelect(choices=field.choices)

    def chosen_reviewer(self) -> User:
        return self.candidates[self.cleaned_data["reviewer"]]


class PublishForm(forms.Form):
    """No fields: carries the service's refusal (e.g. the author has not consented)."""

    prefix = "publish"


class UnpublishForm(forms.Form):
    prefix = "unpublish"
    reason = _text(_("撤下原因"), required=True, limit=REASON_LIMIT, rows=2)


# -- the office's list -------------------------------------------------------------------------------

SORT_CHOICES = [
    ("ratio", _("重复率从高到低")),
    ("-ratio", _("重复率从低到高")),
    ("submitted", _("提交时间（最新在前）")),
    ("score", _("得分从高到低")),
    ("unit", _("按单位")),
]


class ArticleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("标题或作者")}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ArticleStatus.choices])
    flagged = forms.BooleanField(label=_("只看疑似抄袭"), required=False)
    min_ratio = forms.IntegerField(
        label=_("重复率不低于（%）"),
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reviewer = forms.TypedChoiceField(label=_("审阅人"), required=False, coerce=int, empty_value=None)
    theme = forms.TypedChoiceField(label=_("讨论主题"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORT_CHOICES)

    def __init__(
        self,
        *args: Any,
        campaign: Campaign | None,
        units: QuerySet[Unit],
        reviewers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitField(queryset=units, label=_("单位（含下级）"), required=False)
        theme = cast(forms.TypedChoiceField, self.fields["theme"])
        reviewer = cast(forms.TypedChoiceField, self.fields["reviewer"])
        themes = list(campaign.themes.order_by("order", "id").values_list("pk", "title")) if campaign else []
        theme.choices = [("", _("全部")), *((str(pk), title) for pk, title in themes)]
        people = [(str(u.pk), str(u)) for u in reviewers.order_by("display_name", "username")]
        reviewer.choices = [("", _("全部")), *people]
        reviewer.widget = PlainSelect(choices=reviewer.choices)
        self.order_fields(["q", "unit", "status", "flagged", "min_ratio", "reviewer", "theme", "sort"])

    def filters(self) -> dict[str, Any]:
        """The keyword arguments of ``selectors.filter_articles`` (empty filters left out)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        min_ratio = data.get("min_ratio")
        return {
            "unit": data.get("unit"),
            "status": data.get("status") or "",
            "flagged": True if data.get("flagged") else None,
            "min_ratio": min_ratio / 100 if min_ratio is not None else None,
            "reviewer": data.get("reviewer"),
            "theme": data.get("theme"),
            "q": data.get("q") or "",
            "sort": data.get("sort") or "ratio",
        }


# -- the call for articles ---------------------------------------------------------------------------


class CallForm(forms.Form):
    """The campaign's call (征文要求). The threshold is typed as a percentage and stored as a fraction."""

    deadline = forms.DateTimeField(
        label=_("提交截止时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    min_chars = forms.IntegerField(label=_("最少字数"), min_value=0, max_value=HARD_MAX_CHARS)
    max_chars = forms.IntegerField(label=_("最多字数"), min_value=1, max_value=HARD_MAX_CHARS)
    flag_threshold = forms.IntegerField(
        label=_("重复率警示线（%）"),
        min_value=0,
        max_value=100,
        help_text=_("重复率达到或超过这一比例的文章标为疑似抄袭。"),
    )
    assign_mode = forms.ChoiceField(label=_("审阅分配"), choices=AssignMode.choices)
    thought_max = forms.IntegerField(label=_("思想认识满分"), min_value=0, max_value=1000)
    practice_max = forms.IntegerField(label=_("实践感悟满分"), min_value=0, max_value=1000)
    suggestions_max = forms.IntegerField(label=_("意见建议满分"), min_value=0, max_value=1000)

    def __init__(self, *args: Any, call: ArticleCall, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "deadline": timezone.localtime(call.deadline),
                "min_chars": call.min_chars,
                "max_chars": call.max_chars,
                "flag_threshold": round(Decimal(call.flag_threshold) * 100),
                "assign_mode": call.assign_mode,
                "thought_max": call.thought_max,
                "practice_max": call.practice_max,
                "suggestions_max": call.suggestions_max,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_chars"), data.get("max_chars")
        # The service says the same, but only after the model's constraint check, whose message names the
        # constraint rather than the field: said here, the error sits next to the field.
        if low is not None and high is not None and low > high:
            self.add_error("min_chars", _("最少字数不能大于最多字数。"))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["flag_threshold"] = (Decimal(data["flag_threshold"]) / 100).quantize(Decimal("0.01"))
        return data
