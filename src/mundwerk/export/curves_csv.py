"""Mouth curves as CSV: a ``time_s`` column, then one column per ARKit curve; one row a frame."""

from __future__ import annotations

from typing import TextIO

import numpy as np

from mundwerk.core.analysis import Analysis
from mundwerk.export.base import ExportFormat, ExportOptions
from mundwerk.mouth.curves import curves_for_analysis


class CurvesCsvExporter:
    """Frame ``k`` at ``k / fps`` seconds (six decimals), values 0..1 with four decimals."""

    def write(self, analysis: Analysis, stream: TextIO, options: ExportOptions) -> None:
        curves = curves_for_analysis(analysis, options.fps).to_arkit()
        stream.write(",".join(("time_s", *curves.names)) + "\n")
        table = np.column_stack((curves.times_s(), curves.values.astype(np.float64)))
        formats = ["%.6f"] + ["%.4f"] * len(curves.names)
        np.savetxt(stream, table, fmt=formats, delimiter=",", newline="\n")


FORMAT = ExportFormat(
    "curves-csv", "csv", CurvesCsvExporter(), "ARKit mouth blendshape curves per frame (CSV)"
)
