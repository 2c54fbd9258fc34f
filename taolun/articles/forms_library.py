"""Forms of the reference library pages: a new collection, the text search, and the upload of many files.

The upload form only gathers the files and checks the batch as a whole (how many, how large together);
what each file holds is checked by :func:`taolun.articles.references.references_import`, which reports
every bad file by name.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import references

# What one upload may carry in all (every file together); each file is also limited to MAX_FILE_BYTES.
DEFAULT_UPLOAD_MAX_BYTES = 100 * 1024 * 1024
ACCEPT = ".txt,.docx,text/plain,application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload_max_bytes() -> int:
    """The largest upload (all files together) the library page takes."""
    return int(getattr(settings, "ARTICLES_REFERENCES_MAX_UPLOAD_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def upload_max_files() -> int:
    """How many files one upload may carry: the library's limit, or Django's if that is lower (beyond
    ``DATA_UPLOAD_MAX_NUMBER_FILES`` Django refuses to read the request at all)."""
    limit = references.MAX_FILES
    django_limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    return min(limit, django_limit) if django_limit else limit


class CollectionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如：收录哪些讲话、报告或社论，来自何处。"),
    )


class ReferenceSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("查找标题"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.Field):
    """A list of uploaded files (``<input type=file multiple>``), checked only as a batch."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int, max_bytes: int, **kwargs: Any) -> None:
        self.max_files = max_files
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_python(self, data: Any) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if isinstance(item, UploadedFile)]

    def validate(self, value: list[UploadedFile]) -> None:
        if not value:
            raise forms.ValidationError(_("请选择要导入的文件。"), code="required")
        if len(value) > self.max_files:
            raise forms.ValidationError(
                _("一次最多上传 %(max)s 个文件，这次选了 %(n)s 个。请分批上传。")
                % {"max": self.max_files, "n": len(value)},
                code="too_many",
            )
        total = sum(item.size or 0 for item in value)
        if total > self.max_bytes:
            raise forms.ValidationError(
                _("这批文件共 %(size)s，超过了一次上传的上限 %(max)s。请分批上传。")
                % {"size": filesizeformat(total), "max": filesizeformat(self.max_bytes)},
                code="too_large",
            )


class ReferenceUploadForm(forms.Form):
    uploads = MultipleFileField(label=gettext_lazy("文件"), max_files=1, max_bytes=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(MultipleFileField, self.fields["uploads"])
        field.max_files, field.max_bytes = upload_max_files(), upload_max_bytes()
        field.widget.attrs.update({"accept": ACCEPT, "multiple": True})
        field.help_text = _(
            "纯文本（.txt）或 Word（.docx）文件，每个文件一篇，可以一次选择多个（最多 %(files)s 个、共 %(size)s，"
            "每个文件不超过 %(each)s）。只要有一个文件读不出来，就不导入任何文件，并逐个列出问题；"
            "文库里已有的相同文本会跳过。"
        ) % {
            "files": field.max_files,
            "size": filesizeformat(field.max_bytes),
            "each": filesizeformat(references.MAX_FILE_BYTES),
        }
