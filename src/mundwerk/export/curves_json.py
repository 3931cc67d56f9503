"""Mouth curves as JSON (docs/curves.schema.json): frame rate, frame count, names and one
array of per-frame values for each ARKit curve. Also the JSON layout the other JSON
formats of mundwerk share: one field a line, nested arrays and objects one entry a line."""

from __future__ import annotations

import json
from typing import TextIO

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.core.curves import MouthCurves
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.mouth.curves import curves_for_analysis

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


FORMAT = ExportFormat(
    "curves-json", "json", CurvesJsonExporter(), "ARKit mouth blendshape curves per frame (JSON)"
)
