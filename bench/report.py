"""Tables for the terminal and ``docs/benchmarks.md``: scores per subset and system, targets."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.corpus import CorrectionReport
from bench.metrics import Scores

if TYPE_CHECKING:
    from bench.multilingual import Scored
    from bench.speak_checks import SpeakTiming, SynthesisSpeed


@dataclass(frozen=True, slots=True)
class Target:
    """A bound on one metric: ``value >= bound`` (``at_least``) or ``value <= bound``."""

    bound: float
    at_least: bool

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value >= self.bound if self.at_least else value <= self.bound

    def __str__(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.bound:g}"


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    value: Callable[[Scores], float]
    digits: int = 2


def _lag(scores: Scores) -> float:
    return float(scores.openness.peak()[1])


METRICS = (
    Metric("closure recall", lambda s: s.closure.value),
    Metric("false closures", lambda s: s.false_closure.value),
    Metric("rounded recall", lambda s: s.rounded.value),
    Metric("silence acc.", lambda s: s.silence.value),
    Metric("balanced acc.", lambda s: s.balanced_accuracy),
    Metric("openness r", lambda s: s.openness.peak()[0]),
    Metric("lag ms", _lag, 0),
    Metric("r at 0 ms", lambda s: s.openness.at_lag(0)),
)

#: Issue 2's targets for mundwerk on the pooled corpus, with and without a transcript.
TARGETS: dict[bool, dict[str, Target]] = {
    True: {
        "closure recall": Target(0.92, True),
        "false closures": Target(0.05, False),
        "rounded recall": Target(0.90, True),
        "silence acc.": Target(0.95, True),
        "balanced acc.": Target(0.75, True),
        "openness r": Target(0.55, True),
    },
    False: {
        "closure recall": Target(0.75, True),
        "false closures": Target(0.10, False),
        "rounded recall": Target(0.85, True),
        "silence acc.": Target(0.93, True),
        "balanced acc.": Target(0.65, True),
    },
}
LAG_TARGET_MS = (-40, 0)
SPEED_TARGET_RTF = 0.08

#: Rhubarb 1.14's scores on the hidden corpus (issue 2), with / without transcript.
RHUBARB_HIDDEN: dict[bool, dict[str, float]] = {
    True: {"closure recall": 0.77, "false closures": 0.10, "rounded recall": 0.85, "silence acc.": 0.92,
           "balanced acc.": 0.63, "openness r": 0.45, "lag ms": -40},
    False: {"closure recall": 0.56, "false closures": 0.20, "rounded recall": 0.76, "silence acc.": 0.92,
            "balanced acc.": 0.55, "openness r": 0.38, "lag ms": -40},
}  # fmt: skip


def fmt(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def target_mark(metric: str, value: float, transcript: bool) -> str:
    """`` ✓`` or `` ✗`` if the metric has a target in this mode, else nothing."""
    if metric == "lag ms" and transcript:
        return " ✓" if LAG_TARGET_MS[0] <= value <= LAG_TARGET_MS[1] else " ✗"
    target = TARGETS[transcript].get(metric)
    if target is None:
        return ""
    return " ✓" if target.met(value) else " ✗"


def score_rows(results: Sequence[tuple[str, bool, bool, Scores]]) -> list[list[str]]:
    """(system label, transcript?, checked against targets?, scores) → table rows."""
    rows = []
    for label, transcript, checked, scores in results:
        cells = [label, "yes" if transcript else "no"]
        for metric in METRICS:
            value = metric.value(scores)
            mark = target_mark(metric.name, value, transcript) if checked else ""
            cells.append(fmt(value, metric.digits) + mark)
        cells.append(f"{scores.closure.total}/{scores.rounded.total}")
        rows.append(cells)
    return rows


SCORE_HEADER = ["system", "transcript", *(m.name for m in METRICS), "closures/rounded n"]


def target_rows() -> list[list[str]]:
    rows = []
    for transcript in (True, False):
        cells = ["**target** (mundwerk)", "yes" if transcript else "no"]
        for metric in METRICS:
            if metric.name == "lag ms":
                cells.append(f"{LAG_TARGET_MS[0]}…{LAG_TARGET_MS[1]}" if transcript else "")
            else:
                target = TARGETS[transcript].get(metric.name)
                cells.append(str(target) if target else "")
        cells.append("")
        rows.append(cells)
    for transcript in (True, False):
        hidden = RHUBARB_HIDDEN[transcript]
        cells = ["Rhubarb 1.14 on the hidden corpus", "yes" if transcript else "no"]
        cells += [fmt(hidden[m.name], m.digits) if m.name in hidden else "" for m in METRICS]
        cells.append("")
        rows.append(cells)
    return rows


def correction_rows(reports: Sequence[CorrectionReport]) -> list[list[str]]:
    rows = []
    for report in reports:
        lags = np.array(report.label_lags_ms, dtype=float)
        quartiles = np.percentile(lags, [25, 50, 75]) if len(lags) else [math.nan] * 3
        closure = np.median(report.closure_db) if report.closure_db else math.nan
        label = np.median(report.label_db) if report.label_db else math.nan
        rows.append(
            [
                report.engine,
                f"{len(lags)}",
                f"{fmt(quartiles[1], 0)} ({fmt(quartiles[0], 0)}…{fmt(quartiles[2], 0)})",
                f"{report.applied_lag_ms}",
                f"{report.closures_found}/{report.closures_found + report.closures_missed}",
                fmt(float(closure), 1),
                fmt(float(label), 1),
            ]
        )
    return rows


CORRECTION_HEADER = [
    "engine",
    "utterances",
    "label lag ms, median (IQR)",
    "lag applied ms",
    "P/B closures found",
    "closure energy dB (median, re speech)",
    "P/B label energy dB (median, re speech)",
]


#: A 1-minute load average below this when a benchmark starts: nothing else ran beside it.
IDLE_LOAD = 1.5


def machine() -> str:
    """CPU model, cores and Python version."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    system = f"{platform.system()} {platform.machine()}"
    return f"{model}, {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


