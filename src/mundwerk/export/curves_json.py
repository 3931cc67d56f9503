"""Mouth curves as JSON (docs/curves.schema.json): frame rate, frame count, names and one
array of per-frame values for each ARKit curve. Also the JSON layout the other JSON
formats of mundwerk share: one field a line, nested arrays and objects one entry a line."""

from __future__ import annotations

import json
import math
from typing import TextIO, TypeGuard

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.core.curves import MouthCurves
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.reading import CueFileError, ReadOptions, SampleTrack, malformed, parse_json
from mundwerk.mouth.curves import curves_for_analysis
from mundwerk.mouth.curves.samples import known_curve_names

_SEPARATORS = (", ", ": ")


def json_text(value: object, indent: str = "") -> str:
    """``value`` as JSON: objects and arrays of containers one entry a line, the rest compact."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        lines = [f"{inner}{json.dumps(key)}: {json_text(item, inner)}" for key, item in value.items()]
        return "{\n" + ",\n".join(lines) + f"\n{indent}}}"
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        lines = [f"{inner}{json.dumps(item, separators=_SEPARATORS)}" for item in value]
        return "[\n" + ",\n".join(lines) + f"\n{indent}]"
    return json.dumps(value, separators=_SEPARATORS)


def rounded(values: np.typing.NDArray[np.float32]) -> list[float]:
    """Curve values as JSON numbers with four decimals."""
    result: list[float] = np.round(values.astype(np.float64), 4).tolist()
    return result


def curves_document(curves: MouthCurves, duration_ms: int) -> dict[str, object]:
    """The curves-json document of ``curves`` (ARKit names)."""
    return {
        "format": "mundwerk-curves",
        "version": 1,
        "fps": curves.fps,
        "frame_count": curves.frame_count,
        "duration_s": duration_ms / 1000,
        "names": list(curves.names),
        "curves": {name: rounded(curves.curve(name)) for name in curves.names},
    }


class CurvesJsonExporter:
    """One object with per-curve arrays; frame ``k`` of every array is at ``k / fps`` seconds."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        curves = curves_for_analysis(analysis, options.fps).to_arkit()
        stream.write(json_text(curves_document(curves, max(analysis.duration_ms, 0))) + "\n")


def read(text: str, source: str, options: ReadOptions) -> SampleTrack:
    """The curves of a curves-json document: ``fps`` and one array per name in ``curves``
    (ARKit or mouth parameter names, others ignored), all the same length."""
    document = parse_json(json.JSONDecoder(), text, source)
    if not isinstance(document, dict) or not isinstance(document.get("curves"), dict):
        raise CueFileError(f'malformed curves file {source}: no "curves" object')
    fps = document.get("fps")
    if not (_is_number(fps) and fps > 0):
        raise malformed(source, _line_of(text, '"fps"'), f"invalid frame rate {fps!r}")
    known = [name for name in document["curves"] if name in known_curve_names()]
    if not known:
        raise CueFileError(f"no mouth curves in {source}; expected ARKit names such as jawOpen")
    columns = [_values(document["curves"][name], text, source, name) for name in known]
    for name, column in zip(known, columns, strict=True):
        if len(column) != len(columns[0]) or not column:
            problem = f"curve {name!r} has {len(column)} values, {known[0]!r} has {len(columns[0])}"
            raise malformed(source, _line_of(text, json.dumps(name)), problem)
    count, fps = len(columns[0]), float(fps)
    duration_s = document.get("duration_s")
    end_ms = round((duration_s if _is_number(duration_s) else count / fps) * 1000)
    values = np.array(columns, dtype=np.float64).T
    return SampleTrack(tuple(known), np.arange(count) / fps, values, end_ms, 1000 / fps)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _values(values: object, text: str, source: str, name: str) -> list[float]:
    if not isinstance(values, list) or not all(_is_number(value) for value in values):
        raise malformed(source, _line_of(text, json.dumps(name)), f"curve {name!r} must be a list of numbers")
    return [float(value) for value in values]


def _line_of(text: str, needle: str) -> int:
    """The 1-based line where ``needle`` first occurs inside the ``curves`` object (else anywhere)."""
    position = text.find(needle, max(text.find('"curves"'), 0))
    position = position if position >= 0 else text.find(needle)
    return text.count("\n", 0, max(position, 0)) + 1


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("{") and '"mundwerk-curves"' in text[:200]


FORMAT = ExportFormat(
    "curves-json", "json", CurvesJsonExporter(), "ARKit mouth blendshape curves per frame (JSON)"
)
