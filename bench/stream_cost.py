"""CPU cost of the live stream path by component, per second of audio (docs/streaming.md).

python -m bench.stream_cost [--repeat 6] [--chunk-ms 20] [--fps 30] [--lookahead-ms 20]

Streams the bundled LibriVox clip (repeated) through ``mundwerk.stream.Engine``/``Session``
in one process, a poll after every chunk, and times each component with
``time.process_time`` (CPU time: other jobs on a shared machine inflate it far less than
wall time). Nested components count toward the outermost one only. Prints a table; writes
nothing.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

SPEECH_WAV = Path(__file__).resolve().parents[1] / "src" / "mundwerk" / "data" / "librivox-amiable.wav"


class Timer:
    """Wraps methods and functions; adds up their CPU time, the outermost call only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._depth = 0

    def wrap(self, owner: Any, name: str, label: str) -> None:
        function: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return function(*args, **kwargs)
            self._depth += 1
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.process_time() - began
                self._depth -= 1

        setattr(owner, name, timed)


def instrument(timer: Timer) -> None:
    import mundwerk.audio.features as features
    import mundwerk.speech.phonetic as phonetic
    import mundwerk.speech.phonetic_decode as decode
    import mundwerk.speech.phonetic_model as model
    import mundwerk.stream.mouth as mouth
    import mundwerk.stream.pauses as pauses
    import mundwerk.stream.session as session

    timer.wrap(features.LogMelStream, "accept", "log-mel features")
    timer.wrap(model.FrameScorer, "accept", "recognizer network")
    timer.wrap(decode.ViterbiStream, "accept", "Viterbi decoding")
    timer.wrap(decode.ViterbiStream, "guess", "Viterbi guess")
    timer.wrap(decode.ViterbiStream, "provisional", "Viterbi guess")
    timer.wrap(phonetic, "mouth_log_probs", "class sums")
    timer.wrap(phonetic.PhoneticStream, "_phones", "segments to phones")
    timer.wrap(pauses.PauseTracker, "accept", "pause tracking")
    timer.wrap(pauses.PauseTracker, "pauses", "pause tracking")
    timer.wrap(session, "impose_pauses", "pauses imposed on phones")
    timer.wrap(mouth.MouthTrack, "frames", "mouth pipeline")


def stream_once(pcm: bytes, chunk_bytes: int, fps: int, lookahead_ms: int) -> int:
    """Stream ``pcm`` through a fresh session; the number of frames made."""
    from mundwerk.stream import Engine, SessionOptions

    engine = _engine(Engine)
    session = engine.session(SessionOptions(fps=fps, lookahead_ms=lookahead_ms))
    frames = 0
    for start in range(0, len(pcm), chunk_bytes):
        session.feed(pcm[start : start + chunk_bytes])
        frames += len(session.poll())
    return frames + len(session.end())


@functools.cache
def _engine(engine_type: Any) -> Any:
    return engine_type.load()


def speech_pcm(repeat: int) -> tuple[bytes, float]:
    from mundwerk.audio.decode import decode

    samples = np.tile(decode(SPEECH_WAV).samples, repeat)
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()
    return pcm, len(samples) / 16_000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=6, help="times the 3.3 s clip is streamed in a row")
    parser.add_argument("--chunk-ms", type=int, default=20)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--lookahead-ms", type=int, default=20)
    args = parser.parse_args(argv)
    pcm, audio_s = speech_pcm(args.repeat)
    chunk_bytes = 32 * args.chunk_ms
    stream_once(pcm, chunk_bytes, args.fps, args.lookahead_ms)  # load the engine, warm the caches
    timer = Timer()
    instrument(timer)
    began = time.process_time()
    frames = stream_once(pcm, chunk_bytes, args.fps, args.lookahead_ms)
    total = time.process_time() - began
    print(
        f"{audio_s:.1f} s of audio in {args.chunk_ms} ms chunks, {frames} frames at {args.fps} fps, "
        f"lookahead {args.lookahead_ms} ms: {total / audio_s:.4f} CPU s per audio s"
    )
    for label, seconds in sorted(timer.seconds.items(), key=lambda item: -item[1]):
        print(f"  {label:26s} {seconds / audio_s:.4f}")
    print(f"  {'the rest':26s} {(total - sum(timer.seconds.values())) / audio_s:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
