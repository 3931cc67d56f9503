"""Peak memory of one ``mundwerk analyze`` process for 2 and 10 minutes of speech.

The long inputs repeat the bundled LibriVox clip with half-second pauses (its transcript
repeated likewise), as FLAC. Each run is a fresh process whose peak resident memory
(VmHWM) is read from /proc at its end.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mundwerk.audio.decode import decode
from mundwerk.core.constants import SAMPLE_RATE_HZ

CLIP = Path(__file__).resolve().parents[1] / "src" / "mundwerk" / "data" / "librivox-amiable"
PAUSE_S = 0.5

_MEASURE = """
import sys
from mundwerk.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status").read()
peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
print(peak_kb)
sys.exit(code)
"""


@dataclass(frozen=True, slots=True)
class MemoryRow:
    minutes: int
    transcript: bool
    peak_mb: float


def write_long_input(directory: Path, minutes: int) -> Path:
    import av

    speech = decode(CLIP.with_suffix(".wav")).samples
    unit = np.concatenate([speech, np.zeros(int(PAUSE_S * SAMPLE_RATE_HZ), np.float32)])
    repeats = int(minutes * 60 * SAMPLE_RATE_HZ / len(unit)) + 1
    target = directory / f"long-{minutes}min.flac"
    pcm = (np.clip(np.tile(unit, repeats), -1, 1) * 32767).astype(np.int16)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("flac", rate=SAMPLE_RATE_HZ, layout="mono")
        for start in range(0, len(pcm), 65536):
            frame = av.AudioFrame.from_ndarray(pcm[None, start : start + 65536], format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE_HZ
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    text = CLIP.with_suffix(".txt").read_text(encoding="utf-8").strip()
    target.with_suffix(".txt").write_text((text + ". ") * repeats, encoding="utf-8")
    return target


def peak_memory_mb(audio: Path, transcript: bool) -> float:
    arguments = ["analyze", "-q", str(audio), "-o", str(audio.with_suffix(".tsv"))]
    if transcript:
        arguments += ["--transcript", str(audio.with_suffix(".txt"))]
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *arguments], capture_output=True, text=True, check=True
    )
    return int(result.stdout.split()[-1]) / 1024


def run_memory_bench(directory: Path, minutes: tuple[int, ...] = (2, 10)) -> list[MemoryRow]:
    directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for length in minutes:
        audio = write_long_input(directory, length)
        rows.append(MemoryRow(length, True, peak_memory_mb(audio, transcript=True)))
    return rows


def memory_table(rows: list[MemoryRow]) -> str:
    lines = ["| audio | transcript | peak memory (MB) |", "| --- | --- | --- |"]
    lines += [
        f"| {row.minutes} min | {'yes' if row.transcript else 'no'} | {row.peak_mb:.0f} |" for row in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(memory_table(run_memory_bench(Path(__file__).parent / "work" / "memory")))
