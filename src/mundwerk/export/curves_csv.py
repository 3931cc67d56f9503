"""Mouth curves as CSV: a ``time_s`` column, then one column per ARKit curve; one row a frame."""

from __future__ import annotations

from typing import TextIO

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import CueFileError, ReadOptions, SampleTrack, malformed
from mundwerk.mouth.curves import curves_for_analysis
from mundwerk.mouth.curves.samples import known_curve_names

_TIME = "time_s"


class CurvesCsvExporter:
    """Frame ``k`` at ``k / fps`` seconds (six decimals), values 0..1 with four decimals."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        curves = curves_for_analysis(analysis, options.fps).to_arkit()
        stream.write(",".join(("time_s", *curves.names)) + "\n")
        table = np.column_stack((curves.times_s(), curves.values.astype(np.float64)))
        formats = ["%.6f"] + ["%.4f"] * len(curves.names)
        np.savetxt(stream, table, fmt=formats, delimiter=",", newline="\n")


def read(text: str, source: str, options: ReadOptions) -> SampleTrack:
    """Rows of ``time_s`` and curve values (ARKit or mouth parameter names, others ignored);
    times strictly increasing, not necessarily evenly spaced (hand-placed keys work)."""
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise CueFileError(f"no curves in {source}: the file is empty")
    header = [name.strip() for name in lines[0][1].split(",")]
    if header[0] != _TIME:
        raise malformed(source, lines[0][0], f"the header must start with {_TIME!r}, got {header[0]!r}")
    if not known_curve_names() & set(header):
        raise malformed(
            source, lines[0][0], "no mouth curves in the header; expected ARKit names such as jawOpen"
        )
    table = [_row(number, line, len(header), source) for number, line in lines[1:]]
    rows = np.array(table, dtype=np.float64).reshape(-1, len(header))
    if len(rows) == 0:
        raise CueFileError(f"no curve values in {source}: only a header")
    _check_times(rows[:, 0], [number for number, _ in lines[1:]], source)
    times_s = rows[:, 0]
    step_s = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 0.0
    end_ms = round((times_s[-1] + step_s) * 1000)
    return SampleTrack(tuple(header[1:]), times_s, rows[:, 1:], end_ms, max(step_s * 1000, 1.0))


def _row(number: int, line: str, width: int, source: str) -> list[float]:
    cells = line.split(",")
    if len(cells) != width:
        raise malformed(source, number, f"expected {width} values, got {len(cells)}")
    try:
        values = [float(cell) for cell in cells]
    except ValueError:
        values = [np.nan]
    if not np.isfinite(values).all():
        raise malformed(source, number, f"expected numbers, got {line.strip()!r}")
    return values


def _check_times(times_s: np.typing.NDArray[np.float64], numbers: list[int], source: str) -> None:
    if times_s[0] < 0:
        raise malformed(source, numbers[0], f"negative time {times_s[0]:g}")
    backwards = np.flatnonzero(np.diff(times_s) <= 0)
    if len(backwards):
        line = numbers[backwards[0] + 1]
        raise malformed(
            source, line, f"time {times_s[backwards[0] + 1]:g} s does not come after the previous row"
        )


def looks_like(text: str) -> bool:
    return text.lstrip().startswith(_TIME + ",")


FORMAT = ExportFormat(
    "curves-csv", "csv", CurvesCsvExporter(), "ARKit mouth blendshape curves per frame (CSV)"
)