# --- issue 3: other languages, text in


@dataclass(frozen=True, slots=True)
class Issue3Metric:
    name: str
    value: Callable[[Scored], float]
    digits: int = 2


ISSUE3_METRICS = (
    Issue3Metric("closure recall", lambda r: r.scores["pooled"].closure.value),
    Issue3Metric("false closures", lambda r: r.scores["pooled"].false_closure.value),
    Issue3Metric("rounded recall", lambda r: r.scores["pooled"].rounded.value),
    Issue3Metric("balanced acc.", lambda r: r.scores["pooled"].balanced_accuracy),
    Issue3Metric("RTF", lambda r: r.rtf, 4),
    Issue3Metric("boundaries ≤ 50 ms", lambda r: math.nan if r.boundaries is None else r.boundaries),
)
ISSUE3_HEADER = ["system", "language", "transcript", *(m.name for m in ISSUE3_METRICS), "closures/rounded n"]

#: Issue 3's targets (hidden corpus, English and German): ``phonetic`` without a transcript;
#: with a German transcript (boundaries: on our own corpus).
ISSUE3_TARGETS: dict[bool, dict[str, Target]] = {
    False: {
        "closure recall": Target(0.85, True),
        "false closures": Target(0.15, False),
        "rounded recall": Target(0.80, True),
        "balanced acc.": Target(0.60, True),
        "RTF": Target(0.005, False),
    },
    True: {
        "closure recall": Target(0.90, True),
        "balanced acc.": Target(0.70, True),
        "boundaries ≤ 50 ms": Target(0.80, True),
    },
}
ISSUE3_TARGET_LANGUAGES = ("en", "de")

