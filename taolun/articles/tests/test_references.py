"""The reference library's import: all or nothing with every bad file named, the encodings Chinese offices
save text in and real .docx files, duplicates skipped, near-empty texts refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.articles import detection, references
from taolun.articles.models import ReferenceCollection, ReferenceText
from taolun.core.models import AuditEntry
from taolun.text.tests.word import docx_of

pytestmark = pytest.mark.django_db

SPEECH = (
    "同志们：这次大讨论活动，是推动全区高质量发展的一次思想再动员。\n"
    "我们要把解放思想贯穿始终，把查摆问题作为关键，把成果转化作为落脚点，"
    "真正做到见人见事见思想。"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90\x91h6" + bytes(
    range(256)
)


@pytest.fixture
def collection(db):
    return references.collection_create(name="市委文件", description="2018 年", by=None)


def imported(collection: ReferenceCollection) -> dict[str, str]:
    return dict(collection.texts.values_list("title", "body"))


def test_one_bad_file_imports_none_and_every_bad_file_is_named(collection, django_capture_on_commit_callbacks):
    files = [
        ("好文件.txt", SPEECH.encode()),
        ("a.txt", PNG),
        ("b.docx", b"this is not a zip archive at all"),
        ("c.txt", b""),
        ("d.pdf", b"%PDF-1.4"),
    ]
    audit = AuditEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = references.references_import(collection=collection, files=files, by=None)
    assert not report.ok and report.added == 0 and report.ids == []
    problems = dict(report.errors)
    assert list(problems) == ["a.txt", "b.docx", "c.txt", "d.pdf"]
    assert "不是文本文件" in problems["a.txt"]
    assert "Word" in problems["b.docx"]
    assert "空" in problems["c.txt"]
    assert ".txt" in problems["d.pdf"] and ".docx" in problems["d.pdf"]
    assert not ReferenceText.objects.exists()
    assert AuditEntry.objects.count() == audit
    assert callbacks == []
    assert len(detection.library()) == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", SPEECH.encode("utf-8")),
        ("utf8-bom.txt", SPEECH.encode("utf-8-sig")),
        ("gb18030.txt", SPEECH.encode("gb18030")),
        ("utf16.txt", SPEECH.encode("utf-16")),
        ("windows.txt", SPEECH.replace("\n", "\r\n").encode("gb18030")),
        ("word.docx", docx_of(SPEECH)),
    ],
)
def test_each_encoding_and_word_files_import(collection, django_capture_on_commit_callbacks, name, data):
    with django_capture_on_commit_callbacks(execute=True):
        report = references.references_import(collection=collection, files=[(name, data)], by=None)
    assert report.ok and (report.added, report.skipped) == (1, 0)
    text = ReferenceText.objects.get()
    assert text.body == SPEECH
    assert (text.title, text.source_name) == (name.rsplit(".", 1)[0], name)
    assert text.chars == len(SPEECH) - SPEECH.count("\n")
    assert text.indexed and detection.reference_key(text.pk) in detection.library()


def test_a_batch_of_mixed_files_imports_together(collection, django_capture_on_commit_callbacks):
    other = SPEECH.replace("大讨论", "主题教育")
    third = SPEECH.replace("全区", "全市")
    files = [("一.txt", SPEECH.encode("gb18030")), ("二.docx", docx_of(other)), ("三.txt", third.encode("utf-16"))]
    with django_capture_on_commit_callbacks(execute=True):
        report = references.references_import(collection=collection, files=files, by=None)
    assert (report.added, report.skipped, report.errors) == (3, 0, [])
    assert imported(collection) == {"一": SPEECH, "二": other, "三": third}
    assert sorted(report.ids) == sorted(collection.texts.values_list("pk", flat=True))
    entry = AuditEntry.objects.filter(action="articles.references_import").get()
    assert entry.after == {"added": 3, "skipped": 0}


def test_the_same_text_is_skipped_not_duplicated(collection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = references.references_import(collection=collection, files=[("原件.txt", SPEECH.encode())], by=None)
    # The same content under another name and encoding, twice in one batch, and a new text.
    files = [
        ("副本.docx", docx_of(SPEECH)),
        ("副本2.txt", SPEECH.encode("gb18030")),
        ("新.txt", (SPEECH + "\n补充一段新的内容。").encode()),
        ("新的副本.txt", (SPEECH + "\n补充一段新的内容。").encode("utf-16")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        second = references.references_import(collection=collection, files=files, by=None)
    assert (first.added, second.added, second.skipped) == (1, 1, 3)
    assert collection.texts.count() == 2
    # Another collection may hold the same text.
    elsewhere = references.collection_create(name="另一文库", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        third = references.references_import(collection=elsewhere, files=[("原件.txt", SPEECH.encode())], by=None)
    assert third.added == 1


def test_a_dry_run_reports_without_importing(collection):
    report = references.references_import(
        collection=collection, files=[("a.txt", SPEECH.encode()), ("b.txt", SPEECH.encode())], by=None, dry_run=True
    )
    assert (report.added, report.skipped, report.ok) == (1, 1, True)
    assert not ReferenceText.objects.exists()


@pytest.mark.parametrize("text", ["短短一句话。", "一二三四五六七八九十 一二三四五六七八九", " \n\t　\n"])
def test_texts_under_the_minimum_are_refused(collection, text):
    assert references.MIN_TEXT_CHARS == 20
    report = references.references_import(
        collection=collection, files=[("长.txt", SPEECH.encode()), ("短.txt", text.encode())], by=None
    )
    assert [name for name, _problem in report.errors] == ["短.txt"]
    assert "20" in report.errors[0][1]
    assert not ReferenceText.objects.exists()


def test_control_characters_in_a_text_are_stripped(collection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        references.references_import(collection=collection, files=[("a.txt", (SPEECH + "\x0b\x07").encode())], by=None)
    assert ReferenceText.objects.get().body == SPEECH


def test_nothing_to_import_and_too_many_files(collection, monkeypatch):
    assert references.references_import(collection=collection, files=[], by=None).errors == [
        ("", "请选择要导入的文件。")
    ]
    monkeypatch.setattr(references, "MAX_FILES", 2)
    report = references.references_import(collection=collection, files=[("a.txt", SPEECH.encode())] * 3, by=None)
    assert not report.ok and not ReferenceText.objects.exists()


def test_collections_have_unique_names_and_only_the_office_manages_them(org, collection):
    with pytest.raises(ValidationError) as refused:
        references.collection_create(name=" 市委文件 ", by=org.user("office"))
    assert "name" in refused.value.message_dict
    with pytest.raises(ValidationError):
        references.collection_create(name="", by=None)
    for role in ("liaison", "reviewer", "publicity", "cadre"):
        with pytest.raises(PermissionDenied):
            references.references_import(collection=collection, files=[("a.txt", SPEECH.encode())], by=org.user(role))
        with pytest.raises(PermissionDenied):
            references.collection_delete(collection=collection, by=org.user(role))
    assert ReferenceCollection.objects.filter(pk=collection.pk).exists()
    made = references.collection_create(name="省委文件", by=org.user("office"))
    assert AuditEntry.objects.filter(action="articles.collection_create", object_id=str(made.pk)).exists()
