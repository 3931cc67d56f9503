"""One live stream: feed PCM chunks of any size, poll mouth frames at a fixed frame rate.

Frame ``n`` shows the mouth for the audio interval ``[n, n + 1) * 1000 / fps`` ms from the
first sample. It is emitted once audio up to the end of that interval plus the session's
``lookahead_ms`` has been fed (or when the stream ends), and never changes afterwards.

Each poll that has a frame to make runs the offline mouth pipeline (``stream.mouth``) over
the phones known at that moment: the recognizer's final phones, then its provisional best
guess up to the newest audio (``PhoneticStream.poll_phones``: the last ~70 ms, which the
network has no lookahead for yet, scored as if their last frame went on), then the last
phone held; pauses heard so far are shown as silence, as offline. With ``lookahead_ms`` at
least :data:`STABLE_LOOKAHEAD_MS` the frames see only final phones and match the offline
analysis; with less they come sooner and show the guess (docs/streaming.md has the trade)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mundwerk.core.constants import SAMPLE_RATE_HZ
from mundwerk.core.curves import frame_count
from mundwerk.core.errors import UsageError
from mundwerk.core.phones import Alignment, Phone
from mundwerk.mouth.animate import MouthOptions
from mundwerk.speech.phonetic import MAX_DELAY_MS, PhoneticStream
from mundwerk.speech.silences import MIN_PAUSE_MS, impose_pauses
from mundwerk.stream.frames import StreamFrame
from mundwerk.stream.mouth import HISTORY_MS, MouthTrack
from mundwerk.stream.pauses import PauseTracker
from mundwerk.stream.resample import Resampler, pcm16_to_float

MIN_FPS = 1
MAX_FPS = 120
#: Mouth rules that look ahead of a phone (anticipation, minimum durations, tweens) reach
#: at most this far, so a frame this far behind the final phones no longer changes.
MOUTH_SETTLE_MS = 120
#: Lookahead at which frames are final: the recognizer's delay plus the mouth rules' reach.
STABLE_LOOKAHEAD_MS = MAX_DELAY_MS + MOUTH_SETTLE_MS
#: The smallest lookahead: a frame goes out as soon as its own audio is complete.
LIVE_LOOKAHEAD_MS = 0
#: The default: 20 ms (one typical chunk) more, the least for which the timing corpus gives
#: the stream the offline phonetic analysis's balanced accuracy and timing; closures need
#: 40–60 ms to be found as often (docs/streaming.md has the trade).
DEFAULT_LOOKAHEAD_MS = 20
MAX_LOOKAHEAD_MS = 1000
#: Fed audio waits for the next poll that makes a frame, but no longer than this.
MAX_WAITING_MS = 1000


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """One stream's input rate, output frame rate and lookahead (ms of audio after a frame's
    own interval that it waits for: 0 is soonest, ``STABLE_LOOKAHEAD_MS`` matches offline)."""

    sample_rate_hz: int = SAMPLE_RATE_HZ
    fps: int = 30
    lookahead_ms: int = DEFAULT_LOOKAHEAD_MS

    def __post_init__(self) -> None:
        Resampler(self.sample_rate_hz)  # checks the rate
        if not isinstance(self.fps, int) or isinstance(self.fps, bool) or not MIN_FPS <= self.fps <= MAX_FPS:
            raise UsageError(f"invalid frame rate {self.fps!r}; give an integer {MIN_FPS}–{MAX_FPS}")
        lookahead = self.lookahead_ms
        if (
            not isinstance(lookahead, int)
            or isinstance(lookahead, bool)
            or not 0 <= lookahead <= MAX_LOOKAHEAD_MS
        ):
            raise UsageError(f"invalid lookahead {lookahead!r} ms; give an integer 0–{MAX_LOOKAHEAD_MS}")


class Session:
    """Per-stream state; cheap. Built by ``Engine.session``; not thread-safe (one caller at a time)."""

    def __init__(self, recognizer_stream: PhoneticStream, options: SessionOptions) -> None:
        self.options = options
        self._stream = recognizer_stream
        self._resampler = Resampler(options.sample_rate_hz)
        self._track = MouthTrack(options.fps, MouthOptions())
        self._pauses = PauseTracker(MIN_PAUSE_MS)
        self._waiting: list[npt.NDArray[np.float32]] = []  # audio fed since the last frame was made
        self._waiting_samples = 0
        self._samples = 0
        self._phones: list[Phone] = []
        self._next_frame = 0
        self._ended = False

    @property
    def heard_ms(self) -> int:
        """Milliseconds of (16 kHz) audio fed so far."""
        return round(self._samples * 1000 / SAMPLE_RATE_HZ)

    @property
    def frames_emitted(self) -> int:
        return self._next_frame

    @property
    def ended(self) -> bool:
        return self._ended

    def feed(self, pcm: bytes | npt.NDArray[np.floating], sample_rate_hz: int | None = None) -> None:
        """Add audio: 16-bit little-endian mono bytes or float samples in [-1, 1], at the session's rate.

        The audio waits until the next :meth:`poll` that has a frame to make (or up to
        ``MAX_WAITING_MS``): recognising in fewer, larger steps costs less.
        """
        if self._ended:
            raise UsageError("audio fed after the end of the stream")
        if sample_rate_hz is not None and sample_rate_hz != self.options.sample_rate_hz:
            raise UsageError(
                f"sample rate {sample_rate_hz} Hz differs from the stream's {self.options.sample_rate_hz} Hz"
            )
        samples = pcm16_to_float(pcm) if isinstance(pcm, bytes | bytearray) else np.asarray(pcm, np.float32)
        self._take(self._resampler.accept(samples))
        if self._waiting_samples >= MAX_WAITING_MS * SAMPLE_RATE_HZ // 1000:
            self._absorb()
            self._phones.extend(self._stream.pop_phones())

    def poll(self) -> list[StreamFrame]:
        """Frames that became due since the last call, in order."""
        due = self._due_frames()
        if due <= self._next_frame:
            return []
        self._absorb()
        final_ms = self.heard_ms if self._ended else None
        frames = self._track.frames(self._known_phones(), self._next_frame, due, final_ms)
        self._next_frame = due
        self._forget_old_phones()
        return frames

    def end(self) -> list[StreamFrame]:
        """No more audio: every remaining frame (the last ones see the audio's end, as offline)."""
        if not self._ended:
            self._take(self._resampler.flush())
            self._absorb()
            self._stream.input_finished()
            self._ended = True
        return self.poll()

    def _take(self, samples: npt.NDArray[np.float32]) -> None:
        if len(samples):
            self._waiting.append(samples)
            self._waiting_samples += len(samples)
            self._samples += len(samples)

    def _absorb(self) -> None:
        """Hand the waiting audio to the recognizer and the pause tracker."""
        if not self._waiting:
            return
        samples = np.concatenate(self._waiting)
        self._waiting, self._waiting_samples = [], 0
        self._stream.accept_waveform(samples)
        self._pauses.accept(samples)

    def _known_phones(self) -> tuple[Phone, ...]:
        """Final and provisional phones, with the pauses heard so far shown as silence (as offline)."""
        speculate = self.options.lookahead_ms < STABLE_LOOKAHEAD_MS
        final, provisional = self._stream.poll_phones(speculate)
        self._phones.extend(final)
        phones = (*self._phones, *provisional)
        if not phones:
            return phones
        # Pauses over before the first phone cannot change the phones from it on (and the
        # frames wanted lie after it: see _forget_old_phones), so they are left out.
        pauses = self._pauses.pauses(since_ms=phones[0].start_ms)
        return impose_pauses(Alignment(phones=phones, duration_ms=phones[-1].end_ms), pauses).phones

    def _due_frames(self) -> int:
        fps = self.options.fps
        if self._ended:
            return frame_count(self.heard_ms, fps)
        return max(0, (self.heard_ms - self.options.lookahead_ms) * fps // 1000)

    def _forget_old_phones(self) -> None:
        keep_from_ms = self._next_frame * 1000 / self.options.fps - 2 * HISTORY_MS
        first = 0
        while first < len(self._phones) and self._phones[first].end_ms < keep_from_ms:
            first += 1
        del self._phones[:first]
