"""Train the phonetic recognizer's frame classifier and export it to ONNX.

    .venv/bin/pip install torch==2.13.0 onnx==1.23.2
    cd training && ../.venv/bin/python train_phonetic.py [--utterances 6000] [--minutes 9]

Writes src/mundwerk/data/phonetic/phonetic.onnx, its .sha256 and the data card phonetic.md.
Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from phonetic_corpus import IGNORE, Utterance, espeak_job, piper_job  # type: ignore[import-not-found]
from torch import nn

from mundwerk.audio.features import MEL_BANDS
from mundwerk.speech.phonetic_model import (
    FINE_CLASSES,
    FINE_TO_MOUTH,
    FUTURE_FRAMES,
    INPUT_NAME,
    OUTPUT_NAME,
    PAD_VALUE,
    PAST_FRAMES,
    PhoneClass,
)

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "mundwerk" / "data" / "phonetic"
CHANNELS = 96
WINDOW = 256
BATCH = 32
PEAK_LR = 3e-3


class FrameNet(nn.Module):
    """Dilated causal-plus-lookahead convolutions over log-mel frames; no padding inside."""

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        c = CHANNELS
        self.body = nn.Sequential(
            nn.Conv1d(MEL_BANDS, c, 5, dilation=1), nn.ReLU(), nn.Dropout(0.1),
            nn.Conv1d(c, c, 5, dilation=2), nn.ReLU(), nn.Dropout(0.1),
            nn.Conv1d(c, c, 5, dilation=4), nn.ReLU(), nn.Dropout(0.1),
            nn.Conv1d(c, c, 3, dilation=8), nn.ReLU(),
            nn.Conv1d(c, c, 1), nn.ReLU(),
            nn.Conv1d(c, len(FINE_CLASSES), 1),
        )  # fmt: skip

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        normalised = (features - self.mean) / self.std
        logits = self.body(normalised.transpose(1, 2)).transpose(1, 2)
        return torch.log_softmax(logits, dim=-1)


assert PAST_FRAMES + FUTURE_FRAMES == 4 * 1 + 4 * 2 + 4 * 4 + 2 * 8


@dataclass(frozen=True, slots=True)
class Split:
    """Utterances joined into one stream, each padded like the recognizer pads it."""

    features: npt.NDArray[np.float32]
    labels: npt.NDArray[np.int64]


def join(utterances: list[Utterance]) -> Split:
    features: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for utterance in utterances:
        features += [np.full((PAST_FRAMES, MEL_BANDS), PAD_VALUE, np.float32), utterance.features]
        features.append(np.full((FUTURE_FRAMES, MEL_BANDS), PAD_VALUE, np.float32))
        labels += [np.full(PAST_FRAMES, IGNORE), utterance.labels, np.full(FUTURE_FRAMES, IGNORE)]
    return Split(np.concatenate(features), np.concatenate(labels))


def make_corpus(count: int, piper_share: float, cache: Path | None, first_seed: int = 0) -> list[Utterance]:
    """Synthesize the corpus, or load its parts from ``cache``.espeak.npz / .piper.npz (written here)."""
    piper_count = round(count * piper_share)
    parts = (
        ("espeak", count - piper_count, lambda size: espeak_part(size, first_seed)),
        ("piper", piper_count, lambda size: piper_part(size, first_seed)),
    )
    corpus: list[Utterance] = []
    for name, size, synthesize in parts:
        path = None if cache is None else cache.with_name(f"{cache.name}.{name}.npz")
        part = load_corpus(path) if path is not None and path.is_file() else None
        if part is None or len(part) != size:
            part = synthesize(size)
            if path is not None:
                save_corpus(path, part)
        corpus += part
    return corpus


def save_corpus(path: Path, corpus: list[Utterance]) -> None:
    lengths = [len(u.labels) for u in corpus]
    features = np.concatenate([u.features for u in corpus]) if corpus else np.zeros((0, MEL_BANDS))
    labels = np.concatenate([u.labels for u in corpus]) if corpus else np.zeros(0, np.int64)
    np.savez(path, features=features, labels=labels, lengths=lengths, sources=[u.source for u in corpus])


def load_corpus(cache: Path) -> list[Utterance]:
    with np.load(cache) as data:  # each data[key] reads the whole array again: read once
        features, labels = data["features"], data["labels"]
        lengths, sources = data["lengths"], data["sources"]
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return [
        Utterance(features[a:b], labels[a:b], str(source))
        for a, b, source in zip(bounds[:-1], bounds[1:], sources, strict=True)
    ]


def espeak_part(count: int, first_seed: int = 0) -> list[Utterance]:
    """espeak utterances with seeds first_seed … first_seed+count-1 (some are silence or noise only)."""
    with multiprocessing.get_context("fork").Pool(2) as pool:
        return pool.map(espeak_job, range(first_seed, first_seed + count), chunksize=50)


def piper_part(count: int, first_seed: int = 0) -> list[Utterance]:
    """piper utterances with seeds 10**6 + first_seed …; none when piper is not installed."""
    first = 10**6 + first_seed
    with multiprocessing.get_context("fork").Pool(2) as pool:
        piper = pool.map(piper_job, range(first, first + count), chunksize=10) if count else []
    return [u for u in piper if u is not None]


def batches(split: Split, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    span = WINDOW + PAST_FRAMES + FUTURE_FRAMES
    starts = rng.integers(0, len(split.labels) - span, BATCH)
    x = np.stack([split.features[s : s + span] for s in starts])
    y = np.stack([split.labels[s + PAST_FRAMES : s + PAST_FRAMES + WINDOW] for s in starts])
    return torch.from_numpy(x), torch.from_numpy(y)


def class_weights(labels: npt.NDArray[np.int64], lip_weight: float) -> torch.Tensor:
    """Inverse square-root frequency, the lip classes (CLOSED, LABIODENTAL) times ``lip_weight``,
    averaging 1 over the frames: rare classes count more."""
    counts = np.bincount(labels[labels != IGNORE], minlength=len(FINE_CLASSES)).astype(np.float64) + 1.0
    weights = (counts / counts.sum()) ** -0.5
    lips = np.isin(FINE_TO_MOUTH, [PhoneClass.CLOSED, PhoneClass.LABIODENTAL])
    weights[lips] *= lip_weight
    weights /= np.sum(weights * counts / counts.sum())
    return torch.tensor(weights, dtype=torch.float32)


def load_onnx_weights(model: FrameNet, path: Path) -> None:
    """Start from an exported model's weights and input normalisation (fine-tuning)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    model.load_state_dict(weights)


