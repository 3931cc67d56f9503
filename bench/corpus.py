"""The timing corpus: the benchmark's sentences synthesised with exact phone timing.

espeak speaks them in several voices and rates, piper's "joe" voice at two length
scales; every other utterance also gets a copy with white noise at 10 dB SNR over the
speech (fixed seed). Clean files carry a white dither at -70 dBFS: real recordings never
hold digital silence, and Rhubarb 1.13 misreads espeak's exact zeros badly.
Each utterance is a 16-bit WAV with a ``.txt`` transcript beside it in
``bench/work/corpus/``, and ``truth.json`` there holds the corrected truth. The corpus is
built once and reused while its recipe (``RECIPE_VERSION``) is unchanged; piper samples
noise, so rebuilding gives slightly different audio.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.metrics import SILENCE_SYMBOL, TruthPhone
from bench.sentences import SENTENCES
from bench.truth import correct, label_lag_ms

RECIPE_VERSION = 3
RATE_HZ = 16_000
SNR_DB = 10.0
DITHER_DBFS = -70.0
NOISE_SEED = 20240610

#: (engine, voice, speed): espeak speed in words per minute, piper speed as a length scale.
ESPEAK_VOICES = (("en-us", 175), ("en", 140), ("en-gb-x-rp", 200), ("en-us", 220))
PIPER_VOICES = (("joe", 1.0), ("joe", 1.2))
ESPEAK_SHARE = 32  # sentences 0..31 go to espeak, the rest to piper

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One corpus file and its truth."""

    name: str
    engine: str
    voice: str
    speed: float
    noisy: bool
    text: str
    duration_ms: int
    truth: tuple[TruthPhone, ...]
    language: str = "en"

    @property
    def subset(self) -> str:
        return f"{self.engine} {'noisy' if self.noisy else 'clean'}"


@dataclass(frozen=True, slots=True)
class Synthesized:
    """Audio at 16 kHz and its phone labels as the synthesizer reported them."""

    samples: FloatArray
    phones: tuple[TruthPhone, ...]


@dataclass(frozen=True, slots=True)
class CorrectionReport:
    """How the truth was corrected, per engine: measured lags and closure statistics."""

    engine: str
    label_lags_ms: tuple[int, ...]
    applied_lag_ms: int
    closures_found: int
    closures_missed: int
    closure_db: tuple[float, ...]
    label_db: tuple[float, ...]


#: (engine, voice, speed, text): what to synthesise for one clean utterance.
Job = tuple[str, str, float, str]
Synthesize = Callable[[str, str, float, str], Synthesized]


def plan() -> list[Job]:
    """(engine, voice, speed, text) for every clean utterance."""
    jobs = []
    for index, text in enumerate(SENTENCES):
        if index < ESPEAK_SHARE:
            voice, wpm = ESPEAK_VOICES[index % len(ESPEAK_VOICES)]
            jobs.append(("espeak", voice, float(wpm), text))
        else:
            voice, scale = PIPER_VOICES[index % len(PIPER_VOICES)]
            jobs.append(("piper", voice, scale, text))
    return jobs


def add_noise(
    samples: FloatArray, truth: tuple[TruthPhone, ...], rng: np.random.Generator, snr_db: float
) -> FloatArray:
    """White noise ``snr_db`` below the speech power (measured over the non-silent phones)."""
    speech = np.zeros(len(samples), bool)
    for phone in truth:
        if phone.symbol != SILENCE_SYMBOL:
            speech[phone.start_ms * RATE_HZ // 1000 : phone.end_ms * RATE_HZ // 1000] = True
    power = float(np.mean(samples[speech].astype(np.float64) ** 2)) if speech.any() else 1e-6
    mixed = samples + rng.standard_normal(len(samples)) * np.sqrt(power / 10 ** (snr_db / 10))
    peak = float(np.max(np.abs(mixed)))
    return np.asarray(mixed / peak * 0.9 if peak > 0.99 else mixed, dtype=np.float32)


def dither(samples: FloatArray, rng: np.random.Generator) -> FloatArray:
    noise = rng.standard_normal(len(samples)) * 10 ** (DITHER_DBFS / 20)
    return np.asarray(samples + noise, dtype=np.float32)


def write_wav(path: Path, samples: FloatArray) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE_HZ)
        out.writeframes(pcm.tobytes())


