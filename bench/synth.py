"""mundwerk's synthesizers as the corpus uses them: (engine, voice, speed, text) → audio and labels."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from bench.corpus import Synthesized
from bench.metrics import TruthPhone


@cache
def _engine(name: str) -> Any:
    from mundwerk.speech.synthesizer import get_synthesizer

    return get_synthesizer(name)


def synthesize(engine: str, voice: str, speed: float, text: str) -> Synthesized:
    """espeak: ``speed`` in words per minute; piper: ``speed`` is a length scale (1.2 = slower)."""
    from mundwerk.speech.synthesizer import SynthesisOptions

    if engine == "espeak":
        options = SynthesisOptions(voice=voice, rate_wpm=int(speed))
    else:
        options = SynthesisOptions(voice=None if voice == "joe" else voice, speed=1.0 / speed)
    result = _engine(engine).synthesize(text, options)
    phones = tuple(TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in result.phones)
    return Synthesized(np.asarray(result.audio.samples, dtype=np.float32), phones)
