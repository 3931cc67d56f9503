"""``mundwerk verify`` and signing on the command line: exit 0 marks found, 1 none, 2 error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import av
import c2pa
import numpy as np
import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from certificates import make_chain
from mundwerk.cli import main
from mundwerk.provenance.credentials import sign_file
from mundwerk.provenance.keys import local_ca_path, local_keys
from mundwerk.verifying import NOT_COVERED
from test_credentials import flip_media_byte, noise_png, short_mp4, short_wav

skimage_data = pytest.importorskip("skimage.data")
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def verify(capsys: pytest.CaptureFixture[str], *arguments: str | Path) -> tuple[int, str, str]:
    code = main(["verify", *map(str, arguments)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def verify_json(capsys: pytest.CaptureFixture[str], *arguments: str | Path) -> tuple[int, dict[str, Any]]:
    code, out, _ = verify(capsys, *arguments, "--json")
    return code, json.loads(out)


def fails(capsys: pytest.CaptureFixture[str], command: list[str | Path]) -> tuple[int, str]:
    code = main([str(item) for item in command])
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "Traceback" not in error
    return code, error


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("face") / "astronaut.png"
    Image.fromarray(skimage_data.astronaut()).save(path)
    return path


def test_a_signed_file_is_mundwerks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = noise_png(tmp_path / "a.png")
    sign_file(png, ingredients=[], watermarked=True, job_id=77)
    code, out, _ = verify(capsys, png)
    assert code == 0
    assert out.splitlines()[0] == f"{png}: made by mundwerk"
    assert "C2PA: valid, signed by mundwerk" in out and "job 77" in out
    code, report = verify_json(capsys, png, "--trust", local_ca_path())
    assert code == 0 and report["made_by_mundwerk"]
    assert report["c2pa"]["state"] == "trusted" and report["c2pa"]["reasons"] == []
    assert set(report["watermark"]) >= {"detected", "payload", "confidence"}


def test_an_unsigned_file_is_absent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = verify_json(capsys, short_wav(tmp_path / "a.wav"))
    assert code == 1
    assert report["c2pa"]["state"] == "absent" and not report["made_by_mundwerk"]
    assert report["watermark"]["detected"] is False


def test_a_flipped_byte_is_reported_as_tampering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mp4 = short_mp4(tmp_path / "a.mp4")
    sign_file(mp4, ingredients=[], watermarked=False, job_id=None)
    flip_media_byte(mp4, "mp4")
    code, out, _ = verify(capsys, mp4)
    assert code == 1
    assert "C2PA: invalid" in out and "tampered: the media data no longer matches" in out
    code, report = verify_json(capsys, mp4)
    assert report["c2pa"]["state"] == "invalid" and report["c2pa"]["tampered"]


def test_another_tools_manifest_is_reported_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = noise_png(tmp_path / "a.png")
    signed = tmp_path / "other.png"
    keys = local_keys()
    manifest = {
        "claim_generator_info": [{"name": "OtherTool", "version": "2.0"}],
        "title": "other.png",
        "assertions": [
            {
                "label": "c2pa.actions.v2",
                "data": {"actions": [{"action": "c2pa.created", "digitalSourceType": CAPTURE}]},
            }
        ],
    }
    settings = {"builder": {"thumbnail": {"enabled": False}}, "verify": {"verify_trust": False}}
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", keys.chain_pem, keys.key_pem, None))
    with c2pa.Context.from_dict(settings) as context, open(png, "rb") as source, open(signed, "w+b") as out:
        c2pa.Builder(manifest, context=context).sign(signer, "image/png", source, out)
    code, text, _ = verify(capsys, signed)
    assert code == 1
    assert "C2PA: valid, a manifest from another tool (OtherTool 2.0), not mundwerk's" in text
    code, report = verify_json(capsys, signed)
    assert report["c2pa"]["by_mundwerk"] is False and report["c2pa"]["generator"] == "OtherTool 2.0"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a video\n" * 20, "not a media file (video, image or audio)"),
        (b"", "not a media file (video, image or audio)"),
    ],
)
def test_not_media_is_an_error(
    content: bytes, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    code, error = fails(capsys, ["verify", path])
    assert (code, error) == (2, f"mundwerk: error: {message}: {path}")


def test_a_truncated_mp4_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mp4 = short_mp4(tmp_path / "a.mp4")
    sign_file(mp4, ingredients=[], watermarked=False, job_id=None)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 2])
    code, error = fails(capsys, ["verify", cut])
    assert code == 2
    assert error.startswith("mundwerk: error: truncated MP4 file (the 'mdat' box needs")
    assert error.endswith(f"): {cut}")


def test_a_missing_file_or_trust_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fails(capsys, ["verify", tmp_path / "nope.png"]) == (
        2,
        f"mundwerk: error: file not found: {tmp_path / 'nope.png'}",
    )
    png = noise_png(tmp_path / "a.png")
    sign_file(png, ingredients=[], watermarked=False, job_id=None)
    code, error = fails(capsys, ["verify", png, "--trust", png])
    assert (code, error) == (2, f"mundwerk: error: not a PEM certificate file: {png}")


def speak_command(tmp_path: Path, *extra: str | Path) -> list[str | Path]:
    return ["speak", "Hello there.", "-q", "-o", tmp_path / "out.wav", *extra]


def test_speak_signs_its_wav(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(item) for item in speak_command(tmp_path)]) == 0
    capsys.readouterr()
    code, report = verify_json(capsys, tmp_path / "out.wav")
    assert code == 0 and report["c2pa"]["by_mundwerk"]
    digest = hashlib.sha256(b"Hello there.").hexdigest()
    assert report["c2pa"]["ingredients"] == [{"title": "text", "sha256": digest, "format": "text/plain"}]
    assert report["watermark"]["detected"] is False


def test_speak_signs_with_the_users_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = make_chain(tmp_path / "keys", "studio")
    command = speak_command(tmp_path, "--sign-cert", own.chain, "--sign-key", own.key)
    assert main([str(item) for item in command]) == 0
    capsys.readouterr()
    code, report = verify_json(capsys, tmp_path / "out.wav", "--trust", own.ca)
    assert code == 0 and report["c2pa"]["state"] == "trusted"
    assert report["c2pa"]["signer"].startswith("studio signer")


def test_bad_signing_keys_fail_before_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = make_chain(tmp_path / "keys", "first"), make_chain(tmp_path / "keys", "second")
    expired = make_chain(tmp_path / "keys", "old", valid_days=(-400, -35))
    cases = [
        (
            ["--sign-cert", first.chain, "--sign-key", second.key],
            "the certificate does not match the private key",
        ),
        (
            ["--sign-cert", expired.chain, "--sign-key", expired.key],
            "the certificate 'CN=old signer' expired on ",
        ),
        (["--sign-cert", first.chain], "--sign-cert and --sign-key go together"),
    ]
    for extra, message in cases:
        code, error = fails(capsys, speak_command(tmp_path, *extra))
        assert code == 2 and error.startswith(f"mundwerk: error: {message}"), error
        assert not (tmp_path / "out.wav").exists()
        assert sorted(path.name for path in tmp_path.iterdir()) == ["keys"]


@pytest.mark.slow
def test_render_signs_its_mp4(astronaut: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "talk.mp4"
    assert main(["render", "-q", "--face", str(astronaut), "--text", "Hi there.", "-o", str(out)]) == 0
    capsys.readouterr()
    code, report = verify_json(capsys, out)
    assert code == 0 and report["c2pa"]["state"] == "valid" and report["c2pa"]["by_mundwerk"]
    job_id = report["c2pa"]["job_id"]
    assert report["c2pa"]["watermark_embedded"] and job_id is not None
    assert report["watermark"]["detected"] and report["watermark"]["payload"]["job_id"] == job_id
    photo_digest = hashlib.sha256(astronaut.read_bytes()).hexdigest()
    text_digest = hashlib.sha256(b"Hi there.").hexdigest()
    assert report["c2pa"]["ingredients"] == [
        {"title": "astronaut.png", "sha256": photo_digest, "format": "image/png"},
        {"title": "text", "sha256": text_digest, "format": "text/plain"},
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["talk.mp4"]
    # Remuxed (as a platform might), the manifest is gone but the watermark still answers.
    remuxed = remux(out, tmp_path / "remuxed.mp4")
    code, report = verify_json(capsys, remuxed)
    assert code == 0 and report["c2pa"]["state"] == "absent"
    assert report["watermark"]["payload"]["job_id"] == job_id


def remux(source: Path, target: Path) -> Path:
    """``source``'s packets copied into a new MP4 (no C2PA box survives)."""
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        kept = [stream for stream in inp.streams if stream.type in ("video", "audio")]
        streams = {stream.index: out.add_stream_from_template(stream) for stream in kept}
        for packet in inp.demux():
            if packet.dts is not None and packet.stream.index in streams:
                packet.stream = streams[packet.stream.index]
                out.mux(packet)
    return target


