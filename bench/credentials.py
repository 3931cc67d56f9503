"""Content credentials (C2PA): signing and verifying time per file type, tamper detection, memory.

python -m bench.credentials [--output docs/benchmarks.md]

Files: an MP4 of 10 s at 720p (H.264 + AAC, a panning portrait), a 512 px PNG, a 720p
JPEG, a 60 s WAV at 22.05 kHz (speak's rate). Each is signed five times from a fresh copy
with mundwerk's local keys (made in a scratch config dir); the median is reported. Then one
byte inside the media data is inverted and the file verified again. Peak memory of signing
a long WAV is read from /proc in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from bench.report import replace_section

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "credentials"
TITLE = "## Content credentials (issue 6): signing time and tamper detection"
REPEATS = 5
RATE_HZ = 22_050
#: Where each format's media data starts (a byte 4 KiB after it is inverted).
MEDIA_MARKERS = {".mp4": b"mdat", ".png": b"IDAT", ".jpg": b"\xff\xda", ".wav": b"data"}

RGB = npt.NDArray[np.uint8]

_MEMORY = """
import sys
from mundwerk.provenance.credentials import sign_file
sign_file(sys.argv[1], ingredients=[], watermarked=False, job_id=None)
status = open("/proc/self/status").read()
print(next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")))
"""


@dataclass(frozen=True, slots=True)
class Measured:
    label: str
    size_bytes: int
    sign_ms: float
    verify_ms: float
    tamper_found: bool
    tamper_reason: str


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def portrait(width: int, height: int) -> RGB:
    """The astronaut (scikit-image) scaled to cover ``width`` x ``height``, or a gradient without it."""
    try:
        from skimage import data

        image = Image.fromarray(data.astronaut())
    except ImportError:
        ramp = np.linspace(0, 255, 512, dtype=np.uint8)
        image = Image.fromarray(np.dstack([np.tile(ramp, (512, 1))] * 3))
    scale = max(width / image.width, height / image.height) * 1.1
    size = (round(image.width * scale), round(image.height * scale))
    return np.asarray(image.convert("RGB").resize(size, Image.Resampling.LANCZOS))


def make_mp4(path: Path, seconds: int = 10, width: int = 1280, height: int = 720) -> Path:
    """Written by mundwerk's own video writer (its default x264 settings), a slowly panning portrait."""
    from mundwerk.audio.signal import Audio
    from mundwerk.render.video import VideoWriter

    grain = np.random.default_rng(0).integers(-3, 4, portrait(width, height).shape)  # a photo's sensor grain
    picture = np.clip(portrait(width, height) + grain, 0, 255).astype(np.uint8)
    with VideoWriter.open(path, width, height, audio=Audio(_speechlike(seconds, RATE_HZ), RATE_HZ)) as writer:
        for index in range(seconds * 25):
            left = index % (picture.shape[1] - width)
            writer.write(np.ascontiguousarray(picture[:height, left : left + width]))
    return path


def make_png(path: Path) -> Path:
    Image.fromarray(portrait(512, 512)[:512, :512]).convert("RGBA").save(path)
    return path


def make_jpeg(path: Path) -> Path:
    Image.fromarray(portrait(1280, 720)[:720, :1280]).save(path, quality=90)
    return path


def make_wav(path: Path, seconds: int = 60) -> Path:
    import wave

    pcm = (np.clip(_speechlike(seconds, RATE_HZ), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(pcm.tobytes())
    return path


def _speechlike(seconds: int, rate_hz: int) -> npt.NDArray[np.float32]:
    t = np.arange(seconds * rate_hz) / rate_hz
    phase = 2 * np.pi * np.cumsum(120 + 30 * np.sin(2 * np.pi * 0.7 * t)) / rate_hz
    voice = sum(np.sin(k * phase) / k for k in range(1, 10))
    return (0.12 * voice * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


def measure(label: str, original: Path) -> Measured:
    from mundwerk.provenance.credentials import read_credentials, sign_file

    copy = original.with_name("signed" + original.suffix)
    sign_ms, verify_ms = [], []
    for _ in range(REPEATS):
        shutil.copyfile(original, copy)
        start = time.perf_counter()
        sign_file(copy, ingredients=[original], watermarked=True, job_id=1)
        sign_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        read_credentials(copy)
        verify_ms.append((time.perf_counter() - start) * 1000)
    size = copy.stat().st_size
    flip_media_byte(copy)
    tampered = read_credentials(copy)
    reason = next((r for r in tampered.reasons if r.startswith("tampered")), tampered.state.value)
    found = tampered.state.value == "invalid" and tampered.tampered
    return Measured(label, size, statistics.median(sign_ms), statistics.median(verify_ms), found, reason)


def flip_media_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    marker = MEDIA_MARKERS[path.suffix]
    start = data.rindex(marker) if path.suffix == ".jpg" else data.index(marker)
    data[min(start + 4096, len(data) - 16)] ^= 0xFF
    path.write_bytes(bytes(data))


def signing_peak_mb(path: Path) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1]) / 1024


def run(work: Path = WORK) -> tuple[list[Measured], list[tuple[float, float]]]:
    """Signing and verifying per file type, and (WAV size MB, peak MB) of signing long WAVs."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["MUNDWERK_CONFIG_DIR"] = str(work / "config")
    makers: list[tuple[str, Callable[[Path], Path], str]] = [
        ("MP4, 10 s 1280x720 H.264 + AAC", make_mp4, "clip.mp4"),
        ("PNG, 512x512 RGBA", make_png, "sprite.png"),
        ("JPEG, 1280x720", make_jpeg, "photo.jpg"),
        ("WAV, 60 s 22.05 kHz mono", make_wav, "speech.wav"),
    ]
    results = []
    for label, make, name in makers:
        _log(f"credentials: {label}")
        results.append(measure(label, make(work / name)))
    memory = []
    for minutes in (10, 30):
        _log(f"credentials: peak memory signing a {minutes} min WAV")
        wav = make_wav(work / f"long-{minutes}.wav", minutes * 60)
        memory.append((wav.stat().st_size / 2**20, signing_peak_mb(wav)))
    return results, memory


def section(results: Sequence[Measured], memory: Sequence[tuple[float, float]]) -> str:
    rows = [
        f"| {r.label} | {r.size_bytes / 1024:,.0f} | {r.sign_ms:.0f} | {r.verify_ms:.0f} | "
        f"{'yes' if r.tamper_found else 'NO'} ({r.tamper_reason.split('(')[-1].rstrip(')')}) |"
        for r in results
    ]
    memory_text = "; ".join(f"{size:.0f} MB WAV: peak {peak:.0f} MB" for size, peak in memory)
    return "\n".join(
        [
            TITLE,
            "",
            "`python -m bench.credentials` (`bench/credentials.py`): each file signed with mundwerk's",
            f"local ES256 keys (no thumbnail, one ingredient), median of {REPEATS}; then one byte 4 KiB into",
            "the media data is inverted and the file verified again. Offline (no timestamp authority).",
            "The machine is shared with other jobs and was loaded while this ran: times are upper bounds.",
            "",
            "| file | signed size (KiB) | sign (ms) | verify (ms) | flipped byte reported as tampered |",
            "| --- | ---: | ---: | ---: | --- |",
            *rows,
            "",
            "Peak resident memory of a fresh process signing one long WAV (c2pa reads the whole file while",
            f"signing): {memory_text}.",
        ]
    )


def write_section(path: Path, text: str) -> None:
    """Put ``text`` into ``path`` in place of an older copy of this section (or at the end)."""
    replace_section(path, TITLE, text)


def run_section(work: Path = WORK) -> str:
    """What ``bench.run`` calls: the section's markdown."""
    return section(*run(work))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.credentials", description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    arguments = parser.parse_args(argv)
    text = run_section(WORK)
    print(text)
    write_section(arguments.output, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
