"""The browser demo at ``/``: a static page, its script and style, and a sample clip.

The files ship inside the package (``server/static``) and are served by fixed names only:
the URL picks an entry of ``STATIC_FILES``, never a path. The page itself needs no token;
it passes the one in its own URL (``/?token=...``) on to /v1/stream and /v1/speak.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

#: The demo's files by URL name, with their content types.
STATIC_FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "capture-worklet.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
#: The sample clip the demo can stream (real speech, LibriVox, public domain).
SAMPLE_CLIP = "librivox-amiable.wav"

router = APIRouter(include_in_schema=False)


@cache
def _static(name: str) -> bytes:
    return (files("mundwerk") / "server" / "static" / name).read_bytes()


@router.get("/", response_class=HTMLResponse)
async def index() -> HTMLResponse:
    return HTMLResponse(_static("index.html"), headers={"Cache-Control": "no-cache"})


@router.get("/demo/sample.wav")
async def sample_clip() -> Response:
    return Response(_sample(), media_type="audio/wav")


@cache
def _sample() -> bytes:
    return (files("mundwerk") / "data" / SAMPLE_CLIP).read_bytes()


@router.get("/demo/{name}")
async def static_file(name: str) -> Response:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HTTPException(404, f"no demo file {name[:64]!r}")
    return Response(_static(name), media_type=media_type, headers={"Cache-Control": "no-cache"})
