"""``manage.py articles``: importing reference texts from folders (all or nothing), re-checking a campaign,
rebuilding the detection index.

The import and rebuild tests commit for real (``transaction=True``): the command's indexing runs on
commit, as it does on a server.
"""

from __future__ import annotations

import io
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taolun.articles import detection
from taolun.articles.models import (
    Article,
    ArticleStatus,
    CheckResult,
    RecheckRun,
    RecheckStatus,
    ReferenceCollection,
    ReferenceText,
)
from taolun.text.tests.word import docx_of

from .test_library_views import PNG

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stderr: io.StringIO | None = None) -> str:
    out = io.StringIO()
    call_command("articles", *args, stdout=out, stderr=stderr if stderr is not None else io.StringIO())
    return out.getvalue()


@pytest.fixture
def folder(tmp_path, texts):
    """A folder of reports: two .txt at the top, a .docx in a subfolder, and files that are not texts (other
    kinds, Word's lock file, a hidden folder)."""
    root = tmp_path / "报告"
    (root / "更早").mkdir(parents=True)
    (root / "2016年政府工作报告.txt").write_text(texts[0][:3000], encoding="utf-8")
    (root / "2017年政府工作报告.txt").write_text(texts[1][:3000], encoding="gb18030")
    (root / "更早" / "2015年政府工作报告.docx").write_bytes(docx_of(texts[2][:3000]))
    (root / "说明.md").write_text("不是 .txt 或 .docx，不导入。")
    (root / "封面.png").write_bytes(PNG)
    (root / "~$16年政府工作报告.docx").write_bytes(b"\x0bWord's lock file of an open document")
    (root / ".备份").mkdir()
    (root / ".备份" / "旧稿.txt").write_bytes(PNG)
    return root


def reference_keys() -> set[str]:
    return {detection.reference_key(pk) for pk in ReferenceText.objects.values_list("pk", flat=True)}


# —— import-references ——


@pytest.mark.django_db(transaction=True)
def test_import_a_folder_with_a_progress_bar_and_index_the_texts(org, folder):
    terminal = Terminal()
    out = run(
        "import-references",
        "--collection",
        "政府工作报告",
        "--create",
        "--description",
        "历年报告",
        str(folder),
        stderr=terminal,
    )
    assert "导入 3 篇，跳过重复 0 篇" in out and "新文本已加入比对索引" in out
    assert "读取: 100%" in terminal.getvalue() and "3/3" in terminal.getvalue()
    collection = ReferenceCollection.objects.get(name="政府工作报告")
    assert collection.description == "历年报告"
    assert sorted(collection.texts.values_list("title", flat=True)) == [
        "2015年政府工作报告",
        "2016年政府工作报告",
        "2017年政府工作报告",
    ]
    assert all(collection.texts.values_list("indexed", flat=True))
    assert collection.texts.filter(imported_by__isnull=True).count() == 3  # the system imported them
    assert reference_keys() <= set(detection.library())
    # Again, with one more file named on its own: the three known texts are skipped.
    extra = folder.parent / "2018年政府工作报告.txt"
    extra.write_text(folder.joinpath("2016年政府工作报告.txt").read_text()[::-1], encoding="utf-8")
    pipe = io.StringIO()
    out = run("import-references", "--collection", "政府工作报告", str(folder), str(extra), stderr=pipe)
    assert "导入 1 篇，跳过重复 3 篇" in out
    assert pipe.getvalue() == ""  # no bar when stderr is not a terminal
    assert collection.texts.count() == 4 and reference_keys() <= set(detection.library())


@pytest.mark.django_db(transaction=True)
def test_bad_files_are_listed_and_nothing_is_imported(org, folder):
    (folder / "图片改名.txt").write_bytes(PNG)
    (folder / "更早" / "坏文档.docx").write_bytes(b"this is not a zip archive")
    with pytest.raises(CommandError) as raised:
        run("import-references", "--collection", "政府工作报告", "--create", str(folder))
    assert raised.value.returncode == 1 and "没有导入任何文件" in str(raised.value)
    assert not ReferenceCollection.objects.exists()  # the collection asked for is not created either
    assert not ReferenceText.objects.exists()
    assert len(detection.library()) == 0
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "articles",
            "import-references",
            "--collection",
            "x",
            "--create",
            str(folder),
            stdout=out,
            stderr=io.StringIO(),
        )
    lines = out.getvalue().splitlines()
    assert lines == [
        f"{folder / '图片改名.txt'}: 这不是文本文件（可能是图片、压缩包或其他二进制文件被改成了 .txt）。"
        "请上传用记事本保存的纯文本文件或 Word（.docx）文件。",
        f"{folder / '更早' / '坏文档.docx'}: " + lines[1].split(": ", 1)[1],
    ]
    assert "Word" in lines[1]