def test_sprites_are_signed(astronaut: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sprites", "--face", str(astronaut), "-o", str(tmp_path), "--size", "32"]) == 0
    capsys.readouterr()
    for name in ("A.png", "contact-sheet.png"):
        code, report = verify_json(capsys, tmp_path / name)
        assert code == 0 and report["c2pa"]["by_mundwerk"]
        assert [item["title"] for item in report["c2pa"]["ingredients"]] == ["astronaut.png"]


def test_a_corrupt_manifest_is_invalid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = noise_png(tmp_path / "a.png")
    sign_file(png, ingredients=[], watermarked=False, job_id=None)
    data = bytearray(png.read_bytes())
    data[data.index(b"caBX") + 400] ^= 0xFF  # inside the manifest store, not the image
    png.write_bytes(bytes(data))
    code, out, err = verify(capsys, png)
    assert (code, err) == (1, "")
    assert "C2PA: invalid" in out and "the manifest cannot be read" in out


def test_other_video_gets_a_watermark_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mkv = tmp_path / "clip.mkv"
    with av.open(str(mkv), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), index * 20, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    code, report = verify_json(capsys, mkv)
    assert code == 1 and report["c2pa"]["state"] == "absent"
    assert report["c2pa"]["reasons"] == [NOT_COVERED]
    assert report["watermark"]["checked"] and not report["watermark"]["detected"]


def test_keys_c2pa_refuses_fail_before_any_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web = make_chain(tmp_path / "keys", "web", usage=ExtendedKeyUsageOID.SERVER_AUTH)
    extra = ["--sign-cert", web.chain, "--sign-key", web.key, "--cues", tmp_path / "c.tsv"]
    code, error = fails(capsys, speak_command(tmp_path, *extra))
    assert code == 2
    assert error.startswith("mundwerk: error: c2pa refused the signing keys (")
    assert error.endswith(f"): {web.chain} with {web.key}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["keys"]
