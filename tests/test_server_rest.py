"""The REST half of the server against a real uvicorn on loopback: cues, render jobs, limits,
tokens, hostile file names, /metrics and the OpenAPI document."""

from __future__ import annotations

import io
import itertools
import json
import re
import socket
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from live_server import SPEECH_WAV, serving
from media import tone, write_audio
from mundwerk.render import probe
from mundwerk.server.settings import ServerSettings
from mundwerk.stream.portrait import default_face_path

UPLOAD_LIMIT_BYTES = 400_000
JOB_TTL_S = 3.0
SHAPES = set("ABCDEFGHX")


def _client(url: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url.replace("ws://", "http://"), timeout=120, headers=headers)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[httpx.Client, Path]]:
    """A server with one render slot, a small upload limit and short-lived results; and its job dir."""
    settings = ServerSettings(max_upload_bytes=UPLOAD_LIMIT_BYTES, max_jobs=1, job_ttl_s=JOB_TTL_S)
    with serving(settings) as served, _client(served.url) as client:
        yield client, served.app.state.jobs.work_dir


@pytest.fixture(scope="module")
def client(server: tuple[httpx.Client, Path]) -> httpx.Client:
    return server[0]


@pytest.fixture(scope="module")
def speech() -> bytes:
    return SPEECH_WAV.read_bytes()


