"""Other languages: German espeak speech at several rates and pitches, scored like the English corpus.

For each utterance the truth is espeak's phone labels, closure-corrected (``bench.truth.correct``:
a P or B starts where the lips shut). Two figures per setting:

- boundaries: the share of truth phone boundaries (the start of every speech phone and the
  end of every speech phone before a pause) that the aligned phones put within 50 ms. Truth
  and aligned phones are matched by symbol in order (``difflib``); a truth phone without a
  match counts as a miss. For this, a P/B closure and its release are one phone.
- the foundation metrics (``bench.metrics.score``) of ``mundwerk.Analyzer``'s mouth cues,
  with the transcript and without it.

python -m bench.languages
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.corpus import NOISE_SEED, SNR_DB, add_noise
from bench.metrics import RELEASE_SYMBOL, SILENCE_SYMBOL, Cue, Ratio, Scores, TruthPhone, pooled, score
from bench.truth import correct

if TYPE_CHECKING:
    from mundwerk.audio.signal import Audio
    from mundwerk.core.analysis import Analysis

BOUNDARY_TOLERANCE_MS = 50
RATE_HZ = 16_000

GERMAN_SENTENCES = (
    "Der Apfel fällt nicht weit vom Stamm, aber Peter pflückt Pflaumen.",
    "Mein Bruder baut ein Boot aus buntem Papier.",
    "Fünf müde Möwen flogen über das offene Wasser.",
    "Wir wollen am Mittwoch mit Oma Pfannkuchen backen.",
    "Paula bewundert die blühenden Blumen im Park.",
    "Viele Vögel wohnen im Wald vor dem Dorf.",
    "Die Pfeife des Bootsmanns pfiff über die Mole.",
    "Böse Wölfe heulen, wenn der Mond voll ist.",
    "Moritz packt seinen Koffer, bevor der Bus kommt.",
    "Im Sommer pflanzt Mama Paprika und Bohnen.",
    "Unser Ofen ist zu heiß, öffne bitte das Fenster.",
    "Frau Müller kauft frische Brötchen beim Bäcker.",
    "Ein blauer Ballon schwebte über die Brücke.",
    "Wolfgang fährt mit dem Fahrrad zum Museum.",
    "Opa trinkt Kaffee und liest die Morgenpost.",
    "Die Puppe liegt unter dem Bett, bei den Büchern.",
    "Warum weinen Wale, wenn das Wetter wechselt?",
    "Bitte bring mir morgen ein Pfund Butter mit.",
    "Der Fuchs schlüpft flink durch den hohlen Baum.",
    "Mehrere Pferde warten vor dem Pfarrhaus im Hof.",
)
#: (voice, words per minute, pitch 0-100)
GERMAN_SETTINGS = (("de", 140, 40), ("de", 175, 60), ("de", 220, 50))


@dataclass(frozen=True, slots=True)
class LanguageRow:
    """Figures for one language, voice, rate and pitch (or ``pooled`` over them)."""

    language: str
    setting: str
    utterances: int
    boundaries: Ratio
    with_transcript: Scores
    without_transcript: Scores
    seconds_audio: float
    seconds_aligning: float


@dataclass(frozen=True, slots=True)
class _Utterance:
    audio: Audio
    text: str
    duration_ms: int
    truth: tuple[TruthPhone, ...]


def _synthesize(
    text: str, voice: str, rate_wpm: int, pitch: int, noise: np.random.Generator | None = None
) -> _Utterance:
    from mundwerk.audio.signal import Audio
    from mundwerk.speech.synthesizer import SynthesisOptions, get_synthesizer

    result = get_synthesizer("espeak").synthesize(
        text, SynthesisOptions(voice=voice, rate_wpm=rate_wpm, pitch=pitch)
    )
    samples = np.asarray(result.audio.samples, dtype=np.float32)
    labels = [TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in result.phones]
    truth = correct(samples, RATE_HZ, labels, 0).phones
    if noise is not None:
        samples = add_noise(samples, truth, noise, SNR_DB)
    return _Utterance(Audio(samples), text, result.audio.duration_ms, truth)


def merged_releases(phones: Sequence[TruthPhone]) -> list[TruthPhone]:
    """Truth phones with each release joined to the closure before it."""
    merged: list[TruthPhone] = []
    for phone in phones:
        if phone.symbol == RELEASE_SYMBOL and merged:
            merged[-1] = TruthPhone(merged[-1].symbol, merged[-1].start_ms, phone.end_ms)
        else:
            merged.append(phone)
    return merged


def boundary_hits(truth: Sequence[TruthPhone], found: Sequence[TruthPhone], tolerance_ms: int) -> Ratio:
    """Truth boundaries (speech phone starts, ends before a pause) matched within ``tolerance_ms``."""
    speech = [p for p in merged_releases(truth) if p.symbol != SILENCE_SYMBOL]
    aligned = [p for p in found if p.symbol != SILENCE_SYMBOL]
    matcher = difflib.SequenceMatcher(
        None, [p.symbol for p in speech], [p.symbol for p in aligned], autojunk=False
    )
    partner = {a + k: b + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}
    ends = _ends_before_pauses(merged_releases(truth))
    hits = total = 0
    for index, phone in enumerate(speech):
        match = aligned[partner[index]] if index in partner else None
        checks = [(phone.start_ms, match.start_ms if match else None)]
        if phone.end_ms in ends:
            checks.append((phone.end_ms, match.end_ms if match else None))
        for want, got in checks:
            total += 1
            hits += got is not None and abs(want - got) <= tolerance_ms
    return Ratio(hits, total)


def _ends_before_pauses(phones: Sequence[TruthPhone]) -> set[int]:
    return {
        phone.end_ms
        for phone, after in zip(phones, [*phones[1:], None], strict=True)
        if phone.symbol != SILENCE_SYMBOL and (after is None or after.symbol == SILENCE_SYMBOL)
    }


def _cues(analysis: Analysis) -> list[Cue]:
    return [Cue(c.value.value, c.start_ms, c.end_ms) for c in analysis.cues]


def run_language_bench(
    language: str = "de",
    sentences: Sequence[str] = GERMAN_SENTENCES,
    settings: Sequence[tuple[str, int, int]] = GERMAN_SETTINGS,
    noisy: bool = False,
) -> list[LanguageRow]:
    """One row per setting and a ``pooled`` row: boundary accuracy and cue scores.

    ``noisy``: white noise at the English corpus's SNR (10 dB) over every utterance."""
    import mundwerk
    from mundwerk.core.analysis import AnalysisOptions

    analyzer = mundwerk.Analyzer.load(AnalysisOptions(recognizer="phonetic", language=language))
    rows = []
    for voice, rate_wpm, pitch in settings:
        noise = np.random.default_rng(NOISE_SEED) if noisy else None
        utterances = [_synthesize(text, voice, rate_wpm, pitch, noise) for text in sentences]
        boundaries, scored, free = Ratio(), [], []
        seconds = 0.0
        for utterance in utterances:
            start = time.perf_counter()
            analysis = analyzer.analyze(utterance.audio, utterance.text)
            seconds += time.perf_counter() - start
            found = [TruthPhone(p.symbol, p.start_ms, p.end_ms) for p in analysis.alignment.phones]
            boundaries += boundary_hits(utterance.truth, found, BOUNDARY_TOLERANCE_MS)
            scored.append(score(utterance.truth, _cues(analysis), utterance.duration_ms))
            unaided = analyzer.analyze(utterance.audio)
            free.append(score(utterance.truth, _cues(unaided), utterance.duration_ms))
        audio_seconds = sum(u.duration_ms for u in utterances) / 1000
        setting = f"{voice} {rate_wpm} wpm pitch {pitch}{f' noisy {SNR_DB:g} dB' if noisy else ''}"
        rows.append(
            LanguageRow(
                language,
                setting,
                len(utterances),
                boundaries,
                pooled(scored),
                pooled(free),
                audio_seconds,
                seconds,
            )
        )
    rows.append(_pooled_row(language, rows, "pooled noisy" if noisy else "pooled"))
    return rows


