"""The reference library pages: who may use them, uploading many files at once (all or nothing, with a
per-file report), the limits on an upload, reading and deleting texts and collections."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from taolun.articles import detection, references
from taolun.articles.models import ReferenceCollection, ReferenceText
from taolun.text.tests.word import docx_of

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa" * 20


def txt(name: str, text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/plain")


@pytest.fixture
def collection(org):
    return references.collection_create(name="中央文件", description="讲话和报告", by=org.user("office"))


def keys_of_collection(collection) -> set[str]:
    return {detection.reference_key(pk) for pk in collection.texts.values_list("pk", flat=True)}


def page_text(response) -> str:
    return response.content.decode()


# —— who may use the pages ——


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("office", True),
        ("admin", True),
        ("reviewer", False),
        ("cadre", False),
        ("liaison", False),
        ("anonymous", False),
    ],
)
def test_only_the_office_and_admins_use_the_library(org, collection, login, texts, role, allowed):
    text = references.references_import(collection=collection, files=[("讲话.txt", texts[0][:500].encode())], by=None)
    pk = text.ids[0]
    client = login(org.users[role])
    urls = [
        reverse("articles:references"),
        reverse("articles:collection", args=[collection.pk]),
        reverse("articles:collection_delete", args=[collection.pk]),
        reverse("articles:reference", args=[pk]),
    ]
    for url in urls:
        response = client.get(url)
        if allowed:
            assert response.status_code == 200, url
        elif role == "anonymous":
            assert response.status_code == 302 and "/login/" in response["Location"], url
        else:
            assert response.status_code == 403, url
    # Nor may they write: create, upload, delete a text, delete the collection.
    client.post(reverse("articles:references"), {"name": "新文库"})
    client.post(reverse("articles:collection", args=[collection.pk]), {"uploads": [txt("新.txt", texts[1][:500])]})
    client.post(reverse("articles:reference_delete", args=[pk]))
    if not allowed:
        client.post(reverse("articles:collection_delete", args=[collection.pk]))
        assert not ReferenceCollection.objects.filter(name="新文库").exists()
        assert ReferenceCollection.objects.filter(pk=collection.pk).exists()
        assert list(ReferenceText.objects.values_list("pk", flat=True)) == [pk]


def test_the_list_shows_each_collection_with_its_counts_and_creates_one(org, collection, login, texts):
    references.references_import(
        collection=collection,
        files=[("一.txt", b"x" * 30), ("二.txt", "学习贯彻会议精神，推动高质量发展。".encode() * 4)],
        by=None,
    )
    client = login(org.user("office"))
    html = page_text(client.get(reverse("articles:references")))
    assert "中央文件" in html and "讲话和报告" in html
    assert '<td class="nowrap">2</td>' in html  # two texts
    chars = sum(collection.texts.values_list("chars", flat=True))
    assert f'<td class="nowrap">{chars}</td>' in html
    response = client.post(reverse("articles:references"), {"name": "省委文件", "description": "省委全会报告"})
    created = ReferenceCollection.objects.get(name="省委文件")
    assert response.status_code == 302 and response["Location"] == reverse("articles:collection", args=[created.pk])
    assert created.created_by == org.user("office") and created.description == "省委全会报告"
    response = client.post(reverse("articles:references"), {"name": "省委文件"})
    assert response.status_code == 200 and "已有名为“省委文件”的文库" in page_text(response)
    assert ReferenceCollection.objects.filter(name="省委文件").count() == 1


# —— uploading many files at once ——


def test_several_txt_and_a_docx_are_imported_indexed_and_duplicates_skipped(
    org, collection, login, texts, django_capture_on_commit_callbacks
):
    client = login(org.user("office"))
    url = reverse("articles:collection", args=[collection.pk])
    form = page_text(client.get(url))
    assert '<input type="file" name="uploads" multiple accept=".txt,.docx' in form
    files = [
        txt("2016年政府工作报告.txt", texts[0][:3000]),
        txt("2017年政府工作报告.txt", texts[1][:3000], encoding="gb18030"),
        SimpleUploadedFile("2015年政府工作报告.docx", docx_of(texts[2][:3000])),
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the indexing task runs as on a real commit
        response = client.post(url, {"uploads": files}, follow=True)
    assert "导入 3 篇，跳过重复 0 篇" in page_text(response)
    rows = {t.title: t for t in collection.texts.all()}
    assert set(rows) == {"2016年政府工作报告", "2017年政府工作报告", "2015年政府工作报告"}
    assert rows["2015年政府工作报告"].source_name == "2015年政府工作报告.docx"
    assert rows["2017年政府工作报告"].body.startswith(texts[1][:50].strip())
    assert rows["2016年政府工作报告"].imported_by == org.user("office")
    assert all(t.indexed for t in rows.values())
    assert keys_of_collection(collection) <= set(detection.library())
    # Again with one text already there (under another name) and one new one: the known one is skipped.
    again = [txt("重复.txt", texts[0][:3000]), txt("2014年政府工作报告.txt", texts[3][:3000])]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"uploads": again}, follow=True)
    assert "导入 1 篇，跳过重复 1 篇" in page_text(response)
    assert collection.texts.count() == 4
    assert keys_of_collection(collection) <= set(detection.library())


def test_a_batch_with_unreadable_files_imports_nothing_and_names_each_one(
    org, collection, login, texts, django_capture_on_commit_callbacks
):
    client = login(org.user("office"))
    files = [
        txt("好的文件.txt", texts[0][:2000]),
        SimpleUploadedFile("图片改名.txt", PNG),
        SimpleUploadedFile("不是Word.docx", b"this is not a zip archive at all"),
        SimpleUploadedFile("好的文档.docx", docx_of(texts[1][:2000])),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("articles:collection", args=[collection.pk]), {"uploads": files})
    html = page_text(response)
    assert response.status_code == 200
    assert "这批文件一个也没有导入" in html
    assert '<tr class="row-error"><td>图片改名.txt</td><td>这不是文本文件' in html
    assert '<tr class="row-error"><td>不是Word.docx</td>' in html and "不是有效的 Word" in html
    assert "<td>好的文件.txt</td>" not in html
    assert not ReferenceText.objects.exists()
    assert len(detection.library()) == 0


def test_an_empty_or_almost_empty_file_is_reported(org, collection, login):
    client = login(org.user("office"))
    files = [SimpleUploadedFile("空.txt", b""), txt("短.txt", "只有几个字")]
    html = page_text(client.post(reverse("articles:collection", args=[collection.pk]), {"uploads": files}))
    assert "<td>空.txt</td><td>文件是空的。</td>" in html
    assert "<td>短.txt</td><td>文件几乎没有文字" in html
    assert not ReferenceText.objects.exists()


def test_no_file_chosen_is_a_clear_error(org, collection, login):
    html = page_text(login(org.user("office")).post(reverse("articles:collection", args=[collection.pk]), {}))
    assert "请选择要导入的文件。" in html


def test_more_files_than_allowed_are_refused_with_a_clear_error(org, collection, login, texts, settings, monkeypatch):
    client = login(org.user("office"))
    url = reverse("articles:collection", args=[collection.pk])
    batch = [txt(f"{n}.txt", texts[n][:500]) for n in range(4)]
    # Beyond Django's own limit the request body is not read at all: the same clear message, not a bare 400.
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    response = client.post(url, {"uploads": batch})
    assert response.status_code == 200 and "一次最多上传 3 个文件" in page_text(response)
    # The library's limit, when it is the lower one.
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 100
    monkeypatch.setattr(references, "MAX_FILES", 2)
    for upload in batch:
        upload.seek(0)
    response = client.post(url, {"uploads": batch})
    assert "一次最多上传 2 个文件，这次选了 4 个" in page_text(response)
    assert not ReferenceText.objects.exists()


def test_an_upload_over_the_size_limit_is_refused(org, collection, login, texts, settings, monkeypatch):
    client = login(org.user("office"))
    url = reverse("articles:collection", args=[collection.pk])
    settings.ARTICLES_REFERENCES_MAX_UPLOAD_BYTES = 4000
    batch = [txt("一.txt", texts[0][:1000]), txt("二.txt", texts[1][:1000])]  # about 6 KB together
    response = client.post(url, {"uploads": batch})
    assert "超过了一次上传的上限" in page_text(response)
    # A body far larger than the limit is refused from its length, before it is read.
    settings.ARTICLES_REFERENCES_MAX_UPLOAD_BYTES = 10
    monkeypatch.setattr("taolun.articles.views_library.MULTIPART_SLACK", 0)
    for upload in batch:
        upload.seek(0)
    response = client.post(url, {"uploads": batch})
    assert "超过了一次上传的上限" in page_text(response)
    # One file over the per-file limit is named; nothing is imported.
    settings.ARTICLES_REFERENCES_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    monkeypatch.setattr(references, "MAX_FILE_BYTES", 2000)
    batch = [txt("小.txt", texts[0][:300]), txt("大.txt", texts[1][:1500])]
    html = page_text(client.post(url, {"uploads": batch}))
    assert "<td>大.txt</td><td>文件有" in html and "<td>小.txt</td>" not in html
    assert not ReferenceText.objects.exists()


def test_the_upload_is_protected_against_cross_site_requests(org, collection, texts):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("office"))
    url = reverse("articles:collection", args=[collection.pk])
    response = client.post(url, {"uploads": [txt("一.txt", texts[0][:500])]})
    assert response.status_code == 403
    assert not ReferenceText.objects.exists()
    client.get(url)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"uploads": [txt("一.txt", texts[0][:500])], "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert collection.texts.count() == 1


# —— the collection's page, a text, deleting ——


def test_the_collection_page_searches_titles(org, collection, login, texts):
    references.references_import(
        collection=collection,
        files=[("2016年政府工作报告.txt", texts[0][:300].encode()), ("省委全会公报.txt", texts[1][:300].encode())],
        by=None,
    )
    client = login(org.user("office"))
    html = page_text(client.get(reverse("articles:collection", args=[collection.pk]), {"q": "政府"}))
    assert "2016年政府工作报告" in html and "省委全会公报" not in html
    assert "共 2 篇文本" in html


@pytest.mark.parametrize("size", [2, 30])
def test_collection_page_query_count_does_not_grow_with_the_texts(
    org, collection, login, django_assert_num_queries, size
):
    files = [(f"文本{n}.txt", (f"第{n}篇。" + "学习贯彻会议精神，推动高质量发展。" * 3).encode()) for n in range(size)]
    references.references_import(collection=collection, files=files, by=None)
    client = login(org.user("office"))
    client.get(reverse("articles:references"))  # the session and roles are cached like any later request
    # session, user, roles, the collection with its counts, the page's count, the page's texts, and the
    # base layout's own two (the viewer's person for the menu, unread notifications)
    with django_assert_num_queries(8):
        response = client.get(reverse("articles:collection", args=[collection.pk]))
    assert response.status_code == 200
    with django_assert_num_queries(6):
        client.get(reverse("articles:references"))


def test_a_text_is_shown_escaped(org, collection, login):
    body = "正文里有<script>alert('x')</script>和<b>标记</b>，要照原样显示为文字，不能执行。"
    report = references.references_import(
        collection=collection, files=[("<svg onload=alert(1)>标题.txt", body.encode())], by=None
    )
    html = page_text(login(org.user("office")).get(reverse("articles:reference", args=[report.ids[0]])))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<svg" not in html
    assert "&lt;svg onload=alert(1)&gt;标题" in html


def test_deleting_a_text_removes_it_from_the_library(org, collection, login, texts, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = references.references_import(
            collection=collection,
            files=[("一.txt", texts[0][:2000].encode()), ("二.txt", texts[1][:2000].encode())],
            by=None,
        )
    first, second = report.ids
    assert detection.reference_key(first) in detection.library()
    client = login(org.user("office"))
    assert client.get(reverse("articles:reference_delete", args=[first])).status_code == 405  # never on GET
    response = client.post(reverse("articles:reference_delete", args=[first]))
    assert response["Location"] == reverse("articles:collection", args=[collection.pk])
    assert list(collection.texts.values_list("pk", flat=True)) == [second]
    assert detection.reference_key(first) not in detection.library()
    assert detection.reference_key(second) in detection.library()


def test_deleting_a_collection_asks_first_then_removes_its_texts(
    org, collection, login, texts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = references.references_import(
            collection=collection,
            files=[("一.txt", texts[0][:2000].encode()), ("二.txt", texts[1][:2000].encode())],
            by=None,
        )
    client = login(org.user("office"))
    url = reverse("articles:collection_delete", args=[collection.pk])
    html = page_text(client.get(url))
    assert "删除这个文库？" in html and "其中的 2 篇文本将被删除" in html
    assert ReferenceCollection.objects.filter(pk=collection.pk).exists()
    response = client.post(url, follow=True)
    assert "已删除文库“中央文件”及其中的 2 篇文本" in page_text(response)
    assert not ReferenceCollection.objects.exists() and not ReferenceText.objects.exists()
    assert not {detection.reference_key(pk) for pk in report.ids} & set(detection.library())


def test_a_delete_the_library_cannot_take_says_so_and_keeps_the_text(org, login, monkeypatch):
    collection = references.collection_create(name="只读文库", by=None)
    references.references_import(collection=collection, files=[("一.txt", ("正文" * 40).encode())], by=None)
    text = collection.texts.get()

    def refuse(**_kwargs):
        raise ValidationError("比对索引目录无法写入，请稍后再试。")

    monkeypatch.setattr(references, "reference_delete", refuse)
    monkeypatch.setattr(references, "collection_delete", refuse)
    client = login(org.users["office"])
    response = client.post(reverse("articles:reference_delete", args=[text.pk]), follow=True)
    assert "比对索引目录无法写入" in response.content.decode()
    response = client.post(reverse("articles:collection_delete", args=[collection.pk]), follow=True)
    assert "比对索引目录无法写入" in response.content.decode()
    assert ReferenceText.objects.filter(pk=text.pk).exists()
