"""The unit a live session yields: one mouth frame, as values and as the protocol's JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mundwerk.core.curves import ARKIT_CURVES, MOUTH_PARAMETERS, OCULUS_VISEMES
from mundwerk.core.shapes import MouthShape


@dataclass(frozen=True, slots=True)
class StreamFrame:
    """The mouth for the audio interval ``[time_ms, time_ms + 1000 / fps)`` from the first sample.

    ``visemes`` are the 15 Oculus weights in ``OCULUS_VISEMES`` order (summing to 1),
    ``blendshapes`` the ARKit curves in ``ARKIT_CURVES`` order, ``parameters`` the mouth
    parameters in ``MOUTH_PARAMETERS`` order (what a portrait is drawn from).
    """

    index: int
    time_ms: float
    shape: MouthShape
    visemes: tuple[float, ...]
    blendshapes: tuple[float, ...]
    parameters: tuple[float, ...]

    def parameter_map(self) -> dict[str, float]:
        return dict(zip(MOUTH_PARAMETERS, self.parameters, strict=True))

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON text, formatted in one step (a live server sends
        thousands a second): the same keys in the same order, values to 4 decimals."""
        values = (*self.visemes, *self.blendshapes)
        return _JSON_TEMPLATE % (self.index, round(self.time_ms, 3), self.shape.value, *values)

    def to_dict(self) -> dict[str, Any]:
        """The ``{"type": "frame", ...}`` message of the WebSocket protocol (docs/streaming.md)."""
        return {
            "type": "frame",
            "index": self.index,
            "time_ms": round(self.time_ms, 3),
            "shape": self.shape.value,
            "visemes": {v.value: round(w, 4) for v, w in zip(OCULUS_VISEMES, self.visemes, strict=True)},
            "blendshapes": {n: round(w, 4) for n, w in zip(ARKIT_CURVES, self.blendshapes, strict=True)},
        }


def _json_template() -> str:
    visemes = ",".join(f'"{viseme.value}":%.4f' for viseme in OCULUS_VISEMES)
    blendshapes = ",".join(f'"{name}":%.4f' for name in ARKIT_CURVES)
    head = '{"type":"frame","index":%d,"time_ms":%r,"shape":"%s"'
    return f'{head},"visemes":{{{visemes}}},"blendshapes":{{{blendshapes}}}}}'


_JSON_TEMPLATE = _json_template()
