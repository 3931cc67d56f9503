"""Frame scores → class segments: a Viterbi decoder with minimum durations and a fixed lag.

Each class is a left-to-right chain of ``min_frames`` states, so a segment lasts at least
that long; the chain's last state loops and may switch to another class's first state at
the cost ``switch_log``. Streaming: after each block, the best path's frames older than
``lag_frames`` are committed and every hypothesis that disagrees with them is dropped, so
the path stays valid. Decoding everything in one block gives the exact Viterbi path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Segment:
    """Class ``label`` over frames ``[start_frame, end_frame)``, with its summed frame posteriors."""

    label: int
    start_frame: int
    end_frame: int
    evidence: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class DecoderConfig:
    """The HMM: minimum frames per class, switch cost, class score offsets, streaming lag."""

    min_frames: tuple[int, ...]
    switch_log: float
    class_bias: tuple[float, ...]
    lag_frames: int


class _Topology:
    """States, the class of each, and the log transition matrix."""

    def __init__(self, config: DecoderConfig) -> None:
        owners = [label for label, count in enumerate(config.min_frames) for _ in range(count)]
        self.state_class = np.array(owners, dtype=np.int64)
        size = len(owners)
        firsts = np.array([owners.index(label) for label in range(len(config.min_frames))])
        lasts = np.concatenate([firsts[1:], [size]]) - 1
        matrix = np.full((size, size), -np.inf)
        for state in range(size):
            if state not in lasts:
                matrix[state, state + 1] = 0.0
        for label, last in enumerate(lasts):
            matrix[last, last] = 0.0
            for other, first in enumerate(firsts):
                if other != label:
                    matrix[last, first] = config.switch_log
        self.log_transitions = matrix
        self.initial = np.where(np.isin(np.arange(size), firsts), 0.0, -np.inf)
        self.bias = np.asarray(config.class_bias, dtype=np.float64)


class ViterbiStream:
    """Incremental decoding: feed per-frame class log-scores and evidence, take segments."""

    def __init__(self, config: DecoderConfig) -> None:
        self._config = config
        self._topology = _Topology(config)
        self._delta: FloatArray | None = None
        self._backpointers: list[IntArray] = []  # one per uncommitted frame after the first
        self._evidence: list[npt.NDArray[np.float32]] = []  # one per uncommitted frame
        self._open: Segment | None = None
        self._done: list[Segment] = []

    def accept(self, scores: npt.NDArray[np.floating], evidence: npt.NDArray[np.float32]) -> None:
        """Add frames: ``scores`` ``(k, classes)`` log-scores, ``evidence`` ``(k, e)`` to sum per segment."""
        self._delta = self._forward(self._delta, scores, self._backpointers)
        self._evidence.extend(evidence)
        self._commit(len(self._evidence) - 1 - self._config.lag_frames)

    def _forward(
        self, delta: FloatArray | None, scores: npt.NDArray[np.floating], backpointers: list[IntArray]
    ) -> FloatArray | None:
        """The Viterbi recursion from ``delta`` over ``scores``, appending to ``backpointers``."""
        topology = self._topology
        emissions = (np.asarray(scores, np.float64) + topology.bias)[:, topology.state_class]
        columns = np.arange(len(topology.state_class))
        for emission in emissions:
            if delta is None:
                delta = topology.initial + emission
                continue
            candidates = delta[:, None] + topology.log_transitions
            best = candidates.argmax(axis=0)
            backpointers.append(best)
            delta = candidates[best, columns] + emission
        return delta

    def finish(self) -> None:
        """Decode the frames still pending and close the last segment."""
        self._commit(len(self._evidence) - 1)
        if self._open is not None:
            self._done.append(self._open)
            self._open = None

    def pop(self) -> list[Segment]:
        """Segments finished since the last call."""
        done, self._done = self._done, []
        return done

    def provisional(self) -> list[Segment]:
        """The open segment and the current best path over the uncommitted frames, as segments.

        Nothing is committed: later frames may still change them. A live caller shows these
        instead of waiting ``lag_frames`` for the decision.
        """
        start = [self._open] if self._open is not None else []
        return self._along_best_path(start, self._delta, self._backpointers, self._evidence)

    def guess(self, scores: npt.NDArray[np.floating], evidence: npt.NDArray[np.float32]) -> list[Segment]:
        """The segments not yet popped, the open one and the best path's if these frames came
        next; nothing is kept. The same as ``pop()`` then ``provisional()`` of a deep copy
        that accepted them (its commits drop hypotheses, never the best one), for less."""
        backpointers = list(self._backpointers)
        delta = self._forward(self._delta, scores, backpointers)
        start = [*self._done, self._open] if self._open is not None else list(self._done)
        return self._along_best_path(start, delta, backpointers, [*self._evidence, *evidence])

    def _along_best_path(
        self,
        segments: list[Segment],
        delta: FloatArray | None,
        backpointers: list[IntArray],
        evidence: list[npt.NDArray[np.float32]],
    ) -> list[Segment]:
        """``segments`` (the last one open), continued along the best path over ``evidence``."""
        if delta is None or not evidence:
            return segments
        labels = self._topology.state_class[_best_path(backpointers, int(delta.argmax()))]
        for label, frame_evidence in zip(labels.tolist(), evidence, strict=True):
            last = segments[-1] if segments else None
            if last is not None and last.label == label:
                segments[-1] = Segment(
                    label, last.start_frame, last.end_frame + 1, last.evidence + frame_evidence
                )
            else:
                start = segments[-1].end_frame if segments else 0
                segments.append(Segment(label, start, start + 1, frame_evidence.copy()))
        return segments

    def _commit(self, upto: int) -> None:
        """Commit pending frames ``0..upto`` (indices into the pending frames)."""
        if self._delta is None or upto < 0:
            return
        path = _best_path(self._backpointers, int(self._delta.argmax()))
        self._delta = np.where(self._ancestors_at(upto) == path[upto], self._delta, -np.inf)
        labels = self._topology.state_class[path[: upto + 1]]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(labels)) + 1])
        sums = np.add.reduceat(np.asarray(self._evidence[: upto + 1]), starts, axis=0)
        lengths = np.diff([*starts.tolist(), upto + 1]).tolist()
        for label, length, evidence in zip(labels[starts].tolist(), lengths, sums, strict=True):
            self._extend(label, length, evidence)
        self._evidence = self._evidence[upto + 1 :]
        self._backpointers = self._backpointers[upto + 1 :]

    def _ancestors_at(self, frame: int) -> IntArray:
        """For each current state, the state its best path passes through at pending ``frame``."""
        states = np.arange(len(self._topology.state_class))
        for pointers in reversed(self._backpointers[frame:]):
            states = pointers[states]
        return states

    def _extend(self, label: int, frames: int, evidence: npt.NDArray[np.float32]) -> None:
        """Add a run of ``frames`` frames of ``label`` with their summed ``evidence``."""
        if self._open is not None and self._open.label == label:
            self._open = Segment(
                label, self._open.start_frame, self._open.end_frame + frames, self._open.evidence + evidence
            )
            return
        frame = 0
        if self._open is not None:
            self._done.append(self._open)
            frame = self._open.end_frame
        self._open = Segment(label, frame, frame + frames, evidence.copy())


def _best_path(backpointers: list[IntArray], last: int) -> list[int]:
    """The states of every pending frame on the best path ending in state ``last``."""
    path = [last]
    for pointers in reversed(backpointers):
        path.append(int(pointers[path[-1]]))
    path.reverse()
    return path
