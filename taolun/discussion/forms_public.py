"""Forms of the public discussion pages. They parse input; the services check the rules and write.

A form never repeats a service's rule (sizes, duplicates, blocking, real names, sensitive words): the
view shows the service's refusal next to the field it names (``orgs.forms.add_service_errors``).
The limits given here are the browser's hints and the first line against oversized input.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taolun.accounts.models import CodeChannel
from taolun.campaigns.models import Campaign, Theme

from . import screening
from .models import Kind, Rating, ReportReason
from .services import NICKNAME_MAX, REASON_MAX, TITLE_MAX, TITLE_MIN, body_limit

SEARCH_MAX = 100


def _textarea(rows: int, maxlength: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": maxlength})


class SuggestionForm(forms.Form):
    """A new suggestion (建言) under one of the campaign's themes."""

    theme: forms.ModelChoiceField[Theme] = forms.ModelChoiceField(
        label=_("讨论主题"), queryset=Theme.objects.none(), empty_label=_("请选择主题")
    )
    kind = forms.ChoiceField(label=_("留言类型"), choices=Kind.choices, initial=Kind.SUGGEST)
    title = forms.CharField(
        label=_("标题"),
        max_length=TITLE_MAX,
        help_text=_("%(min)s 至 %(max)s 字，说清楚是什么事。") % {"min": TITLE_MIN, "max": TITLE_MAX},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(label=_("内容"), widget=_textarea(8, body_limit("suggestion")))

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = body_limit("suggestion")
        theme_field: Any = self.fields["theme"]
        theme_field.queryset = campaign.themes.order_by("order", "id")
        body: Any = self.fields["body"]
        body.max_length = limit
        body.help_text = _("10 至 %(n)s 字。请写明现状、问题和您的建议；不要填写身份证号、住址等个人信息。") % {
            "n": limit
        }


class CommentForm(forms.Form):
    body = forms.CharField(label=_("评论内容"), widget=_textarea(3, body_limit("comment")))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body: Any = self.fields["body"]
        body.max_length = body_limit("comment")
        body.help_text = _("2 至 %(n)s 字，文明发言。") % {"n": body.max_length}


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("举报原因"), choices=ReportReason.choices)
    note = forms.CharField(label=_("补充说明"), required=False, max_length=REASON_MAX, widget=_textarea(2, REASON_MAX))


class RateForm(forms.Form):
    """The author's rating of the latest reply; 不满意 needs a note and sends the suggestion back."""

    rating = forms.ChoiceField(label=_("您对答复是否满意"), choices=Rating.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("评价说明"),
        required=False,
        max_length=REASON_MAX,
        help_text=_("选择“不满意”时请说明原因，建言将退回承办单位重新办理。"),
        widget=_textarea(3, REASON_MAX),
    )


def _clean_nickname(value: str) -> str:
    if value and screening.hits(value):
        raise forms.ValidationError(_("昵称含有不宜使用的词语，请换一个。"))
    return value


class SendCodeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("接收方式"), choices=CodeChannel.choices, initial=CodeChannel.PHONE, widget=forms.RadioSelect
    )
    target = forms.CharField(
        label=_("手机号或电子邮箱"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )


class SignupForm(SendCodeForm):
    """Sign up or sign in with a one-time code; the nickname is what the public pages show."""

    code = forms.CharField(
        label=_("验证码"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    nickname = forms.CharField(
        label=_("昵称"),
        required=False,
        max_length=NICKNAME_MAX,
        help_text=_("首次参与时填写，前台只显示昵称；不填则显示打码的手机号或邮箱。"),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_nickname(self) -> str:
        return _clean_nickname(self.cleaned_data.get("nickname", "").strip())


class NicknameForm(forms.Form):
    nickname = forms.CharField(label=_("昵称"), max_length=NICKNAME_MAX)

    def clean_nickname(self) -> str:
        return _clean_nickname(self.cleaned_data["nickname"].strip())


class RealNameForm(forms.Form):
    """后台实名: kept from the public pages, seen only by the moderators."""

    real_name = forms.CharField(
        label=_("真实姓名"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        help_text=_("仅用于后台实名登记，不会公开显示。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("搜索建言、评论和答复")}),
    )
