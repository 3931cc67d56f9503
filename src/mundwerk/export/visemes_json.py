"""Oculus visemes as JSON: Azure-style events (a viseme starting at each offset) and the
per-frame cross-fade weights of all 15 visemes."""

from __future__ import annotations

from typing import TextIO

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.core.curves import OCULUS_VISEMES
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.export.curves_json import json_text
from mundwerk.mouth.visemes import viseme_track, visemes_for_analysis


def events(analysis: Analysis) -> list[dict[str, object]]:
    """One event per viseme change, offsets strictly increasing, the first at 0."""
    track = viseme_track(analysis.alignment.phones, analysis.duration_ms)
    return [
        {"offset_ms": item.start_ms, "viseme_id": item.value.index, "viseme": item.value.value}
        for item in track
    ]


class VisemesJsonExporter:
    """``events`` (viseme ids are Oculus' 0–14) and ``frames`` (weights at ``k / fps`` s)."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        weights = visemes_for_analysis(analysis, options.fps)
        document = {
            "format": "mundwerk-visemes",
            "version": 1,
            "viseme_set": "oculus",
            "duration_s": max(analysis.duration_ms, 0) / 1000,
            "events": events(analysis),
            "frames": {
                "fps": weights.fps,
                "frame_count": weights.frame_count,
                "names": [viseme.value for viseme in OCULUS_VISEMES],
                "weights": np.round(weights.values.astype(np.float64), 4).tolist(),
            },
        }
        stream.write(json_text(document) + "\n")


FORMAT = ExportFormat(
    "visemes-json", "json", VisemesJsonExporter(), "Oculus visemes: events and per-frame weights (JSON)"
)
