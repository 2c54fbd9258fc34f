"""Reading uploaded texts: plain text (UTF-8, or GB18030 from Chinese Windows) and Word .docx files.

Only the standard library: a .docx is a zip archive whose ``word/document.xml`` holds the body. The
XML is streamed through expat with the defences of ``defusedxml`` — a document type declaration
(and so any entity definition) is refused outright, and external entities are never resolved — and
the archive member is decompressed in chunks up to a cap, so a zip bomb stops at the cap instead of
filling memory. Every failure is a :class:`TextFileError` whose message (in Chinese, for the person
who uploaded the file) says what is wrong and what to do.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import PurePath
from typing import IO
from xml.parsers import expat

__all__ = ["MAX_BYTES", "MAX_CHARS", "MAX_XML_BYTES", "TextFileError", "read_docx", "read_text_file"]

MAX_BYTES = 20 * 1024 * 1024  # an uploaded file
MAX_CHARS = 2_000_000  # the text it may hold
MAX_XML_BYTES = 64 * 1024 * 1024  # word/document.xml once decompressed: formatting markup is bulky
_CHUNK = 64 * 1024

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_SEP = "}"  # expat's namespace separator: names arrive as "uri}local"
_P, _T, _TAB, _BR, _CR, _HYPHEN = (f"{_W}{_SEP}{name}" for name in ("p", "t", "tab", "br", "cr", "noBreakHyphen"))
_FALLBACK = f"{_MC}{_SEP}Fallback"  # the same content again, for old Word: read it once only

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc files, and password-protected .docx
_SAVE_AS = "请在 Word 中打开后“另存为” .docx 或纯文本（.txt）文件，再重新上传。"


class TextFileError(ValueError):
    """A file that cannot be read as text; the message says why and what to do."""


class _Refused(Exception):
    pass


class _TooLong(Exception):
    pass


class _Body:
    """expat handlers collecting the text of ``w:t`` runs, one line per ``w:p`` paragraph."""

    def __init__(self, max_chars: int) -> None:
        self.lines: list[str] = []
        self.line: list[str] = []
        self.chars = 0
        self.max_chars = max_chars
        self.in_text = 0
        self.skipping = 0

    def _add(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self.max_chars:
            raise _TooLong
        self.line.append(text)

    def start(self, name: str, _attrs: object) -> None:
        if self.skipping or name == _FALLBACK:
            self.skipping += 1
        elif name == _T:
            self.in_text += 1
        elif name == _TAB:
            self._add("\t")
        elif name in (_BR, _CR):
            self._add("\n")
        elif name == _HYPHEN:
            self._add("-")

    def end(self, name: str) -> None:
        if self.skipping:
            self.skipping -= 1
        elif name == _T:
            self.in_text -= 1
        elif name == _P:
            self.lines.append("".join(self.line))
            self.line = []
            self.chars += 1  # the line break
            if self.chars > self.max_chars:
                raise _TooLong

    def data(self, text: str) -> None:
        if self.in_text and not self.skipping:
            self._add(text)


def _refuse(*_args: object) -> None:
    raise _Refused


def _refuse_external(*_args: object) -> int:
    raise _Refused


def _read_all(data: bytes | IO[bytes], max_bytes: int) -> bytes:
    raw = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TextFileError(
            f"文件超过 {max_bytes / (1024 * 1024):g} MB，无法读取。请删去图片或拆分成几个文件后再上传。"
        )
    return raw


def read_docx(
    data: bytes | IO[bytes],
    *,
    max_bytes: int = MAX_BYTES,
    max_chars: int = MAX_CHARS,
    max_xml_bytes: int = MAX_XML_BYTES,
) -> str:
    """The body text of a .docx: its paragraphs (table cells' too) in order, one line each."""
    raw = _read_all(data, max_bytes)
    if raw.startswith(_OLE):
        raise TextFileError("这是旧版 Word（.doc）文件或加了密码的文件，无法读取。" + _SAVE_AS)
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise TextFileError("文件不是有效的 Word（.docx）文件，可能已损坏或只是改了扩展名。" + _SAVE_AS) from error
    with archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError as error:
            raise TextFileError(
                "文件中没有 Word 正文（word/document.xml），不是 Word（.docx）文件。" + _SAVE_AS
            ) from error
        if info.file_size > max_xml_bytes:
            raise TextFileError("文件解压后过大（疑似压缩炸弹），已拒绝。" + _SAVE_AS)
        body = _Body(max_chars)
        parser = expat.ParserCreate(encoding=None, namespace_separator=_SEP)
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.UnparsedEntityDeclHandler = _refuse
        parser.ExternalEntityRefHandler = _refuse_external
        parser.StartElementHandler = body.start
        parser.EndElementHandler = body.end
        parser.CharacterDataHandler = body.data
        parser.buffer_text = True
        read = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    read += len(chunk)
                    if read > max_xml_bytes:
                        raise TextFileError("文件解压后过大（疑似压缩炸弹），已拒绝。" + _SAVE_AS)
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Refused as error:
            raise TextFileError("Word 文件中含有不允许的文档类型声明（DTD）或实体定义，已拒绝。" + _SAVE_AS) from error
        except _TooLong as error:
            raise TextFileError(f"文件文字超过 {max_chars} 字，无法读取。请拆分成几个文件后再上传。") from error
        except expat.ExpatError as error:
            raise TextFileError("Word 文件的正文已损坏，无法读取。" + _SAVE_AS) from error
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as error:
            # a bad CRC, a truncated member, an unsupported compression method or an encrypted member
            raise TextFileError("Word 文件已损坏或无法解压，无法读取。" + _SAVE_AS) from error
    if body.line:
        body.lines.append("".join(body.line))
    return "\n".join(body.lines).rstrip()


def _looks_binary(text: str) -> bool:
    """Control, private-use or unassigned characters beyond a trace: decoded bytes that are not text."""
    if not text:
        return False
    odd = 0
    for char in text:
        if char in "\t\n\r\f\v":
            continue
        if unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs"):
            odd += 1
    return odd > max(2, len(text) // 200)


def read_text_file(data: bytes, name: str, *, max_bytes: int = MAX_BYTES, max_chars: int = MAX_CHARS) -> str:
    """The text of an uploaded ``.txt`` (UTF-8 with or without BOM, UTF-16 with BOM, or GB18030) or ``.docx``."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".docx":
        return read_docx(data, max_bytes=max_bytes, max_chars=max_chars)
    if suffix == ".doc":
        raise TextFileError(f"{name}：不支持旧版 Word（.doc）文件。" + _SAVE_AS)
    if suffix != ".txt":
        raise TextFileError(f"{name}：只能读取纯文本（.txt）或 Word（.docx）文件。" + _SAVE_AS)
    raw = _read_all(data, max_bytes)
    text: str | None = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = None
    elif b"\x00" not in raw:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None or _looks_binary(text):
        raise TextFileError(
            f"{name}：这不是文本文件（可能是图片、压缩包或其他二进制文件被改成了 .txt）。"
            "请上传用记事本保存的纯文本文件或 Word（.docx）文件。"
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > max_chars:
        raise TextFileError(f"{name}：文件文字超过 {max_chars} 字，无法读取。请拆分成几个文件后再上传。")
    return text
