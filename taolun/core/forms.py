from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    action = forms.CharField(label=_("动作"), required=False, max_length=80)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=60)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data


class PlainSelect(forms.Select):
    """A select whose options are written out directly instead of through one template per option.

    Django renders every ``<option>`` through its own template; for a unit picker of a few hundred
    units that is tens of milliseconds per page. Flat choices only (no option groups).
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        multiple = " multiple" if self.allow_multiple_selected else ""
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}{}>{}</select>', name, flatatt(final), multiple, options)


class PlainSelectMultiple(PlainSelect, forms.SelectMultiple):
    allow_multiple_selected = True
