"""Score the phonetic recognizer (model + decoder) on fresh synthesized, degraded speech.

    cd training && ../.venv/bin/python eval_phonetic.py [--utterances 150] [--language de] [--model X.onnx]

Prints decoded per-class frame recall and precision, closure and rounding events found and
invented, and the real-time factor. Seeds never used in training.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from phonetic_corpus import PIPER_LAG_MS, degraded, piper_synthesis, random_espeak  # type: ignore[import-not-found]
from phonetic_text import sentence  # type: ignore[import-not-found]

from mundwerk.audio.features import FRAME_MS
from mundwerk.audio.signal import Audio
from mundwerk.core.phones import Phone
from mundwerk.speech.phonetic import PhoneticRecognizer
from mundwerk.speech.phonetic_model import FINE_INDEX, FINE_TO_MOUTH, FrameClassifier, PhoneClass

SEED_BASE = 50_000_000


def frame_classes(phones: tuple[Phone, ...], frames: int) -> np.ndarray:
    classes = np.zeros(frames, dtype=np.int64)
    for phone in phones:
        first, last = phone.start_ms // FRAME_MS, -(-phone.end_ms // FRAME_MS)
        classes[first:last] = FINE_TO_MOUTH[FINE_INDEX[phone.symbol]]
    return classes


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2], strict=True))


def events(truth: np.ndarray, found: np.ndarray, label: int) -> np.ndarray:
    """True runs of ``label``, those a found run overlaps, and found runs overlapping none."""
    true_runs, found_runs = runs(truth == label), runs(found == label)
    hit = sum(1 for a, b in true_runs if np.any(found[a:b] == label))
    invented = sum(1 for a, b in found_runs if not np.any(truth[a:b] == label))
    return np.array([len(true_runs), hit, invented])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--utterances", type=int, default=150)
    parser.add_argument("--switch", type=float, nargs="*", default=[])
    parser.add_argument(
        "--bias",
        type=float,
        nargs=2,
        action="append",
        default=[],
        metavar=("CLOSED", "F_V"),
        help="also try this CLOSED and LABIODENTAL class_bias",
    )
    parser.add_argument("--language", default=None, help="only this language (en de fr es it nl pl pt)")
    parser.add_argument("--engine", choices=("espeak", "piper"), default="espeak")
    parser.add_argument("--model", type=Path, default=None, help="an ONNX model other than the bundled one")
    args = parser.parse_args()
    recognizer = PhoneticRecognizer(FrameClassifier.load(args.model))
    data = [fresh(SEED_BASE + i, args.engine, args.language) for i in range(args.utterances)]
    configs = [recognizer.decoder] + [replace(recognizer.decoder, switch_log=s) for s in args.switch]
    configs += [replace(recognizer.decoder, class_bias=(0.0, c, f, 0.0, 0.0, 0.0)) for c, f in args.bias]
    for config in configs:
        score(replace(recognizer, decoder=config), data)


def fresh(seed: int, engine: str, language: str | None) -> tuple[np.ndarray, np.ndarray]:
    """One degraded utterance never used in training, and its frame labels."""
    if engine == "piper":
        rng = random.Random(seed)
        text = sentence("en", rng)
        scales = rng.uniform(0.7, 1.45), rng.uniform(0.3, 1.0), rng.uniform(0.4, 1.1)
        return degraded(seed, piper_synthesis(text, *scales), PIPER_LAG_MS)
    return degraded(seed, random_espeak(seed, language)[0])


def score(recognizer: PhoneticRecognizer, data: list[tuple[np.ndarray, np.ndarray]]) -> None:
    truths, founds, seconds, audio_s = [], [], 0.0, 0.0
    closures, rounded = np.zeros(3, np.int64), np.zeros(3, np.int64)
    for samples, labels in data:
        started = time.perf_counter()
        alignment = recognizer.recognize(Audio(samples))
        seconds += time.perf_counter() - started
        audio_s += len(samples) / 16_000
        truth = FINE_TO_MOUTH[labels]
        found = frame_classes(alignment.phones, len(labels))
        truths.append(truth)
        founds.append(found)
        closures += events(truth, found, PhoneClass.CLOSED)
        rounded += events(truth, found, PhoneClass.ROUNDED)
    truth, found = np.concatenate(truths), np.concatenate(founds)
    print(f"decoder {recognizer.decoder}")
    for label in PhoneClass:
        recall = np.mean(found[truth == label] == label)
        precision = np.mean(truth[found == label] == label) if np.any(found == label) else float("nan")
        print(f"  {label.name:12s} recall {recall:.3f} precision {precision:.3f}")
    print(f"  frame accuracy {np.mean(truth == found):.3f}")
    for name, (total, hit, invented) in (("closures", closures), ("rounded", rounded)):
        print(f"  {name}: {total} true, {hit / max(1, total):.3f} found, {invented} invented")
    print(f"  RTF {seconds / audio_s:.4f} ({audio_s:.0f} s of audio)")


if __name__ == "__main__":
    main()
