"""The data card written next to the trained phonetic model."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from mundwerk.speech.phonetic_model import FINE_CLASSES, FUTURE_FRAMES, PAST_FRAMES, PhoneClass


def card_text(
    stats: Any, mouth: dict[str, float], fine: dict[str, float], confusion: np.ndarray, digest: str
) -> str:
    sources = "\n".join(f"| {name} | {count} |" for name, count in stats.sources.items())
    mouth_rows = "\n".join(f"| {name} | {value:.3f} |" for name, value in mouth.items())
    fine_rows = "\n".join(
        f"| {f.name} | {f.mouth.name} | {f.symbol} | {' '.join(f.members)} | {fine[f.name]:.3f} |"
        for f in FINE_CLASSES
    )
    header = " | ".join(m.name for m in PhoneClass)
    confusion_rows = "\n".join(
        f"| {m.name} | " + " | ".join(str(int(v)) for v in row) + " |"
        for m, row in zip(PhoneClass, confusion, strict=True)
    )
    return f"""# phonetic.onnx — data card

A frame classifier for mundwerk's `phonetic` recognizer (speech/phonetic.py): 40 log-mel
bands every 10 ms (audio/features.py) in, log-probabilities of {len(FINE_CLASSES)} fine classes
per frame out. Dilated 1-D convolutions, no padding inside: output frame t sees input
frames t-{PAST_FRAMES} … t+{FUTURE_FRAMES} ({FUTURE_FRAMES * 10} ms lookahead).

sha256: `{digest}`

Made by `training/train_phonetic.py` (see training/README.md) in {stats.seconds / 60:.1f} minutes
on 2 CPU cores, {stats.steps} optimiser steps:

    {" ".join(["train_phonetic.py", *sys.argv[1:]])}

## Corpus (all synthetic; no recorded speech, no downloads)

Pseudo-sentences of random words from per-language word lists (training/phonetic_text.py),
spoken by libespeak-ng (espeakng-loader) in en-us, en, en-gb-x-rp, de, fr, es, es-419, it, nl,
pl, pt, pt-br with random voice variants (m1–m7, f1–f5, klatt1–4, whisper, croak and named
variants), rates 110–320 words/min, pitch 15–90 and pitch range 20–100; and by piper's
en_US "joe" voice (length scale 0.7–1.45, noise scale 0.3–1.0, noise width 0.4–1.1) when
the piper back-end is available; piper's phone times lag its audio by about 21 ms, so its
labels are moved 21 ms earlier. Each utterance gets
50–600 ms of silence before and after, then: synthetic reverberation (p=0.5, RT60 0.15–0.8 s),
a random microphone filter (p=0.4), noise (p=0.9: white, pink, brown or mains hum, SNR
5–30 dB) and a random level (-35 to -1 dBFS peak). 4% of utterances are noise or digital
silence only.

Labels: the synthesizer's phone at the middle of each frame, mapped ARPAbet → fine class.
A stop (P B T D K G) also gets the near-silent closure gap before its burst (frames below
-20 dB of the utterance's loud frames, at most 150 ms, within the phone before it), since
espeak marks a stop at its burst; after a pause, P and B get the 40 ms before the burst.

| source | utterances |
| --- | --- |
{sources}

Training frames: {stats.training_frames}; validation frames: {stats.validation_frames}
(every 12th utterance held out: other sentences, voices and noise).

## Validation: frame recall per class (argmax of the network, before decoding)

| mouth class | recall |
| --- | --- |
{mouth_rows}

| fine class | mouth class | output symbol | ARPAbet members | recall |
| --- | --- | --- | --- | --- |
{fine_rows}

Confusion (rows: truth, columns: prediction, frames):

| truth | {header} |
| --- | {" | ".join("---" for _ in PhoneClass)} |
{confusion_rows}

## Limits

Trained on synthetic speech only: recorded voices, singing, shouting and overlapping
speakers are outside what it has seen. Labels inherit the synthesizers' timing and their
IPA → ARPAbet mapping (speech/ipa.py).
"""
