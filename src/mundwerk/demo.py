"""``make demo``: analyse the bundled real-speech clip and write its cues in every format."""

from __future__ import annotations

import sys
from importlib.resources import as_file, files
from pathlib import Path

from mundwerk.api import Analyzer, write_cues
from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import EXPORT_FORMATS, extension_for

CLIP = "librivox-amiable"
PORTRAIT_SENTENCE = "Hello! I am an astronaut, and today my photo learned to speak."


def _write_all_formats(analysis: Analysis, out: Path, stem: str) -> list[Path]:
    written = []
    for name in EXPORT_FORMATS:
        extension = extension_for(name)
        suffix = extension if extension == name else f"{name}.{extension}"
        target = out / f"{stem}.{suffix}"
        write_cues(analysis, str(target), name, ExportOptions(sound_file=f"{CLIP}.wav"))
        written.append(target)
    return written


def _talking_portrait(out: Path) -> None:
    """``out/demo.mp4``: scikit-image's astronaut photo saying ``PORTRAIT_SENTENCE`` (espeak)."""
    from PIL import Image
    from skimage import data

    from mundwerk.rendering import render
    from mundwerk.speaking import Speaker, SpeakOptions

    photo = out / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)  # type: ignore[no-untyped-call]
    speech = out / "demo.wav"
    analysis = Speaker.load(SpeakOptions()).speak_to_file(PORTRAIT_SENTENCE, speech)
    for name in ("tsv", "json"):
        write_cues(analysis, str(out / f"demo.{name}"), name, ExportOptions(sound_file=speech.name))
    result = render(photo, out / "demo.mp4", audio=speech, transcript=PORTRAIT_SENTENCE, seed=1)
    print(f"talking portrait: wrote {result.path} ({result.frame_count} frames), cues demo.tsv, demo.json")


def main(out_dir: str = "out") -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = files("mundwerk") / "data"
    transcript = (data / f"{CLIP}.txt").read_text(encoding="utf-8")
    analyzer = Analyzer.load()
    with as_file(data / f"{CLIP}.wav") as clip:
        runs = {"with-transcript": transcript, "without-transcript": None}
        for label, text in runs.items():
            analysis = analyzer.analyze(clip, text)
            words = " ".join(word.text for word in analysis.alignment.words)
            print(f"{label}: {len(analysis.cues)} cues; words: {words or '-'}")
            for path in _write_all_formats(analysis, out, f"{CLIP}.{label}"):
                print(f"  wrote {path}")
    _talking_portrait(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