def test_unknown_collection_missing_path_and_empty_folder_are_refused(org, folder, tmp_path):
    with pytest.raises(CommandError, match="没有名为“无此文库”的文库。要新建它，请加上 --create"):
        run("import-references", "--collection", "无此文库", str(folder))
    with pytest.raises(CommandError, match="找不到文件或文件夹"):
        run("import-references", "--collection", "新文库", "--create", str(folder), str(tmp_path / "missing"))
    (tmp_path / "空").mkdir()
    with pytest.raises(CommandError, match=r"没有 \.txt 或 \.docx 文件"):
        run("import-references", "--collection", "新文库", "--create", str(tmp_path / "空"))
    assert not ReferenceCollection.objects.exists() and not ReferenceText.objects.exists()


# —— recheck ——


def test_recheck_runs_the_campaign_with_a_bar_and_reports(
    org, campaign, make_article, make_author, texts, django_capture_on_commit_callbacks
):
    first = make_article(make_author(), body=texts[0][:3000], status=ArticleStatus.SUBMITTED)
    make_article(make_author(), body=texts[1][:3000], status=ArticleStatus.APPROVED)
    make_article(make_author(), body="草稿不检测。" * 100)  # a draft: not handed in
    # Handed in before the first was in the library (its index was lost, say): only a re-check finds the copy.
    copied = make_article(make_author(), body="我的体会。" + texts[0][200:2200], status=ArticleStatus.SUBMITTED)
    Article.objects.filter(pk=copied.pk).update(ratio=0, flagged=False)
    terminal = Terminal()
    checks_before = CheckResult.objects.count()
    with django_capture_on_commit_callbacks(execute=True):  # the queued task runs too, and finds the run taken
        out = run("recheck", "--campaign", campaign.slug, stderr=terminal)
    assert CheckResult.objects.count() == checks_before + 3  # each article checked once
    # The copy is flagged; its original is compared only with what was handed in before it.
    assert "批量检测完成：共 3 篇，已检测 3 篇，疑似抄袭 1 篇" in out
    assert "检测: 100%" in terminal.getvalue()
    recheck = RecheckRun.objects.get()
    assert (recheck.status, recheck.total, recheck.done, recheck.flagged) == (RecheckStatus.DONE, 3, 3, 1)
    assert recheck.created_by is None and recheck.finished_at is not None
    copied.refresh_from_db()
    first.refresh_from_db()
    assert copied.flagged and not first.flagged


def test_recheck_refuses_an_unknown_campaign_and_a_busy_one(org, campaign, make_article, author):
    with pytest.raises(CommandError, match="没有标识为“nope”的大讨论活动"):
        run("recheck", "--campaign", "nope")
    RecheckRun.objects.create(campaign=campaign, status=RecheckStatus.RUNNING)
    with pytest.raises(CommandError, match="正在进行"):
        run("recheck", "--campaign", campaign.slug)
    assert RecheckRun.objects.count() == 1


# —— rebuild-index ——


@pytest.mark.django_db(transaction=True)
def test_rebuild_index_restores_a_lost_index(org, campaign, folder, make_article, make_author, texts, index_dir):
    run("import-references", "--collection", "政府工作报告", "--create", str(folder))
    articles = [
        make_article(make_author(), body=texts[3][:2500], status=ArticleStatus.SUBMITTED),
        make_article(make_author(), body=texts[4][:2500], status=ArticleStatus.EXCELLENT),
    ]
    make_article(make_author(), body=texts[5][:2500])  # a draft stays out
    expected = reference_keys() | {
        detection.article_key(a.pk, a.revisions.filter(kind="submission").latest("number").pk) for a in articles
    }
    assert set(detection.library()) == expected
    shutil.rmtree(index_dir)
    terminal = Terminal()
    out = run("rebuild-index", stderr=terminal)
    assert "比对索引已重建：比对文本 3 篇，文章 2 篇" in out
    assert "比对文本: 100%" in terminal.getvalue() and "文章: 100%" in terminal.getvalue()
    assert set(detection.library()) == expected
    detection._libraries.clear()  # as another process would read it from the folder
    assert set(detection.library()) == expected
    assert ReferenceText.objects.filter(indexed=False).count() == 0
    assert Article.objects.filter(indexed_revision__isnull=False).count() == 2
    # A copy of a reference text is found again against the rebuilt index.
    copied = make_article(
        make_author(),
        body="体会如下。" + folder.joinpath("2016年政府工作报告.txt").read_text()[100:2000],
        status="submitted",
    )
    copied.refresh_from_db()
    assert copied.flagged
