"""Rhubarb Lip Sync's reference outputs, parsed back into analyses for exporter tests."""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal
from pathlib import Path

from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.phones import Alignment
from mundwerk.core.shapes import MouthShape
from mundwerk.core.timeline import Timed, Timeline

#: Rhubarb 1.14's outputs on goforward.wav: a copy in the repository if there is one, else the shared one.
_CANDIDATES = (Path(__file__).parent / "data" / "rhubarb", Path("/work/shared/reference/rhubarb"))
REFERENCE_DIR = next((path for path in _CANDIDATES if path.is_dir()), _CANDIDATES[0])
SOUND_FILE = "goforward.wav"


def reference_text(name: str) -> str:
    """A reference file's exact text (newlines untranslated)."""
    return (REFERENCE_DIR / name).read_bytes().decode("utf-8")


def to_ms(seconds: str) -> int:
    return int(Decimal(seconds) * 1000)


def reference_duration_ms() -> int:
    match = re.search(r"<duration>([0-9.]+)</duration>", reference_text("goforward.xml"))
    assert match, "goforward.xml has no duration"
    return to_ms(match.group(1))


def tsv_cues(name: str = "goforward.tsv") -> Timeline[MouthShape]:
    """The cues of a TSV file: each line starts a cue; the last line only marks the end."""
    rows = [line.split("\t") for line in reference_text(name).splitlines()]
    times = [to_ms(time) for time, _ in rows]
    return Timeline(
        Timed(start, end, MouthShape(shape))
        for (start, end), (_, shape) in zip(itertools.pairwise(times), rows, strict=False)
    )


def json_cues(name: str) -> Timeline[MouthShape]:
    document = json.loads(reference_text(name), parse_float=Decimal)
    return Timeline(
        Timed(int(cue["start"] * 1000), int(cue["end"] * 1000), MouthShape(cue["value"]))
        for cue in document["mouthCues"]
    )


def reference_analysis(name: str = "goforward.tsv", options: AnalysisOptions | None = None) -> Analysis:
    """The analysis behind a reference output: cues from its TSV or JSON, duration from the XML."""
    cues = json_cues(name) if name.endswith(".json") else tsv_cues(name)
    return Analysis(
        source_name=SOUND_FILE,
        duration_ms=reference_duration_ms(),
        alignment=Alignment(),
        cues=cues,
        options=options or AnalysisOptions(),
    )
