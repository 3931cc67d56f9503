"""The talking portrait (issue 4), measured on its own output: fidelity, speed, memory.

python -m bench.render [--quick]   (writes its section into docs/benchmarks.md)

Fidelity: ``mundwerk.render`` makes each face say real speech (the LibriVox clip with its
transcript) and synthesized speech (``--text``); the MP4 is read back and MediaPipe finds
the landmarks again on every frame. Over speech frames the measured inner-lip opening is
correlated with the commanded one (the rig's inner-lip gap for the frame's mouth curves);
every p/b/m phone is checked for a frame with closed lips. With ``still`` and no watermark
the raw frames (taken by the frame hook, before encoding) are compared with the photo:
PSNR outside the lower face, SSIM of the mouth on frames whose commanded mouth is closed.
Speed: ``portrait_frames`` alone at 512×512, and the whole ``mundwerk render`` command for
10 s of speech at 720p, in a fresh process. Memory: peak RSS of ``mundwerk render`` for 2 and
10 minutes of speech.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import pickle
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
from PIL import Image

from bench.faces import FACES, FacePhoto
from bench.report import IDLE_LOAD, machine, markdown_table
from mundwerk.core.curves import MouthCurves
from mundwerk.core.phones import Phone
from mundwerk.face.mouth_measure import LIPS_CLOSED_MAX_OPENING
from mundwerk.render.portrait import Portrait

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "render"
CLIP = ROOT / "src" / "mundwerk" / "data" / "librivox-amiable"
HEADING = "## Talking portrait (issue 4): fidelity on the output, speed, memory"
TEXT = "Bob, my mom made a pie. Maybe Pam will bring both apples and plums, Bob!"
FPS = 25
#: Lag window (frames) searched for the best correlation.
MAX_LAG = 3
BILABIALS = frozenset({"P", "B", "M"})
#: Commanded inner-lip gaps below this (px) count as a closed mouth; "at rest" also has every
#: other mouth parameter at most ``REST_MAX`` (no press, pucker, jaw: the photo's own mouth).
CLOSED_GAP_PX = 0.5
REST_MAX = 0.05
#: The lower face: below the nose's base less this margin, within the face oval widened by it
#: (face heights), down to this far below the chin (the chin's reach when the jaw drops).
LOWER_FACE_MARGIN = 0.05
LOWER_FACE_BELOW_CHIN = 0.3
#: Around the lips (a share of the mouth width) for the mouth region's SSIM.
MOUTH_MARGIN = 0.25
TARGET_R, TARGET_CLOSED, TARGET_PSNR_DB, TARGET_SSIM = 0.9, 0.95, 45.0, 0.97
TARGET_FPS, TARGET_COMMAND_S = 100.0, 8.0
#: Runs of the whole command per option; the fastest is reported (the machine is shared).
COMMAND_RUNS = 2

Floats = npt.NDArray[np.float64]
T = TypeVar("T")
Picture = npt.NDArray[np.uint8]


def _log(message: str) -> None:
    print(f"[bench.render {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the speech and what it commands


@dataclass(frozen=True, slots=True)
class Clip:
    """Speech to render: an audio file with its transcript, or text for mundwerk to speak."""

    name: str
    audio: Path | None = None
    transcript: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Commanded:
    """The phones and per-frame mouth curves ``render`` animates a clip with."""

    phones: tuple[Phone, ...]
    curves: MouthCurves


def clips() -> tuple[Clip, ...]:
    transcript = CLIP.with_suffix(".txt").read_text(encoding="utf-8").strip()
    return (
        Clip("LibriVox (real speech + transcript)", audio=CLIP.with_suffix(".wav"), transcript=transcript),
        Clip("espeak --text", text=TEXT),
    )


def commanded(clip: Clip) -> Commanded:
    """What ``mundwerk.render`` computes for ``clip``, by the same public steps it takes."""
    from mundwerk.mouth.curves.build import curves_from_phones

    if clip.text is not None:
        from mundwerk.speaking import speak

        analysis = speak(clip.text).analysis
    else:
        from mundwerk.api import Analyzer

        assert clip.audio is not None
        analysis = Analyzer.load().analyze(clip.audio, clip.transcript)
    phones = tuple(analysis.alignment.phones)
    return Commanded(phones, curves_from_phones(phones, analysis.duration_ms, FPS))


def frame_params(curves: MouthCurves, index: int) -> dict[str, float]:
    return dict(zip(curves.names, (float(value) for value in curves.values[index]), strict=True))


def commanded_gap_px(portrait: Portrait, curves: MouthCurves) -> Floats:
    """Per frame, the inner-lip gap (landmarks 13–14, px) the rig aims at for the curves."""
    gaps = [
        float(np.linalg.norm(np.subtract(*portrait.rig.targets(frame_params(curves, k))[[13, 14]])))
        for k in range(curves.frame_count)
    ]
    return np.array(gaps)


def speech_frames(phones: Sequence[Phone], count: int) -> npt.NDArray[np.bool_]:
    times_ms = np.arange(count) * 1000.0 / FPS
    inside = np.zeros(count, dtype=bool)
    for phone in phones:
        if phone.symbol != "SIL":
            inside |= (times_ms >= phone.start_ms) & (times_ms < phone.end_ms)
    return inside


def phone_frames(phone: Phone, count: int) -> npt.NDArray[np.intp]:
    """The frames that show ``phone``: a frame stands for half a frame interval either side of its time."""
    times_ms = np.arange(count) * 1000.0 / FPS
    half_ms = 500.0 / FPS
    return np.flatnonzero((times_ms >= phone.start_ms - half_ms) & (times_ms < phone.end_ms + half_ms))


# --- measuring the output


def measured_openings(video: Path) -> Floats:
    """Inner-lip opening per eye-corner distance on every frame of ``video`` (NaN: no face)."""
    from mundwerk.core.errors import MundwerkError
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.face.mouth_measure import measure_mouth
    from mundwerk.render.frames import read_video_frames

    analyzer, values = default_analyzer(), []
    for frame in read_video_frames(video):
        try:
            values.append(measure_mouth(analyzer.detect(frame)[0].landmarks_px).opening)
        except MundwerkError:
            values.append(math.nan)
    return np.array(values)


def lagged_r(measured: Floats, commanded_values: Floats, mask: npt.NDArray[np.bool_], lag: int) -> float:
    """Pearson r of measured frame k against commanded frame k - lag, over masked frames."""
    count = min(len(measured), len(commanded_values))
    index = np.flatnonzero(mask[:count])
    index = index[(index - lag >= 0) & (index - lag < count)]
    a, b = measured[index], commanded_values[index - lag]
    keep = np.isfinite(a)
    if keep.sum() < 3 or np.std(a[keep]) == 0 or np.std(b[keep]) == 0:
        return math.nan
    return float(np.corrcoef(a[keep], b[keep])[0, 1])


def closed_share(measured: Floats, phones: Sequence[Phone]) -> tuple[int, int]:
    """(p/b/m phones with a closed-lip frame, p/b/m phones)."""
    bilabials = [phone for phone in phones if phone.symbol in BILABIALS]
    closed = 0
    for phone in bilabials:
        values = measured[phone_frames(phone, len(measured))]
        closed += bool(np.any(values[np.isfinite(values)] < LIPS_CLOSED_MAX_OPENING))
    return closed, len(bilabials)


def lower_face_mask(portrait: Portrait) -> npt.NDArray[np.bool_]:
    """True on the lower face (see ``LOWER_FACE_*``): what the mouth and jaw may move."""
    from mundwerk.render.warp import CHIN, FACE_OVAL, NOSE_BASE

    rig = portrait.rig
    height, width = portrait.image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    offset_x, offset_y = xs - rig.frame.origin[0], ys - rig.frame.origin[1]
    u = offset_x * rig.frame.u_axis[0] + offset_y * rig.frame.u_axis[1]
    v = offset_x * rig.frame.v_axis[0] + offset_y * rig.frame.v_axis[1]
    margin = LOWER_FACE_MARGIN * rig.frame.height_px
    oval_u = rig.uv[list(FACE_OVAL), 0]
    top = rig.uv[NOSE_BASE, 1] - margin
    bottom = rig.uv[CHIN, 1] + LOWER_FACE_BELOW_CHIN * rig.frame.height_px
    inside = (v >= top) & (v <= bottom) & (u >= oval_u.min() - margin) & (u <= oval_u.max() + margin)
    return np.asarray(inside, dtype=np.bool_)


def mouth_box(portrait: Portrait) -> tuple[int, int, int, int]:
    from mundwerk.render.mouth_interior import OUTER_LIP_RING

    lips = portrait.rig.points[list(OUTER_LIP_RING)]
    low, high = lips.min(axis=0), lips.max(axis=0)
    margin = MOUTH_MARGIN * float(high[0] - low[0])
    height, width = portrait.image.shape[:2]
    left, top = (max(int(c - margin), 0) for c in low)
    right, bottom = int(min(high[0] + margin, width)), int(min(high[1] + margin, height))
    return left, top, right, bottom


def psnr_db(a: Picture, b: Picture) -> float:
    error = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if error == 0 else 10 * math.log10(255.0**2 / error)


# --- fidelity


@dataclass(frozen=True, slots=True)
class Fidelity:
    """One face saying one clip, measured."""

    face: str
    clip: str
    mode: str
    frames: int
    speech_frames: int
    undetected: int
    r_at_zero: float
    best_lag: int
    best_r: float
    r_jaw_curve: float
    closed: int
    bilabials: int
    photo_opening: float = math.nan
    psnr_min_db: float | None = None
    ssim_closed: tuple[float, float, int] | None = None  # mean, min, frames
    ssim_rest: tuple[float, float, int] | None = None


def fidelity(face: FacePhoto, portrait: Portrait, clip: Clip, still: bool) -> Fidelity:
    """Render ``clip`` on ``face`` (``still``: no watermark, raw frames kept) and measure it."""
    from mundwerk.rendering import render

    command = commanded(clip)
    raw: list[Picture] = []

    def keep(index: int, frame: Picture) -> Picture:
        raw.append(frame.copy())
        return frame

    video = WORK / "videos" / f"{face.name}-{'still' if still else 'default'}-{_slug(clip.name)}.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    render(
        face.save(WORK / "faces"),
        video,
        audio=clip.audio,
        transcript=clip.transcript,
        text=clip.text,
        still=still,
        hook=keep if still else None,
        watermark=not still,
        sign=False,
    )
    measured = measured_openings(video)
    gap = commanded_gap_px(portrait, command.curves)
    speaking = speech_frames(command.phones, len(gap))
    lags = {lag: lagged_r(measured, gap, speaking, lag) for lag in range(-MAX_LAG, MAX_LAG + 1)}
    best = max(lags, key=lambda lag: -math.inf if math.isnan(lags[lag]) else lags[lag])
    jaw = command.curves.curve("jaw_open") * (1 - command.curves.curve("lip_close"))
    closed, bilabials = closed_share(measured, command.phones)
    result = Fidelity(
        face.name,
        clip.name,
        "still, no watermark" if still else "default",
        len(measured),
        int(speaking.sum()),
        int(np.isnan(measured).sum()),
        lags[0],
        best,
        lags[best],
        lagged_r(measured, np.asarray(jaw, dtype=np.float64), speaking, 0),
        closed,
        bilabials,
    )
    if still:
        return _with_photo_match(result, portrait, raw, gap, command.curves)
    return result


def _with_photo_match(
    result: Fidelity, portrait: Portrait, raw: list[Picture], gap: Floats, curves: MouthCurves
) -> Fidelity:
    from dataclasses import replace

    from skimage.metrics import structural_similarity

    photo = portrait.image
    outside = ~lower_face_mask(portrait)
    psnr = min(psnr_db(frame[outside], photo[outside]) for frame in raw)
    left, top, right, bottom = mouth_box(portrait)
    reference = photo[top:bottom, left:right]
    count = min(len(raw), len(gap))
    closed = gap[:count] < CLOSED_GAP_PX
    others = [i for i, name in enumerate(curves.names) if name != "lip_close"]
    rest = closed & (np.abs(curves.values[:count][:, others]).max(axis=1) <= REST_MAX)
    scores = np.array(
        [
            float(
                structural_similarity(  # type: ignore[no-untyped-call]
                    raw[k][top:bottom, left:right], reference, channel_axis=2, data_range=255
                )
            )
            if closed[k]
            else math.nan
            for k in range(count)
        ]
    )
    return replace(
        result,
        photo_opening=_photo_opening(photo),
        psnr_min_db=psnr,
        ssim_closed=_summary(scores[closed]),
        ssim_rest=_summary(scores[rest]),
    )


def _summary(scores: Floats) -> tuple[float, float, int]:
    if len(scores) == 0:
        return math.nan, math.nan, 0
    return float(np.mean(scores)), float(np.min(scores)), len(scores)


def _photo_opening(photo: Picture) -> float:
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.face.mouth_measure import measure_mouth

    return float(measure_mouth(default_analyzer().detect(photo)[0].landmarks_px).opening)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:24]


def run_fidelity(quick: bool) -> list[Fidelity]:
    from mundwerk.face.landmarks import default_analyzer

    results = []
    faces = FACES[:1] if quick else FACES
    for face in faces:
        image = face.load()
        portrait = Portrait.prepare(image, default_analyzer().detect(image)[0])
        for clip in clips():
            for still in (False, True):
                _log(f"fidelity: {face.name}, {clip.name}, still={still}")
                results.append(fidelity(face, portrait, clip, still))
    return results


# --- speed


@dataclass(frozen=True, slots=True)
class RenderSpeed:
    label: str
    frames: int
    seconds: float
    cpu_seconds: float

    @property
    def fps(self) -> float:
        return self.frames / self.seconds


def _syllable_curves(seconds: float) -> MouthCurves:
    """A busy mouth: bilabials and open vowels in turn, ``seconds`` long."""
    from mundwerk.mouth.curves.build import curves_from_phones

    run = ("B", "AA", "M", "AE", "P", "UW", "M", "AA", "B", "IY", "P", "AO", "L", "EH", "F", "OW")
    phones, start = [], 0
    while start < seconds * 1000:
        for symbol in run:
            phones.append(Phone(symbol, start, start + 110))
            start += 110
    return curves_from_phones(phones, start, FPS)


def render_speed(seconds: float = 10.0) -> list[RenderSpeed]:
    """``portrait_frames`` alone (no encoding) on the 512×512 astronaut, after a warm-up."""
    from mundwerk.face.landmarks import default_analyzer
    from mundwerk.mouth.idle import idle_motion
    from mundwerk.render.portrait import portrait_frames

    image = FACES[0].load()
    portrait = Portrait.prepare(image, default_analyzer().detect(image)[0])
    curves = _syllable_curves(seconds)
    energy = 60.0 + 20.0 * curves.curve("jaw_open")  # loud when open: the head moves with the speech
    rows = []
    for label, still in (("with idle motion (blinks, gaze, brows, head)", False), ("--still", True)):
        motion = idle_motion(curves.frame_count, FPS, energy_db=energy, seed=1, still=still)
        sum(1 for _ in portrait_frames(portrait, _syllable_curves(1.0), still=still))  # warm-up
        started, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in portrait_frames(portrait, curves, still=still, motion=motion))
        rows.append(RenderSpeed(label, count, time.perf_counter() - started, time.process_time() - cpu))
    return rows


@dataclass(frozen=True, slots=True)
class CommandRun:
    label: str
    seconds: float
    cpu_seconds: float
    peak_mb: float
    ok: bool
    error: str = ""


_MEASURE = """
import sys
from mundwerk.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status").read()
print(next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")))
sys.exit(code)
"""


def run_command(label: str, arguments: list[str]) -> CommandRun:
    """One ``mundwerk`` process: wall time, CPU time (user + system) and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _MEASURE, *arguments], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        return CommandRun(label, seconds, cpu, math.nan, False, result.stderr.strip()[-300:])
    return CommandRun(label, seconds, cpu, int(result.stdout.split()[-1]) / 1024, True)


