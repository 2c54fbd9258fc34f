"""The copy detector's quality on real government reports (issue 5's figures). No database.

References: the national reports before 2000 (``../shared/corpus/gov-reports-national``). Figures,
each beside its target:

* 200 spliced articles — 30–90 % of their sentences a run from one reference, the rest sentences of a
  report from 2000 on, lightly edited (punctuation to the other width, some characters traditional,
  adjacent words swapped) and reordered: recall at the 0.30 threshold among those whose true share
  of copied characters is ≥ 0.30 (target ≥ 0.95), and the mean |ratio − true share| (target ≤ 0.10);
* independent texts of the same register — the national reports from 2000 on and the 31 provincial
  reports of 2026, whole and cut into article-sized pieces — checked against the references: the share
  flagged (target ≤ 1 %);
* the time of one check, p50 and p95 (no target).

Run with ``python -m bench.text_quality``; it skips with a note when the corpus is absent.
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

from taolun.text.detect import Detector
from taolun.text.splice import sentences, splice

from .common import line, millis

CORPUS = Path(os.environ.get("TAOLUN_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
NATIONAL = CORPUS / "gov-reports-national"
PROVINCIAL = CORPUS / "gov-reports-provincial-2026"
ARTICLES, SEED, THRESHOLD = 200, 2026, 0.30
PIECE_SENTENCES, MAX_PIECES = 60, 300
TARGET_RECALL, TARGET_ERROR, TARGET_FP = 0.95, 0.10, 0.01
# the web-page furniture the provincial CSVs begin with (下载/打印/全屏/收藏/【字号：…】)
NOISE = {"下载", "打印", "全屏", "收藏", "【字号：", "加大", "还原", "减小", "】"}


def _provincial() -> dict[str, str]:
    csv.field_size_limit(sys.maxsize)
    texts = {}
    for path in sorted(PROVINCIAL.glob("*.csv")) if PROVINCIAL.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                lines = row.get("full_text", "").split("\n")
                while lines and lines[0].strip() in NOISE:
                    lines.pop(0)
                texts[f"{row.get('province') or path.stem} 2026"] = "\n".join(lines)
    return texts


def _pieces(texts: dict[str, str], rng: random.Random) -> list[tuple[str, str]]:
    """Each independent text cut into runs of ``PIECE_SENTENCES`` sentences, the size of an article."""
    pieces = []
    for key, text in texts.items():
        found = sentences(text)
        for start in range(0, len(found) - PIECE_SENTENCES // 2, PIECE_SENTENCES):
            pieces.append((f"{key}#{start}", "".join(found[start : start + PIECE_SENTENCES])))
    return rng.sample(pieces, min(MAX_PIECES, len(pieces)))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mark(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def run() -> None:
    print("\nCopy detection quality (taolun.text.detect, no database)", flush=True)
    if not NATIONAL.is_dir():
        print(f"  skipped: {NATIONAL} not found (set TAOLUN_CORPUS to the corpus folder)")
        return
    national = {path.stem: path.read_text(encoding="utf-8") for path in sorted(NATIONAL.glob("*.txt"))}
    references = {year: text for year, text in national.items() if year < "2000"}
    originals = {year: text for year, text in national.items() if year >= "2000"}
    provincial = _provincial()
    # The same articles and pieces twice: every reference verified (the baseline), then only the
    # candidates the window LSH index proposes (what a library of thousands of sources does).
    for label, below in (("every reference verified", 10**9), ("LSH index candidates only", 0)):
        print(f"\n  — {label}", flush=True)
        _evaluate(Detector(threshold=THRESHOLD, all_candidates_below=below), references, originals, provincial)


def _evaluate(
    detector: Detector, references: dict[str, str], originals: dict[str, str], provincial: dict[str, str]
) -> None:
    rng = random.Random(SEED)
    started = time.perf_counter()
    for year, text in references.items():
        detector.add_reference(year, text)
    build = time.perf_counter() - started
    line(f"references: {len(references)} national reports before 2000", f"{build:8.2f} s", "to add")

    times: list[float] = []
    hits = eligible = top_source = 0
    errors: list[float] = []
    long_enough = [year for year, text in references.items() if len(sentences(text)) >= 80]
    for _ in range(ARTICLES):
        source, own = rng.choice(long_enough), rng.choice(sorted(originals))
        article, true_share = splice(
            references[source], originals[own], rng.uniform(0.30, 0.90), rng, count=rng.randint(30, 80)
        )
        started = time.perf_counter()
        report = detector.check(article)
        times.append(time.perf_counter() - started)
        errors.append(abs(report.ratio - true_share))
        top_source += bool(report.matches) and report.matches[0].source == source
        if true_share >= THRESHOLD:
            eligible += 1
            hits += report.flagged
    recall = hits / eligible if eligible else 0.0
    mean_error = statistics.fmean(errors)
    line(
        f"spliced articles: recall at {THRESHOLD:.2f} ({hits}/{eligible} with true share ≥ {THRESHOLD:.2f})",
        f"{recall:8.3f}",
        f"target ≥ {TARGET_RECALL:.2f}  {_mark(recall >= TARGET_RECALL)}",
    )
    line(
        f"spliced articles: mean |ratio − true share| (max {max(errors):.3f})",
        f"{mean_error:8.3f}",
        f"target ≤ {TARGET_ERROR:.2f}  {_mark(mean_error <= TARGET_ERROR)}",
    )
    line("spliced articles: top source is the true source", f"{top_source / ARTICLES:8.3f}")

    independent = {f"national {year}": text for year, text in originals.items()} | provincial
    flagged_whole: list[str] = []
    for key, text in independent.items():
        started = time.perf_counter()
        report = detector.check(text)
        times.append(time.perf_counter() - started)
        if report.flagged:
            flagged_whole.append(f"{key} {report.ratio:.2f}")
    pieces = _pieces(independent, rng)
    flagged_pieces: list[str] = []
    piece_ratios: list[float] = []
    for key, text in pieces:
        started = time.perf_counter()
        report = detector.check(text)
        times.append(time.perf_counter() - started)
        piece_ratios.append(report.ratio)
        if report.flagged:
            flagged_pieces.append(f"{key} {report.ratio:.2f}")
    fp_whole = len(flagged_whole) / len(independent)
    fp_pieces = len(flagged_pieces) / len(pieces) if pieces else 0.0
    line(
        f"independent reports flagged ({len(flagged_whole)}/{len(independent)}: "
        f"{len(originals)} national, {len(provincial)} provincial)",
        f"{fp_whole:8.2%}",
        f"target ≤ {TARGET_FP:.0%}  {_mark(fp_whole <= TARGET_FP)}",
    )
    line(
        f"independent pieces of {PIECE_SENTENCES} sentences flagged ({len(flagged_pieces)}/{len(pieces)})",
        f"{fp_pieces:8.2%}",
        f"target ≤ {TARGET_FP:.0%}  {_mark(fp_pieces <= TARGET_FP)}",
    )
    if piece_ratios:
        line(
            "independent pieces: ratio p50 / p95 / max",
            f"{_percentile(piece_ratios, 0.5):8.3f}",
            f"{_percentile(piece_ratios, 0.95):.3f} / {max(piece_ratios):.3f}",
        )
    for flagged in (flagged_whole + flagged_pieces)[:5]:
        line(f"  flagged: {flagged}", "")
    line(f"check time p50 ({len(times)} checks: articles, reports, pieces)", millis(_percentile(times, 0.5)))
    line("check time p95", millis(_percentile(times, 0.95)), "no target")


if __name__ == "__main__":
    run()
