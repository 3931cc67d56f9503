"""The systems under test, each run over the corpus files: mundwerk in-process and as a process."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import Cue
from bench.rhubarb import parse_tsv


@dataclass(frozen=True, slots=True)
class SystemRun:
    """Cues per file stem and the time it took."""

    cues: dict[str, list[Cue]]
    seconds: float
    load_seconds: float = 0.0
    failures: tuple[str, ...] = ()


def cues_of(timeline: object) -> list[Cue]:
    """A mundwerk ``Timeline[MouthShape]`` as benchmark cues."""
    return [Cue(item.value.value, item.start_ms, item.end_ms) for item in timeline]  # type: ignore[attr-defined]


def mundwerk_in_process(wavs: Sequence[Path], with_transcript: bool, recognizer: str) -> SystemRun:
    """``mundwerk.Analyzer`` loaded once, then ``analyze`` per file (timing excludes the load)."""
    import mundwerk
    from mundwerk.core.analysis import AnalysisOptions

    start = time.perf_counter()
    analyzer = mundwerk.Analyzer.load(AnalysisOptions(recognizer=recognizer))
    load_seconds = time.perf_counter() - start
    cues: dict[str, list[Cue]] = {}
    failures = []
    start = time.perf_counter()
    for wav in wavs:
        transcript = wav.with_suffix(".txt").read_text(encoding="utf-8") if with_transcript else None
        try:
            cues[wav.stem] = cues_of(analyzer.analyze(wav, transcript).cues)
        except Exception as error:  # a failing file is reported, the benchmark goes on
            failures.append(f"{wav.name}: {error}")
    return SystemRun(cues, time.perf_counter() - start, load_seconds, tuple(failures))


def mundwerk_command() -> list[str]:
    script = Path(sys.executable).parent / "mundwerk"
    if script.exists():
        return [str(script)]
    found = shutil.which("mundwerk")
    return [found] if found else [sys.executable, "-m", "mundwerk.cli"]


def mundwerk_whole_process(
    wavs: Sequence[Path], durations_ms: Sequence[int], output: Path, with_transcript: bool, recognizer: str
) -> SystemRun:
    """One ``mundwerk analyze`` process over every file, timed from start to exit."""
    output.mkdir(parents=True, exist_ok=True)
    command = [*mundwerk_command(), "analyze", *map(str, wavs), "-o", str(output), "--format", "tsv", "-q"]
    command += ["--recognizer", recognizer]
    if with_transcript:
        command += ["--transcript", "auto"]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    failures = (f"exit {result.returncode}: {result.stderr.strip()[-300:]}",) if result.returncode else ()
    cues = {}
    for wav, duration_ms in zip(wavs, durations_ms, strict=True):
        target = output / f"{wav.stem}.tsv"
        if target.exists():
            cues[wav.stem] = parse_tsv(target.read_text(encoding="utf-8"), duration_ms)
    return SystemRun(cues, seconds, 0.0, failures)
