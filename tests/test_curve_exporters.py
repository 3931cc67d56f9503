"""Curve, viseme and phone exporters: output parses back and matches what mundwerk computed."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from mundwerk.core.analysis import Analysis, AnalysisOptions
from mundwerk.core.curves import ARKIT_CURVES, MOUTH_PARAMETERS, OCULUS_VISEMES, MouthCurves, frame_count
from mundwerk.core.phones import Alignment, Phone, Stress, Word
from mundwerk.core.timeline import Timeline
from mundwerk.export.base import ExportOptions
from mundwerk.export.registry import extension_for, get_exporter
from mundwerk.mouth.curves import curves_from_phones
from mundwerk.mouth.visemes import visemes_from_phones
from test_curves import phones_of

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "curves.schema.json").read_text("utf-8"))

PHONES = phones_of(
    ("SIL", 250),
    ("HH", 60),
    ("AH", 90),
    ("L", 70),
    ("OW", 220),
    ("SIL", 120),
    ("M", 90),
    ("AY", 180),
    ("SIL", 317),
)
WORDS = (
    Word(
        "hello", 250, 690, tuple(Phone(p.symbol, p.start_ms, p.end_ms, Stress.PRIMARY) for p in PHONES[1:5])
    ),
    Word("my", 810, 1080, tuple(PHONES[6:8])),
)
DURATION_MS = 1397


def analysis(**fields: object) -> Analysis:
    alignment = Alignment(words=WORDS, phones=tuple(PHONES), duration_ms=DURATION_MS)
    return Analysis("clip.wav", DURATION_MS, alignment, Timeline(), AnalysisOptions(), **fields)  # type: ignore[arg-type]


def export(name: str, subject: Analysis, fps: float = 29.97) -> str:
    stream = io.StringIO(newline="")
    get_exporter(name).write(subject, stream, ExportOptions(fps=fps))
    return stream.getvalue()


def schema_errors(value: object, schema: dict[str, object], where: str = "$") -> list[str]:
    """The JSON Schema keywords docs/curves.schema.json uses, checked by hand (no jsonschema here)."""
    errors: list[str] = []
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float)}
    kind = schema.get("type")
    if isinstance(kind, str) and (not isinstance(value, kinds[kind]) or isinstance(value, bool)):
        return [f"{where}: not {kind}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: not {schema['const']!r}")
    if isinstance(value, int | float):
        if "minimum" in schema and value < schema["minimum"]:  # type: ignore[operator]
            errors.append(f"{where}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:  # type: ignore[operator]
            errors.append(f"{where}: above maximum")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:  # type: ignore[operator]
            errors.append(f"{where}: not above exclusiveMinimum")
    if isinstance(value, list):
        if schema.get("uniqueItems") and len({json.dumps(item) for item in value}) != len(value):
            errors.append(f"{where}: items not unique")
        for index, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{where}[{index}]")  # type: ignore[arg-type]
    if isinstance(value, dict):
        properties: dict[str, dict[str, object]] = schema.get("properties", {})  # type: ignore[assignment]
        errors += [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]  # type: ignore[attr-defined]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: unexpected {key}")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, f"{where}.{key}")
    return errors


def test_curves_csv_has_one_row_per_frame_matching_the_curves() -> None:
    rows = list(csv.reader(io.StringIO(export("curves-csv", analysis()))))
    assert rows[0] == ["time_s", *ARKIT_CURVES]
    table = np.array(rows[1:], dtype=np.float64)
    assert len(table) == frame_count(DURATION_MS, 29.97) == 42
    assert np.allclose(table[:, 0], np.arange(42) / 29.97, atol=5e-7)
    expected = curves_from_phones(PHONES, DURATION_MS, 29.97).to_arkit().values
    assert np.abs(table[:, 1:] - expected).max() <= 5e-5
    assert extension_for("curves-csv") == "csv"


def test_curves_json_follows_its_schema_and_matches_the_curves() -> None:
    document = json.loads(export("curves-json", analysis()))
    assert schema_errors(document, SCHEMA) == []
    assert document["frame_count"] == frame_count(DURATION_MS, 29.97) and document["fps"] == 29.97
    assert document["duration_s"] == 1.397
    assert document["names"] == list(ARKIT_CURVES) == list(document["curves"])
    expected = curves_from_phones(PHONES, DURATION_MS, 29.97).to_arkit()
    for name, values in document["curves"].items():
        assert len(values) == document["frame_count"]
        assert np.abs(np.array(values) - expected.curve(name)).max() <= 5e-5


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("version",), 2),
        (("fps",), 0),
        (("curves", "jawOpen", 3), 1.5),
        (("names",), ["a", "a"]),
        (("extra",), 1),
    ],
)
def test_the_schema_check_rejects_broken_documents(path: tuple[str | int, ...], value: object) -> None:
    document = json.loads(export("curves-json", analysis()))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert schema_errors(document, SCHEMA)


def test_curves_json_validates_with_jsonschema_when_installed() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(json.loads(export("curves-json", analysis())), SCHEMA)


def test_visemes_json_events_are_ordered_and_weights_sum_to_one() -> None:
    document = json.loads(export("visemes-json", analysis(), fps=60.0))
    events = document["events"]
    offsets = [event["offset_ms"] for event in events]
    assert offsets[0] == 0 and all(a < b for a, b in itertools.pairwise(offsets))
    assert offsets[1] == 250 - 20  # HH takes the vowel's mouth, 20 ms ahead of the sound
    assert offsets[-1] < DURATION_MS
    names = [viseme.value for viseme in OCULUS_VISEMES]
    assert all(names[event["viseme_id"]] == event["viseme"] for event in events)
    assert [event["viseme"] for event in events] == [
        "sil",
        "aa",
        "nn",
        "oh",
        "ou",
        "sil",
        "PP",
        "aa",
        "ih",
        "sil",
    ]
    frames = document["frames"]
    assert frames["names"] == names and frames["fps"] == 60.0
    weights = np.array(frames["weights"])
    assert weights.shape == (frame_count(DURATION_MS, 60.0), 15) == (frames["frame_count"], 15)
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-3)


def test_phones_json_gives_words_and_phones_in_seconds() -> None:
    document = json.loads(export("phones-json", analysis()))
    assert document["duration_s"] == 1.397
    assert [phone["phone"] for phone in document["phones"]] == [phone.symbol for phone in PHONES]
    assert [(phone["start_s"], phone["end_s"]) for phone in document["phones"]] == [
        (phone.start_ms / 1000, phone.end_ms / 1000) for phone in PHONES
    ]
    hello = document["words"][0]
    assert (hello["text"], hello["start_s"], hello["end_s"]) == ("hello", 0.25, 0.69)
    assert [phone["phone"] for phone in hello["phones"]] == ["HH", "AH", "L", "OW"]
    assert {phone["stress"] for phone in hello["phones"]} == {1}
    assert document["phones"][0]["stress"] is None


def test_stored_curves_are_used_at_their_rate_and_resampled_at_another() -> None:
    values = np.full((frame_count(DURATION_MS, 30.0), len(MOUTH_PARAMETERS)), 0.5)
    stored = analysis(curves=MouthCurves(30.0, MOUTH_PARAMETERS, values))
    same = json.loads(export("curves-json", stored, fps=30.0))
    assert same["curves"]["jawOpen"] == [0.5] * 42 and same["curves"]["mouthClose"] == [0.25] * 42
    other = json.loads(export("curves-json", stored, fps=60.0))
    assert other["curves"]["jawOpen"] == [0.5] * frame_count(DURATION_MS, 60.0)


def test_stored_visemes_are_used_at_their_rate() -> None:
    weights = visemes_from_phones(PHONES[:3], DURATION_MS, 24.0)
    document = json.loads(export("visemes-json", analysis(visemes=weights), fps=24.0))
    assert np.allclose(document["frames"]["weights"], weights.values, atol=5e-5)


def test_an_empty_analysis_exports_rest() -> None:
    empty = Analysis("x.wav", 0, Alignment(), Timeline(), AnalysisOptions())
    document = json.loads(export("curves-json", empty))
    assert document["frame_count"] == 0 and all(values == [] for values in document["curves"].values())
    assert schema_errors(document, SCHEMA) == []
    assert json.loads(export("visemes-json", empty))["events"] == []
    assert export("curves-csv", empty) == "time_s," + ",".join(ARKIT_CURVES) + "\n"
