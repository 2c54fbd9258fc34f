"""``python -m taolun.text similar`` prints one JSON line per article, and refuses bad input clearly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from . import corpus

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own module, arguments built here
        [sys.executable, "-m", "taolun.text", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture
def folders(tmp_path):
    reference = tmp_path / "reference"
    (reference / "nested").mkdir(parents=True)
    source = corpus.report("1996")
    (reference / "1996.txt").write_text(source, encoding="utf-8")
    (reference / "nested" / "1988.txt").write_text(corpus.report("1988"), encoding="utf-8")
    (reference / "notes.md").write_text("不是参考文本", encoding="utf-8")
    own = corpus.report("2016")
    copied = tmp_path / "心得体会.txt"
    copied.write_text("学习体会：" + source[3000:5000] + own[6000:7000], encoding="utf-8")
    classmate = tmp_path / "classmate.txt"
    classmate.write_text(own[6000:7000] + "我的体会是要学以致用。", encoding="utf-8")
    independent = tmp_path / "independent.txt"
    independent.write_text(corpus.report("2012")[:4000], encoding="utf-8")
    return reference, copied, classmate, independent


def test_prints_one_json_object_per_file(folders):
    reference, copied, classmate, independent = folders
    result = run("similar", "--reference", str(reference), str(copied), str(classmate), str(independent))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(copied), str(classmate), str(independent)]
    by_file = {line["file"]: line for line in lines}

    first = by_file[str(copied)]
    assert first["flagged"] is True
    assert first["ratio"] > 0.95  # two thirds from the 1996 report, the rest shared with a classmate
    sources = {match["source"]: match for match in first["matches"]}
    assert 0.6 < sources[str(reference / "1996.txt")]["ratio"] < 0.75
    assert 0.25 < sources[str(classmate)]["ratio"] < 0.4  # the other FILEs are sources too
    text = copied.read_text(encoding="utf-8")
    start, end, source_start, source_end = sources[str(reference / "1996.txt")]["spans"][0]
    assert text[start:end] in (reference / "1996.txt").read_text(encoding="utf-8")[source_start - 5 : source_end + 5]
    assert by_file[str(classmate)]["flagged"] is True
    assert by_file[str(independent)]["flagged"] is False
    assert round(first["ratio"], 4) == first["ratio"]
    assert "学习体会" not in result.stdout and "国务院" not in result.stdout  # only names and numbers
    assert "心得体会.txt" in result.stdout  # ensure_ascii=False keeps Chinese file names readable


def test_threshold_is_configurable(folders):
    reference, copied, _, _ = folders
    [line] = [
        json.loads(x)
        for x in run("similar", "--reference", str(reference), "--threshold", "0.9", str(copied)).stdout.splitlines()
    ]
    assert line["flagged"] is False


def test_a_binary_reference_is_a_clear_error(folders):
    reference, copied, _, _ = folders
    (reference / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00")
    result = run("similar", "--reference", str(reference), str(copied))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "scan.txt" in result.stderr and result.stderr.count("\n") == 1


def test_a_gbk_article_is_read_as_chinese_windows_saves_it(folders, tmp_path):
    reference, _, _, _ = folders
    source = (reference / "1996.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "文章.txt"
    gbk.write_bytes(("学习体会：" + source[3000:4000]).encode("gb18030"))
    result = run("similar", "--reference", str(reference), str(gbk))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flagged"] is True


def test_help_names_the_command_and_its_options():
    result = run("similar", "--help")
    assert result.returncode == 0
    assert "--reference" in result.stdout and "--threshold" in result.stdout and "FILE" in result.stdout
    assert run().returncode == 2
