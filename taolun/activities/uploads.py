"""Upload checks for activity photos and attachments: size, and content sniffed from the bytes.

The browser's content type and the file name are not trusted: the first bytes decide what a file
is, an image must decode, and only the types listed here are kept. Images are re-encoded into a
thumbnail (which also drops any metadata such as GPS position from what lists show).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

THUMBNAIL_SIZE = (480, 480)
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Documents by their leading bytes; OOXML files are zip archives whose names say what they hold.
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
OLE_TYPES = {
    "doc": ("application/msword", "doc"),
    "xls": ("application/vnd.ms-excel", "xls"),
    "ppt": ("application/vnd.ms-powerpoint", "ppt"),
}
ALLOWED_DESCRIPTION = gettext_lazy("JPEG、PNG、WebP 图片，PDF、Word、Excel、PowerPoint 文档")


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    is_image: bool
    size: int


def _sniff_ooxml(upload: UploadedFile) -> tuple[str, str] | None:
    import zipfile

    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in OOXML.items():
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def _sniff_image(upload: UploadedFile) -> tuple[str, str] | None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
        # verify() barely looks at a JPEG's data: decode it (at thumbnail scale) so that a truncated
        # or corrupt image is refused here, before anything is stored, not when the thumbnail is made.
        upload.seek(0)
        with Image.open(upload) as image:
            image.draft(image.mode, THUMBNAIL_SIZE)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return IMAGE_TYPES.get(image_format or "")


def check_upload(upload: UploadedFile, *, photo: bool) -> CheckedFile:
    """What the upload really is, or a ValidationError on ``file`` that says what to do instead."""
    limit = settings.ACTIVITY_MAX_UPLOAD_BYTES
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件是空的，请重新选择。")})
    if size > limit:
        raise ValidationError(
            {
                "file": _("文件大小 %(size)s 超过上限 %(limit)s，请压缩后再上传。")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    image = _sniff_image(upload)
    if image is not None:
        return CheckedFile(image[0], image[1], True, size)
    if photo:
        raise ValidationError({"file": _("这不是可以识别的图片：照片只接受 JPEG、PNG 或 WebP 格式。")})
    if head.startswith(PDF_MAGIC):
        return CheckedFile("application/pdf", "pdf", False, size)
    if head.startswith(ZIP_MAGIC):
        kind = _sniff_ooxml(upload)
        if kind is not None:
            return CheckedFile(kind[0], kind[1], False, size)
    if head.startswith(OLE_MAGIC):
        # Old Office files share one container format; the name tells Word, Excel and PowerPoint apart.
        ext = (upload.name or "").rsplit(".", 1)[-1].lower()
        content_type, extension = OLE_TYPES.get(ext, OLE_TYPES["doc"])
        return CheckedFile(content_type, extension, False, size)
    raise ValidationError(
        {
            "file": _("文件内容与允许的类型不符（只接受 %(allowed)s）；改扩展名不能改变文件类型。")
            % {"allowed": ALLOWED_DESCRIPTION}
        }
    )


def thumbnail_of(upload: UploadedFile) -> ContentFile:
    """A JPEG thumbnail at most THUMBNAIL_SIZE, upright as the camera held it."""
    from PIL import Image, ImageOps

    upload.seek(0)
    with Image.open(upload) as opened:
        image: Image.Image = ImageOps.exif_transpose(opened) or opened
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=82)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")
