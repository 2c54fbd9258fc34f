"""``python -m taolun.text similar``: check a folder of articles against references, without Django.

Prints one JSON object per article and line, for offices checking a batch and for our evaluation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from taolun.text.detect import Detector


class InputError(Exception):
    """A file that cannot be read as UTF-8 text."""


def read_text(path: Path) -> str:
    """A .txt (UTF-8, or GB18030 as Chinese Windows saves it) or .docx file's text; binary files are refused."""
    from .docx import TextFileError, read_text_file

    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from error
    try:
        return read_text_file(data, path.name)
    except TextFileError as error:
        raise InputError(f"{path}: {error}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m taolun.text", description="Taolun text engine (copy detection).")
    commands = parser.add_subparsers(dest="command", required=True)
    similar = commands.add_parser(
        "similar",
        help="check articles for copied passages",
        description=(
            "Check each FILE against every .txt under the reference folder and against the other FILEs; "
            'print one JSON object per FILE: {"file", "ratio", "flagged", "matches": [{"source", "ratio", '
            '"spans": [[start, end, source_start, source_end], ...]}]} with offsets in characters of the '
            "original texts."
        ),
    )
    similar.add_argument("--reference", required=True, type=Path, metavar="DIR", help="folder of reference .txt files")
    similar.add_argument(
        "--threshold",
        type=float,
        default=0.30,
        metavar="T",
        help="flag an article whose repetition ratio (重复率) is at least T (default: 0.30)",
    )
    similar.add_argument("files", nargs="+", type=Path, metavar="FILE", help="articles to check (UTF-8 text)")
    return parser


def similar(reference: Path, files: Sequence[Path], threshold: float) -> list[dict[str, object]]:
    if not reference.is_dir():
        raise InputError(f"{reference}: not a folder")
    detector = Detector(threshold=threshold)
    for path in sorted(reference.rglob("*.txt")):
        if path.is_file():
            detector.add_reference(str(path), read_text(path))
    articles = [(str(path), read_text(path)) for path in files]
    for key, text in articles:
        detector.add_reference(key, text)
    results: list[dict[str, object]] = []
    for key, text in articles:
        report = detector.check(text, exclude_key=key)
        results.append(
            {
                "file": key,
                "ratio": round(report.ratio, 4),
                "flagged": report.flagged,
                "matches": [
                    {"source": match.source, "ratio": round(match.ratio, 4), "spans": match.spans}
                    for match in report.matches
                ],
            }
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not 0.0 <= args.threshold <= 1.0:
        print("error: --threshold must be between 0 and 1", file=sys.stderr)
        return 2
    try:
        results = similar(args.reference, args.files, args.threshold)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for result in results:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