def train(model: FrameNet, split: Split, minutes: float, lip_weight: float, peak_lr: float = PEAK_LR) -> int:
    optimiser = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=1e-4)
    loss_fn = nn.NLLLoss(weight=class_weights(split.labels, lip_weight), ignore_index=IGNORE)
    rng = np.random.default_rng(0)
    deadline = time.monotonic() + minutes * 60
    start, step = time.monotonic(), 0
    model.train()
    while (now := time.monotonic()) < deadline:
        progress = (now - start) / (deadline - start)
        for group in optimiser.param_groups:
            group["lr"] = peak_lr * 0.5 * (1 + math.cos(math.pi * progress)) + 5e-5
        x, y = batches(split, rng)
        loss = loss_fn(model(x).reshape(-1, len(FINE_CLASSES)), y.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        step += 1
        if step % 200 == 0:
            print(f"step {step} loss {loss.item():.3f} lr {optimiser.param_groups[0]['lr']:.5f}", flush=True)
    return step


def evaluate(model: FrameNet, split: Split) -> tuple[dict[str, float], dict[str, float], np.ndarray]:
    """Frame recall per mouth class and per fine class, and the mouth-class confusion matrix."""
    model.eval()
    with torch.no_grad():
        log_probs = model(torch.from_numpy(split.features[None]))[0].numpy()
    labels = split.labels[PAST_FRAMES : PAST_FRAMES + len(log_probs)]
    keep = labels != IGNORE
    fine_pred, fine_true = log_probs.argmax(1)[keep], labels[keep]
    probs = np.exp(log_probs[keep])
    mouth_probs = np.stack([probs[:, m == FINE_TO_MOUTH].sum(1) for m in PhoneClass], axis=1)
    mouth_pred, mouth_true = mouth_probs.argmax(1), FINE_TO_MOUTH[fine_true]
    confusion = np.zeros((len(PhoneClass), len(PhoneClass)), dtype=np.int64)
    np.add.at(confusion, (mouth_true, mouth_pred), 1)
    mouth = {m.name: float(np.mean(mouth_pred[mouth_true == m] == m)) for m in PhoneClass}
    mouth["all"] = float(np.mean(mouth_pred == mouth_true))
    fine = {f.name: float(np.mean(fine_pred[fine_true == i] == i)) for i, f in enumerate(FINE_CLASSES)}
    return mouth, fine, confusion


def export(model: FrameNet, path: Path) -> str:
    model.eval()
    example = torch.full((1, 100, MEL_BANDS), PAD_VALUE)
    torch.onnx.export(
        model, (example,), str(path), input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {1: "frames"}, OUTPUT_NAME: {1: "out_frames"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--utterances", type=int, default=6000)
    parser.add_argument("--piper-share", type=float, default=0.1)
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--piper", type=int, default=None, help="piper utterances (instead of a share)")
    parser.add_argument("--init", type=Path, default=None, help="fine-tune this exported phonetic.onnx")
    parser.add_argument("--peak-lr", type=float, default=PEAK_LR)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR, help="where the model and card go")
    parser.add_argument("--lip-weight", type=float, default=1.0, help="extra loss weight of P B M F V")
    parser.add_argument("--cache", type=Path, default=None, help="corpus: PREFIX.espeak/.piper.npz")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds of the synthesized utterances")
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], help="more cached corpora (PREFIX) to train on"
    )
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    began = time.monotonic()
    share = args.piper_share if args.piper is None else args.piper / args.utterances
    corpus = make_corpus(args.utterances, share, args.cache, args.first_seed)
    for prefix in args.also:
        corpus += [u for name in ("espeak", "piper") for u in load_corpus(Path(f"{prefix}.{name}.npz"))]
    held_out = [u for i, u in enumerate(corpus) if i % 12 == 0]
    training = join([u for i, u in enumerate(corpus) if i % 12 != 0])
    validation = join(held_out)
    print(f"corpus: {len(corpus)} utterances, {len(training.labels)} training frames, "
          f"{time.monotonic() - began:.0f} s", flush=True)  # fmt: skip
    real = training.features[training.labels != IGNORE]
    model = FrameNet(real.mean(0), real.std(0) + 1e-3)
    if args.init is not None:
        load_onnx_weights(model, args.init)
    steps = train(model, training, args.minutes, args.lip_weight, args.peak_lr)
    mouth, fine, confusion = evaluate(model, validation)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    digest = export(model, args.out_dir / "phonetic.onnx")
    stats = CorpusStats.of(corpus, training, validation, steps, time.monotonic() - began)
    write_card(args.out_dir / "phonetic.md", stats, mouth, fine, confusion, digest)
    print(mouth, fine, confusion, sep="\n")


@dataclass(frozen=True, slots=True)
class CorpusStats:
    utterances: int
    sources: dict[str, int]
    training_frames: int
    validation_frames: int
    steps: int
    seconds: float
    parameters: int = 0

    @classmethod
    def of(
        cls, corpus: list[Utterance], training: Split, validation: Split, steps: int, seconds: float
    ) -> CorpusStats:
        sources: dict[str, int] = {}
        for utterance in corpus:
            kind = utterance.source.split("+")[0]
            sources[kind] = sources.get(kind, 0) + 1
        count = int((training.labels != IGNORE).sum()), int((validation.labels != IGNORE).sum())
        return cls(len(corpus), dict(sorted(sources.items())), *count, steps, seconds)


def write_card(
    path: Path,
    stats: CorpusStats,
    mouth: dict[str, float],
    fine: dict[str, float],
    confusion: np.ndarray,
    digest: str,
) -> None:
    from card import card_text  # type: ignore[import-not-found]

    path.write_text(card_text(stats, mouth, fine, confusion, digest), encoding="utf-8")


if __name__ == "__main__":
    main()
