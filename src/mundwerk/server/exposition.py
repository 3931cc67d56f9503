"""The Prometheus text exposition format (version 0.0.4), written by hand: it is a few lines.

Each metric is a ``# HELP`` line, a ``# TYPE`` line, then one sample per line:
``name{label="value"} number``. A histogram has cumulative ``_bucket`` samples with an ``le``
label ending in ``+Inf``, then ``_sum`` and ``_count``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = Mapping[str, str]


def number(value: float) -> str:
    """A sample value as Prometheus writes it (integers without a decimal point, +Inf, NaN)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escaped(value)}"' for key, value in labels.items()) + "}"


def _header(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def scalar(name: str, kind: str, help_text: str, samples: Iterable[tuple[Labels, float]]) -> str:
    """A gauge or counter with one sample per label set."""
    lines = _header(name, kind, help_text)
    lines += [f"{name}{_labels(labels)} {number(value)}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def gauge(name: str, help_text: str, value: float) -> str:
    return scalar(name, "gauge", help_text, [({}, value)])


def counter(name: str, help_text: str, value: float) -> str:
    return scalar(name, "counter", help_text, [({}, value)])


def histogram(
    name: str, help_text: str, upper_bounds: Sequence[float], counts: Sequence[int], total: float
) -> str:
    """A histogram from per-bucket (not cumulative) ``counts``; ``counts`` has one more entry
    than ``upper_bounds``, for observations above the last bound."""
    if len(counts) != len(upper_bounds) + 1:
        raise ValueError(f"{len(upper_bounds)} bounds need {len(upper_bounds) + 1} counts, got {len(counts)}")
    lines = _header(name, "histogram", help_text)
    cumulative = 0
    for bound, count in zip([*upper_bounds, math.inf], counts, strict=True):
        cumulative += count
        lines.append(f'{name}_bucket{{le="{number(bound)}"}} {cumulative}')
    lines += [f"{name}_sum {number(total)}", f"{name}_count {cumulative}"]
    return "\n".join(lines) + "\n"
