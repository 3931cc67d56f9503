"""The phonetic network run incrementally in numpy gives onnxruntime's scores, however the frames come."""

from __future__ import annotations

import dataclasses
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from mundwerk.audio.decode import decode
from mundwerk.audio.features import log_mel
from mundwerk.speech.phonetic_model import (
    FUTURE_FRAMES,
    PAST_FRAMES,
    FrameClassifier,
    model_path,
    pad_block,
)
from mundwerk.speech.phonetic_net import ConvNet, UnsupportedGraph

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def classifier() -> FrameClassifier:
    return FrameClassifier.load()


@pytest.fixture(scope="module")
def padded_speech() -> np.ndarray:
    """Log-mel frames of the bundled LibriVox clip (real speech), padded as the recognizer pads them."""
    samples = decode(Path(str(files("mundwerk").joinpath("data/librivox-amiable.wav")))).samples
    return np.concatenate([pad_block(PAST_FRAMES), log_mel(samples), pad_block(FUTURE_FRAMES)])


def test_the_bundled_model_is_read_as_the_trained_stack(classifier: FrameClassifier) -> None:
    net = classifier.net
    assert net is not None
    assert [(layer.kernel, layer.dilation, layer.relu) for layer in net.layers] == [
        (5, 1, True),
        (5, 2, True),
        (5, 4, True),
        (3, 8, True),
        (1, 1, True),
        (1, 1, False),
    ]
    assert net.reach == PAST_FRAMES + FUTURE_FRAMES


def test_whole_input_at_once_equals_onnxruntime(
    classifier: FrameClassifier, padded_speech: np.ndarray
) -> None:
    assert classifier.net is not None
    scores, guess = classifier.net.stream().accept(padded_speech)
    expected = classifier.log_probs(padded_speech)
    assert scores.shape == expected.shape == (len(padded_speech) - PAST_FRAMES - FUTURE_FRAMES, 11)
    assert len(guess) == 0
    assert np.abs(scores - expected).max() < TOLERANCE


@pytest.mark.parametrize("seed", [0, 1])
def test_frames_in_random_blocks_with_guesses_equal_onnxruntime(
    classifier: FrameClassifier, padded_speech: np.ndarray, seed: int
) -> None:
    """Blocks of 0–12 frames (the numpy path, most of a live stream) and every 15th one of
    70–100 (onnxruntime's, then the numpy network primed again): the scores equal one
    onnxruntime run over everything, and every guess equals onnxruntime over the frames so far
    with the last one held."""
    scorer = classifier.scorer()
    stream = np.concatenate([pad_block(0), padded_speech[PAST_FRAMES:]])  # the scorer pads the past itself
    rng = np.random.default_rng(seed)
    position, scored, sizes = 0, [], []
    while position < len(stream):
        size = int(rng.integers(70, 100)) if len(sizes) % 15 == 7 else int(rng.integers(0, 13))
        block = stream[position : position + size]
        position += len(block)
        ready, guess = scorer.accept(block, held=FUTURE_FRAMES)
        scored.append(ready)
        seen = padded_speech[: PAST_FRAMES + position]
        held = np.concatenate([seen, np.repeat(seen[-1:], FUTURE_FRAMES, axis=0)])
        expected_guess = classifier.log_probs(held)[sum(map(len, scored)) :]
        assert guess.shape == expected_guess.shape
        assert np.abs(guess - expected_guess).max(initial=0.0) < TOLERANCE
        assert len(guess) == FUTURE_FRAMES
        sizes.append(len(block))
    expected = classifier.log_probs(padded_speech)
    assert np.abs(np.concatenate(scored) - expected).max() < TOLERANCE
    assert len(sizes) > 20 and max(sizes) >= 70


def test_a_graph_that_is_not_the_conv_stack_is_refused() -> None:
    model = model_path().read_bytes()
    with pytest.raises(UnsupportedGraph):
        ConvNet.from_onnx(model.replace(b"LogSoftmax", b"LogSigmoid"))
    with pytest.raises(UnsupportedGraph):
        ConvNet.from_onnx(b"")


def test_without_the_numpy_network_onnxruntime_scores_the_same(
    classifier: FrameClassifier, padded_speech: np.ndarray
) -> None:
    """A model whose graph ``phonetic_net`` does not run is scored by onnxruntime alone, alike."""
    plain = dataclasses.replace(classifier, net=None)
    stream = padded_speech[PAST_FRAMES:]
    incremental, fallback = classifier.scorer(), plain.scorer()
    for start in range(0, len(stream), 7):
        block = stream[start : start + 7]
        (ready, guess), (expected_ready, expected_guess) = (
            incremental.accept(block, 6),
            fallback.accept(block, 6),
        )
        assert ready.shape == expected_ready.shape and guess.shape == expected_guess.shape
        assert np.abs(ready - expected_ready).max(initial=0.0) < TOLERANCE
        assert np.abs(guess - expected_guess).max(initial=0.0) < TOLERANCE
