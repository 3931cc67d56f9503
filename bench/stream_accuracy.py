"""Accuracy of the live stream path (``mundwerk.stream.Session``, fed 20 ms chunks) on the timing
corpus, at several lookaheads, beside the offline phonetic recognizer, scored like bench.run."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench import corpus
from bench.metrics import Cue, Scores, pooled, score
from bench.report import SCORE_HEADER, markdown_table, score_rows
from bench.synth import synthesize
from bench.systems import mundwerk_in_process

SCORE_FPS = 100
CHUNK_SAMPLES = 320  # 20 ms at 16 kHz


def frames_to_cues(shapes: Sequence[str], duration_ms: int) -> list[Cue]:
    """Shapes of consecutive 10 ms frames as cues (runs merged), the last one ending with the audio."""
    cues: list[Cue] = []
    for index, shape in enumerate(shapes):
        start = index * 1000 // SCORE_FPS
        if cues and cues[-1].shape == shape:
            continue
        if cues:
            cues[-1] = Cue(cues[-1].shape, cues[-1].start_ms, start)
        cues.append(Cue(shape, start, start))
    if cues:
        cues[-1] = Cue(cues[-1].shape, cues[-1].start_ms, duration_ms)
    return cues


def stream_cues(engine: object, wav: Path, lookahead_ms: int) -> tuple[list[Cue], float]:
    """Cues of ``wav`` streamed in 20 ms chunks, and the seconds it took."""
    from mundwerk.stream import Engine, SessionOptions

    assert isinstance(engine, Engine)
    samples = corpus.read_wav(wav)
    began = time.perf_counter()
    session = engine.session(SessionOptions(16_000, SCORE_FPS, lookahead_ms))
    frames = []
    for start in range(0, len(samples), CHUNK_SAMPLES):
        session.feed(samples[start : start + CHUNK_SAMPLES])
        frames += session.poll()
    frames += session.end()
    seconds = time.perf_counter() - began
    return frames_to_cues([frame.shape.value for frame in frames], round(len(samples) / 16)), seconds


def agreement(cues: Sequence[Cue], reference: Sequence[Cue], duration_ms: int) -> float:
    """Share of 10 ms frames where two cue lists show the same shape."""

    def per_frame(items: Sequence[Cue]) -> list[str]:
        shapes = ["X"] * (duration_ms // 10)
        for cue in items:
            for frame in range(cue.start_ms // 10, min(cue.end_ms // 10, len(shapes))):
                shapes[frame] = cue.shape
        return shapes

    a, b = per_frame(cues), per_frame(reference)
    return float(np.mean([x == y for x, y in zip(a, b, strict=True)])) if a else 1.0


def accuracy_section(work: Path, quick: bool) -> str:
    from mundwerk.stream import LIVE_LOOKAHEAD_MS, STABLE_LOOKAHEAD_MS, Engine

    utterances, _ = corpus.build(work / "corpus", synthesize)
    if quick:
        utterances = utterances[:: max(1, len(utterances) // 8)]
    wavs = [work / "corpus" / f"{u.name}.wav" for u in utterances]
    offline = mundwerk_in_process(wavs, False, "phonetic")
    engine = Engine.load()
    rows: list[tuple[str, bool, bool, Scores]] = [
        ("offline phonetic", False, False, _pooled(utterances, offline.cues))
    ]
    agreements, speeds = [], []
    for lookahead in sorted({LIVE_LOOKAHEAD_MS, 20, 40, 60, 120, STABLE_LOOKAHEAD_MS}):
        cues: dict[str, list[Cue]] = {}
        seconds = 0.0
        for utterance, wav in zip(utterances, wavs, strict=True):
            cues[utterance.name], took = stream_cues(engine, wav, lookahead)
            seconds += took
        rows.append((f"stream, lookahead {lookahead} ms", False, False, _pooled(utterances, cues)))
        shares = [agreement(cues[u.name], offline.cues[u.name], u.duration_ms) for u in utterances]
        agreements.append(f"{lookahead} ms: {np.mean(shares):.1%}")
        speeds.append(seconds)
    audio_s = sum(u.duration_ms for u in utterances) / 1000
    return "\n\n".join(
        [
            f"{len(utterances)} corpus files ({audio_s:.0f} s; espeak and piper, clean and noisy), no "
            f"transcript, pooled. The stream path feeds 20 ms chunks and takes the Rhubarb shape of every "
            f"{1000 // SCORE_FPS} ms frame; `lookahead` is how much audio after a frame's own interval it "
            f"waits for ({STABLE_LOOKAHEAD_MS} ms = the recognizer's delay plus the mouth rules' reach: "
            "frames final).",
            markdown_table(SCORE_HEADER, score_rows(rows)),
            "Frames with the same shape as the offline phonetic analysis: " + "; ".join(agreements) + ". "
            f"Stream path speed: real-time factor {min(speeds) / audio_s:.3f}–{max(speeds) / audio_s:.3f} "
            f"(wall clock, one thread, {SCORE_FPS} fps, a poll after every chunk).",
        ]
    )


def _pooled(utterances: Sequence[corpus.Utterance], cues: dict[str, list[Cue]]) -> Scores:
    return pooled(score(u.truth, cues[u.name], u.duration_ms) for u in utterances if u.name in cues)
