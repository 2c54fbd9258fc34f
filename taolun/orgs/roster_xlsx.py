"""A small streaming reader for .xlsx cell values, built on the standard library's expat parser.

openpyxl's read-only mode builds a Python object per cell and, for files without a ``<dimension>``
element (openpyxl's own write-only output among them), scans each sheet once more just to size it:
on a 100,000-row roster that alone took longer than the whole import may. Rosters need only the
cell values, so this reader streams each sheet's XML through expat and yields
``(Excel row number, tuple of values)``: shared and inline strings as ``str``, numbers as ``int`` or
``float``, booleans as ``bool``. Styles (and so dates) are not interpreted.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

CHUNK = 1 << 20


class NotAWorkbook(Exception):
    """The archive is not a readable .xlsx workbook."""


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parse_small(archive: zipfile.ZipFile, member: str) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of a small part (workbook, relationships) as ``(local name, attributes)``."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: found.append((_local(name), attrs))
    try:
        with archive.open(member) as fh:
            parser.ParseFile(fh)
    except (KeyError, expat.ExpatError, OSError, zipfile.BadZipFile) as exc:
        raise NotAWorkbook(member) from exc
    return found


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """``{id: (type suffix, member path)}`` from the part's ``_rels`` file."""
    folder, name = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", f"{name}.rels")
    rels: dict[str, tuple[str, str]] = {}
    if rels_path not in archive.NameToInfo:
        return rels
    for tag, attrs in _parse_small(archive, rels_path):
        if tag == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            rels[attrs["Id"]] = (attrs.get("Type", "").rpartition("/")[2], path)
    return rels


class Workbook:
    """The sheets of an .xlsx archive, by title, and their rows on demand."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        root_rels = _relationships(archive, "")
        workbook = next((p for kind, p in root_rels.values() if kind == "officeDocument"), "xl/workbook.xml")
        rels = _relationships(archive, workbook)
        self.sheets: list[tuple[str, str]] = []  # (title, member)
        for tag, attrs in _parse_small(archive, workbook):
            if tag == "sheet":
                rel_id = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                if rel_id in rels and rels[rel_id][1] in archive.NameToInfo:
                    self.sheets.append((attrs.get("name", ""), rels[rel_id][1]))
        if not self.sheets:
            raise NotAWorkbook(workbook)
        strings = next((p for kind, p in rels.values() if kind == "sharedStrings"), None)
        self.shared: list[str] = self._shared_strings(strings) if strings in archive.NameToInfo else []

    def _shared_strings(self, member: str | None) -> list[str]:
        strings: list[str] = []
        parts: list[str] = []
        state = {"text": False, "phonetic": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            name = _local(name)
            if name == "t" and not state["phonetic"]:
                state["text"] = True
            elif name == "rPh":  # phonetic guide: not part of the value
                state["phonetic"] += 1
            elif name == "si":
                parts.clear()

        def end(name: str) -> None:
            name = _local(name)
            if name == "t":
                state["text"] = False
            elif name == "rPh":
                state["phonetic"] -= 1
            elif name == "si":
                strings.append("".join(parts))

        def chars(data: str) -> None:
            if state["text"]:
                parts.append(data)

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
        try:
            with self.archive.open(member or "") as fh:
                parser.ParseFile(fh)
        except (KeyError, expat.ExpatError, OSError, zipfile.BadZipFile) as exc:
            raise NotAWorkbook(member) from exc
        return strings

    def rows(self, member: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
        sheet = _SheetParser(self.shared)
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = sheet.start
        parser.EndElementHandler = sheet.end
        parser.CharacterDataHandler = sheet.chars
        try:
            with self.archive.open(member) as fh:
                while chunk := fh.read(CHUNK):
                    parser.Parse(chunk, False)
                    if sheet.done:
                        yield from sheet.done
                        sheet.done = []
                parser.Parse(b"", True)
        except (expat.ExpatError, OSError, zipfile.BadZipFile, IndexError, ValueError) as exc:
            raise NotAWorkbook(member) from exc
        yield from sheet.done


def _column(ref: str) -> int:
    """``"AB12"`` → 28 (1-based)."""
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index


def _number(text: str) -> int | float | None:
    if not text:
        return None
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class _SheetParser:
    """expat callbacks collecting finished rows in ``done``."""

    def __init__(self, shared: list[str]) -> None:
        self.shared = shared
        self.done: list[tuple[int, tuple[Any, ...]]] = []
        self.row_number = 0
        self.cells: list[Any] = []
        self.col = 0
        self.kind = "n"
        self.parts: list[str] = []
        self.collect = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = _local(name)
        if name == "c":
            ref = attrs.get("r")
            self.col = _column(ref) if ref else self.col + 1
            self.kind = attrs.get("t", "n")
            self.parts = []
        elif name == "v" or (name == "t" and not self.phonetic):
            self.collect = True
        elif name == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.cells = []
            self.col = 0
        elif name == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        if ":" in name:
            name = _local(name)
        if name in ("v", "t"):
            self.collect = False
        elif name == "c":
            value = self.value("".join(self.parts))
            if value is not None and value != "":
                cells = self.cells
                if len(cells) < self.col - 1:
                    cells.extend([None] * (self.col - 1 - len(cells)))
                cells.append(value)
        elif name == "row":
            self.done.append((self.row_number, tuple(self.cells)))
        elif name == "rPh":
            self.phonetic -= 1

    def chars(self, data: str) -> None:
        if self.collect:
            self.parts.append(data)

    def value(self, text: str) -> Any:
        kind = self.kind
        if kind == "s":
            return self.shared[int(text)] if text else None
        if kind == "n":
            return _number(text)
        if kind == "b":
            return text == "1"
        return text  # inlineStr, str (formula result), e (error), d (ISO date)


def open_workbook(archive: zipfile.ZipFile) -> Workbook:
    return Workbook(archive)