def speech_of(seconds: float, directory: Path) -> tuple[Path, Path]:
    """The LibriVox clip repeated with short pauses to ``seconds`` (WAV) and its transcript."""
    from mundwerk.audio.decode import decode
    from mundwerk.audio.write import write_wav

    clip = decode(CLIP.with_suffix(".wav"))
    rate = clip.sample_rate_hz
    repeats = max(1, int(seconds * rate // len(clip.samples)))
    gap = np.zeros(int(max(seconds * rate - repeats * len(clip.samples), 0) // max(repeats, 1)), np.float32)
    samples = np.concatenate([np.concatenate([clip.samples, gap]) for _ in range(repeats)])
    samples = np.concatenate([samples, np.zeros(max(int(seconds * rate) - len(samples), 0), np.float32)])
    directory.mkdir(parents=True, exist_ok=True)
    audio, text = directory / f"speech-{seconds:g}s.wav", directory / f"speech-{seconds:g}s.txt"
    write_wav(audio, samples[: int(seconds * rate)], rate)
    words = CLIP.with_suffix(".txt").read_text(encoding="utf-8").strip()
    text.write_text(" ".join([words] * repeats), encoding="utf-8")
    return audio, text


def photo_720p(directory: Path) -> Path:
    """The astronaut scaled to 1280 wide and cut to 1280×720 (the face inside)."""
    path = directory / "astronaut-720p.png"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        big = Image.fromarray(FACES[0].load()).resize((1280, 1280), Image.Resampling.LANCZOS)
        big.crop((0, 0, 1280, 720)).save(path)
    return path


def command_speed() -> list[CommandRun]:
    audio, transcript = speech_of(10.0, WORK / "speech")
    face = photo_720p(WORK / "faces")
    out = WORK / "videos" / "command-720p.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    base = ["render", "-q", "--face", str(face), "--audio", str(audio), "--transcript", str(transcript)]
    rows = []
    for label, extra in (
        ("defaults (watermark, content credentials)", []),
        ("--no-watermark", ["--no-watermark"]),
    ):
        _log(f"whole command: {label}")
        runs = [run_command(label, [*base, *extra, "-o", str(out)]) for _ in range(COMMAND_RUNS)]
        rows.append(min(runs, key=lambda run: run.seconds if run.ok else math.inf))
    return rows


def memory_runs(minutes: Sequence[int]) -> list[tuple[int, CommandRun]]:
    from bench.memory import write_long_input

    face = FACES[0].save(WORK / "faces")
    (WORK / "memory").mkdir(parents=True, exist_ok=True)
    rows = []
    for length in minutes:
        audio = write_long_input(WORK / "memory", length)
        _log(f"memory: {length} min")
        arguments = ["render", "-q", "--face", str(face), "--audio", str(audio)]
        arguments += ["--transcript", str(audio.with_suffix(".txt")), "-o", str(audio.with_suffix(".mp4"))]
        rows.append((length, run_command(f"{length} min", arguments)))
    return rows


# --- the report


def _mark(value: float | None, target: float, at_least: bool = True) -> str:
    if value is None:
        return "–"
    if math.isnan(value):
        return "– ✗"
    met = value >= target if at_least else value <= target
    text = "∞" if math.isinf(value) else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {'✓' if met else '✗'}"


FIDELITY_HEADER = [
    "face",
    "speech",
    "mode",
    "frames (speech)",
    "no face found",
    f"r at lag 0 (≥ {TARGET_R})",
    "best lag (frames), r",
    "r vs jaw_open·(1−lip_close)",
    f"p/b/m closed (≥ {TARGET_CLOSED:.0%})",
    f"PSNR outside lower face, min dB (≥ {TARGET_PSNR_DB:g})",
    "photo's mouth",
    f"mouth SSIM, lips closed at rest: mean / min (≥ {TARGET_SSIM})",
    "mouth SSIM, all closed-lip frames: mean / min",
]


def fidelity_rows(results: Sequence[Fidelity]) -> list[list[str]]:
    rows = []
    for item in results:
        share = item.closed / item.bilabials if item.bilabials else math.nan
        lag_mark = "✓" if item.best_lag == 0 else "✗"
        photo_closed = item.photo_opening < LIPS_CLOSED_MAX_OPENING
        photo = (
            "–"
            if math.isnan(item.photo_opening)
            else f"{'closed' if photo_closed else 'open'} ({item.photo_opening:.3f})"
        )
        rest, closed = "–", "–"
        if item.ssim_rest is not None and item.ssim_closed is not None:
            mean, low, n = item.ssim_rest
            shown = _mark(low, TARGET_SSIM) if photo_closed else f"{low:.3f} (target n/a: photo's mouth open)"
            rest = f"{mean:.3f} / {shown} (n={n})"
            mean, low, n = item.ssim_closed
            closed = f"{mean:.3f} / {low:.3f} (n={n})"
        rows.append(
            [
                item.face,
                item.clip,
                item.mode,
                f"{item.frames} ({item.speech_frames})",
                str(item.undetected),
                _mark(item.r_at_zero, TARGET_R),
                f"{item.best_lag:+d} {lag_mark}, {item.best_r:.3f}",
                f"{item.r_jaw_curve:.3f}",
                f"{item.closed}/{item.bilabials} = {_mark(share, TARGET_CLOSED)}",
                _mark(item.psnr_min_db, TARGET_PSNR_DB),
                photo,
                rest,
                closed,
            ]
        )
    return [*rows, _pooled_row(results)]


def _pooled_row(results: Sequence[Fidelity]) -> list[str]:
    """Every face, clip and mode together: the p/b/m share over all phones, the lowest r."""
    closed, bilabials = sum(r.closed for r in results), sum(r.bilabials for r in results)
    share = closed / bilabials if bilabials else math.nan
    lowest = min((r.r_at_zero for r in results), default=math.nan)
    lags = "all 0 ✓" if all(r.best_lag == 0 for r in results) else "not all 0 ✗"
    cells = ["**pooled**", "", "", "", "", f"lowest {_mark(lowest, TARGET_R)}", lags, ""]
    return [*cells, f"{closed}/{bilabials} = {_mark(share, TARGET_CLOSED)}", "", "", "", ""]


def speed_rows(speeds: Sequence[RenderSpeed]) -> list[list[str]]:
    return [
        [
            s.label,
            str(s.frames),
            f"{s.seconds:.2f}",
            f"{s.cpu_seconds:.2f}",
            _mark(s.fps, TARGET_FPS),
            f"{s.frames / max(s.cpu_seconds, 1e-9):.0f}",
        ]
        for s in speeds
    ]


def command_rows(runs: Sequence[CommandRun]) -> list[list[str]]:
    return [
        [
            r.label,
            _mark(r.seconds, TARGET_COMMAND_S, at_least=False) if r.ok else f"failed: `{r.error}`",
            f"{r.cpu_seconds:.1f}",
            f"{r.peak_mb:.0f}",
        ]
        for r in runs
    ]


def memory_rows(runs: Sequence[tuple[int, CommandRun]]) -> list[list[str]]:
    rows = []
    for minutes, run in runs:
        peak = f"{run.peak_mb:.0f}" if run.ok else f"failed: `{run.error}`"
        rows.append([f"{minutes} min", peak, f"{run.seconds:.0f}", f"{run.cpu_seconds:.0f}"])
    return rows


FIDELITY_NOTE = f"""Each face says each clip through `mundwerk.render`; MediaPipe re-detects the
landmarks on every frame of the MP4. Opening: inner lips (landmarks 13–14) per eye-corner
distance. Commanded: the rig's inner-lip gap for the frame's mouth curves (its own landmarks
13–14), which `render` drew; r over speech frames (inside a phone other than silence), the
best lag searched over ±{MAX_LAG} frames (positive: the video late). p/b/m closed: a frame
showing the phone (its time within the phone widened by half a frame) with an opening below
`LIPS_CLOSED_MAX_OPENING` (0.05). Still rows: `still=True, watermark=False`, raw frames from
the frame hook before encoding. Lower face: from {LOWER_FACE_MARGIN:g} face heights above the
nose's base to {LOWER_FACE_BELOW_CHIN:g} below the chin, as wide as the face oval plus
{LOWER_FACE_MARGIN:g}; PSNR is the worst frame's. SSIM: the lips' box plus {MOUTH_MARGIN:.0%}
of the mouth width, against the photo, on frames whose commanded gap is under
{CLOSED_GAP_PX:g} px: all of them, and those at rest (every other mouth parameter at most
{REST_MAX:g}: not pressed, puckered, or with the jaw dropped under shut lips, which must
differ from the photo). The target is read on the frames at rest, for photos whose own mouth
is closed. Only the astronaut was looked at while tuning (`bench/faces.py`,
`docs/faces/README.md`).""".replace("\n", " ")


PARTS = ("fidelity", "speed", "command", "memory")


def _part(name: str, reuse: Sequence[str], run: Callable[[], T]) -> T:
    """``run()``, its result kept in the work directory; with ``name`` in ``reuse``, the kept one."""
    kept = WORK / f"last-{name}.pickle"
    if name in reuse and kept.exists():
        _log(f"{name}: the figures of the last run ({kept})")
        return cast(T, pickle.loads(kept.read_bytes()))
    _log(name)
    result = run()
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(pickle.dumps(result))
    return result


COMMAND_NOTE = (
    "Where the time goes: only the chosen command's module is imported (no progress bar with "
    "-q); the face is found (MediaPipe's landmarker alone, without the rest of MediaPipe and its "
    "matplotlib) in a second thread while the speech is aligned, but both hold the GIL most of "
    "the time (imports, pocketsphinx loading its four decoders), so that part is about serial: "
    "some 2.4 s. Then one thread draws the frames while the video writer's thread runs the "
    "watermark, the colour conversion (OpenCV, BT.601) and x264 (in that thread) on the frames "
    "before: about 1.8 cores busy. So the wall time is well under the CPU time only on an idle "
    "machine; on a shared one it approaches the CPU time."
)


def _sharing(load: float, reuse: Sequence[str]) -> str:
    if load < IDLE_LOAD:
        return " (nothing else ran)."
    if {"speed", "command", "memory"} <= set(reuse):
        return ": other work ran meanwhile, which changes no figure measured in this run (fidelity only)."
    return ": the machine was shared with other work, so every time here is pessimistic."


def _reused_note(reuse: Sequence[str]) -> str:
    if not reuse:
        return ""
    names = ", ".join(reuse[:-1]) + " and " + reuse[-1] if len(reuse) > 1 else reuse[0]
    return f" The {names} figures are those of an earlier run (`--reuse`), not re-measured."


def render_section(quick: bool = False, reuse: Sequence[str] = ()) -> str:
    """Run everything (but the parts in ``reuse``, taken from the last run) and return the
    section's markdown (under ``HEADING``)."""
    load = os.getloadavg()[0]
    os.environ.setdefault("MUNDWERK_CONFIG_DIR", str(WORK / "config"))  # keys for signing: not the user's
    results = _part("fidelity", reuse, lambda: run_fidelity(quick))
    speeds = _part("speed", reuse, render_speed)
    commands = _part("command", reuse, command_speed)
    runs = _part("memory", reuse, lambda: memory_runs((2,) if quick else (2, 10)))
    speed_header = ["frames", "n", "wall s", "CPU s", f"frames/s (≥ {TARGET_FPS:g})", "frames per CPU second"]
    command_header = ["options", f"wall s (≤ {TARGET_COMMAND_S:g})", "CPU s (user + system)", "peak MB"]
    parts = [
        HEADING,
        f"`python -m bench.render{' --quick' if quick else ''}` (`bench/render.py`), "
        f"{datetime.date.today().isoformat()}; {machine()}; load average at the start {load:.1f}"
        f"{_sharing(load, reuse)}{_reused_note(reuse)}",
        "### Fidelity, measured on the output",
        FIDELITY_NOTE,
        markdown_table(FIDELITY_HEADER, fidelity_rows(results)),
        "### Speed: rendering alone, 512×512",
        "`portrait_frames` on the astronaut (512×512), 10 s of busy syllables at 25 fps, no encoding:",
        markdown_table(speed_header, speed_rows(speeds)),
        "### Speed: the whole `mundwerk render` command, 10 s of speech at 720p",
        "A fresh process (imports, model loading, aligning the LibriVox clip repeated to 10.0 s with "
        f"its transcript, rendering, encoding, signing) on the astronaut at 1280×720; the fastest of "
        f"{COMMAND_RUNS} runs:",
        markdown_table(command_header, command_rows(commands)),
        COMMAND_NOTE,
        f"Load average at the end of the run: {os.getloadavg()[0]:.1f}.",
        "### Memory: 2 and 10 minutes of speech",
        "`mundwerk render` on the astronaut (512×512) with the LibriVox clip repeated "
        "(`bench/memory.py`); peak resident memory (VmHWM) of the process:",
        markdown_table(["speech", "peak MB", "wall s", "CPU s"], memory_rows(runs)),
        _memory_verdict(runs),
    ]
    return "\n\n".join(parts)


def _memory_verdict(runs: Sequence[tuple[int, CommandRun]]) -> str:
    peaks = [run.peak_mb for _, run in runs if run.ok]
    if len(peaks) < 2:
        return "Only one length was run (--quick)."
    if max(peaks) - min(peaks) <= 0.05 * min(peaks):
        return "Peak memory is the same for both lengths (within 5 %): frames are streamed ✓"
    return "Peak memory differs between the lengths by more than 5 % ✗"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into the report at ``path``: in place of its old copy, else before the last line."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.rstrip("\n").split("\n")
    if HEADING in lines:
        start = lines.index(HEADING)
        end = next(
            (
                i
                for i in range(start + 1, len(lines))
                if lines[i].startswith("## ") or lines[i].startswith("_Run took")
            ),
            len(lines),
        )
        lines[start:end] = [*section.split("\n"), ""]
    else:
        at = len(lines) - 1 if lines and lines[-1].startswith("_Run took") else len(lines)
        lines[at:at] = [*section.split("\n"), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one face, 2 minutes only for memory")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument(
        "--reuse", nargs="+", choices=PARTS, default=[], help="take these parts' figures from the last run"
    )
    arguments = parser.parse_args(argv)
    section = render_section(arguments.quick, arguments.reuse)
    print(section)
    write_section(arguments.output, section)
    _log(f"wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
