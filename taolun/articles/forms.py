"""Forms for the author's reflection article. They parse input; the services check the rules and write.

The length limits of the campaign's call (最少/最多字数) and the submission rules live in
:mod:`taolun.articles.services`: a form never repeats them, it shows the service's refusal next to
the field it names.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from taolun.campaigns.models import Campaign, Theme
from taolun.orgs.forms import add_service_errors
from taolun.text.docx import TextFileError, read_text_file

from .models import Article

# An uploaded article file: a Word document with a picture or two fits; a whole book does not.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".docx")


class ArticleForm(forms.Form):
    """The draft: title, text, themes and the consent to publication (start, save and autosave)."""

    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("正文"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 18, "spellcheck": "false", "data-char-source": True, "aria-describedby": "body-count"}
        ),
        help_text=_("每段一行，段与段之间换行即可。"),
    )
    themes = forms.TypedMultipleChoiceField(
        label=_("讨论主题"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("文章围绕的讨论主题，可多选。"),
    )
    consent_public = forms.BooleanField(
        label=_("同意公开"),
        required=False,
        help_text=_("如被评为优秀，同意在大讨论公开网站刊发本文。可以随时撤回。"),
    )

    def __init__(self, *args: Any, campaign: Campaign, article: Article | None = None, **kwargs: Any) -> None:
        if article is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": article.title,
                    "body": article.body,
                    "themes": [t.pk for t in article.themes.all()],
                    "consent_public": article.consent_public,
                },
            )
        super().__init__(*args, **kwargs)
        self.theme_objects = {t.pk: t for t in Theme.objects.filter(campaign=campaign).order_by("order", "id")}
        cast(forms.ChoiceField, self.fields["themes"]).choices = [(t.pk, t.title) for t in self.theme_objects.values()]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "themes": [self.theme_objects[pk] for pk in data.get("themes") or [] if pk in self.theme_objects],
            "consent_public": bool(data.get("consent_public")),
        }

    def show_errors(self, exc: ValidationError | PermissionDenied) -> None:
        add_service_errors(self, exc)


class UploadForm(forms.Form):
    """A .txt or .docx file whose text replaces the draft's body. ``cleaned_data["text"]``: that text."""

    file = forms.FileField(
        label=_("选择文件"),
        help_text=_("纯文本（.txt）或 Word（.docx）文件，不超过 5 MB。导入后替换当前正文。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,text/plain"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "").name
        if PurePath(name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise ValidationError(
                _("只能导入纯文本（.txt）或 Word（.docx）文件。旧版 Word（.doc）文件请另存为 .docx 后再上传。"),
                code="suffix",
            )
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("文件 %(size)s，超过 5 MB。请删去图片，或另存为纯文本（.txt）后再上传。"),
                code="size",
                params={"size": f"{upload.size / (1024 * 1024):.1f} MB"},
            )
        data = upload.read(UPLOAD_MAX_BYTES + 1)
        if not data:
            raise ValidationError(_("文件是空的。"), code="empty")
        try:
            text = read_text_file(data, name, max_bytes=UPLOAD_MAX_BYTES)
        except TextFileError as error:
            raise ValidationError(str(error), code="unreadable") from error
        if not text.strip():
            raise ValidationError(_("文件中没有文字。"), code="empty")
        self.cleaned_data["text"] = text
        self.cleaned_data["name"] = name
        return upload

    def show_errors(self, exc: ValidationError | PermissionDenied) -> None:
        """The service's refusal of the text (too long …) belongs next to the file field."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for errors in exc.error_dict.values():
                for error in errors:
                    self.add_error("file", error)
            return
        add_service_errors(self, exc)