@pytest.fixture(scope="module")
def short_speech(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The first second of the speech clip, as WAV."""
    with wave.open(str(SPEECH_WAV)) as reader:
        rate = reader.getframerate()
        frames = reader.readframes(rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo() -> bytes:
    return default_face_path().read_bytes()


def _error(response: httpx.Response, status: int) -> str:
    """The one-line JSON error of ``response``, after checking its status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert "\n" not in response.text
    message: str = response.json()["error"]
    return message


# -- /v1/analyze ---------------------------------------------------------------------------------


def test_analyze_returns_a_valid_tsv_cue_file(client: httpx.Client, speech: bytes) -> None:
    files = {"audio": ("speech.wav", speech, "audio/wav")}
    response = client.post("/v1/analyze", files=files, data={"recognizer": "phonetic"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    rows = [line.split("\t") for line in response.text.splitlines()]
    times = [float(start) for start, _ in rows]
    assert times[0] == 0.0 and times == sorted(times) and times[-1] < 3.4
    assert {shape for _, shape in rows} <= SHAPES
    assert len({shape for _, shape in rows}) >= 4


def test_analyze_aligns_a_transcript_into_rhubarb_json(client: httpx.Client, speech: bytes) -> None:
    transcript = (SPEECH_WAV.with_suffix(".txt")).read_text(encoding="utf-8")
    files = {"audio": ("speech.wav", speech, "audio/wav")}
    response = client.post("/v1/analyze", files=files, data={"format": "json", "transcript": transcript})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    assert document["metadata"]["soundFile"] == "speech.wav"
    cues = document["mouthCues"]
    assert cues[0]["start"] == 0 and all(a["end"] == b["start"] for a, b in itertools.pairwise(cues))
    assert {cue["value"] for cue in cues} <= SHAPES


def test_analyze_refuses_an_unknown_format_listing_the_formats(client: httpx.Client, speech: bytes) -> None:
    files = {"audio": ("speech.wav", speech, "audio/wav")}
    message = _error(client.post("/v1/analyze", files=files, data={"format": "srt"}), 400)
    assert message.startswith("unknown format 'srt'; choose one of:") and "tsv" in message


def test_a_missing_upload_is_named(client: httpx.Client) -> None:
    assert _error(client.post("/v1/analyze", data={"format": "tsv"}), 422) == (
        "invalid request: missing field 'audio'"
    )


# -- limits and hostile input -------------------------------------------------------------------


def test_an_upload_over_the_limit_is_refused_with_413(
    client: httpx.Client, server: tuple[object, Path]
) -> None:
    big = b"\0" * (UPLOAD_LIMIT_BYTES + 1)
    message = _error(client.post("/v1/analyze", files={"audio": ("big.wav", big, "audio/wav")}), 413)
    assert message == f"upload too large: the limit is {UPLOAD_LIMIT_BYTES} bytes per request"


def test_a_streamed_upload_without_length_is_cut_off_at_the_limit(client: httpx.Client) -> None:
    def body() -> Iterator[bytes]:
        yield b'--x\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\n'
        for _ in range(UPLOAD_LIMIT_BYTES // 65536 + 2):
            yield b"\0" * 65536

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    response = client.post("/v1/analyze", content=body(), headers=headers)
    assert "content-length" not in response.request.headers
    assert _error(response, 413).startswith("upload too large")


def test_text_sent_as_audio_is_refused_naming_the_file(client: httpx.Client) -> None:
    files = {"audio": ("notes.txt", b"these are not sounds\n" * 50, "text/plain")}
    message = _error(client.post("/v1/analyze", files=files), 415)
    assert (
        message
        == "upload 'notes.txt' is not audio (FFmpeg cannot read it: Invalid data found when processing input)"
    )


def test_an_image_sent_as_audio_is_refused(client: httpx.Client, photo: bytes) -> None:
    files = {"audio": ("face.jpg", photo, "audio/wav")}
    assert (
        _error(client.post("/v1/analyze", files=files), 415)
        == "upload 'face.jpg' is not audio (it holds video)"
    )


def test_audio_sent_as_a_photo_is_refused_and_no_job_is_made(
    client: httpx.Client, short_speech: bytes, server: tuple[object, Path]
) -> None:
    files = {
        "face": ("me.wav", short_speech, "audio/wav"),
        "audio": ("speech.wav", short_speech, "audio/wav"),
    }
    message = _error(client.post("/v1/render", files=files), 415)
    assert message.startswith("upload 'me.wav' is not an image (cannot identify image file")
    assert list(server[1].iterdir()) == []


def test_path_tricks_in_file_names_never_reach_a_path(
    client: httpx.Client, speech: bytes, tmp_path: Path
) -> None:
    target = tmp_path / "planted.wav"
    for name in (
        "../../etc/passwd",
        f"../../../../..{target}",
        "..\\..\\windows\\evil.wav",
        "..",
        "a\x00b\n.wav",
    ):
        files = {"audio": (name, speech, "audio/wav")}
        response = client.post("/v1/analyze", files=files, data={"format": "xml", "recognizer": "phonetic"})
        assert response.status_code == 200, (name, response.text)
        sound_file = re.search(r"<soundFile>(.*)</soundFile>", response.text)
        assert sound_file is not None
        assert "/" not in sound_file[1] and "\\" not in sound_file[1] and ".." not in sound_file[1]
    assert not target.exists()
    files = {"audio": ("../../etc/passwd", b"root:x:0:0", "text/plain")}
    assert _error(client.post("/v1/analyze", files=files), 415).startswith("upload 'passwd' is not audio")


def test_an_unknown_job_is_404(client: httpx.Client) -> None:
    missing = "0123456789abcdef0123456789abcdef"
    assert _error(client.get(f"/v1/jobs/{missing}"), 404) == (
        f"no job {missing} (never created, or its result expired and was deleted)"
    )
    assert _error(client.get(f"/v1/jobs/{missing}/result"), 404).startswith(f"no job {missing} ")
    assert _error(client.get("/v1/jobs/a..b"), 404).startswith("no job 'a..b' ")
    _error(client.get("/v1/jobs/..%2F..%2Fetc%2Fpasswd"), 404)


# -- render jobs ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_render_job_runs_downloads_and_expires(
    client: httpx.Client, server: tuple[object, Path], photo: bytes, short_speech: bytes
) -> None:
    files = {"face": ("../me.jpg", photo, "image/jpeg"), "audio": ("hello.wav", short_speech, "audio/wav")}
    response = client.post("/v1/render", files=files)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] in {"queued", "running"} and response.headers["location"] == job["status_url"]

    refused = client.post("/v1/render", files={"face": ("me.jpg", photo, "image/jpeg")}, data={"text": "Hi."})
    assert _error(refused, 503) == "all 1 render job slots are busy; try again later"
    assert refused.headers["retry-after"] == "5"
    early = client.get(job["result_url"])
    assert _error(early, 409).startswith(f"job {job['id']} has no video: it is ")

    status = _wait_until_finished(client, job["status_url"])
    assert status["state"] == "done", status
    assert status["progress"] == 1.0 and status["expires_unix_s"] > time.time()
    job_dir = server[1] / job["id"]
    assert sorted(path.name for path in job_dir.iterdir() if path.name in {"face", "audio"}) == []

    video = client.get(job["result_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = server[1].parent / f"{job['id']}.mp4"
    path.write_bytes(video.content)
    try:
        info = probe(path)
    finally:
        path.unlink()
    assert info.frame_count == 25 and info.audio_rate_hz is not None

    time.sleep(JOB_TTL_S + 1.5)
    assert _error(client.get(job["status_url"]), 404).startswith("no job ")
    assert not job_dir.exists()


@pytest.mark.slow
def test_a_render_without_a_face_fails_naming_the_photo(
    client: httpx.Client, server: tuple[object, Path]
) -> None:
    sky = io.BytesIO()
    Image.new("RGB", (256, 256), (120, 160, 200)).save(sky, "PNG")
    files = {"face": ("/home/me/sky.png", sky.getvalue(), "image/png")}
    response = client.post("/v1/render", files=files, data={"text": "Hi."})
    assert response.status_code == 202, response.text
    job = response.json()
    status = _wait_until_finished(client, job["status_url"])
    assert status["state"] == "failed"
    assert str(status["error"]).startswith("no face found in 'sky.png'")
    assert _error(client.get(job["result_url"]), 409).startswith(
        f"job {job['id']} has no video: it is failed: "
    )
    assert [path.name for path in (server[1] / job["id"]).iterdir() if path.name == "face"] == []


def _wait_until_finished(client: httpx.Client, status_url: str, timeout_s: float = 240) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    progress: list[float] = []
    while time.monotonic() < deadline:
        status: dict[str, object] = client.get(status_url).json()
        progress.append(float(str(status["progress"])))
        if status["state"] in {"done", "failed"}:
            assert progress == sorted(progress)
            return status
        time.sleep(0.5)
    raise AssertionError(f"job not finished after {timeout_s} s")


def test_a_render_needs_audio_or_text(client: httpx.Client, photo: bytes) -> None:
    response = client.post("/v1/render", files={"face": ("me.jpg", photo, "image/jpeg")})
    assert _error(response, 400) == "give the speech either as an 'audio' file or as 'text' (one of them)"


def test_a_render_with_an_unknown_voice_is_refused_at_once(client: httpx.Client, photo: bytes) -> None:
    files = {"face": ("me.jpg", photo, "image/jpeg")}
    response = client.post(
        "/v1/render", files=files, data={"text": "Hi.", "engine": "piper", "voice": "nobody"}
    )
    assert _error(response, 400).startswith("unknown piper voice 'nobody'; choose one of:")


# -- /v1/speak -------------------------------------------------------------------------------------


def test_speak_returns_a_wav_of_the_text(client: httpx.Client) -> None:
    response = client.post("/v1/speak", json={"text": "Hello there, my friend."})
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as reader:
        seconds = reader.getnframes() / reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    assert 0.8 < seconds < 4 and np.abs(samples).max() > 3000


def test_speak_refuses_empty_text(client: httpx.Client) -> None:
    assert _error(client.post("/v1/speak", json={"text": ""}), 422).startswith("invalid request: text:")


# -- token -----------------------------------------------------------------------------------------


def test_every_v1_route_needs_the_token_when_one_is_set(tmp_path: Path) -> None:
    wav = write_audio(tmp_path / "tone.wav", tone(440, 500), 16_000).read_bytes()
    with serving(ServerSettings(token="s3cret", max_upload_bytes=UPLOAD_LIMIT_BYTES)) as served:
        with _client(served.url) as anonymous, _client(served.url, "wrong") as wrong:
            requests = [
                ("POST", "/v1/analyze", {"files": {"audio": ("t.wav", wav, "audio/wav")}}),
                ("POST", "/v1/render", {"files": {"face": ("f.jpg", b"x", "image/jpeg")}}),
                ("POST", "/v1/speak", {"json": {"text": "hi"}}),
                ("GET", "/v1/jobs/abc", {}),
                ("GET", "/v1/jobs/abc/result", {}),
            ]
            for method, path, extra in requests:
                missing = _error(anonymous.request(method, path, **extra), 401)
                assert missing == "missing token: send 'Authorization: Bearer <token>' or '?token=<token>'"
                assert _error(wrong.request(method, path, **extra), 401) == "wrong token"
                assert _error(anonymous.request(method, f"{path}?token=nope", **extra), 401) == "wrong token"
            assert _status_before_body(served.url, 10 * UPLOAD_LIMIT_BYTES, "") == 401
            assert _status_before_body(served.url, 10 * UPLOAD_LIMIT_BYTES, "s3cret") == 413
            assert anonymous.get("/healthz").status_code == 200
            assert anonymous.get("/").status_code == 200
        with _client(served.url, "s3cret") as good:
            assert _error(good.get("/v1/jobs/abc"), 404).startswith("no job")
            assert (
                _error(good.get("/v1/jobs/abc?token=nope", headers={"Authorization": ""}), 401)
                == "wrong token"
            )
        with _client(served.url) as browser:
            assert _error(browser.get("/v1/jobs/abc?token=s3cret"), 404).startswith("no job")


def _status_before_body(url: str, content_length: int, token: str) -> int:
    """The status the server answers a POST with before any of its declared body is sent."""
    host, port = url.removeprefix("ws://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        head = (
            f"POST /v1/analyze?token={token} HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {content_length}\r\n\r\n"
        )
        connection.sendall(head.encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


# -- operations and documents ------------------------------------------------------------------------

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|[+-]Inf|NaN)$")


def parse_prometheus(text: str) -> dict[str, list[tuple[str, float]]]:
    """Samples by metric name (labels as written); fails on any line that is not the text format."""
    samples: dict[str, list[tuple[str, float]]] = {}
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in {"counter", "gauge", "histogram", "summary", "untyped"}
            types[name] = kind
        elif line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
        else:
            match = _SAMPLE.match(line)
            assert match is not None, f"not a Prometheus sample line: {line!r}"
            name = match[1]
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
            assert family in types, f"{name} has no # TYPE line"
            samples.setdefault(name, []).append((match[2] or "", float(match[3])))
    return samples


def test_metrics_are_prometheus_text_with_the_expected_names(client: httpx.Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse_prometheus(response.text)
    for name in (
        "mundwerk_stream_sessions_active",
        "mundwerk_stream_frames_dropped_total",
        "mundwerk_stream_frame_latency_seconds_bucket",
        "mundwerk_stream_frame_latency_seconds_count",
        "mundwerk_render_jobs",
        "mundwerk_render_jobs_refused_total",
    ):
        assert name in samples, name
    buckets = [value for _, value in samples["mundwerk_stream_frame_latency_seconds_bucket"]]
    assert (
        buckets == sorted(buckets)
        and samples["mundwerk_stream_frame_latency_seconds_bucket"][-1][0] == '{le="+Inf"}'
    )
    assert buckets[-1] == samples["mundwerk_stream_frame_latency_seconds_count"][0][1]
    states = {labels for labels, _ in samples["mundwerk_render_jobs"]}
    assert states == {f'{{state="{state}"}}' for state in ("queued", "running", "done", "failed")}


def test_healthz_says_ok(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and set(body["jobs"]) == {"queued", "running", "done", "failed"}


def test_openapi_lists_every_route(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for path in ("/v1/analyze", "/v1/render", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/result", "/v1/speak"):
        assert path in paths, path
    assert {"/healthz", "/metrics"} <= set(paths)
    analyze = paths["/v1/analyze"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in analyze
    assert {"HTTPBearer", "APIKeyQuery"} <= set(document["components"]["securitySchemes"])


def test_demo_page_and_its_files_are_served(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for name in re.findall(r'(?:src|href)="/demo/([^"]+)"', page.text):
        assert client.get(f"/demo/{name}").status_code == 200, name
    assert client.get("/demo/capture-worklet.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/demo/sample.wav").content[:4] == b"RIFF"
    for text in (page.text, client.get("/demo/app.js").text):
        assert "://" not in text  # no CDN: everything comes from this server
    for trick in ("..%2Fapp.py", "%2e%2e/%2e%2e/pyproject.toml", "app.js%00.png"):
        assert client.get(f"/demo/{trick}").status_code == 404
    assert json.loads(client.get("/demo/nope.js").text)["error"] == "no demo file 'nope.js'"