def _pooled_row(language: str, rows: Sequence[LanguageRow], setting: str) -> LanguageRow:
    boundaries = Ratio()
    for row in rows:
        boundaries += row.boundaries
    return LanguageRow(
        language,
        setting,
        sum(row.utterances for row in rows),
        boundaries,
        pooled(row.with_transcript for row in rows),
        pooled(row.without_transcript for row in rows),
        sum(row.seconds_audio for row in rows),
        sum(row.seconds_aligning for row in rows),
    )


HEADER = (
    "language", "setting", "n", "boundaries ≤50 ms", "closure recall (text)", "balanced acc. (text)",
    "closure recall", "false closures", "rounded recall", "balanced acc.", "RTF (text)",
)  # fmt: skip


def table_rows(rows: Sequence[LanguageRow]) -> list[list[str]]:
    """Rows for a markdown table under :data:`HEADER` (no transcript: the last four scores)."""
    return [
        [
            row.language,
            row.setting,
            str(row.utterances),
            f"{row.boundaries.value:.2f}",
            f"{row.with_transcript.closure.value:.2f}",
            f"{row.with_transcript.balanced_accuracy:.2f}",
            f"{row.without_transcript.closure.value:.2f}",
            f"{row.without_transcript.false_closure.value:.2f}",
            f"{row.without_transcript.rounded.value:.2f}",
            f"{row.without_transcript.balanced_accuracy:.2f}",
            f"{row.seconds_aligning / max(row.seconds_audio, 1e-9):.4f}",
        ]
        for row in rows
    ]


def main() -> int:
    rows = run_language_bench() + run_language_bench(noisy=True)
    print(" | ".join(HEADER))
    for cells in table_rows(rows):
        print(" | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