def read_wav(path: Path) -> FloatArray:
    with wave.open(str(path), "rb") as source:
        data = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return np.asarray(data / 32768.0, dtype=np.float32)


def build(
    directory: Path,
    synthesize: Synthesize,
    jobs: Sequence[Job] | None = None,
    language: str = "en",
    version: int | str = RECIPE_VERSION,
) -> tuple[list[Utterance], list[CorrectionReport]]:
    """Synthesise, correct, add noise and write the corpus (or load it if already built).

    ``jobs`` default to the English plan; another ``version`` keeps other corpora's caches apart.
    """
    manifest = directory / "truth.json"
    if manifest.exists():
        loaded = _load(manifest, version)
        if loaded is not None:
            return loaded
    directory.mkdir(parents=True, exist_ok=True)
    raw = [(job, synthesize(*job)) for job in (plan() if jobs is None else jobs)]
    engines = dict.fromkeys(engine for (engine, *_), _ in raw)
    reports = [_correct_engine(engine, raw) for engine in engines]
    lags = {report.engine: report.applied_lag_ms for report in reports}
    rng = np.random.default_rng(NOISE_SEED)
    utterances = []
    for index, ((engine, voice, speed, text), result) in enumerate(raw):
        truth = correct(result.samples, RATE_HZ, result.phones, lags[engine]).phones
        copies = [(False, dither(result.samples, rng))]
        if index % 2 == 0:
            copies.append((True, add_noise(result.samples, truth, rng, SNR_DB)))
        for noisy, samples in copies:
            name = f"{index:02d}-{engine}-{voice}-{speed:g}{'-noisy' if noisy else ''}"
            write_wav(directory / f"{name}.wav", samples)
            (directory / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
            duration_ms = round(len(samples) * 1000 / RATE_HZ)
            utterances.append(
                Utterance(name, engine, voice, speed, noisy, text, duration_ms, truth, language)
            )
    _save(manifest, utterances, reports, version)
    return utterances, reports


def _correct_engine(engine: str, raw: list[tuple[Job, Synthesized]]) -> CorrectionReport:
    """Measure an engine's label lag over all its utterances, then correct each one."""
    mine = [result for (name, *_), result in raw if name == engine]
    lags = [label_lag_ms(result.samples, RATE_HZ, result.phones) for result in mine]
    applied = round(float(np.median(lags))) if engine == "piper" and lags else 0
    corrections = [correct(result.samples, RATE_HZ, result.phones, applied) for result in mine]
    return CorrectionReport(
        engine=engine,
        label_lags_ms=tuple(lags),
        applied_lag_ms=applied,
        closures_found=sum(c.closures_found for c in corrections),
        closures_missed=sum(c.closures_missed for c in corrections),
        closure_db=tuple(db for c in corrections for db in c.closure_db),
        label_db=tuple(db for c in corrections for db in c.label_db),
    )


def _save(
    manifest: Path, utterances: list[Utterance], reports: list[CorrectionReport], version: int | str
) -> None:
    data = {
        "version": version,
        "utterances": [asdict(u) for u in utterances],
        "corrections": [asdict(r) for r in reports],
    }
    manifest.write_text(json.dumps(data), encoding="utf-8")


def _load(manifest: Path, version: int | str) -> tuple[list[Utterance], list[CorrectionReport]] | None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if data.get("version") != version:
        return None
    utterances = [
        Utterance(**{**u, "truth": tuple(TruthPhone(**p) for p in u["truth"])}) for u in data["utterances"]
    ]
    reports = [
        CorrectionReport(**{k: tuple(v) if isinstance(v, list) else v for k, v in r.items()})
        for r in data["corrections"]
    ]
    return utterances, reports
