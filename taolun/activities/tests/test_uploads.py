"""Photos and attachments: real images get a thumbnail; oversized or disguised files are refused and
leave nothing behind, neither a row nor a file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from PIL import Image

from conftest import shared_org
from taolun.activities import records
from taolun.activities.models import Attachment, AttachmentKind
from taolun.core.models import AuditEntry

from .conftest import image_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def activity(make_activity):
    return make_activity(kind="inspection")


def assert_nothing_kept(media: Path) -> None:
    assert not Attachment.objects.exists()
    assert not AuditEntry.objects.filter(action="activities.attachment.add").exists()
    assert files_under(media) == []


# --- accepted -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"), [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png")]
)
def test_a_real_photo_is_kept_with_a_thumbnail(org, activity, media, fmt, content_type, extension):
    data = image_bytes(fmt, size=(1200, 900))
    attachment = records.attachment_add(
        activity=activity,
        upload=upload(f"现场.{extension}", data, content_type),
        kind=AttachmentKind.PHOTO,
        caption=" 视察现场 ",
        by=org.user("liaison"),
    )
    row = Attachment.objects.get()
    assert row == attachment
    assert (row.kind, row.content_type, row.size, row.original_name, row.caption) == (
        "photo",
        content_type,
        len(data),
        f"现场.{extension}",
        "视察现场",
    )
    assert row.file.name.startswith(f"activities/{activity.pk}/") and row.file.name.endswith(f".{extension}")
    assert (media / row.file.name).read_bytes() == data
    with Image.open(media / row.thumbnail.name) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 480 and thumb.size == (480, 360)
    assert len(files_under(media)) == 2
    entry = AuditEntry.objects.get(action="activities.attachment.add")
    assert entry.after["type"] == content_type and entry.actor == org.user("liaison")


def test_the_stored_name_follows_the_content_not_the_uploaded_name(activity, media):
    attachment = records.attachment_add(
        activity=activity, upload=upload("page.html", image_bytes("PNG"), "text/html"), kind="photo", by=None
    )
    assert attachment.file.name.endswith(".png") and attachment.content_type == "image/png"
    assert attachment.original_name == "page.html"


def test_a_pdf_and_a_word_document_are_kept_without_a_thumbnail(activity, media):
    pdf = records.attachment_add(
        activity=activity,
        upload=upload("纪要.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "application/pdf"),
        kind="document",
        by=None,
    )
    word = records.attachment_add(
        activity=activity,
        upload=upload("发言.docx", docx_bytes(), "application/octet-stream"),
        kind="document",
        by=None,
    )
    assert (pdf.content_type, word.content_type) == (
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert not pdf.thumbnail and word.file.name.endswith(".docx")
    assert Attachment.objects.count() == 2 and len(files_under(media)) == 2


def test_deleting_an_attachment_removes_its_files_after_commit(activity, media, django_capture_on_commit_callbacks):
    attachment = records.attachment_add(
        activity=activity, upload=upload("a.jpg", image_bytes(), "image/jpeg"), kind="photo", by=None
    )
    assert len(files_under(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        records.attachment_delete(attachment=attachment, by=None)
    assert not Attachment.objects.exists()
    assert files_under(media) == []


# --- refused --------------------------------------------------------------------------------------


def test_an_oversized_file_is_refused_with_the_limit_named(activity, media, settings):
    settings.ACTIVITY_MAX_UPLOAD_BYTES = 2048
    data = image_bytes("PNG", size=(400, 400)) + b"\0" * 4096
    assert len(data) > 2048
    with pytest.raises(ValidationError) as caught:
        records.attachment_add(activity=activity, upload=upload("big.png", data, "image/png"), kind="photo", by=None)
    message = caught.value.message_dict["file"][0]
    assert filesizeformat(2048) in message
    assert_nothing_kept(media)


def test_an_empty_file_is_refused(activity, media):
    with pytest.raises(ValidationError) as caught:
        records.attachment_add(activity=activity, upload=upload("a.jpg", b"", "image/jpeg"), kind="photo", by=None)
    assert "file" in caught.value.message_dict
    assert_nothing_kept(media)


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\0" * 200
    + b"This program cannot be run in DOS mode"
)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kind"),
    [
        ("photo.jpg", HTML, "image/jpeg", "photo"),
        ("photo.jpg", EXE, "image/jpeg", "photo"),
        ("photo.jpg", HTML, "image/jpeg", "document"),
        ("photo.jpg", EXE, "image/jpeg", "document"),
        ("report.pdf", "这是一份文本文件，不是 PDF。".encode(), "application/pdf", "document"),
        ("report.docx", b"PK\x03\x04" + b"\0" * 100, "application/vnd.ms-word", "document"),
        ("archive.docx", None, "application/zip", "document"),
        ("anim.gif", None, "image/gif", "photo"),
        ("scan.pdf", None, "application/pdf", "photo"),
    ],
    ids=[
        "html-as-jpeg",
        "exe-as-jpeg",
        "html-doc",
        "exe-doc",
        "text-as-pdf",
        "broken-zip",
        "plain-zip",
        "gif",
        "pdf-as-photo",
    ],
)
def test_a_disguised_file_is_refused_and_nothing_is_kept(activity, media, name, content, content_type, kind):
    if content is None and name.endswith(".gif"):
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, format="GIF")
        content = out.getvalue()
    elif content is None and name == "scan.pdf":
        content = b"%PDF-1.4\n%\xe2\xe3\n"
    elif content is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "not an office document")
        content = out.getvalue()
    with pytest.raises(ValidationError) as caught:
        records.attachment_add(activity=activity, upload=upload(name, content, content_type), kind=kind, by=None)
    assert "file" in caught.value.message_dict
    assert_nothing_kept(media)


def test_a_truncated_jpeg_is_refused_and_nothing_is_kept(activity, media):
    data = image_bytes("JPEG", size=(800, 600))
    with pytest.raises(ValidationError) as caught:
        records.attachment_add(
            activity=activity, upload=upload("cut.jpg", data[: len(data) // 2], "image/jpeg"), kind="photo", by=None
        )
    assert "file" in caught.value.message_dict
    assert_nothing_kept(media)


def test_an_unknown_kind_is_refused(activity, media):
    with pytest.raises(ValidationError) as caught:
        records.attachment_add(
            activity=activity, upload=upload("a.jpg", image_bytes(), "image/jpeg"), kind="video", by=None
        )
    assert "kind" in caught.value.message_dict
    assert_nothing_kept(media)


def test_liaison_of_another_street_cannot_upload(org, activity, media):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        records.attachment_add(
            activity=activity,
            upload=upload("a.jpg", image_bytes(), "image/jpeg"),
            kind="photo",
            by=org.user("liaison_b"),
        )
    assert_nothing_kept(media)