#: Rhubarb's language-independent mode on the hidden corpus (issue 3), English / German.
RHUBARB_PHONETIC_HIDDEN = {
    "en": {"closure recall": 0.57, "false closures": 0.38, "rounded recall": 0.78, "balanced acc.": 0.51},
    "de": {"closure recall": 0.56, "false closures": 0.32, "rounded recall": 0.65, "balanced acc.": 0.45},
}


def issue3_target_rows() -> list[list[str]]:
    """The targets and Rhubarb's hidden-corpus figures, as rows under ``ISSUE3_HEADER``."""
    rows = []
    for transcript in (False, True):
        targets = ISSUE3_TARGETS[transcript]
        language = "en, de" if not transcript else "de"
        cells = ["**target** (mundwerk phonetic)", language, "yes" if transcript else "no"]
        cells += [str(targets[m.name]) if m.name in targets else "" for m in ISSUE3_METRICS]
        rows.append([*cells, ""])
    for language, hidden in RHUBARB_PHONETIC_HIDDEN.items():
        cells = ["Rhubarb phonetic on the hidden corpus", language, "no"]
        cells += [fmt(hidden[m.name], m.digits) if m.name in hidden else "" for m in ISSUE3_METRICS]
        rows.append([*cells, ""])
    return rows


def issue3_rows(results: Sequence[Scored]) -> list[list[str]]:
    """One row per system and language; mundwerk in English and German marked against the targets."""
    rows = []
    for result in results:
        checked = result.system.startswith("mundwerk") and result.language in ISSUE3_TARGET_LANGUAGES
        targets = ISSUE3_TARGETS[result.transcript]
        cells = [result.system, result.language, "yes" if result.transcript else "no"]
        for metric in ISSUE3_METRICS:
            value = metric.value(result)
            target = targets.get(metric.name) if checked else None
            mark = "" if target is None else " ✓" if target.met(value) else " ✗"
            cells.append(fmt(value, metric.digits) + mark)
        pooled_scores = result.scores["pooled"]
        cells.append(f"{pooled_scores.closure.total}/{pooled_scores.rounded.total}")
        rows.append(cells)
    return rows


def language_score_rows(results: Sequence[Scored], subsets: Sequence[str]) -> list[list[str]]:
    """The full metric set (``SCORE_HEADER``) per system and subset, unmarked."""
    return score_rows(
        [
            (f"{r.system} ({subset})", r.transcript, False, r.scores[subset])
            for r in results
            for subset in subsets
            if subset in r.scores
        ]
    )


SYNTHESIS_SPEED_HEADER = ["engine", "voice", "sentences", "audio s", "synthesis s", "RTF", "engine load s"]


def synthesis_speed_rows(speeds: Sequence[SynthesisSpeed]) -> list[list[str]]:
    return [
        [s.engine, s.voice, str(s.sentences), f"{s.audio_seconds:.1f}", f"{s.seconds:.3f}", f"{s.rtf:.4f}",
         f"{s.load_seconds:.2f}"]
        for s in speeds
    ]  # fmt: skip


SPEAK_TIMING_HEADER = [
    "engine",
    "voice",
    "sentences",
    "phones",
    "max boundary difference ms",
    "cues identical",
]


def speak_timing_rows(timings: Sequence[SpeakTiming]) -> list[list[str]]:
    return [
        [
            t.engine,
            t.voice,
            str(t.sentences),
            str(t.phones),
            "phones differ" if t.max_boundary_difference_ms is None else str(t.max_boundary_difference_ms),
            "yes" if t.cues_identical else "no",
        ]
        for t in timings
    ]


def replace_section(path: Path, title: str, text: str) -> None:
    """Put ``text`` (a section starting with the heading ``title``) into the report at ``path``
    in place of an older copy of that section, else at the end; the file is replaced whole."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if title in old:
        before, rest = old.split(title, 1)
        after = rest.split("\n## ", 1)
        new = before + text + "\n" + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(new, encoding="utf-8")
    temporary.replace(path)
