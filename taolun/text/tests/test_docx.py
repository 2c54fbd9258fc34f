"""Reading uploaded .txt and .docx files: the body text in order, and a clear error for anything else."""

from __future__ import annotations

import io
import zipfile

import pytest

from taolun.text.docx import TextFileError, read_docx, read_text_file

from .word import CONTENT_TYPES, W, package


def _paragraph(*runs: str) -> str:
    return "<w:p>" + "".join(f'<w:r><w:t xml:space="preserve">{run}</w:t></w:r>' for run in runs) + "</w:p>"


def _document(body: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f'<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    ).encode()


def test_paragraphs_in_order_one_line_each():
    body = (
        _paragraph("学习贯彻", "党的二十大精神") + _paragraph() + _paragraph("心得体会：要&lt;务实&gt;") + "<w:p><w:r>"
        "<w:t>第一</w:t><w:tab/><w:t>第二</w:t><w:br/><w:t>第三</w:t><w:delText>删掉的</w:delText></w:r></w:p>"
    )
    text = read_docx(package(_document(body)))
    assert text == "学习贯彻党的二十大精神\n\n心得体会：要<务实>\n第一\t第二\n第三"
    assert read_docx(io.BytesIO(package(_document(body)))) == text  # a file object too
    assert read_text_file(package(_document(body)), "心得.DOCX") == text


def test_table_cells_are_read():
    table = (
        "<w:tbl><w:tr><w:tc>" + _paragraph("姓名") + "</w:tc><w:tc>" + _paragraph("张三") + "</w:tc></w:tr>"
        "<w:tr><w:tc>" + _paragraph("体会") + "</w:tc><w:tc>" + _paragraph("要学以致用") + "</w:tc></w:tr></w:tbl>"
    )
    text = read_docx(package(_document(_paragraph("前言") + table + _paragraph("结语"))))
    assert text.split("\n") == ["前言", "姓名", "张三", "体会", "要学以致用", "结语"]


def test_alternate_content_is_read_once():
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    body = (
        f'<w:p xmlns:mc="{mc}"><w:r><w:t>正文</w:t></w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        "<w:t>文本框</w:t></mc:Choice><mc:Fallback><w:t>文本框</w:t></mc:Fallback></mc:AlternateContent></w:p>"
    )
    assert read_docx(package(_document(body))) == "正文文本框"


def test_zip_bomb_stops_at_the_cap():
    padding = b" " * 3_000_000  # compresses to a few kilobytes
    bomb = package(_document(_paragraph("开头")).replace(b"<w:body>", b"<w:body>" + padding))
    assert len(bomb) < 50_000
    with pytest.raises(TextFileError, match="压缩炸弹"):
        read_docx(bomb, max_xml_bytes=1_000_000)
    assert read_docx(bomb) == "开头"  # under the default cap it is just a document with much whitespace


def test_declared_size_is_not_trusted(monkeypatch):
    padding = b" " * 3_000_000
    bomb = package(_document(_paragraph("开头")).replace(b"<w:body>", b"<w:body>" + padding))
    real_getinfo = zipfile.ZipFile.getinfo

    def lying_getinfo(self, name):
        info = real_getinfo(self, name)
        info.file_size = 100  # the header claims a tiny member
        return info

    monkeypatch.setattr(zipfile.ZipFile, "getinfo", lying_getinfo)
    # zipfile stops at the declared size and then fails the CRC check: a clear error either way
    with pytest.raises(TextFileError, match=r"压缩炸弹|损坏"):
        read_docx(bomb, max_xml_bytes=1_000_000)


def test_dtd_and_entities_are_refused():
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    with pytest.raises(TextFileError, match="DTD"):
        read_docx(package(_document(_paragraph("&lol2;"), prolog=laughs)))
    external = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    with pytest.raises(TextFileError, match="DTD"):
        read_docx(package(_document(_paragraph("&x;"), prolog=external)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "不是有效的 Word"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Word"),
        (package(b"<w:document><w:body><w:p>"), "已损坏"),
    ],
)
def test_broken_docx_is_refused(data, message):
    with pytest.raises(TextFileError, match=message):
        read_text_file(data, "文章.docx")


def test_docx_without_a_body_and_too_much_text():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    with pytest.raises(TextFileError, match="没有 Word 正文"):
        read_docx(buffer.getvalue())
    with pytest.raises(TextFileError, match="超过 10 字"):
        read_docx(package(_document(_paragraph("一二三四五六", "七八九十十一"))), max_chars=10)
    with pytest.raises(TextFileError, match="超过 1 MB"):
        read_docx(b"x" * (1024 * 1024 + 1), max_bytes=1024 * 1024)
    assert issubclass(TextFileError, ValueError)


def test_utf8_with_and_without_bom_and_gb18030():
    text = "学习心得\r\n要把学习成果转化为推动工作的实际行动。"
    expected = "学习心得\n要把学习成果转化为推动工作的实际行动。"
    assert read_text_file(text.encode("utf-8"), "a.txt") == expected
    assert read_text_file(b"\xef\xbb\xbf" + text.encode("utf-8"), "a.txt") == expected
    assert read_text_file(text.encode("gb18030"), "记事本.TXT") == expected
    assert read_text_file(text.encode("utf-16"), "unicode.txt") == expected


def test_png_given_as_txt_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
    with pytest.raises(TextFileError, match="不是文本文件"):
        read_text_file(png, "图片.txt")


def test_binary_without_nul_bytes_is_refused():
    noise = bytes((i * 97 + 13) % 255 + 1 for i in range(4000))  # no NUL, not UTF-8, GB18030-decodable junk
    with pytest.raises(TextFileError, match="不是文本文件"):
        read_text_file(noise, "noise.txt")


def test_other_suffixes_are_refused():
    with pytest.raises(TextFileError, match="另存为"):
        read_text_file(b"whatever", "old.doc")
    with pytest.raises(TextFileError, match=r"\.txt"):
        read_text_file(b"%PDF-1.7", "paper.pdf")
